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
        let needle = Array(other.utf8)
        guard !needle.isEmpty else { return startIndex..<startIndex }
        let offset = utf8.withContiguousStorageIfAvailable { firstOffset(of: needle, in: $0) }
            ?? Array(utf8).withUnsafeBufferPointer { firstOffset(of: needle, in: $0) }
        guard let offset else { return nil }
        let lower = utf8.index(utf8.startIndex, offsetBy: offset)
        return lower..<utf8.index(lower, offsetBy: needle.count)
    }
}

extension String {
    /// The non-empty lines, split on the UTF-8 newline byte (several times cheaper than splitting
    /// by Character, which /proc files with dozens of lines made visible in profiles).
    public func nonEmptyLines() -> [Substring] {
        utf8.split(separator: UInt8(ascii: "\n")).map { Substring($0) }
    }

    /// Split on an ASCII separator byte, as `split(separator:)` does on Characters, but cheaper.
    public func splitOnByte(_ separator: UInt8, maxSplits: Int = Int.max, omittingEmpty: Bool = true) -> [Substring] {
        Substring(self).splitOnByte(separator, maxSplits: maxSplits, omittingEmpty: omittingEmpty)
    }
}

extension Substring {
    /// Split on an ASCII separator byte, as `split(separator:)` does on Characters, but cheaper.
    public func splitOnByte(_ separator: UInt8, maxSplits: Int = Int.max, omittingEmpty: Bool = true) -> [Substring] {
        utf8.split(separator: separator, maxSplits: maxSplits, omittingEmptySubsequences: omittingEmpty)
            .map { Substring($0) }
    }
}

/// Byte offset of the first occurrence of `needle` (not empty) in `haystack`.
private func firstOffset(of needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>) -> Int? {
    guard haystack.count >= needle.count else { return nil }
    let first = needle[0]
    var i = 0
    let last = haystack.count - needle.count
    while i <= last {
        if haystack[i] == first {
            var j = 1
            while j < needle.count && haystack[i + j] == needle[j] { j += 1 }
            if j == needle.count { return i }
        }
        i += 1
    }
    return nil
}
