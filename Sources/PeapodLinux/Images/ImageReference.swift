// Image references, parsed and normalised the way docker and containerd do it
// (github.com/distribution/reference: ParseNormalizedNamed, then TagNameOnly):
//
//   busybox                   → docker.io/library/busybox:latest
//   foo/bar                   → docker.io/foo/bar:latest
//   index.docker.io/foo/bar   → docker.io/foo/bar:latest
//   localhost:5000/x:1        → localhost:5000/x:1
//   busybox@sha256:<64 hex>   → docker.io/library/busybox@sha256:<64 hex> (no tag added)
//
// The first component is a registry domain only when it contains "." or ":" or is "localhost";
// everything else is a Docker Hub path. Peapod has no registry client: the domain only names the
// image, so that `busybox` in a manifest finds what `peapod image import busybox` stored.

import PeapodSpec

/// A parsed, normalised image reference.
public struct ImageReference: Sendable, Hashable, CustomStringConvertible {
    /// Registry domain, e.g. `docker.io` or `localhost:5000`.
    public let domain: String
    /// Repository path inside the registry, e.g. `library/busybox`.
    public let path: String
    /// The tag; `latest` when the reference had neither tag nor digest.
    public let tag: String?
    /// `algorithm:hex`, e.g. `sha256:…`.
    public let digest: String?

    static let defaultDomain = "docker.io"
    static let legacyDefaultDomain = "index.docker.io"
    static let officialRepoPrefix = "library/"
    static let maxNameLength = 255

    /// Parses and normalises `text`. Throws `ImageReferenceError` with docker's wording
    /// ("invalid reference format: …") when it is not a valid reference.
    public init(parsing text: String) throws {
        guard !text.isEmpty else { throw ImageReferenceError(text, "repository name must have at least one component") }
        if text.utf8.count == 64, text.utf8.allSatisfy(ByteClass.isLowerHexDigit) {
            throw ImageReferenceError(text, "cannot specify 64-byte hexadecimal strings", prefix: "invalid repository name")
        }
        var name = Substring(text)
        var digest: String?
        if let at = name.firstIndex(of: "@") {
            let digestText = String(name[name.index(after: at)...])
            try Self.validateDigest(digestText, in: text)
            digest = digestText
            name = name[..<at]
        }
        var tag: String?
        let lastSlash = name.lastIndex(of: "/")
        if let colon = name.lastIndex(of: ":"), lastSlash.map({ colon > $0 }) ?? true {
            let tagText = String(name[name.index(after: colon)...])
            guard Self.isValidTag(tagText) else { throw ImageReferenceError(text) }
            tag = tagText
            name = name[..<colon]
        }
        guard !name.isEmpty else { throw ImageReferenceError(text, "repository name must have at least one component") }

        var (domain, remainder) = Self.splitDomain(String(name))
        guard remainder.lowercased() == remainder else {
            throw ImageReferenceError(text, "repository name (\(remainder)) must be lowercase")
        }
        if domain == Self.legacyDefaultDomain { domain = Self.defaultDomain }
        if domain == Self.defaultDomain, !remainder.contains("/") {
            remainder = Self.officialRepoPrefix + remainder
        }
        guard Self.isValidDomain(domain), Self.isValidPath(remainder) else { throw ImageReferenceError(text) }
        guard domain.count + 1 + remainder.count <= Self.maxNameLength else {
            throw ImageReferenceError(text, "repository name must not be more than \(Self.maxNameLength) characters")
        }
        self.domain = domain
        self.path = remainder
        self.digest = digest
        self.tag = (tag == nil && digest == nil) ? "latest" : tag
    }

    /// `domain/path`, e.g. `docker.io/library/busybox`.
    public var name: String { "\(domain)/\(path)" }

    /// The full normalised form, e.g. `docker.io/library/busybox:latest`.
    public var normalized: String {
        var text = name
        if let tag { text += ":\(tag)" }
        if let digest { text += "@\(digest)" }
        return text
    }

    /// The short name docker prints (FamiliarName): `busybox`, `foo/bar`, `localhost:5000/x`.
    public var familiarName: String {
        guard domain == Self.defaultDomain else { return name }
        if path.hasPrefix(Self.officialRepoPrefix) {
            let rest = path.dropFirst(Self.officialRepoPrefix.count)
            if !rest.contains("/") { return String(rest) }
        }
        return path
    }

    /// The short form docker prints (FamiliarString): `busybox:latest`, `foo/bar:1@sha256:…`.
    public var familiar: String {
        var text = familiarName
        if let tag { text += ":\(tag)" }
        if let digest { text += "@\(digest)" }
        return text
    }

    public var description: String { normalized }

    // MARK: - Grammar (distribution/reference regexp.go)

    private static func splitDomain(_ name: String) -> (domain: String, remainder: String) {
        guard let slash = name.firstIndex(of: "/") else { return (defaultDomain, name) }
        let first = name[..<slash]
        let looksLikeDomain = first.contains(".") || first.contains(":") || first == "localhost"
            || first.lowercased() != first
        guard looksLikeDomain else { return (defaultDomain, name) }
        return (String(first), String(name[name.index(after: slash)...]))
    }

    /// path-component: `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`, joined by "/".
    static func isValidPath(_ path: String) -> Bool {
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        return !components.isEmpty && components.allSatisfy(isValidPathComponent)
    }

    private static func isValidPathComponent(_ component: Substring) -> Bool {
        let chars = Array(component.utf8)
        guard let first = chars.first, let last = chars.last, ByteClass.isLowerAlnum(first), ByteClass.isLowerAlnum(last) else { return false }
        var i = 0
        while i < chars.count {
            if ByteClass.isLowerAlnum(chars[i]) { i += 1; continue }
            // A separator run: ".", "_", "__", or one or more "-".
            var j = i
            while j < chars.count, !ByteClass.isLowerAlnum(chars[j]) { j += 1 }
            let separator = chars[i..<j]
            let valid = separator.elementsEqual([UInt8(ascii: ".")])
                || separator.elementsEqual([UInt8(ascii: "_")])
                || separator.elementsEqual([UInt8(ascii: "_"), UInt8(ascii: "_")])
                || separator.allSatisfy { $0 == UInt8(ascii: "-") }
            guard valid else { return false }
            i = j
        }
        return true
    }

    /// domain: host components (`[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?` joined by ".") or a
    /// bracketed IPv6 address, then an optional `:port`.
    static func isValidDomain(_ domain: String) -> Bool {
        var host = Substring(domain)
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let inside = host[host.index(after: host.startIndex)..<close]
            guard !inside.isEmpty, inside.allSatisfy({ $0.isHexDigit || $0 == ":" }) else { return false }
            let rest = host[host.index(after: close)...]
            if rest.isEmpty { return true }
            guard rest.hasPrefix(":") else { return false }
            return isValidPort(rest.dropFirst())
        }
        if let colon = host.lastIndex(of: ":") {
            guard isValidPort(host[host.index(after: colon)...]) else { return false }
            host = host[..<colon]
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        return !labels.isEmpty && labels.allSatisfy { label in
            let chars = Array(label.utf8)
            guard let first = chars.first, let last = chars.last, ByteClass.isAlnum(first), ByteClass.isAlnum(last) else { return false }
            return chars.allSatisfy { ByteClass.isAlnum($0) || $0 == UInt8(ascii: "-") }
        }
    }

    private static func isValidPort(_ port: Substring) -> Bool {
        !port.isEmpty && port.utf8.allSatisfy(ByteClass.isDigit)
    }

    /// tag: `[\w][\w.-]{0,127}`.
    static func isValidTag(_ tag: String) -> Bool {
        let chars = Array(tag.utf8)
        guard let first = chars.first, chars.count <= 128, isWord(first) else { return false }
        return chars.allSatisfy { isWord($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    /// digest: `algorithm:encoded`; sha256 needs exactly 64 lower-case hex digits (go-digest).
    private static func validateDigest(_ digest: String, in text: String) throws {
        guard let colon = digest.firstIndex(of: ":") else { throw ImageReferenceError(text) }
        let algorithm = digest[..<colon]
        let encoded = digest[digest.index(after: colon)...]
        let algorithmOK = !algorithm.isEmpty && algorithm.first!.isLetter
            && algorithm.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_+.".contains($0)) }
        guard algorithmOK, encoded.count >= 32, encoded.allSatisfy(\.isHexDigit) else { throw ImageReferenceError(text) }
        if algorithm == "sha256" {
            guard encoded.count == 64 else { throw ImageReferenceError(text, "invalid checksum digest length", prefix: nil) }
            guard encoded.utf8.allSatisfy(ByteClass.isLowerHexDigit) else {
                throw ImageReferenceError(text, "invalid checksum digest format", prefix: nil)
            }
        }
    }

    private static func isWord(_ c: UInt8) -> Bool { ByteClass.isAlnum(c) || c == UInt8(ascii: "_") }
}

/// A reference that is not valid, with docker's wording.
public struct ImageReferenceError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reference: String
    public let message: String

    init(_ reference: String, _ detail: String? = nil, prefix: String? = "invalid reference format") {
        self.reference = reference
        switch (prefix, detail) {
        case let (prefix?, detail?) where prefix == "invalid repository name":
            message = "\(prefix) (\(reference)), \(detail)"
        case let (prefix?, detail?): message = "\(prefix): \(detail)"
        case let (prefix?, nil): message = prefix
        case let (nil, detail?): message = detail
        case (nil, nil): message = "invalid reference format"
        }
    }

    public var description: String {
        message.containsText("(\(reference))") ? message : "\(message): \"\(reference)\""
    }
}
