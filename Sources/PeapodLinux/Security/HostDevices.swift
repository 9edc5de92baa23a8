// The device nodes of the host that a privileged container gets, as runc lists them for one:
// every character and block device under /dev, through subdirectories, but those of the
// filesystems a container mounts for itself (pts, shm, mqueue).

#if canImport(Glibc)
import Glibc
#endif

public struct HostDevice: Sendable, Equatable {
    /// The directory inside the container ("/dev", "/dev/net") and the node's name in it.
    public var directory: String
    public var name: String
    public var mode: UInt32
    public var major: UInt32
    public var minor: UInt32
    public var uid: UInt32
    public var gid: UInt32
}

public enum HostDevices {
    static let skipped: Set<String> = ["pts", "shm", "mqueue", "fd"]

    /// glibc's gnu_dev_major/minor (macros Swift does not import).
    static func major(_ dev: dev_t) -> UInt32 { UInt32(truncatingIfNeeded: ((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfff)) }
    static func minor(_ dev: dev_t) -> UInt32 { UInt32(truncatingIfNeeded: (dev & 0xff) | ((dev >> 12) & ~0xff)) }

    /// The nodes under `root` (the host's /dev), as paths under /dev.
    public static func list(root: String = "/dev") -> [HostDevice] {
        var found: [HostDevice] = []
        func walk(_ hostDir: String, _ containerDir: String, depth: Int) {
            guard depth < 8, let entries = FileSystem.readDirectory(hostDir) else { return }
            for entry in entries.sorted(by: { $0.name < $1.name }) {
                if depth == 0 && skipped.contains(entry.name) { continue }
                let path = hostDir + "/" + entry.name
                var st = stat()
                guard lstat(path, &st) == 0 else { continue }
                switch st.st_mode & S_IFMT {
                case S_IFDIR:
                    walk(path, containerDir + "/" + entry.name, depth: depth + 1)
                case S_IFCHR, S_IFBLK:
                    found.append(HostDevice(
                        directory: containerDir, name: entry.name, mode: st.st_mode, major: major(st.st_rdev),
                        minor: minor(st.st_rdev), uid: st.st_uid, gid: st.st_gid))
                default:
                    continue
                }
            }
        }
        walk(root, "/dev", depth: 0)
        return found
    }
}
