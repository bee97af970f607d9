import Randomness
import Testing

@testable import Engine

/// Backpropagation through time against central finite differences in Double, for every
/// cell, normalization and head: every parameter, the inputs and the learned initial state.
/// Sizes: T = 5 steps, batch 4, input width 3, hidden 3 (so an LSTM's gates are 12 wide).
/// Tolerance: max relative error ≤ 1e-6 per tensor, or an absolute error ≤ 1e-10 (finite differences' own noise) where the
/// true gradient is zero: a learned h_0 is the same row for every sequence, so a BN whose
/// statistics include h_0 W_h subtracts it with the batch mean and ∂ℓ/∂h_0 is exactly 0
/// (the analytic value is then rounding noise, and a relative error means nothing).
@Suite("Recurrent layers: BPTT against finite differences")
struct RecurrentGradientTests {
  static let (steps, batch, inputs, hidden, classes) = (5, 4, 3, 3, 3)
  static let tolerance = 1e-6

  /// The normalizations of the two papers, by name.
  static let normalizations: [(String, RecurrentNormalization)] = [
    ("none", .none),
    ("input, frame-wise", .frameWise(maxSteps: steps)),
    ("input, sequence-wise", .sequenceWise()),
    ("naive hidden (shared)", .naiveHidden()),
    (
      "whole pre-activation, per step",
      RecurrentNormalization(
        placement: .wholePreactivation, statistics: .perStep, initialGamma: 0.5, maxSteps: steps)
    ),
    ("Cooijmans", .cooijmans(maxSteps: steps, initialGamma: 0.4)),
  ]

  struct Case: CustomTestStringConvertible, Sendable {
    var cell: RecurrentLayerConfiguration.Cell
    var normalization: String
    var head: SequenceHead
    var testDescription: String { "\(cell), \(normalization), \(head)" }
  }

  static let cases: [Case] = [RecurrentLayerConfiguration.Cell.lstm, .tanh].flatMap { cell in
    normalizations.flatMap { name, _ in
      [SequenceHead.lastStep(classes: classes), .everyStep(classes: classes)].map {
        Case(cell: cell, normalization: name, head: $0)
      }
    }
  }

  /// A model whose every parameter is random (γ away from 1, β away from 0), so no term of a
  /// gradient can vanish by accident.
  static func model(
    cell: RecurrentLayerConfiguration.Cell, normalization: RecurrentNormalization,
    head: SequenceHead, layers: Int = 1, tokens: Bool = false, embedding: Bool = false,
    vocabulary: Int = inputs
  ) -> SequenceModel<Double> {
    var generator = RandomGenerator(seed: 7)
    let configurations = (0..<layers).map { k in
      RecurrentLayerConfiguration(
        cell: cell, inputs: k == 0 ? (embedding ? 2 : vocabulary) : hidden, hidden: hidden,
        tokenInput: k == 0 && tokens && !embedding, normalization: normalization,
        initialState: .learned)
    }
    let model = SequenceModel<Double>(
      layers: configurations, head: head, embedding: embedding ? (vocabulary, 2) : nil,
      using: &generator)
    for (k, p) in model.parameters.enumerated() {
      let isScale = p.name.hasSuffix("γ")
      p.value = randomMatrix(
        p.rows, p.cols, seed: 100 + UInt64(k), scale: isScale ? 0.3 : 0.5,
        offset: isScale ? 0.8 : 0)
    }
    return model
  }

  static func targets(for head: SequenceHead) -> [Int] {
    var generator = RandomGenerator(seed: 3)
    let count = head == .lastStep(classes: classes) ? batch : steps * batch
    return (0..<count).map { _ in generator.next(below: classes) }
  }

  /// Checks ∂ℓ/∂θ for every parameter and ∂ℓ/∂x for a dense input.
  func check(_ model: SequenceModel<Double>, input: Parameter<Double>?, tokens: [Int] = [])
    -> [GradientCheck]
  {
    let targets = Self.targets(for: model.head)
    func sequenceInput() -> SequenceInput<Double> {
      input.map { .dense($0.valueView) } ?? .tokens(tokens)
    }
    func loss() -> Double {
      let logits = model.forward(
        sequenceInput(), steps: Self.steps, batch: Self.batch, statistics: .batch)
      return SoftmaxCrossEntropy<Double>().forward(logits: logits, labels: targets)
    }
    return checkGradients(
      of: (input.map { [$0] } ?? []) + model.parameters, loss: loss,
      gradients: {
        let logits = model.forward(
          sequenceInput(), steps: Self.steps, batch: Self.batch, statistics: .batch)
        _ = model.loss.forward(logits: logits, labels: targets)
        model.backward(model.loss.backwardView())
        if let input {
          // ∂ℓ/∂x from the first layer, recomputed with the input gradient switched on.
          let dx = model.layers[0].backward(
            Self.topGradient(model), computesInputGradient: true)!
          input.gradientView.copy(from: dx)
        }
      })
  }

  /// ∂ℓ/∂h of a one-layer model's top, as its `backward` built it.
  static func topGradient(_ model: SequenceModel<Double>) -> MatrixView<Double> {
    switch model.head {
    case .lastStep: return model.topGradient.view
    case .everyStep: return model.readout.inputGradient.view
    }
  }

  @Test("every cell × normalization × head, every parameter and the input", arguments: cases)
  func everyVariant(_ c: Case) {
    let normalization = Self.normalizations.first { $0.0 == c.normalization }!.1
    let model = Self.model(cell: c.cell, normalization: normalization, head: c.head)
    let x = Parameter(
      "x",
      randomMatrix(Self.steps * Self.batch, Self.inputs, seed: 11, scale: 1, offset: 0.2)
        as Matrix<Double>)
    let checks = check(model, input: x)
    #expect(checks.count == model.parameters.count + 1)
    let failing = checks.filter { !Self.passes($0) }
    #expect(failing.isEmpty, "\(failing)")
    // Where BN sees h_0 W_h, a learned h_0 cannot matter (the authors add noise to it).
    if normalization.placement == .wholePreactivation || normalization.placement == .separate {
      let h0 = checks.first { $0.name == "layer1.h0" }!
      #expect(h0.maxAbsoluteError <= 1e-10)
    }
  }

  static func passes(_ check: GradientCheck) -> Bool {
    check.maxRelativeError <= tolerance || check.maxAbsoluteError <= 1e-10
  }

  /// Tokens come from a vocabulary of 7, distinct within each step: a step whose B tokens
  /// were all alike would give BN_x a variance of 0, where finite differences lose accuracy.
  @Test(
    "token inputs (one-hot rows of W_x), an embedding, and two stacked layers",
    arguments: [false, true])
  func tokensAndStacking(embedding: Bool) {
    var generator = RandomGenerator(seed: 5)
    let tokens = (0..<Self.steps).flatMap { _ in generator.permutation(of: 7).prefix(Self.batch) }
    for normalization in [RecurrentNormalization.none, .cooijmans(maxSteps: Self.steps)] {
      let model = Self.model(
        cell: .lstm, normalization: normalization, head: .everyStep(classes: Self.classes),
        layers: 2, tokens: true, embedding: embedding, vocabulary: 7)
      let checks = check(model, input: nil, tokens: tokens)
      let failing = checks.filter { !Self.passes($0) }
      #expect(failing.isEmpty, "\(normalization.placement): \(checks)")
    }
  }
}
