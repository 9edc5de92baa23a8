// `peapod cp`: copies between this machine and a running container, without any program of the
// container. A C child (pp_copy_start) enters the container's mount namespace with the
// container's own confinement, as `peapod exec` does, and reads or writes the container's files;
// this process streams them over a socket pair and writes or reads the host's side
// (SafeTreeWriter, LocalTree). docs/design.md §3.5 has the design, docs/security.md the threats.

#if canImport(Glibc)
import Glibc
#endif
import CPeapod

public struct CopyOutcome: Sendable {
    /// Entries that were not copied, one line each.
    public var warnings: [String] = []
    public var failures = 0
}

public enum ContainerCopy {
    /// Copies `path` of the container whose process is `pid` to `destination` on this machine.
    /// `warn` is told of each entry left out as it happens.
    public static func copyOut(pid: Int32, process: ProcessSpec, container: String, path: String, destination: String,
                               warn: (String) -> Void) throws -> CopyOutcome {
        let writer = SafeTreeWriter(destination: destination, sourceName: SafeTreeWriter.lastComponent(path))
        defer { writer.finish() }
        var outcome = CopyOutcome()
        var shown = 0
        try run(pid: pid, process: process, container: container, path: path, direction: PP_COPY_OUT, sourceName: "") { socket in
            var decoder = CopyFrameDecoder()
            var buffer = [UInt8](repeating: 0, count: 1 << 17)
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return nil }
                buffer.withUnsafeBytes { decoder.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                while let frame = try decoder.next() {
                    if frame.type == .error || frame.type == .done { return frame }
                    try writer.apply(frame)
                    while shown < writer.warnings.count {
                        warn(writer.warnings[shown])
                        shown += 1
                    }
                }
            }
        }
        outcome.warnings = writer.warnings
        outcome.failures = writer.failures
        return outcome
    }

    /// Copies `source` on this machine into the container at `path`: into it under the source's
    /// name when `path` is a directory there, else as `path`.
    public static func copyIn(pid: Int32, process: ProcessSpec, container: String, source: String, path: String,
                              warn: (String) -> Void) throws -> CopyOutcome {
        var outcome = CopyOutcome()
        let name = SafeTreeWriter.lastComponent(source)
        var st = stat()
        guard lstat(source, &st) == 0 else { throw CopyStreamError("\(source) doesn't exist in local filesystem") }
        try run(pid: pid, process: process, container: container, path: path, direction: PP_COPY_IN,
                sourceName: name == "/" || name == "." || name == ".." ? "" : name) { socket in
            var decoder = CopyFrameDecoder()
            var result: CopyFrame?
            // The child's warnings and its end arrive while this side sends: read them whenever
            // the socket is full, so that neither side waits on the other for ever.
            func take() throws(CopyStreamError) -> Bool {
                var buffer = [UInt8](repeating: 0, count: 1 << 16)
                let n = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                if n == 0 { return false }
                if n < 0 { return errno == EAGAIN || errno == EINTR }
                buffer.withUnsafeBytes { decoder.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                while let frame = try decoder.next() {
                    switch frame.type {
                    case .skipped:
                        outcome.failures += 1
                        let line = "warning: skipping \"\(container):\(childPath(path, frame))\": "
                            + (frame.err == 0 ? "not a regular file, directory or symlink" : errnoDescription(frame.err))
                        outcome.warnings.append(line)
                        warn(line)
                    case .error, .done:
                        result = frame
                        return false
                    default:
                        throw CopyStreamError("unexpected frame \(frame.type) from the copy child")
                    }
                }
                return true
            }
            var open = true
            func sendFrame(_ bytes: [UInt8]) throws {
                var offset = 0
                while offset < bytes.count && open {
                    let n = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
                    if n > 0 { offset += n; continue }
                    if n < 0 && errno == EINTR { continue }
                    if n < 0 && errno != EAGAIN {
                        // The child has gone (it failed, and said why): read what it said.
                        open = false
                        return
                    }
                    var fds = [pollfd(fd: socket, events: Int16(POLLIN | POLLOUT), revents: 0)]
                    _ = poll(&fds, 1, -1)
                    if fds[0].revents & Int16(POLLIN | POLLHUP) != 0, try !take() { open = false }
                }
            }
            let skipped = try LocalTree.frames(of: source, emit: sendFrame, warn: { line in
                outcome.warnings.append(line)
                warn(line)
            })
            outcome.failures += skipped
            try sendFrame(CopyFrame(.done).encoded())
            while result == nil {
                var fds = [pollfd(fd: socket, events: Int16(POLLIN), revents: 0)]
                _ = poll(&fds, 1, -1)
                if try !take() { break }
            }
            return result
        }
        return outcome
    }

    static func childPath(_ base: String, _ frame: CopyFrame) -> String {
        frame.path.isEmpty ? base : base + "/" + frame.pathString
    }

    /// Starts the copy child on one end of a socket pair, hands the other to `body` (which
    /// returns the child's last frame: done, error, or nil for none), waits for the child and
    /// turns an error frame into a LaunchError.
    static func run(pid: Int32, process: ProcessSpec, container: String, path: String, direction: pp_copy_direction,
                    sourceName: String, _ body: (Int32) throws -> CopyFrame?) throws {
        guard !path.utf8.contains(0), !sourceName.utf8.contains(0) else {
            throw LaunchError(container: container, step: .invalidLaunch, errno: EINVAL, path: "NUL byte in a path")
        }
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw LaunchError(container: container, step: .pipe, errno: errno, path: "socketpair")
        }
        defer { close(pair[0]) }
        let arena = CArena()
        let limits: LimitDescriptors
        var namespaces: [Int32] = []
        defer {
            for fd in namespaces where fd >= 0 { close(fd) }
        }
        do {
            for name in ["user", "mnt"] {
                namespaces.append(try LimitDescriptors.open("/proc/\(pid)/ns/\(name)", O_RDONLY, step: .openNamespace,
                                                            container: container) {})
            }
            var target = stat(), own = stat()
            if fstat(namespaces[0], &target) == 0, stat("/proc/self/ns/user", &own) == 0,
               target.st_ino == own.st_ino, target.st_dev == own.st_dev {
                close(namespaces[0])
                namespaces[0] = -1
            }
            limits = try LimitDescriptors(process.limits, arena: arena, container: container)
        } catch {
            close(pair[1])
            throw error
        }
        defer { limits.closeAll() }
        var copy = pp_copy()
        copy.user_ns_fd = namespaces[0]
        copy.mnt_ns_fd = namespaces[1]
        copy.process = process.cProcess(argv: ["cp"], stdio: (-1, -1, -1), arena: arena, descriptors: limits)
        copy.socket = pair[1]
        copy.direction = Int32(direction.rawValue)
        copy.path = UnsafePointer(arena.string(path))
        copy.source_name = UnsafePointer(arena.string(sourceName))
        var record = pp_error()
        let child = withExtendedLifetime((arena, process)) { pp_copy_start(&copy, &record) }
        close(pair[1])
        if child < 0 { throw LaunchError(container: container, record: record, mounts: []) }
        var last: CopyFrame?
        var failure: Error?
        do {
            last = try body(pair[0])
        } catch {
            failure = error
            kill(child, SIGKILL)
        }
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        if let failure { throw failure }
        if let last, last.type == .error {
            let step = LaunchStep(rawValue: Int32(bitPattern: last.mode)) ?? .unknown
            throw LaunchError(container: container, step: step, errno: last.err, path: last.pathString)
        }
        guard last?.type == .done else {
            let ended = WaitStatus(raw: status)
            let how = ended.signal.map { "was killed by signal \($0)" } ?? "exited with \(ended.exitCode ?? 0)"
            throw CopyStreamError("container \(container): the copy ended early: its process \(how)")
        }
    }
}
