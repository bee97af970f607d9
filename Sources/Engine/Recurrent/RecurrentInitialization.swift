import Randomness

/// The four gates of an LSTM, in the order their blocks sit in a 4H-wide row.
public enum LSTMGate: Int, Sendable, Codable, CaseIterable {
  case input = 0
  case forget, output, candidate

  /// Columns of this gate's block in a 4H-wide row.
  @inlinable
  public func columns(hidden: Int) -> Range<Int> { LSTMKernels.gate(rawValue, hidden: hidden) }
}

/// How Cooijmans et al. 2017 start an LSTM, from their code (sequential_mnist.py; the paper
/// says only "orthogonal initialization for all weight matrices, except for the
/// hidden-to-hidden weight matrix which we initialize to be the identity matrix"):
///
/// - the recurrent weight W_h (H × 4H) is the identity on one gate's block — the candidate g
///   in their `--init id` — and one random orthogonal H × 3H matrix across the other three;
/// - the input weight W_x is orthogonal;
/// - the bias is 0 except the forget gate's, 1 (Gers et al. 2000: remember by default);
/// - the initial state h_0, c_0 is learned, starting at zero (optionally with noise added at
///   every sequence, their fix for the constant first pixels of in-order MNIST).
public enum RecurrentInitialization {
  /// W_h: identity on `identityGate`'s block (none: all four blocks one orthogonal H × 4H),
  /// the remaining blocks together one Haar-random orthogonal matrix.
  public static func recurrentWeight<T: Scalar>(
    hidden: Int, identityGate: LSTMGate?, using generator: inout RandomGenerator
  ) -> Matrix<T> {
    let otherGates = LSTMGate.allCases.filter { $0 != identityGate }
    let orthogonal: Matrix<T> = Initializer.orthogonal(gain: 1).matrix(
      rows: hidden, cols: otherGates.count * hidden, using: &generator)
    var weight = Matrix<T>(rows: hidden, cols: 4 * hidden)
    for (block, gate) in otherGates.enumerated() {
      for r in 0..<hidden {
        for c in 0..<hidden {
          weight[r, gate.rawValue * hidden + c] = orthogonal[r, block * hidden + c]
        }
      }
    }
    if let identityGate {
      for r in 0..<hidden { weight[r, identityGate.rawValue * hidden + r] = 1 }
    }
    return weight
  }

  /// The gate bias: `forgetBias` on the forget gate's block, 0 elsewhere.
  public static func bias<T: Scalar>(hidden: Int, forgetBias: Double) -> Matrix<T> {
    var bias = Matrix<T>(rows: 1, cols: 4 * hidden)
    for c in LSTMGate.forget.columns(hidden: hidden) { bias[0, c] = T(forgetBias) }
    return bias
  }
}
