import RealModule
import Testing

@testable import Engine

@Suite("The vectorisable exponential behind sigmoid")
struct ExpTests {
  @Test("Float e^x is within 2 ulp of the correctly rounded value on [−87, 88]")
  func floatAccuracy() {
    var worstUlps = 0.0
    var x = -87.0
    while x <= 88.0 {
      let exact = Double.exp(Double(Float(x)))
      let approx = Double(Float.vectorizableExp(Float(x)))
      let ulp = Double(Float(exact).ulp)
      worstUlps = max(worstUlps, abs(approx - exact) / ulp)
      x += 0.0137
    }
    #expect(worstUlps <= 2, "worst error \(worstUlps) ulp")
  }

  @Test("e^0 = 1 exactly, and the clamps give finite, ordered values at the extremes")
  func edges() {
    #expect(Float.vectorizableExp(0) == 1)
    #expect(Float.vectorizableExp(1000).isFinite)
    #expect(Float.vectorizableExp(-1000) >= 0)
    #expect(Float.vectorizableExp(-1000) < 1e-37)
  }

  @Test("sigmoid saturates to its limits without NaN, in Float and Double")
  func sigmoidLimits() {
    for z: Float in [-1e6, -200, -88, 88, 200, 1e6] {
      let s = sigmoid(z)
      #expect(!s.isNaN)
      #expect(z < 0 ? s < 1e-37 : s == 1)
    }
    #expect(sigmoid(-800.0) == 0 && sigmoid(800.0) == 1)
    #expect(abs(Double(sigmoid(Float(0.3))) - 1 / (1 + Double.exp(-0.3))) < 1e-7)
  }
}
