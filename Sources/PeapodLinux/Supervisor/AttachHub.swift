// The supervisor's side of `peapod attach`: the pod's attach socket, the sessions on it, and the
// containers' input. As the kubelet and containerd have it (docs/design.md §3.7):
//   - any container's output can be watched; input goes only to a container with `stdin: true`,
//     whose stdin (a pipe, or its terminal with `tty: true`) the supervisor keeps open from its
//     start;
//   - `stdinOnce: true` closes that stdin when the first session that attached it ends (a
//     terminal gets its end-of-file character instead, as a pipe's reader would see the end);
//     the next instance of the container starts with a new one;
//   - a terminal's size follows the attached client's (TIOCSWINSZ on the master).
// The socket is 0600 in the pod's 0700 run directory: only root reaches it.

#if canImport(Glibc)
import Glibc
#endif
import CPeapod
import PeapodSpec

final class AttachHub {
    final class Client {
        let fd: Int32
        var container = ""
        var sendsInput = false
        var decoder = AttachFrameDecoder()
        var pending: [UInt8] = []
        var ready = false
        var closing = false

        init(fd: Int32) { self.fd = fd }
    }

    /// A running instance's input: the write end of its stdin pipe, or its terminal's master.
    struct Input {
        var fd: Int32
        var terminal: Bool
        var once: Bool
        var closed = false
        var pending: [UInt8] = []
    }

    let path: String
    let specs: [String: (stdin: Bool, stdinOnce: Bool, tty: Bool)]
    private(set) var listener: Int32 = -1
    private(set) var clients: [Client] = []
    private var inputs: [String: Input] = [:]
    /// Containers with a running instance (whose output can be watched).
    private var running: Set<String> = []
    /// The master of each running terminal (owned by RunningContainer), for its size.
    private var terminals: [String: Int32] = [:]

    init(path: String, pod: Pod) {
        self.path = path
        var specs: [String: (Bool, Bool, Bool)] = [:]
        for container in pod.allContainers { specs[container.name] = (container.stdin, container.stdinOnce, container.tty) }
        self.specs = specs
    }

    /// Opens the socket. A failure only means nobody can attach: the pod runs on.
    func listen() -> String? {
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return "socket: \(errnoDescription(errno))" }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            Glibc.close(fd)
            return "\(path): path too long for a unix socket"
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        // Made 0600 from the start: no moment in which another user could connect.
        let old = umask(0o177)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        umask(old)
        guard bound == 0, Glibc.listen(fd, 16) == 0 else {
            let e = errno
            Glibc.close(fd)
            return "\(path): \(errnoDescription(e))"
        }
        listener = fd
        return nil
    }

    /// A new instance of `container` is running: `input` (-1: none) is its stdin's write end or
    /// a dup of its terminal's master, which the hub owns from now on; `terminal` the master.
    func started(_ container: String, input: Int32, terminal: Int32?) {
        running.insert(container)
        if let terminal { terminals[container] = terminal }
        if let old = inputs.removeValue(forKey: container), old.fd >= 0 { Glibc.close(old.fd) }
        if input >= 0, let spec = specs[container] {
            inputs[container] = Input(fd: input, terminal: terminal != nil, once: spec.stdinOnce)
        }
    }

    /// The instance ended: its sessions end with it (kubectl attach returns), and its input goes.
    func ended(_ container: String) {
        running.remove(container)
        terminals.removeValue(forKey: container)
        if let input = inputs.removeValue(forKey: container), input.fd >= 0 { Glibc.close(input.fd) }
        for client in clients where client.container == container && client.ready {
            send(client, AttachFrame(.exit))
            client.closing = true
        }
        sweep()
    }

    /// Output of a container, for the sessions watching it.
    func output(_ container: String, _ bytes: ArraySlice<UInt8>, stderr: Bool) {
        guard !clients.isEmpty else { return }
        for client in clients where client.ready && client.container == container {
            send(client, AttachFrame(stderr ? .stderr : .stdout, Array(bytes)))
        }
        sweep()
    }

    var descriptors: [pollfd] {
        var fds: [pollfd] = []
        if listener >= 0 { fds.append(pollfd(fd: listener, events: Int16(POLLIN), revents: 0)) }
        for client in clients {
            // While a container's input waits for room, its sessions' input waits too.
            let blocked = inputs[client.container].map { !$0.pending.isEmpty } ?? false
            var events: Int32 = blocked ? 0 : POLLIN
            if !client.pending.isEmpty { events |= POLLOUT }
            fds.append(pollfd(fd: client.fd, events: Int16(events), revents: 0))
        }
        for input in inputs.values where !input.pending.isEmpty && !input.closed {
            fds.append(pollfd(fd: input.fd, events: Int16(POLLOUT), revents: 0))
        }
        return fds
    }

    func handle(_ p: pollfd) {
        if p.fd == listener {
            accept()
        } else if let client = clients.first(where: { $0.fd == p.fd }) {
            if p.revents & Int16(POLLOUT) != 0 { flush(client) }
            if p.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { read(client) }
        } else if let name = inputs.first(where: { $0.value.fd == p.fd })?.key {
            writeInput(name)
        }
        sweep()
    }

    func close() {
        for client in clients { Glibc.close(client.fd) }
        clients.removeAll()
        for input in inputs.values where input.fd >= 0 { Glibc.close(input.fd) }
        inputs.removeAll()
        if listener >= 0 {
            Glibc.close(listener)
            unlink(path)
        }
        listener = -1
    }

    private func accept() {
        while true {
            let fd = Glibc.accept(listener, nil, nil)
            guard fd >= 0 else { return }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            clients.append(Client(fd: fd))
        }
    }

    private func read(_ client: Client) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = buffer.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress, $0.count, 0) }
        if n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR) {
            endSession(client)
            return
        }
        guard n > 0 else { return }
        client.decoder.append(buffer[0..<n])
        do {
            while let frame = try client.decoder.next() { received(frame, from: client) }
        } catch {
            endSession(client)
        }
    }

    private func received(_ frame: AttachFrame, from client: Client) {
        switch frame.type {
        case .hello where !client.ready:
            let flags = frame.payload.first ?? 0
            let name = String(decoding: frame.payload.dropFirst(5), as: UTF8.self)
            guard let spec = specs[name] else {
                refuse(client, "container \(name) is not valid for this pod")
                return
            }
            guard running.contains(name) else {
                refuse(client, "container \(name) is not running")
                return
            }
            client.container = name
            let input = inputs[name]
            client.sendsInput = flags & 1 != 0 && input != nil && input?.closed == false
            client.ready = true
            if spec.tty, flags & 2 != 0, let size = frame.size(at: 1), size.rows > 0, let master = terminals[name] {
                _ = pp_set_window_size(master, size.rows, size.cols)
            }
            send(client, AttachFrame(.ready, [(client.sendsInput ? 1 : 0) | (spec.tty ? 2 : 0)]))
        case .stdin where client.sendsInput:
            guard var input = inputs[client.container], !input.closed else { return }
            input.pending += frame.payload
            inputs[client.container] = input
            writeInput(client.container)
        case .resize where client.ready:
            if let size = frame.size(at: 0), let master = terminals[client.container] {
                _ = pp_set_window_size(master, size.rows, size.cols)
            }
        case .stdinEnd where client.sendsInput:
            // As containerd's attach: with stdinOnce and no terminal, the end of the client's
            // input is the end of the container's; otherwise it ends the session.
            if let input = inputs[client.container], input.once, !input.terminal {
                closeInput(client.container)
            } else {
                endSession(client)
            }
        default:
            break
        }
    }

    private func refuse(_ client: Client, _ why: String) {
        send(client, AttachFrame(.refused, Array(why.utf8)))
        client.closing = true
    }

    /// A session is over: with stdinOnce, the stdin it attached is closed for this instance.
    private func endSession(_ client: Client) {
        client.closing = true
        client.pending.removeAll()
        guard client.sendsInput, let input = inputs[client.container], input.once else { return }
        closeInput(client.container)
    }

    private func closeInput(_ name: String) {
        guard var input = inputs[name], !input.closed else { return }
        input.closed = true
        if input.terminal {
            // A terminal stays the container's: its reader gets end-of-file (VEOF) instead.
            var eof: UInt8 = 0x04
            _ = Glibc.write(input.fd, &eof, 1)
        }
        Glibc.close(input.fd)
        input.fd = -1
        input.pending.removeAll()
        inputs[name] = input
    }

    private func writeInput(_ name: String) {
        guard var input = inputs[name], !input.closed, !input.pending.isEmpty else { return }
        let n = input.pending.withUnsafeBytes { Glibc.write(input.fd, $0.baseAddress, $0.count) }
        if n > 0 { input.pending.removeFirst(n) }
        if n < 0 && errno != EAGAIN && errno != EINTR { input.pending.removeAll() }
        inputs[name] = input
    }

    private func send(_ client: Client, _ frame: AttachFrame) {
        guard !client.closing || frame.type == .exit || frame.type == .refused else { return }
        client.pending += frame.encoded()
        // A session that stops reading does not hold the supervisor's memory.
        if client.pending.count > 4 << 20 {
            client.pending.removeAll()
            client.closing = true
            return
        }
        flush(client)
    }

    private func flush(_ client: Client) {
        while !client.pending.isEmpty {
            let n = client.pending.withUnsafeBytes { Glibc.send(client.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                client.pending.removeFirst(n)
                continue
            }
            if n < 0 && errno != EAGAIN && errno != EINTR {
                client.pending.removeAll()
                client.closing = true
            }
            return
        }
    }

    /// Closes the sessions that are over once what they were sent has gone.
    private func sweep() {
        clients.removeAll { client in
            guard client.closing, client.pending.isEmpty else { return false }
            Glibc.close(client.fd)
            return true
        }
    }
}
