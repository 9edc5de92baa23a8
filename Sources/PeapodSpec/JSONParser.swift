// Strict JSON (RFC 8259) into JSONValue, with 1-based line and column in errors; duplicate keys
// and numbers out of a double's range are refused, as Go's decoder refuses them.

/// A JSON syntax error with a 1-based line and column.
public struct JSONParseError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public var line: Int
    public var column: Int
    public var description: String { "JSON syntax error at line \(line), column \(column): \(message)" }
}

extension JSONValue {
    /// Parses strict JSON (RFC 8259). Duplicate keys in an object are an error.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        var p = JSONParser(Array(text.utf8))
        p.skipWhitespace()
        let v = try p.parseValue(depth: 0)
        p.skipWhitespace()
        if p.pos < p.bytes.count { throw p.error("unexpected data after the JSON value") }
        return v
    }
}

struct JSONParser {
    let bytes: [UInt8]
    var pos = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func error(_ message: String, at: Int? = nil) -> JSONParseError {
        let end = min(at ?? pos, bytes.count)
        var line = 1, col = 1
        var i = 0
        while i < end {
            if bytes[i] == UInt8(ascii: "\n") { line += 1; col = 1 } else if bytes[i] & 0xC0 != 0x80 { col += 1 }
            i += 1
        }
        return JSONParseError(message: message, line: line, column: col)
    }

    mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    func describeCurrent() -> String {
        if pos >= bytes.count { return "end of input" }
        let b = bytes[pos]
        if b >= 0x20 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        return "byte 0x" + String(b, radix: 16)
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth < 512 else { throw error("nesting too deep") }
        guard pos < bytes.count else { throw error("unexpected end of input, expected a value") }
        switch bytes[pos] {
        case UInt8(ascii: "{"):
            pos += 1
            var obj = JSONObject()
            // Duplicate keys: a linear look for the usual small object, a set past 12 keys.
            var seen: Set<String>?
            skipWhitespace()
            if pos < bytes.count && bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(obj) }
            while true {
                skipWhitespace()
                guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else {
                    throw error("expected a string key, found \(describeCurrent())")
                }
                let keyPos = pos
                let key = try parseString()
                let duplicate: Bool
                if obj.count < 12 {
                    duplicate = obj.storage.contains { $0.key == key }
                } else {
                    if seen == nil { seen = Set(obj.storage.map(\.key)) }
                    duplicate = !seen!.insert(key).inserted
                }
                if duplicate { throw error("duplicate key \"\(key)\"", at: keyPos) }
                skipWhitespace()
                guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else {
                    throw error("expected ':' after key, found \(describeCurrent())")
                }
                pos += 1
                skipWhitespace()
                let v = try parseValue(depth: depth + 1)
                obj.appendUnchecked(key, v)
                skipWhitespace()
                guard pos < bytes.count else { throw error("unexpected end of input, expected ',' or '}'") }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(obj) }
                throw error("expected ',' or '}', found \(describeCurrent())")
            }
        case UInt8(ascii: "["):
            pos += 1
            var arr: [JSONValue] = []
            skipWhitespace()
            if pos < bytes.count && bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(arr) }
            while true {
                skipWhitespace()
                arr.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                guard pos < bytes.count else { throw error("unexpected end of input, expected ',' or ']'") }
                if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
                if bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(arr) }
                throw error("expected ',' or ']', found \(describeCurrent())")
            }
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"):
            try literal("true"); return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false"); return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try parseNumber()
        default:
            throw error("unexpected \(describeCurrent()), expected a value")
        }
    }

    mutating func literal(_ word: String) throws(JSONParseError) {
        let w = Array(word.utf8)
        if pos + w.count <= bytes.count && Array(bytes[pos..<pos + w.count]) == w {
            pos += w.count
            return
        }
        throw error("invalid literal, expected \(word)")
    }

    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = pos
        var isInt = true
        if bytes[pos] == UInt8(ascii: "-") { pos += 1 }
        func isDigit(_ i: Int) -> Bool { i < bytes.count && ByteClass.isDigit(bytes[i]) }
        guard isDigit(pos) else { throw error("invalid number: expected a digit") }
        if bytes[pos] == UInt8(ascii: "0") {
            pos += 1
            if isDigit(pos) { throw error("invalid number: leading zeros are not allowed") }
        } else {
            while isDigit(pos) { pos += 1 }
        }
        if pos < bytes.count && bytes[pos] == UInt8(ascii: ".") {
            isInt = false
            pos += 1
            guard isDigit(pos) else { throw error("invalid number: expected a digit after '.'") }
            while isDigit(pos) { pos += 1 }
        }
        if pos < bytes.count && (bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E")) {
            isInt = false
            pos += 1
            if pos < bytes.count && (bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-")) { pos += 1 }
            guard isDigit(pos) else { throw error("invalid number: expected a digit in the exponent") }
            while isDigit(pos) { pos += 1 }
        }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        if isInt, let i = Int64(text) { return .int(i) }
        // Double() gives ±infinity for a number beyond its range, which JSON cannot hold (it would
        // be written back as null); Go's decoder refuses such a number too.
        guard let d = Double(text), d.isFinite else { throw error("number \(text) is out of range", at: start) }
        return .double(d)
    }

    mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard let v = hex4(at: pos) else {
            // Reported at the first byte that is not a hex digit, when four bytes are left.
            if pos + 4 <= bytes.count { while ByteClass.hexValue(bytes[pos]) != nil { pos += 1 } }
            throw error("invalid \\u escape")
        }
        pos += 4
        return v
    }

    /// The value of four hex digits at `at`, without moving; nil when they are not.
    func hex4(at: Int) -> UInt32? {
        guard at + 4 <= bytes.count else { return nil }
        var v: UInt32 = 0
        for i in at..<(at + 4) {
            guard let d = ByteClass.hexValue(bytes[i]) else { return nil }
            v = v * 16 + UInt32(d)
        }
        return v
    }

    mutating func parseString() throws(JSONParseError) -> String {
        // Nearly every string has no escape: made from its bytes in one step.
        let start = pos + 1
        var end = start
        while end < bytes.count {
            let b = bytes[end]
            if b == UInt8(ascii: "\"") {
                pos = end + 1
                return String(decoding: bytes[start..<end], as: UTF8.self)
            }
            if b == UInt8(ascii: "\\") || b < 0x20 { break }
            end += 1
        }
        pos += 1  // opening quote
        var out: [UInt8] = []
        while true {
            guard pos < bytes.count else { throw error("unterminated string") }
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") { pos += 1; break }
            if b < 0x20 { throw error("control character in string (must be escaped)") }
            if b != UInt8(ascii: "\\") { out.append(b); pos += 1; continue }
            pos += 1
            guard pos < bytes.count else { throw error("unterminated string") }
            let e = bytes[pos]
            pos += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var code = try parseHex4()
                // Surrogates as Go's encoding/json takes them: a high one and the low escape that
                // follows it make one character; any other surrogate is U+FFFD on its own, and an
                // escape after a lone high one is read for itself ("\ud800\u0041" is U+FFFD "A",
                // "\ud800\ud800\udc00" is U+FFFD U+10000).
                if code >= 0xD800 && code < 0xE000 {
                    if code < 0xDC00, pos + 6 <= bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u"),
                       let low = hex4(at: pos + 2), low >= 0xDC00 && low < 0xE000 {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        pos += 6
                    } else {
                        code = 0xFFFD
                    }
                }
                let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default:
                throw error("invalid escape '\\\(Character(Unicode.Scalar(e)))'", at: pos - 2)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
