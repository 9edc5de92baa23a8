// Properties of JSON values that the JSON and YAML targets share: a value written as JSON (compact
// or pretty) or as YAML reads back as the same value, and JSON text is a fixed point after one
// round.

@testable import PeapodManifest
import PeapodSpec

/// Equal as JSON means them: numbers by value as a float64 reader sees them (an integral double
/// written as `1` reads back as an integer; a double past 2^53 is written as its shortest decimal,
/// which reads back as the nearest Int64, not the double's exact value), strings and keys by their
/// UTF-8 bytes (Swift's `==` would take canonically equivalent strings as equal), object members
/// in order.
public func sameValue(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.null, .null): return true
    case let (.bool(x), .bool(y)): return x == y
    case let (.int(x), .int(y)): return x == y
    case let (.double(x), .double(y)): return x == y
    case let (.int(i), .double(d)), let (.double(d), .int(i)): return Double(i) == d
    case let (.string(x), .string(y)): return x.utf8.elementsEqual(y.utf8)
    case let (.array(x), .array(y)): return x.count == y.count && zip(x, y).allSatisfy { sameValue($0, $1) }
    case let (.object(x), .object(y)):
        return x.count == y.count && zip(x.storage, y.storage).allSatisfy {
            $0.key.utf8.elementsEqual($1.key.utf8) && sameValue($0.value, $1.value)
        }
    default: return false
    }
}

/// `value` written as JSON reads back as the same value, and writing that again gives the same
/// bytes.
public func checkJSONRoundTrip(_ value: JSONValue) {
    let compact = value.serializedBytes(pretty: false)
    for text in [compact, value.serializedBytes(pretty: true)] {
        let again: JSONValue
        do {
            again = try JSONValue.parse(String(decoding: text, as: UTF8.self))
        } catch {
            fail("serialised JSON does not parse: \(error) in \(show(text))")
        }
        check(sameValue(value, again), "JSON round trip changed the value: \(show(text))")
        let rewritten = again.serializedBytes(pretty: false)
        check(rewritten == compact, "JSON is not a fixed point: \(show(compact)) then \(show(rewritten))")
    }
}

/// `value` written as YAML (as `get -o yaml` does) reads back as one document with the same value.
public func checkYAMLRoundTrip(_ value: JSONValue) {
    let text = value.yamlText()
    let documents: [JSONValue?]
    do {
        documents = try YAMLLoader.documents(text)
    } catch {
        fail("YAML written for \(show(value.serializedBytes(pretty: false))) does not load: \(error.message)\n\(show(Array(text.utf8)))")
    }
    check(documents.count == 1, "YAML written for a value holds \(documents.count) documents: \(show(Array(text.utf8)))")
    check(sameValue(documents[0] ?? .null, value),
          "YAML round trip changed \(show(value.serializedBytes(pretty: false))) into "
              + "\(show((documents[0] ?? .null).serializedBytes(pretty: false))) via \(show(Array(text.utf8)))")
}
