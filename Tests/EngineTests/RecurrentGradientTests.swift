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
    vocabulary: Int = inputs, noise: Double = 0
  ) -> SequenceModel<Double> {
    var generator = RandomGenerator(seed: 7)
    let configurations = (0..<layers).map { k in
      RecurrentLayerConfiguration(
        cell: cell, inputs: k == 0 ? (embedding ? 2 : vocabulary) : hidden, hidden: hidden,
        tokenInput: k == 0 && tokens && !embedding, normalization: normalization,
        initialState: .learned, initialStateNoise: noise)
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

  /// Checks ∂ℓ/∂θ for every parameter and ∂ℓ/∂x for a dense input. Every forward pass — the
  /// analytic one and both sides of each central difference — begins from the same state:
  /// the same initial-state noise (each layer's noise generator is rewound), and for a
  /// `.continuing` pass the same carried state.
  func check(
    _ model: SequenceModel<Double>, input: Parameter<Double>?, tokens: [Int] = [],
    start: RecurrentLayer<Double>.Start = .fresh, mask: [Double]? = nil
  ) -> [GradientCheck] {
    let targets = Self.targets(for: model.head)
    let noise = model.layers.map(\.noiseGenerator)
    let carried = model.carriedStates
    func sequenceInput() -> SequenceInput<Double> {
      input.map { .dense($0.valueView) } ?? .tokens(tokens)
    }
    // The layers read the mask again in the backward pass: it lives as long as the check.
    let maskStorage = mask.map { values in
      let storage = UnsafeMutableBufferPointer<Double>.allocate(capacity: values.count)
      _ = storage.initialize(from: values)
      return storage
    }
    defer { maskStorage?.deallocate() }
    let maskBuffer = maskStorage.map { UnsafeBufferPointer($0) }
    func forward() -> MatrixView<Double> {
      for (layer, generator) in zip(model.layers, noise) { layer.noiseGenerator = generator }
      if start == .continuing { model.carriedStates = carried }
      return model.forward(
        sequenceInput(), steps: Self.steps, batch: Self.batch, mask: maskBuffer,
        statistics: .batch, start: start)
    }
    // A head at every step predicts at padded frames too; the mask keeps them out of the loss.
    let lossMask = model.head == .everyStep(classes: Self.classes) ? maskBuffer : nil
    func loss(_ logits: MatrixView<Double>, _ loss: SoftmaxCrossEntropy<Double>) -> Double {
      loss.forward(logits: logits, labels: targets, mask: lossMask)
    }
    return checkGradients(
      of: (input.map { [$0] } ?? []) + model.parameters,
      loss: { loss(forward(), SoftmaxCrossEntropy<Double>()) },
      gradients: {
        _ = loss(forward(), model.loss)
        model.backward(model.loss.backwardView())
        if let input {
          // ∂ℓ/∂x from the first layer, recomputed with the input gradient switched on (after
          // the forward pass again: a backward pass may spend the tape).
          _ = loss(forward(), model.loss)
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

  /// Cooijmans et al. put noise on h_0 so that BN_h's statistics at step 0 are not those of
  /// one row repeated (h_0 W_h would be the same for every sequence, its batch-centred value
  /// zero, and step 0's share of ∂ℓ/∂γ_h, ∂ℓ/∂W_h invisible). With noise, skipping BN_h's
  /// backward at t = 0 is caught here. Both sides of every difference see the same noise.
  @Test(
    "the BN-LSTM with initial-state noise, as Chapter 5 trains it",
    arguments: [SequenceHead.lastStep(classes: classes), .everyStep(classes: classes)])
  func initialStateNoise(head: SequenceHead) {
    let model = Self.model(
      cell: .lstm, normalization: .cooijmans(maxSteps: Self.steps, initialGamma: 0.4),
      head: head, noise: 0.5)
    let x = Parameter(
      "x",
      randomMatrix(Self.steps * Self.batch, Self.inputs, seed: 12, scale: 1, offset: 0.2)
        as Matrix<Double>)
    let checks = check(model, input: x)
    let failing = checks.filter { !Self.passes($0) }
    #expect(failing.isEmpty, "\(failing)")
    // The check has something to see: BN_h's γ gets a gradient at all.
    let gammaH = model.parameters.first { $0.name == "layer1.bn_h.γ" }!
    #expect(gammaH.gradient.maxAbs > 1e-3)
  }

  /// Truncated BPTT: a window that continues from the carried state is detached from the
  /// initial state, so a learned h_0, c_0 gets no gradient from it (numerically it is
  /// exactly 0: the loss does not read them), while everything else does.
  @Test(
    "a continued window: every gradient, and none for the learned h_0 and c_0",
    arguments: [RecurrentLayerConfiguration.Cell.lstm, .tanh], ["none", "input, frame-wise"])
  func continuedWindow(cell: RecurrentLayerConfiguration.Cell, normalization name: String) {
    let normalization = Self.normalizations.first { $0.0 == name }!.1
    let model = Self.model(
      cell: cell, normalization: normalization, head: .everyStep(classes: Self.classes))
    let x = Parameter(
      "x",
      randomMatrix(Self.steps * Self.batch, Self.inputs, seed: 13, scale: 1, offset: 0.2)
        as Matrix<Double>)
    // A first window leaves a state to continue from.
    model.forward(.dense(x.valueView), steps: Self.steps, batch: Self.batch, statistics: .batch)
    let checks = check(model, input: x, start: .continuing)
    let failing = checks.filter { !Self.passes($0) }
    #expect(failing.isEmpty, "\(failing)")
    let initial = checks.filter { $0.name == "layer1.h0" || $0.name == "layer1.c0" }
    #expect(initial.count == (cell == .lstm ? 2 : 1))
    for check in initial { #expect(check.maxAbsoluteError <= 1e-10, "\(check)") }
  }

  /// A classifier over sequences of different lengths reads each sequence's own last real
  /// step; the gradient flows back into that step only.
  @Test("a last-step head over a masked batch", arguments: ["none", "Cooijmans"])
  func lastStepWithMask(normalization name: String) {
    let normalization = Self.normalizations.first { $0.0 == name }!.1
    let model = Self.model(
      cell: .lstm, normalization: normalization, head: .lastStep(classes: Self.classes))
    let lengths = [5, 3, 5, 2]
    let mask = (0..<Self.steps).flatMap { t in lengths.map { t < $0 ? 1.0 : 0.0 } }
    let x = Parameter(
      "x",
      randomMatrix(Self.steps * Self.batch, Self.inputs, seed: 14, scale: 1, offset: 0.2)
        as Matrix<Double>)
    let checks = check(model, input: x, mask: mask)
    let failing = checks.filter { !Self.passes($0) }
    #expect(failing.isEmpty, "\(failing)")
    // No gradient reaches a padded frame's input.
    let dx = x.gradient
    let padded = (0..<dx.rows).filter { mask[$0] == 0 }
    #expect(padded.allSatisfy { row in (0..<dx.cols).allSatisfy { dx[row, $0] == 0 } })
  }
}
