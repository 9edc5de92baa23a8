// The host ids of pods with a user namespace of their own (hostUsers: false), given out as the
// kubelet gives them: each such pod gets 65536 host ids that no other pod has, for its uids and
// gids alike (container id n is host id base + n), from a range of the host's set aside for pods.
//
// The range: the `peapod` entry of /etc/subuid and /etc/subgid when both have one (the same
// entry in both, its start and length multiples of 65536, never ids below 65536, as the kubelet
// requires of its `kubelet` entry); otherwise ids 1048576 (1 << 20) to 1048576 + 1024 * 65536.
//
// Leases, one file per pod under <root>/userns/: `<hostID>-<pod uid>`, holding the pod's
// directory name. They are taken under the store lock when the pod is created, by link(2), which
// never replaces a file, so two commands never hold the same range; a pod's own is removed when
// the pod is, and a lease whose pod is no longer in the store (a crash between the two) is free.
// The pod records its range in <podDir>/userns, the line its uid_map and gid_map get.

#if canImport(Glibc)
import Glibc
#endif

/// A pod's ids: container ids 0..<size are host ids hostID..<hostID + size, users and groups.
public struct IDMapping: Sendable, Equatable, CustomStringConvertible {
    /// The ids each pod gets, as the kubelet's default idsPerPod.
    public static let podSize: UInt32 = 65536

    public var hostID: UInt32
    public var size: UInt32

    public init(hostID: UInt32, size: UInt32 = IDMapping.podSize) {
        self.hostID = hostID
        self.size = size
    }

    /// The line of /proc/PID/uid_map and gid_map: "0 HOSTID SIZE".
    public var mapLine: String { "0 \(hostID) \(size)\n" }

    /// Reads `mapLine`'s form back (one mapping of container id 0).
    public init?(mapLine text: String) {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
        guard fields.count == 3, fields[0] == "0", let host = UInt32(fields[1]), let size = UInt32(fields[2]),
              size > 0, UInt64(host) + UInt64(size) <= UInt64(UInt32.max) + 1 else { return nil }
        self.init(hostID: host, size: size)
    }

    /// The host id of container id `id`, nil outside the mapping.
    public func host(_ id: UInt32) -> UInt32? {
        id < size ? hostID + id : nil
    }

    public var description: String { "\(hostID)-\(UInt64(hostID) + UInt64(size) - 1)" }
}

public struct UserNamespaceError: Error, CustomStringConvertible, Equatable {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// The host ids set aside for pods, cut into ranges of `IDMapping.podSize`.
public struct UserNamespacePool: Sendable, Equatable {
    /// The name looked up in /etc/subuid and /etc/subgid.
    public static let subordinateName = "peapod"
    public static let defaultFirst: UInt32 = 1 << 20
    public static let defaultCount: UInt32 = 1024 * IDMapping.podSize

    public var first: UInt32
    public var count: UInt32
    /// Where it was read from, for messages ("the default", "/etc/subuid").
    public var source: String

    public init(first: UInt32 = UserNamespacePool.defaultFirst, count: UInt32 = UserNamespacePool.defaultCount,
                source: String = "the default range") {
        self.first = first
        self.count = count
        self.source = source
    }

    /// How many pods it has room for.
    public var slots: Int { Int(count / IDMapping.podSize) }

    public func mapping(slot: Int) -> IDMapping {
        IDMapping(hostID: first + UInt32(slot) * IDMapping.podSize)
    }

    /// The host's pool: the `peapod` entries of the subordinate id files, or the default.
    public static func load(subuid: String = "/etc/subuid", subgid: String = "/etc/subgid") throws(UserNamespaceError)
        -> UserNamespacePool
    {
        func read(_ path: String) -> String? { try? FileSystem.readText(path, limit: 1 << 20) }
        return try parse(subuid: read(subuid), subuidPath: subuid, subgid: read(subgid), subgidPath: subgid)
    }

    /// `load` on file contents (nil: no such file).
    public static func parse(subuid: String?, subuidPath: String = "/etc/subuid", subgid: String?,
                             subgidPath: String = "/etc/subgid") throws(UserNamespaceError) -> UserNamespacePool {
        let uids = try entries(subuid, path: subuidPath)
        let gids = try entries(subgid, path: subgidPath)
        if uids.isEmpty && gids.isEmpty { return UserNamespacePool() }
        func one(_ list: [(UInt32, UInt32)], _ path: String) throws(UserNamespaceError) -> (UInt32, UInt32) {
            guard list.count == 1 else {
                throw UserNamespaceError(list.isEmpty
                    ? "\(path) has no \(subordinateName) entry, but \(path == subuidPath ? subgidPath : subuidPath) has one: give both the same"
                    : "\(path) has \(list.count) \(subordinateName) entries: give it one")
            }
            return list[0]
        }
        let (first, count) = try one(uids, subuidPath)
        guard try one(gids, subgidPath) == (first, count) else {
            throw UserNamespaceError("the \(subordinateName) entries of \(subuidPath) and \(subgidPath) differ: pods get the same range of uids and gids")
        }
        let size = IDMapping.podSize
        guard first >= size, first % size == 0 else {
            throw UserNamespaceError("\(subuidPath): the \(subordinateName) range must start at a multiple of \(size) and not below \(size) (ids below are the host's), not at \(first)")
        }
        guard count >= size, count % size == 0, UInt64(first) + UInt64(count) <= UInt64(UInt32.max) + 1 else {
            throw UserNamespaceError("\(subuidPath): the \(subordinateName) range must hold a multiple of \(size) ids within the 32-bit ids, not \(count) from \(first)")
        }
        return UserNamespacePool(first: first, count: count, source: subuidPath)
    }

    /// The `name:first:count` lines for `peapod`.
    static func entries(_ text: String?, path: String) throws(UserNamespaceError) -> [(UInt32, UInt32)] {
        var found: [(UInt32, UInt32)] = []
        for line in (text ?? "").split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.first == Substring(subordinateName) else { continue }
            guard fields.count == 3, let first = UInt32(fields[1]), let count = UInt32(fields[2]) else {
                throw UserNamespaceError("\(path): malformed \(subordinateName) entry \"\(line)\" (expected \(subordinateName):FIRST:COUNT)")
            }
            found.append((first, count))
        }
        return found
    }
}

/// The lease files under <root>/userns.
public struct UserNamespaceLeases {
    public let directory: String
    public let pool: UserNamespacePool

    public init(directory: String, pool: UserNamespacePool) {
        self.directory = directory
        self.pool = pool
    }

    /// A lease as its file names it.
    public struct Lease: Sendable, Equatable {
        public var mapping: IDMapping
        public var podUID: String
        var fileName: String { "\(mapping.hostID)-\(podUID)" }
    }

    /// The leases on disk (temporary and unreadable entries aside).
    public func leases() -> [Lease] {
        FileSystem.listDirectory(directory).compactMap(Self.lease(named:))
    }

    static func lease(named name: String) -> Lease? {
        guard let dash = name.firstIndex(of: "-"), let host = UInt32(name[..<dash]) else { return nil }
        let uid = String(name[name.index(after: dash)...])
        guard !uid.isEmpty, UInt64(host) + UInt64(IDMapping.podSize) <= UInt64(UInt32.max) + 1 else { return nil }
        return Lease(mapping: IDMapping(hostID: host), podUID: uid)
    }

    /// Takes the lowest free range for pod `podUID` (whose store directory is `podDirName`). The
    /// caller holds the store lock; `livePods` are the uids of the pods in the store: a lease of
    /// any other pod is left over from a crash, removed here, and its range free again.
    public func acquire(podUID: String, podDirName: String, livePods: Set<String>) throws -> IDMapping {
        try FileSystem.makeDirectories(directory, mode: 0o700)
        // The pod's own directory exists: a list of the store without it was not read whole, and
        // then no lease is taken for left over.
        let sweep = livePods.contains(podUID)
        var taken: [IDMapping] = []
        for name in FileSystem.listDirectory(directory) {
            guard let lease = Self.lease(named: name) else {
                // A lease being written when its command died.
                if sweep, name.hasPrefix(".new-"), !livePods.contains(String(name.dropFirst(5))) {
                    _ = unlink(directory + "/" + name)
                }
                continue
            }
            if lease.podUID == podUID { return lease.mapping }
            if livePods.contains(lease.podUID) || !sweep {
                taken.append(lease.mapping)
            } else {
                _ = unlink(directory + "/" + name)
            }
        }
        func overlaps(_ a: IDMapping, _ b: IDMapping) -> Bool {
            UInt64(a.hostID) < UInt64(b.hostID) + UInt64(b.size) && UInt64(b.hostID) < UInt64(a.hostID) + UInt64(a.size)
        }
        // Written whole under a temporary name, then linked to the lease's: link(2) fails on an
        // existing name, so a range held by anyone, however it got there, is never taken.
        let temporary = directory + "/.new-" + podUID
        _ = unlink(temporary)
        try FileSystem.writeFile(temporary, podDirName + "\n", mode: 0o600)
        defer { _ = unlink(temporary) }
        for slot in 0..<pool.slots {
            let mapping = pool.mapping(slot: slot)
            if taken.contains(where: { overlaps($0, mapping) }) { continue }
            let lease = Lease(mapping: mapping, podUID: podUID)
            if link(temporary, directory + "/" + lease.fileName) == 0 { return mapping }
            if errno != EEXIST { throw StoreError("lease user namespace range at", directory + "/" + lease.fileName) }
        }
        throw UserNamespaceError("no free user namespace range: all \(pool.slots) ranges of \(IDMapping.podSize) ids "
            + "from \(pool.first) (\(pool.source)) are leased to pods")
    }

    /// Lets go of pod `podUID`'s lease; nothing when it has none.
    public func release(podUID: String) {
        Self.release(directory: directory, podUID: podUID)
    }

    public static func release(directory: String, podUID: String) {
        for name in FileSystem.listDirectory(directory) {
            guard let lease = lease(named: name), lease.podUID == podUID else { continue }
            _ = unlink(directory + "/" + name)
        }
    }

    /// The range recorded with the pod (<podDir>/userns), nil when it has none.
    public static func recorded(_ location: PodLocation) throws -> IDMapping? {
        guard FileSystem.exists(location.userNamespaceFile) else { return nil }
        let text = try FileSystem.readText(location.userNamespaceFile, limit: 4096)
        guard let mapping = IDMapping(mapLine: text) else {
            throw UserNamespaceError("\(location.userNamespaceFile): not a user namespace range: \"\(text)\"")
        }
        return mapping
    }
}
