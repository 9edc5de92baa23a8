/// core/v1 Container (used for both app and init containers).
public struct Container: Sendable, Equatable, KubeObject {
    public var name: String = ""
    public var image: String = ""
    public var command: [String] = []
    public var args: [String] = []
    public var workingDir: String = ""
    public var ports: [ContainerPort] = []
    public var envFrom: [EnvFromSource] = []
    public var env: [EnvVar] = []
    /// Always present in the API server's output (`resources: {}`).
    public var resources = ResourceRequirements()
    public var resizePolicy: [ContainerResizePolicy] = []
    /// Only "Always" (sidecar) on init containers.
    public var restartPolicy: String?
    public var restartPolicyRules: [JSONValue] = []
    public var volumeMounts: [VolumeMount] = []
    public var volumeDevices: [VolumeDevice] = []
    public var livenessProbe: Probe?
    public var readinessProbe: Probe?
    public var startupProbe: Probe?
    public var lifecycle: Lifecycle?
    public var terminationMessagePath: String = ""
    public var terminationMessagePolicy: String = ""
    public var imagePullPolicy: String = ""
    public var securityContext: SecurityContext?
    public var stdin: Bool = false
    public var stdinOnce: Bool = false
    public var tty: Bool = false

    public init() {}
    public init(name: String, image: String, command: [String] = [], args: [String] = []) {
        self.name = name
        self.image = image
        self.command = command
        self.args = args
    }

    /// Whether this (init) container is a sidecar: `restartPolicy: Always`.
    public var isSidecar: Bool { restartPolicy == "Always" }

    init(_ r: ObjectReader) {
        name = r.value("name")
        image = r.value("image")
        command = r.list("command")
        args = r.list("args")
        workingDir = r.value("workingDir")
        ports = r.list("ports")
        envFrom = r.list("envFrom")
        env = r.list("env")
        resources = r.opt("resources") ?? ResourceRequirements()
        resizePolicy = r.list("resizePolicy")
        restartPolicy = r.opt("restartPolicy")
        restartPolicyRules = r.rawObjects("restartPolicyRules")
        volumeMounts = r.list("volumeMounts")
        volumeDevices = r.list("volumeDevices")
        livenessProbe = r.opt("livenessProbe")
        readinessProbe = r.opt("readinessProbe")
        startupProbe = r.opt("startupProbe")
        lifecycle = r.opt("lifecycle")
        terminationMessagePath = r.value("terminationMessagePath")
        terminationMessagePolicy = r.value("terminationMessagePolicy")
        imagePullPolicy = r.value("imagePullPolicy")
        securityContext = r.opt("securityContext")
        stdin = r.value("stdin")
        stdinOnce = r.value("stdinOnce")
        tty = r.value("tty")
    }

    func encodeFields(_ w: inout ObjectWriter) {
        w.always("name", name)
        w.omitEmpty("image", image)
        w.list("command", command)
        w.list("args", args)
        w.omitEmpty("workingDir", workingDir)
        w.list("ports", ports)
        w.list("envFrom", envFrom)
        w.list("env", env)
        w.always("resources", resources)
        w.list("resizePolicy", resizePolicy)
        w.opt("restartPolicy", restartPolicy)
        w.list("restartPolicyRules", restartPolicyRules)
        w.list("volumeMounts", volumeMounts)
        w.list("volumeDevices", volumeDevices)
        w.opt("livenessProbe", livenessProbe)
        w.opt("readinessProbe", readinessProbe)
        w.opt("startupProbe", startupProbe)
        w.opt("lifecycle", lifecycle)
        w.omitEmpty("terminationMessagePath", terminationMessagePath)
        w.omitEmpty("terminationMessagePolicy", terminationMessagePolicy)
        w.omitEmpty("imagePullPolicy", imagePullPolicy)
        w.opt("securityContext", securityContext)
        w.omitEmpty("stdin", stdin)
        w.omitEmpty("stdinOnce", stdinOnce)
        w.omitEmpty("tty", tty)
    }
}

public struct ContainerPort: Sendable, Equatable, KubeObject {
    public var name: String = ""
    public var hostPort: Int32 = 0
    public var containerPort: Int32 = 0
    public var `protocol`: String = ""
    public var hostIP: String = ""
    public init(containerPort: Int32 = 0, name: String = "", protocol: String = "") {
        self.containerPort = containerPort
        self.name = name
        self.protocol = `protocol`
    }
    init(_ r: ObjectReader) {
        name = r.value("name")
        hostPort = r.value("hostPort")
        containerPort = r.value("containerPort")
        `protocol` = r.value("protocol")
        hostIP = r.value("hostIP")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.omitEmpty("name", name)
        w.omitEmpty("hostPort", hostPort)
        w.always("containerPort", containerPort)
        w.omitEmpty("protocol", `protocol`)
        w.omitEmpty("hostIP", hostIP)
    }
}

public struct EnvVar: Sendable, Equatable, KubeObject {
    public var name: String = ""
    public var value: String = ""
    public var valueFrom: EnvVarSource?
    public init(name: String = "", value: String = "", valueFrom: EnvVarSource? = nil) {
        self.name = name
        self.value = value
        self.valueFrom = valueFrom
    }
    init(_ r: ObjectReader) {
        name = r.value("name")
        value = r.value("value")
        valueFrom = r.opt("valueFrom")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.always("name", name)
        w.omitEmpty("value", value)
        w.opt("valueFrom", valueFrom)
    }
}

public struct EnvVarSource: Sendable, Equatable, KubeObject {
    public var fieldRef: ObjectFieldSelector?
    public var resourceFieldRef: ResourceFieldSelector?
    public var configMapKeyRef: ConfigMapKeySelector?
    public var secretKeyRef: SecretKeySelector?
    /// FileKeyRef (alpha), kept raw.
    public var fileKeyRef: JSONValue?
    public init() {}
    init(_ r: ObjectReader) {
        fieldRef = r.opt("fieldRef")
        resourceFieldRef = r.opt("resourceFieldRef")
        configMapKeyRef = r.opt("configMapKeyRef")
        secretKeyRef = r.opt("secretKeyRef")
        fileKeyRef = r.rawObject("fileKeyRef")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.opt("fieldRef", fieldRef)
        w.opt("resourceFieldRef", resourceFieldRef)
        w.opt("configMapKeyRef", configMapKeyRef)
        w.opt("secretKeyRef", secretKeyRef)
        w.raw("fileKeyRef", fileKeyRef)
    }
}

public struct ObjectFieldSelector: Sendable, Equatable, KubeObject {
    public var apiVersion: String = ""
    public var fieldPath: String = ""
    public init(fieldPath: String = "", apiVersion: String = "") {
        self.fieldPath = fieldPath
        self.apiVersion = apiVersion
    }
    init(_ r: ObjectReader) {
        apiVersion = r.value("apiVersion")
        fieldPath = r.value("fieldPath")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.omitEmpty("apiVersion", apiVersion)
        w.always("fieldPath", fieldPath)
    }
}

public struct ResourceFieldSelector: Sendable, Equatable, KubeObject {
    public var containerName: String = ""
    public var resource: String = ""
    public var divisor: Quantity?
    public init(resource: String = "", containerName: String = "", divisor: Quantity? = nil) {
        self.resource = resource
        self.containerName = containerName
        self.divisor = divisor
    }
    init(_ r: ObjectReader) {
        containerName = r.value("containerName")
        resource = r.value("resource")
        divisor = r.opt("divisor")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.omitEmpty("containerName", containerName)
        w.always("resource", resource)
        w.opt("divisor", divisor)
    }
}

public struct ConfigMapKeySelector: Sendable, Equatable, KubeObject {
    public var name: String = ""
    public var key: String = ""
    public var optional: Bool?
    public init() {}
    init(_ r: ObjectReader) {
        name = r.value("name")
        key = r.value("key")
        optional = r.opt("optional")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.omitEmpty("name", name)
        w.always("key", key)
        w.opt("optional", optional)
    }
}

public struct SecretKeySelector: Sendable, Equatable, KubeObject {
    public var name: String = ""
    public var key: String = ""
    public var optional: Bool?
    public init() {}
    init(_ r: ObjectReader) {
        name = r.value("name")
        key = r.value("key")
        optional = r.opt("optional")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.omitEmpty("name", name)
        w.always("key", key)
        w.opt("optional", optional)
    }
}

/// ConfigMapEnvSource / SecretEnvSource.
public struct EnvSourceReference: Sendable, Equatable, KubeObject {
    public var name: String = ""
    public var optional: Bool?
    public init() {}
    init(_ r: ObjectReader) {
        name = r.value("name")
        optional = r.opt("optional")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.omitEmpty("name", name)
        w.opt("optional", optional)
    }
}

public struct EnvFromSource: Sendable, Equatable, KubeObject {
    public var prefix: String = ""
    public var configMapRef: EnvSourceReference?
    public var secretRef: EnvSourceReference?
    public init() {}
    init(_ r: ObjectReader) {
        prefix = r.value("prefix")
        configMapRef = r.opt("configMapRef")
        secretRef = r.opt("secretRef")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.omitEmpty("prefix", prefix)
        w.opt("configMapRef", configMapRef)
        w.opt("secretRef", secretRef)
    }
}

public struct ResourceRequirements: Sendable, Equatable, KubeObject {
    public var limits: [String: Quantity] = [:]
    public var requests: [String: Quantity] = [:]
    public var claims: [ResourceClaim] = []
    public init(limits: [String: Quantity] = [:], requests: [String: Quantity] = [:]) {
        self.limits = limits
        self.requests = requests
    }
    init(_ r: ObjectReader) {
        limits = r.map("limits")
        requests = r.map("requests")
        claims = r.list("claims")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.map("limits", limits)
        w.map("requests", requests)
        w.list("claims", claims)
    }
}

public struct ResourceClaim: Sendable, Equatable, KubeObject {
    public var name: String = ""
    public var request: String = ""
    public init() {}
    init(_ r: ObjectReader) {
        name = r.value("name")
        request = r.value("request")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.always("name", name)
        w.omitEmpty("request", request)
    }
}

public struct ContainerResizePolicy: Sendable, Equatable, KubeObject {
    public var resourceName: String = ""
    public var restartPolicy: String = ""
    public init() {}
    init(_ r: ObjectReader) {
        resourceName = r.value("resourceName")
        restartPolicy = r.value("restartPolicy")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.always("resourceName", resourceName)
        w.always("restartPolicy", restartPolicy)
    }
}

public struct VolumeMount: Sendable, Equatable, KubeObject {
    public var name: String = ""
    public var readOnly: Bool = false
    public var recursiveReadOnly: String?
    public var mountPath: String = ""
    public var subPath: String = ""
    public var mountPropagation: String?
    public var subPathExpr: String = ""
    public init(name: String = "", mountPath: String = "", readOnly: Bool = false, subPath: String = "") {
        self.name = name
        self.mountPath = mountPath
        self.readOnly = readOnly
        self.subPath = subPath
    }
    init(_ r: ObjectReader) {
        name = r.value("name")
        readOnly = r.value("readOnly")
        recursiveReadOnly = r.opt("recursiveReadOnly")
        mountPath = r.value("mountPath")
        subPath = r.value("subPath")
        mountPropagation = r.opt("mountPropagation")
        subPathExpr = r.value("subPathExpr")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.always("name", name)
        w.omitEmpty("readOnly", readOnly)
        w.opt("recursiveReadOnly", recursiveReadOnly)
        w.always("mountPath", mountPath)
        w.omitEmpty("subPath", subPath)
        w.opt("mountPropagation", mountPropagation)
        w.omitEmpty("subPathExpr", subPathExpr)
    }
}

public struct VolumeDevice: Sendable, Equatable, KubeObject {
    public var name: String = ""
    public var devicePath: String = ""
    public init() {}
    init(_ r: ObjectReader) {
        name = r.value("name")
        devicePath = r.value("devicePath")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.always("name", name)
        w.always("devicePath", devicePath)
    }
}
