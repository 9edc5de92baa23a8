// Kubernetes core/v1 Pod, ObjectMeta and PodSpec as value types.
// Field rule (mirrors k8s.io/api/core/v1/types.go): Go pointer fields are Swift optionals;
// Go value fields have their zero value ("" / 0 / false / [] / [:]) when unset.

/// A Kubernetes v1 Pod.
public struct Pod: Sendable, Equatable {
    public var apiVersion: String = "v1"
    public var kind: String = "Pod"
    public var metadata = ObjectMeta()
    public var spec = PodSpec()
    public var status: PodStatus?

    public init() {}
    public init(name: String, namespace: String = "", containers: [Container]) {
        metadata.name = name
        metadata.namespace = namespace
        spec.containers = containers
    }

    /// Every container of the pod: init containers first, then app containers.
    public var allContainers: [Container] { spec.initContainers + spec.containers }
    /// "namespace/name".
    public var key: String { metadata.namespace + "/" + metadata.name }
}

extension Pod: KubeObject {
    init(_ r: ObjectReader) {
        apiVersion = r.value("apiVersion")
        kind = r.value("kind")
        metadata = r.opt("metadata") ?? ObjectMeta()
        spec = r.opt("spec") ?? PodSpec()
        status = r.opt("status")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.omitEmpty("apiVersion", apiVersion)
        w.omitEmpty("kind", kind)
        w.always("metadata", metadata)
        w.always("spec", spec)
        w.opt("status", status)
    }

    /// Decodes a Pod from a JSON tree, strictly: unknown fields and wrong types are errors
    /// naming their path. `apiVersion`/`kind` are not checked here (see `Manifest.load`).
    public init(json: JSONValue) throws(ManifestError) {
        let ctx = DecodeContext()
        let decoded = Pod.decode(json, path: "", ctx: ctx)
        if let decoded, ctx.errors.isEmpty {
            self = decoded
            return
        }
        let errs = ctx.errors
        throw ManifestError(document: nil, podName: json["metadata"]?["name"]?.stringValue, stage: .decoding,
                            message: ManifestError.decodingMessage(document: nil, errors: errs), fieldErrors: errs)
    }

    /// The Pod as the API server returns it in JSON: keys sorted as kubectl prints them
    /// (apiVersion, kind, metadata, spec, status, each level alphabetical), unset and empty
    /// optional fields left out.
    public func json() -> JSONValue { encoded().sortedKeys() }
}

extension JSONValue {
    /// The same value with every object's keys in byte order (as Go's encoding of maps).
    public func sortedKeys() -> JSONValue {
        switch self {
        case .array(let a): return .array(a.map { $0.sortedKeys() })
        case .object(let o):
            // Compared as UTF-8 bytes in place (no array per comparison), and not sorted at all
            // when the keys already are in order, as most encoders write them.
            var entries = o.storage
            if !entries.isSortedByUTF8Key { entries.sort { JSONObject.utf8Precedes($0.key, $1.key) } }
            var out = JSONObject(reservingCapacity: entries.count)
            for e in entries { out.appendUnchecked(e.key, e.value.sortedKeys()) }
            return .object(out)
        default: return self
        }
    }
}

/// metav1.ObjectMeta.
public struct ObjectMeta: Sendable, Equatable, KubeObject {
    public var name: String = ""
    public var generateName: String = ""
    public var namespace: String = ""
    public var selfLink: String = ""
    public var uid: String = ""
    public var resourceVersion: String = ""
    public var generation: Int64 = 0
    public var creationTimestamp: Timestamp?
    public var deletionTimestamp: Timestamp?
    public var deletionGracePeriodSeconds: Int64?
    public var labels: [String: String] = [:]
    public var annotations: [String: String] = [:]
    public var ownerReferences: [OwnerReference] = []
    public var finalizers: [String] = []
    /// Kept as raw JSON (server-side apply bookkeeping).
    public var managedFields: [JSONValue] = []

    public init() {}

    init(_ r: ObjectReader) {
        name = r.value("name")
        generateName = r.value("generateName")
        namespace = r.value("namespace")
        selfLink = r.value("selfLink")
        uid = r.value("uid")
        resourceVersion = r.value("resourceVersion")
        generation = r.value("generation")
        creationTimestamp = r.opt("creationTimestamp")
        deletionTimestamp = r.opt("deletionTimestamp")
        deletionGracePeriodSeconds = r.opt("deletionGracePeriodSeconds")
        labels = r.map("labels")
        annotations = r.map("annotations")
        ownerReferences = r.list("ownerReferences")
        finalizers = r.list("finalizers")
        managedFields = r.list("managedFields")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.omitEmpty("name", name)
        w.omitEmpty("generateName", generateName)
        w.omitEmpty("namespace", namespace)
        w.omitEmpty("selfLink", selfLink)
        w.omitEmpty("uid", uid)
        w.omitEmpty("resourceVersion", resourceVersion)
        w.omitEmpty("generation", generation)
        w.opt("creationTimestamp", creationTimestamp)
        w.opt("deletionTimestamp", deletionTimestamp)
        w.opt("deletionGracePeriodSeconds", deletionGracePeriodSeconds)
        w.map("labels", labels)
        w.map("annotations", annotations)
        w.list("ownerReferences", ownerReferences)
        w.list("finalizers", finalizers)
        w.list("managedFields", managedFields)
    }
}

/// metav1.OwnerReference.
public struct OwnerReference: Sendable, Equatable, KubeObject {
    public var apiVersion: String = ""
    public var kind: String = ""
    public var name: String = ""
    public var uid: String = ""
    public var controller: Bool?
    public var blockOwnerDeletion: Bool?
    public init() {}
    init(_ r: ObjectReader) {
        apiVersion = r.value("apiVersion")
        kind = r.value("kind")
        name = r.value("name")
        uid = r.value("uid")
        controller = r.opt("controller")
        blockOwnerDeletion = r.opt("blockOwnerDeletion")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.always("apiVersion", apiVersion)
        w.always("kind", kind)
        w.always("name", name)
        w.always("uid", uid)
        w.opt("controller", controller)
        w.opt("blockOwnerDeletion", blockOwnerDeletion)
    }
}

/// core/v1 PodSpec: every field of the v1 API.
public struct PodSpec: Sendable, Equatable, KubeObject {
    public var volumes: [Volume] = []
    public var initContainers: [Container] = []
    public var containers: [Container] = []
    /// Ephemeral (debug) containers, kept raw: Peapod refuses them.
    public var ephemeralContainers: [JSONValue] = []
    public var restartPolicy: String = ""
    public var terminationGracePeriodSeconds: Int64?
    public var activeDeadlineSeconds: Int64?
    public var dnsPolicy: String = ""
    public var nodeSelector: [String: String] = [:]
    public var serviceAccountName: String = ""
    /// Deprecated alias of serviceAccountName.
    public var serviceAccount: String = ""
    public var automountServiceAccountToken: Bool?
    public var nodeName: String = ""
    public var hostNetwork: Bool = false
    public var hostPID: Bool = false
    public var hostIPC: Bool = false
    public var shareProcessNamespace: Bool?
    public var securityContext: PodSecurityContext?
    public var imagePullSecrets: [LocalObjectReference] = []
    public var hostname: String = ""
    public var subdomain: String = ""
    /// Kept raw (meaningless on one host).
    public var affinity: JSONValue?
    public var schedulerName: String = ""
    public var tolerations: [JSONValue] = []
    public var hostAliases: [HostAlias] = []
    public var priorityClassName: String = ""
    public var priority: Int32?
    public var dnsConfig: PodDNSConfig?
    public var readinessGates: [PodReadinessGate] = []
    public var runtimeClassName: String?
    public var enableServiceLinks: Bool?
    public var preemptionPolicy: String?
    public var overhead: [String: Quantity] = [:]
    public var topologySpreadConstraints: [JSONValue] = []
    public var setHostnameAsFQDN: Bool?
    public var os: PodOS?
    public var hostUsers: Bool?
    public var schedulingGates: [JSONValue] = []
    public var resourceClaims: [JSONValue] = []
    /// Pod-level resources (PodLevelResources feature).
    public var resources: ResourceRequirements?
    public var hostnameOverride: String?

    public init() {}

    init(_ r: ObjectReader) {
        volumes = r.list("volumes")
        initContainers = r.list("initContainers")
        containers = r.list("containers")
        ephemeralContainers = r.list("ephemeralContainers")
        restartPolicy = r.value("restartPolicy")
        terminationGracePeriodSeconds = r.opt("terminationGracePeriodSeconds")
        activeDeadlineSeconds = r.opt("activeDeadlineSeconds")
        dnsPolicy = r.value("dnsPolicy")
        nodeSelector = r.map("nodeSelector")
        serviceAccountName = r.value("serviceAccountName")
        serviceAccount = r.value("serviceAccount")
        automountServiceAccountToken = r.opt("automountServiceAccountToken")
        nodeName = r.value("nodeName")
        hostNetwork = r.value("hostNetwork")
        hostPID = r.value("hostPID")
        hostIPC = r.value("hostIPC")
        shareProcessNamespace = r.opt("shareProcessNamespace")
        securityContext = r.opt("securityContext")
        imagePullSecrets = r.list("imagePullSecrets")
        hostname = r.value("hostname")
        subdomain = r.value("subdomain")
        affinity = r.rawObject("affinity")
        schedulerName = r.value("schedulerName")
        tolerations = r.rawObjects("tolerations")
        hostAliases = r.list("hostAliases")
        priorityClassName = r.value("priorityClassName")
        priority = r.opt("priority")
        dnsConfig = r.opt("dnsConfig")
        readinessGates = r.list("readinessGates")
        runtimeClassName = r.opt("runtimeClassName")
        enableServiceLinks = r.opt("enableServiceLinks")
        preemptionPolicy = r.opt("preemptionPolicy")
        overhead = r.map("overhead")
        topologySpreadConstraints = r.rawObjects("topologySpreadConstraints")
        setHostnameAsFQDN = r.opt("setHostnameAsFQDN")
        os = r.opt("os")
        hostUsers = r.opt("hostUsers")
        schedulingGates = r.rawObjects("schedulingGates")
        resourceClaims = r.rawObjects("resourceClaims")
        resources = r.opt("resources")
        hostnameOverride = r.opt("hostnameOverride")
    }

    func encodeFields(_ w: inout ObjectWriter) {
        w.list("volumes", volumes)
        w.list("initContainers", initContainers)
        w.list("containers", containers, always: true)
        w.list("ephemeralContainers", ephemeralContainers)
        w.omitEmpty("restartPolicy", restartPolicy)
        w.opt("terminationGracePeriodSeconds", terminationGracePeriodSeconds)
        w.opt("activeDeadlineSeconds", activeDeadlineSeconds)
        w.omitEmpty("dnsPolicy", dnsPolicy)
        w.map("nodeSelector", nodeSelector)
        w.omitEmpty("serviceAccountName", serviceAccountName)
        w.omitEmpty("serviceAccount", serviceAccount)
        w.opt("automountServiceAccountToken", automountServiceAccountToken)
        w.omitEmpty("nodeName", nodeName)
        w.omitEmpty("hostNetwork", hostNetwork)
        w.omitEmpty("hostPID", hostPID)
        w.omitEmpty("hostIPC", hostIPC)
        w.opt("shareProcessNamespace", shareProcessNamespace)
        w.opt("securityContext", securityContext)
        w.list("imagePullSecrets", imagePullSecrets)
        w.omitEmpty("hostname", hostname)
        w.omitEmpty("subdomain", subdomain)
        w.raw("affinity", affinity)
        w.omitEmpty("schedulerName", schedulerName)
        w.list("tolerations", tolerations)
        w.list("hostAliases", hostAliases)
        w.omitEmpty("priorityClassName", priorityClassName)
        w.opt("priority", priority)
        w.opt("dnsConfig", dnsConfig)
        w.list("readinessGates", readinessGates)
        w.opt("runtimeClassName", runtimeClassName)
        w.opt("enableServiceLinks", enableServiceLinks)
        w.opt("preemptionPolicy", preemptionPolicy)
        w.map("overhead", overhead)
        w.list("topologySpreadConstraints", topologySpreadConstraints)
        w.opt("setHostnameAsFQDN", setHostnameAsFQDN)
        w.opt("os", os)
        w.opt("hostUsers", hostUsers)
        w.list("schedulingGates", schedulingGates)
        w.list("resourceClaims", resourceClaims)
        w.opt("resources", resources)
        w.opt("hostnameOverride", hostnameOverride)
    }
}

extension ObjectReader {
    /// A field kept as raw JSON that must be an object.
    func rawObject(_ key: String) -> JSONValue? {
        guard let v = raw(key) else { return nil }
        guard case .object = v else {
            ctx.typeError(sub(key), expected: "object", got: v)
            return nil
        }
        return v
    }

    /// A list kept as raw JSON whose items must be objects.
    func rawObjects(_ key: String) -> [JSONValue] {
        let items: [JSONValue] = list(key)
        var out: [JSONValue] = []
        for (i, v) in items.enumerated() {
            if case .object = v { out.append(v) } else {
                ctx.typeError(sub(key) + "[\(i)]", expected: "object", got: v)
            }
        }
        return out
    }
}

/// core/v1 LocalObjectReference (imagePullSecrets).
public struct LocalObjectReference: Sendable, Equatable, KubeObject {
    public var name: String = ""
    public init(name: String = "") { self.name = name }
    init(_ r: ObjectReader) { name = r.value("name") }
    func encodeFields(_ w: inout ObjectWriter) { w.omitEmpty("name", name) }
}

/// core/v1 HostAlias: extra /etc/hosts lines.
public struct HostAlias: Sendable, Equatable, KubeObject {
    public var ip: String = ""
    public var hostnames: [String] = []
    public init(ip: String = "", hostnames: [String] = []) { self.ip = ip; self.hostnames = hostnames }
    init(_ r: ObjectReader) {
        ip = r.value("ip")
        hostnames = r.list("hostnames")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.always("ip", ip)
        w.list("hostnames", hostnames)
    }
}

/// core/v1 PodDNSConfig.
public struct PodDNSConfig: Sendable, Equatable, KubeObject {
    public var nameservers: [String] = []
    public var searches: [String] = []
    public var options: [PodDNSConfigOption] = []
    public init() {}
    init(_ r: ObjectReader) {
        nameservers = r.list("nameservers")
        searches = r.list("searches")
        options = r.list("options")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.list("nameservers", nameservers)
        w.list("searches", searches)
        w.list("options", options)
    }
}

public struct PodDNSConfigOption: Sendable, Equatable, KubeObject {
    public var name: String = ""
    public var value: String?
    public init(name: String = "", value: String? = nil) { self.name = name; self.value = value }
    init(_ r: ObjectReader) {
        name = r.value("name")
        value = r.opt("value")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.omitEmpty("name", name)
        w.opt("value", value)
    }
}

public struct PodReadinessGate: Sendable, Equatable, KubeObject {
    public var conditionType: String = ""
    public init(conditionType: String = "") { self.conditionType = conditionType }
    init(_ r: ObjectReader) { conditionType = r.value("conditionType") }
    func encodeFields(_ w: inout ObjectWriter) { w.always("conditionType", conditionType) }
}

public struct PodOS: Sendable, Equatable, KubeObject {
    public var name: String = ""
    public init(name: String = "") { self.name = name }
    init(_ r: ObjectReader) { name = r.value("name") }
    func encodeFields(_ w: inout ObjectWriter) { w.always("name", name) }
}

extension Dictionary: KubeCodable where Key == String, Value: KubeCodable {
    static func decode(_ v: JSONValue, path: String, ctx: DecodeContext) -> [String: Value]? {
        guard case .object(let o) = v else {
            ctx.typeError(path, expected: "object", got: v)
            return nil
        }
        var out: [String: Value] = [:]
        for e in o.storage where !e.value.isNull {
            if let d = Value.decode(e.value, path: path + "." + e.key, ctx: ctx) { out[e.key] = d }
        }
        return out
    }
    func encoded() -> JSONValue {
        var o = JSONObject()
        for k in keys.sorted() { o.appendUnchecked(k, self[k]!.encoded()) }
        return .object(o)
    }
    var isEmptyValue: Bool { isEmpty }
}
