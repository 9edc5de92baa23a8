// Starting a process inside a running container (`peapod exec`, exec probes): it joins the
// IPC, UTS, network, PID and mount namespaces of one of the container's processes. See
// pp_exec in CPeapod/spawn.c for why an intermediate process is needed.

#if canImport(Glibc)
import Glibc
#endif
import CPeapod

/// Run `argv` inside the namespaces of the running container process `pid`.
///
/// Returns the pid (caller's namespace) of the process running the command itself; it is a
/// direct child of the caller, so `waitpid` on it gives the command's own exit status (exit code,
/// or the signal that killed it). `workingDir` is resolved inside the container's root.
public func execInContainer(
    pid: Int32, argv: [String], environment: [String], workingDir: String,
    uid: UInt32, gid: UInt32, supplementalGroups: [UInt32] = [],
    stdinFD: Int32, stdoutFD: Int32, stderrFD: Int32, containerName: String = "",
    limits: ProcessLimits = .none
) throws(LaunchError) -> Int32 {
    if argv.isEmpty || argv[0].isEmpty {
        throw LaunchError(container: containerName, step: .invalidLaunch, errno: EINVAL, path: "empty command")
    }
    if pid <= 0 {
        throw LaunchError(container: containerName, step: .invalidLaunch, errno: EINVAL, path: "no running process (pid \(pid))")
    }
    // The command joins the container's cgroups and QoS oom_score_adj as the intermediate's
    // first step, so it is limited as the container is (limits.c).
    let target = try ExecTarget(pid: pid, limits: limits, containerName: containerName)
    defer { target.close() }
    return try target.exec(
        argv: argv, environment: environment, workingDir: workingDir, uid: uid, gid: gid,
        supplementalGroups: supplementalGroups, stdinFD: stdinFD, stdoutFD: stdoutFD, stderrFD: stderrFD)
}

/// The shell's view of a wait status: the exit code, or 128 + the signal number.
public func exitCode(fromWaitStatus status: Int32) -> Int32 {
    let signal = status & 0x7f
    if signal == 0 { return (status >> 8) & 0xff }
    return 128 + signal
}

/// Descriptors for starting commands in one container process again and again (probes, hooks):
/// its namespaces and the cgroup files a command joins, opened once instead of at every start.
/// `close()` (or the end of the object) lets go of them; the caller does so when the process
/// has been reaped.
public final class ExecTarget {
    public let pid: Int32
    let containerName: String
    private var namespaceFDs: [Int32] = []
    /// The cgroup files, with their paths in an arena that lives as long as this object.
    private let arena = CArena()
    private var limits: LimitDescriptors?
    private let oomScoreAdj: Int32?

    public init(pid: Int32, limits: ProcessLimits, containerName: String) throws(LaunchError) {
        self.pid = pid
        self.containerName = containerName
        oomScoreAdj = limits.oomScoreAdj
        // The order pp_exec joins them in (CPeapod/spawn.c).
        for name in ["ipc", "uts", "net", "pid", "mnt"] {
            namespaceFDs.append(try LimitDescriptors.open(
                "/proc/\(pid)/ns/\(name)", O_RDONLY, step: .openNamespace, container: containerName) { close() })
        }
        do {
            self.limits = try LimitDescriptors(limits, arena: arena, container: containerName)
        } catch {
            close()
            throw error
        }
    }

    public func close() {
        for fd in namespaceFDs { Glibc.close(fd) }
        namespaceFDs = []
        limits?.closeAll()
        limits = nil
    }

    deinit { close() }

    /// `execInContainer` with these descriptors.
    public func exec(
        argv: [String], environment: [String], workingDir: String, uid: UInt32, gid: UInt32,
        supplementalGroups: [UInt32] = [], stdinFD: Int32, stdoutFD: Int32, stderrFD: Int32
    ) throws(LaunchError) -> Int32 {
        func invalid(_ what: String) -> LaunchError {
            LaunchError(container: containerName, step: .invalidLaunch, errno: EINVAL, path: what)
        }
        if argv.isEmpty || argv[0].isEmpty { throw invalid("empty command") }
        guard let limits, namespaceFDs.count == Int(PP_EXEC_NAMESPACES) else { throw invalid("descriptors already closed") }
        if (argv + environment + [workingDir]).contains(where: { $0.utf8.contains(0) }) {
            throw invalid("NUL byte in command, environment or working dir")
        }
        let arena = CArena()
        var x = pp_exec()
        x.target_pid = pid
        x.argv = UnsafePointer(arena.stringArray(argv))
        x.envp = UnsafePointer(arena.stringArray(environment))
        x.working_dir = UnsafePointer(arena.string(workingDir.isEmpty ? "/" : workingDir))
        x.uid = uid
        x.gid = gid
        x.groups = UnsafePointer(arena.array(supplementalGroups))
        x.group_count = supplementalGroups.count
        x.stdio = (stdinFD, stdoutFD, stderrFD)
        x.cgroup_fd = limits.unifiedFD
        x.cgroup_procs = UnsafePointer(limits.procs)
        x.cgroup_procs_count = limits.count
        x.set_oom_score_adj = oomScoreAdj == nil ? 0 : 1
        x.oom_score_adj = oomScoreAdj ?? 0
        var record = pp_error()
        let child = namespaceFDs.withUnsafeBufferPointer { fds in
            x.ns_fds = fds.baseAddress
            return withExtendedLifetime(arena) { pp_exec(&x, &record) }
        }
        if child < 0 {
            throw LaunchError(container: containerName, record: record, mounts: [])
        }
        return child
    }
}
