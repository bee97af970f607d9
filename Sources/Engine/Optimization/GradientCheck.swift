/// Checking a hand-derived backward pass against central finite differences.
///
/// For every entry θ_k of every tensor, (ℓ(θ + h·e_k) − ℓ(θ − h·e_k)) / 2h approximates
/// ∂ℓ/∂θ_k with error O(h²). In `Double` with h = 1e-5 that is about 1e-10 relative, far
/// below any mistake in a derivation, which shows up at 1e-2 or worse.
public struct GradientCheck: Sendable, CustomStringConvertible {
  public let name: String
  /// ‖analytic − numeric‖∞ / max(‖analytic‖∞, ‖numeric‖∞): one number per tensor that does
  /// not blow up on entries whose gradient happens to be near zero.
  public let maxRelativeError: Double
  public let maxAbsoluteError: Double
  public let entries: Int

  public var description: String {
    "\(name): max relative error \(maxRelativeError) over \(entries) entries"
  }
}

/// Compares analytic and numeric gradients of a scalar loss.
///
/// - Parameters:
///   - tensors: everything to check, inputs included (wrap an input in a `Parameter`).
///   - loss: recomputes the loss from the tensors' current values.
///   - gradients: runs forward and backward, leaving ∂ℓ/∂θ in each tensor's `gradient`.
public func checkGradients(
  of tensors: [Parameter<Double>], step h: Double = 1e-5,
  loss: () -> Double, gradients: () -> Void
) -> [GradientCheck] {
  gradients()
  let analytic = tensors.map { $0.gradient }
  return zip(tensors, analytic).map { tensor, analyticGradient in
    let value = tensor.valueView.base
    var numeric = [Double](repeating: 0, count: tensor.count)
    for k in 0..<tensor.count {
      let original = value[k]
      value[k] = original + h
      let plus = loss()
      value[k] = original - h
      let minus = loss()
      value[k] = original
      // ∂ℓ/∂θ_k ≈ (ℓ(θ + h) − ℓ(θ − h)) / 2h
      numeric[k] = (plus - minus) / (2 * h)
    }
    var maxDifference = 0.0
    var scale = 0.0
    for k in 0..<numeric.count {
      maxDifference = max(maxDifference, abs(analyticGradient.storage[k] - numeric[k]))
      scale = max(scale, abs(analyticGradient.storage[k]), abs(numeric[k]))
    }
    return GradientCheck(
      name: tensor.name, maxRelativeError: scale > 0 ? maxDifference / scale : maxDifference,
      maxAbsoluteError: maxDifference, entries: numeric.count)
  }
}
