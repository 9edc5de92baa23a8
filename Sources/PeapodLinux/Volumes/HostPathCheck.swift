// hostPath type checks, as the kubelet does them (pkg/volume/hostpath/host_path.go,
// checkTypeInternal), with its messages:
//   ""                 no check; a missing path is created as a directory (0755) at setup, as
//                      containerd does for a missing bind-mount source
//   DirectoryOrCreate  created with 0755 (MkdirAll) when missing, else must be a directory
//   Directory          must be a directory               "… is not a directory"
//   FileOrCreate       an empty file 0644 when missing (the parent is NOT created: the kubelet's
//                      makeFile is a plain open(O_CREATE)), else must be a regular file
//   File               must be a regular file            "… is not a file"
//   Socket             "… is not a socket file"; CharDevice "… is not a character device";
//   BlockDevice        "… is not a block device"
// Types are checked on the path with symlinks followed (os.Stat).
//
// `check` has no side effects so `apply --dry-run=client` can report what setup would refuse;
// for the ...OrCreate types it also predicts whether the creation can work.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

enum HostPathCheck {
    static let knownTypes = ["", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"]

    /// The reason setup would fail, or nil.
    static func check(path: String, type: String) -> String? {
        let kind = HostFS.kind(path)
        switch type {
        case "":
            return kind == .missing ? creatable(directory: path) : nil
        case "DirectoryOrCreate":
            if kind == .missing { return creatable(directory: path) }
            return kind == .directory ? nil : "hostPath type check failed: \(path) is not a directory"
        case "Directory":
            return kind == .directory ? nil : "hostPath type check failed: \(path) is not a directory"
        case "FileOrCreate":
            if kind == .missing {
                let parent = parentPath(path)
                return HostFS.kind(parent) == .directory
                    ? nil : "hostPath type check failed: cannot create \(path): parent directory \(parent) does not exist"
            }
            return kind == .regular ? nil : "hostPath type check failed: \(path) is not a file"
        case "File":
            return kind == .regular ? nil : "hostPath type check failed: \(path) is not a file"
        case "Socket":
            return kind == .socket ? nil : "hostPath type check failed: \(path) is not a socket file"
        case "CharDevice":
            return kind == .charDevice ? nil : "hostPath type check failed: \(path) is not a character device"
        case "BlockDevice":
            return kind == .blockDevice ? nil : "hostPath type check failed: \(path) is not a block device"
        default:
            return "\(type) is an invalid volume type"
        }
    }

    /// Creates what the ...OrCreate types (and "") create, then checks the type.
    static func setUp(path: String, type: String) throws(HostFSError) -> String? {
        if HostFS.kind(path) == .missing {
            switch type {
            case "", "DirectoryOrCreate":
                try HostFS.makeDirectories(path, mode: 0o755)
            case "FileOrCreate":
                let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
                guard fd >= 0 else { throw HostFSError("create", path) }
                close(fd)
            default:
                break
            }
        }
        return check(path: path, type: type)
    }

    /// Whether `mkdir -p path` can work: the nearest existing ancestor must be a directory.
    private static func creatable(directory path: String) -> String? {
        var ancestor = parentPath(path)
        while HostFS.kind(ancestor) == .missing, ancestor != "/" { ancestor = parentPath(ancestor) }
        return HostFS.kind(ancestor) == .directory ? nil : "cannot create directory \(path): \(ancestor) is not a directory"
    }

    static func parentPath(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }
}
