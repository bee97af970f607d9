import RealModule
import Testing

@testable import Engine

/// Layer normalization is the kernels of batch normalization over the other axis
/// (`Normalization.Axis.features`). Checked here: the statistics against plain loops, the
/// fused backward against finite differences in Double and against the staged six equations,
/// the identity LN(x) = BN(xᵀ)ᵀ that makes "the same transform over the other axis" exact,
/// and the kernel's in-place, masked and fused-nonlinearity paths.
@Suite("Layer-norm kernels: the normalization kernels over the features")
struct LayerNormKernelTests {
  /// A 5 × 7 batch with rows of different scales and offsets, γ and β away from 1 and 0.
  static let x: Matrix<Double> = randomMatrix(5, 7, seed: 21, scale: 2, offset: 1)
  static let gamma: Matrix<Double> = randomMatrix(1, 7, seed: 22, scale: 0.5, offset: 1)
  static let beta: Matrix<Double> = randomMatrix(1, 7, seed: 23, scale: 0.5)
  static let epsilon = 1e-5

  @Test("over the features, the moments are each row's mean and biased variance")
  func rowMoments() {
    let (_, cache) = LayerNormalization.forward(
      Self.x, gamma: Self.gamma, beta: Self.beta, epsilon: Self.epsilon)
    for i in 0..<Self.x.rows {
      let row = (0..<Self.x.cols).map { Self.x[i, $0] }
      let mean = row.reduce(0, +) / Double(row.count)
      let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(row.count)
      #expect(abs(cache.mean[i] - mean) < 1e-12)
      #expect(abs(cache.variance[i] - variance) < 1e-12)
      #expect(abs(cache.inverseStd[i] - 1 / (variance + Self.epsilon).squareRoot()) < 1e-12)
      // x̂'s row has mean 0 and variance σ²/(σ² + ε).
      let xh = (0..<Self.x.cols).map { cache.normalized[i, $0] }
      #expect(abs(xh.reduce(0, +)) < 1e-12)
      let spread = xh.map { $0 * $0 }.reduce(0, +) / Double(xh.count)
      #expect(abs(spread - variance / (variance + Self.epsilon)) < 1e-12)
    }
  }

  /// ℓ = Σ r ⊙ y with fixed random r: every output matters, with its own weight.
  @Test("the fused backward matches finite differences in Double (relative error ≤ 1e-8)")
  func finiteDifferences() {
    let (x, gamma, beta) = (
      Parameter("x", Self.x), Parameter("γ", Self.gamma), Parameter("β", Self.beta)
    )
    let r: Matrix<Double> = randomMatrix(5, 7, seed: 24)
    func loss() -> Double {
      let (y, _) = LayerNormalization.forward(
        x.value, gamma: gamma.value, beta: beta.value, epsilon: Self.epsilon)
      return (0..<y.count).reduce(0) { $0 + y[flat: $1] * r[flat: $1] }
    }
    let checks = checkGradients(
      of: [x, gamma, beta], loss: loss,
      gradients: {
        let (_, cache) = LayerNormalization.forward(
          x.value, gamma: gamma.value, beta: beta.value, epsilon: Self.epsilon)
        let gradients = LayerNormalization.backwardFused(r, cache: cache, gamma: gamma.value)
        (x.gradient, gamma.gradient, beta.gradient) =
          (gradients.input, gradients.gamma, gradients.beta)
      })
    for check in checks { #expect(check.maxRelativeError <= 1e-8, "\(check)") }
  }

  @Test("the staged six equations and the fused kernel agree (Double, ≤ 1e-13)")
  func stagedAgainstFused() {
    for (rows, cols, seed) in [(5, 7, 31), (1, 9, 32), (16, 3, 33), (4, 64, 34)] {
      let x: Matrix<Double> = randomMatrix(rows, cols, seed: UInt64(seed), scale: 3, offset: -1)
      let gamma: Matrix<Double> = randomMatrix(1, cols, seed: UInt64(seed) + 100, offset: 1)
      let dy: Matrix<Double> = randomMatrix(rows, cols, seed: UInt64(seed) + 200)
      let (_, cache) = LayerNormalization.forward(
        x, gamma: gamma, beta: Matrix(rows: 1, cols: cols), epsilon: Self.epsilon)
      let fused = LayerNormalization.backwardFused(dy, cache: cache, gamma: gamma)
      let staged = LayerNormalization.backwardStaged(dy, cache: cache, gamma: gamma)
      let scale = fused.input.storage.map(abs).max() ?? 1
      for k in 0..<fused.input.count {
        #expect(abs(fused.input[flat: k] - staged.input[flat: k]) <= 1e-13 * scale)
      }
      #expect(zip(fused.gamma.storage, staged.gamma.storage).allSatisfy { abs($0 - $1) < 1e-13 })
      #expect(zip(fused.beta.storage, staged.beta.storage).allSatisfy { abs($0 - $1) < 1e-13 })
    }
  }

  @Test("with γ = 1 and β = 0, LN(x) = BN(xᵀ)ᵀ, forward and backward: one transform, two axes")
  func transposeIdentity() {
    let x = Self.x
    let xT = Matrix<Double>(rows: x.cols, cols: x.rows) { v in
      for i in 0..<x.rows { for j in 0..<x.cols { v[j * x.rows + i] = x[i, j] } }
    }
    let dy: Matrix<Double> = randomMatrix(x.rows, x.cols, seed: 25)
    let dyT = Matrix<Double>(rows: x.cols, cols: x.rows) { v in
      for i in 0..<x.rows { for j in 0..<x.cols { v[j * x.rows + i] = dy[i, j] } }
    }
    let (ln, lnCache) = LayerNormalization.forward(
      x, gamma: Matrix(rows: 1, cols: x.cols, repeating: 1), beta: Matrix(rows: 1, cols: x.cols),
      epsilon: Self.epsilon)
    let (bn, bnCache) = BatchNormalization.forward(
      training: xT, gamma: Matrix(rows: 1, cols: x.rows, repeating: 1),
      beta: Matrix(rows: 1, cols: x.rows), epsilon: Self.epsilon)
    let lnGradient = LayerNormalization.backwardFused(
      dy, cache: lnCache, gamma: Matrix(rows: 1, cols: x.cols, repeating: 1)
    ).input
    let bnGradient = BatchNormalization.backwardFused(
      dyT, cache: bnCache, gamma: Matrix(rows: 1, cols: x.rows, repeating: 1)
    ).input
    for i in 0..<x.rows {
      for j in 0..<x.cols {
        #expect(abs(ln[i, j] - bn[j, i]) < 1e-12)
        #expect(abs(lnGradient[i, j] - bnGradient[j, i]) < 1e-12)
      }
    }
  }

  /// The kernel called directly on views, as the layers call it.
  func kernelBackward(
    _ dy: Matrix<Double>, cache: LayerNormalization.Cache<Double>, gamma: Matrix<Double>,
    mask: [Double]? = nil, inPlace: Bool = false
  ) -> (dx: Matrix<Double>, dGamma: Matrix<Double>, dBeta: Matrix<Double>) {
    var (dx, dGamma, dBeta) = (
      dy, Matrix<Double>(rows: 1, cols: dy.cols), Matrix<Double>(rows: 1, cols: dy.cols)
    )
    var source = dy
    let s = Matrix(rows: dy.rows, cols: 1, cache.inverseStd)
    dx.withMutableView { dx in
      source.withMutableView { source in
        cache.normalized.withView { normalized in
          s.withView { s in
            gamma.withView { gamma in
              dGamma.withMutableView { dGamma in
                dBeta.withMutableView { dBeta in
                  let call = { (mask: UnsafeBufferPointer<Double>?) in
                    Normalization.backward(
                      inPlace ? dx : source, over: .features, normalized: normalized,
                      inverseStd: s, gamma: gamma, mask: mask, inputGradient: dx,
                      gammaGradient: dGamma, betaGradient: dBeta, workspace: .init())
                  }
                  if let mask { mask.withUnsafeBufferPointer(call) } else { call(nil) }
                }
              }
            }
          }
        }
      }
    }
    return (dx, dGamma, dBeta)
  }

  @Test("in place (∂ℓ/∂x over ∂ℓ/∂y) gives the same numbers; masked rows pass no gradient")
  func inPlaceAndMask() {
    let (_, cache) = LayerNormalization.forward(
      Self.x, gamma: Self.gamma, beta: Self.beta, epsilon: Self.epsilon)
    let dy: Matrix<Double> = randomMatrix(5, 7, seed: 26)
    let apart = kernelBackward(dy, cache: cache, gamma: Self.gamma)
    let together = kernelBackward(dy, cache: cache, gamma: Self.gamma, inPlace: true)
    #expect(apart.dx == together.dx)
    #expect(apart.dGamma == together.dGamma && apart.dBeta == together.dBeta)
    // Rows 1 and 3 are padding: zero gradient, and no share of ∂ℓ/∂γ, ∂ℓ/∂β; the other rows
    // are what they were (a row's gradient depends on that row alone).
    let mask: [Double] = [1, 0, 1, 0, 1]
    let masked = kernelBackward(dy, cache: cache, gamma: Self.gamma, mask: mask)
    for i in 0..<5 {
      for j in 0..<7 { #expect(masked.dx[i, j] == (mask[i] == 0 ? 0 : apart.dx[i, j])) }
    }
    for j in 0..<7 {
      let kept = [0, 2, 4]
      let dGamma = kept.reduce(0) { $0 + dy[$1, j] * cache.normalized[$1, j] }
      let dBeta = kept.reduce(0) { $0 + dy[$1, j] }
      #expect(abs(masked.dGamma[0, j] - dGamma) < 1e-12)
      #expect(abs(masked.dBeta[0, j] - dBeta) < 1e-12)
    }
  }

  @Test("the feed-forward layer with a fused sigmoid: forward and backward as the staged pieces")
  func fusedNonlinearity() {
    let layer = LayerNorm<Double>(features: 7, activation: .sigmoid, name: "ln")
    layer.gamma.value = Self.gamma
    layer.beta.value = Self.beta
    let h = Self.x.withView { layer.forward($0, statistics: .batch).matrix }
    let (y, cache) = LayerNormalization.forward(
      Self.x, gamma: Self.gamma, beta: Self.beta, epsilon: Self.epsilon)
    let dh: Matrix<Double> = randomMatrix(5, 7, seed: 27)
    // ∂ℓ/∂y = ∂ℓ/∂h ⊙ σ′(y), σ′ = h(1 − h)
    let dy = Matrix<Double>(rows: 5, cols: 7) { v in
      for k in 0..<35 {
        let s = 1 / (1 + Double.exp(-y[flat: k]))
        v[k] = dh[flat: k] * s * (1 - s)
      }
    }
    for k in 0..<35 { #expect(abs(h[flat: k] - 1 / (1 + Double.exp(-y[flat: k]))) < 1e-12) }
    let staged = LayerNormalization.backwardStaged(dy, cache: cache, gamma: Self.gamma)
    let dz = dh.withView { layer.backward($0).matrix }
    for k in 0..<35 { #expect(abs(dz[flat: k] - staged.input[flat: k]) < 1e-12) }
    for j in 0..<7 {
      #expect(abs(layer.gamma.gradient[0, j] - staged.gamma[0, j]) < 1e-12)
      #expect(abs(layer.beta.gradient[0, j] - staged.beta[0, j]) < 1e-12)
    }
    // Training and inference are one computation: the policy changes nothing.
    let inferred = Self.x.withView { layer.forward($0, statistics: .population).matrix }
    #expect(inferred == h)
  }
}
