import Engine

/// A second normaliser for a recurrent layer, written in the tests to show that one is a new
/// file plus a case: layer normalization (Ba et al. 2016), each row normalised over its own
/// features, so it needs no batch and keeps no statistics for inference.
///
///     μ_r = (1/n) Σ_j x_rj,   σ²_r = (1/n) Σ_j (x_rj − μ_r)²,   x̂_rj = (x_rj − μ_r) / √(σ²_r + ε)
///     y_rj = γ_j x̂_rj (+ β_j)
///
/// Backward, with ĝ = ∂ℓ/∂x̂ = ∂ℓ/∂y ⊙ γ:
///
///     ∂ℓ/∂x_rj = (ĝ_rj − mean_j ĝ_r − x̂_rj · mean_j (ĝ_r ⊙ x̂_r)) / √(σ²_r + ε)
///     ∂ℓ/∂γ_j = Σ_r ∂ℓ/∂y_rj x̂_rj,   ∂ℓ/∂β_j = Σ_r ∂ℓ/∂y_rj
///
/// Padded rows (mask 0) are normalised like any other (rows are independent) but pass no
/// gradient, to their input or to γ and β.
final class RowNormalizer: RecurrentNormalizer {
  typealias Value = Double

  let name: String
  let features: Int
  let gamma: Parameter<Double>
  let shift: Parameter<Double>?
  let epsilon = 1e-5
  var inferenceStatistics: TimeStepStatistics? {
    get { nil }
    set {}
  }
  // The tape: x̂ and 1/√(σ² + ε) of every row of the pass.
  private var normalized: [Double] = []
  private var inverseStd: [Double] = []
  private var batch = 0

  init(_ request: RecurrentNormalizerRequest) {
    name = request.name
    features = request.features
    gamma = Parameter("\(name).γ", Matrix(rows: 1, cols: features, repeating: 1))
    shift = request.hasShift ? Parameter("\(name).β", Matrix(rows: 1, cols: features)) : nil
  }

  var parameters: [Parameter<Double>] { [gamma] + (shift.map { [$0] } ?? []) }

  func begin(steps: Int, batch: Int, statistics: StatisticsPolicy) {
    self.batch = batch
    normalized = Array(repeating: 0, count: steps * batch * features)
    inverseStd = Array(repeating: 0, count: steps * batch)
  }

  func forward(
    step t: Int, _ x: MatrixView<Double>, into y: MatrixView<Double>,
    mask: UnsafeBufferPointer<Double>?
  ) {
    let n = features
    for r in 0..<x.rows {
      let (row, out, tapeRow) = (x.row(r), y.row(r), t * batch + r)
      let mean = (0..<n).reduce(0) { $0 + row[$1] } / Double(n)
      let variance = (0..<n).reduce(0) { $0 + (row[$1] - mean) * (row[$1] - mean) } / Double(n)
      let s = 1 / (variance + epsilon).squareRoot()
      inverseStd[tapeRow] = s
      for j in 0..<n {
        let xHat = (row[j] - mean) * s
        normalized[tapeRow * n + j] = xHat
        out[j] = gamma.valueView.base[j] * xHat + (shift?.valueView.base[j] ?? 0)
      }
    }
  }

  func forwardAll(
    _ x: MatrixView<Double>, into y: MatrixView<Double>, mask: UnsafeBufferPointer<Double>?
  ) {
    for t in 0..<x.rows / batch {
      let rows = t * batch..<(t + 1) * batch
      forward(step: t, x.rows(rows), into: y.rows(rows), mask: nil)
    }
  }

  func backward(
    step t: Int, _ dy: MatrixView<Double>, into dx: MatrixView<Double>,
    mask: UnsafeBufferPointer<Double>?
  ) {
    let n = features
    let (dGamma, dBeta) = (gamma.gradientView.base, shift?.gradientView.base)
    for r in 0..<dy.rows {
      let (gradient, out, tapeRow) = (dy.row(r), dx.row(r), t * batch + r)
      if let mask, mask[r] == 0 {
        for j in 0..<n { out[j] = 0 }
        continue
      }
      let xHat = normalized[(tapeRow * n)..<((tapeRow + 1) * n)].map { $0 }
      let g = (0..<n).map { gradient[$0] * gamma.valueView.base[$0] }
      for j in 0..<n {
        dGamma[j] += gradient[j] * xHat[j]
        dBeta?[j] += gradient[j]
      }
      let meanG = g.reduce(0, +) / Double(n)
      let meanGX = zip(g, xHat).reduce(0) { $0 + $1.0 * $1.1 } / Double(n)
      for j in 0..<n { out[j] = (g[j] - meanG - xHat[j] * meanGX) * inverseStd[tapeRow] }
    }
  }

  func backwardAll(
    _ dy: MatrixView<Double>, into dx: MatrixView<Double>, mask: UnsafeBufferPointer<Double>?
  ) {
    for t in 0..<dy.rows / batch {
      let rows = t * batch..<(t + 1) * batch
      backward(
        step: t, dy.rows(rows), into: dx.rows(rows),
        mask: mask.map { UnsafeBufferPointer(rebasing: $0[rows]) })
    }
  }
}
