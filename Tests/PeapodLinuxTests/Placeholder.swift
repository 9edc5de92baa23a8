import Testing

@Test func placeholderPeapodLinuxTests() { #expect(Bool(true)) }
