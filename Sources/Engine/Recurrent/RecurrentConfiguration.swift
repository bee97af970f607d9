import Invariants

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
