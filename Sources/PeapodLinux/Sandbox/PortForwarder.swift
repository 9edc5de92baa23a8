// `peapod port-forward`: connections accepted on this machine's listening sockets, each relayed
// to a port of the pod's own loopback through a socket made inside the pod's network namespace
// (pp_netns_socket: a short-lived thread joins the namespace to make it). Pods have loopback
// only, so that socket is the one way in; the listeners are made by the caller on exactly the
// addresses asked for, in the host's namespace.

#if canImport(Glibc)
import Glibc
#endif
import CPeapod

public final class PortForwarder {
    public struct Listener {
        public var fd: Int32
        public var localPort: UInt16
        public var remotePort: UInt16

        public init(fd: Int32, localPort: UInt16, remotePort: UInt16) {
            self.fd = fd
            self.localPort = localPort
            self.remotePort = remotePort
        }
    }

    /// One relayed connection: bytes each way, waiting for the other side to take them.
    final class Pair {
        var client: Int32
        var pod: Int32
        var toPod: [UInt8] = []
        var toClient: [UInt8] = []
        var clientDone = false
        var podDone = false
        var connected = false
        var localPort: UInt16
        var remotePort: UInt16
        /// The IPv6 attempt after 127.0.0.1 refused (kubelet's order: IPv4, then IPv6).
        var triedIPv6 = false
        var ipv4Error = ""

        init(client: Int32, pod: Int32, localPort: UInt16, remotePort: UInt16) {
            self.client = client
            self.pod = pod
            self.localPort = localPort
            self.remotePort = remotePort
        }

        var finished: Bool { clientDone && podDone && toPod.isEmpty && toClient.isEmpty }

        func close() {
            if client >= 0 { Glibc.close(client) }
            if pod >= 0 { Glibc.close(pod) }
            client = -1
            pod = -1
        }
    }

    let netns: Int32
    let listeners: [Listener]
    var pairs: [Pair] = []
    /// "Handling connection for 8080" and the errors, as kubectl prints them.
    public var say: (String) -> Void = { _ in }
    public var complain: (String) -> Void = { _ in }

    /// `netns`: an open descriptor of the pod's network namespace (its pin).
    public init(netns: Int32, listeners: [Listener]) {
        self.netns = netns
        self.listeners = listeners
    }

    deinit {
        for pair in pairs { pair.close() }
    }

    /// Relays until `stop` (checked at least every `checkMillis`) says so, or until one of
    /// `watch` (descriptors such as a signalfd or a pidfd) is readable: returns its index.
    public func serve(watch: [Int32], checkMillis: Int32 = 1000, stop: () -> Bool) -> Int {
        while true {
            var fds: [pollfd] = watch.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            for listener in listeners { fds.append(pollfd(fd: listener.fd, events: Int16(POLLIN), revents: 0)) }
            let pairStart = fds.count
            for pair in pairs {
                var clientEvents: Int32 = 0
                var podEvents: Int32 = 0
                if !pair.connected {
                    podEvents = POLLOUT
                } else {
                    if !pair.clientDone && pair.toPod.count < 1 << 16 { clientEvents |= POLLIN }
                    if !pair.podDone && pair.toClient.count < 1 << 16 { podEvents |= POLLIN }
                    if !pair.toClient.isEmpty { clientEvents |= POLLOUT }
                    if !pair.toPod.isEmpty { podEvents |= POLLOUT }
                }
                fds.append(pollfd(fd: pair.client, events: Int16(clientEvents), revents: 0))
                fds.append(pollfd(fd: pair.pod, events: Int16(podEvents), revents: 0))
            }
            let n = poll(&fds, nfds_t(fds.count), checkMillis)
            if n < 0 && errno != EINTR { return -1 }
            for i in 0..<watch.count where fds[i].revents != 0 { return i }
            if stop() { return -1 }
            if n <= 0 { continue }
            // The pairs polled this round (accepting below adds more).
            let polled = pairs
            for (i, listener) in listeners.enumerated() where fds[watch.count + i].revents != 0 {
                accept(listener)
            }
            for (k, pair) in polled.enumerated() {
                let c = fds[pairStart + 2 * k].revents
                let p = fds[pairStart + 2 * k + 1].revents
                if !pair.connected {
                    if p != 0 { finishConnect(pair) }
                    continue
                }
                if c & Int16(POLLIN | POLLHUP | POLLERR) != 0 { pump(from: pair.client, into: &pair.toPod, done: &pair.clientDone, peer: pair.pod) }
                if p & Int16(POLLIN | POLLHUP | POLLERR) != 0 { pump(from: pair.pod, into: &pair.toClient, done: &pair.podDone, peer: pair.client) }
                if c & Int16(POLLOUT) != 0 { flush(&pair.toClient, to: pair.client, closedAfter: pair.podDone) }
                if p & Int16(POLLOUT) != 0 { flush(&pair.toPod, to: pair.pod, closedAfter: pair.clientDone) }
                if (c | p) & Int16(POLLERR) != 0 {
                    pair.clientDone = true
                    pair.podDone = true
                    pair.toPod = []
                    pair.toClient = []
                }
            }
            pairs.removeAll { pair in
                guard pair.finished || pair.client < 0 else { return false }
                pair.close()
                return true
            }
        }
    }

    func accept(_ listener: Listener) {
        let client = Glibc.accept(listener.fd, nil, nil)
        guard client >= 0 else { return }
        _ = fcntl(client, F_SETFD, FD_CLOEXEC)
        _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
        say("Handling connection for \(listener.localPort)\n")
        let pair = Pair(client: client, pod: -1, localPort: listener.localPort, remotePort: listener.remotePort)
        if connect(pair, ipv6: false) { pairs.append(pair) } else { pair.close() }
    }

    /// A socket in the pod's namespace, connecting (non-blocking) to its loopback.
    func connect(_ pair: Pair, ipv6: Bool) -> Bool {
        let fd = pp_netns_socket(netns, ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue))
        guard fd >= 0 else {
            failed(pair, "failed to create a socket in the pod's network namespace: \(errnoDescription(errno))")
            return false
        }
        if pair.pod >= 0 { close(pair.pod) }
        pair.pod = fd
        pair.triedIPv6 = ipv6
        var result: Int32
        if ipv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = pair.remotePort.bigEndian
            address.sin6_addr = in6addr_loopback
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = pair.remotePort.bigEndian
            address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        if result == 0 {
            pair.connected = true
            return true
        }
        if errno == EINPROGRESS { return true }
        return connectFailed(pair, errno)
    }

    func finishConnect(_ pair: Pair) {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(pair.pod, SOL_SOCKET, SO_ERROR, &error, &length)
        if error == 0 {
            pair.connected = true
        } else if !connectFailed(pair, error) {
            pair.close()
            pair.clientDone = true
            pair.podDone = true
        }
    }

    /// IPv4 refused: try the pod's ::1, as the kubelet's port-forward does; both refused: the error.
    func connectFailed(_ pair: Pair, _ code: Int32) -> Bool {
        let port = pair.remotePort
        if !pair.triedIPv6 {
            pair.ipv4Error = "dial tcp4 127.0.0.1:\(port): connect: \(errnoDescription(code))"
            return connect(pair, ipv6: true)
        }
        failed(pair, "failed to connect to localhost:\(port) inside the pod's network namespace, IPv4: \(pair.ipv4Error) "
            + "IPv6 dial tcp6 [::1]:\(port): connect: \(errnoDescription(code))")
        return false
    }

    func failed(_ pair: Pair, _ why: String) {
        complain("error: an error occurred forwarding \(pair.localPort) -> \(pair.remotePort): \(why)\n")
    }

    func pump(from fd: Int32, into buffer: inout [UInt8], done: inout Bool, peer: Int32) {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n > 0 {
            buffer += chunk[0..<n]
        } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
            done = true
            // Half-close: the other side sees the end once what is buffered has gone.
            if buffer.isEmpty { shutdown(peer, Int32(SHUT_WR)) }
        }
    }

    func flush(_ buffer: inout [UInt8], to fd: Int32, closedAfter: Bool) {
        let n = buffer.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n > 0 { buffer.removeFirst(n) }
        if buffer.isEmpty && closedAfter { shutdown(fd, Int32(SHUT_WR)) }
    }
}
