// The descriptors behind `ProcessLimits`, open only for the length of one pp_spawn/pp_exec call.
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
            let fd = open(path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else {
                let e = errno
                closeAll()
                throw LaunchError(container: container, step: .joinCgroup, errno: e, path: path)
            }
            fds.append(fd)
            (procs + i).initialize(to: pp_cgroup_procs(fd: fd, path: UnsafePointer(arena.string(path))))
        }
        if let dir = limits.unifiedDirectory {
            unifiedFD = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard unifiedFD >= 0 else {
                let e = errno
                closeAll()
                throw LaunchError(container: container, step: .joinCgroup, errno: e, path: dir)
            }
            fds.append(unifiedFD)
        }
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
