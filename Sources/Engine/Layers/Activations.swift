import Invariants

/// The squashing functions. Each backward pass reads the derivative off the forward pass's
/// output, so it is one fused multiply per element.
public enum Activation: String, Sendable, Codable, CaseIterable {
  /// σ(z) = 1/(1+e^(−z)),  σ'(z) = σ(z)(1 − σ(z)). The paper's MNIST net uses it.
  case sigmoid
  /// tanh(z),  tanh'(z) = 1 − tanh²(z). Recurrent nets use it.
  case tanh
  /// max(0, z),  derivative 1 where z > 0, else 0.
  case relu
  /// z,  derivative 1 (for a linear readout or a test).
  case identity
}

/// σ(z) = 1/(1 + e^(−z)). No branch is needed for stability: for z ≪ 0, e^(−z) overflows
/// to a huge number (or +∞) and σ rounds to 0, its correct limit; for z ≫ 0, e^(−z) → 0 and
/// σ → 1. Branch-free, the loops over it vectorise.
@inlinable
public func sigmoid<T: Scalar>(_ z: T) -> T {
  1 / (1 + T.vectorizableExp(-z))
}

/// y = g(z) element by element; `y` may be `z` itself.
@inlinable
public func activate<T: Scalar>(_ activation: Activation, _ z: MatrixView<T>, into y: MatrixView<T>)
{
  require(
    z.rows == y.rows && z.cols == y.cols,
    "activation of \(z.rows)×\(z.cols) into \(y.rows)×\(y.cols)")
  let n = z.cols
  for i in 0..<z.rows {
    let (zs, ys) = (z.row(i), y.row(i))
    /// One loop per case, so the switch is not re-taken for every element; in place through
    /// a single pointer, because LLVM will not vectorise a loop whose source and destination
    /// overlap, even exactly.
    @inline(__always) func map(_ g: (T) -> T) {
      if zs == ys {
        for j in 0..<n { ys[j] = g(ys[j]) }
      } else {
        for j in 0..<n { ys[j] = g(zs[j]) }
      }
    }
    switch activation {
    case .sigmoid: map { sigmoid($0) }
    case .tanh: map { T.vectorizableTanh($0) }
    case .relu: map { $0 > 0 ? $0 : 0 }
    case .identity: if zs != ys { ys.update(from: zs, count: n) }
    }
  }
}

/// ∂ℓ/∂z = ∂ℓ/∂y · g'(z), with g'(z) read off the output y; `dz` may be `dy` itself.
@inlinable
public func activationBackward<T: Scalar>(
  _ activation: Activation, _ dy: MatrixView<T>, output y: MatrixView<T>, into dz: MatrixView<T>
) {
  require(
    dy.rows == y.rows && dy.cols == y.cols && dz.rows == y.rows && dz.cols == y.cols,
    "activation backward of \(dy.rows)×\(dy.cols) ∂ℓ/∂y, \(y.rows)×\(y.cols) y, into \(dz.rows)×\(dz.cols)"
  )
  let n = y.cols
  for i in 0..<y.rows {
    let (d, ys, out) = (dy.row(i), y.row(i), dz.row(i))
    switch activation {
    // σ'(z) = y(1 − y)
    case .sigmoid: for j in 0..<n { out[j] = d[j] * ys[j] * (1 - ys[j]) }
    // tanh'(z) = 1 − y²
    case .tanh: for j in 0..<n { out[j] = d[j] * (1 - ys[j] * ys[j]) }
    case .relu: for j in 0..<n { out[j] = ys[j] > 0 ? d[j] : 0 }
    case .identity: if d != out { out.update(from: d, count: n) }
    }
  }
}

/// An element-wise nonlinearity as a layer.
public final class ActivationLayer<T: Scalar>: Layer {
  public let activation: Activation
  @usableFromInline let output = Buffer<T>()
  public let matrixInput = Buffer<T>()
  @usableFromInline let inputGradient = Buffer<T>()

  @inlinable
  public init(_ activation: Activation) { self.activation = activation }

  public var parameters: [Parameter<T>] { [] }

  @inlinable
  public func forward(_ x: MatrixView<T>, statistics: StatisticsPolicy) -> MatrixView<T> {
    let y = output.reshape(rows: x.rows, cols: x.cols)
    activate(activation, x, into: y)
    return y
  }

  @inlinable
  public func backward(_ dy: MatrixView<T>) -> MatrixView<T> {
    let dz = inputGradient.reshape(rows: dy.rows, cols: dy.cols)
    activationBackward(activation, dy, output: output.view, into: dz)
    return dz
  }
}
