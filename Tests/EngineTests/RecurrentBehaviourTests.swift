import Randomness
import Testing

@testable import Engine

/// What the recurrent normalizations promise beyond their gradients: which frames each set of
/// statistics covers, what inference does past T_max, that padding is invisible, and that a
/// seed reproduces a run bit for bit.
@Suite("Recurrent layers: statistics, padding, state and determinism")
struct RecurrentBehaviourTests {
  static let (steps, batch, inputs, hidden) = (6, 5, 2, 4)

  static func layer(
    _ normalization: RecurrentNormalization, cell: RecurrentLayerConfiguration.Cell = .lstm,
    noise: Double = 0
  ) -> RecurrentLayer<Double> {
    var generator = RandomGenerator(seed: 21)
    return RecurrentLayer(
      RecurrentLayerConfiguration(
        cell: cell, inputs: inputs, hidden: hidden, normalization: normalization,
        initialState: .learned, initialStateNoise: noise),
      name: "layer", using: &generator)
  }

  static func input(seed: UInt64) -> Matrix<Double> {
    randomMatrix(steps * batch, inputs, seed: seed, scale: 1, offset: 0.3)
  }

  /// Each normalization's statistics at every step of one forward pass.
  static func statistics(_ layer: RecurrentLayer<Double>, x: Matrix<Double>) -> [[[Double]]] {
    x.withView { _ = layer.forward($0, steps: steps, batch: batch, statistics: .batch) }
    return layer.batchNorms.map { norm in
      (0..<steps).map {
        norm.lastStatistics(step: $0).mean + norm.lastStatistics(step: $0).variance
      }
    }
  }

  @Test("per-step statistics are separate: changing step 3's inputs leaves steps 0-2 alone")
  func perStepStatistics() {
    let layer = Self.layer(.cooijmans(maxSteps: Self.steps))
    var x = Self.input(seed: 1)
    let before = Self.statistics(layer, x: x)
    for b in 0..<Self.batch { x[3 * Self.batch + b, 0] += 1 + Double(b) }
    let after = Self.statistics(layer, x: x)
    #expect(layer.norms.map(\.name) == ["layer.bn_x", "layer.bn_h", "layer.bn_c"])
    for (k, norm) in layer.norms.enumerated() {
      for t in 0..<3 { #expect(after[k][t] == before[k][t], "\(norm.name), step \(t)") }
      // BN_h at step t sees h_{t−1}, which x_3 reaches only from step 4 on.
      let firstChanged = norm.name == "layer.bn_h" ? 4 : 3
      for t in 3..<firstChanged { #expect(after[k][t] == before[k][t], "\(norm.name), step \(t)") }
      #expect(
        after[k][firstChanged] != before[k][firstChanged], "\(norm.name), step \(firstChanged)")
    }
  }

  @Test("inference at steps ≥ T_max normalises with step T_max − 1's population")
  func repeatLastBeyondMaxSteps() throws {
    let maxSteps = 3
    let layer = Self.layer(.cooijmans(maxSteps: maxSteps))
    let x = Self.input(seed: 2)
    // Learn a population for steps 0-2 (the batch has 6 steps: 3-5 fold into step 2).
    x.withView {
      _ = layer.forward($0, steps: Self.steps, batch: Self.batch, statistics: .batchAndTrack)
    }
    let cellNorm = try #require(layer.cellNorm as? RecurrentBatchNorm<Double>)
    #expect(cellNorm.population.maxSteps == maxSteps)
    #expect(cellNorm.population[2].batches == 4)  // steps 2, 3, 4, 5
    // In inference, step 5's BN_c uses population[2]: its x̂ is (c − μ₂)/√(σ²₂ + ε).
    x.withView {
      _ = layer.forward($0, steps: Self.steps, batch: Self.batch, statistics: .population)
    }
    let c5 = layer.cellStates.withView { $0.rows(5 * Self.batch..<6 * Self.batch).matrix }
    let xHat5 = cellNorm.normalized.view.rows(5 * Self.batch..<6 * Self.batch).matrix
    let population = cellNorm.population[2]
    for b in 0..<Self.batch {
      for j in 0..<Self.hidden {
        let expected =
          (c5[b, j] - population.mean[j]) / (population.variance[j] + 1e-5).squareRoot()
        #expect(abs(xHat5[b, j] - expected) < 1e-12)
      }
    }
  }

  @Test("sequence-wise statistics are those of every unpadded frame together")
  func sequenceWiseStatistics() throws {
    let layer = Self.layer(.sequenceWise())
    let x = Self.input(seed: 3)
    // Sequences of lengths 6, 4, 2, 5, 6: frame (t, b) counts when t < length_b.
    let lengths = [6, 4, 2, 5, 6]
    let mask = (0..<Self.steps).flatMap { t in lengths.map { t < $0 ? 1.0 : 0.0 } }
    mask.withUnsafeBufferPointer { mask in
      x.withView {
        _ = layer.forward($0, steps: Self.steps, batch: Self.batch, mask: mask, statistics: .batch)
      }
    }
    // x W_x over the counted frames, by hand.
    let xw = matmul(x, layer.inputWeight.value)
    let counted = (0..<(Self.steps * Self.batch)).filter { mask[$0] != 0 }
    let (mean, variance) = try #require(layer.inputNorm as? RecurrentBatchNorm<Double>)
      .lastStatistics(step: 0)
    for j in 0..<xw.cols {
      let column = counted.map { xw[$0, j] }
      let mu = column.reduce(0, +) / Double(column.count)
      let sigma2 = column.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(column.count)
      #expect(abs(mean[j] - mu) < 1e-12 && abs(variance[j] - sigma2) < 1e-12)
    }
  }

  /// For both heads: a language model's (every step, padded steps masked out of the loss)
  /// and a classifier's (each sequence's own last real step; reading h_T instead once let
  /// the padding value move the logits by 0.51).
  @Test(
    "padded frames change nothing: not the loss, not a gradient",
    arguments: [
      RecurrentNormalization.none, .frameWise(maxSteps: 6), .sequenceWise(),
      .cooijmans(maxSteps: 6),
    ], [SequenceHead.everyStep(classes: 3), .lastStep(classes: 3)])
  func paddingIsInvisible(_ normalization: RecurrentNormalization, head: SequenceHead) {
    let lengths = [6, 3, 6, 1, 4]
    let mask = (0..<Self.steps).flatMap { t in lengths.map { t < $0 ? 1.0 : 0.0 } }
    var generator = RandomGenerator(seed: 4)
    let everyStep = head == .everyStep(classes: 3)
    let targets = (0..<(everyStep ? Self.steps * Self.batch : Self.batch)).map { _ in
      generator.next(below: 3)
    }
    func run(padding: Double) -> (Double, [Matrix<Double>]) {
      var generator = RandomGenerator(seed: 9)
      let model = SequenceModel<Double>(
        layers: [
          RecurrentLayerConfiguration(
            cell: .lstm, inputs: Self.inputs, hidden: Self.hidden, normalization: normalization)
        ], head: head, using: &generator)
      var x = Self.input(seed: 5)
      for row in 0..<x.rows where mask[row] == 0 { for j in 0..<x.cols { x[row, j] = padding } }
      return mask.withUnsafeBufferPointer { mask in
        x.withView { x in
          let logits = model.forward(
            .dense(x), steps: Self.steps, batch: Self.batch, mask: mask, statistics: .batch)
          let loss = model.loss.forward(
            logits: logits, labels: targets, mask: everyStep ? mask : nil)
          model.backward(model.loss.backwardView())
          return (loss, model.parameters.map(\.gradient))
        }
      }
    }
    let (lossA, gradientsA) = run(padding: 0)
    let (lossB, gradientsB) = run(padding: 37)
    #expect(abs(lossA - lossB) <= 1e-12 * abs(lossA))
    for (a, b) in zip(gradientsA, gradientsB) {
      #expect((a - b).maxAbs <= 1e-12 * max(a.maxAbs, 1))
    }
  }

  @Test("initial-state noise is seeded; a continued pass starts where the last one ended")
  func initialStateAndContinuation() {
    let layer = Self.layer(.none, noise: 0.1)
    let x = Self.input(seed: 6)
    let first = x.withView {
      layer.forward($0, steps: Self.steps, batch: Self.batch, statistics: .batch).matrix
    }
    let end = layer.lastHidden.matrix
    let second = x.withView {
      layer.forward($0, steps: Self.steps, batch: Self.batch, statistics: .batch).matrix
    }
    #expect(first != second, "fresh starts draw new noise")
    let twin = Self.layer(.none, noise: 0.1)
    let twinFirst = x.withView {
      twin.forward($0, steps: Self.steps, batch: Self.batch, statistics: .batch).matrix
    }
    #expect(first == twinFirst, "the same seed draws the same noise")
    // Continuing: h_0 of the next pass is h_T of the previous one.
    let continued = Self.layer(.none)
    _ = x.withView {
      continued.forward($0, steps: Self.steps, batch: Self.batch, statistics: .batch)
    }
    let carried = continued.lastHidden.matrix
    _ = x.withView {
      continued.forward(
        $0.rows(0..<Self.batch), steps: 1, batch: Self.batch, statistics: .batch,
        start: .continuing)
    }
    #expect(continued.hiddens.view.rows(0..<Self.batch).matrix == carried)
    _ = end
  }

  @Test("two seeded training runs are bitwise equal", arguments: [false, true])
  func determinism(batchNorm: Bool) {
    func train() -> [Matrix<Float>] {
      var generator = RandomGenerator(seed: 13)
      let model = SequenceModel<Float>(
        layers: [
          RecurrentLayerConfiguration(
            cell: .lstm, inputs: 1, hidden: 8,
            normalization: batchNorm ? .cooijmans(maxSteps: 10) : .none,
            initialState: .learned, initialStateNoise: 0.1)
        ], head: .lastStep(classes: 3), using: &generator)
      var optimizer = RMSProp<Float>.cooijmans()
      var data = RandomGenerator(seed: 2)
      for _ in 0..<5 {
        let x = Matrix<Float>(rows: 10 * 6, cols: 1) { v in
          for i in v.indices { v[i] = Float(data.nextUnit()) }
        }
        let labels = (0..<6).map { _ in data.next(below: 3) }
        x.withView { x in
          _ = model.trainStep(
            .dense(x), targets: labels, steps: 10, batch: 6, optimizer: &optimizer, clipNorm: 1)
        }
      }
      return model.parameters.map(\.value)
    }
    #expect(train() == train())
  }
}
