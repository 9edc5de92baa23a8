// fsGroup: the kubelet gives every volume that supports ownership management (emptyDir,
// downwardAPI and the other kubelet-written volumes, never a hostPath) to the pod's fsGroup:
// each entry's group becomes fsGroup, group read and write (read only for a read-only volume)
// are added to its mode, and directories also get group execute and the setgid bit, so that
// files made later inherit the group. Symbolic links are left alone. With
// fsGroupChangePolicy OnRootMismatch the walk is skipped when the volume's root already has the
// group and those bits (the kubelet's volume.SetVolumeOwnership).

#if canImport(Glibc)
import Glibc
#endif

enum VolumeOwnership {
    static func mask(directory: Bool, readOnly: Bool) -> mode_t {
        var mask: mode_t = readOnly ? 0o440 : 0o660
        if directory { mask |= mode_t(S_ISGID) | 0o110 }
        return mask
    }

    /// Applies `fsGroup` to the tree at `root`.
    static func apply(_ root: String, fsGroup: UInt32, readOnly: Bool, onRootMismatch: Bool) throws(HostFSError) {
        var st = stat()
        guard lstat(root, &st) == 0 else { throw HostFSError("stat", root) }
        if onRootMismatch {
            let want = mask(directory: (st.st_mode & S_IFMT) == S_IFDIR, readOnly: readOnly)
            if st.st_gid == fsGroup && st.st_mode & want == want { return }
        }
        try walk(root, st, fsGroup: fsGroup, readOnly: readOnly)
    }

    private static func walk(_ path: String, _ st: stat, fsGroup: UInt32, readOnly: Bool) throws(HostFSError) {
        let kind = st.st_mode & S_IFMT
        if kind == S_IFLNK { return }
        let isDirectory = kind == S_IFDIR
        guard lchown(path, UInt32.max, fsGroup) == 0 else { throw HostFSError("chown", path) }
        // chown clears setuid/setgid bits of a file; the mode is written after it.
        guard chmod(path, (st.st_mode & 0o7777) | mask(directory: isDirectory, readOnly: readOnly)) == 0 else {
            throw HostFSError("chmod", path)
        }
        guard isDirectory else { return }
        for name in try HostFS.entries(path) {
            let child = path + "/" + name
            var cst = stat()
            guard lstat(child, &cst) == 0 else { throw HostFSError("stat", child) }
            // Stay on the volume's filesystem, as the kubelet's walk does not cross mounts.
            if cst.st_dev != st.st_dev { continue }
            try walk(child, cst, fsGroup: fsGroup, readOnly: readOnly)
        }
    }
}
