// The parser of kubectl's JSONPath templates (JSONPath.swift): template text → JSONPath.Node,
// with client-go's error messages.

/// The template and path grammar, read one Unicode scalar at a time.
struct TemplateParser {
    let input: [Unicode.Scalar]
    let template: String
    var position = 0

    init(_ input: [Unicode.Scalar], template: String) {
        self.input = input
        self.template = template
    }

    func error(_ message: String) -> JSONPathError {
        JSONPathError("error parsing jsonpath \(template), \(message)")
    }

    var atEnd: Bool { position >= input.count }
    var peek: Unicode.Scalar? { atEnd ? nil : input[position] }

    func peek(_ offset: Int) -> Unicode.Scalar? {
        position + offset < input.count ? input[position + offset] : nil
    }

    mutating func skipSpaces() {
        while let c = peek, c == " " || c == "\t" || c == "\n" { position += 1 }
    }

    /// Text and actions up to the end of the template, or up to `{end}` inside a range.
    mutating func parseNodes(untilEnd: Bool) throws(JSONPathError) -> [JSONPath.Node] {
        var nodes: [JSONPath.Node] = []
        var text = ""
        while let c = peek {
            guard c == "{" else {
                text.unicodeScalars.append(c)
                position += 1
                continue
            }
            if !text.isEmpty {
                nodes.append(.text(text))
                text = ""
            }
            position += 1
            skipSpaces()
            if matchWord("end") {
                skipSpaces()
                try expect("}")
                guard untilEnd else { throw error("not in range, nothing to end") }
                return nodes
            }
            if matchWord("range") {
                skipSpaces()
                let path = try parsePath()
                skipSpaces()
                try expect("}")
                nodes.append(.range(path, try parseNodes(untilEnd: true)))
                continue
            }
            if let quote = peek, quote == "\"" || quote == "'" {
                nodes.append(.text(try parseQuoted()))
            } else {
                nodes.append(.path(try parsePath()))
            }
            skipSpaces()
            guard peek == "}" else {
                if atEnd { throw error("unclosed action") }
                throw error("unrecognized character in action: \(describe(peek!))")
            }
            position += 1
        }
        if !text.isEmpty { nodes.append(.text(text)) }
        if untilEnd { throw error("range without end") }
        return nodes
    }

    func describe(_ c: Unicode.Scalar) -> String {
        var hex = String(c.value, radix: 16, uppercase: true)
        while hex.count < 4 { hex = "0" + hex }
        return "U+\(hex) '\(Character(c))'"
    }

    mutating func matchWord(_ word: String) -> Bool {
        let scalars = Array(word.unicodeScalars)
        for (i, s) in scalars.enumerated() where peek(i) != s { return false }
        if let next = peek(scalars.count), next != " " && next != "}" { return false }
        position += scalars.count
        return true
    }

    mutating func expect(_ c: Unicode.Scalar) throws(JSONPathError) {
        guard peek == c else { throw error(atEnd ? "unclosed action" : "unrecognized character in action: \(describe(peek!))") }
        position += 1
    }

    /// A quoted literal with Go's escapes (\n, \t, \", \', \\, \r, \uXXXX).
    mutating func parseQuoted() throws(JSONPathError) -> String {
        let quote = peek!
        position += 1
        var out = ""
        while let c = peek {
            position += 1
            if c == quote { return out }
            guard c == "\\" else {
                out.unicodeScalars.append(c)
                continue
            }
            guard let e = peek else { break }
            position += 1
            switch e {
            case "n": out += "\n"
            case "t": out += "\t"
            case "r": out += "\r"
            case "\\": out += "\\"
            case "\"": out += "\""
            case "'": out += "'"
            case "u":
                var hex = ""
                for _ in 0..<4 {
                    guard let h = peek else { break }
                    hex.unicodeScalars.append(h)
                    position += 1
                }
                guard let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code) else { throw error("invalid escape \\u\(hex)") }
                out.unicodeScalars.append(scalar)
            default:
                throw error("invalid syntax: unknown escape \\\(Character(e))")
            }
        }
        throw error("unterminated quoted string")
    }

    static func isFieldCharacter(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case ".", "[", "]", "{", "}", "(", ")", ",", " ", "\t", "\n", "=", "!", "<", ">", "\"", "'", "@", "$", "*", "?":
            return false
        default:
            return true
        }
    }

    /// `$.a[0]..b`, `@.x`, `.a.b`, `.`; stops at `}`, a space, `)` or a comparison.
    mutating func parsePath() throws(JSONPathError) -> JSONPath.Path {
        var path = JSONPath.Path(fromRoot: false, segments: [])
        if peek == "$" {
            path.fromRoot = true
            position += 1
        } else if peek == "@" {
            position += 1
        }
        while let c = peek {
            if c == "." {
                if peek(1) == "." {
                    position += 2
                    path.segments.append(.recursive)
                    if peek == "*" {
                        position += 1
                        path.segments.append(.wildcard)
                    } else if let next = peek, Self.isFieldCharacter(next) || next == "\\" {
                        path.segments.append(.field(parseFieldName()))
                    }
                    continue
                }
                position += 1
                if peek == "*" {
                    position += 1
                    path.segments.append(.wildcard)
                } else if let next = peek, Self.isFieldCharacter(next) || next == "\\" {
                    path.segments.append(.field(parseFieldName()))
                }
                // A lone `.` is the current value.
                continue
            }
            if c == "[" {
                path.segments.append(try parseBracket())
                continue
            }
            if Self.isFieldCharacter(c) && path.segments.isEmpty && !path.fromRoot {
                // `{name}`: kubectl reads it as `.name`.
                path.segments.append(.field(parseFieldName()))
                continue
            }
            break
        }
        return path
    }

    mutating func parseFieldName() -> String {
        var name = ""
        while let c = peek {
            if c == "\\", let next = peek(1) {
                name.unicodeScalars.append(next)
                position += 2
                continue
            }
            guard Self.isFieldCharacter(c) else { break }
            name.unicodeScalars.append(c)
            position += 1
        }
        return name
    }

    /// `[*]`, `[n]`, `[a:b:c]`, `[a,b]`, `['x']`, `['x','y']`, `[?(...)]`.
    mutating func parseBracket() throws(JSONPathError) -> JSONPath.Segment {
        position += 1
        skipSpaces()
        if peek == "?" {
            position += 1
            try expect("(")
            let filter = try parseFilter()
            try expect(")")
            skipSpaces()
            try expect("]")
            return .filter(filter)
        }
        if peek == "*" {
            position += 1
            skipSpaces()
            try expect("]")
            return .wildcard
        }
        var parts: [JSONPath.Segment] = []
        while true {
            skipSpaces()
            if let quote = peek, quote == "'" || quote == "\"" {
                parts.append(.field(try parseQuoted()))
            } else {
                parts.append(try parseIndexOrSlice())
            }
            skipSpaces()
            if peek == "," {
                position += 1
                continue
            }
            try expect("]")
            break
        }
        return parts.count == 1 ? parts[0] : .union(parts)
    }

    mutating func parseInteger() throws(JSONPathError) -> Int? {
        skipSpaces()
        var text = ""
        if peek == "-" {
            text = "-"
            position += 1
        }
        while let c = peek, c.properties.numericType != nil, c.isASCII {
            text.unicodeScalars.append(c)
            position += 1
        }
        skipSpaces()
        if text.isEmpty { return nil }
        guard let value = Int(text) else { throw error("invalid array index \(text)") }
        return value
    }

    mutating func parseIndexOrSlice() throws(JSONPathError) -> JSONPath.Segment {
        let start = try parseInteger()
        guard peek == ":" else {
            guard let start else {
                throw error(atEnd ? "unterminated array" : "invalid array index \(Character(peek!))")
            }
            return .index(start)
        }
        position += 1
        let end = try parseInteger()
        var step: Int?
        if peek == ":" {
            position += 1
            step = try parseInteger()
        }
        return .slice(start: start, end: end, step: step)
    }

    mutating func parseFilter() throws(JSONPathError) -> JSONPath.Filter {
        skipSpaces()
        let left = try parseOperand()
        skipSpaces()
        var comparison = ""
        while let c = peek, c == "=" || c == "!" || c == "<" || c == ">" {
            comparison.unicodeScalars.append(c)
            position += 1
        }
        guard !comparison.isEmpty else { return JSONPath.Filter(left: left, comparison: nil, right: nil) }
        guard ["==", "!=", "<", "<=", ">", ">="].contains(comparison) else { throw error("unrecognized filter operator \(comparison)") }
        skipSpaces()
        let right = try parseOperand()
        skipSpaces()
        return JSONPath.Filter(left: left, comparison: comparison, right: right)
    }

    mutating func parseOperand() throws(JSONPathError) -> JSONPath.Operand {
        guard let c = peek else { throw error("unclosed filter") }
        if c == "@" || c == "$" || c == "." { return .path(try parsePath()) }
        if c == "'" || c == "\"" { return .literal(.string(try parseQuoted())) }
        var word = ""
        while let d = peek, d != ")" && d != " " && d != "=" && d != "!" && d != "<" && d != ">" {
            word.unicodeScalars.append(d)
            position += 1
        }
        if word == "true" { return .literal(.bool(true)) }
        if word == "false" { return .literal(.bool(false)) }
        if let i = Int64(word) { return .literal(.int(i)) }
        if let d = Double(word) { return .literal(.double(d)) }
        throw error("unrecognized identifier \(word)")
    }
}
