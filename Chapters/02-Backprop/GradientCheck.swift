import Engine
import Foundation
import Randomness

// Section 3's finite-difference check of BN's backward pass, in both modes, and its report.

/// ℓ = Σ R ⊙ tanh(y) and ∂ℓ/∂y = R ⊙ (1 − tanh²(y)).
func readoutLoss(_ y: Matrix<Double>, readout: Matrix<Double>) -> (
  loss: Double, gradient: Matrix<Double>
) {
  let t = y.mapped { Double.tanh($0) }
  let loss = t.dot(readout)
  return (loss, readout.zipped(with: t) { r, th in r * (1 - th * th) })
}

/// Finite-difference check of BN's backward with batch statistics (training) or population
/// statistics (inference); returns the max relative error per tensor (x, γ, β).
func gradientCheck(training: Bool, generator: inout RandomGenerator) -> [GradientCheck] {
  let x = Parameter(
    "x", gaussianMatrix(checkRows, checkFeatures, scale: 2, offset: 1, using: &generator))
  let g = Parameter("γ", gaussianMatrix(1, checkFeatures, scale: 0.5, offset: 1, using: &generator))
  let b = Parameter("β", gaussianMatrix(1, checkFeatures, using: &generator))
  func forward() -> (Matrix<Double>, BatchNormalization.Cache<Double>) {
    training
      ? BatchNormalization.forward(
        training: x.value, gamma: g.value, beta: b.value, epsilon: epsilon)
      : BatchNormalization.forward(
        inference: x.value, gamma: g.value, beta: b.value, population: inferencePopulation)
  }
  return checkGradients(
    of: [x, g, b], step: 1e-5,
    loss: { readoutLoss(forward().0, readout: readout).loss },
    gradients: {
      let (y, cache) = forward()
      let dy = readoutLoss(y, readout: readout).gradient
      let grads = BatchNormalization.backward(dy, cache: cache, gamma: g.value, form: .fused)
      x.gradient = grads.input
      g.gradient = grads.gamma
      b.gradient = grads.beta
    })
}

/// The table's header: what was checked, on which batch.
func printGradientCheckHeader() {
  chapter.say(
    "\nfinite-difference check (central, h = 1e-5, Double), \(checkRows)×\(checkFeatures) batch:")
  chapter.say("mode        ∂ℓ/∂x      ∂ℓ/∂γ      ∂ℓ/∂β   (max relative error)")
}

/// One mode's row of the table, and its errors in the record.
func printGradientChecks(_ checks: [GradientCheck], mode name: String) {
  chapter.say(
    name.padding(toLength: 10, withPad: " ", startingAt: 0)
      + checks.map { formatted($0.maxRelativeError, "%10.2e") }.joined(separator: " "))
  for check in checks {
    chapter.log.scalar("gradient check \(name) \(check.name)", check.maxRelativeError)
  }
}
