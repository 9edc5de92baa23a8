// The pod sandbox: network, IPC and UTS namespaces pinned by bind mounts under the pod's run
// directory (as `ip netns add` does), with loopback up and the pod's hostname set, plus the
// pod's /dev/shm, which every container of the pod mounts. Optionally a pause-like init that
// holds a PID namespace shared by the pod's containers (shareProcessNamespace).
//
// Layout under runDir:
//   ns/                            a tmpfs of the pod's own (size: the pod's shm size); it holds
//     net ipc uts                  pins (empty files with the nsfs bind-mounted on them)
//     user                         with hostUsers: false, the pod's user namespace, which owns
//                                  the others (CPeapod/userns.c)
//     pid pause.pid                only with a shared PID namespace: pin and the pause's pid
//     shm/                         the pod's /dev/shm (mode 1777)
//
// Unmounting ns/ lets go of every pin at once (one unmount instead of one per pin, each
// of which waits for an RCU grace period). Everything can be undone from these paths alone
// (`destroy(runDir:)`), so a later process cleans up after a crashed supervisor.

#if canImport(Glibc)
import Glibc
#endif
import CPeapod

/// A sandbox operation failed.
public struct SandboxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var step: LaunchStep?
    /// What was being done when `step` is nil (a parent-side file operation): "create pin file".
    public var operation: String
    public var path: String
    public var errno: Int32
    /// Set when undoing a failed create also failed: what was left behind.
    public var cleanupFailure: String?

    public init(operation: String, path: String, errno: Int32, step: LaunchStep? = nil, cleanupFailure: String? = nil) {
        self.step = step
        self.operation = operation
        self.path = path
        self.errno = errno
        self.cleanupFailure = cleanupFailure
    }

    public var description: String {
        var line = "pod sandbox: \(operation)\(path.isEmpty ? "" : " \(path)"): \(errnoDescription(errno))"
        if let cleanupFailure { line += " (cleanup also failed: \(cleanupFailure))" }
        return line
    }
}

public struct PodSandbox: Sendable, Equatable {
    public var runDir: String
    public var namespaces: SandboxNamespaces
    /// The pod's shm tmpfs, to be bind-mounted at /dev/shm in every container.
    public var shmDir: String
    /// The pause process holding the shared PID namespace, a child of the creating process.
    public var pausePID: Int32?

    /// Create the sandbox. On any failure everything done so far is undone.
    public static func create(
        runDir: String, hostname: String, shmSizeBytes: Int64, shareProcessNamespace: Bool = false
    ) throws(SandboxError) -> PodSandbox {
        try create(runDir: runDir, hostname: hostname, shmSizeBytes: shmSizeBytes,
                   shareProcessNamespace: shareProcessNamespace, failingAfter: nil)
    }

    /// The host's namespaces a pod joins instead of its own (hostNetwork also takes the host's
    /// UTS namespace, as the kubelet's runtimes do).
    public struct HostNamespaces: Sendable, Equatable {
        public var network = false
        public var ipc = false
        public var pid = false
    }

    /// A sysctl of the pod's own namespaces: its /proc/sys file and value.
    public struct Sysctl: Sendable, Equatable {
        public var path: String
        public var value: String
        public init(path: String, value: String) {
            self.path = path
            self.value = value
        }
    }

    /// `create` in two halves: this starts the helper process that makes and pins the
    /// namespaces and returns at once, so the caller can do other work meanwhile;
    /// `PendingSandbox.finish()` waits for it. On a failure here everything made is undone.
    /// `userNamespace`: hostUsers: false, the pod's ids; its user namespace is made first and
    /// owns the others.
    public static func start(
        runDir: String, hostname: String, shmSizeBytes: Int64, shareProcessNamespace: Bool = false,
        hostNetwork: Bool = false, hostIPC: Bool = false, hostPID: Bool = false, sysctls: [Sysctl] = [],
        userNamespace: IDMapping? = nil, network: PodNetworkRecord? = nil
    ) throws(SandboxError) -> PendingSandbox {
        try start(runDir: runDir, hostname: hostname, shmSizeBytes: shmSizeBytes,
                  shareProcessNamespace: shareProcessNamespace,
                  host: HostNamespaces(network: hostNetwork, ipc: hostIPC, pid: hostPID), sysctls: sysctls,
                  userNamespace: userNamespace, network: network, failingAfter: nil)
    }

    /// Points after which tests make `create` fail, to check that it undoes everything.
    enum Stage: CaseIterable, Sendable {
        case directories, namespaces, pausePID
    }

    static func create(
        runDir: String, hostname: String, shmSizeBytes: Int64, shareProcessNamespace: Bool,
        userNamespace: IDMapping? = nil, failingAfter injected: Stage?
    ) throws(SandboxError) -> PodSandbox {
        let pending = try start(runDir: runDir, hostname: hostname, shmSizeBytes: shmSizeBytes,
                                shareProcessNamespace: shareProcessNamespace, userNamespace: userNamespace,
                                failingAfter: injected)
        return try pending.finish()
    }

    static func start(
        runDir: String, hostname: String, shmSizeBytes: Int64, shareProcessNamespace: Bool,
        host: HostNamespaces = HostNamespaces(), sysctls: [Sysctl] = [], userNamespace: IDMapping? = nil,
        network: PodNetworkRecord? = nil, failingAfter injected: Stage?
    ) throws(SandboxError) -> PendingSandbox {
        let paths = SandboxPaths(runDir: runDir)
        do throws(SandboxError) {
            if hostname.isEmpty || hostname.utf8.count > 64 || hostname.utf8.contains(0) {
                throw SandboxError(operation: "invalid hostname \"\(hostname)\"", path: "", errno: EINVAL)
            }
            if shmSizeBytes <= 0 {
                throw SandboxError(operation: "invalid shm size \(shmSizeBytes)", path: "", errno: EINVAL)
            }
            try makeDirectories(paths.runDir)
            try makeDirectories(paths.sandboxDir)
            try checkpoint(.directories, injected)

            let arena = CArena()
            var s = pp_sandbox()
            s.hostname = UnsafePointer(arena.string(hostname))
            s.dir = UnsafePointer(arena.string(paths.sandboxDir))
            s.dir_data = UnsafePointer(arena.string("mode=0755,size=\(shmSizeBytes)"))
            s.pin_net = UnsafePointer(arena.string(paths.net))
            s.pin_ipc = UnsafePointer(arena.string(paths.ipc))
            s.pin_uts = UnsafePointer(arena.string(paths.uts))
            s.shm_dir = UnsafePointer(arena.string(paths.shm))
            s.host_net = host.network ? 1 : 0
            s.host_ipc = host.ipc ? 1 : 0
            s.sysctl_paths = arena.constStringArray(sysctls.map(\.path))
            s.sysctl_values = arena.constStringArray(sysctls.map(\.value))
            s.sysctl_count = sysctls.count
            if let userNamespace {
                s.pin_user = UnsafePointer(arena.string(paths.user))
                s.id_map = UnsafePointer(arena.string(userNamespace.mapLine))
            }
            // The pod's eth0 (CPeapod/network.c), made by the helper once the namespace is pinned.
            var net = pp_pod_net()
            if let network, !host.network {
                net.bridge = UnsafePointer(arena.string(network.bridge))
                net.host_if = UnsafePointer(arena.string(network.hostInterface))
                net.address = network.address.networkOrder
                net.gateway = network.gateway.networkOrder
                net.prefix = Int32(network.subnet.prefix)
            }
            var record = pp_error()
            var reportFD: Int32 = -1
            let pid = withExtendedLifetime(arena) {
                withUnsafePointer(to: &net) { netPointer in
                    s.net = network != nil && !host.network ? netPointer : nil
                    return pp_sandbox_start(&s, &reportFD, &record)
                }
            }
            if pid < 0 { throw SandboxError(record: record) }
            return PendingSandbox(paths: paths, helper: pid, reportFD: reportFD, sharePID: shareProcessNamespace,
                                  hostPID: host.pid, userNamespace: userNamespace != nil, injected: injected)
        } catch var error {
            undo(&error, paths)
            throw error
        }
    }

    static func checkpoint(_ stage: Stage, _ injected: Stage?, pause: Int32? = nil) throws(SandboxError) {
        if stage == injected {
            let detail = pause.map { " (pause pid \($0))" } ?? ""
            throw SandboxError(operation: "injected failure after \(stage)\(detail)", path: "", errno: ECANCELED)
        }
    }

    /// After a failure: remove what was made, noting in `error` when that fails too.
    static func undo(_ error: inout SandboxError, _ paths: SandboxPaths) {
        do {
            try destroy(runDir: paths.runDir)
        } catch let cleanup {
            error.cleanupFailure = cleanup.description
        }
    }

    /// The sandbox's own tmpfs (its pins and shm), for a teardown that detaches it before the
    /// rest; nil when a pause process holds a shared PID namespace (its pid file is in there,
    /// and `destroy` must read it first).
    public static func earlyMountPoint(runDir: String) -> String? {
        let paths = SandboxPaths(runDir: runDir)
        return access(paths.pausePID, F_OK) == 0 ? nil : paths.sandboxDir
    }

    /// Undo `create`: stop the pause process, unmount the pins and the shm, remove the files.
    /// Idempotent.
    public func destroy() throws(SandboxError) {
        try PodSandbox.destroy(runDir: runDir)
    }

    /// Undo a sandbox from its paths alone (e.g. after the creating process crashed). Safe to call
    /// on a partly created or already destroyed sandbox. Removes `runDir` itself when it is left
    /// empty. With a shared PID namespace, the pause process is killed (and with it every process
    /// still in the namespace); it is reaped here when it dies quickly, which needs the caller to
    /// have reaped the containers' processes first (kill and reap containers, then destroy).
    public static func destroy(runDir: String) throws(SandboxError) {
        let paths = SandboxPaths(runDir: runDir)
        var first: SandboxError?
        func note(_ error: SandboxError) { if first == nil { first = error } }

        stopPause(paths)
        // The tmpfs with every pin and the shm in it goes in one detach (a loop: a crashed retry
        // may have mounted it twice).
        while umount2(paths.sandboxDir, Int32(MNT_DETACH) | Int32(UMOUNT_NOFOLLOW)) == 0 {}
        let e = Glibc.errno
        if e != EINVAL && e != ENOENT {
            note(SandboxError(operation: "unmount", path: paths.sandboxDir, errno: e))
        }
        // A sandbox made before the pins had a tmpfs of their own: each pin was a mount of its
        // own under ns/, and the shm a tmpfs at shm/.
        if e == EINVAL {
            for legacy in [paths.net, paths.ipc, paths.uts, paths.pid, paths.runDir + "/shm"] {
                while umount2(legacy, Int32(MNT_DETACH) | Int32(UMOUNT_NOFOLLOW)) == 0 {}
                if Glibc.errno != EINVAL && Glibc.errno != ENOENT {
                    note(SandboxError(operation: "unmount", path: legacy, errno: Glibc.errno))
                }
                if unlink(legacy) != 0 && Glibc.errno == EISDIR { _ = rmdir(legacy) }
            }
            _ = unlink(paths.pausePID)
        }
        if rmdir(paths.sandboxDir) != 0 && Glibc.errno != ENOENT {
            note(SandboxError(operation: "remove", path: paths.sandboxDir, errno: Glibc.errno))
        }
        // The run dir also holds the supervisor's files; remove it only when nothing is left.
        if rmdir(paths.runDir) != 0, Glibc.errno != ENOENT, Glibc.errno != ENOTEMPTY {
            note(SandboxError(operation: "remove", path: paths.runDir, errno: Glibc.errno))
        }
        if let first { throw first }
    }

    /// Kill the pause process recorded in ns/pause.pid, but only when it still holds the pinned
    /// PID namespace (the pid may have been reused since a crash).
    private static func stopPause(_ paths: SandboxPaths) {
        guard let text = try? FileSystem.readText(paths.pausePID, limit: 1 << 20),
              let pid = Int32(text.trimmingWhitespace()), pid > 0 else { return }
        var pinned = stat(), live = stat()
        guard stat(paths.pid, &pinned) == 0, stat("/proc/\(pid)/ns/pid", &live) == 0,
              pinned.st_ino == live.st_ino, pinned.st_dev == live.st_dev else { return }
        // SIGKILL to a PID namespace's init kills every process in the namespace.
        kill(pid, SIGKILL)
        // Reap it when it is our child, but never block: the pause process only finishes dying
        // once every container process of its namespace has been reaped, and those are children
        // of the caller (possibly of this very thread). Whatever is not gone after a short while
        // is left to the caller's reaper; ECHILD means another process created the sandbox.
        var status: Int32 = 0
        for _ in 0..<50 {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid || (r < 0 && Glibc.errno != EINTR) { return }
            usleep(2_000)
        }
    }
}

/// A sandbox being made by its helper process (`PodSandbox.start`). `finish` must be called
/// exactly once: it waits for the helper and returns the sandbox, or undoes everything and throws.
public final class PendingSandbox {
    let paths: SandboxPaths
    let helper: Int32
    let reportFD: Int32
    let sharePID: Bool
    let hostPID: Bool
    /// The pod has a user namespace of its own (pinned at paths.user).
    let userNamespace: Bool
    let injected: PodSandbox.Stage?

    init(paths: SandboxPaths, helper: Int32, reportFD: Int32, sharePID: Bool, hostPID: Bool = false,
         userNamespace: Bool = false, injected: PodSandbox.Stage?) {
        self.paths = paths
        self.helper = helper
        self.reportFD = reportFD
        self.sharePID = sharePID
        self.hostPID = hostPID
        self.userNamespace = userNamespace
        self.injected = injected
    }

    /// Where the pod's /dev/shm tmpfs will be (PodSandbox.shmDir).
    public var shmDir: String { paths.shm }

    public func finish() throws(SandboxError) -> PodSandbox {
        do throws(SandboxError) {
            var record = pp_error()
            if pp_sandbox_finish(helper, reportFD, &record) < 0 { throw SandboxError(record: record) }
            var sandbox = PodSandbox(
                runDir: paths.runDir,
                namespaces: SandboxNamespaces(net: paths.net, ipc: paths.ipc, uts: paths.uts),
                shmDir: paths.shm, pausePID: nil)
            sandbox.namespaces.hostPID = hostPID
            if userNamespace { sandbox.namespaces.user = paths.user }
            try PodSandbox.checkpoint(.namespaces, injected)
            if sharePID && !hostPID {
                let pid = paths.user.withCString { user in pp_pause_spawn(userNamespace ? user : nil, &record) }
                if pid < 0 { throw SandboxError(record: record) }
                sandbox.pausePID = pid
                // The pid file first, so destroy() can find the process even if pinning fails.
                try writeFile(paths.pausePID, contents: "\(pid)\n")
                try makeEmptyFile(paths.pid)
                if mount("/proc/\(pid)/ns/pid", paths.pid, nil, UInt(MS_BIND), nil) != 0 {
                    throw SandboxError(operation: "pin PID namespace at", path: paths.pid, errno: Glibc.errno)
                }
                sandbox.namespaces.pid = paths.pid
                try PodSandbox.checkpoint(.pausePID, injected, pause: pid)
            }
            return sandbox
        } catch var error {
            PodSandbox.undo(&error, paths)
            throw error
        }
    }
}

/// The sandbox's paths under its run dir.
struct SandboxPaths {
    var runDir: String
    var sandboxDir: String { runDir + "/ns" }
    var net: String { sandboxDir + "/net" }
    var ipc: String { sandboxDir + "/ipc" }
    var uts: String { sandboxDir + "/uts" }
    var user: String { sandboxDir + "/user" }
    var pid: String { sandboxDir + "/pid" }
    var pausePID: String { sandboxDir + "/pause.pid" }
    var shm: String { sandboxDir + "/shm" }
}

extension SandboxError {
    init(record: pp_error) {
        let step = LaunchStep(rawValue: record.step) ?? .unknown
        let path = withUnsafeBytes(of: record.path) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        self.init(operation: step.phrase, path: path, errno: record.err, step: step)
    }
}

// Small file helpers on plain system calls: the supervisor does not link Foundation.

/// mkdir -p (HostFS.makeDirectories).
private func makeDirectories(_ path: String) throws(SandboxError) {
    do {
        try HostFS.makeDirectories(path, mode: 0o755)
    } catch {
        throw SandboxError(operation: "create directory", path: error.path, errno: error.code)
    }
}

private func makeEmptyFile(_ path: String) throws(SandboxError) {
    let fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0o444)
    if fd < 0 { throw SandboxError(operation: "create pin file", path: path, errno: Glibc.errno) }
    close(fd)
}

private func writeFile(_ path: String, contents: String) throws(SandboxError) {
    let fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0o644)
    if fd < 0 { throw SandboxError(operation: "write", path: path, errno: Glibc.errno) }
    defer { close(fd) }
    let bytes = Array(contents.utf8)
    if bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) != bytes.count {
        throw SandboxError(operation: "write", path: path, errno: Glibc.errno)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
