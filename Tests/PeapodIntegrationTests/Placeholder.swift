import Testing

@Test func placeholderPeapodIntegrationTests() { #expect(Bool(true)) }
