// The only file that imports Yams: YAML text → JSONValue documents, converting scalars the way
// sigs.k8s.io/yaml (go-yaml v2, YAML 1.1 resolution) does for kubectl and the API server.
import PeapodSpec
import Yams

/// A YAML syntax or conversion problem in one document.
struct YAMLLoadError: Error {
    var document: Int
    var line: Int?
    var column: Int?
    var message: String
}

enum YAMLLoader {
    /// Upper bound on nodes produced (protects against alias expansion bombs).
    static let nodeBudget = 2_000_000

    /// Parses every document; `nil` entries are empty/null documents. Document numbers are 1-based.
    static func documents(_ text: String) throws(YAMLLoadError) -> [JSONValue?] {
        var out: [JSONValue?] = []
        let parser: Parser
        do {
            parser = try Parser(yaml: text, resolver: .basic, constructor: .default, encoding: .utf8)
        } catch {
            throw convert(error, document: 1)
        }
        var budget = nodeBudget
        while true {
            let index = out.count + 1
            let node: Node?
            do {
                node = try parser.nextRoot()
            } catch {
                throw convert(error, document: index)
            }
            guard let node else { break }
            out.append(try value(node, document: index, budget: &budget))
        }
        return out
    }

    static func convert(_ error: any Error, document: Int) -> YAMLLoadError {
        guard let e = error as? YamlError else {
            return YAMLLoadError(document: document, message: "yaml: \(error)")
        }
        switch e {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            var msg = problem
            if let context { msg = context.text + " " + problem }
            return YAMLLoadError(document: document, line: mark.line, column: mark.column,
                                 message: "yaml: line \(mark.line), column \(mark.column): \(msg)")
        case let .reader(problem, _, _, _):
            return YAMLLoadError(document: document, message: "yaml: \(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            return YAMLLoadError(document: document, line: context.mark.line, column: context.mark.column,
                                 message: "yaml: line \(context.mark.line), column \(context.mark.column): mapping key "
                                     + duplicates.map { goQuote($0) }.joined(separator: ", ") + " already defined")
        default:
            return YAMLLoadError(document: document, message: "yaml: \(e)")
        }
    }

    static func value(_ node: Node, document: Int, budget: inout Int) throws(YAMLLoadError) -> JSONValue? {
        budget -= 1
        if budget < 0 {
            throw YAMLLoadError(document: document, message: "yaml: document too large (alias expansion exceeds \(nodeBudget) nodes)")
        }
        switch node {
        case .scalar(let s):
            return try scalar(s, document: document)
        case .sequence(let seq):
            var items: [JSONValue] = []
            for n in seq { items.append(try value(n, document: document, budget: &budget) ?? .null) }
            return .array(items)
        case .mapping(let map):
            var obj = JSONObject()
            var merged = JSONObject()
            for (k, v) in map {
                // (Yams resolves key tags to !!str while checking duplicates, so only the style is telling.)
                if case .scalar(let ks) = k, ks.style == .plain, ks.string == "<<" {
                    // Merge keys: a mapping or a sequence of mappings; explicit keys win.
                    let sources: [Node]
                    if case .sequence(let seq) = v { sources = Array(seq) } else { sources = [v] }
                    for src in sources {
                        guard case .object(let o)? = try value(src, document: document, budget: &budget) else {
                            throw YAMLLoadError(document: document, line: src.mark?.line, column: src.mark?.column,
                                                message: "yaml: map merge requires map or sequence of maps as the value")
                        }
                        for e in o.storage where merged[e.key] == nil { merged[e.key] = e.value }
                    }
                    continue
                }
                let key = try keyString(k, document: document)
                obj[key] = try value(v, document: document, budget: &budget) ?? .null
            }
            for e in merged.storage where obj[e.key] == nil { obj[e.key] = e.value }
            return .object(obj)
        case .alias:
            throw YAMLLoadError(document: document, message: "yaml: unresolved alias")
        }
    }

    static func keyString(_ node: Node, document: Int) throws(YAMLLoadError) -> String {
        guard case .scalar(let s) = node else {
            throw YAMLLoadError(document: document, line: node.mark?.line, column: node.mark?.column,
                                message: "yaml: line \(node.mark?.line ?? 0): mapping keys must be scalars")
        }
        // Key tags were resolved to !!str by Yams' duplicate check: resolve plain keys ourselves.
        var plain = s
        // `.basic`: Tag's default resolver argument is Resolver.default, whose first use compiles a
        // dozen ICU regular expressions, about 6% of `peapod run`'s CPU (docs/benchmarks.md).
        if s.style == .plain { plain.tag = Tag(.implicit, .basic) }
        switch try scalar(plain, document: document) {
        case .string(let str)?: return str
        case .int(let i)?: return String(i)
        case .double(let d)?: return JSONValue.formatDouble(d)
        case .bool(let b)?: return b ? "true" : "false"
        case .none, .null?: return "null"
        default: return s.string
        }
    }

    static func scalar(_ s: Node.Scalar, document: Int) throws(YAMLLoadError) -> JSONValue? {
        let tag = s.tag.rawValue
        let text = s.string
        let resolved: JSONValue?
        switch tag {
        case "tag:yaml.org,2002:str", "!":
            return .string(text)
        case "", "?":
            if s.style != .plain { return .string(text) }
            resolved = YAMLScalar.resolvePlain(text)
        case "tag:yaml.org,2002:null":
            return nil
        case "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float":
            resolved = YAMLScalar.resolvePlain(text)
            if resolved == nil {
                throw YAMLLoadError(document: document, line: s.mark?.line, column: s.mark?.column,
                                    message: "yaml: line \(s.mark?.line ?? 0): cannot decode \(goQuote(text)) as \(tag)")
            }
        default:
            resolved = s.style == .plain ? YAMLScalar.resolvePlain(text) : nil
        }
        guard let r = resolved else { return .string(text) }
        switch r {
        case .null: return nil
        case .double(let d):
            guard d.isFinite else {
                throw YAMLLoadError(document: document, line: s.mark?.line, column: s.mark?.column,
                                    message: "yaml: line \(s.mark?.line ?? 0): \(text) cannot be represented in JSON")
            }
            // JSON has one number type: integral floats read as integers (1.0 → 1), as through Go's JSON.
            if d == d.rounded(), abs(d) < 9.2e18 { return .int(Int64(d)) }
            return .double(d)
        default: return r
        }
    }
}
