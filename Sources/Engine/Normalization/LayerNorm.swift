import Invariants

/// Layer normalization (Ba et al. 2016) as a feed-forward network's normaliser: each example's
/// pre-activation normalised over its own n features, then γ, β and the layer's nonlinearity g
/// in the same pass, as `BatchNorm` does — the same kernels, over the other axis.
///
///     μ_i = (1/n) Σ_j z_ij,   σ²_i = (1/n) Σ_j (z_ij − μ_i)²,   x̂_ij = (z_ij − μ_i) / √(σ²_i + ε)
///     h_ij = g(γ_j x̂_ij + β_j)
///
/// A row is its own statistics, so the policy changes nothing: training and inference are the
/// same computation, a batch of one is normalised like a batch of 128, and there is no
/// population to keep.
public final class LayerNorm<T: Scalar>: FeedForwardNormalizer {
  public typealias Element = T

  public let name: String
  public let activation: Activation
  public let epsilon: Double
  /// γ, initialised to 1 (Ba et al.'s gains), and β, initialised to 0 (their biases).
  public let gamma: Parameter<T>
  public let beta: Parameter<T>

  // Workspaces: each row's μ, σ² and 1/√(σ² + ε) of the last pass, x̂, the output and ∂ℓ/∂z.
  @usableFromInline let rowMean = Buffer<T>()
  @usableFromInline let rowVariance = Buffer<T>()
  @usableFromInline let rowInverseStd = Buffer<T>()
  @usableFromInline let normalized = Buffer<T>()
  @usableFromInline let output = Buffer<T>()
  public let matrixInput = Buffer<T>()
  @usableFromInline let inputGradient = Buffer<T>()
  @usableFromInline let workspace: Normalization.Workspace<T>
  @usableFromInline var hasForward = false

  public init(features: Int, epsilon: Double = 1e-5, activation: Activation, name: String) {
    self.name = name
    self.epsilon = epsilon
    self.activation = activation
    gamma = Parameter("\(name).γ", Matrix(rows: 1, cols: features, repeating: 1))
    beta = Parameter("\(name).β", Matrix(rows: 1, cols: features))
    workspace = Normalization.Workspace(features: features)
  }

  @inlinable public var features: Int { gamma.cols }
  public var parameters: [Parameter<T>] { [gamma, beta] }
  public var scale: Parameter<T>? { gamma }
  public var shift: Parameter<T>? { beta }
  /// None: every row is normalised by its own statistics.
  public var inferenceStatistics: PopulationStatistics? {
    get { nil }
    set {}
  }
  public var lastNormalized: Matrix<T> { normalized.matrix }
  /// γ x̂ + β of the last forward pass (recomputed, not stored).
  public var lastNonlinearityInput: Matrix<T> {
    Normalization.affine(normalized.view, gamma: gamma.valueView, beta: beta.valueView)
  }

  // page-span: forward
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  @inlinable
  public func forward(_ z: MatrixView<T>, statistics: StatisticsPolicy) -> MatrixView<T> {
    require(z.cols == features, "LayerNorm of \(features) features given \(z.rows)×\(z.cols)")
    let h = output.reshape(rows: z.rows, cols: z.cols)
    Normalization.layerNormalize(
      z, epsilon: T(epsilon), mean: rowMean.reshape(rows: z.rows, cols: 1),
      variance: rowVariance.reshape(rows: z.rows, cols: 1),
      inverseStd: rowInverseStd.reshape(rows: z.rows, cols: 1), gamma: gamma.valueView,
      beta: beta.valueView, normalized: normalized.reshape(rows: z.rows, cols: z.cols),
      output: h, activation: activation, workspace: workspace)
    hasForward = true
    return h
  }
  // end page-span: forward

  @_specialize(where T == Float)
  @_specialize(where T == Double)
  @inlinable
  public func backward(_ dh: MatrixView<T>) -> MatrixView<T> {
    require(hasForward, "LayerNorm.backward called before forward")
    require(
      dh.rows == normalized.rows && dh.cols == features,
      "LayerNorm.backward given \(dh.rows)×\(dh.cols) ∂ℓ/∂h for a \(normalized.rows)×\(features) input"
    )
    let dz = inputGradient.reshape(rows: dh.rows, cols: dh.cols)
    gamma.zeroGradient()
    beta.zeroGradient()
    Normalization.backward(
      dh, over: .features, normalized: normalized.view, inverseStd: rowInverseStd.view,
      gamma: gamma.valueView, activation: activation, activationOutput: output.view,
      inputGradient: dz, gammaGradient: gamma.gradientView, betaGradient: beta.gradientView,
      workspace: workspace)
    return dz
  }
}
