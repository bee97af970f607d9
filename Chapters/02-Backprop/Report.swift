import Foundation

// What section 5 prints of the scaling of the gradient.

/// The scale-invariance numbers of section 5, as the run prints them.
func printGradientScaling(
  inputChange inputGradientChange: Double, weightChange weightGradientChange: Double,
  slopes: (withBN: Double, withBNEpsilon: Double, without: Double)
) {
  let (slopeBN, slopeBNEpsilon, slopeBaseline) = slopes
  chapter.say(
    "\nscale a ∈ [1e-2, 1e2], ε = 0: max relative change of ∂ℓ/∂u \(formatted(inputGradientChange, "%.1e")), of a·∂ℓ/∂(aW) \(formatted(weightGradientChange, "%.1e"))"
  )
  chapter.say(
    "log-log slope of ‖∂ℓ/∂(aW)‖ vs a: with BN (ε = 0) \(formatted(slopeBN, "%.4f")), with BN (ε = 1e-5) \(formatted(slopeBNEpsilon, "%.4f")), without BN (a ≥ 1) \(formatted(slopeBaseline, "%.4f"))"
  )
}
