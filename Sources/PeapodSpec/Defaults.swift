/// The API server's v1 defaulting (pkg/apis/core/v1/defaults.go and the declarative defaults
/// of types.go). uid, creationTimestamp and generated names are not set here (the CLI does).
public enum Defaults {
    public static let terminationMessagePath = "/dev/termination-log"
    public static let terminationGracePeriodSeconds: Int64 = 30
    public static let schedulerName = "default-scheduler"
    public static let downwardAPIDefaultMode: Int32 = 0o644  // 420

    public static func apply(to pod: inout Pod) {
        if pod.metadata.namespace.isEmpty { pod.metadata.namespace = "default" }
        // SetDefaults_PodSpec
        var spec = pod.spec
        if spec.dnsPolicy.isEmpty { spec.dnsPolicy = "ClusterFirst" }
        if spec.restartPolicy.isEmpty { spec.restartPolicy = "Always" }
        if spec.securityContext == nil { spec.securityContext = PodSecurityContext() }
        if spec.terminationGracePeriodSeconds == nil { spec.terminationGracePeriodSeconds = terminationGracePeriodSeconds }
        if spec.schedulerName.isEmpty { spec.schedulerName = schedulerName }
        // SetDefaults_Pod
        if spec.enableServiceLinks == nil { spec.enableServiceLinks = true }
        for i in spec.containers.indices { defaultContainer(&spec.containers[i], hostNetwork: spec.hostNetwork) }
        for i in spec.initContainers.indices { defaultContainer(&spec.initContainers[i], hostNetwork: spec.hostNetwork) }
        for i in spec.volumes.indices { defaultVolume(&spec.volumes[i]) }
        roundUpToMilli(&spec.overhead)
        if var r = spec.resources {
            roundUpToMilli(&r.limits)
            roundUpToMilli(&r.requests)
            spec.resources = r
        }
        pod.spec = spec
    }

    /// What the API server does on create besides defaulting: a negative
    /// terminationGracePeriodSeconds is replaced by 1 (Validation warns about it), the status
    /// and the fields the server owns (uid, resourceVersion, creationTimestamp, generation,
    /// deletion fields, selfLink, managedFields) are cleared; the CLI fills uid and
    /// creationTimestamp, the runtime writes the status.
    public static func prepareForCreate(_ pod: inout Pod) {
        if let g = pod.spec.terminationGracePeriodSeconds, g < 0 { pod.spec.terminationGracePeriodSeconds = 1 }
        pod.status = nil
        pod.metadata.uid = ""
        pod.metadata.resourceVersion = ""
        pod.metadata.creationTimestamp = nil
        pod.metadata.generation = 0
        pod.metadata.deletionTimestamp = nil
        pod.metadata.deletionGracePeriodSeconds = nil
        pod.metadata.selfLink = ""
        pod.metadata.managedFields = []
    }

    static func defaultContainer(_ c: inout Container, hostNetwork: Bool) {
        if c.imagePullPolicy.isEmpty {
            c.imagePullPolicy = imageTag(c.image) == "latest" ? "Always" : "IfNotPresent"
        }
        if c.terminationMessagePath.isEmpty { c.terminationMessagePath = terminationMessagePath }
        if c.terminationMessagePolicy.isEmpty { c.terminationMessagePolicy = "File" }
        for i in c.ports.indices {
            if c.ports[i].protocol.isEmpty { c.ports[i].protocol = "TCP" }
            if hostNetwork && c.ports[i].hostPort == 0 { c.ports[i].hostPort = c.ports[i].containerPort }
        }
        for i in c.env.indices {
            if var vf = c.env[i].valueFrom, var f = vf.fieldRef, f.apiVersion.isEmpty {
                f.apiVersion = "v1"
                vf.fieldRef = f
                c.env[i].valueFrom = vf
            }
        }
        defaultProbe(&c.livenessProbe)
        defaultProbe(&c.readinessProbe)
        defaultProbe(&c.startupProbe)
        if var l = c.lifecycle {
            if var h = l.postStart { defaultHTTPGet(&h.httpGet); l.postStart = h }
            if var h = l.preStop { defaultHTTPGet(&h.httpGet); l.preStop = h }
            c.lifecycle = l
        }
        roundUpToMilli(&c.resources.limits)
        roundUpToMilli(&c.resources.requests)
        // Requests default to limits where a limit has no request.
        for (k, v) in c.resources.limits where c.resources.requests[k] == nil {
            c.resources.requests[k] = v
        }
    }

    static func defaultProbe(_ p: inout Probe?) {
        guard var probe = p else { return }
        if probe.timeoutSeconds == 0 { probe.timeoutSeconds = 1 }
        if probe.periodSeconds == 0 { probe.periodSeconds = 10 }
        if probe.successThreshold == 0 { probe.successThreshold = 1 }
        if probe.failureThreshold == 0 { probe.failureThreshold = 3 }
        defaultHTTPGet(&probe.httpGet)
        p = probe
    }

    static func defaultHTTPGet(_ h: inout HTTPGetAction?) {
        guard var g = h else { return }
        if g.path.isEmpty { g.path = "/" }
        if g.scheme.isEmpty { g.scheme = "HTTP" }
        h = g
    }

    static func defaultVolume(_ v: inout Volume) {
        // SetDefaults_Volume: a volume with no source at all becomes an emptyDir.
        if v.sourceNames.isEmpty { v.emptyDir = EmptyDirVolumeSource() }
        if var h = v.hostPath, h.type == nil {
            h.type = ""
            v.hostPath = h
        }
        if var e = v.emptyDir, let q = e.sizeLimit {
            e.sizeLimit = q.canonical
            v.emptyDir = e
        }
        if var d = v.downwardAPI {
            if d.defaultMode == nil { d.defaultMode = downwardAPIDefaultMode }
            for i in d.items.indices {
                if var f = d.items[i].fieldRef, f.apiVersion.isEmpty {
                    f.apiVersion = "v1"
                    d.items[i].fieldRef = f
                }
            }
            v.downwardAPI = d
        }
        // Defaults of the sources kept raw (configMap/secret/projected defaultMode) are not
        // applied: Peapod refuses those sources.
    }

    /// SetDefaults_ResourceList: values finer than a thousandth are rounded up to milli units;
    /// every value takes the canonical form the API server stores ("0.5" → "500m").
    static func roundUpToMilli(_ list: inout [String: Quantity]) {
        for (k, q) in list {
            if q.isFinerThanMilli, let r = try? Quantity("\(q.milliValue)m") {
                list[k] = r.canonical
            } else {
                list[k] = q.canonical
            }
        }
    }

    /// The tag of an image reference as the kubelet's parser sees it: "latest" when there is
    /// neither tag nor digest; "" when only a digest is given.
    public static func imageTag(_ image: String) -> String {
        var ref = Substring(image)
        var hasDigest = false
        if let at = ref.firstIndex(of: "@") {
            ref = ref[ref.startIndex..<at]
            hasDigest = true
        }
        let lastComponent = ref.split(separator: "/", omittingEmptySubsequences: false).last ?? ref
        if let colon = lastComponent.lastIndex(of: ":") {
            return String(lastComponent[lastComponent.index(after: colon)...])
        }
        return hasDigest ? "" : "latest"
    }
}

extension Quantity {
    /// Whether the amount has digits below a thousandth (e.g. "0.5m", "1n").
    var isFinerThanMilli: Bool {
        guard !mantissa.isEmpty, binaryExponent == 0 else {
            // Binary suffixes with fractions: check exactly.
            if mantissa.isEmpty { return false }
            return compare(Quantity.milli(milliValue)) != 0
        }
        return decimalExponent < -3
    }

    static func milli(_ v: Int64) -> Quantity {
        (try? Quantity("\(v)m")) ?? (try! Quantity("0"))
    }
}
