// The client's side of an attach session (`peapod attach`, `peapod run -it`): the terminal in
// raw mode, input and window size to the supervisor, output back, kubectl's detach keys.

#if canImport(Glibc)
import Glibc
#endif
import CPeapod

public enum AttachEnd: Equatable, Sendable {
    /// The container's process ended.
    case exited
    /// ctrl-p ctrl-q.
    case detached
    /// The supervisor went away (the pod was deleted).
    case disconnected
}

public struct AttachOptions: Sendable {
    public var container: String
    /// Send this process's stdin.
    public var stdin: Bool
    /// The container has a terminal: this one goes raw (when stdin is one) and its size follows.
    public var tty: Bool

    public init(container: String, stdin: Bool, tty: Bool) {
        self.container = container
        self.stdin = stdin
        self.tty = tty
    }
}

public enum AttachClient {
    public struct Refused: Error, CustomStringConvertible {
        public var description: String
    }

    /// Whether fd is a terminal.
    public static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    static func windowSize(_ fd: Int32) -> (UInt16, UInt16)? {
        var rows: UInt16 = 0, cols: UInt16 = 0
        guard pp_get_window_size(fd, &rows, &cols) == 0, rows > 0 else { return nil }
        return (rows, cols)
    }

    /// Connects to the pod's attach socket and runs the session until it ends. `ready` is called
    /// once the supervisor accepted it, with whether stdin was attached (before any output).
    public static func run(socket path: String, _ options: AttachOptions, ready: (Bool) -> Void) throws -> AttachEnd {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Refused(description: "socket: \(errnoDescription(errno))") }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw Refused(description: "\(path): too long") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw Refused(description: "unable to attach: \(path): \(errnoDescription(errno))") }

        let raw = options.tty && options.stdin && isTerminal(0)
        let size = raw ? windowSize(0) : nil
        guard sendAll(fd, AttachFrame.hello(container: options.container, stdin: options.stdin, tty: raw,
                                            rows: size?.0 ?? 0, cols: size?.1 ?? 0).encoded()) else { return .disconnected }
        var decoder = AttachFrameDecoder()
        var buffer = [UInt8](repeating: 0, count: 65536)
        // The answer: ready or refused.
        var answer: AttachFrame?
        while answer == nil {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return .disconnected }
            decoder.append(buffer[0..<n])
            answer = try decoder.next()
        }
        if answer?.type == .refused { throw Refused(description: String(decoding: answer!.payload, as: UTF8.self)) }
        let stdinAttached = (answer?.payload.first ?? 0) & 1 != 0
        ready(stdinAttached)

        var saved = termios()
        let madeRaw = raw && tcgetattr(0, &saved) == 0
        if madeRaw {
            var t = saved
            cfmakeraw(&t)
            tcsetattr(0, TCSANOW, &t)
        }
        defer { if madeRaw { tcsetattr(0, TCSANOW, &saved) } }

        var reading = stdinAttached
        var keys = DetachKeys()
        var lastSize = size
        while true {
            // Frames already decoded (with the answer) first.
            while let frame = try decoder.next() {
                switch frame.type {
                case .stdout: writeAll(1, frame.payload)
                case .stderr: writeAll(2, frame.payload)
                case .exit: return .exited
                default: break
                }
            }
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
            if reading { fds.append(pollfd(fd: 0, events: Int16(POLLIN), revents: 0)) }
            // The window's size is checked a few times a second: no SIGWINCH handler needed.
            let n = poll(&fds, nfds_t(fds.count), madeRaw ? 250 : -1)
            if n < 0 && errno != EINTR { return .disconnected }
            if madeRaw, let now = windowSize(0), lastSize == nil || now != lastSize! {
                lastSize = now
                guard sendAll(fd, AttachFrame.resize(rows: now.0, cols: now.1).encoded()) else { return .disconnected }
            }
            if fds.count > 1 && fds[1].revents != 0 {
                let got = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
                if got > 0 {
                    let (forward, detach) = madeRaw ? keys.filter(buffer[0..<got]) : (Array(buffer[0..<got]), false)
                    if !forward.isEmpty && !sendAll(fd, AttachFrame(.stdin, forward).encoded()) { return .disconnected }
                    if detach { return .detached }
                } else if got == 0 || errno != EINTR {
                    reading = false
                    guard sendAll(fd, AttachFrame(.stdinEnd).encoded()) else { return .disconnected }
                }
            }
            if fds[0].revents != 0 {
                let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN) { return .disconnected }
                if got > 0 { decoder.append(buffer[0..<got]) }
            }
        }
    }

    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        _ = FileSystem.writeAll(fd, bytes)
    }
}
