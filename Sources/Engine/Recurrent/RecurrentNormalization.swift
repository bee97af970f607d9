import Invariants

/// Where a recurrent layer normalises, as data (like `BatchNormConvention`): every batch
/// normalization of Laurent et al. 2016 and Cooijmans et al. 2017 is one value of this type.
public struct RecurrentNormalization: Codable, Equatable, Sendable {
  public enum Placement: String, Codable, Sendable, CaseIterable {
    /// No normalization: the plain LSTM or tanh RNN, a_t = W_x x_t + W_h h_{t−1} + b.
    case none
    /// Laurent et al.'s input-to-hidden BN, a_t = BN(W_x x_t; γ, β) + W_h h_{t−1}: β takes
    /// the bias's place. The term does not depend on h, so it is computed and normalised for
    /// all steps before the time loop (frame-wise or sequence-wise statistics).
    case input
    /// Normalise the whole pre-activation, a_t = BN(W_x x_t + W_h h_{t−1}; γ, β): Laurent et
    /// al.'s naive hidden-to-hidden BN (one population shared by all steps, γ = 1), and the
    /// BN tanh-RNN of Cooijmans et al.'s Figure 1 (the authors' code).
    case wholePreactivation
    /// Cooijmans et al.'s BN-LSTM, a_t = BN(W_x x_t; γ_x) + BN(W_h h_{t−1}; γ_h) + b with no
    /// β in either term, and h_t = o ⊙ tanh(BN(c_t; γ_c, β_c)); statistics per time step.
    case separate
  }

  /// Which normaliser stands at each place. A new one is a type conforming to
  /// `RecurrentNormalizer` and a case here, made in `make` at the end of this file.
  public enum Normalizer: String, Codable, Sendable, CaseIterable {
    /// Batch normalization (`RecurrentBatchNorm`): Laurent et al.'s and Cooijmans et al.'s.
    case batch
    /// Layer normalization (`RecurrentLayerNorm`, Ba et al. 2016): each row over its features.
    case layer

    /// The prefix of its terms' names: "bn" gives "layer1.bn_x", "layer1.bn_h", "layer1.bn_c".
    public var abbreviation: String {
      switch self {
      case .batch: "bn"
      case .layer: "ln"
      }
    }
  }

  public var placement: Placement
  public var normalizer: Normalizer
  /// Which rows each set of statistics covers (see `RecurrentBatchNorm.Statistics`).
  public var statistics: RecurrentStatistics
  /// γ at initialisation: 1 in Ioffe & Szegedy and Laurent et al., 0.1 in Cooijmans et al.
  public var initialGamma: Double
  /// ε and the population's update rule.
  public var convention: BatchNormConvention
  /// T_max: steps with population statistics of their own (`.perStep`); later steps use
  /// those of the last.
  public var maxSteps: Int

  public init(
    placement: Placement, statistics: RecurrentStatistics = .perStep,
    initialGamma: Double = 1, convention: BatchNormConvention = .paper, maxSteps: Int = 1,
    normalizer: Normalizer = .batch
  ) {
    require(
      statistics != .sequenceWise || placement == .input,
      "sequence-wise statistics need a term computed for all steps at once: the input term")
    require(maxSteps >= 1, "T_max must be at least 1")
    self.placement = placement
    self.normalizer = normalizer
    self.statistics = statistics
    self.initialGamma = initialGamma
    self.convention = convention
    self.maxSteps = maxSteps
  }

  /// The plain LSTM or RNN.
  public static let none = RecurrentNormalization(placement: .none)

  /// Laurent et al.: BN(W_x x_t) with statistics per time step over the batch.
  public static func frameWise(maxSteps: Int, convention: BatchNormConvention = .paper) -> Self {
    Self(placement: .input, statistics: .perStep, convention: convention, maxSteps: maxSteps)
  }

  /// Laurent et al.: BN(W_x x_t) with statistics over every unpadded frame of the batch.
  public static func sequenceWise(convention: BatchNormConvention = .paper) -> Self {
    Self(placement: .input, statistics: .sequenceWise, convention: convention)
  }

  /// Laurent et al.'s naive hidden-to-hidden BN: γ = 1, one population for all steps.
  public static func naiveHidden(convention: BatchNormConvention = .paper) -> Self {
    Self(placement: .wholePreactivation, statistics: .shared, convention: convention)
  }

  /// Cooijmans et al.'s BN-LSTM: γ = 0.1 (`CooijmansLSTM.initialGamma`), statistics per step
  /// up to T_max; with another `normalizer`, the same three places normalised by it.
  public static func cooijmans(
    maxSteps: Int, initialGamma: Double = CooijmansLSTM.initialGamma,
    convention: BatchNormConvention = .paper, normalizer: Normalizer = .batch
  ) -> Self {
    Self(
      placement: .separate, statistics: .perStep, initialGamma: initialGamma,
      convention: convention, maxSteps: maxSteps, normalizer: normalizer)
  }
}

extension RecurrentNormalization.Normalizer {
  /// The normaliser of this kind for one term.
  public func make<T: Scalar>(_ request: RecurrentNormalizerRequest)
    -> any RecurrentNormalizer<T>
  {
    switch self {
    case .batch:
      RecurrentBatchNorm<T>(
        name: request.name, features: request.features, statistics: request.statistics,
        maxSteps: request.normalization.maxSteps,
        initialGamma: T(request.normalization.initialGamma), hasBeta: request.hasShift,
        convention: request.normalization.convention)
    case .layer:
      RecurrentLayerNorm<T>(
        name: request.name, features: request.features,
        initialGamma: T(request.normalization.initialGamma), hasBeta: request.hasShift,
        epsilon: request.normalization.convention.epsilon)
    }
  }
}
