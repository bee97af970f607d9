import Invariants

/// Matrix products, all through BLAS `gemm`: C ← α·op(A)·op(B) + β·C.
///
/// Passing transposes as flags (instead of materialising Aᵀ) is what makes the backward
/// pass of a linear layer cheap: dW = xᵀ·dy and dx = dy·Wᵀ reuse the forward operands.
/// β = 1 accumulates into C, which backpropagation through time needs (dW sums over steps).
/// Views carry their row stride to BLAS as the leading dimension, so a product can read one
/// time step's rows or one gate's columns of a larger matrix without copying them.

/// c ← α·op(a)·op(b) + β·c on views; the shapes must agree (checked, with the shapes named).
@inlinable
public func gemm<T: Scalar>(
  _ a: MatrixView<T>, _ b: MatrixView<T>, into c: MatrixView<T>,
  transposeA: Bool = false, transposeB: Bool = false, alpha: T = 1, beta: T = 0
) {
  let (m, n, k) = productShape(a, b, into: c, transposeA: transposeA, transposeB: transposeB)
  if m == 0 || n == 0 { return }
  guard k > 0 else {
    // An empty inner dimension: the product is zero and BLAS skips everything, so keep the
    // β·C part of the contract here (β = 0 must clear C, whatever it held).
    for r in 0..<m {
      let row = c.row(r)
      for j in 0..<n { row[j] = beta == 0 ? 0 : beta * row[j] }
    }
    return
  }
  T.gemm(
    transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
    alpha: alpha, a: a.base, lda: a.stride, b: b.base, ldb: b.stride,
    beta: beta, c: c.base, ldc: c.stride)
}

/// (m, n, k) of c ← op(a)·op(b): op(a) is m×k, op(b) k×n, c m×n (checked, with the shapes
/// named).
@inlinable
func productShape<T>(
  _ a: MatrixView<T>, _ b: MatrixView<T>, into c: MatrixView<T>, transposeA: Bool,
  transposeB: Bool
) -> (m: Int, n: Int, k: Int) {
  let m = transposeA ? a.cols : a.rows
  let k = transposeA ? a.rows : a.cols
  let kB = transposeB ? b.cols : b.rows
  let n = transposeB ? b.rows : b.cols
  require(
    k == kB,
    "matrix product shapes disagree: op(A) is \(m)×\(k), op(B) is \(kB)×\(n)")
  require(
    c.rows == m && c.cols == n,
    "matrix product of \(m)×\(k) and \(kB)×\(n) into C of \(c.rows)×\(c.cols), expected \(m)×\(n)")
  return (m, n, k)
}

/// op(A)·op(B) as a new matrix (readable code and tests; allocates).
@inlinable
public func matmul<T: Scalar>(
  _ a: Matrix<T>, _ b: Matrix<T>, transposeA: Bool = false, transposeB: Bool = false
) -> Matrix<T> {
  var c = Matrix<T>(
    rows: transposeA ? a.cols : a.rows, cols: transposeB ? b.rows : b.cols)
  gemm(a, b, into: &c, transposeA: transposeA, transposeB: transposeB)
  return c
}

/// c ← α·op(A)·op(B) + β·c on matrices.
@inlinable
public func gemm<T: Scalar>(
  _ a: Matrix<T>, _ b: Matrix<T>, into c: inout Matrix<T>,
  transposeA: Bool = false, transposeB: Bool = false, alpha: T = 1, beta: T = 0
) {
  a.withView { a in
    b.withView { b in
      c.withMutableView { c in
        gemm(
          a, b, into: c, transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta)
      }
    }
  }
}
