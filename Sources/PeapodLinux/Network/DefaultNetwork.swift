// The built-in default pod network (docs/networking.md): the bridge `peapod0`, its subnet, the
// pods' address leases and hostPort leases, and each pod's record of what it was given.
//
// The command that creates a pod (under the store lock) makes the bridge and Peapod's nftables
// table on first use, leases the pod its address and hostPorts, adds the hostPort rules, and
// writes <podDir>/network; the pod's sandbox helper then makes its veth pair, address and route
// (CPeapod/network.c) in parallel with the rest of the supervisor's set-up. Removing the pod
// (PodCleanup) deletes its veth, rules and leases; the command that deletes the last pod on the
// network removes the bridge and the table.

#if canImport(Glibc)
import Glibc
#endif
import CPeapod
import PeapodSpec

public struct PodNetworkError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The node's network settings of `run` and `apply`.
public struct NetworkSettings: Sendable, Equatable {
    /// "none" (loopback only), "default" (the built-in network).
    public var name: String
    public var podCIDR: IPv4Subnet

    public init(name: String, podCIDR: IPv4Subnet) {
        self.name = name
        self.podCIDR = podCIDR
    }

    public var attachesPods: Bool { name != "none" }
}

/// What a pod was given on the default network, as recorded in <podDir>/network.
public struct PodNetworkRecord: Sendable, Equatable {
    public var bridge: String
    public var address: IPv4
    public var subnet: IPv4Subnet
    public var hostPorts: [HostPortMapping]

    public var gateway: IPv4 { IPv4(subnet.network.value + 1) }
    /// The host end of the pod's veth pair, named after its address: unique while the lease is.
    public var hostInterface: String {
        let hex = String(address.value, radix: 16)
        return "veth" + String(repeating: "0", count: 8 - hex.count) + hex
    }

    public var text: String {
        var t = "network default\nbridge \(bridge)\naddress \(address)/\(subnet.prefix)\n"
        for p in hostPorts { t += "hostport \(p.protocol) \(p.hostIP) \(p.hostPort) \(p.containerPort) \(p.field)\n" }
        return t
    }

    public init(bridge: String, address: IPv4, subnet: IPv4Subnet, hostPorts: [HostPortMapping]) {
        self.bridge = bridge
        self.address = address
        self.subnet = subnet
        self.hostPorts = hostPorts
    }

    public init?(text: String) {
        var bridge: String?, address: IPv4?, subnet: IPv4Subnet?
        var ports: [HostPortMapping] = []
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ").map(String.init)
            guard f.count >= 2 else { continue }
            switch f[0] {
            case "bridge": bridge = f[1]
            case "address":
                subnet = IPv4Subnet(f[1])
                address = IPv4(f[1].split(separator: "/").first ?? "")
            case "hostport" where f.count >= 6:
                guard let hp = Int32(f[3]), let cp = Int32(f[4]) else { return nil }
                ports.append(HostPortMapping(protocol: f[1], hostIP: f[2], hostPort: hp, containerPort: cp, field: f[5]))
            default: continue
            }
        }
        guard let bridge, let address, let subnet else { return nil }
        self.init(bridge: bridge, address: address, subnet: subnet, hostPorts: ports)
    }

    public static func file(_ location: PodLocation) -> String { location.podDir + "/network" }

    public static func load(_ location: PodLocation) -> PodNetworkRecord? {
        guard let text = try? FileSystem.readText(file(location), limit: 1 << 16) else { return nil }
        return PodNetworkRecord(text: text)
    }
}

public struct DefaultNetwork {
    public static let bridge = "peapod0"
    public let root: String

    public init(root: String) { self.root = root }

    public var directory: String { root + "/network/default" }
    var subnetFile: String { directory + "/subnet" }
    public var leases: String { directory + "/leases" }
    public var hostPortLeases: HostPortLeases { HostPortLeases(directory: root + "/network/hostports") }

    /// The subnet in use, when the network exists.
    public func currentSubnet() -> IPv4Subnet? {
        (try? FileSystem.readText(subnetFile, limit: 64)).flatMap { IPv4Subnet($0.trimmingWhitespace()) }
    }

    /// The subnet, chosen and the bridge and table made when the network does not exist yet.
    /// The caller holds the store lock.
    public func ensure(podCIDR: IPv4Subnet, explicitCIDR: Bool) throws -> IPv4Subnet {
        if let subnet = currentSubnet(), pp_net_link_index(DefaultNetwork.bridge) != 0 {
            if explicitCIDR && !podCIDR.overlaps(subnet) {
                throw PodNetworkError("the pod network is \(subnet) while pods use it: --pod-cidr \(podCIDR) applies once they are deleted")
            }
            return subnet
        }
        let routes = HostRoute.parse(procNetRoute: (try? FileSystem.readText("/proc/net/route", limit: 1 << 20)) ?? "")
        let subnet: IPv4Subnet
        do {
            subnet = try SubnetChoice.choose(podCIDR: podCIDR, routes: routes, bridge: DefaultNetwork.bridge)
        } catch {
            throw PodNetworkError("pod network: \(error)")
        }
        var step: Int32 = 0
        let gateway = IPv4(subnet.network.value + 1)
        if pp_net_bridge_ensure(DefaultNetwork.bridge, gateway.networkOrder, Int32(subnet.prefix), &step) != 0 {
            let what = ["create the bridge", "address the bridge", "bring up the bridge"][max(0, min(2, Int(step) - 1))]
            throw PodNetworkError("pod network: \(what) \(DefaultNetwork.bridge): \(String(cString: strerror(errno)))")
        }
        do {
            // 127.0.0.1:hostPort is DNATed to a pod: packets with a loopback source may then
            // leave through the bridge (NetworkRules masquerades them to the bridge's address).
            try FileSystem.writeFile("/proc/sys/net/ipv4/conf/\(DefaultNetwork.bridge)/route_localnet", "1\n")
            try NetworkRules.run(NetworkRules.tableScript(bridge: DefaultNetwork.bridge, subnet: subnet))
            try FileSystem.makeDirectories(directory, mode: 0o700)
            try FileSystem.writeAtomically(subnetFile, "\(subnet)\n", mode: 0o600)
        } catch {
            _ = pp_net_link_delete(DefaultNetwork.bridge)
            throw PodNetworkError("pod network: \(error)")
        }
        return subnet
    }

    /// Attaches a new pod: address and hostPort leases, hostPort rules, the pod's record. On a
    /// failure nothing of it is left. The caller holds the store lock.
    public func attach(_ pod: Pod, location: PodLocation, settings: NetworkSettings, explicitCIDR: Bool,
                       livePods: () -> Set<String>) throws -> PodNetworkRecord {
        let subnet = try ensure(podCIDR: settings.podCIDR, explicitCIDR: explicitCIDR)
        let uid = location.uid
        let ports = try hostPortLeases.acquire(HostPortMapping.of(pod), podUID: uid,
                                               podName: "\(pod.namespace)/\(pod.name)", livePods: livePods())
        let addresses = AddressLeases(directory: leases, subnet: subnet)
        var address: IPv4?
        do {
            address = try addresses.acquire(podUID: uid, podDirName: location.dirName, livePods: livePods)
            let record = PodNetworkRecord(bridge: DefaultNetwork.bridge, address: address!, subnet: subnet, hostPorts: ports)
            if !ports.isEmpty { try NetworkRules.run(NetworkRules.addScript(ports, podIP: record.address)) }
            try FileSystem.writeAtomically(PodNetworkRecord.file(location), record.text, mode: 0o600)
            return record
        } catch {
            if let address {
                for port in ports { try? NetworkRules.run(NetworkRules.deleteScript(port)) }
                addresses.release(address, podUID: uid)
            }
            hostPortLeases.release(ports, podUID: uid)
            throw error
        }
    }

    /// Undoes `attach` from the pod's record: its veth (if its namespace still holds it), its
    /// hostPort rules and leases, its address.
    public static func release(_ location: PodLocation) {
        guard let record = PodNetworkRecord.load(location) else { return }
        let network = DefaultNetwork(root: location.storeRoot)
        _ = pp_net_link_delete(record.hostInterface)
        for port in record.hostPorts { try? NetworkRules.run(NetworkRules.deleteScript(port)) }
        network.hostPortLeases.release(record.hostPorts, podUID: location.uid)
        AddressLeases(directory: network.leases, subnet: record.subnet).release(record.address, podUID: location.uid)
    }

    /// Removes the bridge, the table and the subnet choice when no pod holds an address. The
    /// caller holds the store lock, so no pod is being attached meanwhile.
    public func removeIfUnused() {
        guard let subnet = currentSubnet() else { return }
        guard AddressLeases(directory: leases, subnet: subnet).leases().isEmpty else { return }
        _ = pp_net_link_delete(DefaultNetwork.bridge)
        try? NetworkRules.run("delete table \(NetworkRules.table)\n")
        _ = unlink(subnetFile)
    }
}

extension PodLocation {
    /// The store's root: podDir is <root>/pods/<dirName>.
    var storeRoot: String { String(podDir.dropLast(dirName.count + "/pods/".count)) }
}
