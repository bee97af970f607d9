import Invariants

/// Batch normalization as a layer: γ and (optionally) β are learned, population statistics
/// are tracked under a `BatchNormConvention` when the policy says so and used when it asks
/// for them. Everything it computes lives in buffers it owns, sized on the first batch.
///
/// With an `activation` g the layer is g(BN(x)), BN and the nonlinearity that follows it
/// (Ioffe & Szegedy's z = g(BN(Wu)), §3.2) fused into the same passes over the batch. It is
/// the book's `FeedForwardNormalizer`: the normaliser of a `FeedForwardNetwork`'s hidden layers.
public final class BatchNorm<T: Scalar>: FeedForwardNormalizer {
  /// γ, initialised to 1 (Ioffe & Szegedy) unless a recurrent net asks for 0.1 (Cooijmans).
  public let gamma: Parameter<T>
  /// β, initialised to 0; nil for a normalization whose shift another parameter provides
  /// (the BN-LSTM's recurrent and input terms share the LSTM's bias).
  public let beta: Parameter<T>?
  /// The statistics inference normalises with. Assigning or resetting them is noticed, so the
  /// scalar copy used by the kernels is refreshed.
  public var population: PopulationStatistics {
    didSet { populationScalarsAreStale = true }
  }
  public var backwardForm: BatchNormalization.BackwardForm
  /// The nonlinearity applied to γ x̂ + β in the same pass (`.identity`: none).
  public let activation: Activation
  /// The prefix of the parameters' names, and the key of the population in a checkpoint.
  public let name: String

  // Workspaces: statistics of the last batch, x̂, y and ∂ℓ/∂x.
  @usableFromInline let batchMean: Buffer<T>
  @usableFromInline let batchVariance: Buffer<T>
  @usableFromInline let inverseStd: Buffer<T>
  @usableFromInline let normalized = Buffer<T>()
  @usableFromInline let output = Buffer<T>()
  public let matrixInput = Buffer<T>()
  @usableFromInline let inputGradient = Buffer<T>()
  @usableFromInline let workspace: Normalization.Workspace<T>
  /// μ and 1/√(σ² + ε) of the population in `T`, converted when the population changes
  /// rather than on every inference call.
  @usableFromInline let populationMean: Buffer<T>
  @usableFromInline let populationInverseStd: Buffer<T>
  @usableFromInline var populationScalarsAreStale = true
  @usableFromInline var input: MatrixView<T>?
  @usableFromInline var lastPolicy: StatisticsPolicy?

  /// - Parameter name: the prefix of the parameters' names ("hidden1" gives "hidden1.γ").
  public init(
    features: Int, convention: BatchNormConvention = .paper, initialGamma: T = 1,
    hasBeta: Bool = true, activation: Activation = .identity,
    backwardForm: BatchNormalization.BackwardForm = .fused, name: String = "bn"
  ) {
    self.activation = activation
    self.name = name
    gamma = Parameter("\(name).γ", Matrix(rows: 1, cols: features, repeating: initialGamma))
    beta = hasBeta ? Parameter("\(name).β", Matrix(rows: 1, cols: features)) : nil
    population = PopulationStatistics(features: features, convention: convention)
    self.backwardForm = backwardForm
    workspace = Normalization.Workspace(features: features)
    batchMean = Buffer(rows: 1, cols: features)
    batchVariance = Buffer(rows: 1, cols: features)
    inverseStd = Buffer(rows: 1, cols: features)
    populationMean = Buffer(rows: 1, cols: features)
    populationInverseStd = Buffer(rows: 1, cols: features)
  }

  @inlinable public var features: Int { gamma.cols }
  @inlinable public var convention: BatchNormConvention { population.convention }
  public var parameters: [Parameter<T>] { [gamma] + (beta.map { [$0] } ?? []) }

  /// μ_B and σ²_B (biased) of the last forward pass with batch statistics, as 1 × n views
  /// valid until the next forward pass (no copies, no allocation).
  @inlinable
  public var lastBatchStatistics: (mean: MatrixView<T>, variance: MatrixView<T>) {
    (batchMean.view, batchVariance.view)
  }

  /// x̂ of the last forward pass, (x − μ)/√(σ² + ε) with the statistics it used.
  public var lastNormalized: Matrix<T> { normalized.matrix }

  /// γ, the learned scale.
  public var scale: Parameter<T>? { gamma }
  /// β, the shift that takes the bias's place.
  public var shift: Parameter<T>? { beta }
  /// ε, the convention's.
  public var epsilon: Double { convention.epsilon }
  /// The population, as a normaliser's inference statistics (BN always keeps one).
  public var inferenceStatistics: PopulationStatistics? {
    get { population }
    set { if let newValue { population = newValue } }
  }

  /// γ x̂ + β of the last forward pass: the BN output before the fused activation, which is
  /// what a probe of "the input of the nonlinearity" wants (recomputed, not stored).
  public var lastNonlinearityInput: Matrix<T> {
    Normalization.affine(normalized.view, gamma: gamma.valueView, beta: beta?.valueView)
  }

  // page-span: forward
  @inlinable
  public func forward(_ x: MatrixView<T>, statistics: StatisticsPolicy) -> MatrixView<T> {
    require(
      x.cols == features, "BatchNorm of \(features) features given \(x.rows)×\(x.cols)")
    input = x
    lastPolicy = statistics
    let xh = normalized.reshape(rows: x.rows, cols: x.cols)
    let y = output.reshape(rows: x.rows, cols: x.cols)
    let (mean, s): (MatrixView<T>, MatrixView<T>)
    if statistics.usesBatchStatistics {
      require(x.rows > 0, "batch normalization needs at least one example")
      Normalization.moments(
        of: x, mean: batchMean.view, variance: batchVariance.view, workspace: workspace)
      Normalization.inverseStandardDeviation(
        of: batchVariance.view, epsilon: T(convention.epsilon), into: inverseStd.view)
      if statistics == .batchAndTrack {
        population.update(
          batchMean: batchMean.view, batchVariance: batchVariance.view, batchSize: x.rows)
      }
      (mean, s) = (batchMean.view, inverseStd.view)
    } else {
      refreshPopulationScalars()
      (mean, s) = (populationMean.view, populationInverseStd.view)
    }
    Normalization.normalize(
      x, mean: mean, inverseStd: s, gamma: gamma.valueView, beta: beta?.valueView,
      normalized: xh, output: y, activation: activation)
    return y
  }
  // end page-span: forward

  @inlinable
  public func backward(_ dy: MatrixView<T>) -> MatrixView<T> {
    guard let input, let lastPolicy else {
      requirementFailure("BatchNorm.backward called before forward")
    }
    require(
      dy.rows == input.rows && dy.cols == input.cols,
      "BatchNorm.backward given \(dy.rows)×\(dy.cols) ∂ℓ/∂y for a \(input.rows)×\(input.cols) input"
    )
    let dx = inputGradient.reshape(rows: dy.rows, cols: dy.cols)
    gamma.zeroGradient()
    beta?.zeroGradient()
    if lastPolicy.usesBatchStatistics && backwardForm == .staged {
      // The paper's six equations, through the readable matrices (slow; for comparison).
      let cache = BatchNormalization.Cache(
        usesBatchStatistics: true, input: input.matrix, normalized: normalized.matrix,
        mean: batchMean.matrix.storage, variance: batchVariance.matrix.storage,
        inverseStd: inverseStd.matrix.storage)
      // ∂ℓ/∂y from ∂ℓ/∂g(y), through the activation first.
      let upstream = Buffer<T>(rows: dy.rows, cols: dy.cols)
      activationBackward(activation, dy, output: output.view, into: upstream.view)
      let gradients = BatchNormalization.backwardStaged(
        upstream.matrix, cache: cache, gamma: gamma.value)
      gradients.input.withView { dx.copy(from: $0) }
      gamma.gradient = gradients.gamma
      if let beta { beta.gradient = gradients.beta }
      return dx
    }
    Normalization.backward(
      dy, normalized: normalized.view,
      inverseStd: lastPolicy.usesBatchStatistics ? inverseStd.view : populationInverseStd.view,
      gamma: gamma.valueView, batchStatistics: lastPolicy.usesBatchStatistics,
      activation: activation, activationOutput: output.view, inputGradient: dx,
      gammaGradient: gamma.gradientView, betaGradient: beta?.gradientView,
      workspace: workspace)
    return dx
  }

  /// Converts the population's Double statistics to `T` once per change.
  @usableFromInline
  func refreshPopulationScalars() {
    guard populationScalarsAreStale else { return }
    require(population.features == features, "population of the wrong width")
    let (mean, s) = (populationMean.view, populationInverseStd.view)
    let epsilon = T(population.convention.epsilon)
    for j in 0..<features {
      mean[0, j] = T(population.mean[j])
      s[0, j] = 1 / (T(population.variance[j]) + epsilon).squareRoot()
    }
    populationScalarsAreStale = false
  }
}
