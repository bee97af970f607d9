import Companion
import Engine
import Foundation
import Randomness

// The page's checks of the transform and of the LN-LSTM: the problems it describes, set up and
// checked.

/// The transform's three checks on a 5 × 7 batch, rows at different scales and offsets, γ and β
/// away from 1 and 0, a loss ℓ = Σ r ⊙ y with fixed random weights r: the fused backward
/// against central differences (worst relative error over z, γ, β, and each tensor's check),
/// staged against fused (largest difference of ∂ℓ/∂z over its largest entry), and LN(z)
/// against BN(zᵀ)ᵀ (output and gradient, largest difference).
func checkTheTransform() -> (
  finiteDifference: Double, stagedAgainstFused: Double, transpose: Double, tensors: [GradientCheck]
) {
  var generator = chapter.makeGenerator("gradient check")
  func random(_ rows: Int, _ cols: Int, scale: Double = 1, offset: Double = 0) -> Matrix<Double> {
    Matrix(rows: rows, cols: cols) { v in
      for i in v.indices { v[i] = offset + scale * generator.nextGaussian() }
    }
  }
  let (rows, cols) = (5, 7)
  let x = Parameter("z", random(rows, cols, scale: 2, offset: 1))
  let gamma = Parameter("γ", random(1, cols, scale: 0.5, offset: 1))
  let beta = Parameter("β", random(1, cols, scale: 0.5))
  let r = random(rows, cols)
  let epsilon = 1e-5
  func forward() -> (Matrix<Double>, LayerNormalization.Cache<Double>) {
    LayerNormalization.forward(x.value, gamma: gamma.value, beta: beta.value, epsilon: epsilon)
  }
  let checks = checkGradients(
    of: [x, gamma, beta],
    loss: {
      let y = forward().0
      return (0..<y.count).reduce(0) { $0 + y[flat: $1] * r[flat: $1] }
    },
    gradients: {
      let gradients = LayerNormalization.backwardFused(r, cache: forward().1, gamma: gamma.value)
      (x.gradient, gamma.gradient, beta.gradient) =
        (gradients.input, gradients.gamma, gradients.beta)
    })
  let cache = forward().1
  let fused = LayerNormalization.backwardFused(r, cache: cache, gamma: gamma.value).input
  let staged = LayerNormalization.backwardStaged(r, cache: cache, gamma: gamma.value).input
  let stagedGap = (fused - staged).maxAbs / fused.maxAbs
  // LN(z) = BN(zᵀ)ᵀ with γ = 1, β = 0, and the same for ∂ℓ/∂z.
  let (ones, zeros) = (
    Matrix<Double>(rows: 1, cols: cols, repeating: 1), Matrix<Double>(rows: 1, cols: cols)
  )
  let (ln, lnCache) = LayerNormalization.forward(
    x.value, gamma: ones, beta: zeros, epsilon: epsilon)
  let (bn, bnCache) = BatchNormalization.forward(
    training: x.value.transposed, gamma: Matrix(rows: 1, cols: rows, repeating: 1),
    beta: Matrix(rows: 1, cols: rows), epsilon: epsilon)
  let lnGradient = LayerNormalization.backwardFused(r, cache: lnCache, gamma: ones).input
  let bnGradient = BatchNormalization.backwardFused(
    r.transposed, cache: bnCache, gamma: Matrix(rows: 1, cols: rows, repeating: 1)
  ).input
  let transposeGap = max(
    (ln - bn.transposed).maxAbs, (lnGradient - bnGradient.transposed).maxAbs)
  return (
    checks.map(\.maxRelativeError).max() ?? .nan, stagedGap, transposeGap, checks
  )
}

/// Every tensor of a tiny LN-LSTM (Chapter 5's problem, the library's) checked against central
/// differences in Double. A step of 1e-6: LN over 3 units meets rows of small spread, whose
/// curvature makes the default 1e-5's truncation error reach 1e-6 (the engine's seam tests
/// measured it).
func gradientCheckOfTheLNLSTM() -> [GradientCheck] {
  chapter.gradientCheckOfATinyLSTM(
    { .cooijmans(maxSteps: $0, initialGamma: 1, normalizer: .layer) },
    purpose: "LN-LSTM gradient check", step: 1e-6)
}
