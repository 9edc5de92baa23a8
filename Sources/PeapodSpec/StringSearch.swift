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

    /// The range of the first occurrence of `other`, compared by Unicode scalars.
    public func rangeOfText(_ other: String) -> Range<Index>? {
        let needle = Array(other.unicodeScalars)
        guard let first = needle.first else { return startIndex..<startIndex }
        var index = unicodeScalars.startIndex
        while index != unicodeScalars.endIndex {
            if unicodeScalars[index] == first {
                var i = index
                var matched = true
                for scalar in needle {
                    guard i != unicodeScalars.endIndex, unicodeScalars[i] == scalar else { matched = false; break }
                    i = unicodeScalars.index(after: i)
                }
                if matched { return index..<i }
            }
            index = unicodeScalars.index(after: index)
        }
        return nil
    }
}
