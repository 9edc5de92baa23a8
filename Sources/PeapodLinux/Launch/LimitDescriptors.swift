// The descriptors behind `ProcessLimits`, open for one pp_spawn/pp_exec call or as long as an ExecTarget.
// They are opened in the parent because the child must not allocate or format paths, and they
// are close-on-exec, so the container never holds a cgroup file.

#if canImport(Glibc)
import Glibc
#endif
import CPeapod

struct LimitDescriptors {
    var procs: UnsafeMutablePointer<pp_cgroup_procs>
    var count: Int
    var unifiedFD: Int32 = -1
    private var fds: [Int32] = []

    init(_ limits: ProcessLimits, arena: CArena, container: String) throws(LaunchError) {
        procs = arena.allocate(pp_cgroup_procs.self, count: max(1, limits.procsFiles.count))
        count = limits.procsFiles.count
        for (i, path) in limits.procsFiles.enumerated() {
            let fd = try Self.open(path, O_WRONLY, step: .joinCgroup, container: container) { closeAll() }
            fds.append(fd)
            (procs + i).initialize(to: pp_cgroup_procs(fd: fd, path: UnsafePointer(arena.string(path))))
        }
        if let dir = limits.unifiedDirectory {
            unifiedFD = Glibc.open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard unifiedFD >= 0 else {
                let e = errno
                closeAll()
                throw LaunchError(container: container, step: .joinCgroup, errno: e, path: dir)
            }
            fds.append(unifiedFD)
        }
    }

    /// open(2) close-on-exec, or the launch error for `step` after `cleanup`.
    static func open(_ path: String, _ flags: Int32, step: LaunchStep, container: String,
                     cleanup: () -> Void) throws(LaunchError) -> Int32 {
        let fd = Glibc.open(path, flags | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            cleanup()
            throw LaunchError(container: container, step: step, errno: e, path: path)
        }
        return fd
    }

    func closeAll() {
        for fd in fds { close(fd) }
    }
}

/// What the shim said besides success: the oom_score_adj it had to settle for.
public struct SpawnNotes: Sendable, Equatable {
    /// Set when the QoS oom_score_adj was refused (EACCES) and this higher value was applied.
    public var clampedOOMScoreAdj: Int32?

    init(record: pp_error) {
        if record.step == Int32(PP_NOTICE_OOM_SCORE_CLAMPED.rawValue) { clampedOOMScoreAdj = record.index }
    }
}
