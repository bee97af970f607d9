import Testing

@testable import Engine

@Suite("Matrices and BLAS products")
struct MatrixTests {
  @Test(
    "gemm agrees with the triple loop for all four transpose combinations",
    arguments: [
      (false, false), (true, false), (false, true), (true, true),
    ])
  func gemmTransposes(transposeA: Bool, transposeB: Bool) {
    let a: Matrix<Double> = randomMatrix(transposeA ? 4 : 3, transposeA ? 3 : 4, seed: 1)
    let b: Matrix<Double> = randomMatrix(transposeB ? 5 : 4, transposeB ? 4 : 5, seed: 2)
    let product = matmul(a, b, transposeA: transposeA, transposeB: transposeB)
    let expected = naiveProduct(transposeA ? a.transposed : a, transposeB ? b.transposed : b)
    #expect(product.rows == 3 && product.cols == 5)
    #expect((product - expected).maxAbs < 1e-12)
  }

  @Test("Float gemm goes through sgemm and matches Double to single precision")
  func floatGemm() {
    let a: Matrix<Float> = randomMatrix(7, 9, seed: 3)
    let b: Matrix<Float> = randomMatrix(9, 2, seed: 4)
    let expected = naiveProduct(Matrix<Double>(a), Matrix<Double>(b))
    #expect((Matrix<Double>(matmul(a, b)) - expected).maxAbs < 1e-5)
  }

  @Test("beta = 1 accumulates into C (what BPTT needs for dW over time steps)")
  func gemmAccumulates() {
    let a: Matrix<Double> = randomMatrix(2, 3, seed: 5)
    let b: Matrix<Double> = randomMatrix(3, 2, seed: 6)
    var c = Matrix<Double>(rows: 2, cols: 2, repeating: 1)
    gemm(a, b, into: &c, alpha: 2, beta: 1)
    let expected = naiveProduct(a, b).mapped { 2 * $0 + 1 }
    #expect((c - expected).maxAbs < 1e-12)
  }

  @Test("transposed, row and column views, column sums and addRow are what they say")
  func helpers() {
    let m = Matrix<Double>(rows: 2, cols: 3, [1, 2, 3, 4, 5, 6])
    #expect(m.transposed == Matrix(rows: 3, cols: 2, [1, 4, 2, 5, 3, 6]))
    #expect(m.withView { $0.rows(1..<2).matrix } == Matrix(rows: 1, cols: 3, [4, 5, 6]))
    #expect(m.withView { $0.columns(1..<3).matrix } == Matrix(rows: 2, cols: 2, [2, 3, 5, 6]))
    #expect(m.withView { $0.columns(1..<3).rows(1..<2).matrix } == Matrix(row: [5, 6]))
    #expect(m.columnSums() == Matrix(row: [5, 7, 9]))
    var shifted = m
    shifted.addRow(Matrix(row: [10, 20, 30]))
    #expect(shifted == Matrix(rows: 2, cols: 3, [11, 22, 33, 14, 25, 36]))
    #expect(m.dot(m) == 91)
    #expect(m.column(1) == [2, 5])
  }
}
