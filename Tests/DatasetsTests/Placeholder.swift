import Testing

@Test func placeholderDatasetsTests() { #expect(Bool(true)) }
