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
    func invalid(_ what: String) -> LaunchError {
        LaunchError(container: containerName, step: .invalidLaunch, errno: EINVAL, path: what)
    }
    if argv.isEmpty || argv[0].isEmpty { throw invalid("empty command") }
    if pid <= 0 { throw invalid("no running process (pid \(pid))") }
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
    // The command joins the container's cgroups and QoS oom_score_adj as the intermediate's
    // first step, so it is limited as the container is (limits.c).
    let descriptors = try LimitDescriptors(limits, arena: arena, container: containerName)
    defer { descriptors.closeAll() }
    x.cgroup_fd = descriptors.unifiedFD
    x.cgroup_procs = UnsafePointer(descriptors.procs)
    x.cgroup_procs_count = descriptors.count
    x.set_oom_score_adj = limits.oomScoreAdj == nil ? 0 : 1
    x.oom_score_adj = limits.oomScoreAdj ?? 0

    var record = pp_error()
    let child = withExtendedLifetime(arena) { pp_exec(&x, &record) }
    if child < 0 {
        throw LaunchError(container: containerName, record: record, mounts: [])
    }
    return child
}

/// The shell's view of a wait status: the exit code, or 128 + the signal number.
public func exitCode(fromWaitStatus status: Int32) -> Int32 {
    let signal = status & 0x7f
    if signal == 0 { return (status >> 8) & 0xff }
    return 128 + signal
}
