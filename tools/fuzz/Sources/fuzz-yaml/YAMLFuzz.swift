// YAML manifest text → documents (PeapodManifest's YAMLLoader over libyaml's events: anchors,
// aliases, merge keys, duplicate keys, YAML 1.1 scalars). Properties: no crash, hang or runaway
// memory (alias expansion is bounded by the node budget); every document's value writes back as
// JSON and as YAML that read back as the same value.

@testable import PeapodManifest
import PeapodSpec
import FuzzSupport

/// Smaller than the loader's default (2,000,000 nodes) only to keep the fuzzer fast: an alias
/// bomb then costs milliseconds, not a second; the bound works the same way.
let nodeBudget = 50_000

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzYAML(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = FuzzInput(data, size)
    let text = String(decoding: input.bytes, as: UTF8.self)
    guard let documents = try? YAMLLoader.documents(text, nodeBudget: nodeBudget) else { return 0 }
    for case let document? in documents {
        checkJSONRoundTrip(document)
        checkYAMLRoundTrip(document)
    }
    return 0
}
