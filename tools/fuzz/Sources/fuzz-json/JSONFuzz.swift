// JSON text → JSONValue (PeapodSpec's own parser: manifests, status files, image configs).
// Properties: no crash or hang; a parsed value writes back (compact and pretty) as JSON that
// parses to the same value and is a fixed point; it also survives the YAML writer and loader;
// the stream form (concatenated values, as a JSON manifest may hold) agrees with the single-value
// parser on a single value.

@testable import PeapodSpec
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = FuzzInput(data, size)
    let text = String(decoding: input.bytes, as: UTF8.self)
    let single = try? JSONValue.parse(text)
    if let single {
        checkJSONRoundTrip(single)
        checkYAMLRoundTrip(single)
    }
    if let documents = try? Manifest.parseJSONStream(text) {
        for case let document? in documents { checkJSONRoundTrip(document) }
        if let single {
            check(documents.count == 1 && sameValue(documents[0] ?? .null, single),
                  "the stream parser reads one value differently")
        }
    }
    return 0
}
