// Starting a process inside a running container (`peapod exec`, exec probes): it joins the user
// namespace (when the pod has its own), then the IPC, UTS, network, PID and mount namespaces of
// one of the container's processes. See
// pp_exec in CPeapod/spawn.c for why an intermediate process is needed.

#if canImport(Glibc)
import Glibc
#endif
import CPeapod

/// Run `argv` inside the namespaces of the running container process `pid`, as `process`
/// describes it (the container's own ProcessSpec, as the supervisor published it).
///
/// Returns the pid (caller's namespace) of the process running the command itself; it is a
/// direct child of the caller, so `waitpid` on it gives the command's own exit status (exit code,
/// or the signal that killed it). The working directory is resolved inside the container's root.
public func execInContainer(
    pid: Int32, argv: [String], process: ProcessSpec,
    stdinFD: Int32, stdoutFD: Int32, stderrFD: Int32, containerName: String = ""
) throws(LaunchError) -> Int32 {
    if argv.isEmpty || argv[0].isEmpty {
        throw LaunchError(container: containerName, step: .invalidLaunch, errno: EINVAL, path: "empty command")
    }
    if pid <= 0 {
        throw LaunchError(container: containerName, step: .invalidLaunch, errno: EINVAL, path: "no running process (pid \(pid))")
    }
    // The command joins the container's cgroups and QoS oom_score_adj as the intermediate's
    // first step, so it is limited as the container is (limits.c).
    let target = try ExecTarget(pid: pid, process: process, containerName: containerName)
    defer { target.close() }
    return try target.exec(argv: argv, stdinFD: stdinFD, stdoutFD: stdoutFD, stderrFD: stderrFD)
}

/// Descriptors for starting commands in one container process again and again (probes, hooks):
/// its namespaces and the cgroup files a command joins, opened once instead of at every start.
/// `close()` (or the end of the object) lets go of them; the caller does so when the process
/// has been reaped.
public final class ExecTarget {
    public let pid: Int32
    /// What every command started here runs as.
    public let process: ProcessSpec
    let containerName: String
    private var namespaceFDs: [Int32] = []
    /// The cgroup files, with their paths in an arena that lives as long as this object.
    private let arena = CArena()
    private var limits: LimitDescriptors?

    public init(pid: Int32, process: ProcessSpec, containerName: String) throws(LaunchError) {
        self.pid = pid
        self.process = process
        self.containerName = containerName
        // The order pp_exec joins them in (CPeapod/spawn.c).
        for name in ["user", "ipc", "uts", "net", "pid", "mnt"] {
            namespaceFDs.append(try LimitDescriptors.open(
                "/proc/\(pid)/ns/\(name)", O_RDONLY, step: .openNamespace, container: containerName) { close() })
        }
        // A container in the caller's own user namespace (setns refuses joining that) is not
        // joined there: -1.
        var target = stat(), own = stat()
        if fstat(namespaceFDs[0], &target) == 0, stat("/proc/self/ns/user", &own) == 0,
           target.st_ino == own.st_ino, target.st_dev == own.st_dev {
            Glibc.close(namespaceFDs[0])
            namespaceFDs[0] = -1
        }
        do {
            self.limits = try LimitDescriptors(process.limits, arena: arena, container: containerName)
        } catch {
            close()
            throw error
        }
    }

    public func close() {
        for fd in namespaceFDs where fd >= 0 { Glibc.close(fd) }
        namespaceFDs = []
        limits?.closeAll()
        limits = nil
    }

    deinit { close() }

    /// `execInContainer` with these descriptors.
    public func exec(argv: [String], stdinFD: Int32, stdoutFD: Int32, stderrFD: Int32) throws(LaunchError) -> Int32 {
        func invalid(_ what: String) -> LaunchError {
            LaunchError(container: containerName, step: .invalidLaunch, errno: EINVAL, path: what)
        }
        if argv.isEmpty || argv[0].isEmpty { throw invalid("empty command") }
        guard let limits, namespaceFDs.count == Int(PP_EXEC_NAMESPACES) else { throw invalid("descriptors already closed") }
        if process.firstStringWithNUL(argv: argv) != nil {
            throw invalid("NUL byte in command, environment or working dir")
        }
        let arena = CArena()
        var x = pp_exec()
        x.target_pid = pid
        x.process = process.cProcess(argv: argv, stdio: (stdinFD, stdoutFD, stderrFD), arena: arena, descriptors: limits)
        var record = pp_error()
        let child = namespaceFDs.withUnsafeBufferPointer { fds in
            x.ns_fds = fds.baseAddress
            return withExtendedLifetime((arena, process)) { pp_exec(&x, &record) }
        }
        if child < 0 {
            throw LaunchError(container: containerName, record: record, mounts: [])
        }
        return child
    }
}
