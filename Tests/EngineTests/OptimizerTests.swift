import Testing

@testable import Engine

/// One parameter θ = [1, −2], gradient g = [0.5, 0.1], each rule stepped by hand.
@Suite("Optimizers and clipping against hand-computed steps")
struct OptimizerTests {
  func parameter() -> Parameter<Double> {
    let p = Parameter("θ", Matrix(row: [1, -2]))
    p.gradient = Matrix(row: [0.5, 0.1])
    return p
  }

  func close(_ a: Matrix<Double>, _ b: [Double], _ tolerance: Double = 1e-12) -> Bool {
    zip(a.storage, b).allSatisfy { abs($0 - $1) <= tolerance }
  }

  @Test("SGD: θ − η·g")
  func sgd() {
    let p = parameter()
    var opt = SGD<Double>(learningRate: 0.1)
    opt.step([p])
    #expect(close(p.value, [0.95, -2.01]))
  }

  @Test("momentum: v = μv + g, θ − η·v over two steps")
  func momentum() {
    let p = parameter()
    var opt = Momentum<Double>(learningRate: 0.1, momentum: 0.9)
    opt.step([p])  // v = g = [0.5, 0.1]; θ = [0.95, −2.01]
    opt.step([p])  // v = 0.9·[0.5, 0.1] + [0.5, 0.1] = [0.95, 0.19]; θ = [0.855, −2.029]
    #expect(close(p.value, [0.855, -2.029]))
  }

  @Test("RMSProp: s = ρs + (1−ρ)g², θ − η·g/(√s + ε)")
  func rmsprop() {
    let p = parameter()
    var opt = RMSProp<Double>(learningRate: 0.01, decay: 0.9, momentum: 0, epsilon: 0)
    opt.step([p])
    // s = 0.1·g², so g/√s = sign(g)/√0.1 = ±3.16228
    let step = 0.01 / 0.1.squareRoot()
    #expect(close(p.value, [1 - step, -2 - step]))
  }

  @Test("RMSProp with momentum 0.9 accumulates the scaled steps")
  func rmspropMomentum() {
    let p = parameter()
    var opt = RMSProp<Double>(learningRate: 0.01, decay: 0.9, momentum: 0.9, epsilon: 0)
    opt.step([p])
    opt.step([p])
    // Step 2: s = 0.9·0.1g² + 0.1g² = 0.19g², scaled = η/√0.19; v = 0.9·η/√0.1 + η/√0.19
    let v1 = 0.01 / 0.1.squareRoot()
    let v2 = 0.9 * v1 + 0.01 / 0.19.squareRoot()
    #expect(close(p.value, [1 - v1 - v2, -2 - v1 - v2]))
  }

  @Test("Adam: the first step moves each weight by η (bias correction makes m̂/√v̂ = ±1)")
  func adam() {
    let p = parameter()
    var opt = Adam<Double>(learningRate: 0.001, epsilon: 0)
    opt.step([p])
    #expect(close(p.value, [0.999, -2.001]))
    opt.step([p])
    // Same gradient again: m̂ = g, v̂ = g², so another step of exactly η.
    #expect(close(p.value, [0.998, -2.002]))
  }

  @Test("gradient clipping rescales the joint norm and reports the norm before")
  func clipping() {
    let a = Parameter("a", Matrix<Double>(row: [0, 0]))
    let b = Parameter("b", Matrix<Double>(row: [0]))
    a.gradient = Matrix(row: [3, 0])
    b.gradient = Matrix(row: [4])
    let before = clipGradientNorm([a, b], maxNorm: 1)
    #expect(before == 5)
    #expect(close(a.gradient, [0.6, 0]) && close(b.gradient, [0.8]))
    // Under the limit nothing changes.
    let again = clipGradientNorm([a, b], maxNorm: 2)
    #expect(abs(again - 1) < 1e-12)
    #expect(close(a.gradient, [0.6, 0]))
  }
}
