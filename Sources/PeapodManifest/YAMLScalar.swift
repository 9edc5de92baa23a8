// YAML 1.1 plain scalars as go-yaml v2 resolves them, for the reader (YAMLLoader) and the
// emitter (which quotes a string that would read back as something else).

import PeapodSpec

/// Plain-scalar resolution as go-yaml v2 does it (YAML 1.1: `yes`/`on`/`y` are booleans,
/// `~` is null, `0x1F` and `0o17`/`017` are integers, `1_000` allows underscores, `.inf`).
/// sigs.k8s.io/yaml (used by kubectl and the API server) converts YAML this way.
public enum YAMLScalar {
    /// nil when the plain scalar is a string; otherwise its JSON value.
    public static func resolvePlain(_ s: String) -> JSONValue? {
        switch s {
        case "", "~", "null", "Null", "NULL": return .null
        case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON": return .bool(true)
        case "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        case "<<": return nil
        default: break
        }
        guard let f = s.unicodeScalars.first else { return nil }
        guard f == "+" || f == "-" || f == "." || ("0"..."9").contains(f) else { return nil }
        return resolveNumber(s)
    }

    static func resolveNumber(_ s: String) -> JSONValue? {
        // Integers: go-yaml v2 removes underscores, then tries strconv.ParseInt(plain, 0, 64).
        let plain = s.replacingAll("_", with: "")
        if let i = parseGoInt(plain) { return .int(i) }
        if let u = parseGoUInt(plain) { return .double(Double(u)) }
        // Binary forms "0b1010" (also "-0b").
        if plain.hasPrefix("0b"), let i = Int64(plain.dropFirst(2), radix: 2) { return .int(i) }
        if plain.hasPrefix("-0b"), let i = Int64(plain.dropFirst(3), radix: 2) { return .int(-i) }
        // Floats: YAML 1.1 float regexp, then strconv.ParseFloat.
        if isYAMLFloat(plain), let d = Double(plain) { return .double(d) }
        return nil
    }

    /// strconv.ParseInt(s, 0, 64): sign, then 0x hex, 0o / 0 octal, 0b binary, decimal.
    static func parseGoInt(_ s: String) -> Int64? {
        var body = Substring(s)
        var neg = false
        if body.hasPrefix("+") { body = body.dropFirst() } else if body.hasPrefix("-") { neg = true; body = body.dropFirst() }
        guard !body.isEmpty, !body.hasPrefix("+"), !body.hasPrefix("-") else { return nil }
        var radix = 10
        if body.hasPrefix("0x") || body.hasPrefix("0X") { radix = 16; body = body.dropFirst(2) }
        else if body.hasPrefix("0o") || body.hasPrefix("0O") { radix = 8; body = body.dropFirst(2) }
        else if body.hasPrefix("0b") || body.hasPrefix("0B") { radix = 2; body = body.dropFirst(2) }
        else if body.count > 1 && body.hasPrefix("0") { radix = 8; body = body.dropFirst(1) }
        guard !body.isEmpty, let mag = UInt64(body, radix: radix) else { return nil }
        if neg {
            if mag <= UInt64(Int64.max) { return -Int64(mag) }
            if mag == UInt64(Int64.max) + 1 { return Int64.min }
            return nil
        }
        return mag <= UInt64(Int64.max) ? Int64(mag) : nil
    }

    static func parseGoUInt(_ s: String) -> UInt64? {
        guard !s.hasPrefix("-") else { return nil }
        let body = s.hasPrefix("+") ? String(s.dropFirst()) : s
        guard !body.isEmpty, body.utf8.allSatisfy(ByteClass.isDigit) else { return nil }
        return UInt64(body)
    }

    /// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
    static func isYAMLFloat(_ s: String) -> Bool {
        let u = Array(s.utf8)
        var i = 0
        if i < u.count && (u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-")) { i += 1 }
        func digits() -> Int {
            let st = i
            while i < u.count && ByteClass.isDigit(u[i]) { i += 1 }
            return i - st
        }
        if i < u.count && u[i] == UInt8(ascii: ".") {
            i += 1
            if digits() == 0 { return false }
        } else {
            if digits() == 0 { return false }
            if i < u.count && u[i] == UInt8(ascii: ".") { i += 1; _ = digits() }
        }
        if i < u.count && (u[i] == UInt8(ascii: "e") || u[i] == UInt8(ascii: "E")) {
            i += 1
            if i < u.count && (u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-")) { i += 1 }
            if digits() == 0 { return false }
        }
        return i == u.count
    }
}

extension String {
    /// Every `target` replaced, scalar by scalar: compared as Characters, a quote that a
    /// combining mark follows (`'\u{301}` is one Character) would not be doubled, and a
    /// single-quoted scalar would end early.
    func replacingAll(_ target: Unicode.Scalar, with replacement: String) -> String {
        var out = ""
        for u in unicodeScalars {
            if u == target { out += replacement } else { out.unicodeScalars.append(u) }
        }
        return out
    }
}
