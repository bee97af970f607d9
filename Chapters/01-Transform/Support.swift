import Engine
import Foundation
import Randomness

// The chapter's small tools: moments and shape of a sample, batches drawn from a set, formatting.

/// Per-column mean and biased variance, accumulated in Double.
func columnMoments(_ x: Matrix<Float>) -> (mean: [Double], variance: [Double]) {
  let (m, n) = (x.rows, x.cols)
  var mean = [Double](repeating: 0, count: n)
  var variance = [Double](repeating: 0, count: n)
  x.withUnsafeBufferPointer { xs in
    for i in 0..<m { for j in 0..<n { mean[j] += Double(xs[i * n + j]) } }
    for j in 0..<n { mean[j] /= Double(m) }
    for i in 0..<m {
      for j in 0..<n {
        let d = Double(xs[i * n + j]) - mean[j]
        variance[j] += d * d
      }
    }
    for j in 0..<n { variance[j] /= Double(m) }
  }
  return (mean, variance)
}

/// Standardised third and fourth moments (skewness, kurtosis) of a sample.
func shape(of values: [Double]) -> (skewness: Double, kurtosis: Double) {
  let n = Double(values.count)
  let mean = values.reduce(0, +) / n
  var (m2, m3, m4) = (0.0, 0.0, 0.0)
  for v in values {
    let d = v - mean
    m2 += d * d
    m3 += d * d * d
    m4 += d * d * d * d
  }
  m2 /= n
  m3 /= n
  m4 /= n
  return (m3 / pow(m2, 1.5), m4 / (m2 * m2))
}

/// γ = 1 and β = 0 for `n` features: the transform without its affine step.
func unitAffine(_ n: Int) -> (gamma: Matrix<Float>, beta: Matrix<Float>) {
  (Matrix(rows: 1, cols: n, repeating: 1), Matrix(rows: 1, cols: n))
}

/// Logarithmically spaced values from 10^lower to 10^upper, `perDecade` per decade.
func logSpace(from lower: Double, to upper: Double, perDecade: Int) -> [Double] {
  let count = Int(((upper - lower) * Double(perDecade)).rounded())
  return (0...count).map { pow(10, lower + Double($0) / Double(perDecade)) }
}

/// Rows of `x` at `indices`, as a new matrix (a mini-batch drawn from a larger set).
func gather(_ x: Matrix<Float>, rows indices: [Int]) -> Matrix<Float> {
  let n = x.cols
  return x.withUnsafeBufferPointer { source in
    Matrix(rows: indices.count, cols: n) { target in
      for (r, i) in indices.enumerated() {
        for j in 0..<n { target[r * n + j] = source[i * n + j] }
      }
    }
  }
}

/// `count` indices drawn uniformly with replacement from 0..<range.
func sampleIndices(_ count: Int, from range: Int, using generator: inout RandomGenerator) -> [Int] {
  (0..<count).map { _ in Int(generator.next() % UInt64(range)) }
}

func formatted(_ value: Double, _ format: String = "%9.4f") -> String {
  String(format: format, value)
}

/// Largest change of skewness or kurtosis of any column under training-mode BN.
func largestShapeChange(_ z: Matrix<Float>, epsilon: Float) -> Double {
  let (gamma, beta) = unitAffine(z.cols)
  let (output, _) = BatchNormalization.forward(
    training: z, gamma: gamma, beta: beta, epsilon: epsilon)
  return (0..<z.cols).map { j in
    let (b, a) = (shape(of: z.column(j)), shape(of: output.column(j)))
    return max(abs(a.skewness - b.skewness), abs(a.kurtosis - b.kurtosis))
  }.max()!
}

/// The standard normal quantile Φ⁻¹(p), by Newton's method on Φ(x) = ½·erfc(−x/√2), which
/// converges to Double precision in a few steps from x = 0 for p in (0, 1).
func normalQuantile(_ p: Double) -> Double {
  var x = 0.0
  for _ in 0..<50 {
    let cdf = 0.5 * erfc(-x / 2.0.squareRoot())
    let density = exp(-x * x / 2) / (2 * Double.pi).squareRoot()
    let step = (cdf - p) / density
    x -= step
    if abs(step) < 1e-12 { break }
  }
  return x
}
