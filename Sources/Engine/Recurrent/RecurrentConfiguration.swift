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
  /// `RecurrentNormalizer` and a case here (made in `Normalizer.make`).
  public enum Normalizer: String, Codable, Sendable, CaseIterable {
    /// Batch normalization (`RecurrentBatchNorm`): Laurent et al.'s and Cooijmans et al.'s.
    case batch
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
  /// up to T_max.
  public static func cooijmans(
    maxSteps: Int, initialGamma: Double = CooijmansLSTM.initialGamma,
    convention: BatchNormConvention = .paper
  ) -> Self {
    Self(
      placement: .separate, statistics: .perStep, initialGamma: initialGamma,
      convention: convention, maxSteps: maxSteps)
  }
}

/// A recurrent layer's shape, normalization and initialisation.
public struct RecurrentLayerConfiguration: Codable, Equatable, Sendable {
  public enum Cell: String, Codable, Sendable {
    /// h_t = tanh(a_t).
    case tanh
    /// The LSTM: gates i, f, o, g side by side in a 4H-wide pre-activation.
    case lstm
  }

  public enum RecurrentWeights: Codable, Equatable, Sendable {
    /// A random orthogonal matrix (Saxe et al. 2014).
    case orthogonal
    /// The identity: W_h = I for a tanh RNN (Le et al.'s iRNN; Cooijmans et al.'s Figure 1),
    /// and for an LSTM the identity on the candidate's block with the other three blocks one
    /// orthogonal H × 3H (the authors' `--init id`).
    case identity
    /// Uniform on [−limit, limit] (Zaremba et al. 2014: 0.1).
    case uniform(limit: Double)
  }

  public enum InitialState: String, Codable, Sendable {
    /// h_0 = c_0 = 0, not learned.
    case zero
    /// h_0 and c_0 are parameters, initialised to 0 (the authors' code).
    case learned
  }

  public var cell: Cell
  /// Width of x_t; with `tokenInput`, the vocabulary size.
  public var inputs: Int
  public var hidden: Int
  /// Inputs are token ids: x_t is one-hot, so W_x x_t is a row of W_x, gathered rather than
  /// multiplied (a character model's input).
  public var tokenInput: Bool
  public var normalization: RecurrentNormalization
  public var inputWeights: Initializer
  public var recurrentWeights: RecurrentWeights
  /// The forget gate's bias at initialisation (Gers et al. 2000: 1).
  public var forgetBias: Double
  public var initialState: InitialState
  /// Standard deviation of Gaussian noise added to h_0 at every fresh start (Cooijmans et
  /// al.'s fix for the constant first pixels of in-order MNIST; 0: none).
  public var initialStateNoise: Double

  public init(
    cell: Cell, inputs: Int, hidden: Int, tokenInput: Bool = false,
    normalization: RecurrentNormalization = .none,
    inputWeights: Initializer = .orthogonal(gain: 1),
    recurrentWeights: RecurrentWeights = .orthogonal, forgetBias: Double = 1,
    initialState: InitialState = .zero, initialStateNoise: Double = 0
  ) {
    self.cell = cell
    self.inputs = inputs
    self.hidden = hidden
    self.tokenInput = tokenInput
    self.normalization = normalization
    self.inputWeights = inputWeights
    self.recurrentWeights = recurrentWeights
    self.forgetBias = forgetBias
    self.initialState = initialState
    self.initialStateNoise = initialStateNoise
  }

  /// Width of the pre-activation: 4H for an LSTM, H for a tanh RNN.
  public var gateWidth: Int { cell == .lstm ? 4 * hidden : hidden }
}
