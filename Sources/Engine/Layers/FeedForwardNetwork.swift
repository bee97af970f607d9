import Invariants
import Randomness

/// A fully connected classifier: hidden layers z = W·u (+ b), optionally normalised, then
/// squashed; a linear output layer; softmax cross-entropy.
///
/// This is the network of Ioffe & Szegedy 2015, §4.1 (784 → 100 → 100 → 100 → 10, sigmoid):
/// "BN(Wu + b) … the bias b can be ignored since its effect will be canceled by the
/// subsequent mean subtraction", so a normalised hidden layer has no bias (the normaliser's
/// shift β takes its place). Which normaliser is one value of the configuration; the network
/// asks only the `FeedForwardNormalizer` protocol of it.
public final class FeedForwardNetwork<T: Scalar> {
  public struct Configuration: Sendable, Codable, Equatable {
    public var inputs: Int
    public var hidden: [Int]
    public var outputs: Int
    public var activation: Activation
    /// nil: no normalization. Otherwise this one before every hidden nonlinearity.
    public var normalization: FeedForwardNormalization?
    public var initializer: Initializer

    public init(
      inputs: Int, hidden: [Int], outputs: Int, activation: Activation = .sigmoid,
      normalization: FeedForwardNormalization? = nil,
      initializer: Initializer = .normal(standardDeviation: 0.1)
    ) {
      self.inputs = inputs
      self.hidden = hidden
      self.outputs = outputs
      self.activation = activation
      self.normalization = normalization
      self.initializer = initializer
    }
  }

  public let configuration: Configuration
  public let hiddenLayers: [Linear<T>]
  /// Per hidden layer, its normaliser fused with the nonlinearity (nil without one).
  public let norms: [(any FeedForwardNormalizer<T>)?]
  /// The same normalisers where they are batch normalization, as their own type. A call
  /// through `any FeedForwardNormalizer<T>` runs BN's generic body, unspecialised: the BN-MLP
  /// step took 2.9 ms instead of 0.26. Called on `BatchNorm<T>`, the inlined body is
  /// specialised for Float with the network. (Any other normaliser goes through the protocol.)
  @usableFromInline let batchNormsByLayer: [BatchNorm<T>?]
  /// Per hidden layer without a normaliser, its nonlinearity (nil where a normaliser applies
  /// it).
  public let nonlinearities: [ActivationLayer<T>?]
  public let outputLayer: Linear<T>
  public let loss = SoftmaxCrossEntropy<T>()
  /// Every learned tensor, in a fixed order, each with its own name ("hidden1.W",
  /// "hidden1.γ", "hidden1.β", …, "output.W", "output.b").
  public let parameters: [Parameter<T>]
  /// Where a `Matrix` input is copied, so its view stays valid until the backward pass.
  @usableFromInline let inputCopy = Buffer<T>()

  /// - Parameter makeNormalizer: makes the normaliser of each hidden layer the configuration
  ///   normalises; by default the configuration's own kind (`Normalizer.make`). The tests
  ///   pass another here.
  public init(
    _ configuration: Configuration, using generator: inout RandomGenerator,
    makeNormalizer: ((FeedForwardNormalizerRequest) -> any FeedForwardNormalizer<T>)? = nil
  ) {
    self.configuration = configuration
    let widths = [configuration.inputs] + configuration.hidden
    var layers: [Linear<T>] = []
    var norms: [(any FeedForwardNormalizer<T>)?] = []
    for (index, (fanIn, fanOut)) in zip(widths, widths.dropFirst()).enumerated() {
      let weight: Matrix<T> = configuration.initializer.matrix(
        rows: fanIn, cols: fanOut, using: &generator)
      let isNormalized = configuration.normalization != nil
      let name = "hidden\(index + 1)"
      layers.append(
        Linear(
          weight: weight, bias: isNormalized ? nil : Matrix(rows: 1, cols: fanOut),
          computesInputGradient: index > 0, name: name))
      norms.append(
        configuration.normalization.map { normalization in
          let request = FeedForwardNormalizerRequest(
            name: name, features: fanOut, activation: configuration.activation,
            normalization: normalization)
          return makeNormalizer?(request) ?? normalization.normalizer.make(request)
        })
    }
    hiddenLayers = layers
    self.norms = norms
    batchNormsByLayer = norms.map { $0 as? BatchNorm<T> }
    nonlinearities = norms.map { $0 == nil ? ActivationLayer(configuration.activation) : nil }
    let last = widths.last!
    outputLayer = Linear(
      weight: configuration.initializer.matrix(
        rows: last, cols: configuration.outputs, using: &generator),
      bias: Matrix(rows: 1, cols: configuration.outputs),
      computesInputGradient: !configuration.hidden.isEmpty, name: "output")
    var all: [Parameter<T>] = []
    for (linear, norm) in zip(hiddenLayers, norms) {
      all += linear.parameters
      if let norm { all += norm.parameters }
    }
    parameters = all + outputLayer.parameters
    require(
      Set(parameters.map(\.name)).count == parameters.count, "parameter names must be unique")
  }

  /// The normalisers that are batch normalization, in layer order (a probe of BN's own
  /// state: its batch statistics, its population).
  public var batchNorms: [BatchNorm<T>] { norms.compactMap { $0 as? BatchNorm<T> } }

  /// The logits for a batch x (one example per row): a view into the output layer's
  /// buffer, valid until the next forward pass. x must stay valid until `backward`.
  @inlinable
  public func forward(_ x: MatrixView<T>, statistics: StatisticsPolicy) -> MatrixView<T> {
    var h = x
    for l in hiddenLayers.indices {
      // z = W·u (+ b)
      let z = hiddenLayers[l].forward(h, statistics: statistics)
      if let batchNorm = batchNormsByLayer[l] {
        // h = g(BN(z)): batch normalization and the nonlinearity in one pass
        h = batchNorm.forward(z, statistics: statistics)
      } else if let norm = norms[l] {
        // h = g(N(z)): any other normalization, the same way
        h = norm.forward(z, statistics: statistics)
      } else {
        // h = g(z)
        h = nonlinearities[l]!.forward(z, statistics: statistics)
      }
    }
    return outputLayer.forward(h, statistics: statistics)
  }

  /// The logits for a batch, as a matrix (readable code; copies).
  public func forward(_ x: Matrix<T>, statistics: StatisticsPolicy) -> Matrix<T> {
    forward(copyInput(x), statistics: statistics).matrix
  }

  /// The input of hidden nonlinearity `layer` (0-based) in the last forward pass — N(z)
  /// with a normaliser, z without: what Ioffe & Szegedy's Figure 1(b, c) tracks for "a
  /// typical sigmoid".
  public func nonlinearityInput(_ layer: Int) -> Matrix<T> {
    norms[layer]?.lastNonlinearityInput ?? hiddenLayers[layer].lastOutput
  }

  /// Backpropagates ∂ℓ/∂logits through every layer, filling each parameter's gradient.
  @inlinable
  public func backward(_ dLogits: MatrixView<T>) {
    var d = outputLayer.backward(dLogits)
    for l in hiddenLayers.indices.reversed() {
      d =
        batchNormsByLayer[l]?.backward(d) ?? norms[l]?.backward(d) ?? nonlinearities[l]!.backward(d)
      d = hiddenLayers[l].backward(d)
    }
  }

  /// One step of training on a batch: forward, loss, backward, update. Returns the loss.
  /// With the default policy a normaliser that keeps population statistics (BN) also folds
  /// the batch statistics into them.
  /// In the steady state (the same batch size every step) nothing is allocated.
  @inlinable
  @discardableResult
  public func trainStep<O: Optimizer>(
    _ x: Matrix<T>, labels: [Int], optimizer: inout O,
    statistics: StatisticsPolicy = .batchAndTrack
  ) -> T where O.Element == T {
    x.withView { trainStep($0, labels: labels, optimizer: &optimizer, statistics: statistics) }
  }

  /// The same on a view (a batch a stream gathered into its buffer: no copy).
  @inlinable
  @discardableResult
  public func trainStep<O: Optimizer>(
    _ x: MatrixView<T>, labels: [Int], optimizer: inout O,
    statistics: StatisticsPolicy = .batchAndTrack
  ) -> T where O.Element == T {
    require(statistics.usesBatchStatistics, "training normalises with batch statistics")
    let logits = forward(x, statistics: statistics)
    let value = loss.forward(logits: logits, labels: labels)
    backward(loss.backwardView())
    optimizer.step(parameters)
    return value
  }

  /// Classification accuracy over a data set, in batches of `batchSize` (row views of x, no
  /// copies). Evaluation never changes the population statistics: `.population` is Alg. 2's
  /// inference, `.batch` normalises each evaluation batch with its own statistics.
  @inlinable
  public func accuracy(
    _ x: Matrix<T>, labels: [Int], batchSize: Int = 1000,
    statistics: StatisticsPolicy = .population
  ) -> Double {
    require(statistics != .batchAndTrack, "evaluation must not track population statistics")
    require(labels.count == x.rows, "\(labels.count) labels for \(x.rows) examples")
    var correct = 0
    x.withView { x in
      var start = 0
      while start < x.rows {
        let end = Swift.min(start + batchSize, x.rows)
        let logits = forward(x.rows(start..<end), statistics: statistics)
        _ = loss.forward(logits: logits, labels: Array(labels[start..<end]))
        correct += loss.correctCount()
        start = end
      }
    }
    return Double(correct) / Double(Swift.max(x.rows, 1))
  }

  /// The population statistics of the normalisers that keep them, by layer name (a
  /// checkpoint's share of them); empty for a network whose normaliser keeps none.
  public var populations: [String: PopulationStatistics] {
    get {
      Dictionary(
        uniqueKeysWithValues: norms.compactMap { norm in
          norm.flatMap { norm in norm.inferenceStatistics.map { (norm.name, $0) } }
        })
    }
    set {
      for case let norm? in norms where norm.inferenceStatistics != nil {
        guard let population = newValue[norm.name] else { continue }
        require(
          population.features == norm.features,
          "population of \(norm.name) has \(population.features) features, the layer \(norm.features)"
        )
        norm.inferenceStatistics = population
      }
    }
  }

  /// Copies a matrix input into the network's own buffer and returns its view.
  @usableFromInline
  func copyInput(_ x: Matrix<T>) -> MatrixView<T> {
    let view = inputCopy.reshape(rows: x.rows, cols: x.cols)
    x.withView { view.copy(from: $0) }
    return view
  }
}
