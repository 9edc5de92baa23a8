/// core/v1 Probe (the ProbeHandler members are inline, as in the API).
public struct Probe: Sendable, Equatable, KubeObject {
    public var exec: ExecAction?
    public var httpGet: HTTPGetAction?
    public var tcpSocket: TCPSocketAction?
    public var grpc: GRPCAction?
    public var initialDelaySeconds: Int32 = 0
    public var timeoutSeconds: Int32 = 0
    public var periodSeconds: Int32 = 0
    public var successThreshold: Int32 = 0
    public var failureThreshold: Int32 = 0
    public var terminationGracePeriodSeconds: Int64?

    public init() {}

    /// The number of handlers set (validation requires exactly one).
    public var handlerCount: Int {
        (exec == nil ? 0 : 1) + (httpGet == nil ? 0 : 1) + (tcpSocket == nil ? 0 : 1) + (grpc == nil ? 0 : 1)
    }

    init(_ r: ObjectReader) {
        exec = r.opt("exec")
        httpGet = r.opt("httpGet")
        tcpSocket = r.opt("tcpSocket")
        grpc = r.opt("grpc")
        initialDelaySeconds = r.value("initialDelaySeconds")
        timeoutSeconds = r.value("timeoutSeconds")
        periodSeconds = r.value("periodSeconds")
        successThreshold = r.value("successThreshold")
        failureThreshold = r.value("failureThreshold")
        terminationGracePeriodSeconds = r.opt("terminationGracePeriodSeconds")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.opt("exec", exec)
        w.opt("httpGet", httpGet)
        w.opt("tcpSocket", tcpSocket)
        w.opt("grpc", grpc)
        w.omitEmpty("initialDelaySeconds", initialDelaySeconds)
        w.omitEmpty("timeoutSeconds", timeoutSeconds)
        w.omitEmpty("periodSeconds", periodSeconds)
        w.omitEmpty("successThreshold", successThreshold)
        w.omitEmpty("failureThreshold", failureThreshold)
        w.opt("terminationGracePeriodSeconds", terminationGracePeriodSeconds)
    }
}

public struct ExecAction: Sendable, Equatable, KubeObject {
    public var command: [String] = []
    public init(command: [String] = []) { self.command = command }
    init(_ r: ObjectReader) { command = r.list("command") }
    func encodeFields(_ w: inout ObjectWriter) { w.list("command", command) }
}

public struct HTTPHeader: Sendable, Equatable, KubeObject {
    public var name: String = ""
    public var value: String = ""
    public init(name: String = "", value: String = "") { self.name = name; self.value = value }
    init(_ r: ObjectReader) {
        name = r.value("name")
        value = r.value("value")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.always("name", name)
        w.always("value", value)
    }
}

public struct HTTPGetAction: Sendable, Equatable, KubeObject {
    public var path: String = ""
    public var port: IntOrString = .int(0)
    public var host: String = ""
    public var scheme: String = ""
    public var httpHeaders: [HTTPHeader] = []
    public init(path: String = "", port: IntOrString = .int(0)) { self.path = path; self.port = port }
    init(_ r: ObjectReader) {
        path = r.value("path")
        port = r.opt("port") ?? .int(0)
        host = r.value("host")
        scheme = r.value("scheme")
        httpHeaders = r.list("httpHeaders")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.omitEmpty("path", path)
        w.always("port", port)
        w.omitEmpty("host", host)
        w.omitEmpty("scheme", scheme)
        w.list("httpHeaders", httpHeaders)
    }
}

public struct TCPSocketAction: Sendable, Equatable, KubeObject {
    public var port: IntOrString = .int(0)
    public var host: String = ""
    public init(port: IntOrString = .int(0)) { self.port = port }
    init(_ r: ObjectReader) {
        port = r.opt("port") ?? .int(0)
        host = r.value("host")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.always("port", port)
        w.omitEmpty("host", host)
    }
}

public struct GRPCAction: Sendable, Equatable, KubeObject {
    public var port: Int32 = 0
    public var service: String?
    public init(port: Int32 = 0) { self.port = port }
    init(_ r: ObjectReader) {
        port = r.value("port")
        service = r.opt("service")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.always("port", port)
        w.opt("service", service)
    }
}

public struct SleepAction: Sendable, Equatable, KubeObject {
    public var seconds: Int64 = 0
    public init(seconds: Int64 = 0) { self.seconds = seconds }
    init(_ r: ObjectReader) { seconds = r.value("seconds") }
    func encodeFields(_ w: inout ObjectWriter) { w.always("seconds", seconds) }
}

/// core/v1 LifecycleHandler.
public struct LifecycleHandler: Sendable, Equatable, KubeObject {
    public var exec: ExecAction?
    public var httpGet: HTTPGetAction?
    public var tcpSocket: TCPSocketAction?
    public var sleep: SleepAction?
    public init() {}
    public var handlerCount: Int {
        (exec == nil ? 0 : 1) + (httpGet == nil ? 0 : 1) + (tcpSocket == nil ? 0 : 1) + (sleep == nil ? 0 : 1)
    }
    init(_ r: ObjectReader) {
        exec = r.opt("exec")
        httpGet = r.opt("httpGet")
        tcpSocket = r.opt("tcpSocket")
        sleep = r.opt("sleep")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.opt("exec", exec)
        w.opt("httpGet", httpGet)
        w.opt("tcpSocket", tcpSocket)
        w.opt("sleep", sleep)
    }
}

public struct Lifecycle: Sendable, Equatable, KubeObject {
    public var postStart: LifecycleHandler?
    public var preStop: LifecycleHandler?
    public var stopSignal: String?
    public init() {}
    init(_ r: ObjectReader) {
        postStart = r.opt("postStart")
        preStop = r.opt("preStop")
        stopSignal = r.opt("stopSignal")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.opt("postStart", postStart)
        w.opt("preStop", preStop)
        w.opt("stopSignal", stopSignal)
    }
}

// MARK: - Security contexts

public struct Capabilities: Sendable, Equatable, KubeObject {
    public var add: [String] = []
    public var drop: [String] = []
    public init(add: [String] = [], drop: [String] = []) { self.add = add; self.drop = drop }
    init(_ r: ObjectReader) {
        add = r.list("add")
        drop = r.list("drop")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.list("add", add)
        w.list("drop", drop)
    }
}

public struct SeccompProfile: Sendable, Equatable, KubeObject {
    public var type: String = ""
    public var localhostProfile: String?
    public init(type: String = "", localhostProfile: String? = nil) {
        self.type = type
        self.localhostProfile = localhostProfile
    }
    init(_ r: ObjectReader) {
        type = r.value("type")
        localhostProfile = r.opt("localhostProfile")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.always("type", type)
        w.opt("localhostProfile", localhostProfile)
    }
}

public struct Sysctl: Sendable, Equatable, KubeObject {
    public var name: String = ""
    public var value: String = ""
    public init(name: String = "", value: String = "") { self.name = name; self.value = value }
    init(_ r: ObjectReader) {
        name = r.value("name")
        value = r.value("value")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.always("name", name)
        w.always("value", value)
    }
}

/// core/v1 SecurityContext (container level).
public struct SecurityContext: Sendable, Equatable, KubeObject {
    public var capabilities: Capabilities?
    public var privileged: Bool?
    public var seLinuxOptions: JSONValue?
    public var windowsOptions: JSONValue?
    public var runAsUser: Int64?
    public var runAsGroup: Int64?
    public var runAsNonRoot: Bool?
    public var readOnlyRootFilesystem: Bool?
    public var allowPrivilegeEscalation: Bool?
    public var procMount: String?
    public var seccompProfile: SeccompProfile?
    public var appArmorProfile: JSONValue?
    public init() {}

    /// Names of the fields that are set, in API order.
    public var setFields: [String] {
        var f: [String] = []
        if capabilities != nil { f.append("capabilities") }
        if privileged != nil { f.append("privileged") }
        if seLinuxOptions != nil { f.append("seLinuxOptions") }
        if windowsOptions != nil { f.append("windowsOptions") }
        if runAsUser != nil { f.append("runAsUser") }
        if runAsGroup != nil { f.append("runAsGroup") }
        if runAsNonRoot != nil { f.append("runAsNonRoot") }
        if readOnlyRootFilesystem != nil { f.append("readOnlyRootFilesystem") }
        if allowPrivilegeEscalation != nil { f.append("allowPrivilegeEscalation") }
        if procMount != nil { f.append("procMount") }
        if seccompProfile != nil { f.append("seccompProfile") }
        if appArmorProfile != nil { f.append("appArmorProfile") }
        return f
    }

    init(_ r: ObjectReader) {
        capabilities = r.opt("capabilities")
        privileged = r.opt("privileged")
        seLinuxOptions = r.rawObject("seLinuxOptions")
        windowsOptions = r.rawObject("windowsOptions")
        runAsUser = r.opt("runAsUser")
        runAsGroup = r.opt("runAsGroup")
        runAsNonRoot = r.opt("runAsNonRoot")
        readOnlyRootFilesystem = r.opt("readOnlyRootFilesystem")
        allowPrivilegeEscalation = r.opt("allowPrivilegeEscalation")
        procMount = r.opt("procMount")
        seccompProfile = r.opt("seccompProfile")
        appArmorProfile = r.rawObject("appArmorProfile")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.opt("capabilities", capabilities)
        w.opt("privileged", privileged)
        w.raw("seLinuxOptions", seLinuxOptions)
        w.raw("windowsOptions", windowsOptions)
        w.opt("runAsUser", runAsUser)
        w.opt("runAsGroup", runAsGroup)
        w.opt("runAsNonRoot", runAsNonRoot)
        w.opt("readOnlyRootFilesystem", readOnlyRootFilesystem)
        w.opt("allowPrivilegeEscalation", allowPrivilegeEscalation)
        w.opt("procMount", procMount)
        w.opt("seccompProfile", seccompProfile)
        w.raw("appArmorProfile", appArmorProfile)
    }
}

/// core/v1 PodSecurityContext.
public struct PodSecurityContext: Sendable, Equatable, KubeObject {
    public var seLinuxOptions: JSONValue?
    public var windowsOptions: JSONValue?
    public var runAsUser: Int64?
    public var runAsGroup: Int64?
    public var runAsNonRoot: Bool?
    public var supplementalGroups: [Int64] = []
    public var supplementalGroupsPolicy: String?
    public var fsGroup: Int64?
    public var sysctls: [Sysctl] = []
    public var fsGroupChangePolicy: String?
    public var seccompProfile: SeccompProfile?
    public var appArmorProfile: JSONValue?
    public var seLinuxChangePolicy: String?
    public init() {}

    /// Names of the fields that are set, in API order.
    public var setFields: [String] {
        var f: [String] = []
        if seLinuxOptions != nil { f.append("seLinuxOptions") }
        if windowsOptions != nil { f.append("windowsOptions") }
        if runAsUser != nil { f.append("runAsUser") }
        if runAsGroup != nil { f.append("runAsGroup") }
        if runAsNonRoot != nil { f.append("runAsNonRoot") }
        if !supplementalGroups.isEmpty { f.append("supplementalGroups") }
        if supplementalGroupsPolicy != nil { f.append("supplementalGroupsPolicy") }
        if fsGroup != nil { f.append("fsGroup") }
        if !sysctls.isEmpty { f.append("sysctls") }
        if fsGroupChangePolicy != nil { f.append("fsGroupChangePolicy") }
        if seccompProfile != nil { f.append("seccompProfile") }
        if appArmorProfile != nil { f.append("appArmorProfile") }
        if seLinuxChangePolicy != nil { f.append("seLinuxChangePolicy") }
        return f
    }

    init(_ r: ObjectReader) {
        seLinuxOptions = r.rawObject("seLinuxOptions")
        windowsOptions = r.rawObject("windowsOptions")
        runAsUser = r.opt("runAsUser")
        runAsGroup = r.opt("runAsGroup")
        runAsNonRoot = r.opt("runAsNonRoot")
        supplementalGroups = r.list("supplementalGroups")
        supplementalGroupsPolicy = r.opt("supplementalGroupsPolicy")
        fsGroup = r.opt("fsGroup")
        sysctls = r.list("sysctls")
        fsGroupChangePolicy = r.opt("fsGroupChangePolicy")
        seccompProfile = r.opt("seccompProfile")
        appArmorProfile = r.rawObject("appArmorProfile")
        seLinuxChangePolicy = r.opt("seLinuxChangePolicy")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.raw("seLinuxOptions", seLinuxOptions)
        w.raw("windowsOptions", windowsOptions)
        w.opt("runAsUser", runAsUser)
        w.opt("runAsGroup", runAsGroup)
        w.opt("runAsNonRoot", runAsNonRoot)
        w.list("supplementalGroups", supplementalGroups)
        w.opt("supplementalGroupsPolicy", supplementalGroupsPolicy)
        w.opt("fsGroup", fsGroup)
        w.list("sysctls", sysctls)
        w.opt("fsGroupChangePolicy", fsGroupChangePolicy)
        w.opt("seccompProfile", seccompProfile)
        w.raw("appArmorProfile", appArmorProfile)
        w.opt("seLinuxChangePolicy", seLinuxChangePolicy)
    }
}
