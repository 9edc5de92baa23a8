// volumeMounts[].subPath: the mount source becomes <volume>/<subPath>, which must stay inside
// the volume.
//
// The kubelet (pkg/volume/util/subpath, doBindSubPath) evaluates every symlink of the path as the
// host sees it and refuses the result when it is not within the volume; a missing subPath is
// created as a directory with the volume root's mode (kubelet_pods.go makeMounts, SafeMakeDir).
// This does the same, component by component: a symlink may point anywhere as long as the end
// result is inside the volume root (itself resolved first), and nothing is created until the
// whole path has been resolved and found inside.
//
// Known gap: the kubelet then opens the result with O_NOFOLLOW at every step and bind-mounts the
// open descriptor, so a container swapping a directory for a symlink between the check and the
// mount cannot redirect it. Here the checked path is handed to the mount as a path; the window
// is only open to another container of the same pod writing the same volume at that moment.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

enum SubPath {
    enum Failure: Error, Equatable {
        case escapes
        case notADirectory(String)
        case tooManyLinks
        case system(operation: String, path: String, code: Int32)
    }

    static let maxSymlinks = 40

    /// The host path of `subPath` inside `root`, with every symlink resolved. With `create`,
    /// missing components are made as directories with `mode`, and given to `owner` (uid, gid)
    /// when one is named; without, they are only checked lexically (a dry run).
    static func resolve(root: String, subPath: String, create: Bool, mode: mode_t,
                        owner: (uid: UInt32, gid: UInt32)? = nil) throws(Failure) -> String {
        guard !subPath.hasPrefix("/") else { throw .escapes }
        guard let base = HostFS.realPath(root) else { throw .system(operation: "resolve", path: root, code: errno) }

        var current = base == "/" ? "" : base  // "" stands for "/"
        var pending = Array(subPath.split(separator: "/").map(String.init).reversed())
        var links = 0
        var missingFrom: String?  // the first component that does not exist

        while let component = pending.popLast() {
            if component == "." || component.isEmpty { continue }
            if component == ".." {
                current = parent(current)
                continue
            }
            let next = current + "/" + component
            if missingFrom != nil {
                current = next
                continue
            }
            switch HostFS.kind(next, follow: false) {
            case .missing:
                missingFrom = next
                current = next
            case .symlink:
                links += 1
                guard links <= maxSymlinks else { throw .tooManyLinks }
                guard let target = HostFS.readLink(next) else { throw .system(operation: "readlink", path: next, code: errno) }
                if target.hasPrefix("/") { current = "" }
                pending.append(contentsOf: target.split(separator: "/").map(String.init).reversed())
            case .directory:
                current = next
            default:
                guard pending.allSatisfy({ $0 == "." || $0.isEmpty }) else { throw .notADirectory(next) }
                current = next
            }
        }
        let resolved = current.isEmpty ? "/" : current
        guard isWithin(resolved, base: base) else { throw .escapes }

        if create, missingFrom != nil {
            // Walk the resolved path (which holds no symlinks) from the volume root, making the
            // missing directories; a symlink appearing now means the volume changed under us.
            var path = base == "/" ? "" : base
            for component in resolved.dropFirst(path.count).split(separator: "/") {
                path += "/" + component
                switch HostFS.kind(path, follow: false) {
                case .missing:
                    if mkdir(path, mode) != 0, errno != EEXIST { throw .system(operation: "mkdir", path: path, code: errno) }
                    if let owner, lchown(path, owner.uid, owner.gid) != 0 {
                        throw .system(operation: "chown", path: path, code: errno)
                    }
                    chmod(path, mode)
                case .symlink:
                    throw .escapes
                default:
                    continue
                }
            }
        }
        return resolved
    }

    static func isWithin(_ path: String, base: String) -> Bool {
        base == "/" || path == base || path.hasPrefix(base + "/")
    }

    private static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }
}
