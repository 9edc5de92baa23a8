// The host id ranges of pods with hostUsers: false: the pool, the map line, and the leases on
// temporary directories (no root needed); then a sandbox with a user namespace of its own (root).

import Foundation
import Testing
@testable import PeapodLinux
import PeapodTestSupport

private func temporaryStore() throws -> PodStore {
    let base = FileManager.default.temporaryDirectory.path + "/peapod-userns-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
    return PodStore(root: base + "/root", runRoot: base + "/run")
}

private func removeStore(_ store: PodStore) {
    try? FileManager.default.removeItem(atPath: (store.root as NSString).deletingLastPathComponent)
}

/// A pod directory in the store, as createRecord makes it before taking a lease.
private func makePod(_ store: PodStore, _ name: String) throws -> PodLocation {
    let location = store.location(namespace: "default", name: name, uid: "uid-\(name)")
    try FileSystem.makeDirectories(location.podDir, mode: 0o700)
    return location
}

private func lease(_ store: PodStore, _ location: PodLocation, pool: UserNamespacePool = UserNamespacePool()) throws -> IDMapping {
    try store.withLock {
        try UserNamespaceLeases(directory: store.userNamespaceLeasesDir, pool: pool)
            .acquire(podUID: location.uid, podDirName: location.dirName, livePods: Set(store.list().map(\.uid)))
    }
}

@Suite struct IDMappingTests {
    @Test func mapLineIsTheLineOfUidMap() {
        let m = IDMapping(hostID: 1 << 20)
        #expect(m.mapLine == "0 1048576 65536\n")
        #expect(IDMapping(mapLine: m.mapLine) == m)
        #expect(IDMapping(mapLine: "0 1048576 65536") == m)
        #expect(m.description == "1048576-1114111")
        #expect(m.host(0) == 1 << 20 && m.host(65535) == (1 << 20) + 65535 && m.host(65536) == nil)
    }

    @Test(arguments: ["", "1 1048576 65536", "0 1048576", "0 x 65536", "0 1048576 0", "0 4294967295 2", "0 1 2 3"])
    func malformedMapLines(text: String) {
        #expect(IDMapping(mapLine: text) == nil)
    }
}

@Suite struct UserNamespacePoolTests {
    @Test func withoutEntriesTheDefaultRange() throws {
        let pool = try UserNamespacePool.parse(subuid: nil, subgid: "alice:100000:65536\n")
        #expect(pool == UserNamespacePool())
        #expect(pool.first == 1 << 20 && pool.slots == 1024)
        #expect(pool.mapping(slot: 2) == IDMapping(hostID: (1 << 20) + 2 * 65536))
    }

    @Test func thePeapodEntryOfBothFiles() throws {
        let pool = try UserNamespacePool.parse(subuid: "alice:100000:65536\npeapod:655360:196608\n",
                                               subgid: "peapod:655360:196608\n")
        #expect(pool.first == 655360 && pool.count == 196608 && pool.slots == 3 && pool.source == "/etc/subuid")
    }

    @Test(arguments: [
        ("peapod:655360:65536", nil, "/etc/subgid has no peapod entry, but /etc/subuid has one: give both the same"),
        ("peapod:655360:65536", "peapod:720896:65536", "the peapod entries of /etc/subuid and /etc/subgid differ: pods get the same range of uids and gids"),
        ("peapod:655360:65536\npeapod:720896:65536", "peapod:655360:65536", "/etc/subuid has 2 peapod entries: give it one"),
        ("peapod:0:65536", "peapod:0:65536",
         "/etc/subuid: the peapod range must start at a multiple of 65536 and not below 65536 (ids below are the host's), not at 0"),
        ("peapod:100000:65536", "peapod:100000:65536",
         "/etc/subuid: the peapod range must start at a multiple of 65536 and not below 65536 (ids below are the host's), not at 100000"),
        ("peapod:655360:1000", "peapod:655360:1000",
         "/etc/subuid: the peapod range must hold a multiple of 65536 ids within the 32-bit ids, not 1000 from 655360"),
        ("peapod:655360", "peapod:655360:65536", "/etc/subuid: malformed peapod entry \"peapod:655360\" (expected peapod:FIRST:COUNT)"),
    ] as [(String, String?, String)])
    func refusedEntries(subuid: String, subgid: String?, message: String) {
        #expect(throws: UserNamespaceError(message)) { try UserNamespacePool.parse(subuid: subuid, subgid: subgid) }
    }
}

@Suite struct UserNamespaceLeaseTests {
    @Test func podsGetTheLowestFreeRangeAndReleaseIt() throws {
        let store = try temporaryStore()
        defer { removeStore(store) }
        let a = try makePod(store, "a"), b = try makePod(store, "b"), c = try makePod(store, "c")
        let first = try lease(store, a)
        #expect(first == IDMapping(hostID: 1 << 20))
        #expect(try lease(store, b) == IDMapping(hostID: (1 << 20) + 65536))
        // Asking again for the same pod gives its own lease back.
        #expect(try lease(store, a) == first)
        let leases = UserNamespaceLeases(directory: store.userNamespaceLeasesDir, pool: UserNamespacePool())
        #expect(Set(leases.leases().map(\.podUID)) == [a.uid, b.uid])
        leases.release(podUID: a.uid)
        #expect(leases.leases().map(\.podUID) == [b.uid])
        #expect(try lease(store, c) == first)
        // Nothing but the leases is left in the directory.
        #expect(FileSystem.listDirectory(store.userNamespaceLeasesDir).sorted() == ["\(1 << 20)-\(c.uid)", "\((1 << 20) + 65536)-\(b.uid)"])
    }

    @Test func aLeaseWhosePodIsGoneIsFree() throws {
        let store = try temporaryStore()
        defer { removeStore(store) }
        let crashed = try makePod(store, "crashed")
        let taken = try lease(store, crashed)
        // The pod went without releasing its lease (a crash between the two).
        try FileManager.default.removeItem(atPath: crashed.podDir)
        let next = try makePod(store, "next")
        #expect(try lease(store, next) == taken)
        let leases = UserNamespaceLeases(directory: store.userNamespaceLeasesDir, pool: UserNamespacePool())
        #expect(leases.leases().map(\.podUID) == [next.uid])
    }

    @Test func leftoversAreSweptOnlyWithAWholeViewOfTheStore() throws {
        let store = try temporaryStore()
        defer { removeStore(store) }
        let gone = try makePod(store, "gone")
        let taken = try lease(store, gone)
        try FileManager.default.removeItem(atPath: gone.podDir)
        let dir = store.userNamespaceLeasesDir
        try FileSystem.writeFile(dir + "/.new-uid-crashed", "default_crashed_uid-crashed\n")
        let leases = UserNamespaceLeases(directory: dir, pool: UserNamespacePool())
        // A list of the store that misses the new pod itself was not read whole: nothing is swept.
        let partial = try leases.acquire(podUID: "uid-new", podDirName: "default_new_uid-new", livePods: [])
        #expect(partial != taken)
        #expect(FileSystem.listDirectory(dir).count == 3)
        leases.release(podUID: "uid-new")
        // With the whole list, the lease of the pod that is gone and the half-written one go.
        let next = try makePod(store, "next")
        #expect(try lease(store, next) == taken)
        #expect(FileSystem.listDirectory(dir) == ["\(taken.hostID)-\(next.uid)"])
    }

    @Test func aLeaseOfAnotherPoolStillHoldsItsIds() throws {
        let store = try temporaryStore()
        defer { removeStore(store) }
        let old = try makePod(store, "old"), new = try makePod(store, "new")
        // Leased from a pool starting half a range below the current one: it overlaps slot 0.
        _ = try lease(store, old, pool: UserNamespacePool(first: (1 << 20) - 32768 * 2, count: 65536 * 4))
        let leases = UserNamespaceLeases(directory: store.userNamespaceLeasesDir, pool: UserNamespacePool(first: (1 << 20) - 65536, count: 65536 * 4))
        let mapping = try store.withLock {
            try leases.acquire(podUID: new.uid, podDirName: new.dirName, livePods: [old.uid, new.uid])
        }
        #expect(mapping == IDMapping(hostID: 1 << 20))
    }

    @Test func aFullPoolIsAnError() throws {
        let store = try temporaryStore()
        defer { removeStore(store) }
        let pool = UserNamespacePool(first: 65536, count: 2 * 65536, source: "/etc/subuid")
        _ = try lease(store, try makePod(store, "a"), pool: pool)
        _ = try lease(store, try makePod(store, "b"), pool: pool)
        #expect(throws: UserNamespaceError("no free user namespace range: all 2 ranges of 65536 ids from 65536 (/etc/subuid) are leased to pods")) {
            try lease(store, try makePod(store, "c"), pool: pool)
        }
        #expect(FileSystem.listDirectory(store.userNamespaceLeasesDir).count == 2)
    }

    @Test func concurrentCreatorsNeverShareARange() throws {
        let store = try temporaryStore()
        defer { removeStore(store) }
        let pods = try (0..<24).map { try makePod(store, "p\($0)") }
        // Each thread takes the store lock as a command does (flock on its own descriptor).
        let results = Mutex<[String: IDMapping]>([:])
        DispatchQueue.concurrentPerform(iterations: pods.count) { i in
            if let mapping = try? lease(store, pods[i]) { results.withLock { $0[pods[i].uid] = mapping } }
        }
        let all = results.withLock { $0 }
        #expect(all.count == pods.count)
        #expect(Set(all.values.map(\.hostID)).count == pods.count)
        #expect(Set(all.values.map(\.hostID)) == Set((0..<pods.count).map { UInt32(1 << 20) + UInt32($0) * 65536 }))
    }

    @Test func theRangeRecordedWithThePod() throws {
        let store = try temporaryStore()
        defer { removeStore(store) }
        let pod = try makePod(store, "rec")
        #expect(try UserNamespaceLeases.recorded(pod) == nil)
        try FileSystem.writeAtomically(pod.userNamespaceFile, IDMapping(hostID: 1 << 21).mapLine)
        #expect(try UserNamespaceLeases.recorded(pod) == IDMapping(hostID: 1 << 21))
        try FileSystem.writeAtomically(pod.userNamespaceFile, "garbage")
        #expect(throws: UserNamespaceError.self) { try UserNamespaceLeases.recorded(pod) }
    }
}

/// A lock-protected value for the concurrency test.
final class Mutex<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

/// The user namespace that owns the namespace file `path` (ioctl NS_GET_USERNS), as (dev, ino).
private func owner(of path: String) -> (UInt64, UInt64)? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    let user = ioctl(fd, 0xb701)
    guard user >= 0 else { return nil }
    defer { close(user) }
    var st = stat()
    guard fstat(user, &st) == 0 else { return nil }
    return (UInt64(st.st_dev), UInt64(st.st_ino))
}

private func identity(_ path: String) -> (UInt64, UInt64)? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return (UInt64(st.st_dev), UInt64(st.st_ino))
}

@Suite("PodSandbox with a user namespace (root)", .requires("needs root") { Root.isRoot })
struct UserNamespaceSandboxTests {
    @Test func theUserNamespaceOwnsThePodsNamespacesAndThePause() throws {
        let base = FileManager.default.temporaryDirectory.path + "/peapod-userns-sandbox-\(getpid())"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let runDir = base + "/pods/uid-1"
        let mapping = IDMapping(hostID: 3 << 20)
        let sandbox = try PodSandbox.create(runDir: runDir, hostname: "web", shmSizeBytes: 8 << 20, shareProcessNamespace: true,
                                            userNamespace: mapping, failingAfter: nil)
        defer {
            try? sandbox.destroy()
            if let pid = sandbox.pausePID { var status: Int32 = 0; _ = waitpid(pid, &status, 0) }
        }
        let user = try #require(sandbox.namespaces.user)
        #expect(user == runDir + "/ns/user")
        // The tmpfs and five pins (user, net, ipc, uts, pid).
        #expect(MountTable.count(under: runDir) == 6)
        let userID = try #require(identity(user))
        #expect(userID != identity("/proc/self/ns/user").map { $0 } ?? (0, 0))
        for pin in [sandbox.namespaces.net, sandbox.namespaces.ipc, sandbox.namespaces.uts] {
            #expect(owner(of: pin).map { $0 == userID } == true, "\(pin) is not owned by the pod's user namespace")
        }
        let pid = try #require(sandbox.pausePID)
        #expect(owner(of: "/proc/\(pid)/ns/pid").map { $0 == userID } == true)
        let uidMap = try String(contentsOfFile: "/proc/\(pid)/uid_map", encoding: .utf8)
        #expect(uidMap.split(separator: " ", omittingEmptySubsequences: true).map(String.init) == ["0", "3145728", "65536\n"])
        // Root of the namespace: an unprivileged id of the host.
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        #expect(status.contains("Uid:\t3145728\t3145728\t3145728\t3145728"), "\(status)")

        try sandbox.destroy()
        #expect(MountTable.count(under: base) == 0)
    }
}
