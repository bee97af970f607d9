import Companion
import Engine
import Foundation

// The invariance table on the page: each transformation of the weights or the data, applied
// to one layer y = N(xW), and how much the output moves.

/// The two normalizations the table compares.
enum InvarianceNormalizer: String {
  case batch = "BN"
  case layer = "LN"
}

/// One column of the table: what it does to (x, W), and which normalization it leaves alone.
struct Transformation {
  var name: String
  var apply: (Matrix<Double>, Matrix<Double>) -> (Matrix<Double>, Matrix<Double>)
  var batchInvariant: Bool
  var layerInvariant: Bool
}

/// One cell: a normalization under a transformation, stated and measured.
struct InvarianceCell {
  var transformation: String
  var normalizer: InvarianceNormalizer
  var stated: Bool
  /// max |y' − y| / max |y|.
  var change: Double
  /// Invariant: a change at rounding's level; not: a change no rounding makes.
  var agrees: Bool { stated ? change <= 1e-12 : change >= 1e-2 }
}

/// y = N(xW) with γ = 1, β = 0 and ε = 0: the normalization alone.
func normalizedLayer(
  _ x: Matrix<Double>, _ w: Matrix<Double>, _ normalizer: InvarianceNormalizer
) -> Matrix<Double> {
  let z = matmul(x, w)
  let (ones, zeros) = (
    Matrix<Double>(rows: 1, cols: z.cols, repeating: 1), Matrix<Double>(rows: 1, cols: z.cols)
  )
  switch normalizer {
  case .batch:
    return BatchNormalization.forward(training: z, gamma: ones, beta: zeros, epsilon: 0).output
  case .layer:
    return LayerNormalization.forward(z, gamma: ones, beta: zeros, epsilon: 0).output
  }
}

/// Every cell of the table on a batch of 16 examples of 10 inputs into 8 units.
func measureInvariances() -> [InvarianceCell] {
  var generator = chapter.makeGenerator("invariances")
  func random(_ rows: Int, _ cols: Int) -> Matrix<Double> {
    Matrix(rows: rows, cols: cols) { v in
      for i in v.indices { v[i] = generator.nextGaussian() }
    }
  }
  let (x, w) = (random(16, 10), random(10, 8))
  let (v, c) = (random(10, 1), random(1, 10))
  let delta = 3.7
  /// Column `j` (a unit's weight vector) or row `i` (an example) multiplied by δ.
  func scaled(_ m: Matrix<Double>, column j: Int? = nil, row i: Int? = nil) -> Matrix<Double> {
    var copy = m
    for r in 0..<m.rows {
      for k in 0..<m.cols where r == i || k == j { copy[r, k] *= delta }
    }
    return copy
  }
  let transformations = [
    Transformation(
      name: "weight matrix re-scaling, W → δW", apply: { x, w in (x, delta * w) },
      batchInvariant: true, layerInvariant: true),
    Transformation(
      name: "weight matrix re-centring, W → W + v1ᵀ",
      apply: { x, w in
        (
          x,
          Matrix(rows: w.rows, cols: w.cols) { m in
            for r in 0..<w.rows { for k in 0..<w.cols { m[r * w.cols + k] = w[r, k] + v[r, 0] } }
          }
        )
      }, batchInvariant: false, layerInvariant: true),
    Transformation(
      name: "weight vector re-scaling, w_j → δw_j", apply: { x, w in (x, scaled(w, column: 2)) },
      batchInvariant: true, layerInvariant: false),
    Transformation(
      name: "data set re-scaling, x → δx", apply: { x, w in (delta * x, w) },
      batchInvariant: true, layerInvariant: true),
    Transformation(
      name: "data set re-centring, x → x + 1cᵀ",
      apply: { x, w in
        (
          Matrix(rows: x.rows, cols: x.cols) { m in
            for r in 0..<x.rows { for k in 0..<x.cols { m[r * x.cols + k] = x[r, k] + c[0, k] } }
          }, w
        )
      }, batchInvariant: true, layerInvariant: false),
    Transformation(
      name: "single training case re-scaling, x_i → δx_i",
      apply: { x, w in (scaled(x, row: 5), w) },
      batchInvariant: false, layerInvariant: true),
  ]
  return transformations.flatMap { t in
    [InvarianceNormalizer.batch, .layer].map { normalizer in
      let reference = normalizedLayer(x, w, normalizer)
      let (x2, w2) = t.apply(x, w)
      let moved = normalizedLayer(x2, w2, normalizer)
      return InvarianceCell(
        transformation: t.name, normalizer: normalizer,
        stated: normalizer == .batch ? t.batchInvariant : t.layerInvariant,
        change: (moved - reference).maxAbs / reference.maxAbs)
    }
  }
}
