import COneDNN
import COpenBLAS
import RealModule

/// The number type a network computes in.
///
/// Training runs in `Float` (what GPUs and BLAS are fast at); gradient checks run the very
/// same layer code in `Double`, so that central finite differences are accurate to ~1e-10
/// and a wrong backward pass cannot hide in rounding noise. One protocol, two conformances:
/// every formula in the engine is written once, generically, and specialised by the compiler
/// (the hot paths are `@inlinable`, so a chapter that uses `Float` gets `Float` code).
public protocol Scalar: Real, BinaryFloatingPoint, Codable, Sendable {
  /// C ← α·op(A)·op(B) + β·C on row-major storage, through OpenBLAS.
  static func gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: Self, a: UnsafePointer<Self>, lda: Int,
    b: UnsafePointer<Self>, ldb: Int,
    beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)

  /// e^x, written so that a loop over it vectorises (no library call, no branch).
  ///
  /// Sigmoid layers evaluate e^x for every unit of every example: with libm's scalar `expf`
  /// that was a quarter of the MNIST net's forward pass. `Float` uses a polynomial that is
  /// within 2 ulp of the true value (tested); `Double`, used for gradient checks where
  /// accuracy matters more than speed, keeps libm's `exp`.
  static func vectorizableExp(_ x: Self) -> Self

  /// tanh(x), written so that a loop over it vectorises.
  ///
  /// An LSTM evaluates tanh twice per unit per time step (the candidate and the cell
  /// output); libm's `tanhf` ran 12× slower than the vectorised sigmoid. `Float` computes it
  /// from the same exp (within a few ulp of the true value, tested); `Double` keeps libm's.
  static func vectorizableTanh(_ x: Self) -> Self
}

@usableFromInline
func cblasTranspose(_ transpose: Bool) -> CBLAS_TRANSPOSE {
  transpose ? CblasTrans : CblasNoTrans
}

extension Float: Scalar {
  @inlinable
  public static func gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: Float, a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    if MatrixProducts.floatProductsUseOneDNN && alpha == 1
      && companion_onednn_sgemm(
        transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, a, lda, b, ldb, beta, c, ldc) == 0
    {
      return
    }
    cblas_sgemm(
      CblasRowMajor, cblasTranspose(transposeA), cblasTranspose(transposeB),
      Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }
}

extension Float {
  /// e^x as Cephes' `expf` computes it (Moshier 1992), without branches: x is clamped to
  /// the range where e^x is a normal Float, split as x = n·ln 2 + r with |r| ≤ ln 2 / 2,
  /// e^r comes from a degree-6 polynomial and 2^n is written straight into the exponent bits.
  @inlinable
  public static func vectorizableExp(_ x: Float) -> Float {
    let clamped = Swift.min(Swift.max(x, -87.33654), 88.37626)
    // n = round(x / ln 2): adding 1.5·2²³ leaves the rounded integer in the low mantissa bits.
    let shifter: Float = 12_582_912
    let shifted = clamped * 1.442_695_04 + shifter
    let n = shifted - shifter
    // r = x − n·ln 2, with ln 2 split in two (Cody-Waite) so that r keeps its low bits.
    let r = (clamped - n * 0.693_359_375) - n * -2.121_944_4e-4
    // e^r ≈ 1 + r + r²·P(r)
    var p: Float = 1.987_569_15e-4
    p = p * r + 1.398_199_950_7e-3
    p = p * r + 8.333_451_907_3e-3
    p = p * r + 4.166_579_589_4e-2
    p = p * r + 1.666_666_545_9e-1
    p = p * r + 5.000_000_120_1e-1
    let expR = p * r * r + r + 1
    // 2ⁿ: the biased exponent n + 127 in bits 23-30.
    let exponentBits = (shifted.bitPattern &- shifter.bitPattern &+ 127) &<< 23
    return expR * Float(bitPattern: exponentBits)
  }
}

extension Float {
  /// tanh(x) without branches: both of Cephes' `tanhf` (Moshier 1992) formulas are computed
  /// and the right one selected, so the loop vectorises.
  /// - |x| < 0.625: the odd polynomial x + x³·P(x²), accurate where 1 − 2/(e^{2x} + 1) would
  ///   cancel;
  /// - otherwise 1 − 2/(e^{2|x|} + 1) with the sign of x; e^{2|x|} saturates at |x| ≈ 44 and
  ///   the result rounds to ±1, its correct limit.
  @inlinable
  public static func vectorizableTanh(_ x: Float) -> Float {
    let z = x * x
    var p: Float = -5.704_988_727_45e-3
    p = p * z + 2.063_908_879_54e-2
    p = p * z - 5.373_971_555_31e-2
    p = p * z + 1.333_144_220_36e-1
    p = p * z - 3.333_328_194_22e-1
    let small = x + x * z * p
    let magnitude = Swift.abs(x)
    let large = 1 - 2 / (vectorizableExp(2 * magnitude) + 1)
    let signedLarge = Float(signOf: x, magnitudeOf: large)
    return magnitude < 0.625 ? small : signedLarge
  }
}

extension Double: Scalar {
  @inlinable
  public static func vectorizableExp(_ x: Double) -> Double { Double.exp(x) }

  @inlinable
  public static func vectorizableTanh(_ x: Double) -> Double { Double.tanh(x) }

  @inlinable
  public static func gemm(
    transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
    alpha: Double, a: UnsafePointer<Double>, lda: Int,
    b: UnsafePointer<Double>, ldb: Int,
    beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    cblas_dgemm(
      CblasRowMajor, cblasTranspose(transposeA), cblasTranspose(transposeB),
      Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }
}
