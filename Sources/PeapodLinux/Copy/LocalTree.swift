// The host's side of a copy into a container: a local file, directory tree or symlink as the
// frames the copy child writes (CPeapod/copy.c). Symlinks are sent as symlinks, never followed;
// device nodes, FIFOs and sockets are left out with a warning, as they are on the way out.

#if canImport(Glibc)
import Glibc
#endif

public enum LocalTree {
    /// Calls `emit` with every frame of the tree at `source` (lstat: a symlink is sent as one),
    /// its root first with the empty path; `warn` with each entry left out. Returns how many
    /// were left out.
    public static func frames(of source: String, emit: ([UInt8]) throws -> Void, warn: (String) -> Void) throws -> Int {
        var skipped = 0
        var buffer = [UInt8](repeating: 0, count: CopyFrame.chunk)

        func entry(_ dirFD: Int32, _ name: String, _ relative: [UInt8], shown: String, depth: Int) throws {
            var st = stat()
            guard fstatat(dirFD, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
                skipped += 1
                warn("warning: skipping \"\(shown)\": \(errnoDescription(errno))")
                return
            }
            let mode = UInt32(st.st_mode)
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                let fd = openat(dirFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard fd >= 0, depth < 128, let dir = fdopendir(fd) else {
                    let e = fd < 0 ? errno : ELOOP
                    if fd >= 0 { close(fd) }
                    skipped += 1
                    warn("warning: skipping \"\(shown)\": \(errnoDescription(e))")
                    return
                }
                defer { closedir(dir) }
                try emit(CopyFrame(.directory, path: relative, mode: mode).encoded())
                var names: [String] = []
                while let item = readdir(dir) {
                    let child = withUnsafeBytes(of: item.pointee.d_name) { raw in
                        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                    }
                    if child != "." && child != ".." { names.append(child) }
                }
                for child in names.sorted() {
                    let path = relative.isEmpty ? Array(child.utf8) : relative + [UInt8(ascii: "/")] + Array(child.utf8)
                    guard path.count < CopyFrame.pathMax else {
                        skipped += 1
                        warn("warning: skipping \"\(shown)/\(child)\": \(errnoDescription(ENAMETOOLONG))")
                        continue
                    }
                    try entry(dirfd(dir), child, path, shown: shown + "/" + child, depth: depth + 1)
                }
            case S_IFREG:
                let fd = openat(dirFD, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
                guard fd >= 0 else {
                    skipped += 1
                    warn("warning: skipping \"\(shown)\": \(errnoDescription(errno))")
                    return
                }
                defer { close(fd) }
                try emit(CopyFrame(.file, path: relative, mode: mode).encoded())
                var failed: Int32 = 0
                while true {
                    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if n < 0 && errno == EINTR { continue }
                    if n < 0 { failed = errno }
                    if n <= 0 { break }
                    try emit(CopyFrame(.data, data: Array(buffer[0..<n])).encoded())
                }
                if failed != 0 {
                    skipped += 1
                    warn("warning: \"\(shown)\" is incomplete: reading it failed: \(errnoDescription(failed))")
                }
                try emit(CopyFrame(.fileEnd, path: relative, mode: mode).encoded())
            case S_IFLNK:
                let n = buffer.withUnsafeMutableBytes { readlinkat(dirFD, name, $0.baseAddress!.assumingMemoryBound(to: CChar.self), CopyFrame.pathMax) }
                guard n >= 0, n < CopyFrame.pathMax else {
                    skipped += 1
                    warn("warning: skipping \"\(shown)\": \(errnoDescription(n < 0 ? errno : ENAMETOOLONG))")
                    return
                }
                try emit(CopyFrame(.symlink, path: relative, mode: mode, data: Array(buffer[0..<n])).encoded())
            default:
                skipped += 1
                warn("warning: skipping \"\(shown)\": not a regular file, directory or symlink")
            }
        }

        let parent = SafeTreeWriter.parentDirectory(source)
        var name = SafeTreeWriter.lastComponent(source)
        if name == "/" { name = "." }
        let parentFD = open(name == "." || name == ".." ? source : parent, oPath | O_DIRECTORY | O_CLOEXEC)
        guard parentFD >= 0 else {
            throw CopyStreamError("\(source) doesn't exist in local filesystem")
        }
        defer { close(parentFD) }
        try entry(parentFD, name == ".." ? "." : name, [], shown: source, depth: 0)
        return skipped
    }
}
