import Foundation
import Testing

@testable import Engine

/// One parameter θ = [1, −2], gradient g = [0.5, 0.1], each rule stepped by hand.
///
/// ε is never 0 here: with ε = 0 a rule that put ε in the wrong place (inside the square
/// root, say) would give the same numbers, and a planted bug of exactly that kind once
/// went unnoticed. The gradients are small enough (g² ~ 1e-2) that ε = 1e-2 moves the step
/// in the third digit, far above the 1e-12 tolerance.
@Suite("Optimizers and clipping against hand-computed steps")
struct OptimizerTests {
  func parameter(_ name: String = "θ") -> Parameter<Double> {
    let p = Parameter(name, Matrix(row: [1, -2]))
    p.gradient = Matrix(row: [0.5, 0.1])
    return p
  }

  /// Same number of elements, each within `tolerance`.
  func close(_ a: Matrix<Double>, _ b: [Double], _ tolerance: Double = 1e-12) -> Bool {
    a.count == b.count && zip(a.storage, b).allSatisfy { abs($0 - $1) <= tolerance }
  }

  @Test("close() rejects a length mismatch (it cannot pass by zipping short)")
  func closeChecksCounts() {
    #expect(!close(Matrix(row: [1, 2]), [1]))
    #expect(!close(Matrix(row: [1]), [1, 2]))
    #expect(close(Matrix(row: [1, 2]), [1, 2]))
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

  @Test("RMSProp: s = ρs + (1−ρ)g², θ − η·g/(√s + ε), ε outside the root")
  func rmsprop() {
    let p = parameter()
    let epsilon = 1e-2
    var opt = RMSProp<Double>(
      learningRate: 0.01, decay: 0.9, momentum: 0, divisor: .epsilon(epsilon))
    opt.step([p])
    // s = 0.1·g², so √s = |g|·√0.1
    let steps = [0.5, 0.1].map { g in 0.01 * g / (abs(g) * 0.1.squareRoot() + epsilon) }
    #expect(close(p.value, [1 - steps[0], -2 - steps[1]]))
  }

  @Test("RMSProp with momentum 0.9 accumulates the scaled steps")
  func rmspropMomentum() {
    let p = parameter()
    let epsilon = 1e-2
    var opt = RMSProp<Double>(
      learningRate: 0.01, decay: 0.9, momentum: 0.9, divisor: .epsilon(epsilon))
    opt.step([p])
    opt.step([p])
    // Step 2: s = 0.9·0.1g² + 0.1g² = 0.19g²; v = 0.9·v₁ + η·g/(√s + ε)
    let expected = [0.5, 0.1].map { g in
      let v1 = 0.01 * g / (abs(g) * 0.1.squareRoot() + epsilon)
      return v1 + 0.9 * v1 + 0.01 * g / (abs(g) * 0.19.squareRoot() + epsilon)
    }
    #expect(close(p.value, [1 - expected[0], -2 - expected[1]]))
  }

  @Test("Blocks' RMSProp divides by max(√s, 1/max_scaling), not √s + ε")
  func rmspropMaxScaling() {
    // Large gradient: √s wins, the step is g/√s exactly (no ε added).
    let p = parameter()
    var opt = RMSProp<Double>.cooijmans(learningRate: 0.01)
    #expect(opt.decay == 0.5 && opt.momentum == 0)
    opt.step([p])
    let step = 0.01 / 0.5.squareRoot()
    #expect(close(p.value, [1 - step, -2 - step]))
    // Tiny gradient: 1/max_scaling = 1e-5 wins over √s = 1e-7·√0.5.
    let q = Parameter("tiny", Matrix<Double>(row: [0]))
    q.gradient = Matrix(row: [1e-7])
    var blocks = RMSProp<Double>(learningRate: 1, decay: 0.5, divisor: .maxScaling(1e5))
    blocks.step([q])
    #expect(close(q.value, [-1e-7 / 1e-5]))
  }

  @Test("Adam: the first step moves each weight by η·|g|/(|g| + ε) (bias-corrected m̂/√v̂)")
  func adam() {
    let p = parameter()
    let epsilon = 1e-2
    var opt = Adam<Double>(learningRate: 0.001, epsilon: epsilon)
    opt.step([p])
    // m̂ = g, √v̂ = |g|: step = η·g/(|g| + ε)
    let first = [0.5, 0.1].map { 0.001 * $0 / (abs($0) + epsilon) }
    #expect(close(p.value, [1 - first[0], -2 - first[1]]))
    opt.step([p])
    // Same gradient again: m̂ = g and v̂ = g² still, so the same step again.
    #expect(close(p.value, [1 - 2 * first[0], -2 - 2 * first[1]]))
    #expect(opt.steps == 2)
  }

  @Test("state is kept by name: the order of the list does not matter")
  func stateByName() {
    let (a1, b1) = (parameter("a"), parameter("b"))
    let (a2, b2) = (parameter("a"), parameter("b"))
    b1.gradient = Matrix(row: [-3, 7])
    b2.gradient = Matrix(row: [-3, 7])
    var inOrder = Momentum<Double>(learningRate: 0.1)
    var swapped = Momentum<Double>(learningRate: 0.1)
    inOrder.step([a1, b1])
    swapped.step([a2, b2])
    inOrder.step([a1, b1])
    swapped.step([b2, a2])  // the order that once mixed the velocities
    #expect(a1.value == a2.value && b1.value == b2.value)
    #expect(inOrder.velocity == swapped.velocity)
  }

  @Test("optimizer state survives a JSON round trip, and the restored one continues exactly")
  func codableState() throws {
    let p = parameter()
    var adam = Adam<Double>(learningRate: 0.01, epsilon: 1e-3)
    adam.step([p])
    let saved = try JSONEncoder().encode(adam)
    var restored = try JSONDecoder().decode(Adam<Double>.self, from: saved)
    #expect(restored.steps == 1)
    let q = Parameter("θ", p.value)
    q.gradient = p.gradient
    adam.step([p])
    restored.step([q])
    #expect(p.value == q.value)
  }

  @Test("state of the wrong shape for its parameter is an error that names both")
  func stateShapeMismatch() async {
    let result = await #expect(
      processExitsWith: .failure, observing: [\.standardErrorContent]
    ) {
      var opt = Momentum<Double>(learningRate: 0.1)
      opt.step([Parameter("w", Matrix<Double>(row: [1, 2]))])
      opt.step([Parameter("w", Matrix<Double>(row: [1, 2, 3]))])
    }
    expectStandardError(of: result, contains: "optimizer state of w is 1×2, the parameter is 1×3")
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

  @Test("clipping a non-finite gradient reports it and leaves the gradients alone")
  func clippingNonFinite() {
    let a = Parameter("a", Matrix<Double>(row: [0, 0]))
    a.gradient = Matrix(row: [.infinity, 1])
    let norm = clipGradientNorm([a], maxNorm: 1)
    #expect(norm == .infinity)
    // Not rescaled by 1/∞ (which would zero the finite entry and hide the problem).
    #expect(a.gradient[0, 1] == 1 && a.gradient[0, 0] == .infinity)
  }
}
