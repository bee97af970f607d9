/// A fully connected classifier: hidden layers z = W·u (+ b), optionally batch-normalised,
/// then squashed; a linear output layer; softmax cross-entropy.
///
/// This is the network of Ioffe & Szegedy 2015, §4.1 (784 → 100 → 100 → 100 → 10, sigmoid):
/// "BN(Wu + b) … the bias b can be ignored since its effect will be canceled by the
/// subsequent mean subtraction", so a hidden layer with BN has no bias.
public final class FeedForwardNetwork<T: Scalar> {
  public struct Configuration: Sendable, Codable, Equatable {
    public var inputs: Int
    public var hidden: [Int]
    public var outputs: Int
    public var activation: Activation
    /// nil: no BN. Otherwise BN before every hidden nonlinearity, under this convention.
    public var batchNorm: BatchNormConvention?
    public var initializer: Initializer
    public var backwardForm: BatchNormalization.BackwardForm

    public init(
      inputs: Int, hidden: [Int], outputs: Int, activation: Activation = .sigmoid,
      batchNorm: BatchNormConvention? = nil,
      initializer: Initializer = .normal(standardDeviation: 0.1),
      backwardForm: BatchNormalization.BackwardForm = .fused
    ) {
      self.inputs = inputs
      self.hidden = hidden
      self.outputs = outputs
      self.activation = activation
      self.batchNorm = batchNorm
      self.initializer = initializer
      self.backwardForm = backwardForm
    }
  }

  public let configuration: Configuration
  public let hiddenLayers: [Linear<T>]
  public let norms: [BatchNorm<T>?]
  public let nonlinearities: [ActivationLayer<T>]
  public let outputLayer: Linear<T>
  public var loss = SoftmaxCrossEntropy<T>()
  /// The input of each hidden nonlinearity in the last forward pass (after BN, if any):
  /// what Ioffe & Szegedy's Figure 1(b, c) tracks for "a typical sigmoid".
  public var nonlinearityInputs: [Matrix<T>]

  public init(_ configuration: Configuration, using generator: inout RandomGenerator) {
    self.configuration = configuration
    let widths = [configuration.inputs] + configuration.hidden
    var layers: [Linear<T>] = []
    var norms: [BatchNorm<T>?] = []
    for (index, (fanIn, fanOut)) in zip(widths, widths.dropFirst()).enumerated() {
      let weight: Matrix<T> = configuration.initializer.matrix(
        rows: fanIn, cols: fanOut, using: &generator)
      let usesBN = configuration.batchNorm != nil
      layers.append(
        Linear(
          weight: weight, bias: usesBN ? nil : Matrix(rows: 1, cols: fanOut),
          computesInputGradient: index > 0))
      norms.append(
        configuration.batchNorm.map {
          BatchNorm(features: fanOut, convention: $0, backwardForm: configuration.backwardForm)
        })
    }
    hiddenLayers = layers
    self.norms = norms
    nonlinearities = configuration.hidden.map { _ in ActivationLayer(configuration.activation) }
    let last = widths.last!
    outputLayer = Linear(
      weight: configuration.initializer.matrix(
        rows: last, cols: configuration.outputs, using: &generator),
      bias: Matrix(rows: 1, cols: configuration.outputs),
      computesInputGradient: !configuration.hidden.isEmpty)
    nonlinearityInputs = Array(
      repeating: Matrix(rows: 0, cols: 0), count: configuration.hidden.count)
  }

  /// Every learned tensor, in a fixed order (optimizers rely on it).
  public var parameters: [Parameter<T>] {
    var all: [Parameter<T>] = []
    for (linear, norm) in zip(hiddenLayers, norms) {
      all += linear.parameters
      if let norm { all += norm.parameters }
    }
    return all + outputLayer.parameters
  }

  /// The logits for a batch x (one example per row).
  @inlinable
  public func forward(_ x: Matrix<T>, mode: Mode) -> Matrix<T> {
    var h = x
    for l in hiddenLayers.indices {
      // z = W·u (+ b)
      var z = hiddenLayers[l].forward(h, mode: mode)
      // z ← BN(z)
      if let norm = norms[l] { z = norm.forward(z, mode: mode) }
      nonlinearityInputs[l] = z
      // h = g(z)
      h = nonlinearities[l].forward(z, mode: mode)
    }
    return outputLayer.forward(h, mode: mode)
  }

  /// Backpropagates ∂ℓ/∂logits through every layer, filling each parameter's gradient.
  @inlinable
  public func backward(_ dLogits: Matrix<T>) {
    var d = outputLayer.backward(dLogits)
    for l in hiddenLayers.indices.reversed() {
      d = nonlinearities[l].backward(d)
      if let norm = norms[l] { d = norm.backward(d) }
      d = hiddenLayers[l].backward(d)
    }
  }

  /// One step of training on a batch: forward, loss, backward, update. Returns the loss.
  @inlinable
  @discardableResult
  public func trainStep<O: Optimizer>(
    _ x: Matrix<T>, labels: [Int], optimizer: inout O
  ) -> T where O.Element == T {
    let logits = forward(x, mode: .training)
    let value = loss.forward(logits: logits, labels: labels)
    backward(loss.backward())
    optimizer.step(parameters)
    return value
  }

  /// Classification accuracy over a data set, in batches of `batchSize`.
  @inlinable
  public func accuracy(
    _ x: Matrix<T>, labels: [Int], batchSize: Int = 1000, mode: Mode = .inference
  ) -> Double {
    var correct = 0
    var start = 0
    let tracking = norms.map { $0?.tracksPopulation ?? false }
    // Evaluation must never change the population statistics (training mode here means
    // "normalise with this batch's statistics", used to compare against Alg. 2).
    for norm in norms { norm?.tracksPopulation = false }
    defer { for (norm, tracked) in zip(norms, tracking) { norm?.tracksPopulation = tracked } }
    while start < x.rows {
      let end = Swift.min(start + batchSize, x.rows)
      let logits = forward(x.rows(start..<end), mode: mode)
      var probe = SoftmaxCrossEntropy<T>()
      _ = probe.forward(logits: logits, labels: Array(labels[start..<end]))
      correct += probe.correctCount()
      start = end
    }
    return Double(correct) / Double(Swift.max(x.rows, 1))
  }
}
