// Go's %q quoting, which Kubernetes uses in messages and the kubelet in downward API files.

public enum GoQuote {
    /// Go's strconv.Quote (the %q verb) for valid UTF-8: `"` and `\` escaped, \a \b \f \n \r \t
    /// \v, other control characters as \xNN, non-printable runes as \uNNNN or \UNNNNNNNN;
    /// printable runes (letters, marks, numbers, punctuation, symbols, ASCII space) as they are.
    public static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars { append(scalar, to: &out) }
        return out + "\""
    }

    /// The same for bytes that need not be UTF-8, as Go quotes a string holding any bytes: each
    /// byte that does not start a valid UTF-8 sequence as \xNN, everything else as above.
    public static func quote(bytes: some Collection<UInt8>) -> String {
        let b = Array(bytes)
        var out = "\""
        var i = 0
        while i < b.count {
            let n = b[i] < 0x80 ? 1 : b[i] >= 0xf0 ? 4 : b[i] >= 0xe0 ? 3 : 2
            if i + n <= b.count, let text = String(validating: b[i..<(i + n)], as: UTF8.self),
               let scalar = text.unicodeScalars.first {
                append(scalar, to: &out)
                i += n
            } else {
                out += "\\x" + hex(UInt32(b[i]), width: 2)
                i += 1
            }
        }
        return out + "\""
    }

    static func append(_ scalar: Unicode.Scalar, to out: inout String) {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\u{07}": out += "\\a"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{0B}": out += "\\v"
        default:
            if isGoPrintable(scalar) {
                out.unicodeScalars.append(scalar)
            } else if scalar.value < 0x80 {
                out += "\\x" + hex(scalar.value, width: 2)
            } else if scalar.value < 0x10000 {
                out += "\\u" + hex(scalar.value, width: 4)
            } else {
                out += "\\U" + hex(scalar.value, width: 8)
            }
        }
    }

    static func isGoPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .nonspacingMark, .spacingMark, .enclosingMark,
            .decimalNumber, .letterNumber, .otherNumber,
            .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation,
            .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return true
        default:
            return false
        }
    }

    static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

/// Go's `%q`: `goQuote("a\"b")` is `"a\"b"` with the quotes.
public func goQuote(_ s: String) -> String {
    GoQuote.quote(s)
}
