import Testing

@Test func placeholderPeapodRuntimeTests() { #expect(Bool(true)) }
