// Decoding JSON trees into API types with field paths and strict unknown-field detection, and
// encoding them back with the API server's omission rules. Mirrors Go's encoding/json on the
// Kubernetes types: value fields take their zero value when absent or null; pointer fields are
// Swift optionals; `omitempty` fields are left out when zero/empty.

/// Collects decoding problems for one document.
final class DecodeContext {
    var errors: [FieldError] = []
    func typeError(_ path: String, expected: String, got: JSONValue) {
        errors.append(FieldError(.typeMismatch, path, value: got, detail: expected))
    }
}

/// A type that can be decoded from and encoded to a Kubernetes JSON tree.
protocol KubeCodable {
    /// Decodes `v` (never `.null`); returns nil after recording a type error.
    static func decode(_ v: JSONValue, path: String, ctx: DecodeContext) -> Self?
    func encoded() -> JSONValue
    /// Whether `omitempty` leaves this value out.
    var isEmptyValue: Bool { get }
}

extension KubeCodable {
    var isEmptyValue: Bool { false }
}

/// Struct-shaped types decode from an object through an `ObjectReader`.
protocol KubeObject: KubeCodable {
    init(_ r: ObjectReader)
    func encodeFields(_ w: inout ObjectWriter)
}

extension KubeObject {
    static func decode(_ v: JSONValue, path: String, ctx: DecodeContext) -> Self? {
        guard case .object(let o) = v else {
            ctx.typeError(path, expected: "object", got: v)
            return nil
        }
        let r = ObjectReader(o, path: path, ctx: ctx)
        let value = Self(r)
        r.finish()
        return value
    }
    func encoded() -> JSONValue {
        var w = ObjectWriter()
        encodeFields(&w)
        return .object(w.object)
    }
}

/// Reads the fields of one JSON object; every key not read is reported as unknown.
final class ObjectReader {
    let object: JSONObject
    let path: String
    let ctx: DecodeContext
    /// Which of the object's entries were read, by position. A decoder asks for every field
    /// its type has, present or not; only the object's own keys need a mark, where a set of
    /// every name asked for would hash and grow at every field (docs/benchmarks.md).
    private var used: [Bool]

    init(_ object: JSONObject, path: String, ctx: DecodeContext) {
        self.object = object
        self.path = path
        self.ctx = ctx
        used = [Bool](repeating: false, count: object.count)
    }

    func sub(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    /// Marks the entries with this key as read; returns the first one's position.
    private func mark(_ key: String) -> Int? {
        var first: Int?
        for (i, e) in object.storage.enumerated() where e.key == key {
            used[i] = true
            if first == nil { first = i }
        }
        return first
    }

    /// The raw value of a key (nil when absent or null), marking the key as known.
    func raw(_ key: String) -> JSONValue? {
        guard let i = mark(key) else { return nil }
        let v = object.storage[i].value
        return v.isNull ? nil : v
    }

    func has(_ key: String) -> Bool { object[key] != nil }

    func opt<T: KubeCodable>(_ key: String, _: T.Type = T.self) -> T? {
        guard let v = raw(key) else { return nil }
        return T.decode(v, path: sub(key), ctx: ctx)
    }

    func value<T: KubeCodable & ZeroValue>(_ key: String, _: T.Type = T.self) -> T {
        opt(key) ?? T.zero
    }

    func list<T: KubeCodable>(_ key: String, _: T.Type = T.self) -> [T] {
        guard let v = raw(key) else { return [] }
        guard case .array(let a) = v else {
            ctx.typeError(sub(key), expected: "array", got: v)
            return []
        }
        var out: [T] = []
        for (i, item) in a.enumerated() {
            let p = sub(key) + "[\(i)]"
            if item.isNull {
                if let z = (T.self as? any ZeroValue.Type)?.zeroAny as? T { out.append(z) }
                continue
            }
            if let d = T.decode(item, path: p, ctx: ctx) { out.append(d) }
        }
        return out
    }

    func map<T: KubeCodable>(_ key: String, _: T.Type = T.self) -> [String: T] {
        guard let v = raw(key) else { return [:] }
        guard case .object(let o) = v else {
            ctx.typeError(sub(key), expected: "object", got: v)
            return [:]
        }
        var out: [String: T] = [:]
        for e in o.storage {
            if e.value.isNull { continue }
            if let d = T.decode(e.value, path: sub(key) + "." + e.key, ctx: ctx) { out[e.key] = d }
        }
        return out
    }

    /// Marks keys as known without decoding them (used for inline raw members).
    func markUsed(_ keys: [String]) { for k in keys { _ = mark(k) } }

    func finish() {
        for (i, e) in object.storage.enumerated() where !used[i] {
            ctx.errors.append(FieldError(.unknownField, sub(e.key)))
        }
    }
}

/// Builds a JSON object with the API server's omission rules.
struct ObjectWriter {
    var object = JSONObject()

    /// Always written (Go field without omitempty).
    mutating func always<T: KubeCodable>(_ key: String, _ v: T) { object[key] = v.encoded() }
    /// Written unless zero/empty (omitempty).
    mutating func omitEmpty<T: KubeCodable>(_ key: String, _ v: T) {
        if !v.isEmptyValue { object[key] = v.encoded() }
    }
    /// Written when set (pointer fields).
    mutating func opt<T: KubeCodable>(_ key: String, _ v: T?) {
        if let v { object[key] = v.encoded() }
    }
    mutating func list<T: KubeCodable>(_ key: String, _ v: [T], always: Bool = false) {
        if !v.isEmpty || always { object[key] = .array(v.map { $0.encoded() }) }
    }
    /// Maps are written with sorted keys, as Go's encoding/json does.
    mutating func map<T: KubeCodable>(_ key: String, _ v: [String: T]) {
        if v.isEmpty { return }
        var o = JSONObject()
        for k in v.keys.sorted() { o.appendUnchecked(k, v[k]!.encoded()) }
        object[key] = .object(o)
    }
    mutating func raw(_ key: String, _ v: JSONValue?) { if let v { object[key] = v } }
}

/// Types with a Go zero value.
protocol ZeroValue {
    static var zero: Self { get }
}
extension ZeroValue {
    static var zeroAny: Any { zero }
}

// MARK: - Primitive conformances

extension String: KubeCodable, ZeroValue {
    static var zero: String { "" }
    static func decode(_ v: JSONValue, path: String, ctx: DecodeContext) -> String? {
        if case .string(let s) = v { return s }
        ctx.typeError(path, expected: "string", got: v)
        return nil
    }
    func encoded() -> JSONValue { .string(self) }
    var isEmptyValue: Bool { isEmpty }
}

extension Bool: KubeCodable, ZeroValue {
    static var zero: Bool { false }
    static func decode(_ v: JSONValue, path: String, ctx: DecodeContext) -> Bool? {
        if case .bool(let b) = v { return b }
        ctx.typeError(path, expected: "boolean", got: v)
        return nil
    }
    func encoded() -> JSONValue { .bool(self) }
    var isEmptyValue: Bool { !self }
}

extension Int64: KubeCodable, ZeroValue {
    static var zero: Int64 { 0 }
    static func decode(_ v: JSONValue, path: String, ctx: DecodeContext) -> Int64? {
        if case .int(let i) = v { return i }
        ctx.typeError(path, expected: "integer (int64)", got: v)
        return nil
    }
    func encoded() -> JSONValue { .int(self) }
    var isEmptyValue: Bool { self == 0 }
}

extension Int32: KubeCodable, ZeroValue {
    static var zero: Int32 { 0 }
    static func decode(_ v: JSONValue, path: String, ctx: DecodeContext) -> Int32? {
        if case .int(let i) = v, let x = Int32(exactly: i) { return x }
        ctx.typeError(path, expected: "integer (int32)", got: v)
        return nil
    }
    func encoded() -> JSONValue { .int(Int64(self)) }
    var isEmptyValue: Bool { self == 0 }
}

extension JSONValue: KubeCodable {
    static func decode(_ v: JSONValue, path: String, ctx: DecodeContext) -> JSONValue? { v }
    func encoded() -> JSONValue { self }
    var isEmptyValue: Bool {
        switch self {
        case .null: return true
        case .array(let a): return a.isEmpty
        case .object(let o): return o.isEmpty
        default: return false
        }
    }
}

extension Quantity: KubeCodable {
    static func decode(_ v: JSONValue, path: String, ctx: DecodeContext) -> Quantity? {
        let text: String
        switch v {
        case .string(let s): text = s.trimmingSpaces()
        case .int(let i): text = String(i)
        case .double(let d): text = JSONValue.formatDouble(d)
        default:
            ctx.typeError(path, expected: "quantity (string or number)", got: v)
            return nil
        }
        do {
            return try Quantity(text)
        } catch {
            ctx.errors.append(FieldError(.invalid, path, value: v, detail: error.message))
            return nil
        }
    }
    func encoded() -> JSONValue { .string(original) }
}

extension Timestamp: KubeCodable {
    static func decode(_ v: JSONValue, path: String, ctx: DecodeContext) -> Timestamp? {
        if case .string(let s) = v, let t = Timestamp(rfc3339: s) { return t }
        ctx.typeError(path, expected: "RFC 3339 time string", got: v)
        return nil
    }
    func encoded() -> JSONValue { .string(rfc3339) }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s.removeLast() }
        return String(s)
    }
}

/// Kubernetes' IntOrString (ports in probes and handlers).
public enum IntOrString: Sendable, Hashable, KubeCodable, CustomStringConvertible {
    case int(Int32)
    case string(String)

    static func decode(_ v: JSONValue, path: String, ctx: DecodeContext) -> IntOrString? {
        switch v {
        case .string(let s): return .string(s)
        case .int(let i):
            if let x = Int32(exactly: i) { return .int(x) }
        default: break
        }
        ctx.typeError(path, expected: "integer or string", got: v)
        return nil
    }
    func encoded() -> JSONValue {
        switch self {
        case .int(let i): return .int(Int64(i))
        case .string(let s): return .string(s)
        }
    }
    public var description: String {
        switch self {
        case .int(let i): return String(i)
        case .string(let s): return s
        }
    }
    var asJSON: JSONValue { encoded() }
}
