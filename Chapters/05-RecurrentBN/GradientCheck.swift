import Companion
import Engine
import Foundation
import Randomness

// The BN-LSTM's gradient check on the page: the tiny problem it describes, set up and checked.

/// Every tensor of a tiny BN-LSTM checked against central differences in Double.
func gradientCheckOfTheBNLSTM() -> [GradientCheck] {
  let (steps, batch, inputs, hidden) = (5, 4, 3, 3)
  var generator = chapter.makeGenerator("gradient check")
  let model = SequenceModel<Double>(
    layers: [
      RecurrentLayerConfiguration(
        cell: .lstm, inputs: inputs, hidden: hidden,
        normalization: .cooijmans(maxSteps: steps, initialGamma: 0.4), initialState: .learned)
    ], head: .everyStep(classes: 3), using: &generator)
  for p in model.parameters {
    // γ around 0.8, everything else around 0: no gradient term is zero by construction.
    let (scale, offset) = p.name.hasSuffix("γ") ? (0.3, 0.8) : (0.5, 0.0)
    p.value = Matrix(rows: p.rows, cols: p.cols) { v in
      for i in v.indices { v[i] = offset + scale * generator.nextGaussian() }
    }
  }
  let x = Matrix<Double>(rows: steps * batch, cols: inputs) { v in
    for i in v.indices { v[i] = generator.nextGaussian() }
  }
  let targets = (0..<(steps * batch)).map { _ in generator.next(below: 3) }
  func logits() -> MatrixView<Double> {
    x.withView { model.forward(.dense($0), steps: steps, batch: batch, statistics: .batch) }
  }
  return checkGradients(
    of: model.parameters,
    loss: { SoftmaxCrossEntropy<Double>().forward(logits: logits(), labels: targets) },
    gradients: {
      _ = model.loss.forward(logits: logits(), labels: targets)
      model.backward(model.loss.backwardView())
    })
}

/// The worst relative error over the tensors; where the true gradient is 0 (the dead h_0) only
/// the absolute error means anything, and one of at most 1e-10 counts as exact.
func worstRelativeError(_ checks: [GradientCheck]) -> Double {
  checks.map { $0.maxAbsoluteError <= 1e-10 ? 0 : $0.maxRelativeError }.max() ?? .nan
}
