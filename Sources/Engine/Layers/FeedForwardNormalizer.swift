/// What a hidden layer of a `FeedForwardNetwork` asks of its normalisation: take the B × n
/// pre-activation z = W·u, normalise it, apply the layer's nonlinearity g (in the same pass,
/// if it likes), and the way back.
///
/// The network knows nothing else about it. Batch normalization (`BatchNorm`) is the book's;
/// another normaliser — layer normalization, say — is a new type conforming to this protocol
/// and a case of `FeedForwardNormalization.Normalizer`, with no edit to the network or a
/// chapter. (The tests run such a second normaliser through a network, gradient check
/// included.) `Layer`'s forward and backward are the two passes: forward returns g(N(z)),
/// backward takes ∂ℓ/∂g(N(z)) and fills the parameters' gradients.
public protocol FeedForwardNormalizer<Element>: Layer {
  /// E.g. "hidden1": its parameters' and its inference statistics' names start with it.
  var name: String { get }
  /// The width of the pre-activation it normalises.
  var features: Int { get }
  /// Its learned scale γ, if it has one.
  var scale: Parameter<Element>? { get }
  /// Its shift β, if it has one: a normalised layer has no bias of its own, the shift
  /// takes its place.
  var shift: Parameter<Element>? { get }
  /// Added to a variance before its square root.
  var epsilon: Double { get }
  /// The statistics it keeps for inference, if any: a checkpoint saves them, evaluation with
  /// re-estimated statistics swaps them. nil for a normaliser that keeps none.
  var inferenceStatistics: PopulationStatistics? { get set }
  /// x̂ of the last forward pass: the normalised value, before the learned scale and shift.
  var lastNormalized: Matrix<Element> { get }
  /// The input of the nonlinearity in the last forward pass (the normaliser's output before
  /// g): what Ioffe & Szegedy's Figure 1(b, c) tracks for "a typical sigmoid".
  var lastNonlinearityInput: Matrix<Element> { get }
}

/// Everything a normaliser of one hidden layer is made from.
public struct FeedForwardNormalizerRequest: Sendable {
  /// "hidden1", "hidden2", …
  public var name: String
  public var features: Int
  /// The nonlinearity that follows the normalisation.
  public var activation: Activation
  public var normalization: FeedForwardNormalization
}
