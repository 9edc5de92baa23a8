// Where a pod lives on disk (docs/design.md §4):
//   <root>/pods/<namespace>_<name>_<uid>/   pod.json, status.json, events.jsonl, volumes, overlays
//   <root>/logs/<namespace>_<name>_<uid>/   CRI logs, <container>/<restartCount>.log
//   <run-root>/pods/<uid>/                  pinned namespaces, shm, supervisor.pid and .log, delete
//                                           request, etc-hosts, hostname, resolv.conf, termination/
// Namespaces and names are DNS labels, so the underscore separates the parts unambiguously.

import CPeapod
import Glibc
import PeapodSpec

public struct StoreError: Error, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var errno: Int32

    public init(_ operation: String, _ path: String, errno: Int32 = Glibc.errno) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    public var description: String { "\(operation) \(path): \(String(cString: strerror(errno)))" }
}

/// The paths of one pod.
public struct PodLocation: Sendable, Equatable {
    public var namespace: String
    public var name: String
    public var uid: String
    public var podDir: String
    public var logDir: String
    public var runDir: String
    /// Where the store's files of deleted pods wait to be removed (StoreTrash).
    public var trashDir: String
    /// The leases of user namespace ranges (UserNamespaceLeases).
    public var userNamespaceLeasesDir: String

    public var dirName: String { "\(namespace)_\(name)_\(uid)" }
    public var podFile: String { podDir + "/pod.json" }
    public var statusFile: String { podDir + "/status.json" }
    public var eventsFile: String { podDir + "/events.jsonl" }
    public var supervisorPidFile: String { runDir + "/supervisor.pid" }
    public var deleteRequestFile: String { runDir + "/delete-request" }
    public var supervisorLog: String { runDir + "/supervisor.log" }
    /// Where each container's mount namespace mounts its root filesystem before pivot_root: one
    /// empty directory serves every container of the pod, each mount being private to its own
    /// namespace.
    public var rootfsMountPoint: String { runDir + "/rootfs" }
    /// Each running container's ProcessSpec, for `peapod exec` (PublishedProcess).
    public var processDir: String { runDir + "/process" }
    /// `peapod attach`'s socket (0600), served by the pod's supervisor.
    public var attachSocket: String { runDir + "/attach.sock" }
    /// hostUsers: false: the pod's range of host ids, as its uid_map line (UserNamespaces.swift).
    public var userNamespaceFile: String { podDir + "/userns" }

    /// The overlay layers (upper/, work/) of one instance of a container: `containers/NAME_ID`
    /// (a container name never holds "_").
    public func instanceDir(_ container: String, id: some StringProtocol) -> String {
        podDir + "/containers/" + container + "_" + id
    }
    public func logFile(container: String, restartCount: Int) -> String {
        "\(logDir)/\(container)/\(restartCount).log"
    }
}

public struct PodStore: Sendable {
    public var root: String
    public var runRoot: String

    public init(root: String, runRoot: String) {
        self.root = root
        self.runRoot = runRoot
    }

    public var podsDir: String { root + "/pods" }
    public var logsDir: String { root + "/logs" }
    public var imagesDir: String { root + "/images" }
    public var trashDir: String { root + "/trash" }
    /// Leases of the host id ranges of pods with user namespaces (UserNamespaceLeases).
    public var userNamespaceLeasesDir: String { root + "/userns" }
    /// Localhost seccomp profiles: `localhostProfile` is a path relative to this directory.
    public var seccompProfilesDirectory: String { SeccompFilters.profilesDirectory(stateRoot: root) }
    /// Compiled seccomp programs, kept for every supervisor until the machine restarts.
    public var seccompCacheDirectory: String { runRoot + "/seccomp" }
    public var lockFile: String { runRoot + "/lock" }

    /// Makes the store's pods and logs directories (when missing) and marks them as tops of
    /// hierarchies for ext4 (`chattr +T`; nothing happens elsewhere), so that each pod's
    /// directories land in a block group of their own choosing. Without it every pod's inodes
    /// come from the one group next to `pods/`, and on ext4 without a journal each new inode
    /// then skips every inode freed there in the last 30 s (`recently_deleted`): with pods made
    /// and deleted in a row that was most of `peapod run`'s time (docs/benchmarks.md).
    ///
    /// The store and run roots, pods and logs are root's alone (0700): a pod's files, its logs
    /// and its published process hold what other users of the host must not read.
    public func prepareDirectories() throws {
        for top in [root, runRoot] {
            try FileSystem.makeDirectories(top, mode: 0o700)
            // Made by an earlier version, or by hand, with a wider mode.
            _ = chmod(top, 0o700)
        }
        for dir in [podsDir, logsDir] {
            try FileSystem.makeDirectories(dir, mode: 0o700)
            _ = chmod(dir, 0o700)
            _ = pp_spread_subdirectories(dir)
        }
    }

    public func location(namespace: String, name: String, uid: String) -> PodLocation {
        let dir = "\(namespace)_\(name)_\(uid)"
        return PodLocation(
            namespace: namespace, name: name, uid: uid, podDir: podsDir + "/" + dir, logDir: logsDir + "/" + dir,
            runDir: runRoot + "/pods/" + uid, trashDir: trashDir, userNamespaceLeasesDir: userNamespaceLeasesDir)
    }

    /// The pod whose directory under `pods/` is named `entry` (`<namespace>_<name>_<uid>`).
    func location(entry: some StringProtocol) -> PodLocation? {
        let parts = entry.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3, !entry.contains("/") else { return nil }
        return location(namespace: String(parts[0]), name: String(parts[1]), uid: String(parts[2]))
    }

    /// The pod whose directory is `podDir`, as `apply` names it to the pod's supervisor; nil
    /// when that is not a pod directory of this store.
    public func location(podDir: String) -> PodLocation? {
        guard podDir.hasPrefix(podsDir + "/") else { return nil }
        return location(entry: podDir.dropFirst(podsDir.count + 1))
    }

    /// Every pod in the store, in name order.
    public func list(namespace: String? = nil) -> [PodLocation] {
        FileSystem.listDirectory(podsDir).compactMap { entry -> PodLocation? in
            guard let found = location(entry: entry) else { return nil }
            if let namespace, found.namespace != namespace { return nil }
            return found
        }.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
    }

    public func find(namespace: String, name: String) -> PodLocation? {
        list(namespace: namespace).first { $0.name == name }
    }

    public func readPod(_ location: PodLocation) throws -> Pod {
        let text = try FileSystem.readText(location.podFile)
        return try Pod(json: JSONValue.parse(text))
    }

    /// The last status the supervisor published, and its runtime notes (pids).
    public func readStatus(_ location: PodLocation) -> JSONValue? {
        guard let text = try? FileSystem.readText(location.statusFile) else { return nil }
        return try? JSONValue.parse(text)
    }

    /// Holds the store lock (flock on <run-root>/lock) while `body` runs, so two commands never
    /// create or delete the same pod at once.
    public func withLock<T>(_ body: () throws -> T) throws -> T {
        try FileSystem.makeDirectories(runRoot, mode: 0o700)
        let fd = open(lockFile, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError("open", lockFile) }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw StoreError("lock", lockFile) }
        return try body()
    }
}
