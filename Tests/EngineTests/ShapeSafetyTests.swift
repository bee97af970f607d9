import Foundation
import Randomness
import Testing

@testable import Engine

/// Views, buffers, and the shape checks that stop a wrong shape from reading past a buffer
/// or returning garbage. The checks are preconditions (a wrong shape is a programming error,
/// not a condition to recover from), so each is tested in a child process that must stop
/// with the check's own message — a crash from reading past a buffer would not do.
@Suite("Views, buffers and shape safety")
struct ShapeSafetyTests {
  @Test("a view's row and column ranges share memory and carry the row stride to BLAS")
  func viewsShareMemory() {
    let buffer = Buffer<Double>(rows: 4, cols: 6)
    let whole = buffer.view
    for r in 0..<4 { for c in 0..<6 { whole[r, c] = Double(10 * r + c) } }
    let block = whole.rows(1..<3).columns(2..<5)
    #expect(block.stride == 6 && !block.isContiguous)
    #expect(block.matrix == Matrix(rows: 2, cols: 3, [12, 13, 14, 22, 23, 24]))
    block[0, 0] = -1
    #expect(whole[1, 2] == -1)
    // A product reading the strided block equals one on its copy.
    let b: Matrix<Double> = randomMatrix(3, 2, seed: 1)
    let out = Buffer<Double>(rows: 2, cols: 2)
    b.withView { gemm(block, $0, into: out.view) }
    #expect((out.matrix - matmul(block.matrix, b)).maxAbs < 1e-12)
  }

  @Test("a buffer reuses its memory for shapes that fit and grows for those that do not")
  func bufferReuse() {
    let buffer = Buffer<Float>(rows: 10, cols: 10)
    let base = buffer.view.base
    #expect(buffer.reshape(rows: 5, cols: 20).base == base)
    #expect(buffer.reshape(rows: 3, cols: 3).base == base)
    let grown = buffer.reshape(rows: 20, cols: 20)
    #expect(grown.count == 400 && buffer.capacity == 400)
    #expect(buffer.reshape(rows: 10, cols: 10).base == grown.base)
  }

  @Test("gemm with an empty inner dimension still scales C by β (β = 0 clears it)")
  func emptyInnerDimension() {
    let a = Matrix<Double>(rows: 2, cols: 0)
    let b = Matrix<Double>(rows: 0, cols: 3)
    var c = Matrix<Double>(rows: 2, cols: 3, repeating: 5)
    gemm(a, b, into: &c, beta: 2)
    #expect(c == Matrix(rows: 2, cols: 3, repeating: 10))
    gemm(a, b, into: &c, beta: 0)
    #expect(c == Matrix(rows: 2, cols: 3))
    #expect(matmul(a, b) == Matrix(rows: 2, cols: 3))
  }

  @Test("Matrix decoding rejects a value count that does not fit the shape")
  func matrixDecoding() throws {
    let good = #"{"rows": 1, "cols": 2, "values": [1, 2]}"#
    let bad = #"{"rows": 2, "cols": 2, "values": [1, 2]}"#
    let decoded = try JSONDecoder().decode(Matrix<Double>.self, from: Data(good.utf8))
    #expect(decoded == Matrix(row: [1, 2]))
    #expect(throws: DecodingError.self) {
      try JSONDecoder().decode(Matrix<Double>.self, from: Data(bad.utf8))
    }
  }

  @Test("BN backward with a ∂ℓ/∂y of another batch size stops (it once returned garbage)")
  func backwardShapeMismatch() async {
    let result = await #expect(
      processExitsWith: .failure, observing: [\.standardErrorContent]
    ) {
      let x: Matrix<Double> = randomMatrix(4, 3, seed: 1)
      let (_, cache) = BatchNormalization.forward(
        training: x, gamma: Matrix(rows: 1, cols: 3, repeating: 1),
        beta: Matrix(rows: 1, cols: 3), epsilon: 1e-5)
      _ = BatchNormalization.backwardFused(
        randomMatrix(400, 3, seed: 2), cache: cache, gamma: Matrix(rows: 1, cols: 3))
    }
    expectStandardError(of: result, contains: "backward of 400×3 ∂ℓ/∂y against x̂ of 4×3")
  }

  @Test("the BN layer checks ∂ℓ/∂y against its input")
  func layerBackwardShapeMismatch() async {
    let result = await #expect(
      processExitsWith: .failure, observing: [\.standardErrorContent]
    ) {
      let bn = BatchNorm<Double>(features: 3)
      _ = bn.forward(randomMatrix(4, 3, seed: 1) as Matrix<Double>, statistics: .batch)
      _ = bn.backward(randomMatrix(5, 3, seed: 2) as Matrix<Double>)
    }
    expectStandardError(of: result, contains: "given 5×3 ∂ℓ/∂y for a 4×3 input")
  }

  @Test("a gradient of another shape than its parameter stops")
  func gradientShape() async {
    let result = await #expect(
      processExitsWith: .failure, observing: [\.standardErrorContent]
    ) {
      let p = Parameter("w", Matrix<Double>(rows: 2, cols: 2))
      p.gradient = Matrix(row: [1])
    }
    expectStandardError(of: result, contains: "gradient of parameter w must be 2×2, got 1×1")
  }

  @Test("a product of disagreeing shapes stops")
  func productShapes() async {
    let result = await #expect(
      processExitsWith: .failure, observing: [\.standardErrorContent]
    ) {
      _ = matmul(Matrix<Double>(rows: 2, cols: 3), Matrix<Double>(rows: 4, cols: 2))
    }
    expectStandardError(of: result, contains: "op(A) is 2×3, op(B) is 4×2")
  }

  @Test("a layer given the wrong input width stops")
  func layerInputWidth() async {
    let result = await #expect(
      processExitsWith: .failure, observing: [\.standardErrorContent]
    ) {
      let layer = Linear<Double>(weight: Matrix(rows: 3, cols: 2), bias: nil)
      _ = layer.forward(Matrix<Double>(rows: 5, cols: 4), statistics: .batch)
    }
    expectStandardError(of: result, contains: "a layer of 3 inputs given 5×4")
  }

  /// It once took ∂ℓ/∂γ from part of the tape and returned a gradient, in both build modes.
  @Test("a recurrent BN's backward over all steps checks ∂ℓ/∂y against its forward pass")
  func recurrentBatchNormBackwardAll() async {
    let result = await #expect(
      processExitsWith: .failure, observing: [\.standardErrorContent]
    ) {
      let norm = RecurrentBatchNorm<Double>(
        name: "bn_x", features: 3, statistics: .perStep, maxSteps: 3, initialGamma: 1,
        hasBeta: true, convention: .paper)
      let (x, y) = (Buffer<Double>(randomMatrix(12, 3, seed: 1)), Buffer<Double>(rows: 12, cols: 3))
      norm.begin(steps: 3, batch: 4, statistics: .batch)
      norm.forwardAll(x.view, into: y.view)
      let dy = Buffer<Double>(rows: 8, cols: 3)
      norm.backwardAll(dy.view, into: dy.view)
    }
    expectStandardError(
      of: result,
      contains:
        "bn_x: all steps' backward given 8×3 ∂ℓ/∂y into 8×3 for a forward pass of 12×3 (3 steps of 4)"
    )
  }

  @Test("a recurrent layer given the wrong input width stops with its message")
  func recurrentLayerInputWidth() async {
    let result = await #expect(
      processExitsWith: .exitCode(70), observing: [\.standardErrorContent]
    ) {
      var generator = RandomGenerator(seed: 1)
      let layer = RecurrentLayer<Double>(
        RecurrentLayerConfiguration(cell: .lstm, inputs: 2, hidden: 3), name: "layer1",
        using: &generator)
      Matrix<Double>(rows: 20, cols: 3).withView {
        _ = layer.forward($0, steps: 4, batch: 5, statistics: .batch)
      }
    }
    expectStandardError(
      of: result, contains: "error: layer1: 4 steps of 5 need a 20×2 input, got 20×3")
  }

  @Test("a row range outside the view stops")
  func viewRange() async {
    let result = await #expect(
      processExitsWith: .failure, observing: [\.standardErrorContent]
    ) {
      _ = Buffer<Double>(rows: 3, cols: 2).view.rows(2..<4)
    }
    expectStandardError(of: result, contains: "rows 2..<4 of a view with 3 rows")
  }
}

/// Checks that a child process that had to stop said `message` on standard error.
func expectStandardError(
  of result: ExitTest.Result?, contains message: String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  let standardError = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
  #expect(standardError.contains(message), "\(standardError)", sourceLocation: sourceLocation)
}
