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

/// An anonymous in-memory file a probe child writes its output into: the response of a network
/// probe, or the stdout and stderr of an exec probe. Reused from one run to the next.
public final class ProbeOutput {
    /// How much of an exec probe's output the kubelet keeps.
    public static let execOutputLimit = 10 * 1024
    /// How much a network probe child can leave in the file: a response, or a failure record.
    public static let networkOutputLimit = Int(PP_PROBE_RESPONSE_MAX)

    /// Close-on-exec: a child gets it only as the stdio it is explicitly given.
    public let fd: Int32

    public init() throws(ProbeError) {
        let fd = pp_memfd_cloexec("peapod-probe")
        if fd < 0 { throw ProbeError(operation: "create output file", errno: Glibc.errno) }
        self.fd = fd
    }

    deinit { close(fd) }

    /// The first `limit` bytes written since the last reset.
    public func read(limit: Int) -> [UInt8] {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return [] }
        let count = min(Int(info.st_size), limit)
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + got, count - got, off_t(got)) }
            if n < 0 && Glibc.errno == EINTR { continue }
            if n <= 0 { break }
            got += n
        }
        return got == count ? bytes : Array(bytes[..<got])
    }

    /// Empties the file for the next run (the offset is shared with the children that wrote).
    public func reset() {
        _ = ftruncate(fd, 0)
        _ = lseek(fd, 0, SEEK_SET)
    }
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

    // MARK: - The request

    /// The request the kubelet's client sends: the request line; Host; User-Agent (unless the
    /// user set it empty); every other header sorted by its canonical name, the values of one name
    /// in the order given (Accept: */* among them unless the user set Accept; an empty first Accept
    /// value removes it; a name in `setting` has that one value instead); then Connection: close,
    /// as a client without keep-alive adds it. No Accept-Encoding: the kubelet turns compression
    /// off.
    static func httpRequest(target: String, host: String, headers: [HTTPHeader],
                            setting: [(name: String, value: String)] = []) -> [UInt8] {
        var fields = headerFields(headers)
        func values(_ name: String) -> [String]? { fields.first(where: { $0.name == name })?.values }
        if values("User-Agent") == nil { fields.append(("User-Agent", [userAgent])) }
        if let accept = values("Accept") {
            if accept.first?.isEmpty ?? true { fields.removeAll { $0.name == "Accept" } }
        } else {
            fields.append(("Accept", ["*/*"]))
        }
        for (name, value) in setting {
            fields.removeAll { $0.name == name }
            fields.append((name, [value]))
        }
        var text = "GET \(target) HTTP/1.1\r\n"
        text += "Host: \(headerValue(host))\r\n"
        let agent = headerValue(values("User-Agent")?.first ?? "")
        if !agent.isEmpty { text += "User-Agent: \(agent)\r\n" }
        // Written above, or never taken from the user's list (a GET has no body).
        let excluded = ["Host", "User-Agent", "Content-Length", "Transfer-Encoding", "Trailer"]
        fields.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        for field in fields where !excluded.contains(field.name) {
            for value in field.values { text += "\(field.name): \(headerValue(value))\r\n" }
        }
        let connection = values("Connection") ?? []
        let asksToClose = connection.first.map { hasToken($0, "close") } ?? false
        let upgrades = !(values("Upgrade")?.first ?? "").isEmpty && connection.contains { hasToken($0, "upgrade") }
        if !asksToClose && !upgrades { text += "Connection: close\r\n" }
        text += "\r\n"
        return Array(text.utf8)
    }

    /// The user's headers under their canonical names, the values of one name together in the
    /// order given.
    private static func headerFields(_ headers: [HTTPHeader]) -> [(name: String, values: [String])] {
        var fields: [(name: String, values: [String])] = []
        for header in headers {
            let name = canonicalHeaderName(header.name)
            if let i = fields.firstIndex(where: { $0.name == name }) {
                fields[i].values.append(header.value)
            } else {
                fields.append((name, [header.value]))
            }
        }
        return fields
    }

    /// The first value the user gave a header (by its canonical name), as Go's Header.Get.
    static func firstValue(_ name: String, in headers: [HTTPHeader]) -> String? {
        headerFields(headers).first { $0.name == name }?.values.first
    }

    /// The manifest's Host header, which the kubelet's client sends instead of the address;
    /// empty when there is none.
    static func givenHost(_ headers: [HTTPHeader]) -> String { headerValue(firstValue("Host", in: headers) ?? "") }

    /// The text before the first `separator` and, when there is one, the text after it.
    static func cut(_ text: String, at separator: UInt8) -> (String, String?) {
        guard let i = text.utf8.firstIndex(of: separator) else { return (text, nil) }
        return (String(text[..<i]), String(text[text.utf8.index(after: i)...]))
    }

    /// The path as it goes on the request line: "" is "/", a leading slash is added when missing,
    /// bytes a URL path cannot carry are percent-encoded (valid %XX escapes stay), the query
    /// follows as given (only spaces and control bytes encoded), and a fragment is dropped.
    static func requestTarget(_ path: String) -> String {
        var raw = Array(path.utf8)
        if let hash = raw.firstIndex(of: UInt8(ascii: "#")) { raw.removeSubrange(hash...) }
        var query: [UInt8] = []
        if let mark = raw.firstIndex(of: UInt8(ascii: "?")) {
            query = Array(raw[mark...])
            raw.removeSubrange(mark...)
        }
        var out: [UInt8] = raw.first == UInt8(ascii: "/") ? [] : [UInt8(ascii: "/")]
        for (i, b) in raw.enumerated() {
            let escape = b == UInt8(ascii: "%") && i + 2 < raw.count
                && ByteClass.isHexDigit(raw[i + 1]) && ByteClass.isHexDigit(raw[i + 2])
            if escape || isPathByte(b) { out.append(b) } else { GoURL.appendEscape(b, to: &out) }
        }
        for b in query {
            if b <= 0x20 || b >= 0x7f { GoURL.appendEscape(b, to: &out) } else { out.append(b) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Letters, digits and the punctuation a URL path may carry unencoded.
    private static func isPathByte(_ b: UInt8) -> Bool {
        if ByteClass.isAlnum(b) { return true }
        return "-._~!$&'()*+,;=:@/[]".utf8.contains(b)
    }

    /// A header name as Go's client writes it ("x-custom-id" → "X-Custom-Id"); a name with bytes
    /// that are not HTTP token characters stays as given.
    static func canonicalHeaderName(_ name: String) -> String {
        var bytes = Array(name.utf8)
        let punctuation = "!#$%&'*+-.^_`|~".utf8
        for b in bytes {
            if !ByteClass.isAlnum(b) && !punctuation.contains(b) { return name }
        }
        var upper = true
        for i in bytes.indices {
            let b = bytes[i]
            bytes[i] = upper ? ByteClass.uppercased(b) : ByteClass.lowercased(b)
            upper = b == UInt8(ascii: "-")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A header value as it is written: line breaks become spaces (a value cannot add header
    /// lines), surrounding spaces and tabs are dropped.
    private static func headerValue(_ value: String) -> String {
        var bytes = Array(value.utf8).map { $0 == 0x0d || $0 == 0x0a ? UInt8(ascii: " ") : $0 }
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes.removeLast() }
        let start = bytes.firstIndex { $0 != 0x20 && $0 != 0x09 } ?? bytes.endIndex
        return String(decoding: bytes[start...], as: UTF8.self)
    }

    /// Whether a comma-separated header value lists `token`, ignoring ASCII case.
    private static func hasToken(_ value: String, _ token: String) -> Bool {
        value.utf8.split(separator: UInt8(ascii: ",")).contains { part in
            asciiLowercased(headerValue(String(decoding: part, as: UTF8.self))) == token
        }
    }

    private static func asciiLowercased(_ text: String) -> String {
        String(decoding: text.utf8.map(ByteClass.lowercased), as: UTF8.self)
    }

    // MARK: - The response

    /// The statuses Go's client follows when their response has a Location.
    static let followedStatuses: Set<Int> = [301, 302, 303, 307, 308]

    /// The kubelet's verdict on the response to `request`: 200-299 succeed with the body as the
    /// message; a redirect its client follows is the next request, or the error the client
    /// reports for it; other 300-399 succeed with a warning, as a redirect the kubelet does not
    /// follow; anything else fails without the body, which the kubelet keeps out of its messages.
    static func interpret(response bytes: [UInt8], request: ProbeRequest) -> ProbeStep {
        let (status, body, location, error) = parseResponse(bytes)
        if let error {
            return .done(HTTPClientError(url: request.displayURL, message: error).outcome)
        }
        let text = String(decoding: body.prefix(bodyLimit), as: UTF8.self)
        switch status {
        case 200..<300:
            return .done(ProbeOutcome(success: true, message: text))
        case 300..<400:
            if followedStatuses.contains(status), !location.isEmpty, let next = request.redirect(to: location) {
                switch next {
                case let .success(next): return .follow(next)
                case let .failure(failure): return .done(failure.outcome)
                }
            }
            return .done(ProbeOutcome(success: true, warning: true, message: "Probe terminated redirects, Response body: \(text)"))
        default:
            return .done(ProbeOutcome(success: false, message: "HTTP probe failed with statuscode: \(status)"))
        }
    }

    /// Status, body and Location header (its first value, "" when there is none) of the final
    /// response (1xx interim responses other than 101 skipped), or the error Go's client would
    /// report for what the child read. The body is taken leniently: what a Content-Length
    /// announces or chunked framing holds, as far as it arrived (the child stops at
    /// PP_PROBE_RESPONSE_MAX bytes), else everything after the headers.
    static func parseResponse(_ b: [UInt8]) -> (status: Int, body: [UInt8], location: String, error: String?) {
        let broken = "net/http: HTTP/1.x transport connection broken: "
        func fail(_ message: String) -> (Int, [UInt8], String, String?) { (0, [], "", message) }
        if b.isEmpty { return fail("EOF") }
        let truncated = b.count >= ProbeOutput.networkOutputLimit
            ? "net/http: server response headers exceeded \(ProbeOutput.networkOutputLimit) bytes; aborted"
            : broken + "unexpected EOF"
        var pos = 0
        while true {
            guard let (statusLine, afterStatus) = line(b, from: pos) else { return fail(truncated) }
            guard let space = statusLine.firstIndex(of: 0x20) else {
                return fail(broken + "malformed HTTP response " + GoQuote.quote(bytes: statusLine))
            }
            let version = statusLine[..<space]
            let rest = statusLine[(space + 1)...].drop { $0 == 0x20 }
            let codeText = rest.prefix { $0 != 0x20 }
            // Three bytes that Go's strconv.Atoi takes as a number that is not negative: digits,
            // or a plus sign and two digits ("+12" is status 12, "020" status 20).
            let digits = codeText.first == UInt8(ascii: "+") ? codeText.dropFirst() : codeText
            guard codeText.count == 3, digits.allSatisfy(ByteClass.isDigit) else {
                return fail(broken + "malformed HTTP status code " + GoQuote.quote(bytes: codeText))
            }
            let status = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            let v = Array(version)
            let knownVersion = v.count == 8 && v[..<5].elementsEqual("HTTP/".utf8) && v[6] == UInt8(ascii: ".")
                && ByteClass.isDigit(v[5]) && ByteClass.isDigit(v[7])
            guard knownVersion else { return fail(broken + "malformed HTTP version " + GoQuote.quote(bytes: version)) }

            var next = afterStatus
            var length: Int?
            var chunked = false
            var location: String?
            while true {
                guard let (header, after) = line(b, from: next) else { return fail(truncated) }
                next = after
                if header.isEmpty { break }
                guard let colon = header.firstIndex(of: UInt8(ascii: ":")) else {
                    return fail(broken + "malformed MIME header: missing colon: " + GoQuote.quote(bytes: header))
                }
                let name = canonicalHeaderName(String(decoding: header[..<colon], as: UTF8.self))
                let value = headerValue(String(decoding: header[(colon + 1)...], as: UTF8.self))
                if name == "Transfer-Encoding" && hasToken(value, "chunked") { chunked = true }
                if name == "Location" && location == nil { location = value }
                if name == "Content-Length" {
                    guard !value.isEmpty, value.utf8.count <= 18, value.utf8.allSatisfy(ByteClass.isDigit) else {
                        return fail(broken + "bad Content-Length " + goQuote(value))
                    }
                    length = Int(value)
                }
            }
            if status >= 100 && status < 200 && status != 101 {
                pos = next
                continue
            }
            let body = b[next...]
            let found = location ?? ""
            if status < 200 || status == 204 || status == 304 { return (status, [], found, nil) }
            if chunked { return (status, decodeChunked(body), found, nil) }
            if let length { return (status, Array(body.prefix(length)), found, nil) }
            return (status, Array(body), found, nil)
        }
    }

    /// The line starting at `from` without its CRLF or LF, and where the next one starts; nil
    /// when no line end follows.
    private static func line(_ b: [UInt8], from: Int) -> (ArraySlice<UInt8>, Int)? {
        guard from < b.count, let lf = b[from...].firstIndex(of: 0x0a) else { return nil }
        let end = lf > from && b[lf - 1] == 0x0d ? lf - 1 : lf
        return (b[from..<end], lf + 1)
    }

    /// The data of chunked framing, up to the kubelet's body limit; stops quietly at the zero
    /// chunk, at the end of what arrived, or at anything that is not chunk framing.
    static func decodeChunked(_ b: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        var pos = b.startIndex
        while out.count < bodyLimit {
            var size = 0
            var digits = 0
            while pos < b.endIndex, size < 1 << 30 {
                guard let v = ByteClass.hexValue(b[pos]) else { break }
                size = size * 16 + Int(v)
                digits += 1
                pos += 1
            }
            guard digits > 0, size > 0, let lf = b[pos...].firstIndex(of: 0x0a) else { break }
            pos = lf + 1
            let end = min(pos + size, b.endIndex)
            out += b[pos..<end]
            pos = end
            if pos < b.endIndex && b[pos] == 0x0d { pos += 1 }
            if pos < b.endIndex && b[pos] == 0x0a { pos += 1 }
        }
        return Array(out.prefix(bodyLimit))
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
