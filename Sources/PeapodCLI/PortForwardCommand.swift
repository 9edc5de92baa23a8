// `peapod port-forward`: kubectl's port specs, addresses and lines; the relaying is
// PortForwarder's (a socket inside the pod's network namespace per connection).

import Glibc
import PeapodLinux
import PeapodRuntime
import PeapodSpec

struct PortForwardCommand {
    static let spec = CommandSpec(
        name: "port-forward", abstract: "Forward one or more local ports to a pod.",
        discussion: "Ports are [LOCAL:]REMOTE; an empty or 0 LOCAL picks a random free port. Ends when the pod is deleted or finishes.",
        parameters: GlobalOptions.parameters + PodTarget.parameters + NamespaceOptions.parameters + [
            .arguments("ports", required: true, help: "[LOCAL_PORT:]REMOTE_PORT"),
            .option("address", default: "localhost",
                    help: "Addresses to listen on (comma separated). Only IP addresses or localhost (127.0.0.1 and ::1)."),
        ],
        run: { try PortForwardCommand($0).run() })

    struct Forward: Equatable {
        var local: UInt16
        /// A number, or a container port's name.
        var remote: String
    }

    /// kubectl's parsePorts, with its messages; a remote port may be a container port's name.
    static func parsePorts(_ specs: [String]) throws -> [Forward] {
        try specs.map { spec in
            let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count <= 2 else { throw CLIError("invalid port format '\(spec)'") }
            var local = parts[0]
            let remote = parts.count == 2 ? parts[1] : parts[0]
            if parts.count == 2 && local.isEmpty { local = "0" }
            guard let localPort = port(local) else {
                throw CLIError("error parsing local port '\(local)': strconv.ParseUint: parsing \(goQuote(local)): "
                    + (isDecimal(local) ? "value out of range" : "invalid syntax"))
            }
            if let number = port(remote) {
                if number == 0 { throw CLIError("remote port must be > 0") }
            } else if isDecimal(remote) || remote.isEmpty || parts.count == 1 {
                throw CLIError("error parsing remote port '\(remote)': strconv.ParseUint: parsing \(goQuote(remote)): "
                    + (isDecimal(remote) ? "value out of range" : "invalid syntax"))
            }
            return Forward(local: localPort, remote: remote)
        }
    }

    /// Decimal digits and nothing else, as Go's ParseUint reads them (Swift's integer parsing
    /// would also take a leading "+").
    static func isDecimal(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy(ByteClass.isDigit)
    }

    static func port(_ text: String) -> UInt16? {
        isDecimal(text) ? UInt16(text) : nil
    }

    /// `--address`: IP literals, or localhost (127.0.0.1 and ::1), as kubectl takes them.
    static func parseAddresses(_ text: String) throws -> [(address: String, ipv6: Bool)] {
        var result: [(String, Bool)] = []
        for item in text.split(separator: ",").map({ String($0).trimmingCharacters(in: " ") }) {
            if item == "localhost" {
                for loopback in [("127.0.0.1", false), ("::1", true)] where !result.contains(where: { $0.0 == loopback.0 }) {
                    result.append(loopback)
                }
                continue
            }
            var v4 = in_addr()
            var v6 = in6_addr()
            if inet_pton(AF_INET, item, &v4) == 1 {
                result.append((item, false))
            } else if inet_pton(AF_INET6, item, &v6) == 1 {
                result.append((item, true))
            } else {
                throw CLIError("\(item) is not a valid IP")
            }
        }
        if result.isEmpty { throw CLIError("at least one address is required") }
        return result
    }

    static func goQuote(_ s: String) -> String { "\"" + s + "\"" }

    var global: GlobalOptions
    var target: PodTarget
    var namespace: NamespaceOptions
    var ports: [String]
    var address: String

    init(_ arguments: ParsedArguments) {
        global = GlobalOptions(arguments)
        target = PodTarget(arguments)
        namespace = NamespaceOptions(arguments)
        ports = arguments.strings("ports")
        address = arguments.text("address")
    }

    func run() throws {
        let forwards = try Self.parsePorts(ports)
        let addresses = try Self.parseAddresses(address)
        let name = try target.name()
        try global.requireRoot()
        let store = global.store
        let view = try PodView.find(name, namespace: namespace.namespace, store: store)
        let phase = view.supervisorAlive ? (view.status?["phase"]?.stringValue ?? "Pending") : "Unknown"
        guard phase == "Running" else {
            throw CLIError("unable to forward port because pod is not running. Current status=\(phase)")
        }
        var resolved: [(local: UInt16, remote: UInt16)] = []
        for forward in forwards {
            if let number = UInt16(forward.remote) {
                resolved.append((forward.local, number))
                continue
            }
            let named = view.pod.allContainers.flatMap(\.ports).first { $0.name == forward.remote }
            guard let port = named.map({ UInt16(truncatingIfNeeded: $0.containerPort) }) else {
                throw CLIError("Pod '\(view.pod.name)' does not have a named port '\(forward.remote)'")
            }
            resolved.append((forward.local, port))
        }

        let netns = open(view.location.runDir + "/ns/net", O_RDONLY | O_CLOEXEC)
        guard netns >= 0 else { throw CLIError("pod \(name): open its network namespace: \(String(cString: strerror(errno)))") }
        defer { close(netns) }

        var listeners: [PortForwarder.Listener] = []
        defer { for listener in listeners { close(listener.fd) } }
        for forward in resolved {
            var port = forward.local
            var made = 0
            var errors: [String] = []
            for (text, ipv6) in addresses {
                switch Self.listen(text, ipv6: ipv6, port: port) {
                case let .success((fd, bound)):
                    // A random local port: the same one on every address, as kubectl picks it.
                    port = bound
                    listeners.append(PortForwarder.Listener(fd: fd, localPort: bound, remotePort: forward.remote))
                    Output.out("Forwarding from \(ipv6 ? "[\(text)]" : text):\(bound) -> \(forward.remote)\n")
                    made += 1
                case let .failure(error):
                    errors.append("unable to create listener: Error listen tcp\(ipv6 ? "6" : "4") \(ipv6 ? "[\(text)]" : text):\(port): bind: \(error.message)")
                }
            }
            if made == 0 {
                throw CLIError("unable to listen on any of the requested ports: [{\(forward.local) \(forward.remote)}]")
            }
            if !errors.isEmpty && made < addresses.count {
                Output.err("Unable to listen on port \(forward.local): Listeners failed to create with the following errors: [\(errors.joined(separator: " "))]\n")
            }
        }

        // Ctrl-C or SIGTERM ends the command; the supervisor's exit, or the pod's end, too.
        let signals = StopSignals.blockIntoDescriptor()
        defer { if signals >= 0 { close(signals) } }
        var watch = [signals]
        if let pid = view.supervisorPid {
            let pidfd = ProcessState.exitDescriptor(pid)
            if pidfd >= 0 { watch.append(pidfd) }
        }
        defer { for fd in watch.dropFirst() { close(fd) } }
        let forwarder = PortForwarder(netns: netns, listeners: listeners)
        forwarder.say = { Output.out($0) }
        forwarder.complain = { Output.err($0) }
        var lost = false
        let woken = forwarder.serve(watch: watch) {
            let now = PodView.load(view.location, store: store, pod: view.pod)
            let phase = now.status?["phase"]?.stringValue
            lost = !FileSystem.exists(view.location.runDir) || now.terminating || phase == "Succeeded" || phase == "Failed"
            return lost
        }
        if woken == 0 {
            while StopSignals.next(signals) > 0 {}
            return
        }
        throw CLIError("lost connection to pod")
    }

    /// A listening socket on `address`:`port` (0: the kernel picks), and the port it got.
    static func listen(_ address: String, ipv6: Bool, port: UInt16) -> Result<(Int32, UInt16), CLIError> {
        let fd = socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return .failure(CLIError(String(cString: strerror(errno)))) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if ipv6 { setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size)) }
        var storage = sockaddr_storage()
        var length: socklen_t
        if ipv6 {
            var a = sockaddr_in6()
            a.sin6_family = sa_family_t(AF_INET6)
            a.sin6_port = port.bigEndian
            _ = inet_pton(AF_INET6, address, &a.sin6_addr)
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            withUnsafeMutableBytes(of: &storage) { raw in withUnsafeBytes(of: a) { raw.copyMemory(from: $0) } }
        } else {
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_port = port.bigEndian
            _ = inet_pton(AF_INET, address, &a.sin_addr)
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeMutableBytes(of: &storage) { raw in withUnsafeBytes(of: a) { raw.copyMemory(from: $0) } }
        }
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, Glibc.listen(fd, 128) == 0 else {
            let message = String(cString: strerror(errno)).lowercased()
            close(fd)
            return .failure(CLIError(message))
        }
        var actual = sockaddr_storage()
        var actualLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) }
        }
        let got = withUnsafeBytes(of: actual) { raw -> UInt16 in
            // sin_port and sin6_port sit at the same offset.
            UInt16(raw[2]) << 8 | UInt16(raw[3])
        }
        return .success((fd, got))
    }
}
