// Evaluating a parsed JSONPath template (JSONPath.swift) against a JSON value, as client-go's
// jsonpath package does: each node's results, the printed text, filters and comparisons.

extension JSONPath {
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
