/// A learned tensor and the gradient of the loss with respect to it.
///
/// A class, because three parties share one parameter: the layer that uses it, the
/// backward pass that writes its gradient, and the optimizer that updates it.
public final class Parameter<T: Scalar> {
  public let name: String
  public var value: Matrix<T>
  public var gradient: Matrix<T>

  @inlinable
  public init(_ name: String, _ value: Matrix<T>) {
    self.name = name
    self.value = value
    self.gradient = Matrix(rows: value.rows, cols: value.cols)
  }

  /// Clears the gradient before a backward pass that accumulates into it.
  @inlinable
  public func zeroGradient() {
    gradient.withUnsafeMutableBufferPointer { g in
      g.update(repeating: 0)
    }
  }
}

/// Whether a layer normalises with the current batch (training) or with fixed population
/// statistics (inference, Ioffe & Szegedy 2015, Alg. 2).
public enum Mode: String, Sendable, Codable {
  case training
  case inference
}

/// A layer with a hand-derived backward pass.
///
/// `forward` remembers what `backward` needs (its input or output); `backward` takes
/// ∂ℓ/∂output, writes ∂ℓ/∂parameter into each parameter's `gradient` (overwriting it) and
/// returns ∂ℓ/∂input. Calls alternate: forward, backward, forward, backward.
public protocol Layer<Element>: AnyObject {
  associatedtype Element: Scalar
  func forward(_ x: Matrix<Element>, mode: Mode) -> Matrix<Element>
  func backward(_ dy: Matrix<Element>) -> Matrix<Element>
  var parameters: [Parameter<Element>] { get }
}
