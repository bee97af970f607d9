/// Matrix products, all through BLAS `gemm`: C ← α·op(A)·op(B) + β·C.
///
/// Passing transposes as flags (instead of materialising Aᵀ) is what makes the backward
/// pass of a linear layer cheap: dW = xᵀ·dy and dx = dy·Wᵀ reuse the forward operands.
/// β = 1 accumulates into C, which backpropagation through time needs (dW sums over steps).

/// op(A)·op(B) as a new matrix. BLAS writes every element (β = 0), so the result is not
/// zero-filled first: that memset was a measurable part of a small network's forward pass.
@inlinable
public func matmul<T: Scalar>(
  _ a: Matrix<T>, _ b: Matrix<T>, transposeA: Bool = false, transposeB: Bool = false
) -> Matrix<T> {
  let m = transposeA ? a.cols : a.rows
  let k = transposeA ? a.rows : a.cols
  let n = transposeB ? b.rows : b.cols
  if m == 0 || n == 0 || k == 0 {
    var c = Matrix<T>(rows: m, cols: n)
    gemm(a, b, into: &c, transposeA: transposeA, transposeB: transposeB, beta: 0)
    return c
  }
  let kB = transposeB ? b.cols : b.rows
  precondition(k == kB, "matrix product shapes disagree: op(A) \(m)×\(k), op(B) \(kB)×\(n)")
  return a.withUnsafeBufferPointer { pa in
    b.withUnsafeBufferPointer { pb in
      Matrix<T>(rows: m, cols: n) { pc in
        T.gemm(
          transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
          alpha: 1, a: pa.baseAddress!, lda: a.cols, b: pb.baseAddress!, ldb: b.cols,
          beta: 0, c: pc.baseAddress!, ldc: n)
      }
    }
  }
}

/// c ← α·op(A)·op(B) + β·c, checking that the shapes agree.
@inlinable
public func gemm<T: Scalar>(
  _ a: Matrix<T>, _ b: Matrix<T>, into c: inout Matrix<T>,
  transposeA: Bool = false, transposeB: Bool = false, alpha: T = 1, beta: T = 0
) {
  let m = transposeA ? a.cols : a.rows
  let k = transposeA ? a.rows : a.cols
  let kB = transposeB ? b.cols : b.rows
  let n = transposeB ? b.rows : b.cols
  precondition(
    k == kB && c.rows == m && c.cols == n,
    "matrix product shapes disagree: op(A) \(m)×\(k), op(B) \(kB)×\(n), C \(c.rows)×\(c.cols)")
  if m == 0 || n == 0 { return }
  if k == 0 {
    // BLAS skips the product entirely; keep the β·C part of the contract.
    c.withUnsafeMutableBufferPointer { out in for i in out.indices { out[i] *= beta } }
    return
  }
  a.withUnsafeBufferPointer { pa in
    b.withUnsafeBufferPointer { pb in
      c.withUnsafeMutableBufferPointer { pc in
        T.gemm(
          transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
          alpha: alpha, a: pa.baseAddress!, lda: a.cols,
          b: pb.baseAddress!, ldb: b.cols,
          beta: beta, c: pc.baseAddress!, ldc: n)
      }
    }
  }
}
