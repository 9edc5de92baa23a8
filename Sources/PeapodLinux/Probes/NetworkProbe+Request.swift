// An httpGet probe's request bytes, as the kubelet's Go client writes them: its request line,
// headers in Go's canonical form and order, and the path's escaping.

import PeapodSpec

extension NetworkProbe {
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
    static func headerFields(_ headers: [HTTPHeader]) -> [(name: String, values: [String])] {
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
    static func headerValue(_ value: String) -> String {
        var bytes = Array(value.utf8).map { $0 == 0x0d || $0 == 0x0a ? UInt8(ascii: " ") : $0 }
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes.removeLast() }
        let start = bytes.firstIndex { $0 != 0x20 && $0 != 0x09 } ?? bytes.endIndex
        return String(decoding: bytes[start...], as: UTF8.self)
    }

    /// Whether a comma-separated header value lists `token`, ignoring ASCII case.
    static func hasToken(_ value: String, _ token: String) -> Bool {
        value.utf8.split(separator: UInt8(ascii: ",")).contains { part in
            asciiLowercased(headerValue(String(decoding: part, as: UTF8.self))) == token
        }
    }

    private static func asciiLowercased(_ text: String) -> String {
        String(decoding: text.utf8.map(ByteClass.lowercased), as: UTF8.self)
    }
}
