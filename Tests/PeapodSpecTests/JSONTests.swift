import Testing
@testable import PeapodSpec

@Suite struct JSONTests {
    @Test func parsesAndSerializes() throws {
        let v = try JSONValue.parse(#"{"b": [1, 2.5, "x"], "a": {"n": null, "t": true}}"#)
        #expect(v.serialized(pretty: false) == #"{"b":[1,2.5,"x"],"a":{"n":null,"t":true}}"#)
    }
}
