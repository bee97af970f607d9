/// What a recurrent layer asks of a normalisation of one of its terms: "normalise this step's
/// term" (or, for the input term, which is computed before the time loop, every step's), and
/// the way back.
///
/// The layer knows nothing else about it. Batch normalization (`RecurrentBatchNorm`) is the
/// book's; another normaliser — layer normalization, say — is a new type conforming to this
/// protocol and a case of `RecurrentNormalization.Normalizer`, with no edit to the layer, the
/// sequence model or a chapter. (The tests run such a second normaliser through a layer,
/// gradient check included.)
public protocol RecurrentNormalizer<Value>: AnyObject {
  associatedtype Value: Scalar

  /// E.g. "layer1.bn_h" (its kind's abbreviation, then its place): its parameters' and its
  /// population's names start with it.
  var name: String { get }
  /// The width of the term it normalises.
  var features: Int { get }
  /// Its learned parameters (γ, and β if any).
  var parameters: [Parameter<Value>] { get }
  /// Its shift β, if it has one. Where a shift follows the pre-activation's terms, the layer
  /// gives it the gate bias's initial value and has no bias of its own.
  var shift: Parameter<Value>? { get }
  /// The statistics it keeps for inference, if any: a checkpoint saves them, evaluation with
  /// re-estimated statistics swaps them. nil for a normaliser that keeps none.
  var inferenceStatistics: TimeStepStatistics? { get set }

  /// Sizes its tape for `steps` steps of `batch` rows and fixes the policy for this pass.
  func begin(steps: Int, batch: Int, statistics: StatisticsPolicy)
  /// Normalises step t's rows `x` (B × n) into `y` (which may be `x`).
  func forward(
    step t: Int, _ x: MatrixView<Value>, into y: MatrixView<Value>,
    mask: UnsafeBufferPointer<Value>?)
  /// Normalises every step's rows at once (T·B × n, time-major).
  func forwardAll(
    _ x: MatrixView<Value>, into y: MatrixView<Value>, mask: UnsafeBufferPointer<Value>?)
  /// From ∂ℓ/∂y of step t to ∂ℓ/∂x (into `dx`, which may be `dy`), adding into its
  /// parameters' gradients.
  func backward(
    step t: Int, _ dy: MatrixView<Value>, into dx: MatrixView<Value>,
    mask: UnsafeBufferPointer<Value>?)
  /// The same for every step of a `forwardAll`.
  func backwardAll(
    _ dy: MatrixView<Value>, into dx: MatrixView<Value>, mask: UnsafeBufferPointer<Value>?)
}

/// Everything a normaliser of one term is made from: which term, its width, and the
/// configuration's choices.
public struct RecurrentNormalizerRequest: Sendable {
  /// "layer1.bn_x", "layer1.bn_h", "layer1.bn", "layer1.bn_c".
  public var name: String
  public var features: Int
  /// Which rows a set of statistics covers (BN's; a normaliser without batch statistics
  /// may ignore it).
  public var statistics: RecurrentStatistics
  public var hasShift: Bool
  public var normalization: RecurrentNormalization
}
