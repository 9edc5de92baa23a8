// IPv4 addresses and subnets as the pod network needs them: parsed, printed, compared, and
// read from /proc/net/route, whose addresses are host-order hex of network-order values.

import PeapodSpec

/// An IPv4 address; `value` in host byte order (10.0.0.1 is 0x0A000001).
public struct IPv4: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var value: UInt32

    public init(_ value: UInt32) { self.value = value }

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.utf8.allSatisfy(ByteClass.isDigit),
                  let octet = UInt32(part), octet <= 255 else { return nil }
            v = v << 8 | octet
        }
        value = v
    }

    public var description: String {
        "\(value >> 24).\(value >> 16 & 255).\(value >> 8 & 255).\(value & 255)"
    }

    /// The value in network byte order, as the kernel's structures hold it.
    public var networkOrder: UInt32 { value.bigEndian }

    public static func < (a: IPv4, b: IPv4) -> Bool { a.value < b.value }
}

/// A subnet: an address with its prefix length, normalised to the network's first address.
public struct IPv4Subnet: Sendable, Hashable, CustomStringConvertible {
    public var network: IPv4
    public var prefix: Int

    public init(_ address: IPv4, prefix: Int) {
        self.prefix = prefix
        network = IPv4(address.value & IPv4Subnet.mask(prefix))
    }

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let address = IPv4(parts[0]), let prefix = Int(parts[1]), (0...32).contains(prefix) else { return nil }
        self.init(address, prefix: prefix)
    }

    static func mask(_ prefix: Int) -> UInt32 { prefix == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefix) }

    public var mask: UInt32 { IPv4Subnet.mask(prefix) }
    public var first: IPv4 { network }
    public var last: IPv4 { IPv4(network.value | ~mask) }
    public var size: UInt64 { UInt64(1) << UInt64(32 - prefix) }

    public func contains(_ address: IPv4) -> Bool { address.value & mask == network.value }

    public func overlaps(_ other: IPv4Subnet) -> Bool {
        let shorter = min(prefix, other.prefix)
        let m = IPv4Subnet.mask(shorter)
        return network.value & m == other.network.value & m
    }

    /// The `index`-th subnet of length `prefix` inside this one, nil past the end.
    public func subnet(_ index: UInt64, prefix newPrefix: Int) -> IPv4Subnet? {
        guard newPrefix >= prefix, index < UInt64(1) << UInt64(newPrefix - prefix) else { return nil }
        let step = UInt64(1) << UInt64(32 - newPrefix)
        return IPv4Subnet(IPv4(network.value + UInt32(truncatingIfNeeded: index * step)), prefix: newPrefix)
    }

    public var description: String { "\(network)/\(prefix)" }
}

/// One IPv4 route of the host's main table, as /proc/net/route lists it.
public struct HostRoute: Sendable, Equatable {
    public var interface: String
    public var destination: IPv4Subnet
    public var gateway: IPv4
    public var metric: Int

    public init(interface: String, destination: IPv4Subnet, gateway: IPv4 = IPv4(0), metric: Int = 0) {
        self.interface = interface
        self.destination = destination
        self.gateway = gateway
        self.metric = metric
    }

    /// Parses /proc/net/route: a header line, then Iface, Destination, Gateway, Flags, RefCnt,
    /// Use, Metric, Mask... with addresses as the hex of their network-order bytes read as a
    /// host-order (little-endian on the usual machines) word.
    public static func parse(procNetRoute text: String) -> [HostRoute] {
        var routes: [HostRoute] = []
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard f.count >= 8, let dest = UInt32(f[1], radix: 16), let gw = UInt32(f[2], radix: 16),
                  let metric = Int(f[6]), let mask = UInt32(f[7], radix: 16) else { continue }
            let prefix = UInt32(bigEndian: mask).nonzeroBitCount
            routes.append(HostRoute(interface: String(f[0]), destination: IPv4Subnet(IPv4(UInt32(bigEndian: dest)), prefix: prefix),
                                    gateway: IPv4(UInt32(bigEndian: gw)), metric: metric))
        }
        return routes
    }
}
