/// Cooijmans et al. 2017's LSTM and BN-LSTM as their code starts them, written once: the
/// chapter that reproduces the paper and the benchmark that times it build it from here.
///
/// - W_h: the identity on the candidate's block, one orthogonal H × 3H across the other three
///   gates (their `--init id`; `RecurrentInitialization`);
/// - h_0, c_0: learned, starting at zero;
/// - BN (the BN-LSTM only): statistics per time step, γ starting at 0.1 (§4: a small γ keeps
///   tanh in its linear range, so the gradient survives many steps);
/// - initial-state noise: Gaussian, standard deviation 0.1, on h_0 at every fresh start of the
///   BN-LSTM (their fix for in-order MNIST's constant first pixels, where every sequence's
///   W_h h_{t−1} would be the same and BN_h would divide by √ε).
public enum CooijmansLSTM {
  /// γ at initialisation for every batch normalization of the BN-LSTM.
  public static let initialGamma = 0.1
  /// Standard deviation of the noise added to h_0.
  public static let initialStateNoise = 0.1

  /// The layer: normalised as the BN-LSTM is, by `normalizer` (batch normalization for the
  /// paper's BN-LSTM), or the plain LSTM with the same initialisation if nil. `noise` says
  /// whether a normalised LSTM adds the initial-state noise (the plain LSTM never does: it has
  /// no statistics to protect).
  public static func layer(
    inputs: Int, hidden: Int, tokenInput: Bool = false, steps: Int,
    normalizer: RecurrentNormalization.Normalizer?, initialGamma: Double = initialGamma,
    convention: BatchNormConvention = .paper, noise: Bool = true
  ) -> RecurrentLayerConfiguration {
    RecurrentLayerConfiguration(
      cell: .lstm, inputs: inputs, hidden: hidden, tokenInput: tokenInput,
      normalization: normalizer.map {
        .cooijmans(
          maxSteps: steps, initialGamma: initialGamma, convention: convention, normalizer: $0)
      } ?? .none,
      recurrentWeights: .identity, initialState: .learned,
      initialStateNoise: normalizer != nil && noise ? initialStateNoise : 0)
  }
}
