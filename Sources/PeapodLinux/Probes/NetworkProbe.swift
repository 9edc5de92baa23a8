// The kubelet's tcpSocket and httpGet probes, seen from the host. The pod has loopback only, so
// the pod IP a probe targets is 127.0.0.1 inside the pod's network namespace. Each probe runs in a
// short-lived child process of C code (pp_probe_connect, CPeapod/probe.c) that joins that
// namespace, connects, and for HTTP sends the request built here and hands back the response; the
// supervisor reaps it with its other children and turns its exit status and output into the
// kubelet's result and message, or into the next request when the response is a redirect the
// kubelet's client follows (ProbeRedirect.swift): another child, in the same run. The supervisor
// never blocks on a probe: when the probe's timeout passes first, it SIGKILLs the child, reaps
// it, and reports `timeoutOutcome`.
//
// Messages are worded as the kubelet's Go client words them, for example
//   dial tcp 127.0.0.1:8080: connect: connection refused
//   Get "http://127.0.0.1:8080/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)
//   HTTP probe failed with statuscode: 500

#if canImport(Glibc)
import Glibc
#endif
import CPeapod
import PeapodSpec

/// What one probe run concluded, in the kubelet's words.
public struct ProbeOutcome: Sendable, Equatable {
    public var success: Bool
    /// A success the kubelet also reports as a ProbeWarning event: a redirect it did not follow.
    public var warning: Bool
    /// The response body of a successful HTTP probe (at most 10 KiB), or why the probe failed.
    public var message: String

    public init(success: Bool, warning: Bool = false, message: String) {
        self.success = success
        self.warning = warning
        self.message = message
    }
}

/// What the end of a probe child means: the run's result, or another request that the run
/// makes because the response was a redirect the kubelet's client follows.
public enum ProbeStep: Sendable, Equatable {
    case done(ProbeOutcome)
    case follow(ProbeRequest)
}

/// A probe could not even be started (no process, no output file).
public struct ProbeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var operation: String
    public var errno: Int32

    public init(operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
    }

    public var description: String { "probe: \(operation): \(errnoDescription(errno))" }
}

/// A tcpSocket or httpGet probe of the pod's own 127.0.0.1, with its port already resolved
/// (named ports are the caller's business). Only plain HTTP: HTTPS and a `host` other than the pod
/// are for the support policy to refuse.
public enum NetworkProbe: Sendable, Equatable {
    case tcp(port: UInt16)
    case http(port: UInt16, path: String, headers: [HTTPHeader])

    /// The pod's IP as its own loopback-only network namespace sees it.
    public static let podIP = "127.0.0.1"
    /// The kubelet names itself "kube-probe/MAJOR.MINOR" of its own version.
    public static let userAgent = "kube-probe/1.34"
    /// How much of a response body the kubelet keeps.
    static let bodyLimit = 10 * 1024

    public var port: UInt16 {
        switch self {
        case let .tcp(port), let .http(port, _, _): port
        }
    }

    /// The URL the kubelet names in its HTTP messages; empty for a TCP probe.
    public var url: String { firstRequest?.displayURL ?? "" }

    /// The probe's own HTTP request (nil for a TCP probe): its URL is the pod's address, the
    /// port and the path; its Host the manifest's Host header when there is one.
    public var firstRequest: ProbeRequest? {
        guard case let .http(port, path, headers) = self else { return nil }
        let (route, query) = Self.cut(Self.requestTarget(path), at: UInt8(ascii: "?"))
        let url = GoURL(scheme: "http", host: "\(Self.podIP):\(port)", path: route, query: query)
        let given = Self.givenHost(headers)
        return ProbeRequest(url: url, previous: 0, givenHost: given.isEmpty ? nil : given, referer: nil)
    }

    /// The bytes of the probe's own HTTP request; empty for a TCP probe.
    public var request: [UInt8] { firstRequest.map(requestBytes) ?? [] }

    /// The bytes of one of the run's HTTP requests. A request after a redirect carries the
    /// probe's headers again, with Referer set to the previous URL (unless the manifest gives
    /// one) and, when the URL has userinfo and the manifest no Authorization, Basic credentials
    /// from it: what Go's client adds to a redirected request.
    public func requestBytes(_ request: ProbeRequest) -> [UInt8] {
        guard case let .http(_, _, headers) = self else { return [] }
        var setting: [(name: String, value: String)] = []
        if let previous = request.referer {
            let given = Self.firstValue("Referer", in: headers) ?? ""
            setting.append(("Referer", given.isEmpty ? previous : given))
        }
        if (Self.firstValue("Authorization", in: headers) ?? "").isEmpty, let credentials = request.basicAuthorization {
            setting.append(("Authorization", credentials))
        }
        return Self.httpRequest(target: request.url.requestTarget, host: request.host, headers: headers, setting: setting)
    }

    /// Starts the probe's child in the network namespace open at `networkNamespaceFD` (the
    /// pod's pinned ns/net) for `request` (the probe's own when nil) and returns its pid, a direct
    /// child of the caller. `output` is emptied first; read it with `step(waitStatus:output:request:)`
    /// once the child is reaped.
    public func start(networkNamespaceFD: Int32, output: ProbeOutput,
                      request: ProbeRequest? = nil) throws(ProbeError) -> Int32 {
        output.reset()
        let current = request ?? firstRequest
        let bytes = current.map(requestBytes) ?? []
        var record = pp_error()
        let pid = bytes.withUnsafeBytes {
            pp_probe_connect(networkNamespaceFD, current?.port ?? port, $0.baseAddress, $0.count, output.fd, &record)
        }
        if pid < 0 { throw ProbeError(operation: "start probe process", errno: record.err) }
        return pid
    }

    /// What a child that ended on its own means, from its wait status and its output.
    public func step(waitStatus: Int32, output: ProbeOutput, request: ProbeRequest? = nil) -> ProbeStep {
        step(waitStatus: waitStatus, output: output.read(limit: ProbeOutput.networkOutputLimit), request: request)
    }

    /// What a child that ended on its own means, from its wait status and the bytes it wrote
    /// (exit codes: enum pp_probe_result), for `request` (the probe's own when nil).
    public func step(waitStatus: Int32, output: [UInt8], request: ProbeRequest? = nil) -> ProbeStep {
        let current = request ?? firstRequest
        func failed(_ message: String) -> ProbeStep { .done(self.failed(message, request: current)) }
        let status = WaitStatus(raw: waitStatus)
        if let signal = status.signal { return failed("probe process killed by signal \(signal)") }
        let code = UInt32(status.exitCode ?? 0)
        if code == PP_PROBE_OK.rawValue {
            guard let current else { return .done(ProbeOutcome(success: true, message: "")) }
            return Self.interpret(response: output, request: current)
        }
        // A failure record: errno, then the local port once there was a connection.
        func field(_ at: Int) -> Int32 {
            guard output.count >= at + 4 else { return 0 }
            return output.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: Int32.self) }
        }
        let error = Self.errnoText(field(0))
        let remote = "\(Self.podIP):\(current?.port ?? port)"
        let local = field(4) > 0 ? "\(Self.podIP):\(field(4))->" : ""
        switch code {
        case PP_PROBE_CONNECT_FAILED.rawValue: return failed("dial tcp \(remote): connect: \(error)")
        case PP_PROBE_SEND_FAILED.rawValue: return failed("write tcp \(local)\(remote): write: \(error)")
        case PP_PROBE_RECEIVE_FAILED.rawValue: return failed("read tcp \(local)\(remote): read: \(error)")
        case PP_PROBE_SETUP_FAILED.rawValue: return failed("probe could not connect from the pod's network namespace: \(error)")
        default: return failed("probe process exited with code \(code)")
        }
    }

    /// The result when the probe's timeout passed and the child had to be killed while it made
    /// `request` (the probe's own when nil).
    public func timeoutOutcome(request: ProbeRequest? = nil) -> ProbeOutcome {
        switch self {
        case .tcp: failed("dial tcp \(Self.podIP):\(port): i/o timeout", request: nil)
        case .http: failed("context deadline exceeded (Client.Timeout exceeded while awaiting headers)",
                           request: request ?? firstRequest)
        }
    }

    /// A failure; an HTTP probe's message names the request as Go's client does.
    private func failed(_ message: String, request: ProbeRequest?) -> ProbeOutcome {
        guard let request else { return ProbeOutcome(success: false, message: message) }
        return HTTPClientError(url: request.displayURL, message: message).outcome
    }

    // MARK: - Wording

    /// An errno as Go's syscall package words it (the common ones spelled out: they do not depend
    /// on the C library's messages).
    static func errnoText(_ code: Int32) -> String {
        switch code {
        case 0: "unknown error"
        case ECONNREFUSED: "connection refused"
        case ECONNRESET: "connection reset by peer"
        case ENETUNREACH: "network is unreachable"
        case EHOSTUNREACH: "no route to host"
        case ETIMEDOUT: "connection timed out"
        case EPIPE: "broken pipe"
        case EADDRNOTAVAIL: "cannot assign requested address"
        case EMFILE: "too many open files"
        default: errnoDescription(code)
        }
    }
}
