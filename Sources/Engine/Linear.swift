/// A fully connected layer, y = x·W + b, one example per row of x.
///
/// Backward, from ∂ℓ/∂y (written dy) and the chain rule on y_ij = Σ_k x_ik W_kj + b_j:
/// ∂ℓ/∂W = xᵀ·dy, ∂ℓ/∂b = Σ_rows dy, ∂ℓ/∂x = dy·Wᵀ.
public final class Linear<T: Scalar>: Layer {
  public let weight: Parameter<T>
  /// nil when a BatchNorm follows: its mean subtraction cancels b and β takes its role
  /// (Ioffe & Szegedy 2015, §3.2).
  public let bias: Parameter<T>?
  /// The first layer of a network need not compute ∂ℓ/∂x (nothing below it learns);
  /// skipping that product saves the largest matrix product of an MNIST net's backward pass.
  public var computesInputGradient: Bool
  @usableFromInline var input = Matrix<T>(rows: 0, cols: 0)

  @inlinable
  public init(weight: Matrix<T>, bias: Matrix<T>?, computesInputGradient: Bool = true) {
    self.weight = Parameter("W", weight)
    self.bias = bias.map { Parameter("b", $0) }
    self.computesInputGradient = computesInputGradient
  }

  @inlinable public var inputs: Int { weight.value.rows }
  @inlinable public var outputs: Int { weight.value.cols }
  @inlinable public var parameters: [Parameter<T>] { [weight] + (bias.map { [$0] } ?? []) }

  @inlinable
  public func forward(_ x: Matrix<T>, mode: Mode) -> Matrix<T> {
    input = x
    // y = x·W
    var y = matmul(x, weight.value)
    // y += b, broadcast over the batch
    if let bias { y.addRow(bias.value) }
    return y
  }

  @inlinable
  public func backward(_ dy: Matrix<T>) -> Matrix<T> {
    // ∂ℓ/∂W = xᵀ·dy
    gemm(input, dy, into: &weight.gradient, transposeA: true)
    // ∂ℓ/∂b = Σ_i dy_i
    if let bias { bias.gradient = dy.columnSums() }
    guard computesInputGradient else { return Matrix(rows: 0, cols: 0) }
    // ∂ℓ/∂x = dy·Wᵀ
    return matmul(dy, weight.value, transposeB: true)
  }
}
