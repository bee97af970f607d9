/// Batch normalization as a layer: γ and β are learned, the population statistics are
/// tracked during training under a `BatchNormConvention` and used in inference mode.
public final class BatchNorm<T: Scalar>: Layer {
  /// γ, initialised to 1 (Ioffe & Szegedy) unless a recurrent net asks for 0.1 (Cooijmans).
  public let gamma: Parameter<T>
  /// β, initialised to 0.
  public let beta: Parameter<T>
  public var population: PopulationStatistics
  public var backwardForm: BatchNormalization.BackwardForm
  /// Whether training-mode forward passes fold their batch statistics into `population`.
  /// Off while a gradient checker perturbs inputs, or while a chapter probes the network.
  public var tracksPopulation = true
  @usableFromInline var cache: BatchNormalization.Cache<T>?

  public init(
    features: Int, convention: BatchNormConvention = .paper, initialGamma: T = 1,
    backwardForm: BatchNormalization.BackwardForm = .fused
  ) {
    gamma = Parameter("γ", Matrix(rows: 1, cols: features, repeating: initialGamma))
    beta = Parameter("β", Matrix(rows: 1, cols: features))
    population = PopulationStatistics(features: features, convention: convention)
    self.backwardForm = backwardForm
  }

  @inlinable public var features: Int { gamma.value.cols }
  @inlinable public var convention: BatchNormConvention { population.convention }
  @inlinable public var parameters: [Parameter<T>] { [gamma, beta] }
  /// The batch statistics of the last training-mode forward pass.
  public var lastCache: BatchNormalization.Cache<T>? { cache }

  @inlinable
  public func forward(_ x: Matrix<T>, mode: Mode) -> Matrix<T> {
    let result: (output: Matrix<T>, cache: BatchNormalization.Cache<T>)
    switch mode {
    case .training:
      result = BatchNormalization.forward(
        training: x, gamma: gamma.value, beta: beta.value, epsilon: T(convention.epsilon))
      if tracksPopulation {
        population.update(
          batchMean: result.cache.mean.map { Double($0) },
          batchVariance: result.cache.variance.map { Double($0) }, batchSize: x.rows)
      }
    case .inference:
      result = BatchNormalization.forward(
        inference: x, gamma: gamma.value, beta: beta.value, population: population)
    }
    cache = result.cache
    return result.output
  }

  @inlinable
  public func backward(_ dy: Matrix<T>) -> Matrix<T> {
    guard let cache else { preconditionFailure("BatchNorm.backward called before forward") }
    let gradients = BatchNormalization.backward(
      dy, cache: cache, gamma: gamma.value, form: backwardForm)
    gamma.gradient = gradients.gamma
    beta.gradient = gradients.beta
    return gradients.input
  }
}
