// status.hostIP: the node's address as the kubelet picks it when none is configured
// (nodeutil's GetNodeHostIPs via the default route): the first IPv4 address, other than a
// loopback one, of the interface that holds the default route of lowest metric; on a host with
// no default route, the pod network's bridge address; failing that, 127.0.0.1.

#if canImport(Glibc)
import Glibc
#endif

public enum HostAddress {
    /// Picks the address from the routes and the interfaces' addresses (name → addresses, in
    /// the kernel's order).
    public static func choose(routes: [HostRoute], addresses: [(String, IPv4)], bridgeAddress: IPv4?) -> IPv4 {
        let defaults = routes.filter { $0.destination.prefix == 0 }.sorted { $0.metric < $1.metric }
        for route in defaults {
            if let a = addresses.first(where: { $0.0 == route.interface && $0.1.value >> 24 != 127 }) { return a.1 }
        }
        return bridgeAddress ?? IPv4(0x7F00_0001)
    }

    /// This host's, now.
    public static func current(bridgeAddress: IPv4?) -> IPv4 {
        let routes = HostRoute.parse(procNetRoute: (try? FileSystem.readText("/proc/net/route", limit: 1 << 20)) ?? "")
        guard routes.contains(where: { $0.destination.prefix == 0 }) else { return bridgeAddress ?? IPv4(0x7F00_0001) }
        var list: UnsafeMutablePointer<ifaddrs>?
        var addresses: [(String, IPv4)] = []
        if getifaddrs(&list) == 0 {
            var p = list
            while let entry = p {
                if let sa = entry.pointee.ifa_addr, sa.pointee.sa_family == sa_family_t(AF_INET) {
                    let value = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt32(bigEndian: $0.pointee.sin_addr.s_addr) }
                    addresses.append((String(cString: entry.pointee.ifa_name), IPv4(value)))
                }
                p = entry.pointee.ifa_next
            }
            freeifaddrs(list)
        }
        return choose(routes: routes, addresses: addresses, bridgeAddress: bridgeAddress)
    }
}
