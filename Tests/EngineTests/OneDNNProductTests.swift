import Foundation
import Testing

@testable import Engine

/// oneDNN's matmul (`MatrixProducts`, the chapters' --native Float products) against the
/// textbook product in Double, for every form the engine calls: transposes, β = 1, and
/// views whose rows are longer than their columns (one gate's columns of the pre-activation).
/// The tests call oneDNN directly: routing every product there would change the bits of the
/// tests running beside them.
@Suite("oneDNN products: planned once per shape, within Float rounding of the exact product")
struct OneDNNProductTests {
  @Test(
    "every transpose, β 0 and 1, strided views",
    arguments: [(false, false), (true, false), (false, true), (true, true)], [Float(0), 1])
  func matchesTheExactProduct(transposes: (Bool, Bool), beta: Float) throws {
    let (transposeA, transposeB) = transposes
    let (m, n, k) = (37, 23, 41)
    // Stored with 5 extra columns: each operand is a view of part of a wider matrix.
    let a: Matrix<Float> = randomMatrix(transposeA ? k : m, (transposeA ? m : k) + 5, seed: 1)
    let b: Matrix<Float> = randomMatrix(transposeB ? n : k, (transposeB ? k : n) + 5, seed: 2)
    var c: Matrix<Float> = randomMatrix(m, n + 5, seed: 3)
    let before = c
    let computed = a.withView { av in
      b.withView { bv in
        c.withMutableView { cv in
          MatrixProducts.oneDNNProduct(
            av.columns(0..<av.cols - 5), bv.columns(0..<bv.cols - 5),
            into: cv.columns(0..<n), transposeA: transposeA, transposeB: transposeB,
            beta: beta)
        }
      }
    }
    #expect(computed)
    func double(_ x: Matrix<Float>, _ rows: Int, _ cols: Int, transposed: Bool) -> Matrix<Double> {
      Matrix(rows: transposed ? cols : rows, cols: transposed ? rows : cols) { v in
        for i in 0..<(transposed ? cols : rows) {
          for j in 0..<(transposed ? rows : cols) {
            v[i * (transposed ? rows : cols) + j] = Double(transposed ? x[j, i] : x[i, j])
          }
        }
      }
    }
    let exact = naiveProduct(
      double(a, transposeA ? k : m, transposeA ? m : k, transposed: transposeA),
      double(b, transposeB ? n : k, transposeB ? k : n, transposed: transposeB))
    var worst = 0.0
    for i in 0..<m {
      for j in 0..<n {
        let expected = exact[i, j] + Double(beta) * Double(before[i, j])
        worst = max(worst, abs(Double(c[i, j]) - expected))
      }
      // The columns beyond the view are not touched.
      for j in n..<n + 5 { #expect(c[i, j] == before[i, j]) }
    }
    // k = 41 terms of size ~1: Float rounding, 2⁻²³ each, stays far below 1e-4.
    #expect(worst < 1e-4, "off by \(worst)")
  }

  @Test("the same product twice, from its plan, gives the same bits")
  func plannedOnceAndRepeatable() {
    let a: Matrix<Float> = randomMatrix(19, 13, seed: 4)
    let b: Matrix<Float> = randomMatrix(13, 11, seed: 5)
    var first = Matrix<Float>(rows: 19, cols: 11)
    var second = Matrix<Float>(rows: 19, cols: 11)
    let product = { (c: inout Matrix<Float>) in
      a.withView { av in
        b.withView { bv in
          c.withMutableView { #expect(MatrixProducts.oneDNNProduct(av, bv, into: $0)) }
        }
      }
    }
    product(&first)
    product(&second)
    #expect(MatrixProducts.oneDNNPlans >= 1)
    #expect(first.storage == second.storage)
  }

  /// Planning many shapes one after another: a plan that kept a pointer into oneDNN's freed
  /// primitive description (its scratchpad's) crashed a chapter at random, one run in three.
  @Test("sixty shapes planned one after another, each product right")
  func manyShapes() {
    #if canImport(Glibc)
      // Freed memory filled with a pattern (glibc), so that a read after free reads garbage
      // every time instead of, usually, the old values.
      // mallopt(M_PERTURB = -6, pattern), which Swift's Glibc module does not declare.
      if let mallopt = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        _ = unsafeBitCast(mallopt, to: Mallopt.self)(-6, 0x5A)
      }
    #endif
    for shape in 0..<60 {
      let (m, n, k) = (3 + shape % 7, 5 + shape % 11, 1 + shape)
      let a: Matrix<Float> = randomMatrix(m, k, seed: UInt64(100 + shape))
      let b: Matrix<Float> = randomMatrix(k, n, seed: UInt64(200 + shape))
      var c = Matrix<Float>(rows: m, cols: n)
      let computed = a.withView { av in
        b.withView { bv in c.withMutableView { MatrixProducts.oneDNNProduct(av, bv, into: $0) } }
      }
      #expect(computed)
      let exact = naiveProduct(
        Matrix(rows: m, cols: k) { v in for i in v.indices { v[i] = Double(a[flat: i]) } },
        Matrix(rows: k, cols: n) { v in for i in v.indices { v[i] = Double(b[flat: i]) } })
      var worst = 0.0
      for i in 0..<m { for j in 0..<n { worst = max(worst, abs(Double(c[i, j]) - exact[i, j])) } }
      #expect(worst < 1e-4 * Double(k).squareRoot(), "shape \(m)×\(k)·\(k)×\(n) off by \(worst)")
    }
  }

  @Test("β other than 0 and 1 is left to OpenBLAS")
  func otherBetasAreRefused() {
    let a: Matrix<Float> = randomMatrix(4, 3, seed: 6)
    var c = Matrix<Float>(rows: 4, cols: 4)
    let computed = a.withView { av in
      c.withMutableView {
        MatrixProducts.oneDNNProduct(av, av, into: $0, transposeB: true, beta: 0.5)
      }
    }
    #expect(!computed)
  }
}
