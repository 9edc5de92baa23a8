// A small JSON value type with its own strict parser and serializers (JSON and block YAML).
// Foundation-free on purpose: the per-pod supervisor links this module and must start fast.

/// A JSON value. Integers that fit in Int64 stay integers; other numbers are doubles.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d == d.rounded() && abs(d) < 9.2e18: return Int64(d)
        default: return nil
        }
    }
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var objectValue: JSONObject? { if case .object(let o) = self { return o }; return nil }
    public var isNull: Bool { if case .null = self { return true }; return false }

    /// The JSON type name used in error messages ("string", "integer", "object", ...).
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// Member access for objects (nil for other values or a missing key).
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }
}

/// A JSON object that keeps the insertion order of its keys.
public struct JSONObject: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: JSONValue
        public init(key: String, value: JSONValue) { self.key = key; self.value = value }
    }
    public private(set) var storage: [Entry] = []

    public init() {}
    public init(_ pairs: [(String, JSONValue)]) {
        for (k, v) in pairs { self[k] = v }
    }

    /// Entries in insertion order.
    public var entries: [(key: String, value: JSONValue)] { storage.map { ($0.key, $0.value) } }
    public var keys: [String] { storage.map(\.key) }
    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.isEmpty }

    /// Get or set by key; setting nil removes the key, setting an existing key keeps its position.
    public subscript(key: String) -> JSONValue? {
        get {
            for e in storage where e.key == key { return e.value }
            return nil
        }
        set {
            if let i = storage.firstIndex(where: { $0.key == key }) {
                if let v = newValue { storage[i].value = v } else { storage.remove(at: i) }
            } else if let v = newValue {
                storage.append(Entry(key: key, value: v))
            }
        }
    }

    /// Appends without checking for an existing key (used by the parser, which checks itself).
    mutating func appendUnchecked(_ key: String, _ value: JSONValue) {
        storage.append(Entry(key: key, value: value))
    }

    init(reservingCapacity capacity: Int) {
        storage.reserveCapacity(capacity)
    }

    /// Byte-wise order of the keys' UTF-8 (Go's order of map keys), not String's `<`, which
    /// compares Unicode-normalised characters.
    static func utf8Precedes(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let n = min(x.count, y.count)
                var i = 0
                while i < n {
                    if x[i] != y[i] { return x[i] < y[i] }
                    i &+= 1
                }
                return x.count < y.count
            }
        }
    }
}

extension Array where Element == JSONObject.Entry {
    var isSortedByUTF8Key: Bool {
        var i = 1
        while i < count {
            if JSONObject.utf8Precedes(self[i].key, self[i &- 1].key) { return false }
            i &+= 1
        }
        return true
    }
}

// MARK: - Parsing

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

// MARK: - Serializing

extension JSONValue {
    /// JSON text. `pretty` uses kubectl's layout (4-space indentation, `"key": value`);
    /// compact has no whitespace at all.
    public func serialized(pretty: Bool) -> String {
        String(decoding: serializedBytes(pretty: pretty), as: UTF8.self)
    }

    /// The JSON text as UTF-8. Built as bytes rather than by String appends (a supervisor
    /// re-serialises status and events on every change: String's per-append bookkeeping was
    /// most of its serialisation cost under callgrind).
    public func serializedBytes(pretty: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        write(to: &out, pretty: pretty, indent: 0)
        return out
    }

    private static func newline(_ out: inout [UInt8], indent: Int) {
        out.append(0x0A)
        out.append(contentsOf: repeatElement(0x20, count: indent))
    }

    private func write(to out: inout [UInt8], pretty: Bool, indent: Int) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d): out.append(contentsOf: JSONValue.formatDouble(d).utf8)
        case .string(let s): JSONValue.writeQuoted(s, to: &out)
        case .array(let a):
            if a.isEmpty { out.append(contentsOf: "[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { JSONValue.newline(&out, indent: indent + 4) }
                v.write(to: &out, pretty: pretty, indent: indent + 4)
            }
            if pretty { JSONValue.newline(&out, indent: indent) }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            if o.isEmpty { out.append(contentsOf: "{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            for (i, e) in o.storage.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { JSONValue.newline(&out, indent: indent + 4) }
                JSONValue.writeQuoted(e.key, to: &out)
                out.append(UInt8(ascii: ":"))
                if pretty { out.append(0x20) }
                e.value.write(to: &out, pretty: pretty, indent: indent + 4)
            }
            if pretty { JSONValue.newline(&out, indent: indent) }
            out.append(UInt8(ascii: "}"))
        }
    }

    public static func formatDouble(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == d.rounded() && abs(d) < 1e21 {
            if abs(d) < 9.2e18 { return String(Int64(d)) }
            // Large integral doubles: expand the exponent form without Foundation.
            return expandExponent(d.description)
        }
        let s = d.description  // shortest round-trip form, e.g. "0.1", "1e-07"
        if abs(d) >= 1e-6 && abs(d) < 1e21 { return expandExponent(s) }
        return s
    }

    /// Turns "1.5e-05" / "1.2e+20" into plain positional notation.
    static func expandExponent(_ s: String) -> String {
        guard let eIdx = s.firstIndex(where: { $0 == "e" || $0 == "E" }) else { return s }
        var mant = String(s[s.startIndex..<eIdx])
        guard let exp = Int(s[s.index(after: eIdx)...].replacingPlus()) else { return s }
        var neg = false
        if mant.hasPrefix("-") { neg = true; mant.removeFirst() }
        var intPart = mant
        var frac = ""
        if let dot = mant.firstIndex(of: ".") {
            intPart = String(mant[mant.startIndex..<dot])
            frac = String(mant[mant.index(after: dot)...])
        }
        var digits = intPart + frac
        var pointPos = intPart.count + exp
        if pointPos <= 0 {
            digits = String(repeating: "0", count: -pointPos + 1) + digits
            pointPos = 1
        } else if pointPos > digits.count {
            digits += String(repeating: "0", count: pointPos - digits.count)
        }
        var ip = String(digits.prefix(pointPos))
        var fp = String(digits.dropFirst(pointPos))
        while fp.hasSuffix("0") { fp.removeLast() }
        while ip.count > 1 && ip.hasPrefix("0") { ip.removeFirst() }
        return (neg ? "-" : "") + ip + (fp.isEmpty ? "" : "." + fp)
    }

    static func writeQuoted(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { writeQuoted(utf8: $0, to: &out) }
    }

    /// Whether a byte needs an escape: control characters, `"`, `\`, `<`, `>`, `&` (HTML-safe, as
    /// Go's encoding/json), and 0xE2, the first byte of U+2028 and U+2029.
    @inline(__always)
    private static func mayNeedEscape(_ u: UInt8) -> Bool {
        // Bits 0x00-0x1F, 0x22 ("), 0x26 (&), 0x3C (<), 0x3E (>).
        let low: UInt64 = 0x5000_0044_FFFF_FFFF
        return u < 64 ? (low &>> UInt64(u)) & 1 != 0 : (u == 0x5C || u == 0xE2)
    }

    private static func writeQuoted(utf8 bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Nearly every key and value needs no escape: copy it whole.
        var clean = true
        for u in bytes where mayNeedEscape(u) {
            clean = false
            break
        }
        if clean {
            out.append(contentsOf: bytes)
            out.append(UInt8(ascii: "\""))
            return
        }
        let start = out.count
        for u in bytes {
            switch u {
            case 0x22: out.append(contentsOf: #"\""#.utf8)
            case 0x5C: out.append(contentsOf: #"\\"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0x08: out.append(contentsOf: #"\b"#.utf8)
            case 0x0C: out.append(contentsOf: #"\f"#.utf8)
            // As Go's encoding/json: HTML-safe.
            case 0x3C: out.append(contentsOf: #"\u003c"#.utf8)
            case 0x3E: out.append(contentsOf: #"\u003e"#.utf8)
            case 0x26: out.append(contentsOf: #"\u0026"#.utf8)
            case 0x00..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hex[Int(u >> 4)])
                out.append(hex[Int(u & 0xF)])
            default:
                out.append(u)
            }
        }
        // U+2028 and U+2029 (E2 80 A8 / E2 80 A9) are escaped too, as Go does.
        if bytes.contains(0xE2) { escapeLineSeparators(&out, from: start) }
        out.append(UInt8(ascii: "\""))
    }

    /// Rewrites E2 80 A8 / E2 80 A9 at or after `start` as \u2028 / \u2029.
    private static func escapeLineSeparators(_ out: inout [UInt8], from start: Int) {
        var result: [UInt8] = []
        var i = start
        result.reserveCapacity(out.count - i + 8)
        while i < out.count {
            if out[i] == 0xE2, i + 2 < out.count, out[i + 1] == 0x80, out[i + 2] == 0xA8 || out[i + 2] == 0xA9 {
                result.append(contentsOf: (out[i + 2] == 0xA8 ? #"\u2028"# : #"\u2029"#).utf8)
                i += 3
            } else {
                result.append(out[i])
                i += 1
            }
        }
        out.replaceSubrange(start..., with: result)
    }
}

extension Substring {
    fileprivate func replacingPlus() -> Substring {
        if hasPrefix("+") { return dropFirst() }
        return self
    }
}
