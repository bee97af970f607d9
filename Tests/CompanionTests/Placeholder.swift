import Testing

@Test func placeholderCompanionTests() { #expect(Bool(true)) }
