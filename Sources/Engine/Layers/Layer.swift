/// A layer with a hand-derived backward pass, working on views.
///
/// `forward` writes its output into the layer's own buffer and returns a view of it, valid
/// until the next `forward`; it remembers its input view, which must stay valid and unchanged
/// until `backward`. `backward` takes ∂ℓ/∂output, writes ∂ℓ/∂parameter into each parameter's
/// gradient (overwriting it) and returns ∂ℓ/∂input, again a view into the layer's buffer.
/// Calls alternate: forward, backward, forward, backward. In the steady state — the same
/// batch size step after step — neither allocates.
public protocol Layer<Element>: AnyObject {
  associatedtype Element: Scalar
  func forward(_ x: MatrixView<Element>, statistics: StatisticsPolicy) -> MatrixView<Element>
  func backward(_ dy: MatrixView<Element>) -> MatrixView<Element>
  var parameters: [Parameter<Element>] { get }
  /// Where `forward(_: Matrix)` keeps its copy of the input until `backward`.
  var matrixInput: Buffer<Element> { get }
}

extension Layer {
  /// Readable code's entry point: the layer on a matrix, its output as a new matrix. The input
  /// is copied into `matrixInput`, so the caller need not keep it alive for `backward`.
  public func forward(_ x: Matrix<Element>, statistics: StatisticsPolicy) -> Matrix<Element> {
    let input = matrixInput.reshape(rows: x.rows, cols: x.cols)
    x.withView { input.copy(from: $0) }
    return forward(input, statistics: statistics).matrix
  }

  /// ∂ℓ/∂input as a new matrix, from ∂ℓ/∂output as a matrix.
  public func backward(_ dy: Matrix<Element>) -> Matrix<Element> {
    dy.withView { backward($0).matrix }
  }
}
