import Invariants

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
  @usableFromInline let output = Buffer<T>()
  public let matrixInput = Buffer<T>()
  @usableFromInline let inputGradient = Buffer<T>()
  @usableFromInline var input: MatrixView<T>?

  /// - Parameter name: the prefix of the parameters' names ("hidden1" gives "hidden1.W").
  public init(
    weight: Matrix<T>, bias: Matrix<T>?, computesInputGradient: Bool = true,
    name: String = "linear"
  ) {
    self.weight = Parameter("\(name).W", weight)
    if let bias {
      require(
        bias.rows == 1 && bias.cols == weight.cols,
        "a \(weight.rows)×\(weight.cols) layer needs a 1×\(weight.cols) bias, got \(bias.rows)×\(bias.cols)"
      )
    }
    self.bias = bias.map { Parameter("\(name).b", $0) }
    self.computesInputGradient = computesInputGradient
  }

  @inlinable public var inputs: Int { weight.rows }
  @inlinable public var outputs: Int { weight.cols }
  public var parameters: [Parameter<T>] { [weight] + (bias.map { [$0] } ?? []) }

  /// y of the last forward pass.
  public var lastOutput: Matrix<T> { output.matrix }

  @inlinable
  public func forward(_ x: MatrixView<T>, statistics: StatisticsPolicy) -> MatrixView<T> {
    require(
      x.cols == inputs, "a layer of \(inputs) inputs given \(x.rows)×\(x.cols)")
    input = x
    let y = output.reshape(rows: x.rows, cols: outputs)
    // y = x·W
    gemm(x, weight.valueView, into: y)
    // y += b, broadcast over the batch
    if let bias { addRow(bias.valueView, to: y) }
    return y
  }

  /// Writes ∂ℓ/∂W and ∂ℓ/∂b; returns ∂ℓ/∂x, or an empty view when it is not computed.
  @inlinable
  public func backward(_ dy: MatrixView<T>) -> MatrixView<T> {
    guard let input else { requirementFailure("Linear.backward called before forward") }
    require(
      dy.rows == input.rows && dy.cols == outputs,
      "Linear.backward given \(dy.rows)×\(dy.cols) ∂ℓ/∂y, expected \(input.rows)×\(outputs)")
    // ∂ℓ/∂W = xᵀ·dy
    gemm(input, dy, into: weight.gradientView, transposeA: true)
    // ∂ℓ/∂b = Σ_i dy_i
    if let bias { columnSums(of: dy, into: bias.gradientView) }
    guard computesInputGradient else { return .empty(cols: inputs) }
    // ∂ℓ/∂x = dy·Wᵀ
    let dx = inputGradient.reshape(rows: dy.rows, cols: inputs)
    gemm(dy, weight.valueView, into: dx, transposeB: true)
    return dx
  }
}
