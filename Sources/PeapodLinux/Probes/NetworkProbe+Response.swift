// What an httpGet probe's child read back, judged as the kubelet's Go client and prober judge it:
// the status line, the headers that matter, the body, and Go's words for what is malformed.

import PeapodSpec

extension NetworkProbe {
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
}
