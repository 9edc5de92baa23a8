// Starting a container process: `ContainerLaunch` (Swift values) → `struct pp_launch` (flat C
// memory) → `pp_spawn` (clone, setup in C, execve). The setup order is documented in
// CPeapod/spawn.c.

#if canImport(Glibc)
import Glibc
#endif
import CPeapod

/// Start the container process described by `launch`.
///
/// Returns its pid in the caller's PID namespace. The process is a direct child of the caller,
/// to be reaped with `waitpid`; it is the container's PID 1, or its first process when the pod
/// shares a PID namespace. Throws when any step before `execve` fails; the child is then
/// already reaped and nothing of it is left (its mounts lived only in its own mount namespace).
public func spawnContainer(_ launch: ContainerLaunch) throws(LaunchError) -> Int32 {
    try spawnContainerWithNotes(launch).pid
}

/// `spawnContainer`, also returning what the shim noted on the way (a clamped oom_score_adj).
public func spawnContainerWithNotes(_ launch: ContainerLaunch) throws(LaunchError) -> (pid: Int32, notes: SpawnNotes) {
    try launch.validateForShim()
    let arena = CArena()
    let overlay = overlayMountData(launch.rootfs)

    let mounts = arena.allocate(pp_mount.self, count: launch.mounts.count)
    for (i, spec) in launch.mounts.enumerated() {
        var m = pp_mount()
        switch spec.kind {
        case .bind(let source, let recursive):
            m.kind = Int32(PP_MOUNT_BIND.rawValue)
            m.recursive = recursive ? 1 : 0
            m.source = UnsafePointer(arena.string(source))
        case .tmpfs(let options):
            m.kind = Int32(PP_MOUNT_TMPFS.rawValue)
            m.data = options.isEmpty ? nil : UnsafePointer(arena.string(options))
        }
        m.target = UnsafePointer(arena.string(spec.target))
        m.target_is_file = spec.targetType == .file ? 1 : 0
        m.read_only = spec.readOnly ? 1 : 0
        (mounts + i).initialize(to: m)
    }

    var l = pp_launch()
    l.merged_dir = UnsafePointer(arena.string(launch.rootfs.mergedDir))
    l.overlay_data = UnsafePointer(arena.string(overlay))
    l.rootfs_read_only = launch.rootfs.readOnly ? 1 : 0
    l.ns_net = arena.optionalString(launch.namespaces.net)
    l.ns_ipc = arena.optionalString(launch.namespaces.ipc)
    l.ns_uts = arena.optionalString(launch.namespaces.uts)
    l.ns_pid = arena.optionalString(launch.namespaces.pid)
    l.default_shm = launch.mounts.contains { normalizedContainerPath($0.target) == "/dev/shm" } ? 0 : 1
    l.mounts = UnsafePointer(mounts)
    l.mount_count = launch.mounts.count
    l.masked_paths = arena.constStringArray(launch.maskedPaths)
    l.masked_count = launch.maskedPaths.count
    l.readonly_paths = arena.constStringArray(launch.readonlyPaths)
    l.readonly_count = launch.readonlyPaths.count
    l.argv = UnsafePointer(arena.stringArray(launch.argv))
    l.envp = UnsafePointer(arena.stringArray(launch.environment))
    l.working_dir = UnsafePointer(arena.string(launch.workingDir))
    l.uid = launch.uid
    l.gid = launch.gid
    l.groups = UnsafePointer(arena.array(launch.supplementalGroups))
    l.group_count = launch.supplementalGroups.count
    l.stdio = (launch.stdinFD, launch.stdoutFD, launch.stderrFD)
    let limits = try LimitDescriptors(launch.limits, arena: arena, container: launch.containerName)
    defer { limits.closeAll() }
    l.cgroup_fd = limits.unifiedFD
    l.cgroup_procs = UnsafePointer(limits.procs)
    l.cgroup_procs_count = limits.count
    l.set_oom_score_adj = launch.limits.oomScoreAdj == nil ? 0 : 1
    l.oom_score_adj = launch.limits.oomScoreAdj ?? 0

    var record = pp_error()
    let pid = withExtendedLifetime(arena) { pp_spawn(&l, &record) }
    if pid < 0 {
        throw LaunchError(container: launch.containerName, record: record, mounts: launch.mounts)
    }
    return (pid, SpawnNotes(record: record))
}

/// overlayfs mount data. `\`, `:` and `,` in paths are escaped with a backslash, as overlayfs
/// parses them (`:` separates lower layers, `,` options).
func overlayMountData(_ rootfs: RootfsLayout) -> String {
    func escape(_ path: String) -> String {
        var out = ""
        for ch in path {
            if ch == "\\" || ch == ":" || ch == "," { out.append("\\") }
            out.append(ch)
        }
        return out
    }
    let lower = rootfs.lowerDirs.map(escape).joined(separator: ":")
    return "lowerdir=\(lower),upperdir=\(escape(rootfs.upperDir)),workdir=\(escape(rootfs.workDir))"
        + (rootfs.volatile ? ",volatile" : "")
}

/// Whether this kernel's overlayfs knows `volatile` (added in Linux 5.10).
let overlayVolatileSupported: Bool = {
    var name = utsname()
    guard uname(&name) == 0 else { return false }
    let release = withUnsafeBytes(of: name.release) { raw in
        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
    }
    let parts = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
    guard parts.count == 2 else { return false }
    return parts[0] > 5 || (parts[0] == 5 && parts[1] >= 10)
}()

/// "/dev//shm/" → "/dev/shm", for comparing mount targets.
func normalizedContainerPath(_ path: String) -> String {
    "/" + path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
}

extension ContainerLaunch {
    /// Refuse what the C side cannot represent or would misread, before any process exists.
    func validateForShim() throws(LaunchError) {
        func invalid(_ what: String) -> LaunchError {
            LaunchError(container: containerName, step: .invalidLaunch, errno: EINVAL, path: what)
        }
        if argv.isEmpty || argv[0].isEmpty { throw invalid("empty command") }
        if rootfs.lowerDirs.isEmpty { throw invalid("no image layers (lowerDirs)") }
        if !workingDir.hasPrefix("/") { throw invalid("working dir \(workingDir) is not absolute") }
        for spec in mounts where !spec.target.hasPrefix("/") {
            throw invalid("mount target \(spec.target) of \(spec.label) is not absolute")
        }
        // The mount(2) data of overlayfs is limited to one page.
        if overlayMountData(rootfs).utf8.count >= 4096 { throw invalid("overlay mount data longer than 4095 bytes") }
        let strings = argv + environment + [workingDir, rootfs.mergedDir, rootfs.upperDir, rootfs.workDir]
            + rootfs.lowerDirs + maskedPaths + readonlyPaths + mounts.map(\.target)
        if let bad = strings.first(where: { $0.utf8.contains(0) }) {
            throw invalid("NUL byte in \"\(bad.replacingNUL())\"")
        }
    }
}

extension String {
    func replacingNUL() -> String { String(unicodeScalars.map { $0 == "\0" ? "␀" : Character($0) }) }
}
