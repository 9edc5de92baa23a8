// JSONValue as JSON text: kubectl's pretty layout or compact, strings escaped as Go's
// encoding/json escapes them (HTML-safe), numbers as Go writes them.

extension JSONValue {
    /// JSON text. `pretty` uses kubectl's layout (4-space indentation, `"key": value`);
    /// compact has no whitespace at all.
    public func serialized(pretty: Bool) -> String {
        String(decoding: serializedBytes(pretty: pretty), as: UTF8.self)
    }

    /// The JSON text as UTF-8. Built as bytes rather than by String appends: a supervisor
    /// re-serialises status and events on every change, and String's per-append bookkeeping
    /// would be most of that work (docs/benchmarks.md).
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
