import Engine
import Foundation

// §2's deviation from scale invariance: measured with the engine, and predicted from the formula.

/// max |BN((aW)u) − BN(Wu)|, measured with the engine at one ε.
func measuredScaleDeviation(a: Double, epsilon: Float, inputs: Matrix<Float>, weight: Matrix<Float>)
  -> Double
{
  let (gamma, beta) = unitAffine(weight.cols)
  let reference = BatchNormalization.forward(
    training: matmul(inputs, weight), gamma: gamma, beta: beta, epsilon: epsilon
  ).output
  let scaled = BatchNormalization.forward(
    training: matmul(inputs, Float(a) * weight), gamma: gamma, beta: beta, epsilon: epsilon
  ).output
  return Double((scaled - reference).maxAbs)
}

/// The same deviation from the formula above, in Double.
func predictedScaleDeviation(a: Double, epsilon: Double, preActivations z: Matrix<Float>) -> Double
{
  let (mean, variance) = columnMoments(z)
  var largest = 0.0
  for j in 0..<z.cols {
    let factor =
      1 / (variance[j] + epsilon / (a * a)).squareRoot() - 1 / (variance[j] + epsilon).squareRoot()
    for i in 0..<z.rows { largest = max(largest, abs((Double(z[i, j]) - mean[j]) * factor)) }
  }
  return largest
}
