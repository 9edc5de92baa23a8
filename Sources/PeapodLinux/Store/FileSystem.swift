// Small file helpers on plain system calls; the supervisor uses them, so they avoid Foundation.

import CPeapod
import Glibc

public enum FileSystem {
    /// A close-on-exec pipe: (read end, write end).
    public static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard pp_pipe_cloexec(&fds) == 0 else { throw StoreError("pipe", "") }
        return (fds[0], fds[1])
    }

    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    public static func readText(_ path: String, limit: Int = .max) throws -> String {
        String(decoding: try readBytes(path, limit: limit), as: UTF8.self)
    }

    /// The whole file, or its first `limit` bytes and at most one read more. Reads through a
    /// 16 KiB stack buffer: a heap buffer would be allocated and zero-filled at every call, and
    /// a supervisor reads files all the time (docs/benchmarks.md).
    public static func readBytes(_ path: String, limit: Int = .max) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError("read", path) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        let failed: Bool = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16384) { buffer in
            while true {
                let n = read(fd, buffer.baseAddress, buffer.count)
                if n < 0 {
                    if errno == EINTR { continue }
                    return true
                }
                if n == 0 { return false }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[0..<n]))
                if bytes.count >= limit { return false }
            }
        }
        if failed { throw StoreError("read", path) }
        return bytes
    }

    /// Replaces `path` atomically: readers see the old or the new content, never a part.
    public static func writeAtomically(_ path: String, _ text: String, mode: mode_t = 0o644) throws {
        let temp = path + ".tmp"
        try writeFile(temp, text, mode: mode)
        guard rename(temp, path) == 0 else { throw StoreError("rename", path) }
    }

    public static func writeFile(_ path: String, _ text: String, mode: mode_t = 0o644, append: Bool = false) throws {
        try writeFile(path, Array(text.utf8), mode: mode, append: append)
    }

    /// With `append`, the bytes go in one write(2) with O_APPEND: a reader sees whole earlier
    /// lines and at most one partial last one.
    public static func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644, append: Bool = false) throws {
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC)
        let fd = open(path, flags, mode)
        guard fd >= 0 else { throw StoreError("write", path) }
        defer { close(fd) }
        guard writeAll(fd, bytes) else { throw StoreError("write", path) }
    }

    /// Writes all of `bytes`, again after EINTR and short writes; false (errno set) on failure.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    /// mkdir -p; the directories it creates get `mode` exactly (HostFS.makeDirectories).
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws {
        do {
            try HostFS.makeDirectories(path, mode: mode)
        } catch {
            throw StoreError(error.operation, error.path, errno: error.code)
        }
    }

    public static func listDirectory(_ path: String) -> [String] {
        (readDirectory(path) ?? []).map(\.name)
    }

    /// The subdirectories of `path`, from the entries' d_type (no stat per entry: a cgroup
    /// directory holds dozens of files); entries of unknown type are stat'ed.
    public static func listSubdirectories(_ path: String) -> [String] {
        (readDirectory(path) ?? []).compactMap { entry in
            switch entry.type {
            case UInt8(DT_DIR): return entry.name
            case UInt8(DT_UNKNOWN): return isDirectory(path + "/" + entry.name) ? entry.name : nil
            default: return nil
            }
        }
    }

    /// Entries other than "." and "..", with their d_type; nil when the directory cannot be opened.
    static func readDirectory(_ path: String) -> [(name: String, type: UInt8)]? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var entries: [(name: String, type: UInt8)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { entries.append((name, entry.pointee.d_type)) }
        }
        return entries
    }

    /// Removes a tree without crossing into other filesystems: a mount point still in place is an
    /// error (a leak the caller must unmount first), never a reason to delete what is under it.
    public static func removeTree(_ path: String) throws {
        do {
            try HostFS.removeTree(path)
        } catch {
            throw StoreError(error.operation, error.path, errno: error.code)
        }
    }
}

extension String {
    /// A string from a NUL-terminated C buffer filled by a system call.
    public init(cBuffer buffer: [CChar]) {
        self.init(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

public enum ProcessState {
    /// Whether `pid` is running: a zombie (exited, not yet reaped by whoever adopted it) counts as
    /// gone.
    public static func isAlive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        // "PID (COMM) STATE ...": the state follows the last ')' and a space.
        guard let stat = try? FileSystem.readBytes("/proc/\(pid)/stat"),
              let close = stat.lastIndex(of: UInt8(ascii: ")")), close + 2 < stat.count else { return false }
        let state = stat[close + 2]
        return state != UInt8(ascii: "Z") && state != UInt8(ascii: "X")
    }

    /// A descriptor poll(2) reports readable once `pid` has exited (pidfd_open); -1 where the
    /// kernel lacks it.
    public static func exitDescriptor(_ pid: Int32) -> Int32 {
        pp_pidfd_open(pid)
    }

    /// Waits until `pid` has exited (a zombie counts as gone) or `deadline` (Clock.monotonic ns)
    /// passes, and reaps it if it is our child. Sleeps in poll(2) on a pidfd, which the kernel
    /// makes readable the moment the process exits; without pidfd_open it polls the process.
    public static func waitForExit(_ pid: Int32, deadline: Int64) {
        let fd = pp_pidfd_open(pid)
        defer {
            if fd >= 0 { close(fd) }
            var status: Int32 = 0
            _ = waitpid(pid, &status, WNOHANG)
        }
        while isAlive(pid) {
            let left = (deadline - Clock.monotonic()) / 1_000_000
            guard left > 0 else { return }
            if fd >= 0 {
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                _ = poll(&pfd, 1, Int32(min(left, 1_000)))
            } else {
                usleep(1_000)
            }
        }
    }
}
