import Invariants
import Randomness

/// Token embeddings: row v of E is the vector of token v (a word-level model's input layer).
/// Forward gathers rows; backward adds each row's gradient back into the row it came from.
public final class Embedding<T: Scalar> {
  public let table: Parameter<T>
  @usableFromInline let output = Buffer<T>()
  @usableFromInline var tokens: [Int] = []

  public init(vocabulary: Int, width: Int, name: String, using generator: inout RandomGenerator) {
    table = Parameter(
      "\(name).E",
      Initializer.uniform(limit: 0.1).matrix(rows: vocabulary, cols: width, using: &generator))
  }

  @inlinable public var vocabulary: Int { table.rows }
  @inlinable public var width: Int { table.cols }

  /// The rows of the tokens, one per row of the result.
  @inlinable
  public func forward(_ tokens: [Int]) -> MatrixView<T> {
    self.tokens = tokens
    let (e, y) = (table.valueView, output.reshape(rows: tokens.count, cols: width))
    for (r, token) in tokens.enumerated() {
      require(token >= 0 && token < vocabulary, "token \(token) outside 0..<\(vocabulary)")
      y.row(r).update(from: e.row(token), count: width)
    }
    return y
  }

  /// ∂ℓ/∂E: each row's gradient added into its token's row (overwriting the gradient first).
  @inlinable
  public func backward(_ dy: MatrixView<T>) {
    require(dy.rows == tokens.count && dy.cols == width, "embedding gradient of wrong shape")
    table.zeroGradient()
    let de = table.gradientView
    for (r, token) in tokens.enumerated() {
      let (source, target) = (dy.row(r), de.row(token))
      for j in 0..<width { target[j] += source[j] }
    }
  }
}

/// What a sequence model reads: dense vectors (a pixel per step), or token ids.
public enum SequenceInput<T: Scalar> {
  /// (T·B) × inputs, time-major; must stay valid until the backward pass.
  case dense(MatrixView<T>)
  /// T·B ids, time-major.
  case tokens([Int])
}

/// What a sequence model predicts.
public enum SequenceHead: Codable, Equatable, Sendable {
  /// One class per sequence, from its last hidden state (sequential MNIST); with a mask,
  /// from each sequence's own last unmasked step.
  case lastStep(classes: Int)
  /// The next symbol at every step, a softmax over `classes` at every h_t; the loss is the
  /// mean cross-entropy over all unpadded steps of all sequences (a language model; in
  /// nats per symbol, so bits per character = loss / ln 2).
  case everyStep(classes: Int)

  public var classes: Int {
    switch self {
    case .lastStep(let k), .everyStep(let k): return k
    }
  }
}

/// Recurrent layers, stacked, between an optional embedding and a softmax head.
public final class SequenceModel<T: Scalar> {
  public let embedding: Embedding<T>?
  public let layers: [RecurrentLayer<T>]
  public let head: SequenceHead
  public let readout: Linear<T>
  public let loss = SoftmaxCrossEntropy<T>()
  /// Every learned tensor, each with its own name.
  public let parameters: [Parameter<T>]
  @usableFromInline let topGradient = Buffer<T>()
  /// `.lastStep`: the step each sequence's class is read from (T − 1 without a mask), and
  /// with a mask those h_t gathered, B × H.
  @usableFromInline var lastRealSteps: [Int] = []
  @usableFromInline let lastRealHidden = Buffer<T>()
  @usableFromInline var steps = 0
  @usableFromInline var batch = 0

  /// - Parameters:
  ///   - embedding: (vocabulary, width) to embed token inputs before the first layer
  ///     (otherwise token inputs go straight into the first layer, one-hot).
  public init(
    layers: [RecurrentLayerConfiguration], head: SequenceHead,
    embedding: (vocabulary: Int, width: Int)? = nil, readoutWeights: Initializer = .glorot,
    using generator: inout RandomGenerator
  ) {
    require(!layers.isEmpty, "a sequence model needs at least one recurrent layer")
    self.embedding = embedding.map {
      Embedding(vocabulary: $0.vocabulary, width: $0.width, name: "embedding", using: &generator)
    }
    var built: [RecurrentLayer<T>] = []
    for (k, configuration) in layers.enumerated() {
      if k > 0 {
        require(
          configuration.inputs == layers[k - 1].hidden && !configuration.tokenInput,
          "layer \(k + 1) reads layer \(k)'s \(layers[k - 1].hidden) hidden units")
      }
      built.append(RecurrentLayer(configuration, name: "layer\(k + 1)", using: &generator))
    }
    self.layers = built
    self.head = head
    let top = layers.last!.hidden
    readout = Linear(
      weight: readoutWeights.matrix(rows: top, cols: head.classes, using: &generator),
      bias: Matrix(rows: 1, cols: head.classes), name: "readout")
    parameters =
      (self.embedding.map { [$0.table] } ?? []) + built.flatMap(\.parameters)
      + readout.parameters
    require(
      Set(parameters.map(\.name)).count == parameters.count, "parameter names must be unique")
  }

  /// The logits: B × classes from h_T (`.lastStep`), or (T·B) × classes from every h_t.
  @inlinable
  @discardableResult
  public func forward(
    _ input: SequenceInput<T>, steps: Int, batch: Int, mask: UnsafeBufferPointer<T>? = nil,
    statistics: StatisticsPolicy, start: RecurrentLayer<T>.Start = .fresh
  ) -> MatrixView<T> {
    self.steps = steps
    self.batch = batch
    var h: MatrixView<T>
    switch input {
    case .dense(let x):
      h = layers[0].forward(
        x, steps: steps, batch: batch, mask: mask, statistics: statistics, start: start)
    case .tokens(let ids):
      if let embedding {
        h = layers[0].forward(
          embedding.forward(ids), steps: steps, batch: batch, mask: mask,
          statistics: statistics, start: start)
      } else {
        h = layers[0].forward(
          tokens: ids, steps: steps, batch: batch, mask: mask, statistics: statistics,
          start: start)
      }
    }
    for layer in layers.dropFirst() {
      h = layer.forward(
        h, steps: steps, batch: batch, mask: mask, statistics: statistics, start: start)
    }
    switch head {
    case .lastStep:
      guard let mask else {
        // Every sequence runs to step T (in place: the steady state allocates nothing).
        if lastRealSteps.count != batch { lastRealSteps = Array(repeating: 0, count: batch) }
        for b in 0..<batch { lastRealSteps[b] = steps - 1 }
        return readout.forward(layers.last!.lastHidden, statistics: statistics)
      }
      // A shorter sequence ends before step T: its class is read from its own last real
      // step, not from h_T, which the recurrence computed over padding.
      return readout.forward(gatherLastRealSteps(h, mask: mask), statistics: statistics)
    case .everyStep: return readout.forward(h, statistics: statistics)
    }
  }

  /// Row b of the result is h_{t_b} of sequence b, where t_b is its last unmasked step.
  @inlinable
  func gatherLastRealSteps(_ h: MatrixView<T>, mask: UnsafeBufferPointer<T>) -> MatrixView<T> {
    if lastRealSteps.count != batch { lastRealSteps = Array(repeating: 0, count: batch) }
    let last = lastRealHidden.reshape(rows: batch, cols: h.cols)
    for b in 0..<batch {
      var t = steps - 1
      while t >= 0 && mask[t * batch + b] == 0 { t -= 1 }
      require(t >= 0, "sequence \(b) of the batch has no unmasked step for the head to read")
      lastRealSteps[b] = t
      last.row(b).update(from: h.row(t * batch + b), count: h.cols)
    }
    return last
  }

  /// Backpropagates ∂ℓ/∂logits through the head, every layer (through time) and the
  /// embedding, filling every parameter's gradient.
  @inlinable
  public func backward(_ dLogits: MatrixView<T>) {
    let dTop = readout.backward(dLogits)
    let top = layers.last!
    var dH: MatrixView<T>
    switch head {
    case .lastStep:
      // Only the h_t each sequence's class was read from reaches the loss.
      dH = topGradient.reshape(rows: steps * batch, cols: top.hidden)
      dH.fill(0)
      for b in 0..<batch {
        dH.row(lastRealSteps[b] * batch + b).update(from: dTop.row(b), count: top.hidden)
      }
    case .everyStep:
      dH = dTop
    }
    for k in layers.indices.reversed() {
      let needsInputGradient = k > 0 || embedding != nil
      guard let dx = layers[k].backward(dH, computesInputGradient: needsInputGradient) else {
        return
      }
      if k > 0 { dH = dx } else { embedding?.backward(dx) }
    }
  }

  /// One training step: forward, loss, backward through time, optional clipping of the
  /// gradients' joint norm, update. Returns the loss and the gradient norm before clipping.
  /// `targets` has B labels (`.lastStep`) or T·B next symbols (`.everyStep`).
  @inlinable
  @discardableResult
  public func trainStep<O: Optimizer>(
    _ input: SequenceInput<T>, targets: [Int], steps: Int, batch: Int,
    mask: UnsafeBufferPointer<T>? = nil, optimizer: inout O, clipNorm: Double? = nil,
    statistics: StatisticsPolicy = .batchAndTrack, start: RecurrentLayer<T>.Start = .fresh
  ) -> (loss: T, gradientNorm: Double) where O.Element == T {
    require(statistics.usesBatchStatistics, "training normalises with batch statistics")
    let logits = forward(
      input, steps: steps, batch: batch, mask: mask, statistics: statistics, start: start)
    let value = loss.forward(logits: logits, labels: targets, mask: headMask(mask))
    backward(loss.backwardView())
    let norm = clipNorm.map { clipGradientNorm(parameters, maxNorm: $0) } ?? gradientNorm
    optimizer.step(parameters)
    return (value, norm)
  }

  /// The loss of a batch without learning: the mean cross-entropy and how many of the
  /// predictions that count were right, and how many counted.
  @inlinable
  public func evaluate(
    _ input: SequenceInput<T>, targets: [Int], steps: Int, batch: Int,
    mask: UnsafeBufferPointer<T>? = nil, statistics: StatisticsPolicy = .population,
    start: RecurrentLayer<T>.Start = .fresh
  ) -> (loss: T, correct: Int, counted: Int) {
    require(statistics != .batchAndTrack, "evaluation must not track population statistics")
    let logits = forward(
      input, steps: steps, batch: batch, mask: mask, statistics: statistics, start: start)
    let value = loss.forward(logits: logits, labels: targets, mask: headMask(mask))
    return (value, loss.correctCount(), loss.countedRows)
  }

  /// The mask the loss uses: every step's for `.everyStep`; for `.lastStep` none (every
  /// sequence has a last step).
  @inlinable
  func headMask(_ mask: UnsafeBufferPointer<T>?) -> UnsafeBufferPointer<T>? {
    if case .everyStep = head { return mask }
    return nil
  }

  /// √(Σ‖g‖²) of the current gradients.
  @inlinable
  public var gradientNorm: Double {
    var total = 0.0
    for p in parameters {
      let g = p.gradientView.base
      for i in 0..<p.count { total += Double(g[i]) * Double(g[i]) }
    }
    return total.squareRoot()
  }

  /// Each layer's carried state (for truncated BPTT across windows; a checkpoint saves it).
  public var carriedStates: [RecurrentState<T>] {
    get { layers.map(\.carriedState) }
    set {
      require(newValue.count == layers.count, "one carried state per layer")
      for (layer, state) in zip(layers, newValue) { layer.carriedState = state }
    }
  }

  /// Every normalization's statistics for inference, by name (a checkpoint's share of them;
  /// a normaliser that keeps none has no entry).
  public var populations: [String: TimeStepStatistics] {
    get {
      Dictionary(
        uniqueKeysWithValues: layers.flatMap(\.norms).compactMap { norm in
          norm.inferenceStatistics.map { (norm.name, $0) }
        })
    }
    set {
      for norm in layers.flatMap(\.norms) {
        guard let population = newValue[norm.name] else { continue }
        norm.inferenceStatistics = population
      }
    }
  }
}
