// The host's side of a copy out of a container: the entries a copy child sends, written beneath
// the destination the user named, and nowhere else. The container is assumed hostile (kubectl
// cp's CVE-2018-1002100 and its successors: `../` in an entry's name, an absolute name, a
// symlink in the copied tree and then an entry written through it). So:
//
//   - an entry's path must be relative, without empty, "." or ".." components (else it is
//     skipped with kubectl's "is outside target destination" warning);
//   - every entry below the copy's root is opened with openat2(RESOLVE_BENEATH |
//     RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS) relative to the root's descriptor, and its
//     last component with O_NOFOLLOW: no symlink, whether it came in the stream or was already
//     there, is ever followed;
//   - symlinks are made as symlinks (their targets are never looked at, let alone followed);
//   - files get the entry's permission bits without setuid, setgid or sticky bits, and belong to
//     whoever runs the copy.
//
// Only the destination itself, which the user typed, is resolved as usual.

#if canImport(Glibc)
import Glibc
#endif
import CPeapod

public final class SafeTreeWriter {
    public let destination: String
    /// The source's last path component: a file or symlink copied onto an existing directory
    /// goes in it under this name.
    let sourceName: String
    /// The copy's root, once its entry has arrived: the directory everything else goes in.
    private var rootFD: Int32 = -1
    /// The root entry's parent and name (a file or symlink root).
    private var rootKind: CopyFrameType?
    private var openFile: Int32 = -1
    private var openFilePath = ""
    /// One line per entry not copied, in kubectl's words where kubectl has them.
    public private(set) var warnings: [String] = []
    /// Set when an entry could not be written (the command then exits 1).
    public private(set) var failures = 0

    public init(destination: String, sourceName: String) {
        self.destination = destination
        self.sourceName = sourceName
    }

    deinit { finish() }

    public func finish() {
        if openFile >= 0 { close(openFile) }
        openFile = -1
        if rootFD >= 0 { close(rootFD) }
        rootFD = -1
    }

    /// What the user sees for an entry: the destination joined with it.
    func shown(_ path: [UInt8]) -> String {
        path.isEmpty ? destination : destination + (destination.hasSuffix("/") ? "" : "/") + String(decoding: path, as: UTF8.self)
    }

    func skip(_ path: [UInt8], _ errno: Int32) {
        failures += 1
        if errno == ELOOP || errno == EXDEV {
            // A symlink on the way: writing there would go wherever it points.
            warnings.append("warning: file \"\(shown(path))\" is outside target destination, skipping")
        } else {
            warnings.append("warning: skipping \"\(shown(path))\": \(errnoDescription(errno))")
        }
    }

    /// Handles one frame of the stream; a failure to make the copy's root itself is thrown.
    public func apply(_ frame: CopyFrame) throws(CopyStreamError) {
        switch frame.type {
        case .data:
            guard openFile >= 0 else { return }
            if !FileSystem.writeAll(openFile, frame.data) {
                let e = errno
                close(openFile)
                openFile = -1
                failures += 1
                warnings.append("warning: skipping \"\(openFilePath)\": \(errnoDescription(e))")
            }
            return
        case .fileEnd:
            if openFile >= 0 { close(openFile) }
            openFile = -1
            if frame.err != 0 {
                failures += 1
                warnings.append("warning: \"\(openFilePath)\" is incomplete: reading it failed: \(errnoDescription(frame.err))")
            }
            return
        case .skipped:
            failures += 1
            let why = frame.err == 0 ? "not a regular file, directory or symlink" : errnoDescription(frame.err)
            warnings.append("warning: skipping \"\(shown(frame.path))\": \(why)")
            return
        case .error, .done:
            return
        case .directory, .file, .symlink:
            break
        }
        if openFile >= 0 {
            close(openFile)
            openFile = -1
        }
        guard CopyFrame.isSafeEntryPath(frame.path) else {
            failures += 1
            warnings.append("warning: file \"\(shown(frame.path))\" is outside target destination, skipping")
            if frame.type == .file { openFilePath = shown(frame.path) }
            return
        }
        if frame.path.isEmpty {
            try makeRoot(frame)
            return
        }
        guard rootFD >= 0 else {
            // Entries below a root that is no directory (or that could not be made).
            skip(frame.path, rootKind == .directory ? EBADF : ENOTDIR)
            return
        }
        var components = frame.path.split(separator: UInt8(ascii: "/")).map { String(decoding: $0, as: UTF8.self) }
        let leaf = components.removeLast()
        var dirFD = rootFD
        if !components.isEmpty {
            dirFD = pp_openat2_beneath(rootFD, components.joined(separator: "/"), oPath | O_DIRECTORY, 0)
            if dirFD < 0 {
                skip(frame.path, errno)
                return
            }
        }
        defer { if dirFD != rootFD { close(dirFD) } }
        make(frame, in: dirFD, leaf)
    }

    /// Makes one entry `leaf` in `dirFD`: never through a symlink, replacing a file or symlink
    /// in the way as tar does.
    private func make(_ frame: CopyFrame, in dirFD: Int32, _ leaf: String) {
        let mode = mode_t(frame.mode & 0o777)
        switch frame.type {
        case .directory:
            if mkdirat(dirFD, leaf, mode | 0o700) != 0 {
                var st = stat()
                if errno != EEXIST || fstatat(dirFD, leaf, &st, AT_SYMLINK_NOFOLLOW) != 0 || (st.st_mode & S_IFMT) != S_IFDIR {
                    skip(frame.path, errno == EEXIST || errno == 0 ? ENOTDIR : errno)
                }
            }
        case .file:
            openFilePath = shown(frame.path)
            let flags = O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_NONBLOCK
            var fd = pp_openat2_beneath(dirFD, leaf, flags, UInt32(mode))
            if fd < 0 && (errno == ELOOP || errno == ENXIO || errno == ETXTBSY) && unlinkat(dirFD, leaf, 0) == 0 {
                fd = pp_openat2_beneath(dirFD, leaf, flags | O_EXCL, UInt32(mode))
            }
            var st = stat()
            if fd >= 0 && (fstat(fd, &st) != 0 || (st.st_mode & S_IFMT) != S_IFREG) {
                close(fd)
                fd = -1
                errno = EEXIST
            }
            guard fd >= 0 else {
                skip(frame.path, errno)
                return
            }
            _ = fcntl(fd, F_SETFL, 0)
            // O_TRUNC of a file that was there keeps its old mode: give it the entry's.
            _ = fchmod(fd, mode)
            openFile = fd
        case .symlink:
            let target = String(decoding: frame.data, as: UTF8.self)
            guard !frame.data.contains(0) else {
                skip(frame.path, EINVAL)
                return
            }
            if symlinkat(target, dirFD, leaf) != 0 {
                var st = stat()
                if errno != EEXIST || fstatat(dirFD, leaf, &st, AT_SYMLINK_NOFOLLOW) != 0 || (st.st_mode & S_IFMT) == S_IFDIR
                    || unlinkat(dirFD, leaf, 0) != 0 || symlinkat(target, dirFD, leaf) != 0 {
                    skip(frame.path, errno == 0 ? EEXIST : errno)
                }
            }
        default:
            break
        }
    }

    /// The copy's root: a directory is the destination itself (made, or merged into when it
    /// exists, as kubectl cp does); a file or symlink is the destination, or goes into it under
    /// the source's name when the destination is a directory.
    private func makeRoot(_ frame: CopyFrame) throws(CopyStreamError) {
        guard rootKind == nil else {
            failures += 1
            warnings.append("warning: file \"\(destination)\" appears twice in the stream, skipping")
            return
        }
        rootKind = frame.type
        let isDirectory = FileSystem.isDirectory(destination)
        if frame.type == .directory && isDirectory {
            rootFD = open(destination, oPath | O_DIRECTORY | O_CLOEXEC)
            if rootFD < 0 { throw CopyStreamError("open \(destination): \(errnoDescription(errno))") }
            return
        }
        var parent = Self.parentDirectory(destination)
        var name = Self.lastComponent(destination)
        if isDirectory {
            parent = destination
            name = sourceName
        }
        guard !name.isEmpty, name != ".", name != "..", !name.contains("/") else {
            throw CopyStreamError("\(destination): cannot copy onto it")
        }
        let parentFD = open(parent, oPath | O_DIRECTORY | O_CLOEXEC)
        guard parentFD >= 0 else { throw CopyStreamError("open \(parent): \(errnoDescription(errno))") }
        defer { close(parentFD) }
        make(frame, in: parentFD, name)
        if frame.type == .directory {
            rootFD = pp_openat2_beneath(parentFD, name, oPath | O_DIRECTORY, 0)
            if rootFD < 0 { throw CopyStreamError("\(destination): \(errnoDescription(errno))") }
        } else if frame.type == .file && openFile < 0 {
            throw CopyStreamError(warnings.popLast() ?? "\(destination): cannot be written")
        }
    }

    static func parentDirectory(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    static func lastComponent(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return String(trimmed) }
        return String(trimmed[trimmed.index(after: slash)...])
    }
}
