// emptyDir volumes live in <podDir>/volumes/kubernetes.io~empty-dir/<name>, created with mode
// 0777 as the kubelet creates them (empty_dir.go setupDir).
//
// medium: Memory mounts a tmpfs on that directory in the host mount namespace (containers get a
// bind mount of it, so all of them share it), with `size=<bytes>` from sizeLimit. Without a
// sizeLimit no size option is given and the kernel's default applies: half of the host's RAM.
// (Recent kubelets bound it by the pod's memory limit or the node's allocatable memory instead;
// Peapod has no node allocatable, and the pod's memory limit is still enforced by its cgroup,
// which is charged for tmpfs pages.) The tmpfs root keeps the tmpfs default mode 1777, as the
// kubelet leaves it.
//
// Teardown finds every mount under the pod's volumes directory in /proc/self/mountinfo rather
// than remembering what it mounted, so it also cleans up after a supervisor that crashed.
// MNT_DETACH lets it succeed while a process still has a file open there.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

enum EmptyDirSetup {
    /// Mounts a tmpfs at `directory` unless one is already there (setup is idempotent).
    static func mountTmpfs(at directory: String, sizeBytes: Int64?) throws(HostFSError) {
        let resolved = HostFS.realPath(directory) ?? directory
        if MountTable.mountPoints().contains(resolved) { return }
        let options = sizeBytes.map { "size=\($0)" } ?? ""
        guard mount("tmpfs", directory, "tmpfs", 0, options) == 0 else { throw HostFSError("mount tmpfs on", directory) }
    }

    /// Unmounts everything mounted under `volumesDirectory` (deepest first, detached), then
    /// removes the directory tree. Idempotent.
    static func teardown(volumesDirectory: String) throws(HostFSError) {
        guard HostFS.kind(volumesDirectory, follow: false) != .missing else { return }
        let base = HostFS.realPath(volumesDirectory) ?? volumesDirectory
        for attempt in 0..<3 {
            let below = MountTable.mountPoints().filter { $0 == base || $0.hasPrefix(base + "/") }
            if below.isEmpty { break }
            for point in below.sorted(by: { $0.count > $1.count }) {
                if umount2(point, Int32(MNT_DETACH)) != 0, errno != EINVAL, errno != ENOENT {
                    if attempt == 2 { throw HostFSError("unmount", point) }
                }
            }
        }
        try HostFS.removeTree(volumesDirectory)
    }
}
