import RealModule
import Testing

@testable import Engine

@Suite("The vectorisable exponential and tanh behind sigmoid and the LSTM")
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

  /// The error of `Float.vectorizableTanh` in ulps of the correctly rounded value, over a
  /// dense sweep of [−12, 12] (beyond that tanh rounds to ±1) and over tiny arguments.
  static func worstTanhUlps() -> Double {
    var worst = 0.0
    func measure(_ x: Float) {
      let exact = Double.tanh(Double(x))
      let approx = Double(Float.vectorizableTanh(x))
      let ulp = Double(Float(exact).magnitude.ulp)
      worst = max(worst, abs(approx - exact) / ulp)
    }
    var x: Float = -12
    while x <= 12 {
      measure(x)
      x += 0.000_37
    }
    for exponent in -40...0 { measure(Float(sign: .plus, exponent: exponent, significand: 1.3)) }
    return worst
  }

  @Test("Float tanh is within 1.5 ulp of the correctly rounded value (measured: 1.27)")
  func tanhAccuracy() {
    let worst = Self.worstTanhUlps()
    #expect(worst <= 1.5, "worst error \(worst) ulp")
  }

  @Test("tanh is odd, exact at 0, ±1 at the extremes, never NaN")
  func tanhEdges() {
    #expect(Float.vectorizableTanh(0) == 0)
    for x: Float in [0.3, 0.625, 1, 5, 20] {
      #expect(Float.vectorizableTanh(-x) == -Float.vectorizableTanh(x))
    }
    for x: Float in [50, 1e6, .infinity] {
      #expect(Float.vectorizableTanh(x) == 1 && Float.vectorizableTanh(-x) == -1)
    }
    #expect(Float.vectorizableTanh(1e-30) == 1e-30)
  }
}
