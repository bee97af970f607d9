import Testing

@testable import Companion

@Suite("Power-law fits")
struct FittingTests {
  @Test("an exact power law gives its exponent; a constant gives zero")
  func exactPowerLaws() {
    let m: [Double] = [4, 16, 64, 256, 1024]
    #expect(abs(logLogSlope(x: m, y: m.map { 3 / $0.squareRoot() }) + 0.5) < 1e-12)
    #expect(abs(logLogSlope(x: m, y: m.map { 0.1 * $0 }) - 1) < 1e-12)
    #expect(abs(logLogSlope(x: m, y: m.map { _ in 7 })) < 1e-12)
  }
}
