// The per-pod files every container gets bind-mounted: /etc/hosts, /etc/hostname and
// /etc/resolv.conf, written into the pod directory as the kubelet (hosts) and containerd
// (hostname, resolv.conf) write them.
//
// /etc/hosts (kubelet_pods.go managedHostsFileContent): the "# Kubernetes-managed hosts file."
// header, the localhost and IPv6 boilerplate, one "IP<TAB>hostname" line per pod IP, then the
// hostAliases after "# Entries added by HostAliases.". The pod has only a loopback interface, so
// its address is 127.0.0.1 (the default of `podIPs`, and what status.podIP should report): the
// hostname then resolves to an address that every server in the pod listening on 127.0.0.1 or
// 0.0.0.0 answers on. (127.0.1.1, Debian's habit, would miss servers bound to 127.0.0.1.)
//
// /etc/resolv.conf (kubelet pkg/kubelet/network/dns): there is no cluster DNS, and a kubelet with
// no cluster DNS configured falls back from ClusterFirst to Default, i.e. the node's resolv.conf.
// Its nameserver, search and options lines are kept (at most 3 nameservers, as the kubelet
// keeps), dnsConfig is merged in (servers and searches appended without duplicates, options
// overriding by name), and the file is written in containerd's order: search, nameserver,
// options. dnsPolicy None uses dnsConfig alone.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

import PeapodSpec

public enum PodFiles {
    /// The pod's hostname: spec.hostname, else the pod name cut to 63 characters without a
    /// trailing "-" or "." (kubelet GeneratePodHostNameAndDomain).
    public static func hostname(of pod: Pod) -> String {
        // hostNetwork: the pod shares the host's UTS namespace, so its name is the host's.
        if pod.spec.hostNetwork { return Clock.hostname }
        if !pod.spec.hostname.isEmpty { return pod.spec.hostname }
        var name = Substring(pod.metadata.name.prefix(63))
        while name.last == "-" || name.last == "." { name = name.dropLast() }
        return String(name)
    }

    /// The pod's domain (kubelet GeneratePodHostNameAndDomain): with a subdomain,
    /// `<subdomain>.<namespace>.svc.cluster.local`, else none.
    public static func domain(of pod: Pod) -> String {
        pod.spec.subdomain.isEmpty ? "" : "\(pod.spec.subdomain).\(pod.namespace).svc.cluster.local"
    }

    /// The content of the pod's /etc/hosts.
    /// `domain`: with spec.subdomain, `<subdomain>.<namespace>.svc.cluster.local`, and each pod
    /// line is `IP<TAB>hostname.domain<TAB>hostname` (kubelet managedHostsFileContent).
    public static func hostsFile(hostname: String, podIPs: [String], hostAliases: [HostAlias], domain: String = "") -> String {
        var text = "# Kubernetes-managed hosts file.\n"
        text += "127.0.0.1\tlocalhost\n"
        text += "::1\tlocalhost ip6-localhost ip6-loopback\n"
        text += "fe00::0\tip6-localnet\n"
        text += "fe00::0\tip6-mcastprefix\n"
        text += "fe00::1\tip6-allnodes\n"
        text += "fe00::2\tip6-allrouters\n"
        for ip in podIPs {
            text += domain.isEmpty ? "\(ip)\t\(hostname)\n" : "\(ip)\t\(hostname).\(domain)\t\(hostname)\n"
        }
        if !hostAliases.isEmpty {
            text += "\n# Entries added by HostAliases.\n"
            for alias in hostAliases { text += "\(alias.ip)\t\(alias.hostnames.joined(separator: "\t"))\n" }
        }
        return text
    }

    /// A resolv.conf reduced to what the kubelet keeps of it.
    public struct DNSConfig: Sendable, Equatable {
        public var nameservers: [String]
        public var searches: [String]
        public var options: [String]

        public init(nameservers: [String] = [], searches: [String] = [], options: [String] = []) {
            self.nameservers = nameservers
            self.searches = searches
            self.options = options
        }

        /// Parses resolv.conf text (kubelet parseResolvConf: the last "search" line wins,
        /// options accumulate, comments start with "#" or ";").
        public init(resolvConf text: String) {
            self.init()
            for rawLine in text.split(separator: "\n") {
                var line = Substring(rawLine)
                if let comment = line.firstIndex(where: { $0 == "#" || $0 == ";" }) { line = line[..<comment] }
                let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                guard let keyword = fields.first else { continue }
                switch keyword {
                case "nameserver": if fields.count > 1 { nameservers.append(fields[1]) }
                case "search": searches = Array(fields.dropFirst())
                case "options": options.append(contentsOf: fields.dropFirst())
                default: continue
                }
            }
        }

        /// containerd's resolv.conf text: search, nameserver lines, options.
        public var text: String {
            var text = ""
            if !searches.isEmpty { text += "search \(searches.joined(separator: " "))\n" }
            for server in nameservers { text += "nameserver \(server)\n" }
            if !options.isEmpty { text += "options \(options.joined(separator: " "))\n" }
            return text
        }
    }

    /// The pod's resolv.conf for its dnsPolicy and dnsConfig, given the host's resolv.conf text.
    public static func resolvConf(dnsPolicy: String, dnsConfig: PodDNSConfig?, hostResolvConf: String) -> String {
        var config = DNSConfig()
        if dnsPolicy != "None" {
            // Default, ClusterFirst and ClusterFirstWithHostNet (no cluster DNS: as Default).
            config = DNSConfig(resolvConf: hostResolvConf)
            config.nameservers = Array(config.nameservers.prefix(3))
        }
        if let dnsConfig {
            config.nameservers = uniqued(config.nameservers + dnsConfig.nameservers)
            config.searches = uniqued(config.searches + dnsConfig.searches)
            config.options = mergeOptions(config.options, dnsConfig.options)
        }
        return config.text
    }

    private static func uniqued(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }
    }

    /// kubelet mergeDNSOptions: pod options override host ones of the same name ("ndots:5").
    private static func mergeOptions(_ existing: [String], _ overrides: [PodDNSConfigOption]) -> [String] {
        var names: [String] = []
        var values: [String: String] = [:]
        func set(_ name: String, _ value: String) {
            if values[name] == nil { names.append(name) }
            values[name] = value
        }
        for option in existing {
            if let colon = option.firstIndex(of: ":") {
                set(String(option[..<colon]), String(option[option.index(after: colon)...]))
            } else {
                set(option, "")
            }
        }
        for option in overrides { set(option.name, option.value ?? "") }
        return names.map { values[$0]!.isEmpty ? $0 : "\($0):\(values[$0]!)" }
    }
}
