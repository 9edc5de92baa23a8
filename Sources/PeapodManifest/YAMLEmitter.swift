// Block YAML output in the layout of `kubectl -o yaml` (go-yaml v2 through sigs.k8s.io/yaml):
// two-space indentation, sequences at their parent key's indentation, keys in order, and
// strings quoted only where a plain scalar would read back as something else. For `get -o yaml`
// only, so it lives with the YAML reader in the CLI's module, out of the supervisor.

import PeapodSpec

extension JSONValue {
    /// Block YAML text as `kubectl get -o yaml` prints it (ends with a newline).
    public func yamlText() -> String {
        var out = ""
        switch self {
        case .object(let o) where !o.isEmpty:
            YAMLWriter.mapping(o, indent: 0, inline: false, into: &out)
        case .array(let a) where !a.isEmpty:
            YAMLWriter.sequence(a, indent: 0, inline: false, into: &out)
        default:
            // A literal block's lines are indented even at the top (libyaml and go-yaml read a
            // block scalar's lines at column 0 as the end of the document).
            YAMLWriter.scalarLine(self, indent: 2, into: &out)
        }
        return out
    }
}

enum YAMLWriter {
    static func spaces(_ n: Int) -> String { String(repeating: " ", count: n) }

    static func mapping(_ o: JSONObject, indent: Int, inline: Bool, into out: inout String) {
        var first = true
        for e in o.storage {
            if !(first && inline) { out += spaces(indent) }
            first = false
            out += key(e.key) + ":"
            value(e.value, indent: indent, inSequence: false, into: &out)
        }
    }

    static func sequence(_ a: [JSONValue], indent: Int, inline: Bool, into out: inout String) {
        var first = true
        for v in a {
            if !(first && inline) { out += spaces(indent) }
            first = false
            out += "-"
            value(v, indent: indent, inSequence: true, into: &out)
        }
    }

    /// Writes what follows `key:` or `-` (including the newline).
    static func value(_ v: JSONValue, indent: Int, inSequence: Bool, into out: inout String) {
        switch v {
        case .object(let o) where !o.isEmpty:
            if inSequence {
                out += " "
                mapping(o, indent: indent + 2, inline: true, into: &out)
            } else {
                out += "\n"
                mapping(o, indent: indent + 2, inline: false, into: &out)
            }
        case .array(let a) where !a.isEmpty:
            if inSequence {
                out += " "
                sequence(a, indent: indent + 2, inline: true, into: &out)
            } else {
                out += "\n"
                sequence(a, indent: indent, inline: false, into: &out)
            }
        default:
            out += " "
            scalarLine(v, indent: indent + 2, into: &out)
        }
    }

    static func scalarLine(_ v: JSONValue, indent: Int, into out: inout String) {
        switch v {
        case .null: out += "null\n"
        case .bool(let b): out += b ? "true\n" : "false\n"
        case .int(let i): out += "\(i)\n"
        case .double(let d):
            if d.isNaN { out += ".nan\n" } else if d.isInfinite { out += d < 0 ? "-.inf\n" : ".inf\n" } else {
                out += JSONValue.formatDouble(d) + "\n"
            }
        case .object: out += "{}\n"
        case .array: out += "[]\n"
        case .string(let s):
            if s.contains("\n"), literalBlockAllowed(s) {
                out += s.hasSuffix("\n") ? (s.hasSuffix("\n\n") ? "|+\n" : "|\n") : "|-\n"
                var lines = s.split(separator: "\n", omittingEmptySubsequences: false)
                if s.hasSuffix("\n") { lines.removeLast() }
                for l in lines {
                    if l.isEmpty { out += "\n" } else { out += spaces(indent) + l + "\n" }
                }
            } else {
                out += string(s) + "\n"
            }
        }
    }

    static func key(_ s: String) -> String { string(s) }

    /// A multi-line string can be a literal block when every character is printable and the
    /// first line is neither empty nor starts with a space or tab: a reader takes the block's
    /// indentation from its first line that is not empty, so a later one would lose its leading
    /// spaces, and a block of nothing but line breaks would read back as "". Checked on Unicode
    /// scalars: a space followed by a combining mark is one Character that is not " ".
    static func literalBlockAllowed(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first != " ", first != "\t", first != "\n" else { return false }
        for u in s.unicodeScalars where !isPrintable(u) && u != "\n" { return false }
        for l in s.split(separator: "\n") where l.unicodeScalars.last == " " || l.unicodeScalars.last == "\t" {
            return false
        }
        return true
    }

    /// Whether a character can stand as itself in a scalar. NEL, U+2028 and U+2029 cannot: YAML
    /// 1.1 readers (libyaml, go-yaml) take them as line breaks, so they are escaped.
    static func isPrintable(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0x09, 0x20...0x7E, 0xA0...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF:
            return u.value != 0xFEFF && u.value != 0x2028 && u.value != 0x2029
        default: return false
        }
    }

    /// A string scalar: plain if it reads back as the same string, single-quoted where plain
    /// is not allowed, double-quoted where it would resolve to another type or has
    /// non-printable characters.
    static func string(_ s: String) -> String {
        if s.isEmpty { return "\"\"" }
        if !s.unicodeScalars.allSatisfy({ isPrintable($0) && $0 != "\t" }) || s.contains("\n") {
            return doubleQuoted(s)
        }
        if YAMLScalar.resolvePlain(s) != nil || looksLikeTimestamp(s) || looksLikeBase60(s) { return doubleQuoted(s) }
        if plainAllowed(s) { return s }
        return "'" + s.replacingAll("'", with: "''") + "'"
    }

    /// YAML 1.1 timestamps (`2026-01-02`, `2026-01-02T15:04:05Z`) are quoted, as kubectl does,
    /// so that YAML readers do not turn them into dates.
    static func looksLikeTimestamp(_ s: String) -> Bool {
        let u = Array(s.utf8)
        func digits(_ from: Int, _ min: Int, _ max: Int) -> Int? {
            var i = from
            while i < u.count, i - from < max, ByteClass.isDigit(u[i]) { i += 1 }
            return i - from >= min ? i : nil
        }
        guard let a = digits(0, 4, 4), a < u.count, u[a] == UInt8(ascii: "-"),
              let b = digits(a + 1, 1, 2), b < u.count, u[b] == UInt8(ascii: "-"),
              let c = digits(b + 1, 1, 2) else { return false }
        return c == u.count || u[c] == UInt8(ascii: "T") || u[c] == UInt8(ascii: "t") || u[c] == UInt8(ascii: " ")
    }

    /// YAML 1.1 sexagesimal numbers ("1:20", "-3:25:45.5") are quoted as go-yaml does.
    static func looksLikeBase60(_ s: String) -> Bool {
        var body = Substring(s)
        if body.hasPrefix("-") || body.hasPrefix("+") { body = body.dropFirst() }
        guard let first = body.first, first.isASCII, first.isNumber, body.contains(":") else { return false }
        var parts = body.split(separator: ":", omittingEmptySubsequences: false)
        if let dot = parts.last?.firstIndex(of: ".") {
            let frac = parts[parts.count - 1][parts[parts.count - 1].index(after: dot)...]
            guard frac.utf8.allSatisfy({ ByteClass.isDigit($0) || $0 == UInt8(ascii: "_") }) else { return false }
            parts[parts.count - 1] = parts[parts.count - 1][..<dot]
        }
        guard parts[0].utf8.allSatisfy({ ByteClass.isDigit($0) || $0 == UInt8(ascii: "_") }) else { return false }
        return parts.dropFirst().allSatisfy { p in
            !p.isEmpty && p.utf8.count <= 2 && p.utf8.allSatisfy(ByteClass.isDigit) && (p.utf8.count == 1 || p.first! <= "5")
        }
    }

    static func plainAllowed(_ s: String) -> Bool {
        let u = Array(s.unicodeScalars)
        guard let f = u.first, let l = u.last else { return false }
        if f == " " || l == " " { return false }
        if "-?:".unicodeScalars.contains(f) {
            // "-x" is fine as plain only when the next character is not a space; keep it simple.
            if u.count == 1 { return false }
            if u[1] == " " { return false }
            if f != "-" { return false }
        }
        if ",[]{}#&*!|>'\"%@`".unicodeScalars.contains(f) { return false }
        if s.hasPrefix("---") || s.hasPrefix("...") { return false }
        for i in 0..<u.count {
            let c = u[i]
            if c == ":" && (i + 1 == u.count || u[i + 1] == " ") { return false }
            if c == "#" && i > 0 && u[i - 1] == " " { return false }
        }
        return true
    }

    static func doubleQuoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\0": out += "\\0"
            default:
                if isPrintable(u) {
                    out.unicodeScalars.append(u)
                } else {
                    let h = String(u.value, radix: 16, uppercase: true)
                    if u.value <= 0xFF {
                        out += "\\x" + String(repeating: "0", count: 2 - h.count) + h
                    } else if u.value <= 0xFFFF {
                        out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                    } else {
                        out += "\\U" + String(repeating: "0", count: 8 - h.count) + h
                    }
                }
            }
        }
        return out + "\""
    }
}
