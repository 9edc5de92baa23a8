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
}
