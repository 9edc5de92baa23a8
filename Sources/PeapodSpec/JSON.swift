// A small JSON value type, with its own strict parser (JSONParser.swift) and serializer
// (JSONSerialization.swift). Foundation-free: the per-pod supervisor links this module, and
// Foundation would put all of itself into it (CONTRIBUTING.md).

/// A JSON value. Integers that fit in Int64 stay integers; other numbers are doubles.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d == d.rounded() && abs(d) < 9.2e18: return Int64(d)
        default: return nil
        }
    }
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var objectValue: JSONObject? { if case .object(let o) = self { return o }; return nil }
    public var isNull: Bool { if case .null = self { return true }; return false }

    /// The JSON type name used in error messages ("string", "integer", "object", ...).
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// Member access for objects (nil for other values or a missing key).
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }
}

/// A JSON object that keeps the insertion order of its keys.
public struct JSONObject: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: JSONValue
        public init(key: String, value: JSONValue) { self.key = key; self.value = value }
    }
    public private(set) var storage: [Entry] = []

    public init() {}
    public init(_ pairs: [(String, JSONValue)]) {
        for (k, v) in pairs { self[k] = v }
    }

    /// Entries in insertion order.
    public var entries: [(key: String, value: JSONValue)] { storage.map { ($0.key, $0.value) } }
    public var keys: [String] { storage.map(\.key) }
    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.isEmpty }

    /// Get or set by key; setting nil removes the key, setting an existing key keeps its position.
    public subscript(key: String) -> JSONValue? {
        get {
            for e in storage where e.key == key { return e.value }
            return nil
        }
        set {
            if let i = storage.firstIndex(where: { $0.key == key }) {
                if let v = newValue { storage[i].value = v } else { storage.remove(at: i) }
            } else if let v = newValue {
                storage.append(Entry(key: key, value: v))
            }
        }
    }

    /// Appends without checking for an existing key (used by the parser, which checks itself).
    mutating func appendUnchecked(_ key: String, _ value: JSONValue) {
        storage.append(Entry(key: key, value: value))
    }

    init(reservingCapacity capacity: Int) {
        storage.reserveCapacity(capacity)
    }

    /// Byte-wise order of the keys' UTF-8 (Go's order of map keys), not String's `<`, which
    /// compares Unicode-normalised characters.
    static func utf8Precedes(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let n = min(x.count, y.count)
                var i = 0
                while i < n {
                    if x[i] != y[i] { return x[i] < y[i] }
                    i &+= 1
                }
                return x.count < y.count
            }
        }
    }
}

extension Array where Element == JSONObject.Entry {
    var isSortedByUTF8Key: Bool {
        var i = 1
        while i < count {
            if JSONObject.utf8Precedes(self[i].key, self[i &- 1].key) { return false }
            i &+= 1
        }
        return true
    }
}
