import RealModule

/// The squashing functions, each with the derivative written in terms of what the forward
/// pass already computed, so backward is one fused multiply per element.
public enum Activation: String, Sendable, Codable, CaseIterable {
  /// σ(z) = 1/(1+e^(−z)),  σ'(z) = σ(z)(1 − σ(z)). The paper's MNIST net uses it.
  case sigmoid
  /// tanh(z),  tanh'(z) = 1 − tanh²(z). Recurrent nets use it.
  case tanh
  /// max(0, z),  derivative 1 where z > 0, else 0.
  case relu
  /// z,  derivative 1 (for a linear readout or a test).
  case identity

  @inlinable
  public func callAsFunction<T: Scalar>(_ z: T) -> T {
    switch self {
    case .sigmoid: return Engine.sigmoid(z)
    case .tanh: return T.tanh(z)
    case .relu: return z > 0 ? z : 0
    case .identity: return z
    }
  }

  /// The derivative at the point whose *output* is y (for relu, y > 0 ⟺ z > 0).
  @inlinable
  public func derivative<T: Scalar>(output y: T) -> T {
    switch self {
    case .sigmoid: return y * (1 - y)
    case .tanh: return 1 - y * y
    case .relu: return y > 0 ? 1 : 0
    case .identity: return 1
    }
  }
}

/// σ(z) = 1/(1 + e^(−z)). No branch is needed for stability: for z ≪ 0, e^(−z) overflows
/// to a huge number (or +∞) and σ rounds to 0, its correct limit; for z ≫ 0, e^(−z) → 0 and
/// σ → 1. Branch-free, the loops over it vectorise.
@inlinable
public func sigmoid<T: Scalar>(_ z: T) -> T {
  1 / (1 + T.vectorizableExp(-z))
}

/// An element-wise nonlinearity as a layer.
public final class ActivationLayer<T: Scalar>: Layer {
  public let activation: Activation
  @usableFromInline var output = Matrix<T>(rows: 0, cols: 0)

  @inlinable
  public init(_ activation: Activation) { self.activation = activation }

  @inlinable public var parameters: [Parameter<T>] { [] }

  @inlinable
  public func forward(_ x: Matrix<T>, mode: Mode) -> Matrix<T> {
    // One loop per case, so the switch is not re-taken for every element.
    switch activation {
    case .sigmoid: output = x.mapped { Engine.sigmoid($0) }
    case .tanh: output = x.mapped { T.tanh($0) }
    case .relu: output = x.mapped { $0 > 0 ? $0 : 0 }
    case .identity: output = x
    }
    return output
  }

  @inlinable
  public func backward(_ dy: Matrix<T>) -> Matrix<T> {
    // ∂ℓ/∂z = ∂ℓ/∂y · g'(z), with g'(z) read off the output y
    switch activation {
    case .sigmoid: return dy.zipped(with: output) { d, y in d * y * (1 - y) }
    case .tanh: return dy.zipped(with: output) { d, y in d * (1 - y * y) }
    case .relu: return dy.zipped(with: output) { d, y in y > 0 ? d : 0 }
    case .identity: return dy
    }
  }
}
