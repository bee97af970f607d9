/// Which normalisation a `FeedForwardNetwork` puts before every hidden nonlinearity, as data
/// (like `RecurrentNormalization`): Ioffe & Szegedy's network is `.batch(.paper)`.
public struct FeedForwardNormalization: Codable, Equatable, Sendable {
  /// Which normaliser stands in every hidden layer. A new one is a type conforming to
  /// `FeedForwardNormalizer` and a case here, made in `make` at the end of this file.
  public enum Normalizer: String, Codable, Sendable, CaseIterable {
    /// Batch normalization (`BatchNorm`): each feature over the mini-batch.
    case batch
    /// Layer normalization (`LayerNorm`, Ba et al. 2016): each example over its features.
    case layer
  }

  public var normalizer: Normalizer
  /// ε and, for a normaliser that keeps population statistics, their update rule.
  public var convention: BatchNormConvention
  /// The fused backward pass, or the paper's six equations staged (slow; for comparison).
  public var backwardForm: BatchNormalization.BackwardForm

  public init(
    normalizer: Normalizer, convention: BatchNormConvention = .paper,
    backwardForm: BatchNormalization.BackwardForm = .fused
  ) {
    self.normalizer = normalizer
    self.convention = convention
    self.backwardForm = backwardForm
  }

  /// Batch normalization under `convention` (Ioffe & Szegedy's §4.1 network with `.paper`).
  public static func batch(
    _ convention: BatchNormConvention = .paper,
    backwardForm: BatchNormalization.BackwardForm = .fused
  ) -> Self {
    Self(normalizer: .batch, convention: convention, backwardForm: backwardForm)
  }

  /// Layer normalization with the convention's ε (1e-5, Ba et al.'s code's); it keeps no
  /// population, so the rest of the convention is unused.
  public static let layer = Self(normalizer: .layer)
}

extension FeedForwardNormalization.Normalizer {
  /// The normaliser of this kind for one hidden layer.
  public func make<T: Scalar>(_ request: FeedForwardNormalizerRequest)
    -> any FeedForwardNormalizer<T>
  {
    switch self {
    case .batch:
      BatchNorm<T>(
        features: request.features, convention: request.normalization.convention,
        activation: request.activation, backwardForm: request.normalization.backwardForm,
        name: request.name)
    case .layer:
      LayerNorm<T>(
        features: request.features, epsilon: request.normalization.convention.epsilon,
        activation: request.activation, name: request.name)
    }
  }
}
