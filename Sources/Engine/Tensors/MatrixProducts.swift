import COneDNN

/// Which library computes this process's Float matrix products: OpenBLAS (the book's pinned
/// kernels, or with `--native` its widest for this CPU), or, with `--native`, oneDNN's matmul
/// primitive, chosen on measurements.
///
/// On the book's AMD EPYC (AVX-512), one thread, the book's shapes: OpenBLAS's Haswell kernels
/// ran 105-122 GFLOP/s, its Cooperlake (AVX-512) kernels 137-206, oneDNN's matmul 182-237
/// (64×100·100×400, the LSTM's step: 201 and 237). oneDNN plans each shape once (a primitive,
/// its memory descriptions, its scratch memory, `COneDNN`); each product then only points the
/// plan at its operands. Double products (the gradient checks) always run on OpenBLAS.
public enum MatrixProducts {
  /// Whether Float products go to oneDNN: set once, at the start of a `--native` process,
  /// before any product.
  public private(set) nonisolated(unsafe) static var floatProductsUseOneDNN = false

  /// Routes every later Float product through oneDNN (if its CPU engine starts; else they stay
  /// on OpenBLAS), on as many threads as OpenBLAS uses. Returns whether it did.
  @discardableResult
  public static func useOneDNN() -> Bool {
    guard companion_onednn_available() != 0 else { return false }
    companion_onednn_set_threads(Int32(BLAS.threads))
    floatProductsUseOneDNN = true
    return true
  }

  /// "oneDNN 2.6.3" and the instruction set it dispatches to on this CPU.
  public static var oneDNNVersion: String { String(cString: companion_onednn_version()) }
  public static var oneDNNInstructionSet: String {
    String(cString: companion_onednn_instruction_set())
  }

  /// c ← op(a)·op(b) + β·c through oneDNN, whatever the routing (the tests compare it with
  /// OpenBLAS). False where oneDNN did not compute it: β neither 0 nor 1, no oneDNN engine.
  public static func oneDNNProduct(
    _ a: MatrixView<Float>, _ b: MatrixView<Float>, into c: MatrixView<Float>,
    transposeA: Bool = false, transposeB: Bool = false, beta: Float = 0
  ) -> Bool {
    let (m, n, k) = productShape(a, b, into: c, transposeA: transposeA, transposeB: transposeB)
    return companion_onednn_sgemm(
      transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, a.base, a.stride, b.base, b.stride, beta,
      c.base, c.stride) == 0
  }

  /// How many shapes oneDNN has planned in this process.
  public static var oneDNNPlans: Int { Int(companion_onednn_plans()) }
}
