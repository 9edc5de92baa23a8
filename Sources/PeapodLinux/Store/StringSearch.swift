// Substring search without the _StringProcessing module: the modules linked into
// peapod-supervisor are built without Swift's implicit `import _StringProcessing` (Package.swift),
// whose generic `contains(_:)`/`firstRange(of:)` these stand in for. Internal on purpose, with a
// copy in PeapodSpec: modules that import Foundation or _StringProcessing (the CLI, the tests)
// must not see two candidates; taking a String, not a generic, also makes these the better
// overload where @testable imports meet Foundation's.

extension StringProtocol {
    /// Whether `other` occurs in this text (an empty `other` always does).
    func contains(_ other: String) -> Bool {
        firstRange(of: other) != nil
    }

    /// The range of the first occurrence of `other`, compared by Unicode scalars.
    func firstRange(of other: String) -> Range<Index>? {
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
