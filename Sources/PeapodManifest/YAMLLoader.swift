// The only file that uses libyaml (the CYAML system library): YAML text → JSONValue documents,
// converting scalars the way sigs.k8s.io/yaml (go-yaml v2, YAML 1.1 resolution) does for kubectl
// and the API server. libyaml's event API gives the structure; composing nodes (anchors,
// aliases, duplicate keys) and resolving scalars is done here.
import CYAML
import PeapodSpec

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

    /// Upper bound on nested collections, counted as newer libyaml's `yaml_set_max_nest_level`
    /// counts them (block indentation levels plus open flow collections).
    static let maxNesting = 1000

    /// Parses every document; `nil` entries are empty/null documents. Document numbers are 1-based.
    /// `nodeBudget` bounds the nodes produced for the whole stream.
    static func documents(_ text: String, nodeBudget: Int = nodeBudget) throws(YAMLLoadError) -> [JSONValue?] {
        var text = text
        let result: Result<[JSONValue?], YAMLLoadError> = text.withUTF8 { bytes in
            var reader = EventReader(bytes)
            defer { reader.close() }
            do throws(YAMLLoadError) {
                return .success(try load(&reader, budget: NodeBudget(limit: nodeBudget)))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Documents in the order libyaml produces them: a syntax error anywhere in a document is
    /// reported before the conversion problems of that document.
    static func load(_ reader: inout EventReader, budget: NodeBudget) throws(YAMLLoadError) -> [JSONValue?] {
        var out: [JSONValue?] = []
        var composer = Composer()
        var budget = budget
        try reader.next(document: 1)  // STREAM-START
        while true {
            let index = out.count + 1
            if try reader.next(document: index) == YAML_STREAM_END_EVENT { break }  // else DOCUMENT-START
            let root = try composer.document(&reader, document: index)
            try reader.next(document: index)  // DOCUMENT-END
            out.append(try composer.tree.value(root, document: index, budget: &budget))
        }
        return out
    }
}

/// Nodes left to produce; aliases count each time they are expanded.
struct NodeBudget {
    let limit: Int
    var left: Int

    init(limit: Int) {
        self.limit = limit
        left = limit
    }

    mutating func spend(document: Int) throws(YAMLLoadError) {
        left -= 1
        if left < 0 {
            throw YAMLLoadError(document: document, message: "yaml: document too large (alias expansion exceeds \(limit) nodes)")
        }
    }
}

// MARK: - Events

/// libyaml's parser over a UTF-8 buffer that outlives it; one event at a time.
struct EventReader {
    let parser: UnsafeMutablePointer<yaml_parser_t>
    var event = yaml_event_t()
    var hasEvent = false

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        parser = .allocate(capacity: 1)
        yaml_parser_initialize(parser)
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(parser, bytes.baseAddress, bytes.count)
    }

    mutating func close() {
        if hasEvent { yaml_event_delete(&event) }
        hasEvent = false
        yaml_parser_delete(parser)
        parser.deallocate()
    }

    /// Reads the next event into `event` and returns its type.
    @discardableResult
    mutating func next(document: Int) throws(YAMLLoadError) -> yaml_event_type_t {
        if hasEvent { yaml_event_delete(&event) }
        hasEvent = false
        guard yaml_parser_parse(parser, &event) == 1, parser.pointee.error == YAML_NO_ERROR else {
            throw parserError(document: document)
        }
        hasEvent = true
        if event.type == YAML_SEQUENCE_START_EVENT || event.type == YAML_MAPPING_START_EVENT {
            try checkNesting(document: document)
        }
        return event.type
    }

    /// libyaml after 0.2.5 limits nesting (`yaml_set_max_nest_level`, 1000 levels by default);
    /// Debian's 0.2.5 does not, so the same check is made here when a block or flow collection
    /// starts, on the parser's own state, and fails with the same message.
    func checkNesting(document: Int) throws(YAMLLoadError) {
        let flow: Bool
        switch parser.pointee.state {
        case YAML_PARSE_FLOW_SEQUENCE_FIRST_ENTRY_STATE, YAML_PARSE_FLOW_MAPPING_FIRST_KEY_STATE: flow = true
        case YAML_PARSE_BLOCK_SEQUENCE_FIRST_ENTRY_STATE, YAML_PARSE_BLOCK_MAPPING_FIRST_KEY_STATE: flow = false
        default: return  // an indentless sequence or a single-pair mapping in a flow sequence
        }
        guard let start = parser.pointee.indents.start, let top = parser.pointee.indents.top,
              start.distance(to: top) >= YAMLLoader.maxNesting - Int(parser.pointee.flow_level) else { return }
        // The problem mark is the collection's first token: `[` or `{` (one character before
        // the event's end) or the zero-width start of a block collection (at the event's end).
        let line = event.end_mark.line + 1
        let column = event.end_mark.column + (flow ? 0 : 1)
        throw YAMLLoadError(document: document, line: line, column: column,
                            message: "yaml: line \(line), column \(column): while parsing "
                                + "Maximum nesting level reached, set with yaml_set_max_nest_level())")
    }

    func parserError(document: Int) -> YAMLLoadError {
        let p = parser.pointee
        let problem = p.problem.map { String(cString: $0) } ?? ""
        switch p.error {
        case YAML_SCANNER_ERROR, YAML_PARSER_ERROR:
            let line = p.problem_mark.line + 1
            let column = p.problem_mark.column + 1
            var message = problem
            if let context = p.context { message = String(cString: context) + " " + problem }
            return YAMLLoadError(document: document, line: line, column: column,
                                 message: "yaml: line \(line), column \(column): \(message)")
        case YAML_READER_ERROR:
            return YAMLLoadError(document: document, message: "yaml: \(problem)")
        default:
            return YAMLLoadError(document: document, message: "yaml: Memory error")
        }
    }

    /// The current event's start mark, 1-based.
    var mark: (line: Int, column: Int) { (event.start_mark.line + 1, event.start_mark.column + 1) }

    /// An anchor or tag (NUL-terminated; nil when absent).
    static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }
}

// MARK: - Nodes

/// One node of the representation graph. Aliases are references to the anchored node's index,
/// so that an aliased subtree is shared, as in the YAML model, and expanded on conversion.
struct YAMLNode {
    enum Kind { case scalar, sequence, mapping }
    var kind: Kind
    /// Scalars: written without quotes or block indicators.
    var plain = false
    var line: Int
    var column: Int
    /// The tag as written, expanded by libyaml ("tag:yaml.org,2002:int", "!", "!local");
    /// "" when there is none, and "tag:yaml.org,2002:str" for untagged non-plain scalars.
    var tag: String
    var text = ""
    /// Sequence items; mapping keys and values alternating.
    var children: [Int] = []
    /// Nested collections, aliases expanded: 0 for a scalar.
    var depth = 0
}

/// Builds the nodes of each document from libyaml's events. Anchors stay defined across the
/// documents of a stream, and an anchor is defined once its node is complete.
struct Composer {
    var tree = YAMLTree()
    var anchors: [String: Int] = [:]

    private struct Open {
        var node: YAMLNode
        var anchor: String?

        /// A collection from its start event (an implicit tag counts as none).
        init(_ kind: YAMLNode.Kind, line: Int, column: Int, implicit: Int32,
             tag: UnsafeMutablePointer<yaml_char_t>?, anchor: UnsafeMutablePointer<yaml_char_t>?) {
            node = YAMLNode(kind: kind, line: line, column: column, tag: implicit != 0 ? "" : EventReader.string(tag) ?? "")
            self.anchor = EventReader.string(anchor)
        }
    }

    /// Reads the events of one document's root node and returns its index.
    mutating func document(_ reader: inout EventReader, document: Int) throws(YAMLLoadError) -> Int {
        var open: [Open] = []
        while true {
            let type = try reader.next(document: document)
            let (line, column) = reader.mark
            var complete: Int
            switch type {
            case YAML_ALIAS_EVENT:
                let name = EventReader.string(reader.event.data.alias.anchor) ?? ""
                guard let target = anchors[name] else {
                    throw YAMLLoadError(document: document, line: line, column: column,
                                        message: "yaml: line \(line), column \(column): found undefined alias")
                }
                complete = target
            case YAML_SCALAR_EVENT:
                let s = reader.event.data.scalar
                let text = String(decoding: UnsafeBufferPointer(start: s.value, count: s.length), as: UTF8.self)
                let tag = s.quoted_implicit == 1 ? YAMLTree.strTag : EventReader.string(s.tag) ?? ""
                complete = tree.append(YAMLNode(kind: .scalar, plain: s.style == YAML_PLAIN_SCALAR_STYLE,
                                                line: line, column: column, tag: tag, text: text))
                if let anchor = EventReader.string(s.anchor) { anchors[anchor] = complete }
            case YAML_SEQUENCE_START_EVENT:
                let s = reader.event.data.sequence_start
                open.append(Open(.sequence, line: line, column: column, implicit: s.implicit, tag: s.tag, anchor: s.anchor))
                continue
            case YAML_MAPPING_START_EVENT:
                let m = reader.event.data.mapping_start
                open.append(Open(.mapping, line: line, column: column, implicit: m.implicit, tag: m.tag, anchor: m.anchor))
                continue
            default:  // SEQUENCE-END or MAPPING-END: the parser allows no other event here
                guard let done = open.popLast() else { continue }
                var node = done.node
                // The parser bounds how deeply a document nests, but an alias to a deep node
                // inside another deep node nests deeper, without bound: converting such a tree
                // (and writing or decoding the result) recursed until the stack ran out. The same
                // bound holds with aliases expanded.
                var deepest = 0
                for c in node.children { deepest = max(deepest, tree.nodes[c].depth) }
                node.depth = 1 + deepest
                if node.depth > YAMLLoader.maxNesting {
                    throw YAMLLoadError(document: document, line: node.line, column: node.column,
                                        message: "yaml: line \(node.line), column \(node.column): aliases nest "
                                            + "this collection deeper than \(YAMLLoader.maxNesting) levels")
                }
                if node.kind == .mapping { try tree.checkDuplicateKeys(node.children, document: document) }
                complete = tree.append(node)
                if let anchor = done.anchor { anchors[anchor] = complete }
            }
            guard !open.isEmpty else { return complete }
            open[open.count - 1].node.children.append(complete)
        }
    }
}

struct YAMLTree {
    static let strTag = "tag:yaml.org,2002:str"
    var nodes: [YAMLNode] = []
    /// Per node, a number that equal keys share (-1 until needed), and the numbers given out.
    /// Kept per node so that an aliased subtree is looked at once however often it is
    /// referenced: spelled out as text, the identity of a key made of nested aliases grew
    /// exponentially (a 442-byte manifest made keys of 10^9 nodes).
    private var identities: [Int] = []
    private var interned: [IdentityKey: Int] = [:]
    /// The order of two keys by their identities, once compared (nested aliases would make the
    /// comparison exponential too).
    private let order = OrderCache()

    private enum IdentityKey: Hashable {
        case scalar(tag: String, text: String)
        case collection(mapping: Bool, tag: String, children: [Int])
    }

    private struct OrderedPair: Hashable {
        var first: Int
        var second: Int
    }

    private final class OrderCache {
        var known: [OrderedPair: Bool] = [:]
    }

    mutating func append(_ node: YAMLNode) -> Int {
        nodes.append(node)
        return nodes.count - 1
    }

    // MARK: Duplicate keys

    /// Keys are the same when their text and tag are (an untagged or "!" scalar is a string, as in
    /// the failsafe schema, so `1` and `"1"` are the same key and `!!int 1` another one);
    /// collections when their tags and members are. The message lists the duplicated keys in
    /// order, at the first occurrence of the first one.
    mutating func checkDuplicateKeys(_ children: [Int], document: Int) throws(YAMLLoadError) {
        let count = children.count / 2
        guard count > 1 else { return }
        var first: [Int: Int] = [:]  // identity → first key with it
        var duplicated: [Int] = []
        first.reserveCapacity(count)
        for k in stride(from: 0, to: children.count, by: 2) {
            let key = children[k]
            let id = identity(key)
            if let earlier = first[id] {
                if !duplicated.contains(earlier) { duplicated.append(earlier) }
            } else {
                first[id] = key
            }
        }
        guard !duplicated.isEmpty else { return }
        // Stable, so equal keys keep their order of appearance.
        let keys = duplicated.enumerated().sorted { a, b in
            if precedes(a.element, b.element) { return true }
            if precedes(b.element, a.element) { return false }
            return a.offset < b.offset
        }.map(\.element)
        let node = nodes[keys[0]]
        throw YAMLLoadError(document: document, line: node.line, column: node.column,
                            message: "yaml: line \(node.line), column \(node.column): mapping key "
                                + keys.map { goQuote(keyText($0)) }.joined(separator: ", ") + " already defined")
    }

    /// The tag a key compares with: an untagged or "!" node has its kind's default tag.
    func resolvedTag(_ node: YAMLNode) -> String {
        guard node.tag.isEmpty || node.tag == "!" else { return node.tag }
        switch node.kind {
        case .scalar: return YAMLTree.strTag
        case .sequence: return "tag:yaml.org,2002:seq"
        case .mapping: return "tag:yaml.org,2002:map"
        }
    }

    /// A number that is equal for equal keys: the resolved tag, then the text or the members.
    mutating func identity(_ index: Int) -> Int {
        if index < identities.count, identities[index] >= 0 { return identities[index] }
        let node = nodes[index]
        let tag = resolvedTag(node)
        let key: IdentityKey
        switch node.kind {
        case .scalar:
            key = .scalar(tag: tag, text: node.text)
        case .sequence, .mapping:
            var members: [Int] = []
            members.reserveCapacity(node.children.count)
            for c in node.children { members.append(identity(c)) }
            key = .collection(mapping: node.kind == .mapping, tag: tag, children: members)
        }
        let id: Int
        if let known = interned[key] {
            id = known
        } else {
            id = interned.count
            interned[key] = id
        }
        if identities.count <= index { identities += repeatElement(-1, count: index + 1 - identities.count) }
        identities[index] = id
        return id
    }

    /// The order of duplicated keys in the message: scalars by text, collections by their
    /// members; a scalar and a collection are unordered. Only for keys whose identities are known.
    func precedes(_ a: Int, _ b: Int) -> Bool {
        let pair = OrderedPair(first: identities[a], second: identities[b])
        if pair.first == pair.second { return false }
        if let known = order.known[pair] { return known }
        let x = nodes[a], y = nodes[b]
        let result: Bool
        switch (x.kind, y.kind) {
        case (.scalar, .scalar):
            result = x.text < y.text
        case (.sequence, .sequence):
            result = lexicographicallyPrecedes(x.children, y.children, step: 1)
        case (.mapping, .mapping):
            result = lexicographicallyPrecedes(x.children, y.children, step: 2)  // by keys
        default:
            result = false
        }
        order.known[pair] = result
        return result
    }

    func lexicographicallyPrecedes(_ a: [Int], _ b: [Int], step: Int) -> Bool {
        for (x, y) in zip(stride(from: 0, to: a.count, by: step), stride(from: 0, to: b.count, by: step)) {
            if precedes(a[x], b[y]) { return true }
            if precedes(b[y], a[x]) { return false }
        }
        return a.count < b.count
    }

    /// A duplicated key in the message: a scalar's text; a mapping with a `!!value` key stands
    /// for that key's value.
    func keyText(_ index: Int) -> String {
        let node = nodes[index]
        switch node.kind {
        case .scalar:
            return node.text
        case .mapping:
            for k in stride(from: 0, to: node.children.count, by: 2)
            where nodes[node.children[k]].tag == "tag:yaml.org,2002:value" {
                return keyText(node.children[k + 1])
            }
            return "<uncovertable>"
        case .sequence:
            return "<uncovertable>"
        }
    }

    // MARK: Conversion

    func value(_ index: Int, document: Int, budget: inout NodeBudget) throws(YAMLLoadError) -> JSONValue? {
        try budget.spend(document: document)
        let node = nodes[index]
        switch node.kind {
        case .scalar:
            return try scalar(node, tag: node.tag, document: document)
        case .sequence:
            var items: [JSONValue] = []
            items.reserveCapacity(node.children.count)
            for n in node.children { items.append(try value(n, document: document, budget: &budget) ?? .null) }
            return .array(items)
        case .mapping:
            var obj = JSONObject()
            var merged = JSONObject()
            for k in stride(from: 0, to: node.children.count, by: 2) {
                let key = nodes[node.children[k]], v = node.children[k + 1]
                if key.kind == .scalar, key.plain, key.text == "<<" {
                    // Merge keys: a mapping or a sequence of mappings; explicit keys win.
                    let sources = nodes[v].kind == .sequence ? nodes[v].children : [v]
                    for src in sources {
                        guard case .object(let o)? = try value(src, document: document, budget: &budget) else {
                            throw YAMLLoadError(document: document, line: nodes[src].line, column: nodes[src].column,
                                                message: "yaml: map merge requires map or sequence of maps as the value")
                        }
                        for e in o.storage where merged[e.key] == nil { merged[e.key] = e.value }
                    }
                    continue
                }
                let name = try keyString(key, document: document)
                obj[name] = try value(v, document: document, budget: &budget) ?? .null
            }
            for e in merged.storage where obj[e.key] == nil { obj[e.key] = e.value }
            return .object(obj)
        }
    }

    func keyString(_ node: YAMLNode, document: Int) throws(YAMLLoadError) -> String {
        guard node.kind == .scalar else {
            throw YAMLLoadError(document: document, line: node.line, column: node.column,
                                message: "yaml: line \(node.line): mapping keys must be scalars")
        }
        // A plain key resolves by its text alone, whatever its tag.
        switch try scalar(node, tag: node.plain ? "" : node.tag, document: document) {
        case .string(let str)?: return str
        case .int(let i)?: return String(i)
        case .double(let d)?: return JSONValue.formatDouble(d)
        case .bool(let b)?: return b ? "true" : "false"
        case .none, .null?: return "null"
        default: return node.text
        }
    }

    func scalar(_ s: YAMLNode, tag: String, document: Int) throws(YAMLLoadError) -> JSONValue? {
        let text = s.text
        let resolved: JSONValue?
        switch tag {
        case YAMLTree.strTag, "!":
            return .string(text)
        case "", "?":
            if !s.plain { return .string(text) }
            resolved = YAMLScalar.resolvePlain(text)
        case "tag:yaml.org,2002:null":
            return nil
        case "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float":
            resolved = YAMLScalar.resolvePlain(text)
            if resolved == nil {
                throw YAMLLoadError(document: document, line: s.line, column: s.column,
                                    message: "yaml: line \(s.line): cannot decode \(goQuote(text)) as \(tag)")
            }
        default:
            resolved = s.plain ? YAMLScalar.resolvePlain(text) : nil
        }
        guard let r = resolved else { return .string(text) }
        switch r {
        case .null: return nil
        case .double(let d):
            guard d.isFinite else {
                throw YAMLLoadError(document: document, line: s.line, column: s.column,
                                    message: "yaml: line \(s.line): \(text) cannot be represented in JSON")
            }
            // JSON has one number type: integral floats read as integers (1.0 → 1), as through Go's JSON.
            if d == d.rounded(), abs(d) < 9.2e18 { return .int(Int64(d)) }
            return .double(d)
        default: return r
        }
    }
}
