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
    let overlay = try launch.validatedOverlayData()
    let arena = CArena()

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
        m.id_mapped = spec.idMapped ? 1 : 0
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
    l.host_pid = launch.namespaces.hostPID ? 1 : 0
    if let user = launch.namespaces.user {
        l.ns_user = UnsafePointer(arena.string(user))
        l.layers = arena.constStringArray(launch.rootfs.lowerDirs)
        l.layer_count = launch.rootfs.lowerDirs.count
        l.tree_fds = arena.allocate(Int32.self, count: launch.rootfs.lowerDirs.count + launch.mounts.count)
    }
    l.default_shm = launch.mounts.contains { normalizedContainerPath($0.target) == "/dev/shm" } ? 0 : 1
    l.mounts = UnsafePointer(mounts)
    l.mount_count = launch.mounts.count
    l.masked_paths = arena.constStringArray(launch.maskedPaths)
    l.masked_count = launch.maskedPaths.count
    l.readonly_paths = arena.constStringArray(launch.readonlyPaths)
    l.readonly_count = launch.readonlyPaths.count
    l.kernel_fs = Int32(launch.privileged ? PP_KERNEL_FS_PRIVILEGED.rawValue : PP_KERNEL_FS_CONFINED.rawValue)
    if launch.privileged {
        let devices = HostDevices.list()
        let list = arena.allocate(pp_device.self, count: max(1, devices.count))
        for (i, d) in devices.enumerated() {
            (list + i).initialize(to: pp_device(
                dir: UnsafePointer(arena.string(d.directory)), name: UnsafePointer(arena.string(d.name)), mode: d.mode,
                major: d.major, minor: d.minor, uid: d.uid, gid: d.gid))
        }
        l.devices = UnsafePointer(list)
        l.device_count = devices.count
    }
    let limits = try LimitDescriptors(launch.limits, arena: arena, container: launch.containerName)
    defer { limits.closeAll() }
    l.process = launch.process.cProcess(
        argv: launch.argv, stdio: (launch.stdinFD, launch.stdoutFD, launch.stderrFD), arena: arena, descriptors: limits)
    l.process.controlling_tty = launch.terminal ? 1 : 0

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
    // Built as bytes: Character-wise appends were most of the supervisor's cost of a launch.
    var out: [UInt8] = []
    out.reserveCapacity(64 + rootfs.upperDir.utf8.count + rootfs.workDir.utf8.count
        + rootfs.lowerDirs.reduce(0) { $0 + $1.utf8.count + 1 } + 16)
    out.append(contentsOf: "lowerdir=".utf8)
    for (i, dir) in rootfs.lowerDirs.enumerated() {
        if i > 0 { out.append(UInt8(ascii: ":")) }
        appendOverlayEscaped(dir, to: &out)
    }
    out.append(contentsOf: ",upperdir=".utf8)
    appendOverlayEscaped(rootfs.upperDir, to: &out)
    out.append(contentsOf: ",workdir=".utf8)
    appendOverlayEscaped(rootfs.workDir, to: &out)
    if rootfs.volatile { out.append(contentsOf: ",volatile".utf8) }
    return String(decoding: out, as: UTF8.self)
}

private func isOverlaySpecial(_ byte: UInt8) -> Bool {
    byte == UInt8(ascii: "\\") || byte == UInt8(ascii: ":") || byte == UInt8(ascii: ",")
}

private func appendOverlayEscaped(_ path: String, to out: inout [UInt8]) {
    let utf8 = path.utf8
    var special = false, ascii = true
    for byte in utf8 {
        if isOverlaySpecial(byte) { special = true }
        if byte >= 0x80 { ascii = false }
    }
    if !special {
        out.append(contentsOf: utf8)
    } else if ascii {
        for byte in utf8 {
            if isOverlaySpecial(byte) { out.append(UInt8(ascii: "\\")) }
            out.append(byte)
        }
    } else {
        // A special character followed by a combining mark is one Character that is not the
        // special character itself, and stays unescaped: decided per Character, as always.
        var escaped = ""
        for ch in path {
            if ch == "\\" || ch == ":" || ch == "," { escaped.append("\\") }
            escaped.append(ch)
        }
        out.append(contentsOf: escaped.utf8)
    }
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
        _ = try validatedOverlayData()
    }

    /// `validateForShim`, returning the overlay mount data it built on the way.
    func validatedOverlayData() throws(LaunchError) -> String {
        func invalid(_ what: String) -> LaunchError {
            LaunchError(container: containerName, step: .invalidLaunch, errno: EINVAL, path: what)
        }
        if argv.isEmpty || argv[0].isEmpty { throw invalid("empty command") }
        if rootfs.lowerDirs.isEmpty { throw invalid("no image layers (lowerDirs)") }
        if !process.workingDir.hasPrefix("/") { throw invalid("working dir \(process.workingDir) is not absolute") }
        for spec in mounts where !spec.target.hasPrefix("/") {
            throw invalid("mount target \(spec.target) of \(spec.label) is not absolute")
        }
        // The mount(2) data of overlayfs is limited to one page.
        let overlay = overlayMountData(rootfs)
        if overlay.utf8.count >= 4096 { throw invalid("overlay mount data longer than 4095 bytes") }
        // The first string with a NUL byte, in this order.
        func firstWithNUL() -> String? {
            func hasNUL(_ text: String) -> Bool { text.utf8.contains(0) }
            if let bad = process.firstStringWithNUL(argv: argv) { return bad }
            for list in [[rootfs.mergedDir, rootfs.upperDir, rootfs.workDir],
                         rootfs.lowerDirs, maskedPaths, readonlyPaths] {
                if let bad = list.first(where: hasNUL) { return bad }
            }
            for spec in mounts where hasNUL(spec.target) { return spec.target }
            return nil
        }
        if let bad = firstWithNUL() { throw invalid("NUL byte in \"\(bad.replacingNUL())\"") }
        return overlay
    }
}

extension String {
    func replacingNUL() -> String { String(unicodeScalars.map { $0 == "\0" ? "␀" : Character($0) }) }
}
