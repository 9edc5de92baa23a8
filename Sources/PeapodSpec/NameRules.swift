// Name and key syntax rules with Kubernetes' exact messages
// (k8s.io/apimachinery/pkg/util/validation and api/validate/content).

enum NameRules {
    static let dns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
    static let dns1123SubdomainFmt = dns1123LabelFmt + "(\\." + dns1123LabelFmt + ")*"
    static let labelKeyFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"

    static func regexError(_ msg: String, _ fmt: String, _ examples: [String]) -> String {
        if examples.isEmpty { return msg + " (regex used for validation is '" + fmt + "')" }
        var m = msg + " (e.g. "
        for (i, e) in examples.enumerated() {
            if i > 0 { m += " or " }
            m += "'" + e + "', "
        }
        return m + "regex used for validation is '" + fmt + "')"
    }

    static func maxLenError(_ n: Int) -> String { "must be no more than \(n) characters" }

    static func matchesLabel(_ s: Substring.UTF8View) -> Bool {
        guard let f = s.first, let l = s.last, ByteClass.isLowerAlnum(f), ByteClass.isLowerAlnum(l) else { return false }
        return s.allSatisfy { ByteClass.isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
    }

    static func matchesSubdomain(_ s: String) -> Bool {
        if s.isEmpty { return false }
        return s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { matchesLabel($0.utf8) }
    }

    static func dns1123Label(_ v: String) -> [String] {
        var errs: [String] = []
        if v.utf8.count > 63 { errs.append(maxLenError(63)) }
        if !matchesLabel(Substring(v).utf8) {
            if matchesSubdomain(v) {
                errs.append("must not contain dots")
            } else {
                errs.append(regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
                                       dns1123LabelFmt, ["my-name", "123-abc"]))
            }
        }
        return errs
    }

    static func dns1123Subdomain(_ v: String) -> [String] {
        var errs: [String] = []
        if v.utf8.count > 253 { errs.append(maxLenError(253)) }
        if !matchesSubdomain(v) {
            errs.append(regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
                                   dns1123SubdomainFmt, ["example.com"]))
        }
        return errs
    }

    static func matchesLabelKeyName(_ s: Substring) -> Bool {
        let u = s.utf8
        guard let f = u.first, let l = u.last, ByteClass.isAlnum(f), ByteClass.isAlnum(l) else { return false }
        return u.allSatisfy { ByteClass.isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    static let labelKeyErrMsg = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"

    /// IsQualifiedName / IsLabelKey.
    static func qualifiedName(_ v: String) -> [String] {
        var errs: [String] = []
        let parts = v.split(separator: "/", omittingEmptySubsequences: false)
        let name: Substring
        switch parts.count {
        case 1: name = parts[0]
        case 2:
            let prefix = String(parts[0])
            name = parts[1]
            if prefix.isEmpty {
                errs.append("prefix part must be non-empty")
            } else {
                errs += dns1123Subdomain(prefix).map { "prefix part " + $0 }
            }
        default:
            return ["a valid label key " + regexError(labelKeyErrMsg, labelKeyFmt, ["MyName", "my.name", "123-abc"])
                    + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
        }
        if name.isEmpty {
            errs.append("name part must be non-empty")
        } else if name.utf8.count > 63 {
            errs.append("name part " + maxLenError(63))
        }
        if !matchesLabelKeyName(name) {
            errs.append("name part " + regexError(labelKeyErrMsg, labelKeyFmt, ["MyName", "my.name", "123-abc"]))
        }
        return errs
    }

    static func labelValue(_ v: String) -> [String] {
        var errs: [String] = []
        if v.utf8.count > 63 { errs.append(maxLenError(63)) }
        if !v.isEmpty && !matchesLabelKeyName(Substring(v)) {
            errs.append(regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
                                   "(" + labelKeyFmt + ")?", ["MyValue", "my_value", "12345"]))
        }
        return errs
    }

    /// IsValidPortName (IANA_SVC_NAME).
    static func portName(_ p: String) -> [String] {
        var errs: [String] = []
        let u = Array(p.utf8)
        if u.count > 15 { errs.append(maxLenError(15)) }
        if u.isEmpty || !u.allSatisfy({ ByteClass.isLowerAlnum($0) || $0 == UInt8(ascii: "-") }) {
            errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
        }
        if !u.contains(where: ByteClass.isLower) { errs.append("must contain at least one letter (a-z)") }
        if p.containsText("--") { errs.append("must not contain consecutive hyphens") }
        if let f = u.first, let l = u.last, f == UInt8(ascii: "-") || l == UInt8(ascii: "-") {
            errs.append("must not begin or end with a hyphen")
        }
        return errs
    }

    static func inclusiveRange(_ lo: Int64, _ hi: Int64) -> String { "must be between \(lo) and \(hi), inclusive" }

    static func portNum(_ p: Int64) -> [String] { (1...65535).contains(p) ? [] : [inclusiveRange(1, 65535)] }

    /// IsRelaxedEnvVarName (RelaxedEnvironmentVariableValidation, on by default since 1.32).
    static func envVarName(_ v: String) -> [String] {
        var errs: [String] = []
        if v.isEmpty { errs.append("environment variable name must be non-empty") }
        for u in v.unicodeScalars where u.value > 0x7E || u.value < 0x20 || u == "=" {
            errs.append("a valid environment variable name must consist only of printable ASCII characters other than '='")
            break
        }
        return errs
    }

    static func configMapKey(_ v: String) -> [String] {
        var errs: [String] = []
        if v.utf8.count > 253 { errs.append(maxLenError(253)) }
        if v.isEmpty || !v.utf8.allSatisfy({ ByteClass.isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }) {
            errs.append(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                                   "[-._a-zA-Z0-9]+", ["key.name", "KEY_NAME", "key-name"]))
        }
        if v == "." { errs.append("must not be '.'") } else if v == ".." { errs.append("must not be '..'") } else if v.hasPrefix("..") {
            errs.append("must not start with '..'")
        }
        return errs
    }

    static func httpHeaderName(_ v: String) -> [String] {
        if !v.isEmpty && v.utf8.allSatisfy({ ByteClass.isAlnum($0) || $0 == UInt8(ascii: "-") }) { return [] }
        return [regexError("a valid HTTP header must consist of alphanumeric characters or '-'", "[-A-Za-z0-9]+", ["X-Header-Name"])]
    }

    /// A textual IPv4 or IPv6 address (as netutils.ParseIPSloppy accepts).
    static func isIP(_ s: String) -> Bool { isIPv4(s) || isIPv6(s) }

    static func isIPv4(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { p in
            !p.isEmpty && p.utf8.count <= 3 && p.utf8.allSatisfy(ByteClass.isDigit) && Int(p)! <= 255
        }
    }

    static func isIPv6(_ s: String) -> Bool {
        guard s.contains(":"), !s.containsText(":::") else { return false }
        var text = Substring(s)
        var groupsNeeded = 8
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard isIPv4(String(text[text.index(after: lastColon)...])) else { return false }
            text = text[...lastColon]
            if text.hasSuffix(":") && !text.hasSuffix("::") { text = text.dropLast() }
            groupsNeeded = 6
        }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return false }
        func groups(_ h: Substring) -> [Substring]? {
            if h.isEmpty { return [] }
            let g = h.split(separator: ":", omittingEmptySubsequences: false)
            for x in g where x.isEmpty || x.count > 4 || !x.allSatisfy({ $0.isHexDigit }) { return nil }
            return g
        }
        if halves.count == 1 {
            guard let g = groups(halves[0]) else { return false }
            return g.count == groupsNeeded
        }
        guard let a = groups(halves[0]), let b = groups(halves[1]) else { return false }
        return a.count + b.count < groupsNeeded
    }
}

extension Substring {
    func components(separatedBy sep: String) -> [Substring] {
        var out: [Substring] = []
        var rest = self[...]
        while let r = rest.rangeOfText(sep) {
            out.append(rest[rest.startIndex..<r.lowerBound])
            rest = rest[r.upperBound...]
        }
        out.append(rest)
        return out
    }
}
