/// What the readable faces (`BatchNormalization`, `LayerNormalization`) keep between a
/// forward pass and its backward pass, and what the backward pass returns.
extension Normalization {
  /// What the forward pass remembers for the backward pass.
  public struct Cache<T: Scalar> {
    /// Whether μ and σ² come from the input itself (BN in training, LN always) or are the
    /// population's (BN at inference).
    public var usesBatchStatistics: Bool
    /// x, needed by the staged form for (x_i − μ_B).
    public var input: Matrix<T>
    /// x̂ = (x − μ)/√(σ² + ε).
    public var normalized: Matrix<T>
    /// μ used to normalise: per feature, the batch mean (BN in training) or the population mean
    /// (BN at inference); per example, the row's mean (LN).
    public var mean: [T]
    /// σ² used to normalise: the biased variance of the input, or the population variance.
    public var variance: [T]
    /// 1/√(σ² + ε), one per statistic.
    public var inverseStd: [T]

    @inlinable
    public init(
      usesBatchStatistics: Bool, input: Matrix<T>, normalized: Matrix<T>, mean: [T],
      variance: [T], inverseStd: [T]
    ) {
      self.usesBatchStatistics = usesBatchStatistics
      self.input = input
      self.normalized = normalized
      self.mean = mean
      self.variance = variance
      self.inverseStd = inverseStd
    }
  }

  /// ∂ℓ/∂x, ∂ℓ/∂γ and ∂ℓ/∂β for one application of the transform.
  public struct Gradients<T: Scalar> {
    public var input: Matrix<T>
    public var gamma: Matrix<T>
    public var beta: Matrix<T>

    @inlinable
    public init(input: Matrix<T>, gamma: Matrix<T>, beta: Matrix<T>) {
      self.input = input
      self.gamma = gamma
      self.beta = beta
    }
  }
}
