import Testing

@Test func placeholderPeapodSpecTests() { #expect(Bool(true)) }
