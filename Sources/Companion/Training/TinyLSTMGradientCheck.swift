import Engine
import Randomness

extension Chapter {
  /// Every tensor of a tiny normalised LSTM checked against central differences in Double:
  /// 5 steps, batch 4, 3 inputs, 3 units, a loss at every step; every γ drawn around 0.8 and
  /// everything else around 0, so that no gradient term is zero by construction. The weights,
  /// inputs and targets come from the generator named `purpose`; `step` is the difference step.
  /// Chapters 5 (the BN-LSTM) and 6 (the LN-LSTM) put their derivations to this test.
  public func gradientCheckOfATinyLSTM(
    _ normalization: (_ steps: Int) -> RecurrentNormalization, purpose: String,
    step: Double = 1e-5
  ) -> [GradientCheck] {
    let (steps, batch, inputs, hidden) = (5, 4, 3, 3)
    var generator = makeGenerator(purpose)
    let model = SequenceModel<Double>(
      layers: [
        RecurrentLayerConfiguration(
          cell: .lstm, inputs: inputs, hidden: hidden, normalization: normalization(steps),
          initialState: .learned)
      ], head: .everyStep(classes: 3), using: &generator)
    for p in model.parameters {
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
      of: model.parameters, step: step,
      loss: { SoftmaxCrossEntropy<Double>().forward(logits: logits(), labels: targets) },
      gradients: {
        _ = model.loss.forward(logits: logits(), labels: targets)
        model.backward(model.loss.backwardView())
      })
  }
}
