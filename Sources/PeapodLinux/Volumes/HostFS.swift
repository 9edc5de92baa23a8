// Small Glibc file-system helpers for volume setup. Volume setup runs in the per-pod supervisor,
// which stays light (no Foundation), so these are plain system calls.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import PeapodSpec

enum FileKind: Equatable {
    case missing, directory, regular, symlink, socket, charDevice, blockDevice, fifo, other
}

enum HostFS {
    /// The kind of `path`, following symlinks (`stat`) or not (`lstat`).
    static func kind(_ path: String, follow: Bool = true) -> FileKind {
        var info = stat()
        let rc = follow ? stat(path, &info) : lstat(path, &info)
        guard rc == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .regular
        case S_IFLNK: return .symlink
        case S_IFSOCK: return .socket
        case S_IFCHR: return .charDevice
        case S_IFBLK: return .blockDevice
        case S_IFIFO: return .fifo
        default: return .other
        }
    }

    static func mode(_ path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o7777
    }

    /// mkdir -p; directories it creates get `mode` exactly (chmod after mkdir, so the umask does
    /// not apply), as the kubelet's MkdirAll + Chmod does.
    static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(HostFSError) {
        // mkdir first: the parent usually exists, and then one system call does it.
        var made = mkdir(path, mode) == 0
        if !made, errno == ENOENT, let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try makeDirectories(String(path[..<slash]), mode: mode)
            made = mkdir(path, mode) == 0
        }
        if !made {
            if errno == EEXIST, kind(path) == .directory { return }
            throw HostFSError("mkdir", path)
        }
        // Only where the umask took bits away.
        if mode & processUmask != 0, chmod(path, mode) != 0 { throw HostFSError("chmod", path) }
    }

    /// The process's umask, from /proc/self/status (reading it with umask(2) would change it for
    /// a moment); 0o777 when unknown, so that every directory is chmod-ed.
    static let processUmask: mode_t = {
        guard let status = try? FileSystem.readText("/proc/self/status", limit: 1 << 16) else { return 0o777 }
        for line in status.nonEmptyLines() where line.hasPrefix("Umask:") {
            return mode_t(String(line.dropFirst(6).filter { $0 != "\t" && $0 != " " }), radix: 8) ?? 0o777
        }
        return 0o777
    }()

    /// Writes `bytes` to a new file at `path` with `mode` (exactly), replacing it atomically
    /// (write to a temporary name, then rename).
    static func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws(HostFSError) {
        let temporary = path + ".peapod-tmp"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw HostFSError("create", temporary) }
        guard FileSystem.writeAll(fd, bytes) else {
            let code = errno
            close(fd)
            unlink(temporary)
            throw HostFSError("write", temporary, code)
        }
        fchmod(fd, mode)
        close(fd)
        if rename(temporary, path) != 0 {
            let code = errno
            unlink(temporary)
            throw HostFSError("rename", path, code)
        }
    }

    static func readFile(_ path: String) -> [UInt8]? {
        try? FileSystem.readBytes(path)
    }

    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n >= 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Removes `path` and everything under it without crossing into other file systems (a mount
    /// left below is refused with EBUSY rather than emptied) and without following symlinks.
    static func removeTree(_ path: String) throws(HostFSError) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw HostFSError("stat", path)
        }
        try removeTree(path, device: info.st_dev)
    }

    private static func removeTree(_ path: String, device: dev_t) throws(HostFSError) {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return }
            throw HostFSError("stat", path)
        }
        if info.st_mode & S_IFMT != S_IFDIR {
            if unlink(path) != 0, errno != ENOENT { throw HostFSError("unlink", path) }
            return
        }
        if info.st_dev != device { throw HostFSError("remove", path, EBUSY) }
        for name in try entries(path) { try removeTree(path + "/" + name, device: device) }
        if rmdir(path) != 0, errno != ENOENT { throw HostFSError("rmdir", path) }
    }

    /// Directory entries other than "." and "..".
    static func entries(_ path: String) throws(HostFSError) -> [String] {
        guard let entries = FileSystem.readDirectory(path) else { throw HostFSError("open", path) }
        return entries.map(\.name)
    }
}
