// Which subnet the default pod network takes: a /24 of the pod CIDR (10.244.0.0/16 unless
// `--pod-cidr` says otherwise), as a kube controller manager gives each node a /24 of the
// cluster's CIDR; the first one that overlaps none of the host's routes (other than the ones on
// Peapod's own bridge) nor docker's (172.17.0.0/16) and podman's (10.88.0.0/16) default networks,
// which may not exist yet but would clash once they do. A pod CIDR of /24 or longer is taken
// whole, or refused when it clashes.

public enum SubnetChoice {
    public static let defaultPodCIDR = IPv4Subnet(IPv4(10 << 24 | 244 << 16), prefix: 16)
    /// docker's and podman's default networks.
    public static let reserved = [
        IPv4Subnet(IPv4(172 << 24 | 17 << 16), prefix: 16),
        IPv4Subnet(IPv4(10 << 24 | 88 << 16), prefix: 16),
    ]
    public static let nodePrefix = 24

    public struct Problem: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    public static func choose(podCIDR: IPv4Subnet, routes: [HostRoute], bridge: String) throws(Problem) -> IPv4Subnet {
        // The default route (0.0.0.0/0) overlaps everything and says nothing about clashes.
        let taken = routes.filter { $0.interface != bridge && $0.destination.prefix > 0 }.map(\.destination) + reserved
        func free(_ s: IPv4Subnet) -> Bool { !taken.contains { $0.overlaps(s) } }
        if podCIDR.prefix >= nodePrefix {
            guard podCIDR.prefix <= 30 else {
                throw Problem(description: "--pod-cidr \(podCIDR) is too small for pods (at most /30)")
            }
            if let clash = taken.first(where: { $0.overlaps(podCIDR) }) {
                throw Problem(description: "--pod-cidr \(podCIDR) overlaps \(clash), which this host uses")
            }
            return podCIDR
        }
        var index: UInt64 = 0
        while let candidate = podCIDR.subnet(index, prefix: nodePrefix) {
            if free(candidate) { return candidate }
            index += 1
        }
        throw Problem(description: "every /\(nodePrefix) of the pod CIDR \(podCIDR) overlaps a route of this host or docker's or podman's network: choose another with --pod-cidr")
    }
}
