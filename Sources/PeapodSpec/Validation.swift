/// Validation of a (defaulted) Pod at create, as pkg/apis/core/validation does it, with the
/// same field paths and messages; warnings as pkg/api/pod/warnings.go.
public enum Validation {
    public static let totalAnnotationSizeLimit = 256 * 1024

    public static func validate(_ pod: Pod) -> (errors: [FieldError], warnings: [String]) {
        var v = Validator()
        v.objectMeta(pod.metadata)
        v.podSpec(pod.spec, meta: pod.metadata)
        return (v.errors, podWarnings(pod))
    }

    /// The metadata rules alone (names, label keys and values, annotation keys and their total
    /// size), as an update of a pod's labels or annotations is validated.
    /// IsValidLabelValue's messages (kubectl checks a new label's value before sending it).
    public static func labelValueErrors(_ value: String) -> [String] {
        NameRules.labelValue(value)
    }

    public static func validateMetadata(_ metadata: ObjectMeta) -> [FieldError] {
        var v = Validator()
        v.objectMeta(metadata)
        return v.errors
    }

    // MARK: Warnings (pkg/api/pod/warnings.go)

    static func podWarnings(_ pod: Pod) -> [String] {
        var w: [String] = []
        let spec = pod.spec
        let deprecatedAnnotations: [(String, String)] = [
            ("scheduler.alpha.kubernetes.io/critical-pod", "non-functional in v1.16+; use the \"priorityClassName\" field instead"),
            ("security.alpha.kubernetes.io/sysctls", "non-functional in v1.11+; use the \"sysctls\" field instead"),
            ("security.alpha.kubernetes.io/unsafe-sysctls", "non-functional in v1.11+; use the \"sysctls\" field instead"),
        ]
        for (k, msg) in deprecatedAnnotations where pod.metadata.annotations[k] != nil {
            w.append("metadata.annotations[\(k)]: \(msg)")
        }
        let deprecatedVolumes: [(String, String)] = [
            ("photonPersistentDisk", "deprecated in v1.11, non-functional in v1.16+"),
            ("gitRepo", "deprecated in v1.11"),
            ("scaleIO", "deprecated in v1.16, non-functional in v1.22+"),
            ("flocker", "deprecated in v1.22, non-functional in v1.25+"),
            ("storageos", "deprecated in v1.22, non-functional in v1.25+"),
            ("quobyte", "deprecated in v1.22, non-functional in v1.25+"),
            ("glusterfs", "deprecated in v1.25, non-functional in v1.26+"),
            ("cephfs", "deprecated in v1.28, non-functional in v1.31+"),
            ("rbd", "deprecated in v1.28, non-functional in v1.31+"),
        ]
        for (i, vol) in spec.volumes.enumerated() {
            for (k, msg) in deprecatedVolumes where vol.otherSources[k] != nil {
                let name = k == "storageos" ? "storageOS" : k
                w.append("spec.volumes[\(i)].\(name): \(msg)")
            }
        }
        if spec.hostAliases.count > 1 {
            var seen = Set<String>()
            for (i, h) in spec.hostAliases.enumerated() {
                if !seen.insert(h.ip).inserted { w.append("spec.hostAliases[\(i)].ip: duplicate ip \(goQuote(h.ip))") }
            }
        }
        if spec.imagePullSecrets.count > 1 {
            var seen = Set<String>()
            for (i, s) in spec.imagePullSecrets.enumerated() {
                if !seen.insert(s.name).inserted { w.append("spec.imagePullSecrets[\(i)].name: duplicate name \(goQuote(s.name))") }
            }
        }
        for (i, s) in spec.imagePullSecrets.enumerated() where s.name.isEmpty {
            w.append("spec.imagePullSecrets[\(i)].name: invalid empty name \"\"")
        }
        for key in ["memory", "ephemeral-storage"] {
            if let q = spec.overhead[key], q.milliValue % 1000 != 0 {
                w.append("spec.overhead[\(key)]: fractional byte value \(goQuote(q.original)) is invalid, must be an integer")
            }
        }
        let containerSets: [(String, [Container])] = [("spec.initContainers", spec.initContainers), ("spec.containers", spec.containers)]
        for (base, list) in containerSets {
            for (ci, c) in list.enumerated() {
                let p = "\(base)[\(ci)]"
                for kind in ["limits", "requests"] {
                    let rl = kind == "limits" ? c.resources.limits : c.resources.requests
                    for key in ["memory", "ephemeral-storage"] {
                        if let q = rl[key], q.milliValue % 1000 != 0 {
                            w.append("\(p).resources.\(kind)[\(key)]: fractional byte value \(goQuote(q.original)) is invalid, must be an integer")
                        }
                    }
                }
                if c.env.count > 1 {
                    var seen = Set<String>()
                    for (i, e) in c.env.enumerated() {
                        if seen.contains(e.name) {
                            let ref = "$(\(e.name))"
                            if e.valueFrom != nil || e.value == ref || !e.value.containsText(ref) {
                                w.append("\(p).env[\(i)]: hides previous definition of \(goQuote(e.name)), which may be dropped when using apply")
                            }
                        } else {
                            seen.insert(e.name)
                        }
                    }
                }
            }
        }
        // Ports across all containers (init containers first, as VisitContainersWithPath).
        var allPorts: [String: [(field: String, port: ContainerPort)]] = [:]
        for (base, list) in containerSets {
            for (ci, c) in list.enumerated() {
                for (i, port) in c.ports.enumerated() {
                    let f = "\(base)[\(ci)].ports[\(i)]"
                    if !port.hostIP.isEmpty && port.hostPort == 0 {
                        w.append("\(f): hostIP set without hostPort: {Name:\(port.name) HostPort:\(port.hostPort) ContainerPort:\(port.containerPort) Protocol:\(port.protocol) HostIP:\(port.hostIP)}")
                    }
                    let k = "\(port.containerPort)/\(port.protocol)"
                    for other in allPorts[k] ?? [] {
                        if port.hostIP == other.port.hostIP && port.hostPort == other.port.hostPort {
                            w.append("\(f): duplicate port definition with \(other.field)")
                        } else if port.hostPort == 0 || other.port.hostPort == 0 {
                            w.append("\(f): overlapping port definition with \(other.field)")
                        } else if port.hostPort == other.port.hostPort && (port.hostIP.isEmpty != other.port.hostIP.isEmpty) {
                            w.append("\(f): dangerously ambiguous port definition with \(other.field)")
                        }
                    }
                    allPorts[k, default: []].append((f, port))
                }
            }
        }
        if let g = spec.terminationGracePeriodSeconds, g < 0 {
            w.append("spec.terminationGracePeriodSeconds: must be >= 0; negative values are invalid and will be treated as 1")
        }
        for (i, t) in spec.topologySpreadConstraints.enumerated() where t["labelSelector"] == nil || t["labelSelector"]!.isNull {
            w.append("spec.topologySpreadConstraints[\(i)].labelSelector: a null labelSelector results in matching no pod")
        }
        return w
    }
}

/// Accumulates field errors while walking a Pod.
struct Validator {
    var errors: [FieldError] = []
    /// The pod's hostUsers (true when unset), for the container rules that depend on it.
    var hostUsers = true

    mutating func add(_ e: FieldError) { errors.append(e) }
    mutating func required(_ p: String, _ d: String = "") { add(.required(p, d)) }
    mutating func invalid(_ p: String, _ v: JSONValue, _ d: String) { add(.invalid(p, v, d)) }

    mutating func dns1123Label(_ v: String, _ p: String) {
        for m in NameRules.dns1123Label(v) { invalid(p, .string(v), m) }
    }
    mutating func dns1123Subdomain(_ v: String, _ p: String) {
        for m in NameRules.dns1123Subdomain(v) { invalid(p, .string(v), m) }
    }
    mutating func qualifiedName(_ v: String, _ p: String) {
        for m in NameRules.qualifiedName(v) { invalid(p, .string(v), m) }
    }
    mutating func labels(_ l: [String: String], _ p: String) {
        for k in l.keys.sorted() {
            qualifiedName(k, p)
            for m in NameRules.labelValue(l[k]!) { invalid(p, .string(l[k]!), m) }
        }
    }
    mutating func nonNegative(_ v: Int64, _ p: String) {
        if v < 0 { invalid(p, .int(v), "must be greater than or equal to 0") }
    }

    // MARK: ObjectMeta

    mutating func objectMeta(_ m: ObjectMeta) {
        if !m.generateName.isEmpty {
            // The name is generated from the prefix; validate the prefix with a trailing dash masked.
            var prefix = m.generateName
            if prefix.hasSuffix("-") { prefix.removeLast(); prefix += "a" }
            for msg in NameRules.dns1123Subdomain(prefix) { invalid("metadata.generateName", .string(m.generateName), msg) }
        }
        if m.name.isEmpty {
            if m.generateName.isEmpty { required("metadata.name", "name or generateName is required") }
        } else {
            dns1123Subdomain(m.name, "metadata.name")
        }
        if m.namespace.isEmpty {
            required("metadata.namespace")
        } else {
            dns1123Label(m.namespace, "metadata.namespace")
        }
        labels(m.labels, "metadata.labels")
        var size = 0
        for k in m.annotations.keys.sorted() {
            for msg in NameRules.qualifiedName(k.lowercased()) { invalid("metadata.annotations", .string(k), msg) }
            size += k.utf8.count + m.annotations[k]!.utf8.count
        }
        if size > Validation.totalAnnotationSizeLimit {
            add(.tooLong("metadata.annotations", max: Validation.totalAnnotationSizeLimit))
        }
        for (i, o) in m.ownerReferences.enumerated() {
            let p = "metadata.ownerReferences[\(i)]"
            if o.apiVersion.isEmpty { invalid(p + ".apiVersion", .string(o.apiVersion), "version must not be empty") }
            if o.kind.isEmpty { invalid(p + ".kind", .string(o.kind), "kind must not be empty") }
            if o.name.isEmpty { invalid(p + ".name", .string(o.name), "name must not be empty") }
            if o.uid.isEmpty { invalid(p + ".uid", .string(o.uid), "uid must not be empty") }
        }
        for (i, f) in m.finalizers.enumerated() {
            for msg in NameRules.qualifiedName(f) { invalid("metadata.finalizers[\(i)]", .string(f), msg) }
        }
    }

    // MARK: PodSpec

    mutating func podSpec(_ s: PodSpec, meta: ObjectMeta) {
        hostUsers = s.hostUsers ?? true
        let volumes = self.volumes(s.volumes)
        let gracePeriod = s.terminationGracePeriodSeconds
        let claimNames = Set(s.resourceClaims.compactMap { $0["name"]?.stringValue })
        // Regular containers.
        if s.containers.isEmpty { required("spec.containers") }
        var allNames = Set<String>()
        for (i, c) in s.containers.enumerated() {
            let p = "spec.containers[\(i)]"
            containerCommon(c, p, volumes: volumes, claims: claimNames, podRestartPolicy: s.restartPolicy)
            if allNames.contains(c.name) { add(.duplicate(p + ".name", .string(c.name))) } else { allNames.insert(c.name) }
            if let l = c.lifecycle { lifecycle(l, p + ".lifecycle", gracePeriod: gracePeriod, osName: s.os?.name) }
            livenessOrStartup(c.livenessProbe, p + ".livenessProbe")
            readiness(c.readinessProbe, p + ".readinessProbe")
            livenessOrStartup(c.startupProbe, p + ".startupProbe")
            if c.restartPolicy != nil { add(.forbidden(p + ".restartPolicy", "may not be set for non-init containers")) }
            imageWhitespace(c, p)
        }
        hostPortConflicts(s.containers, "spec.containers")
        // Init containers.
        for (i, c) in s.initContainers.enumerated() {
            let p = "spec.initContainers[\(i)]"
            containerCommon(c, p, volumes: volumes, claims: claimNames, podRestartPolicy: s.restartPolicy)
            var restartAlways = false
            if let rp = c.restartPolicy {
                if rp != "Always" { add(.notSupported(p + ".restartPolicy", .string(rp), ["Always"])) }
                restartAlways = rp == "Always"
            }
            if allNames.contains(c.name) {
                add(.duplicate(p + ".name", .string(c.name)))
            } else if !c.name.isEmpty {
                allNames.insert(c.name)
            }
            hostPortConflicts([c], "spec.initContainers")
            if restartAlways {
                if let l = c.lifecycle { lifecycle(l, p + ".lifecycle", gracePeriod: gracePeriod, osName: s.os?.name) }
                livenessOrStartup(c.livenessProbe, p + ".livenessProbe")
                readiness(c.readinessProbe, p + ".readinessProbe")
                livenessOrStartup(c.startupProbe, p + ".startupProbe")
            } else {
                let msg = "may not be set for init containers without restartPolicy=Always"
                if c.lifecycle != nil { add(.forbidden(p + ".lifecycle", msg)) }
                if c.livenessProbe != nil { add(.forbidden(p + ".livenessProbe", msg)) }
                if c.readinessProbe != nil { add(.forbidden(p + ".readinessProbe", msg)) }
                if c.startupProbe != nil { add(.forbidden(p + ".startupProbe", msg)) }
            }
            if !c.resizePolicy.isEmpty {
                invalid(p + ".resizePolicy", .array(c.resizePolicy.map { $0.encoded() }), "must not be set for init containers")
            }
            imageWhitespace(c, p)
        }
        if !s.ephemeralContainers.isEmpty {
            add(.forbidden("spec.ephemeralContainers", "cannot be set on create"))
        }
        if s.hostNetwork {
            for (base, list) in [("spec.containers", s.containers), ("spec.initContainers", s.initContainers)] {
                for (ci, c) in list.enumerated() {
                    for (i, port) in c.ports.enumerated() where port.hostPort != port.containerPort {
                        invalid("\(base)[\(ci)].ports[\(i)].containerPort", .int(Int64(port.containerPort)),
                                "must match `hostPort` when `hostNetwork` is true")
                    }
                }
            }
        }
        switch s.restartPolicy {
        case "Always", "OnFailure", "Never": break
        case "": required("spec.restartPolicy")
        default: add(.notSupported("spec.restartPolicy", .string(s.restartPolicy), ["Always", "OnFailure", "Never"]))
        }
        switch s.dnsPolicy {
        case "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None": break
        case "": required("spec.dnsPolicy")
        default:
            add(.notSupported("spec.dnsPolicy", .string(s.dnsPolicy), ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]))
        }
        labels(s.nodeSelector, "spec.nodeSelector")
        if let sc = s.securityContext { podSecurityContext(sc, "spec.securityContext") }
        dnsConfig(s.dnsConfig, policy: s.dnsPolicy)
        for (i, g) in s.readinessGates.enumerated() {
            qualifiedName(g.conditionType, "spec.readinessGates[\(i)].conditionType")
        }
        for (i, g) in s.schedulingGates.enumerated() {
            let name = g["name"]?.stringValue ?? ""
            for msg in NameRules.qualifiedName(name) { invalid("spec.schedulingGates[\(i)].name", .string(name), msg) }
        }
        // validateHostUsers: a user namespace goes with no namespace of the host (its paths and
        // words as the API server has them, capitals included).
        if s.hostUsers == false {
            let detail = "when `pod.Spec.HostUsers` is false"
            if s.hostNetwork { add(.forbidden("spec.hostNetwork", detail)) }
            if s.hostPID { add(.forbidden("spec.HostPID", detail)) }
            if s.hostIPC { add(.forbidden("spec.HostIPC", detail)) }
        }
        if !s.serviceAccountName.isEmpty { dns1123Subdomain(s.serviceAccountName, "spec.serviceAccountName") }
        if !s.nodeName.isEmpty { dns1123Subdomain(s.nodeName, "spec.nodeName") }
        if let a = s.activeDeadlineSeconds, a < 1 || a > Int64(Int32.max) {
            invalid("spec.activeDeadlineSeconds", .int(a), NameRules.inclusiveRange(1, Int64(Int32.max)))
        }
        if !s.hostname.isEmpty { dns1123Label(s.hostname, "spec.hostname") }
        if !s.subdomain.isEmpty { dns1123Label(s.subdomain, "spec.subdomain") }
        for (i, h) in s.hostAliases.enumerated() {
            let p = "spec.hostAliases[\(i)]"
            if !NameRules.isIP(h.ip) { invalid(p + ".ip", .string(h.ip), "must be valid IP address") }
            for hn in h.hostnames { dns1123Subdomain(hn, p + ".hostnames") }
        }
        if !s.priorityClassName.isEmpty { dns1123Subdomain(s.priorityClassName, "spec.priorityClassName") }
        if let r = s.runtimeClassName { dns1123Subdomain(r, "spec.runtimeClassName") }
        if let pp = s.preemptionPolicy, pp != "PreemptLowerPriority" && pp != "Never" {
            add(.notSupported("spec.preemptionPolicy", .string(pp), ["Never", "PreemptLowerPriority"]))
        }
        for k in s.overhead.keys.sorted() {
            let p = "spec.overhead[\(k)]"
            resourceName(k, p, container: false)
            quantityValue(k, s.overhead[k]!, p)
        }
        if let os = s.os {
            if os.name.isEmpty { required("spec.os.name") } else if os.name != "linux" && os.name != "windows" {
                add(.notSupported("spec.os.name", .string(os.name), ["linux", "windows"]))
            }
        }
        if let r = s.resources {
            resourceRequirements(r, "spec.resources", claims: claimNames, container: false)
        }
    }

    mutating func imageWhitespace(_ c: Container, _ p: String) {
        if c.image.trimmingSpaces() != c.image {
            invalid(p + ".image", .string(c.image), "must not have leading or trailing whitespace")
        }
    }

    mutating func hostPortConflicts(_ containers: [Container], _ base: String) {
        var seen = Set<String>()
        for (ci, c) in containers.enumerated() {
            for (pi, port) in c.ports.enumerated() where port.hostPort != 0 {
                let key = "\(port.protocol)/\(port.hostIP)/\(port.hostPort)"
                if !seen.insert(key).inserted {
                    add(.duplicate("\(base)[\(ci)].ports[\(pi)].hostPort", .string(key)))
                }
            }
        }
    }

    // MARK: Volumes

    /// Validates volumes and returns the map of valid names to volumes.
    mutating func volumes(_ vols: [Volume]) -> [String: Volume] {
        var all: [String: Volume] = [:]
        for (i, vol) in vols.enumerated() {
            let p = "spec.volumes[\(i)]"
            let before = errors.count
            volumeSource(vol, p)
            if vol.name.isEmpty {
                required(p + ".name")
            } else {
                dns1123Label(vol.name, p + ".name")
            }
            if all[vol.name] != nil {
                add(.duplicate(p + ".name", .string(vol.name)))
            }
            if errors.count == before { all[vol.name] = vol }
        }
        return all
    }

    /// Upstream order of the volume source checks.
    static let sourceOrder: [String] = [
        "emptyDir", "hostPath", "gitRepo", "gcePersistentDisk", "awsElasticBlockStore", "secret", "nfs", "iscsi",
        "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI", "fc",
        "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "portworxVolume",
        "projected", "scaleIO", "storageos", "csi", "ephemeral", "image",
    ]

    mutating func volumeSource(_ vol: Volume, _ p: String) {
        let present = Set(vol.sourceNames)
        var count = 0
        for name in Validator.sourceOrder where present.contains(name) {
            if count > 0 {
                add(.forbidden(p + "." + name, "may not specify more than 1 volume type"))
                continue
            }
            count += 1
            switch name {
            case "emptyDir":
                if let q = vol.emptyDir?.sizeLimit, q.isNegative {
                    add(.forbidden(p + ".emptyDir.sizeLimit", "SizeLimit field must be a valid resource quantity"))
                }
            case "hostPath":
                let h = vol.hostPath!
                let hp = p + ".hostPath"
                if h.path.isEmpty {
                    required(hp + ".path")
                } else {
                    noBacksteps(h.path, hp + ".path")
                    if let t = h.type, !Validator.hostPathTypes.contains(t) {
                        add(.notSupported(hp + ".type", .string(t), Validator.hostPathTypes.sorted()))
                    }
                }
            case "downwardAPI":
                downwardAPI(vol.downwardAPI!, p + ".downwardAPI")
            default:
                break  // kept raw; refused by Support
            }
        }
        if count == 0 { required(p, "must specify a volume type") }
    }

    static let hostPathTypes = ["", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"]
    static let fileModeError = "must be a number between 0 and 0777 (octal), both inclusive"

    mutating func downwardAPI(_ d: DownwardAPIVolumeSource, _ p: String) {
        if let m = d.defaultMode, m < 0 || m > 0o777 { invalid(p + ".defaultMode", .int(Int64(m)), Validator.fileModeError) }
        for f in d.items {
            // Upstream reports item errors on the downwardAPI path itself (no item index).
            if f.path.isEmpty { required(p + ".path") }
            localDescendingPath(f.path, p + ".path")
            if f.path.utf8.count >= 2 && f.path.hasPrefix("..") { invalid(p + ".path", .string(f.path), "must not start with '..'") }
            if let fr = f.fieldRef {
                objectFieldSelector(fr, allowed: ["metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid"],
                                    p + ".fieldRef")
                if f.resourceFieldRef != nil {
                    invalid(p, .string("resource"), "fieldRef and resourceFieldRef can not be specified simultaneously")
                }
            } else if let rf = f.resourceFieldRef {
                resourceFieldSelector(rf, p + ".resourceFieldRef", volume: true)
            } else {
                required(p, "one of fieldRef and resourceFieldRef is required")
            }
            if let m = f.mode, m < 0 || m > 0o777 { invalid(p + ".mode", .int(Int64(m)), Validator.fileModeError) }
        }
    }

    mutating func noBacksteps(_ path: String, _ p: String) {
        if path.split(separator: "/", omittingEmptySubsequences: false).contains("..") {
            invalid(p, .string(path), "must not contain '..'")
        }
    }

    mutating func localDescendingPath(_ path: String, _ p: String) {
        if path.hasPrefix("/") { invalid(p, .string(path), "must be a relative path") }
        noBacksteps(path, p)
    }

    // MARK: Containers

    mutating func containerCommon(_ c: Container, _ p: String, volumes: [String: Volume], claims: Set<String>, podRestartPolicy: String) {
        if c.name.isEmpty { required(p + ".name") } else { dns1123Label(c.name, p + ".name") }
        if c.image.isEmpty { required(p + ".image") }
        switch c.terminationMessagePolicy {
        case "File", "FallbackToLogsOnError": break
        case "": required(p + ".terminationMessagePolicy")
        default:
            add(.notSupported(p + ".terminationMessagePolicy", .string(c.terminationMessagePolicy), ["File", "FallbackToLogsOnError"]))
        }
        ports(c.ports, p + ".ports")
        env(c.env, p + ".env")
        envFrom(c.envFrom, p + ".envFrom")
        volumeMounts(c, p + ".volumeMounts", volumes: volumes)
        volumeDevices(c, p + ".volumeDevices", volumes: volumes)
        switch c.imagePullPolicy {
        case "Always", "IfNotPresent", "Never": break
        case "": required(p + ".imagePullPolicy")
        default: add(.notSupported(p + ".imagePullPolicy", .string(c.imagePullPolicy), ["Always", "IfNotPresent", "Never"]))
        }
        resourceRequirements(c.resources, p + ".resources", claims: claims, container: true)
        for (i, r) in c.resizePolicy.enumerated() {
            let rp = "\(p).resizePolicy[\(i)]"
            if r.resourceName != "cpu" && r.resourceName != "memory" {
                add(.notSupported(rp + ".resourceName", .string(r.resourceName), ["cpu", "memory"]))
            }
            if r.restartPolicy != "NotRequired" && r.restartPolicy != "RestartContainer" {
                add(.notSupported(rp + ".restartPolicy", .string(r.restartPolicy), ["NotRequired", "RestartContainer"]))
            }
        }
        if let sc = c.securityContext { securityContext(sc, p + ".securityContext") }
    }

    static let protocols = ["SCTP", "TCP", "UDP"]

    mutating func ports(_ ports: [ContainerPort], _ base: String) {
        var names = Set<String>()
        for (i, port) in ports.enumerated() {
            let p = "\(base)[\(i)]"
            if !port.name.isEmpty {
                let msgs = NameRules.portName(port.name)
                if !msgs.isEmpty {
                    for m in msgs { invalid(p + ".name", .string(port.name), m) }
                } else if names.contains(port.name) {
                    add(.duplicate(p + ".name", .string(port.name)))
                } else {
                    names.insert(port.name)
                }
            }
            if port.containerPort == 0 {
                required(p + ".containerPort")
            } else {
                for m in NameRules.portNum(Int64(port.containerPort)) { invalid(p + ".containerPort", .int(Int64(port.containerPort)), m) }
            }
            if port.hostPort != 0 {
                for m in NameRules.portNum(Int64(port.hostPort)) { invalid(p + ".hostPort", .int(Int64(port.hostPort)), m) }
            }
            if port.protocol.isEmpty {
                required(p + ".protocol")
            } else if !Validator.protocols.contains(port.protocol) {
                add(.notSupported(p + ".protocol", .string(port.protocol), Validator.protocols))
            }
            if !port.hostIP.isEmpty && !NameRules.isIP(port.hostIP) {
                invalid(p + ".hostIP", .string(port.hostIP), "must be a valid IP address")
            }
        }
    }

    static let envFieldPaths = ["metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid",
                                "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs",
                                "status.podIP", "status.podIPs"]
    static let envFieldPathsSupported = ["metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName",
                                         "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"]

    mutating func env(_ vars: [EnvVar], _ base: String) {
        for (i, e) in vars.enumerated() {
            let p = "\(base)[\(i)]"
            if e.name.isEmpty {
                required(p + ".name")
            } else {
                for m in NameRules.envVarName(e.name) { invalid(p + ".name", .string(e.name), m) }
            }
            guard let vf = e.valueFrom else { continue }
            let vp = p + ".valueFrom"
            var n = 0
            if let f = vf.fieldRef {
                n += 1
                objectFieldSelector(f, allowed: Validator.envFieldPathsSupported, vp + ".fieldRef")
            }
            if let r = vf.resourceFieldRef {
                n += 1
                resourceFieldSelector(r, vp + ".resourceFieldRef", volume: false)
            }
            if let c = vf.configMapKeyRef {
                n += 1
                keySelector(name: c.name, key: c.key, vp + ".configMapKeyRef")
            }
            if let s = vf.secretKeyRef {
                n += 1
                keySelector(name: s.name, key: s.key, vp + ".secretKeyRef")
            }
            if vf.fileKeyRef != nil { n += 1 }
            if n == 0 {
                invalid(vp, .string(""), "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`")
            } else if !e.value.isEmpty {
                invalid(vp, .string(""), "may not be specified when `value` is not empty")
            } else if n > 1 {
                invalid(vp, .string(""), "may not have more than one field specified at a time")
            }
        }
    }

    mutating func keySelector(name: String, key: String, _ p: String) {
        if !name.isEmpty { dns1123Subdomain(name, p + ".name") }
        if key.isEmpty {
            required(p + ".key")
        } else {
            for m in NameRules.configMapKey(key) { invalid(p + ".key", .string(key), m) }
        }
    }

    /// Paths accepted by ConvertDownwardAPIFieldLabel for v1 pods.
    static let convertibleFieldPaths: Set<String> = [
        "metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid",
        "spec.nodeName", "spec.restartPolicy", "spec.serviceAccountName", "spec.schedulerName", "status.phase",
        "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs",
    ]

    mutating func objectFieldSelector(_ f: ObjectFieldSelector, allowed: [String], _ p: String) {
        if f.apiVersion.isEmpty { required(p + ".apiVersion"); return }
        if f.fieldPath.isEmpty { required(p + ".fieldPath"); return }
        if f.apiVersion != "v1" {
            invalid(p + ".fieldPath", .string(f.fieldPath), "error converting fieldPath: unsupported pod version: \(f.apiVersion)")
            return
        }
        // Subscripted form: metadata.labels['key'] / metadata.annotations['key'].
        if let open = f.fieldPath.firstIndex(of: "["), f.fieldPath.hasSuffix("']"),
           f.fieldPath[f.fieldPath.index(after: open)...].hasPrefix("'") {
            let path = String(f.fieldPath[..<open])
            let subStart = f.fieldPath.index(open, offsetBy: 2)
            let subEnd = f.fieldPath.index(f.fieldPath.endIndex, offsetBy: -2)
            let key = subStart <= subEnd ? String(f.fieldPath[subStart..<subEnd]) : ""
            switch path {
            case "metadata.annotations": qualifiedName(key.lowercased(), p)
            case "metadata.labels": qualifiedName(key, p)
            default:
                if !Validator.convertibleFieldPaths.contains(path) {
                    invalid(p + ".fieldPath", .string(f.fieldPath), "error converting fieldPath: field label not supported: \(f.fieldPath)")
                } else {
                    invalid(p, .string(path), "does not support subscript")
                }
            }
            return
        }
        if !Validator.convertibleFieldPaths.contains(f.fieldPath) {
            invalid(p + ".fieldPath", .string(f.fieldPath), "error converting fieldPath: field label not supported: \(f.fieldPath)")
            return
        }
        if !allowed.contains(f.fieldPath) {
            add(.notSupported(p + ".fieldPath", .string(f.fieldPath), allowed.sorted()))
        }
    }

    static let resourceFieldPaths = ["limits.cpu", "limits.ephemeral-storage", "limits.memory",
                                     "requests.cpu", "requests.ephemeral-storage", "requests.memory"]

    mutating func resourceFieldSelector(_ r: ResourceFieldSelector, _ p: String, volume: Bool) {
        if volume && r.containerName.isEmpty {
            required(p + ".containerName")
        } else if r.resource.isEmpty {
            required(p + ".resource")
        } else if !Validator.resourceFieldPaths.contains(r.resource)
                    && !r.resource.hasPrefix("requests.hugepages-") && !r.resource.hasPrefix("limits.hugepages-") {
            add(.notSupported(p + ".resource", .string(r.resource), Validator.resourceFieldPaths))
        }
        guard let d = r.divisor, !d.isZero else { return }
        let memoryish = ["1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei"]
        switch r.resource {
        case "limits.cpu", "requests.cpu":
            if !["1m", "1"].contains(d.original) {
                invalid(p + ".divisor", .string(r.resource), "only divisor's values 1m and 1 are supported with the cpu resource")
            }
        case "limits.memory", "requests.memory":
            if !memoryish.contains(d.original) {
                invalid(p + ".divisor", .string(r.resource),
                        "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the memory resource")
            }
        case "limits.ephemeral-storage", "requests.ephemeral-storage":
            if !memoryish.contains(d.original) {
                invalid(p + ".divisor", .string(r.resource),
                        "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the local ephemeral storage resource")
            }
        default: break
        }
    }

    mutating func envFrom(_ list: [EnvFromSource], _ base: String) {
        for (i, e) in list.enumerated() {
            let p = "\(base)[\(i)]"
            if !e.prefix.isEmpty {
                for m in NameRules.envVarName(e.prefix) { invalid(p + ".prefix", .string(e.prefix), m) }
            }
            var n = 0
            if let c = e.configMapRef {
                n += 1
                if c.name.isEmpty { required(p + ".configMapRef.name") } else { dns1123Subdomain(c.name, p + ".configMapRef.name") }
            }
            if let s = e.secretRef {
                n += 1
                if s.name.isEmpty { required(p + ".secretRef.name") } else { dns1123Subdomain(s.name, p + ".secretRef.name") }
            }
            if n == 0 {
                invalid(base, .string(""), "must specify one of: `configMapRef` or `secretRef`")
            } else if n > 1 {
                invalid(base, .string(""), "may not have more than one field specified at a time")
            }
        }
    }

    mutating func volumeMounts(_ c: Container, _ base: String, volumes: [String: Volume]) {
        var mountPoints = Set<String>()
        let devices = Dictionary(c.volumeDevices.map { ($0.name, $0.devicePath) }, uniquingKeysWith: { _, b in b })
        for (i, m) in c.volumeMounts.enumerated() {
            let p = "\(base)[\(i)]"
            if m.name.isEmpty { required(p + ".name") }
            if volumes[m.name] == nil { add(.notFound(p + ".name", .string(m.name))) }
            if m.mountPath.isEmpty { required(p + ".mountPath") }
            if mountPoints.contains(m.mountPath) { invalid(p + ".mountPath", .string(m.mountPath), "must be unique") }
            mountPoints.insert(m.mountPath)
            if devices[m.name] != nil { invalid(p + ".name", .string(m.name), "must not already exist in volumeDevices") }
            if devices.values.contains(m.mountPath) {
                invalid(p + ".mountPath", .string(m.mountPath), "must not already exist as a path in volumeDevices")
            }
            // Upstream reports these on the volumeMounts path itself (no index).
            if !m.subPath.isEmpty { localDescendingPath(m.subPath, base + ".subPath") }
            if !m.subPathExpr.isEmpty {
                if !m.subPath.isEmpty {
                    invalid(p + ".subPathExpr", .string(m.subPathExpr), "subPathExpr and subPath are mutually exclusive")
                }
                localDescendingPath(m.subPathExpr, base + ".subPathExpr")
            }
            if let mp = m.mountPropagation {
                let pp = base + ".mountPropagation"
                switch mp {
                case "None", "HostToContainer": break
                case "Bidirectional":
                    if c.securityContext?.privileged != true {
                        add(.forbidden(pp, "Bidirectional mount propagation is available only to privileged containers"))
                    }
                default:
                    add(.notSupported(pp, .string(mp), ["Bidirectional", "HostToContainer", "None"]))
                }
            }
            if let rro = m.recursiveReadOnly {
                let rp = p + ".recursiveReadOnly"
                switch rro {
                case "Disabled": break
                case "IfPossible", "Enabled":
                    if !m.readOnly { add(.forbidden(rp, "may only be specified when readOnly is true")) }
                    if let mp = m.mountPropagation, mp != "None" {
                        add(.forbidden(rp, "may only be specified when mountPropagation is None or not specified"))
                    }
                default:
                    add(.notSupported(rp, .string(rro), ["Disabled", "Enabled", "IfPossible"]))
                }
            }
        }
    }

    mutating func volumeDevices(_ c: Container, _ base: String, volumes: [String: Volume]) {
        var paths = Set<String>()
        var names = Set<String>()
        let mounts = Dictionary(c.volumeMounts.map { ($0.name, $0.mountPath) }, uniquingKeysWith: { _, b in b })
        for (i, d) in c.volumeDevices.enumerated() {
            let p = "\(base)[\(i)]"
            if d.name.isEmpty { required(p + ".name") }
            if names.contains(d.name) { invalid(p + ".name", .string(d.name), "must be unique") }
            if let v = volumes[d.name] {
                if v.otherSources["persistentVolumeClaim"] == nil && v.otherSources["ephemeral"] == nil {
                    invalid(p + ".name", .string(d.name), "can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode")
                }
            } else {
                add(.notFound(p + ".name", .string(d.name)))
            }
            if d.devicePath.isEmpty { required(p + ".devicePath") }
            if paths.contains(d.devicePath) { invalid(p + ".devicePath", .string(d.devicePath), "must be unique") }
            if d.devicePath.split(separator: "/", omittingEmptySubsequences: false).contains("..") {
                invalid(p + ".devicePath", .string(d.devicePath), "can not contain backsteps ('..')")
            } else {
                paths.insert(d.devicePath)
            }
            if mounts[d.name] != nil { invalid(p + ".name", .string(d.name), "must not already exist in volumeMounts") }
            if mounts.values.contains(d.devicePath) {
                invalid(p + ".devicePath", .string(d.devicePath), "must not already exist as a path in volumeMounts")
            }
            if !d.name.isEmpty { names.insert(d.name) }
        }
    }

    // MARK: Probes and handlers

    mutating func probe(_ pr: Probe, _ p: String) {
        var n = 0
        func one(_ name: String, _ present: Bool, _ check: (inout Validator) -> Void) {
            guard present else { return }
            if n > 0 {
                add(.forbidden(p + "." + name, "may not specify more than 1 handler type"))
            } else {
                n += 1
                check(&self)
            }
        }
        one("exec", pr.exec != nil) { $0.execAction(pr.exec!, p + ".exec") }
        one("httpGet", pr.httpGet != nil) { $0.httpGet(pr.httpGet!, p + ".httpGet") }
        one("tcpSocket", pr.tcpSocket != nil) { $0.portNumOrName(pr.tcpSocket!.port, p + ".tcpSocket.port") }
        one("grpc", pr.grpc != nil) { $0.portNumOrName(.int(pr.grpc!.port), p + ".grpc.port") }
        if n == 0 { required(p, "must specify a handler type") }
        nonNegative(Int64(pr.initialDelaySeconds), p + ".initialDelaySeconds")
        nonNegative(Int64(pr.timeoutSeconds), p + ".timeoutSeconds")
        nonNegative(Int64(pr.periodSeconds), p + ".periodSeconds")
        nonNegative(Int64(pr.successThreshold), p + ".successThreshold")
        nonNegative(Int64(pr.failureThreshold), p + ".failureThreshold")
        if let t = pr.terminationGracePeriodSeconds, t <= 0 {
            invalid(p + ".terminationGracePeriodSeconds", .int(t), "must be greater than 0")
        }
    }

    mutating func livenessOrStartup(_ pr: Probe?, _ p: String) {
        guard let pr else { return }
        probe(pr, p)
        if pr.successThreshold != 1 { invalid(p + ".successThreshold", .int(Int64(pr.successThreshold)), "must be 1") }
    }

    mutating func readiness(_ pr: Probe?, _ p: String) {
        guard let pr else { return }
        probe(pr, p)
        if let t = pr.terminationGracePeriodSeconds {
            invalid(p + ".terminationGracePeriodSeconds", .int(t), "must not be set for readinessProbes")
        }
    }

    mutating func lifecycle(_ l: Lifecycle, _ p: String, gracePeriod: Int64?, osName: String?) {
        if let h = l.postStart { handler(h, p + ".postStart", gracePeriod: gracePeriod) }
        if let h = l.preStop { handler(h, p + ".preStop", gracePeriod: gracePeriod) }
        if l.stopSignal != nil && osName == nil {
            add(.forbidden(p + ".stopSignal", "may not be set for containers with empty `spec.os.name`"))
        }
    }

    mutating func handler(_ h: LifecycleHandler, _ p: String, gracePeriod: Int64?) {
        var n = 0
        func one(_ name: String, _ present: Bool, _ check: (inout Validator) -> Void) {
            guard present else { return }
            if n > 0 {
                add(.forbidden(p + "." + name, "may not specify more than 1 handler type"))
            } else {
                n += 1
                check(&self)
            }
        }
        one("exec", h.exec != nil) { $0.execAction(h.exec!, p + ".exec") }
        one("httpGet", h.httpGet != nil) { $0.httpGet(h.httpGet!, p + ".httpGet") }
        one("tcpSocket", h.tcpSocket != nil) { $0.portNumOrName(h.tcpSocket!.port, p + ".tcpSocket.port") }
        one("sleep", h.sleep != nil) { v in
            let s = h.sleep!.seconds
            if s < 0 {
                v.invalid(p + ".sleep.seconds", .int(s), "must be non-negative integer")
            } else if let g = gracePeriod, s > g {
                v.invalid(p + ".sleep.seconds", .int(s), "must be less than terminationGracePeriodSeconds")
            }
        }
        if n == 0 { required(p, "must specify a handler type") }
    }

    mutating func execAction(_ e: ExecAction, _ p: String) {
        if e.command.isEmpty { required(p + ".command") }
    }

    mutating func httpGet(_ h: HTTPGetAction, _ p: String) {
        if h.path.isEmpty { required(p + ".path") }
        portNumOrName(h.port, p + ".port")
        if h.scheme != "HTTP" && h.scheme != "HTTPS" { add(.notSupported(p + ".scheme", .string(h.scheme), ["HTTP", "HTTPS"])) }
        for header in h.httpHeaders {
            for m in NameRules.httpHeaderName(header.name) { invalid(p + ".httpHeaders", .string(header.name), m) }
        }
    }

    mutating func portNumOrName(_ port: IntOrString, _ p: String) {
        switch port {
        case .int(let i): for m in NameRules.portNum(Int64(i)) { invalid(p, .int(Int64(i)), m) }
        case .string(let s): for m in NameRules.portName(s) { invalid(p, .string(s), m) }
        }
    }

    // MARK: Resources

    static let standardContainerResources: Set<String> = ["cpu", "memory", "ephemeral-storage"]

    static func isNative(_ name: String) -> Bool { !name.contains("/") || name.containsText("kubernetes.io/") }
    static func isHugePages(_ name: String) -> Bool { name.hasPrefix("hugepages-") }
    static func overcommitAllowed(_ name: String) -> Bool { isNative(name) && !isHugePages(name) }

    mutating func resourceName(_ name: String, _ p: String, container: Bool) {
        qualifiedName(name, p)
        if !name.contains("/") {
            let standard = container
                ? (Validator.standardContainerResources.contains(name) || Validator.isHugePages(name))
                : (Validator.standardContainerResources.contains(name) || Validator.isHugePages(name) || name == "pods")
            if !standard {
                invalid(p, .string(name), container ? "must be a standard resource for containers" : "must be a standard resource type or fully qualified")
            }
        } else if !Validator.isNative(name) {
            if name.hasPrefix("requests.") || !NameRules.qualifiedName(name).isEmpty {
                invalid(p, .string(name), "doesn't follow extended resource name standard")
            }
        }
    }

    mutating func quantityValue(_ name: String, _ q: Quantity, _ p: String) {
        if q.isNegative { invalid(p, .string(q.original), "must be greater than or equal to 0") }
        if !Validator.isNative(name) && q.milliValue % 1000 != 0 { invalid(p, .string(q.original), "must be an integer") }
    }

    mutating func resourceRequirements(_ r: ResourceRequirements, _ p: String, claims: Set<String>, container: Bool) {
        let limPath = p + ".limits"
        let reqPath = p + ".requests"
        for k in r.limits.keys.sorted() {
            let fp = "\(limPath)[\(k)]"
            resourceName(k, fp, container: container)
            quantityValue(k, r.limits[k]!, fp)
        }
        for k in r.requests.keys.sorted() {
            let q = r.requests[k]!
            let fp = "\(reqPath)[\(k)]"
            resourceName(k, fp, container: container)
            quantityValue(k, q, fp)
            if let lim = r.limits[k] {
                let c = q.compare(lim)
                if c != 0 && !Validator.overcommitAllowed(k) {
                    invalid(reqPath, .string(q.original), "must be equal to \(k) limit of \(lim.original)")
                } else if c > 0 {
                    invalid(reqPath, .string(q.original), "must be less than or equal to \(k) limit of \(lim.original)")
                }
            } else if !Validator.overcommitAllowed(k) {
                required(limPath, "Limit must be set for non overcommitable resources")
            }
        }
        var seen = Set<String>()
        for (i, c) in r.claims.enumerated() {
            let cp = "\(p).claims[\(i)]"
            if c.name.isEmpty {
                required(cp + ".name")
            } else if !seen.insert(c.name + "/" + c.request).inserted {
                add(.duplicate(cp, .string(c.name)))
            } else if !claims.contains(c.name) {
                invalid(cp, .string(c.name), "must be one of the names in pod.spec.resourceClaims which are: " + claims.sorted().joined(separator: ", "))
            }
        }
    }

    // MARK: Security contexts and DNS

    mutating func idRange(_ v: Int64?, _ p: String) {
        if let v, v < 0 || v > 2147483647 { invalid(p, .int(v), NameRules.inclusiveRange(0, 2147483647)) }
    }

    mutating func seccomp(_ s: SeccompProfile?, _ p: String) {
        guard let s else { return }
        switch s.type {
        case "RuntimeDefault", "Unconfined":
            if s.localhostProfile != nil {
                invalid(p + ".localhostProfile", .string(s.localhostProfile!), "can only be set if seccomp type is Localhost")
            }
        case "Localhost":
            if (s.localhostProfile ?? "").isEmpty {
                required(p + ".localhostProfile", "must be set when seccomp type is Localhost")
            } else {
                localDescendingPath(s.localhostProfile!, p + ".localhostProfile")
            }
        case "": required(p + ".type")
        default: add(.notSupported(p + ".type", .string(s.type), ["Localhost", "RuntimeDefault", "Unconfined"]))
        }
    }

    mutating func podSecurityContext(_ sc: PodSecurityContext, _ p: String) {
        idRange(sc.runAsUser, p + ".runAsUser")
        idRange(sc.runAsGroup, p + ".runAsGroup")
        idRange(sc.fsGroup, p + ".fsGroup")
        for (i, g) in sc.supplementalGroups.enumerated() { idRange(g, "\(p).supplementalGroups[\(i)]") }
        if let f = sc.fsGroupChangePolicy, f != "OnRootMismatch" && f != "Always" {
            add(.notSupported(p + ".fsGroupChangePolicy", .string(f), ["Always", "OnRootMismatch"]))
        }
        if let s = sc.supplementalGroupsPolicy, s != "Merge" && s != "Strict" {
            add(.notSupported(p + ".supplementalGroupsPolicy", .string(s), ["Merge", "Strict"]))
        }
        var names = Set<String>()
        for (i, s) in sc.sysctls.enumerated() {
            let sp = "\(p).sysctls[\(i)]"
            if s.name.isEmpty {
                required(sp + ".name")
            } else if !names.insert(s.name).inserted {
                add(.duplicate(sp + ".name", .string(s.name)))
            }
        }
        seccomp(sc.seccompProfile, p + ".seccompProfile")
    }

    mutating func securityContext(_ sc: SecurityContext, _ p: String) {
        idRange(sc.runAsUser, p + ".runAsUser")
        idRange(sc.runAsGroup, p + ".runAsGroup")
        if let pm = sc.procMount, pm != "Default" && pm != "Unmasked" {
            add(.notSupported(p + ".procMount", .string(pm), ["Default", "Unmasked"]))
        }
        if sc.procMount == "Unmasked" && hostUsers {
            invalid(p + ".procMount", .string("Unmasked"), "`hostUsers` must be false to use `Unmasked`")
        }
        if sc.allowPrivilegeEscalation == false {
            if sc.privileged == true {
                invalid(p, .string("securityContext"), "cannot set `allowPrivilegeEscalation` to false and `privileged` to true")
            }
            if let caps = sc.capabilities, caps.add.contains("CAP_SYS_ADMIN") || caps.add.contains("SYS_ADMIN") {
                invalid(p, .string("securityContext"), "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN")
            }
        }
        seccomp(sc.seccompProfile, p + ".seccompProfile")
    }

    mutating func dnsConfig(_ c: PodDNSConfig?, policy: String) {
        let p = "spec.dnsConfig"
        if policy == "None" && c == nil {
            required(p, "must provide `dnsConfig` when `dnsPolicy` is None")
        }
        guard let c else { return }
        if policy == "None" && c.nameservers.isEmpty {
            required(p + ".nameservers", "must provide at least one DNS nameserver when `dnsPolicy` is None")
        }
        if c.nameservers.count > 3 {
            invalid(p + ".nameservers", .array(c.nameservers.map { .string($0) }), "must not have more than 3 nameservers")
        }
        for (i, ns) in c.nameservers.enumerated() where !NameRules.isIP(ns) {
            invalid("\(p).nameservers[\(i)]", .string(ns), "must be valid IP address")
        }
        if c.searches.count > 32 {
            invalid(p + ".searches", .array(c.searches.map { .string($0) }), "must not have more than 32 search paths")
        }
        let total = c.searches.reduce(0) { $0 + $1.utf8.count } + max(0, c.searches.count - 1)
        if total > 2048 {
            invalid(p + ".searches", .array(c.searches.map { .string($0) }), "must not have more than 2048 characters (including spaces) in the search list")
        }
        for (i, s) in c.searches.enumerated() {
            let d = s == "." ? s : (s.hasSuffix(".") ? String(s.dropLast()) : s)
            if d != "." { dns1123Subdomain(d, "\(p).searches[\(i)]") }
        }
        for (i, o) in c.options.enumerated() where o.name.isEmpty {
            required("\(p).options[\(i)]", "Option.Name must not be empty")
        }
    }
}
