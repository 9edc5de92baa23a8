/// Peapod's policy for fields that a single host without an API server cannot honour.
///
/// Everything lives in the tables below: `.warn` accepts the field with a warning naming it,
/// `.refuse` is an error of kind `unsupportedByPeapod` (`spec.volumes[2].configMap: not supported
/// yet`). To support a field later, delete its row. Fields not listed are supported.
public enum Support {
    public enum Verdict: Sendable, Equatable {
        /// Accepted; the warning text follows the field path.
        case warn(String)
        /// Refused; the text follows the field path.
        case refuse(String)
    }

    static let singleHost = Verdict.warn("ignored on a single host")
    static let notYet = Verdict.refuse("not supported yet")
    static let noAPIServer = Verdict.warn("ignored: peapod has no API server (no service account token is mounted)")

    /// A rule: the field (relative to its object), whether it is set (with sub-paths when the
    /// rule applies to list items), and what to do.
    struct Rule<T> {
        let field: String
        let verdict: Verdict
        /// Returns the concrete sub-paths (relative to `field`) that are set: `[""]` for the field
        /// itself, `["[2].valueFrom.secretKeyRef"]` for a list item; empty when unset.
        let setPaths: @Sendable (T) -> [String]

        init(_ field: String, _ verdict: Verdict, _ isSet: @escaping @Sendable (T) -> Bool) {
            self.field = field
            self.verdict = verdict
            self.setPaths = { isSet($0) ? [""] : [] }
        }
        init(_ field: String, _ verdict: Verdict, paths: @escaping @Sendable (T) -> [String]) {
            self.field = field
            self.verdict = verdict
            self.setPaths = paths
        }
    }

    /// Pod-level fields (paths under `spec.`).
    static let podRules: [Rule<PodSpec>] = [
        Rule("nodeSelector", singleHost) { !$0.nodeSelector.isEmpty },
        Rule("affinity", singleHost) { $0.affinity != nil },
        Rule("tolerations", singleHost) { !$0.tolerations.isEmpty },
        Rule("schedulerName", .warn("ignored on a single host (there is no scheduler)")) {
            !$0.schedulerName.isEmpty && $0.schedulerName != Defaults.schedulerName
        },
        Rule("priorityClassName", singleHost) { !$0.priorityClassName.isEmpty },
        Rule("priority", singleHost) { $0.priority != nil },
        Rule("preemptionPolicy", singleHost) { $0.preemptionPolicy != nil },
        Rule("topologySpreadConstraints", singleHost) { !$0.topologySpreadConstraints.isEmpty },
        Rule("nodeName", singleHost) { !$0.nodeName.isEmpty },
        Rule("imagePullSecrets", .warn("ignored: images are local, there is no registry")) { !$0.imagePullSecrets.isEmpty },
        Rule("serviceAccountName", noAPIServer) { !$0.serviceAccountName.isEmpty },
        Rule("serviceAccount", noAPIServer) { !$0.serviceAccount.isEmpty },
        Rule("automountServiceAccountToken", noAPIServer) { $0.automountServiceAccountToken != nil },
        Rule("readinessGates", .warn("ignored: nothing sets these conditions on a single host; Ready follows the containers")) {
            !$0.readinessGates.isEmpty
        },
        Rule("runtimeClassName", .refuse("not supported: peapod has a single runtime")) { $0.runtimeClassName != nil },
        Rule("ephemeralContainers", notYet) { !$0.ephemeralContainers.isEmpty },
        Rule("os", notYet) { $0.os != nil },
        Rule("resourceClaims", notYet) { !$0.resourceClaims.isEmpty },
        Rule("schedulingGates", notYet) { !$0.schedulingGates.isEmpty },
        Rule("overhead", notYet) { !$0.overhead.isEmpty },
        Rule("setHostnameAsFQDN", notYet) { $0.setHostnameAsFQDN == true },
        Rule("resources", notYet) { $0.resources != nil },
        Rule("hostnameOverride", notYet) { $0.hostnameOverride != nil },
        Rule("securityContext.seLinuxOptions", noSELinux) { $0.securityContext?.seLinuxOptions != nil },
        Rule("securityContext.seLinuxChangePolicy", noSELinux) { $0.securityContext?.seLinuxChangePolicy != nil },
        Rule("securityContext.windowsOptions", windowsOnly) { $0.securityContext?.windowsOptions != nil },
        Rule("securityContext.appArmorProfile", noAppArmor) { appArmorConfines($0.securityContext?.appArmorProfile) },
    ]

    static let noSELinux = Verdict.warn("ignored: this host does not enforce SELinux")
    static let windowsOnly = Verdict.warn("ignored: Windows options mean nothing on Linux")
    static let noAppArmor = Verdict.refuse("not supported: peapod does not load AppArmor profiles (only type Unconfined)")

    /// An appArmorProfile that asks for confinement (any type but Unconfined).
    static func appArmorConfines(_ profile: JSONValue?) -> Bool {
        guard let profile else { return false }
        return profile["type"]?.stringValue != "Unconfined"
    }

    /// Container-level fields (paths under `spec.containers[i].` / `spec.initContainers[i].`).
    static let containerRules: [Rule<Container>] = [
        Rule("securityContext.seLinuxOptions", noSELinux) { $0.securityContext?.seLinuxOptions != nil },
        Rule("securityContext.windowsOptions", windowsOnly) { $0.securityContext?.windowsOptions != nil },
        Rule("securityContext.appArmorProfile", noAppArmor) { appArmorConfines($0.securityContext?.appArmorProfile) },
        Rule("envFrom", notYet) { !$0.envFrom.isEmpty },
        Rule("env", notYet, paths: { c in
            c.env.enumerated().flatMap { i, e -> [String] in
                guard let vf = e.valueFrom else { return [] }
                var p: [String] = []
                if vf.configMapKeyRef != nil { p.append("[\(i)].valueFrom.configMapKeyRef") }
                if vf.secretKeyRef != nil { p.append("[\(i)].valueFrom.secretKeyRef") }
                if vf.resourceFieldRef != nil { p.append("[\(i)].valueFrom.resourceFieldRef") }
                if vf.fileKeyRef != nil { p.append("[\(i)].valueFrom.fileKeyRef") }
                return p
            }
        }),
        Rule("volumeDevices", notYet) { !$0.volumeDevices.isEmpty },
        Rule("volumeMounts", notYet, paths: { c in
            c.volumeMounts.enumerated().flatMap { i, m -> [String] in
                var p: [String] = []
                if let mp = m.mountPropagation, mp != "None" { p.append("[\(i)].mountPropagation") }
                if !m.subPathExpr.isEmpty { p.append("[\(i)].subPathExpr") }
                if let r = m.recursiveReadOnly, r != "Disabled" { p.append("[\(i)].recursiveReadOnly") }
                return p
            }
        }),
        // stdin, stdinOnce and tty are honoured: the supervisor keeps stdin open for attach and
        // gives tty containers a terminal (AttachHub, ContainerStdio).
        Rule("resizePolicy", .warn("ignored: resources are not resized in place")) { !$0.resizePolicy.isEmpty },
        Rule("restartPolicyRules", notYet) { !$0.restartPolicyRules.isEmpty },
        Rule("resources.claims", notYet) { !$0.resources.claims.isEmpty },
        // Hooks run `exec` handlers; the other handlers and stopSignal are not there yet.
        Rule("lifecycle", notYet, paths: { c in
            guard let l = c.lifecycle else { return [] }
            var p: [String] = []
            for (name, handler) in [("postStart", l.postStart), ("preStop", l.preStop)] {
                guard let handler else { continue }
                if handler.httpGet != nil { p.append(".\(name).httpGet") }
                if handler.tcpSocket != nil { p.append(".\(name).tcpSocket") }
                if handler.sleep != nil { p.append(".\(name).sleep") }
            }
            if l.stopSignal != nil { p.append(".stopSignal") }
            return p
        }),
        // Probes run exec, tcpSocket and httpGet handlers; tcpSocket and httpGet connect to the
        // pod's own loopback, which is the pod's address on a single host.
        Rule("livenessProbe", .refuse("not supported"), paths: { probePaths($0.livenessProbe, grpc: true) }),
        Rule("readinessProbe", .refuse("not supported"), paths: { probePaths($0.readinessProbe, grpc: true) }),
        Rule("startupProbe", .refuse("not supported"), paths: { probePaths($0.startupProbe, grpc: true) }),
        Rule("livenessProbe", loopbackOnly, paths: { probePaths($0.livenessProbe, grpc: false) }),
        Rule("readinessProbe", loopbackOnly, paths: { probePaths($0.readinessProbe, grpc: false) }),
        Rule("startupProbe", loopbackOnly, paths: { probePaths($0.startupProbe, grpc: false) }),
        Rule("livenessProbe", .refuse("not supported yet: only HTTP"), paths: { httpsPaths($0.livenessProbe) }),
        Rule("readinessProbe", .refuse("not supported yet: only HTTP"), paths: { httpsPaths($0.readinessProbe) }),
        Rule("startupProbe", .refuse("not supported yet: only HTTP"), paths: { httpsPaths($0.startupProbe) }),
    ]

    static let loopbackOnly = Verdict.refuse(
        "not supported: a probe connects to the pod's own address, its loopback, on a single host")

    /// `.grpc` of a probe (grpc: true), or the `host` of its tcpSocket or httpGet handler.
    static func probePaths(_ probe: Probe?, grpc: Bool) -> [String] {
        guard let probe else { return [] }
        if grpc { return probe.grpc != nil ? [".grpc"] : [] }
        if let h = probe.httpGet, !h.host.isEmpty { return [".httpGet.host"] }
        if let t = probe.tcpSocket, !t.host.isEmpty { return [".tcpSocket.host"] }
        return []
    }

    static func httpsPaths(_ probe: Probe?) -> [String] {
        guard let h = probe?.httpGet, h.scheme.uppercased() == "HTTPS" else { return [] }
        return [".httpGet.scheme"]
    }

    /// Volume sources Peapod implements; every other source is refused by name.
    public static let supportedVolumeSources: Set<String> = ["emptyDir", "hostPath", "downwardAPI"]
    public static let supportedEmptyDirMedia: [String] = ["", "Memory"]

    /// Checks a (defaulted, valid) Pod against the policy tables.
    public static func check(_ pod: Pod) -> (errors: [FieldError], warnings: [String]) {
        var errors: [FieldError] = []
        var warnings: [String] = []
        func apply(_ verdict: Verdict, _ path: String) {
            switch verdict {
            case .warn(let text): warnings.append("\(path): \(text)")
            case .refuse(let text): errors.append(.unsupported(path, text))
            }
        }
        let spec = pod.spec
        for rule in podRules {
            for sub in rule.setPaths(spec) { apply(rule.verdict, "spec.\(rule.field)\(sub)") }
        }
        let sets: [(String, [Container])] = [("spec.initContainers", spec.initContainers), ("spec.containers", spec.containers)]
        for (base, list) in sets {
            for (i, c) in list.enumerated() {
                for rule in containerRules {
                    for sub in rule.setPaths(c) {
                        apply(rule.verdict, "\(base)[\(i)].\(rule.field)\(sub)")
                    }
                }
            }
        }
        for (i, v) in spec.volumes.enumerated() {
            let p = "spec.volumes[\(i)]"
            for name in v.sourceNames where !supportedVolumeSources.contains(name) {
                apply(notYet, "\(p).\(name)")
            }
            if let e = v.emptyDir, !supportedEmptyDirMedia.contains(e.medium) {
                errors.append(.unsupported("\(p).emptyDir.medium",
                                           "medium \(goQuote(e.medium)) is not supported yet: supported values: \"\", \"Memory\""))
            }
            if let d = v.downwardAPI {
                for (j, item) in d.items.enumerated() where item.resourceFieldRef != nil {
                    apply(notYet, "\(p).downwardAPI.items[\(j)].resourceFieldRef")
                }
            }
        }
        return (errors, warnings)
    }
}
