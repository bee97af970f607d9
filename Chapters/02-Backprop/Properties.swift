import Engine
import Foundation

// Section 4's two identities of the gradient, measured per feature, and their report.

/// Per feature, relative to the sum of magnitudes: Σ_i ∂ℓ/∂x_i; Σ_i x̂_i ∂ℓ/∂x_i; and how far
/// the latter is from its predicted value γ·∂ℓ/∂γ·ε/(σ²+ε)^(3/2) (largest over features).
func gradientProperties(epsilon: Double) -> (
  sumResidual: Double, orthogonalityResidual: Double, predictedResidualError: Double,
  largestResidual: Double
) {
  let (_, cache) = BatchNormalization.forward(
    training: batch, gamma: gamma, beta: beta, epsilon: epsilon)
  let grads = BatchNormalization.backwardFused(upstream, cache: cache, gamma: gamma)
  var sumResidual = 0.0
  var orthogonalityResidual = 0.0
  var predictedResidualError = 0.0
  var largestResidual = 0.0
  for j in 0..<n {
    let dx = grads.input.column(j)
    let xhat = cache.normalized.column(j)
    let scale = dx.map(abs).reduce(0, +)
    // Σ_i ∂ℓ/∂x_i, relative to Σ_i |∂ℓ/∂x_i|
    sumResidual = max(sumResidual, abs(dx.reduce(0, +)) / scale)
    // Σ_i x̂_i ∂ℓ/∂x_i, relative to Σ_i |x̂_i ∂ℓ/∂x_i|
    let projection = zip(xhat, dx).map { $0 * $1 }.reduce(0, +)
    let projectionScale = zip(xhat, dx).map { abs($0 * $1) }.reduce(0, +)
    orthogonalityResidual = max(orthogonalityResidual, abs(projection) / projectionScale)
    largestResidual = max(largestResidual, abs(projection) / projectionScale)
    // predicted: γ·∂ℓ/∂γ·ε/(σ² + ε)^(3/2)
    let predicted =
      gamma[0, j] * grads.gamma[0, j] * epsilon / pow(cache.variance[j] + epsilon, 1.5)
    predictedResidualError = max(
      predictedResidualError, abs(projection - predicted) / projectionScale)
  }
  return (sumResidual, orthogonalityResidual, predictedResidualError, largestResidual)
}

/// The table of both identities at ε = 0 and ε = 1e-5.
func printGradientProperties(
  exact: (
    sumResidual: Double, orthogonalityResidual: Double, predictedResidualError: Double,
    largestResidual: Double
  ),
  withEpsilon: (
    sumResidual: Double, orthogonalityResidual: Double, predictedResidualError: Double,
    largestResidual: Double
  )
) {
  chapter.say(
    "\nper feature, relative to the sum of magnitudes:   ε = 0        ε = 1e-5")
  chapter.say(
    "  |Σ_i ∂ℓ/∂x_i|                                 \(formatted(exact.sumResidual, "%9.1e"))    \(formatted(withEpsilon.sumResidual, "%9.1e"))"
  )
  chapter.say(
    "  |Σ_i x̂_i ∂ℓ/∂x_i|                             \(formatted(exact.orthogonalityResidual, "%9.1e"))    \(formatted(withEpsilon.orthogonalityResidual, "%9.1e"))"
  )
  chapter.say(
    "  |Σ_i x̂_i ∂ℓ/∂x_i − γ·∂ℓ/∂γ·ε/(σ²+ε)^(3/2)|     \(formatted(exact.predictedResidualError, "%9.1e"))    \(formatted(withEpsilon.predictedResidualError, "%9.1e"))"
  )
}
