// Pod sysctls as the kubelet admits them: a sysctl must belong to a namespace the pod has of its
// own (IPC or network); the kubelet's safe set is always allowed, any other namespaced one only
// when listed with --allowed-unsafe-sysctls (its flag); a sysctl that is not namespaced would
// change the host and is refused. (kubelet pkg/kubelet/sysctl: safe_sysctls.go, namespace.go,
// allowlist.go.)

import PeapodSpec

public enum Sysctls {
    public enum Namespace: String, Sendable { case ipc, net }

    /// The kubelet's safe sysctls (as of Kubernetes 1.32).
    public static let safe: Set<String> = [
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
        "net.ipv4.tcp_rmem",
        "net.ipv4.tcp_wmem",
    ]

    /// `net/ipv4/conf/eth0.100/forwarding` → `net.ipv4.conf.eth0/100.forwarding`: the API takes
    /// both separators; dots within a slash-separated segment become slashes, as the kubelet's
    /// ConvertSysctlVariableToDotsSeparator does.
    public static func dotted(_ name: String) -> String {
        guard let first = name.firstIndex(where: { $0 == "." || $0 == "/" }), name[first] == "/" else { return name }
        return String(name.map { $0 == "/" ? "." : ($0 == "." ? "/" : $0) })
    }

    /// The file under /proc/sys of a (dotted) name.
    public static func procPath(_ name: String) -> String {
        "/proc/sys/" + String(dotted(name).map { $0 == "." ? "/" : ($0 == "/" ? "." : $0) })
    }

    public static func namespace(of name: String) -> Namespace? {
        let n = dotted(name)
        if n == "kernel.sem" || n.hasPrefix("kernel.shm") || n.hasPrefix("kernel.msg") || n.hasPrefix("fs.mqueue.") {
            return .ipc
        }
        if n.hasPrefix("net.") { return .net }
        return nil
    }

    /// Whether `name` matches one of the --allowed-unsafe-sysctls patterns (`name` or `prefix*`).
    public static func allowed(_ name: String, by patterns: [String]) -> Bool {
        let n = dotted(name)
        return patterns.contains { p in
            let pattern = dotted(p)
            return pattern.hasSuffix("*") ? n.hasPrefix(String(pattern.dropLast())) : n == pattern
        }
    }

    /// Why each of the pod's sysctls cannot be set, with its field path.
    public static func problems(_ spec: PodSpec, allowedUnsafe: [String]) -> [String] {
        var problems: [String] = []
        for (i, sysctl) in (spec.securityContext?.sysctls ?? []).enumerated() {
            let path = "spec.securityContext.sysctls[\(i)].name"
            let quoted = GoQuote.quote(sysctl.name)
            switch namespace(of: sysctl.name) {
            case nil:
                problems.append("\(path): Forbidden: \(quoted) is not a namespaced sysctl: setting it would change the host")
            case .net where spec.hostNetwork:
                problems.append("\(path): Forbidden: \(quoted) not allowed with host net enabled")
            case .ipc where spec.hostIPC:
                problems.append("\(path): Forbidden: \(quoted) not allowed with host ipc enabled")
            default:
                if !safe.contains(dotted(sysctl.name)) && !allowed(sysctl.name, by: allowedUnsafe) {
                    problems.append("\(path): Forbidden: unsafe sysctl \(quoted) is not allowed (allow it with --allowed-unsafe-sysctls)")
                }
            }
        }
        return problems
    }
}
