import Engine

/// A second normaliser for a feed-forward network, written in the tests to show that one is a
/// new file plus a case: layer normalization (Ba et al. 2016) over a hidden layer's features,
/// each row normalised by its own mean and variance, so it needs no batch and keeps no
/// statistics for inference. Like BN in the book it applies the layer's nonlinearity g to its
/// output, and its shift β takes the bias's place.
///
///     μ_r = (1/n) Σ_j z_rj,   σ²_r = (1/n) Σ_j (z_rj − μ_r)²,   x̂_rj = (z_rj − μ_r) / √(σ²_r + ε)
///     a_rj = γ_j x̂_rj + β_j,   h_rj = g(a_rj)
///
/// Backward, from ∂ℓ/∂h through g to ∂ℓ/∂a, then with ĝ = ∂ℓ/∂x̂ = ∂ℓ/∂a ⊙ γ:
///
///     ∂ℓ/∂z_rj = (ĝ_rj − mean_j ĝ_r − x̂_rj · mean_j (ĝ_r ⊙ x̂_r)) / √(σ²_r + ε)
///     ∂ℓ/∂γ_j = Σ_r ∂ℓ/∂a_rj x̂_rj,   ∂ℓ/∂β_j = Σ_r ∂ℓ/∂a_rj
///
/// (The recurrent side's `RowNormalizer` is the same normalisation for a recurrent layer's
/// terms; this one follows the feed-forward protocol, with the nonlinearity fused.)
final class FeatureRowNormalizer: FeedForwardNormalizer {
  typealias Element = Double

  let name: String
  let features: Int
  let activation: Activation
  let gamma: Parameter<Double>
  let shift: Parameter<Double>?
  let epsilon = 1e-5
  /// Layer normalization keeps nothing for inference: a row is its own statistics.
  var inferenceStatistics: PopulationStatistics? {
    get { nil }
    set {}
  }
  let matrixInput = Buffer<Double>()
  // The tape: x̂, a = γ x̂ + β, h = g(a) and 1/√(σ² + ε) of every row of the last pass.
  private let normalized = Buffer<Double>()
  private let preactivation = Buffer<Double>()
  private let output = Buffer<Double>()
  private let inputGradient = Buffer<Double>()
  private var inverseStd: [Double] = []
  /// For the test that a gradient check can fail: leave mean_j ĝ out of ∂ℓ/∂z.
  var dropsMeanOfGradient = false

  init(_ request: FeedForwardNormalizerRequest) {
    name = request.name
    features = request.features
    activation = request.activation
    gamma = Parameter("\(name).γ", Matrix(rows: 1, cols: features, repeating: 1))
    shift = Parameter("\(name).β", Matrix(rows: 1, cols: features))
  }

  var scale: Parameter<Double>? { gamma }
  var parameters: [Parameter<Double>] { [gamma] + (shift.map { [$0] } ?? []) }
  var lastNormalized: Matrix<Double> { normalized.matrix }
  var lastNonlinearityInput: Matrix<Double> { preactivation.matrix }

  /// The same for every policy: a row's statistics are its own, in training and inference.
  func forward(_ z: MatrixView<Double>, statistics: StatisticsPolicy) -> MatrixView<Double> {
    let n = features
    let (xh, a, h) = (
      normalized.reshape(rows: z.rows, cols: n), preactivation.reshape(rows: z.rows, cols: n),
      output.reshape(rows: z.rows, cols: n)
    )
    inverseStd = Array(repeating: 0, count: z.rows)
    let (g, b) = (gamma.valueView.base, shift?.valueView.base)
    for r in 0..<z.rows {
      let row = z.row(r)
      let mean = (0..<n).reduce(0) { $0 + row[$1] } / Double(n)
      let variance = (0..<n).reduce(0) { $0 + (row[$1] - mean) * (row[$1] - mean) } / Double(n)
      inverseStd[r] = 1 / (variance + epsilon).squareRoot()
      for j in 0..<n {
        xh.row(r)[j] = (row[j] - mean) * inverseStd[r]
        a.row(r)[j] = g[j] * xh.row(r)[j] + (b?[j] ?? 0)
      }
    }
    activate(activation, a, into: h)
    return h
  }

  func backward(_ dh: MatrixView<Double>) -> MatrixView<Double> {
    let n = features
    let (xh, h) = (normalized.view, output.view)
    let da = inputGradient.reshape(rows: dh.rows, cols: n)
    // ∂ℓ/∂a = ∂ℓ/∂h · g'(a), then ∂ℓ/∂z in place.
    activationBackward(activation, dh, output: h, into: da)
    gamma.zeroGradient()
    shift?.zeroGradient()
    let (dGamma, dBeta) = (gamma.gradientView.base, shift?.gradientView.base)
    for r in 0..<dh.rows {
      let (d, x) = (da.row(r), xh.row(r))
      for j in 0..<n {
        dGamma[j] += d[j] * x[j]
        dBeta?[j] += d[j]
      }
      let gHat = (0..<n).map { d[$0] * gamma.valueView.base[$0] }
      let meanG = dropsMeanOfGradient ? 0 : gHat.reduce(0, +) / Double(n)
      let meanGX = (0..<n).reduce(0) { $0 + gHat[$1] * x[$1] } / Double(n)
      for j in 0..<n { d[j] = (gHat[j] - meanG - x[j] * meanGX) * inverseStd[r] }
    }
    return da
  }
}
