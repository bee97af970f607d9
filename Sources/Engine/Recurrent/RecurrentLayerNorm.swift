import Invariants

/// Layer normalization of one term of a recurrent layer (Ba et al. 2016): at every step each
/// example's term is normalised over its own features — the LN-LSTM's W_x x_t, W_h h_{t−1}
/// (each over all 4H gate pre-activations together, as the authors' code does) and c_t (over
/// its H units). γ (and β, if any) are shared by all steps, as in `RecurrentBatchNorm`; the
/// statistics are not, being each row's own, so there is no T_max, no population, no
/// repeat-last, and a step of one example is normalised like a step of 64.
///
/// Padded rows (mask 0) are normalised like any other (rows are independent) but pass no
/// gradient, to their input or to γ and β. The tape keeps x̂ and 1/√(σ² + ε) of every row.
public final class RecurrentLayerNorm<T: Scalar>: RecurrentNormalizer {
  public typealias Value = T

  public let name: String
  public let gamma: Parameter<T>
  /// nil for the recurrent and input terms, whose shift the LSTM's bias gives.
  public let beta: Parameter<T>?
  public let epsilon: Double

  // The tape: x̂ of every row and each row's 1/√(σ² + ε); μ and σ² are scratch.
  @usableFromInline let normalized = Buffer<T>()
  @usableFromInline let rowInverseStd = Buffer<T>()
  @usableFromInline let rowMean = Buffer<T>()
  @usableFromInline let rowVariance = Buffer<T>()
  @usableFromInline let workspace: Normalization.Workspace<T>
  @usableFromInline var batch = 0

  public init(
    name: String, features: Int, initialGamma: T, hasBeta: Bool, epsilon: Double = 1e-5
  ) {
    self.name = name
    self.epsilon = epsilon
    gamma = Parameter("\(name).γ", Matrix(rows: 1, cols: features, repeating: initialGamma))
    beta = hasBeta ? Parameter("\(name).β", Matrix(rows: 1, cols: features)) : nil
    workspace = Normalization.Workspace(features: features)
  }

  @inlinable public var features: Int { gamma.cols }
  public var parameters: [Parameter<T>] { [gamma] + (beta.map { [$0] } ?? []) }
  public var shift: Parameter<T>? { beta }
  /// None: every row is normalised by its own statistics.
  public var inferenceStatistics: TimeStepStatistics? {
    get { nil }
    set {}
  }

  /// Sizes the tape for `steps` steps of `batch` rows; the policy changes nothing.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  @inlinable
  public func begin(steps: Int, batch: Int, statistics: StatisticsPolicy) {
    self.batch = batch
    normalized.reshape(rows: steps * batch, cols: features)
    rowInverseStd.reshape(rows: steps * batch, cols: 1)
  }

  /// Normalises step t's rows `x` (B × n) into `y` (which may be `x`).
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  @inlinable
  public func forward(
    step t: Int, _ x: MatrixView<T>, into y: MatrixView<T>, mask: UnsafeBufferPointer<T>?
  ) {
    require(
      x.rows == batch && x.cols == features,
      "\(name): step \(t) given \(x.rows)×\(x.cols), expected \(batch)×\(features)")
    normalize(x, into: y, tape: t * batch..<(t + 1) * batch)
  }

  /// Normalises every step's rows at once (T·B × n): rows are independent, so one call.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  @inlinable
  public func forwardAll(
    _ x: MatrixView<T>, into y: MatrixView<T>, mask: UnsafeBufferPointer<T>?
  ) {
    require(
      x.rows == normalized.rows && x.cols == features && y.rows == x.rows,
      "\(name): all steps given \(x.rows)×\(x.cols), expected \(normalized.rows)×\(features)")
    normalize(x, into: y, tape: 0..<x.rows)
  }

  /// μ_i, σ²_i of each row over its features, then y = γ x̂ (+ β), x̂ and s onto the tape.
  @inlinable
  func normalize(_ x: MatrixView<T>, into y: MatrixView<T>, tape rows: Range<Int>) {
    Normalization.layerNormalize(
      x, epsilon: T(epsilon), mean: rowMean.reshape(rows: x.rows, cols: 1),
      variance: rowVariance.reshape(rows: x.rows, cols: 1),
      inverseStd: rowInverseStd.view.rows(rows), gamma: gamma.valueView, beta: beta?.valueView,
      normalized: normalized.view.rows(rows), output: y, workspace: workspace)
  }

  /// From ∂ℓ/∂y of step t to ∂ℓ/∂x (into `dx`, which may be `dy`), adding into ∂ℓ/∂γ, ∂ℓ/∂β.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  @inlinable
  public func backward(
    step t: Int, _ dy: MatrixView<T>, into dx: MatrixView<T>, mask: UnsafeBufferPointer<T>?
  ) {
    backward(dy, into: dx, tape: t * batch..<(t + 1) * batch, mask: mask)
  }

  @_specialize(where T == Float)
  @_specialize(where T == Double)
  @inlinable
  public func backwardAll(
    _ dy: MatrixView<T>, into dx: MatrixView<T>, mask: UnsafeBufferPointer<T>?
  ) {
    backward(dy, into: dx, tape: 0..<dy.rows, mask: mask)
  }

  @inlinable
  func backward(
    _ dy: MatrixView<T>, into dx: MatrixView<T>, tape rows: Range<Int>,
    mask: UnsafeBufferPointer<T>?
  ) {
    Normalization.backward(
      dy, over: .features, normalized: normalized.view.rows(rows),
      inverseStd: rowInverseStd.view.rows(rows), gamma: gamma.valueView, mask: mask,
      inputGradient: dx, gammaGradient: gamma.gradientView, betaGradient: beta?.gradientView,
      workspace: workspace)
  }
}
