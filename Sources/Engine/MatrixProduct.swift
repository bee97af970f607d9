/// Matrix products, all through BLAS `gemm`: C ← α·op(A)·op(B) + β·C.
///
/// Passing transposes as flags (instead of materialising Aᵀ) is what makes the backward
/// pass of a linear layer cheap: dW = xᵀ·dy and dx = dy·Wᵀ reuse the forward operands.
/// β = 1 accumulates into C, which backpropagation through time needs (dW sums over steps).

/// The shape of op(A)·op(B), m×n with inner dimension k, checking that the operands agree.
@inlinable
func productShape<T: Scalar>(
  _ a: Matrix<T>, _ b: Matrix<T>, transposeA: Bool, transposeB: Bool
) -> (m: Int, n: Int, k: Int) {
  let m = transposeA ? a.cols : a.rows
  let k = transposeA ? a.rows : a.cols
  let kB = transposeB ? b.cols : b.rows
  let n = transposeB ? b.rows : b.cols
  precondition(k == kB, "matrix product shapes disagree: op(A) \(m)×\(k), op(B) \(kB)×\(n)")
  return (m, n, k)
}

/// out ← α·op(A)·op(B) + β·out through BLAS, for an m×n×k product with k > 0.
@inlinable
func blasProduct<T: Scalar>(
  _ a: Matrix<T>, _ b: Matrix<T>, into out: UnsafeMutableBufferPointer<T>,
  shape: (m: Int, n: Int, k: Int), transposeA: Bool, transposeB: Bool, alpha: T, beta: T
) {
  a.withUnsafeBufferPointer { pa in
    b.withUnsafeBufferPointer { pb in
      T.gemm(
        transposeA: transposeA, transposeB: transposeB, m: shape.m, n: shape.n, k: shape.k,
        alpha: alpha, a: pa.baseAddress!, lda: a.cols, b: pb.baseAddress!, ldb: b.cols,
        beta: beta, c: out.baseAddress!, ldc: shape.n)
    }
  }
}

/// op(A)·op(B) as a new matrix. BLAS writes every element (β = 0), so the result is not
/// zero-filled first: that memset was a measurable part of a small network's forward pass.
@inlinable
public func matmul<T: Scalar>(
  _ a: Matrix<T>, _ b: Matrix<T>, transposeA: Bool = false, transposeB: Bool = false
) -> Matrix<T> {
  let shape = productShape(a, b, transposeA: transposeA, transposeB: transposeB)
  // An empty inner dimension makes the product all zeros, which BLAS would not write.
  guard shape.m > 0, shape.n > 0, shape.k > 0 else {
    return Matrix(rows: shape.m, cols: shape.n)
  }
  return Matrix(rows: shape.m, cols: shape.n) { out in
    blasProduct(
      a, b, into: out, shape: shape, transposeA: transposeA, transposeB: transposeB,
      alpha: 1, beta: 0)
  }
}

/// c ← α·op(A)·op(B) + β·c, checking that the shapes agree.
@inlinable
public func gemm<T: Scalar>(
  _ a: Matrix<T>, _ b: Matrix<T>, into c: inout Matrix<T>,
  transposeA: Bool = false, transposeB: Bool = false, alpha: T = 1, beta: T = 0
) {
  let shape = productShape(a, b, transposeA: transposeA, transposeB: transposeB)
  precondition(
    c.rows == shape.m && c.cols == shape.n,
    "matrix product into C \(c.rows)×\(c.cols), expected \(shape.m)×\(shape.n)")
  if shape.m == 0 || shape.n == 0 { return }
  c.withUnsafeMutableBufferPointer { out in
    guard shape.k > 0 else {
      // BLAS skips the product entirely; keep the β·C part of the contract.
      for i in out.indices { out[i] *= beta }
      return
    }
    blasProduct(
      a, b, into: out, shape: shape, transposeA: transposeA, transposeB: transposeB,
      alpha: alpha, beta: beta)
  }
}
