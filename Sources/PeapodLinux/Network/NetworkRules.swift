// Peapod's own nftables table, `ip peapod`, written through libnftables (CPeapod/nft.c); no
// other table is ever read or changed. It holds:
// - the hostPort maps: (protocol, port) → (pod address, container port), and the same keyed by
//   the host address for ports with a hostIP; DNAT from the prerouting hook (other hosts' and
//   other namespaces' traffic) and the output hook (the host's own, 127.0.0.1 included) for
//   destinations that are local addresses, as the CNI portmap plugin does;
// - masquerade of 127.0.0.0/8 sources leaving on the bridge: a connection to 127.0.0.1:hostPort
//   is routed to the pod only because the bridge has route_localnet set (DefaultNetwork), and the
//   pod must answer to an address it can reach, the bridge's;
// - the forward policy: nothing is routed from the pods to any destination outside the pod
//   network, and nothing is routed into it that is not a hostPort's DNAT. No NAT to the outside.
// The table is made with the bridge (replacing any of the same name) and removed with it.

import CPeapod

public struct NetworkRulesError: Error, CustomStringConvertible, Equatable {
    public var description: String
}

public enum NetworkRules {
    public static let table = "ip peapod"

    /// The script that (re)creates the table for a bridge and its subnet.
    public static func tableScript(bridge: String, subnet: IPv4Subnet) -> String {
        """
        add table \(table)
        delete table \(table)
        table \(table) {
          map hostports { type inet_proto . inet_service : ipv4_addr . inet_service ; }
          map hostports_ip { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service ; }
          chain prerouting { type nat hook prerouting priority dstnat; policy accept; fib daddr type local jump hostport; }
          chain output { type nat hook output priority -100; policy accept; fib daddr type local jump hostport; }
          chain hostport {
            dnat ip to ip daddr . meta l4proto . th dport map @hostports_ip
            dnat ip to meta l4proto . th dport map @hostports
          }
          chain postrouting { type nat hook postrouting priority srcnat; policy accept; ip saddr 127.0.0.0/8 oifname "\(bridge)" masquerade; }
          chain forward {
            type filter hook forward priority filter; policy accept;
            iifname "\(bridge)" ip daddr != \(subnet) drop
            oifname "\(bridge)" ip saddr != \(subnet) ct status != dnat drop
          }
        }

        """
    }

    static func key(_ port: HostPortMapping) -> String {
        let proto = port.protocol.lowercased()
        return port.hostIP == HostPortMapping.anyAddress ? "\(proto) . \(port.hostPort)" : "\(port.hostIP) . \(proto) . \(port.hostPort)"
    }

    static func map(_ port: HostPortMapping) -> String {
        port.hostIP == HostPortMapping.anyAddress ? "hostports" : "hostports_ip"
    }

    public static func addScript(_ ports: [HostPortMapping], podIP: IPv4) -> String {
        ports.map { "add element \(table) \(map($0)) { \(key($0)) : \(podIP) . \($0.containerPort) }\n" }.joined()
    }

    public static func deleteScript(_ port: HostPortMapping) -> String {
        "delete element \(table) \(map(port)) { \(key(port)) }\n"
    }

    public static func run(_ script: String) throws(NetworkRulesError) {
        var message = [CChar](repeating: 0, count: 1024)
        let rc = pp_nft_run(script, &message, message.count)
        if rc != 0 {
            let text = String(decoding: message.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw NetworkRulesError(description: "nftables: \(text.split(separator: "\n").first.map(String.init) ?? "failed")")
        }
    }
}
