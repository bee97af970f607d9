import Randomness

@testable import Engine

/// Small deterministic tensors for the tests: nothing here reads files or the network.
func randomMatrix<T: Scalar>(
  _ rows: Int, _ cols: Int, seed: UInt64, scale: Double = 1, offset: Double = 0
) -> Matrix<T> {
  var generator = RandomGenerator(seed: seed)
  return Matrix(rows: rows, cols: cols) { v in
    for i in v.indices { v[i] = T(offset + scale * generator.nextGaussian()) }
  }
}

/// The textbook triple loop, the reference every BLAS call is checked against.
func naiveProduct(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Matrix<Double> {
  var c = Matrix<Double>(rows: a.rows, cols: b.cols)
  for i in 0..<a.rows {
    for j in 0..<b.cols {
      var sum = 0.0
      for k in 0..<a.cols { sum += a[i, k] * b[k, j] }
      c[i, j] = sum
    }
  }
  return c
}

/// A loss ℓ = Σ w ⊙ y with fixed random weights w: unlike Σ y, its gradient with respect to
/// a BN input is not identically zero, so a wrong backward pass cannot hide.
struct WeightedSum {
  let weights: Matrix<Double>
  init(rows: Int, cols: Int, seed: UInt64) { weights = randomMatrix(rows, cols, seed: seed) }
  func value(_ y: Matrix<Double>) -> Double { y.dot(weights) }
  var gradient: Matrix<Double> { weights }
}

/// Worst relative error over the tensors of a gradient check.
func worst(_ checks: [GradientCheck]) -> Double {
  checks.map(\.maxRelativeError).max() ?? .infinity
}

extension FeedForwardNetwork where T == Double {
  /// Finite differences against the backward pass for `parameters`, the loss being the
  /// network's cross-entropy on `x` with batch statistics.
  func gradientChecks(
    of parameters: [Parameter<Double>], x: Matrix<Double>, labels: [Int], step: Double = 1e-5
  ) -> [GradientCheck] {
    checkGradients(
      of: parameters, step: step,
      loss: {
        SoftmaxCrossEntropy<Double>().forward(
          logits: forward(x, statistics: .batch), labels: labels)
      },
      gradients: {
        x.withView { x in
          _ = loss.forward(logits: forward(x, statistics: .batch), labels: labels)
          backward(loss.backwardView())
        }
      })
  }
}
