// kubectl's JSONPath dialect (k8s.io/client-go/util/jsonpath) over JSONValue: the templates of
// `-o jsonpath=`, the columns of `-o custom-columns=`, `--sort-by` and `wait --for=jsonpath=`.
//
//   text {.a.b} text          text is printed as it is; each {...} prints its results, separated
//                             by spaces (strings raw, numbers and booleans as Go prints them,
//                             objects and arrays as compact JSON)
//   $ / @ / .                 the root / the current object (in a filter or range) / a child
//   .name ['name'] ["a.b"]    a field; `\.` escapes a dot in a dotted name
//   [n] [-n] [a:b] [a:b:c]    an index or a slice of an array ([*] or .* for every element)
//   [a,b] ['x','y']           unions
//   ..name                    recursive descent: `name` at any depth
//   [?(@.k=="v")]             filters with == != < <= > >= against a literal or a path, or
//                             [?(@.k)] for existence
//   {range .items[*]}…{end}   the template between them for each result
//   {"\n"} {'\t'}             a quoted literal, with Go's escapes
//
// Missing keys print nothing (kubectl's --allow-missing-template-keys=true), unless
// `allowMissingKeys` is false; an index outside an array is an error, as in client-go.

public struct JSONPathError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public struct JSONPath: Sendable, Equatable {
    /// One step of a path.
    public indirect enum Segment: Sendable, Equatable {
        case field(String)
        case wildcard
        /// `..`: the value and all its descendants; the next segment applies to each.
        case recursive
        case index(Int)
        case slice(start: Int?, end: Int?, step: Int?)
        case union([Segment])
        case filter(Filter)
    }

    /// A path from the root (`$`) or from the current value (`.`, `@`).
    public struct Path: Sendable, Equatable {
        public var fromRoot: Bool
        public var segments: [Segment]
    }

    public enum Operand: Sendable, Equatable {
        case path(Path)
        case literal(JSONValue)
    }

    public struct Filter: Sendable, Equatable {
        public var left: Operand
        /// nil: the left path must exist.
        public var comparison: String?
        public var right: Operand?
    }

    public indirect enum Node: Sendable, Equatable {
        case text(String)
        case path(Path)
        case range(Path, [Node])
    }

    public var nodes: [Node]
    public let template: String

    /// Parses a template such as `{range .items[*]}{.metadata.name}{"\n"}{end}`.
    public init(parsing template: String) throws(JSONPathError) {
        self.template = template
        var parser = TemplateParser(Array(template.unicodeScalars), template: template)
        nodes = try parser.parseNodes(untilEnd: false)
    }

    /// kubectl's RelaxedJSONPathExpression, for custom columns and --sort-by: `.a.b`, `a.b`,
    /// `{.a.b}` and `{a.b}` all mean `{.a.b}`.
    public static func relaxed(_ expression: String) throws(JSONPathError) -> JSONPath {
        var body = Substring(expression)
        if body.hasPrefix("{") && body.hasSuffix("}") { body = body.dropFirst().dropLast() }
        guard !body.isEmpty else { throw JSONPathError("unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'") }
        if body.first != "." && body.first != "$" && body.first != "[" { body = "." + body }
        return try JSONPath(parsing: "{" + body + "}")
    }

    // MARK: - Evaluation

    /// The results of each node, as client-go's FindResults gives them (a range's nodes are
    /// flattened, each of its passes in turn).
    public func findResults(_ root: JSONValue, allowMissingKeys: Bool = true) throws(JSONPathError) -> [[JSONValue]] {
        var out: [[JSONValue]] = []
        try walk(nodes, root: root, current: root, allowMissingKeys: allowMissingKeys) { node in
            if case let .values(values) = node { out.append(values) }
        }
        return out
    }

    /// The text the template prints.
    public func execute(_ root: JSONValue, allowMissingKeys: Bool = true) throws(JSONPathError) -> String {
        var out = ""
        try walk(nodes, root: root, current: root, allowMissingKeys: allowMissingKeys) { piece in
            switch piece {
            case let .text(text): out += text
            case let .values(values): out += values.map(Self.text).joined(separator: " ")
            }
        }
        return out
    }

    enum Piece {
        case text(String)
        case values([JSONValue])
    }

    func walk(_ nodes: [Node], root: JSONValue, current: JSONValue, allowMissingKeys: Bool,
              _ emit: (Piece) -> Void) throws(JSONPathError) {
        for node in nodes {
            switch node {
            case let .text(text):
                emit(.text(text))
            case let .path(path):
                emit(.values(try Self.evaluate(path, root: root, current: current, allowMissingKeys: allowMissingKeys)))
            case let .range(path, body):
                for value in try Self.evaluate(path, root: root, current: current, allowMissingKeys: allowMissingKeys) {
                    try walk(body, root: root, current: value, allowMissingKeys: allowMissingKeys, emit)
                }
            }
        }
    }

    /// How a result prints: strings raw, numbers and booleans as Go's fmt does, null as
    /// "null", objects and arrays as compact JSON.
    public static func text(_ value: JSONValue) -> String {
        switch value {
        case let .string(s): return s
        case let .int(i): return String(i)
        case let .double(d): return JSONValue.formatDouble(d)
        case let .bool(b): return b ? "true" : "false"
        case .null: return "null"
        case .array, .object: return value.serialized(pretty: false)
        }
    }

    public static func evaluate(_ path: Path, root: JSONValue, current: JSONValue,
                                allowMissingKeys: Bool = true) throws(JSONPathError) -> [JSONValue] {
        var values = [path.fromRoot ? root : current]
        for segment in path.segments {
            values = try apply(segment, to: values, root: root, allowMissingKeys: allowMissingKeys)
        }
        return values
    }

    static func apply(_ segment: Segment, to values: [JSONValue], root: JSONValue,
                      allowMissingKeys: Bool) throws(JSONPathError) -> [JSONValue] {
        var out: [JSONValue] = []
        for value in values {
            switch segment {
            case let .field(name):
                if let found = value[name] {
                    out.append(found)
                } else if !allowMissingKeys {
                    throw JSONPathError("\(name) is not found")
                }
            case .wildcard:
                if case let .object(object) = value { out += object.storage.map(\.value) }
                if case let .array(array) = value { out += array }
            case .recursive:
                descendants(value, into: &out)
            case let .index(index):
                guard case let .array(array) = value else { continue }
                let i = index < 0 ? index + array.count : index
                guard i >= 0, i < array.count else {
                    throw JSONPathError("array index out of bounds: index \(index), length \(array.count)")
                }
                out.append(array[i])
            case let .slice(start, end, step):
                guard case let .array(array) = value else { continue }
                let n = array.count
                func clamp(_ v: Int) -> Int { min(max(v < 0 ? v + n : v, 0), n) }
                let from = clamp(start ?? 0)
                let to = clamp(end ?? n)
                let by = step ?? 1
                guard by > 0 else { throw JSONPathError("step must be > 0") }
                var i = from
                while i < to {
                    out.append(array[i])
                    i += by
                }
            case let .union(parts):
                for part in parts { out += try apply(part, to: [value], root: root, allowMissingKeys: allowMissingKeys) }
            case let .filter(filter):
                guard case let .array(array) = value else { continue }
                for element in array where try holds(filter, element, root: root) { out.append(element) }
            }
        }
        return out
    }

    static func descendants(_ value: JSONValue, into out: inout [JSONValue]) {
        out.append(value)
        switch value {
        case let .object(object): for entry in object.storage { descendants(entry.value, into: &out) }
        case let .array(array): for element in array { descendants(element, into: &out) }
        default: break
        }
    }

    static func operand(_ operand: Operand, _ current: JSONValue, root: JSONValue) throws(JSONPathError) -> [JSONValue] {
        switch operand {
        case let .literal(value): return [value]
        case let .path(path): return try evaluate(path, root: root, current: current)
        }
    }

    static func holds(_ filter: Filter, _ element: JSONValue, root: JSONValue) throws(JSONPathError) -> Bool {
        let left = try operand(filter.left, element, root: root)
        guard let comparison = filter.comparison, let rightOperand = filter.right else {
            return !left.isEmpty && left.contains { $0 != .null }
        }
        let right = try operand(rightOperand, element, root: root)
        guard let a = left.first, let b = right.first else { return false }
        switch comparison {
        case "==": return equal(a, b)
        case "!=": return !equal(a, b)
        default:
            guard let order = compare(a, b) else { return false }
            switch comparison {
            case "<": return order < 0
            case "<=": return order <= 0
            case ">": return order > 0
            case ">=": return order >= 0
            default: return false
            }
        }
    }

    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if let x = a.doubleValue, let y = b.doubleValue { return x == y }
        return a == b
    }

    /// -1, 0, 1 for two numbers or two strings; nil for anything else.
    public static func compare(_ a: JSONValue, _ b: JSONValue) -> Int? {
        if let x = a.doubleValue, let y = b.doubleValue { return x < y ? -1 : (x > y ? 1 : 0) }
        if let x = a.stringValue, let y = b.stringValue { return x < y ? -1 : (x > y ? 1 : 0) }
        return nil
    }
}

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
