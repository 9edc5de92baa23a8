// IPAM of the default pod network: one file per address under <root>/network/default/leases/,
// named by the address and holding the pod's uid and directory name, made with O_EXCL, so two
// commands never hold one address even without the store lock (which creation also holds).
// The gateway (the bridge, the subnet's first host address), the network and the broadcast
// addresses are never given out. A lease whose pod is no longer in the store (a crash between
// the lease and the pod's removal) is taken back when the subnet runs out.

#if canImport(Glibc)
import Glibc
#endif

public struct AddressLeaseError: Error, CustomStringConvertible, Equatable {
    public var description: String
}

public struct AddressLeases: Sendable {
    public var directory: String
    public var subnet: IPv4Subnet

    public init(directory: String, subnet: IPv4Subnet) {
        self.directory = directory
        self.subnet = subnet
    }

    public var gateway: IPv4 { IPv4(subnet.network.value + 1) }

    /// The addresses pods may get, in order.
    var pool: ClosedRange<UInt32> { (subnet.network.value + 2)...(subnet.last.value - 1) }

    /// Leases an address to the pod. `livePods`: uids of the pods in the store, consulted only
    /// when no address is free.
    public func acquire(podUID: String, podDirName: String, livePods: () -> Set<String>) throws -> IPv4 {
        try FileSystem.makeDirectories(directory, mode: 0o700)
        if let address = try takeFirstFree(podUID: podUID, podDirName: podDirName) { return address }
        let reclaimed = reclaim(livePods: livePods())
        if reclaimed > 0, let address = try takeFirstFree(podUID: podUID, podDirName: podDirName) { return address }
        throw AddressLeaseError(description: "no free address in the pod network \(subnet) (\(pool.count) addresses, all leased)")
    }

    private func takeFirstFree(podUID: String, podDirName: String) throws -> IPv4? {
        let held = Set(FileSystem.listDirectory(directory))
        for value in pool {
            let address = IPv4(value)
            let name = address.description
            if held.contains(name) { continue }
            let fd = open(directory + "/" + name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
            if fd < 0 {
                if errno == EEXIST { continue }  // taken since the listing, by another command
                throw AddressLeaseError(description: "lease \(directory)/\(name): \(String(cString: strerror(errno)))")
            }
            let ok = FileSystem.writeAll(fd, Array("\(podUID) \(podDirName)\n".utf8))
            close(fd)
            if !ok {
                _ = unlink(directory + "/" + name)
                throw AddressLeaseError(description: "lease \(directory)/\(name): write failed")
            }
            return address
        }
        return nil
    }

    /// The holder's uid of each lease, by address.
    public func leases() -> [IPv4: String] {
        var result: [IPv4: String] = [:]
        for name in FileSystem.listDirectory(directory) {
            guard let address = IPv4(name) else { continue }
            let text = (try? FileSystem.readText(directory + "/" + name, limit: 4096)) ?? ""
            result[address] = text.split(separator: " ").first.map(String.init) ?? ""
        }
        return result
    }

    /// Removes the leases of pods not in `livePods`; how many.
    @discardableResult
    public func reclaim(livePods: Set<String>) -> Int {
        var count = 0
        for (address, holder) in leases() where !livePods.contains(holder) {
            if unlink(directory + "/" + address.description) == 0 { count += 1 }
        }
        return count
    }

    /// Releases the pod's lease of `address`, never another pod's.
    public func release(_ address: IPv4, podUID: String) {
        let path = directory + "/" + address.description
        let text = (try? FileSystem.readText(path, limit: 4096)) ?? ""
        if text.split(separator: " ").first.map(String.init) == podUID { _ = unlink(path) }
    }
}
