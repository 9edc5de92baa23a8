// Go's net/url as the kubelet's HTTP client uses it on a probe's redirects: parsing a Location
// (url.Parse), resolving it against the request's URL (ResolveReference), printing it (String),
// and escaping as Go does, with Go's error texts. Only what redirects need (ProbeRedirect.swift).

import PeapodSpec

/// Why a URL did not parse, in Go's words (`parse "URL": reason`).
struct GoURLError: Error, Equatable {
    var message: String
}

/// A URL as Go's net/url parses, resolves and prints it, reduced to what a probe's redirects
/// need. The path and fragment are held escaped as Go's EscapedPath and EscapedFragment give
/// them; the query, userinfo and host as written (a host is only ever followed, and printed,
/// when it is 127.0.0.1[:port], which has nothing to unescape).
struct GoURL: Sendable, Equatable {
    /// Lower case; empty for a relative reference.
    var scheme = ""
    /// What follows `scheme:` when it does not start with a slash (`mailto:x`).
    var opaque = ""
    var userinfo: String?
    /// host[:port]
    var host = ""
    var path = ""
    /// After the `?`; "" for a lone `?`; nil without one.
    var query: String?
    var fragment: String?

    /// The host without its port (and without the brackets of an IPv6 literal).
    var hostname: String { splitHost().name }
    /// The port as written; empty when there is none.
    var port: String { splitHost().port }

    private func splitHost() -> (name: String, port: String) {
        var name = Array(host.utf8)
        var port: [UInt8] = []
        if let colon = name.lastIndex(of: UInt8(ascii: ":")), Self.isOptionalPort(name[colon...]) {
            port = Array(name[(colon + 1)...])
            name.removeSubrange(colon...)
        }
        if name.first == UInt8(ascii: "["), name.last == UInt8(ascii: "]") { name = Array(name.dropFirst().dropLast()) }
        return (String(decoding: name, as: UTF8.self), String(decoding: port, as: UTF8.self))
    }

    enum PasswordStyle { case shown, masked, omitted }

    /// The URL as Go's URL.String writes one that has a scheme and a host (the only ones a
    /// probe names); `masked` writes a password as `***` (as the client's errors do), `omitted`
    /// leaves the userinfo out (as its Referer does).
    func string(password: PasswordStyle = .shown) -> String {
        var out = scheme + "://"
        if let userinfo, password != .omitted {
            let (user, secret) = Self.cut(Array(userinfo.utf8), UInt8(ascii: ":"))
            let shown = password == .masked && secret != nil ? user + Array(":***".utf8) : Array(userinfo.utf8)
            out += String(decoding: shown, as: UTF8.self) + "@"
        }
        out += host
        if !path.isEmpty && !path.hasPrefix("/") { out += "/" }
        out += path
        if let query { out += "?" + query }
        if let fragment { out += "#" + fragment }
        return out
    }

    /// What a request line names: the path ("/" when empty) and the query.
    var requestTarget: String {
        (path.isEmpty ? "/" : path) + (query.map { "?" + $0 } ?? "")
    }

    // MARK: - Resolving

    /// `reference` resolved against this URL, as Go's URL.ResolveReference does it.
    func resolving(_ reference: GoURL) -> GoURL {
        var url = reference
        if reference.scheme.isEmpty { url.scheme = scheme }
        if !reference.scheme.isEmpty || !reference.host.isEmpty || reference.userinfo != nil {
            url.path = Self.removeDotSegments(reference.path)
            return url
        }
        if !reference.opaque.isEmpty {
            url.userinfo = nil
            url.host = ""
            url.path = ""
            return url
        }
        if reference.path.isEmpty && reference.query == nil {
            url.query = query
            if reference.fragment == nil { url.fragment = fragment }
        }
        url.userinfo = userinfo
        url.host = host
        var merged = reference.path
        if merged.isEmpty {
            merged = path
        } else if !merged.hasPrefix("/") {
            // Relative to the base's directory: everything up to its last slash.
            let base = Array(path.utf8)
            let directory = base.lastIndex(of: UInt8(ascii: "/")).map { base[...$0] } ?? []
            merged = String(decoding: directory, as: UTF8.self) + merged
        }
        url.path = Self.removeDotSegments(merged)
        return url
    }

    /// `.` and `..` segments taken out of a path, which then starts with one slash (Go also keeps
    /// empty segments, and ends the path with a slash when the last segment was `.` or `..`).
    static func removeDotSegments(_ path: String) -> String {
        if path.isEmpty { return "" }
        let segments = path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        var kept: [String.UTF8View.SubSequence] = []
        for segment in segments {
            if segment.elementsEqual(".".utf8) { continue }
            if segment.elementsEqual("..".utf8) {
                if !kept.isEmpty { kept.removeLast() }
                continue
            }
            kept.append(segment)
        }
        var out = "/" + kept.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "/")
        if let last = segments.last, last.elementsEqual(".".utf8) || last.elementsEqual("..".utf8) { out += "/" }
        if out.hasPrefix("//") { out.removeFirst() }
        return out
    }

    // MARK: - Parsing

    /// Go's url.Parse.
    static func parse(_ text: String) throws(GoURLError) -> GoURL {
        let raw = Array(text.utf8)
        let (body, fragment) = cut(raw, UInt8(ascii: "#"))
        var url: GoURL
        do {
            url = try parseBody(body)
        } catch {
            throw GoURLError(message: "parse " + GoQuote.quote(bytes: body) + ": " + error.message)
        }
        if let fragment, !fragment.isEmpty {
            do {
                url.fragment = try escaped(fragment, .fragment)
            } catch {
                throw GoURLError(message: "parse " + goQuote(text) + ": " + error.message)
            }
        }
        return url
    }

    private static func parseBody(_ raw: [UInt8]) throws(GoURLError) -> GoURL {
        if raw.contains(where: { $0 < 0x20 || $0 == 0x7f }) {
            throw GoURLError(message: "net/url: invalid control character in URL")
        }
        var url = GoURL()
        if raw == [UInt8(ascii: "*")] {
            url.path = "*"
            return url
        }
        var rest = raw
        // A scheme: a letter, then letters, digits, + - or ., then a colon.
        for (i, b) in raw.enumerated() {
            if ByteClass.isAlpha(b) { continue }
            if ByteClass.isDigit(b) || b == UInt8(ascii: "+") || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") {
                if i == 0 { break }
                continue
            }
            if b == UInt8(ascii: ":") {
                if i == 0 { throw GoURLError(message: "missing protocol scheme") }
                url.scheme = String(decoding: raw[..<i].map(ByteClass.lowercased), as: UTF8.self)
                rest = Array(raw[(i + 1)...])
            }
            break
        }
        let marks = rest.filter { $0 == UInt8(ascii: "?") }.count
        if marks == 1 && rest.last == UInt8(ascii: "?") {
            url.query = ""
            rest.removeLast()
        } else {
            let (before, query) = cut(rest, UInt8(ascii: "?"))
            rest = before
            url.query = query.map { String(decoding: $0, as: UTF8.self) }
        }
        if rest.first != UInt8(ascii: "/") {
            if !url.scheme.isEmpty {
                url.opaque = String(decoding: rest, as: UTF8.self)
                return url
            }
            if cut(rest, UInt8(ascii: "/")).0.contains(UInt8(ascii: ":")) {
                throw GoURLError(message: "first path segment in URL cannot contain colon")
            }
        }
        let slashes = rest.prefix { $0 == UInt8(ascii: "/") }.count
        if slashes >= 2 && (!url.scheme.isEmpty || slashes == 2) {
            let authority = rest[2...].prefix { $0 != UInt8(ascii: "/") }
            rest = Array(rest[(2 + authority.count)...])
            try parseAuthority(Array(authority), into: &url)
        }
        url.path = try escaped(rest, .path)
        return url
    }

    private static func parseAuthority(_ authority: [UInt8], into url: inout GoURL) throws(GoURLError) {
        let at = authority.lastIndex(of: UInt8(ascii: "@"))
        let host = at.map { Array(authority[($0 + 1)...]) } ?? authority
        if host.first == UInt8(ascii: "[") {
            guard let close = host.lastIndex(of: UInt8(ascii: "]")) else {
                throw GoURLError(message: "missing ']' in host")
            }
            guard isOptionalPort(host[(close + 1)...]) else {
                throw GoURLError(message: "invalid port " + GoQuote.quote(bytes: host[(close + 1)...]) + " after host")
            }
            // A host with an IPv6 zone ("%25en0") is not checked further: it is never followed.
            let zone = host[..<close].indices.contains { host[$0...].starts(with: "%25".utf8) }
            if !zone { _ = try unescape(host[...], .host) }
        } else {
            if let colon = host.lastIndex(of: UInt8(ascii: ":")), !isOptionalPort(host[colon...]) {
                throw GoURLError(message: "invalid port " + GoQuote.quote(bytes: host[colon...]) + " after host")
            }
            _ = try unescape(host[...], .host)
        }
        url.host = String(decoding: host, as: UTF8.self)
        guard let at else { return }
        let userinfo = authority[..<at]
        let allowed = "-._:~!$&'()*+,;=%@".utf8
        guard userinfo.allSatisfy({ ByteClass.isAlnum($0) || allowed.contains($0) }) else {
            throw GoURLError(message: "net/url: invalid userinfo")
        }
        let (user, password) = cut(Array(userinfo), UInt8(ascii: ":"))
        _ = try unescape(user[...], .userinfo)
        if let password { _ = try unescape(password[...], .userinfo) }
        url.userinfo = String(decoding: userinfo, as: UTF8.self)
    }

    /// Empty, or a colon and digits.
    private static func isOptionalPort(_ text: ArraySlice<UInt8>) -> Bool {
        guard let first = text.first else { return true }
        return first == UInt8(ascii: ":") && text.dropFirst().allSatisfy(ByteClass.isDigit)
    }

    // MARK: - Escaping, as Go's net/url does it

    enum Part { case path, fragment, host, userinfo }

    /// Go's EscapedPath and EscapedFragment: the text as written when every byte may stand
    /// there, else decoded and encoded again. Throws on a broken escape.
    static func escaped(_ raw: [UInt8], _ part: Part) throws(GoURLError) -> String {
        let decoded = try unescape(raw[...], part)
        let valid = raw.allSatisfy { "!$&'()*+,;=:@[]%".utf8.contains($0) || !shouldEscape($0, part) }
        if valid { return String(decoding: raw, as: UTF8.self) }
        var out: [UInt8] = []
        for b in decoded {
            if shouldEscape(b, part) { appendEscape(b, to: &out) } else { out.append(b) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes `%XX` escapes stand for; Go's errors for a broken escape, and in a host for an
    /// escape of an ASCII byte other than `%25` or a byte a host cannot carry.
    static func unescape(_ s: ArraySlice<UInt8>, _ part: Part) throws(GoURLError) -> [UInt8] {
        var out: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex {
            let b = s[i]
            if b == UInt8(ascii: "%") {
                guard i + 2 < s.endIndex, let high = ByteClass.hexValue(s[i + 1]), let low = ByteClass.hexValue(s[i + 2]) else {
                    throw GoURLError(message: "invalid URL escape " + GoQuote.quote(bytes: s[i..<min(i + 3, s.endIndex)]))
                }
                if part == .host && high < 8 && !s[i...(i + 2)].elementsEqual("%25".utf8) {
                    throw GoURLError(message: "invalid URL escape " + GoQuote.quote(bytes: s[i...(i + 2)]))
                }
                out.append(high << 4 | low)
                i += 3
                continue
            }
            if part == .host && b < 0x80 && shouldEscape(b, .host) {
                throw GoURLError(message: "invalid character " + GoQuote.quote(bytes: [b]) + " in host name")
            }
            out.append(b)
            i += 1
        }
        return out
    }

    /// Whether Go escapes `b` in that part of a URL.
    private static func shouldEscape(_ b: UInt8, _ part: Part) -> Bool {
        if ByteClass.isAlnum(b) || "-_.~".utf8.contains(b) { return false }
        switch part {
        case .host: return !"!$&'()*+,;=:[]<>\"".utf8.contains(b)
        case .path: return !"$&+,/:;=@".utf8.contains(b)
        case .fragment: return !"$&+,/:;=?@!()*".utf8.contains(b)
        case .userinfo: return !"$&+,;=".utf8.contains(b)
        }
    }

    /// `%XX` for `b`, with upper-case hex digits, as Go writes an escape.
    static func appendEscape(_ b: UInt8, to out: inout [UInt8]) {
        let hex = Array("0123456789ABCDEF".utf8)
        out += [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 15)]]
    }

    /// The bytes before the first `separator` and, when there is one, those after it.
    static func cut(_ bytes: [UInt8], _ separator: UInt8) -> ([UInt8], [UInt8]?) {
        guard let i = bytes.firstIndex(of: separator) else { return (bytes, nil) }
        return (Array(bytes[..<i]), Array(bytes[(i + 1)...]))
    }
}
