// Substring search without the _StringProcessing module: the modules linked into
// peapod-supervisor are built without Swift's implicit `import _StringProcessing` (Package.swift),
// whose generic `contains(_:)`/`firstRange(of:)` these stand in for. They have names of their own
// so that one public copy serves PeapodSpec and PeapodLinux, and modules that also see
// Foundation's or _StringProcessing's overloads (the CLI, the tests) never meet two candidates.

extension StringProtocol {
    /// Whether `other` occurs in this text (an empty `other` always does).
    public func containsText(_ other: String) -> Bool {
        rangeOfText(other) != nil
    }

    /// The range of the first occurrence of `other`, compared by Unicode scalars. Searched as
    /// UTF-8 bytes, which is the same thing (a needle starts with a lead byte, so it can only
    /// match at a scalar boundary) and a few times faster than walking scalars.
    public func rangeOfText(_ other: String) -> Range<Index>? {
        var other = other
        let needleCount = other.utf8.count
        guard needleCount > 0 else { return startIndex..<startIndex }
        // The needle's own bytes, not a copy of them in an array.
        let offset = other.withUTF8 { needle in
            utf8.withContiguousStorageIfAvailable { firstOffset(of: needle, in: $0) }
                ?? Array(utf8).withUnsafeBufferPointer { firstOffset(of: needle, in: $0) }
        }
        guard let offset else { return nil }
        let lower = utf8.index(utf8.startIndex, offsetBy: offset)
        return lower..<utf8.index(lower, offsetBy: needleCount)
    }
}

extension String {
    /// `StringProtocol.rangeOfText`, reading this string's UTF-8 directly.
    public func rangeOfText(_ other: String) -> Range<Index>? {
        Substring(self).rangeOfText(other)
    }

    /// `StringProtocol.containsText`, reading this string's UTF-8 directly.
    public func containsText(_ other: String) -> Bool { rangeOfText(other) != nil }

    /// The non-empty lines, split on the UTF-8 newline byte (several times cheaper than splitting
    /// by Character, which /proc files with dozens of lines made visible in profiles).
    public func nonEmptyLines() -> [Substring] {
        Substring(self).splitOnByte(UInt8(ascii: "\n"))
    }

    /// Split on an ASCII separator byte, as `split(separator:)` does on Characters, but cheaper.
    public func splitOnByte(_ separator: UInt8, maxSplits: Int = Int.max, omittingEmpty: Bool = true) -> [Substring] {
        Substring(self).splitOnByte(separator, maxSplits: maxSplits, omittingEmpty: omittingEmpty)
    }
}

extension Substring {
    /// `StringProtocol.rangeOfText`, reading this substring's UTF-8 directly (the generic
    /// version reaches a Substring's bytes through Slice's unspecialised code).
    public func rangeOfText(_ other: String) -> Range<Index>? {
        var text = self
        guard let offset = text.withUTF8({ firstOffset(of: other, in: $0) }) else { return nil }
        guard let offset else { return startIndex..<startIndex }
        let lower = utf8.index(startIndex, offsetBy: offset)
        return lower..<utf8.index(lower, offsetBy: other.utf8.count)
    }

    /// `StringProtocol.containsText`, reading this substring's UTF-8 directly.
    public func containsText(_ other: String) -> Bool { rangeOfText(other) != nil }

    /// Split on an ASCII separator byte, as `split(separator:)` does on Characters, but cheaper.
    /// The same pieces as `utf8.split(separator:maxSplits:omittingEmptySubsequences:)`, found by
    /// scanning the contiguous bytes rather than through the generic collection algorithm.
    public func splitOnByte(_ separator: UInt8, maxSplits: Int = Int.max, omittingEmpty: Bool = true) -> [Substring] {
        precondition(maxSplits >= 0, "Must take zero or more splits")
        let view = utf8
        var out: [Substring] = []
        // Pieces are cut from the view as the scan finds them, each index moved on from the
        // last one; the bytes are read through withUTF8 rather than the view's
        // withContiguousStorageIfAvailable, which goes through Slice's unspecialised code.
        var index = view.startIndex
        var offset = 0
        func cut(_ lower: Int, _ upper: Int) {
            let from = view.index(index, offsetBy: lower &- offset)
            let to = view.index(from, offsetBy: upper &- lower)
            out.append(Substring(view[from..<to]))
            index = to
            offset = upper
        }
        var text = self
        text.withUTF8 { bytes in
            if maxSplits == 0 || bytes.isEmpty {
                if !(bytes.isEmpty && omittingEmpty) { cut(0, bytes.count) }
                return
            }
            var start = 0
            var i = 0
            while i < bytes.count {
                if bytes[i] == separator {
                    let appended = !(start == i && omittingEmpty)
                    if appended { cut(start, i) }
                    i &+= 1
                    start = i
                    if appended && out.count == maxSplits { break }
                    continue
                }
                i &+= 1
            }
            if start != bytes.count || !omittingEmpty { cut(start, bytes.count) }
        }
        return out
    }
}

/// Byte offset of the first occurrence of `needle` (not empty) in `haystack`.
private func firstOffset(of needle: UnsafeBufferPointer<UInt8>, in haystack: UnsafeBufferPointer<UInt8>) -> Int? {
    guard haystack.count >= needle.count else { return nil }
    let first = needle[0]
    var i = 0
    let last = haystack.count &- needle.count
    while i <= last {
        if haystack[i] == first {
            var j = 1
            while j < needle.count && haystack[i &+ j] == needle[j] { j &+= 1 }
            if j == needle.count { return i }
        }
        i &+= 1
    }
    return nil
}

/// The byte offset of `needle` in `haystack`: nil when absent, .some(nil) when the needle is
/// empty (found at the start).
private func firstOffset(of needle: String, in haystack: UnsafeBufferPointer<UInt8>) -> Int?? {
    var needle = needle
    return needle.withUTF8 { needle in
        guard !needle.isEmpty else { return .some(nil) }
        return firstOffset(of: needle, in: haystack).map { .some($0) }
    }
}
