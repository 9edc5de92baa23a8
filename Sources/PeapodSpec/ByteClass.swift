// ASCII classes of single bytes, for the parsers that read UTF-8 bytes rather than Characters
// (names, quantities, JSON, timestamps, URLs, HTTP, logs, image references). A byte of a
// multi-byte UTF-8 sequence is never in any class. Inlinable: they sit in the inner loops of
// parsers in other modules.

public enum ByteClass {
    @inlinable public static func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }
    @inlinable public static func isLower(_ b: UInt8) -> Bool { b &- 0x61 < 26 }
    @inlinable public static func isUpper(_ b: UInt8) -> Bool { b &- 0x41 < 26 }
    @inlinable public static func isAlpha(_ b: UInt8) -> Bool { isLower(b) || isUpper(b) }
    @inlinable public static func isAlnum(_ b: UInt8) -> Bool { isAlpha(b) || isDigit(b) }
    /// `[a-z0-9]`, the characters of DNS labels and image path components.
    @inlinable public static func isLowerAlnum(_ b: UInt8) -> Bool { isLower(b) || isDigit(b) }

    /// The value of a hex digit of either case; nil for any other byte.
    @inlinable public static func hexValue(_ b: UInt8) -> UInt8? {
        if isDigit(b) { return b &- 0x30 }
        let folded = b | 0x20
        if folded &- 0x61 < 6 { return folded &- 0x61 &+ 10 }
        return nil
    }
    @inlinable public static func isHexDigit(_ b: UInt8) -> Bool { hexValue(b) != nil }
    /// `[0-9a-f]`, as digests are written.
    @inlinable public static func isLowerHexDigit(_ b: UInt8) -> Bool { isDigit(b) || b &- 0x61 < 6 }

    @inlinable public static func lowercased(_ b: UInt8) -> UInt8 { isUpper(b) ? b | 0x20 : b }
    @inlinable public static func uppercased(_ b: UInt8) -> UInt8 { isLower(b) ? b & ~0x20 : b }
}
