import Companion
import Engine
import Foundation

// The BN-LSTM's gradient check on the page: the tiny problem it describes, set up and checked.

/// Every tensor of a tiny BN-LSTM (γ starting at 0.4) checked against central differences in
/// Double: the library's problem, described on the page.
func gradientCheckOfTheBNLSTM() -> [GradientCheck] {
  chapter.gradientCheckOfATinyLSTM(
    { .cooijmans(maxSteps: $0, initialGamma: 0.4) }, purpose: "gradient check")
}

/// The worst relative error over the tensors; where the true gradient is 0 (the dead h_0) only
/// the absolute error means anything, and one of at most 1e-10 counts as exact.
func worstRelativeError(_ checks: [GradientCheck]) -> Double {
  checks.map { $0.maxAbsoluteError <= 1e-10 ? 0 : $0.maxRelativeError }.max() ?? .nan
}
