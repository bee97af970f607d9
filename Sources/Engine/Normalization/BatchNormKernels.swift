import Invariants

/// The three kernels every batch normalization in the book is built from.
///
/// 1. `moments`: per-feature mean and biased variance over the rows of a view, optionally
///    skipping masked rows (padding), optionally accumulating in `Double`.
/// 2. `normalize`: x̂ = (x − μ)·s and y = γ x̂ (+ β), with s = 1/√(σ² + ε), into buffers.
/// 3. `backward`: ∂ℓ/∂x into a buffer, adding ∂ℓ/∂γ and ∂ℓ/∂β into accumulators.
///
/// A feed-forward layer calls them once per batch. Laurent et al.'s *frame-wise* statistics
/// call them once per time step on that step's rows; their *sequence-wise* statistics call
/// them once on all T·B rows with a mask over the padded frames. Cooijmans et al.'s BN-LSTM
/// calls them three times per step — on W_h h (no β), on W_x x (no β) and on the cell — with
/// γ shared over time, so the backward pass adds each step's ∂ℓ/∂γ into one accumulator.
///
/// Per-feature vectors (μ, s, γ, β and their gradients) are 1×n views. The per-call sums the
/// kernels need live in a `Workspace` their caller owns, so that no call allocates.
extension BatchNormalization {
  /// Per-feature scratch for the kernels: Double sums for `moments`, this call's Σ dy,
  /// Σ dy·x̂ and scale for `backward`. A layer keeps one; it grows to the widest input seen.
  public final class Workspace<T: Scalar> {
    @usableFromInline let scalars: Buffer<T>
    @usableFromInline let doubles: Buffer<Double>

    /// Scratch sized for `features` columns (it grows if a wider input comes).
    public init(features: Int = 0) {
      scalars = Buffer(rows: 3, cols: features)
      doubles = Buffer(rows: 2, cols: features)
    }

    /// 3×n scalars (each call overwrites them).
    @inlinable
    func scalarRows(_ n: Int) -> MatrixView<T> { scalars.reshape(rows: 3, cols: n) }

    /// 2×n doubles.
    @inlinable
    func doubleRows(_ n: Int) -> MatrixView<Double> { doubles.reshape(rows: 2, cols: n) }
  }

  /// The precision of the sums in `moments`.
  public enum Accumulation: Sendable {
    /// `Scalar` for up to `doubleThreshold` rows, `Double` beyond: a Float sum of thousands
    /// of terms (sequence-wise statistics over T·B frames) loses digits; a mini-batch's does not.
    case automatic
    case scalar
    case double

    /// Rows from which `.automatic` accumulates in Double.
    public static let doubleThreshold = 1024

    @inlinable
    func usesDouble<T: Scalar>(rows: Int, scalar: T.Type) -> Bool {
      switch self {
      case .automatic: return T.self != Double.self && rows > Self.doubleThreshold
      case .scalar: return false
      case .double: return T.self != Double.self
      }
    }
  }

  // MARK: 1. Moments

  /// μ_B = (1/m) Σ_i x_i and σ²_B = (1/m) Σ_i (x_i − μ_B)², per column, over the rows of `x`
  /// whose `mask` entry is non-zero (all rows without a mask); m is the number of such rows,
  /// which is returned. Two passes, so that σ² does not suffer the cancellation of
  /// E[x²] − E[x]². With no row counted, μ = 0 and σ² = 0.
  @inlinable
  @discardableResult
  public static func moments<T: Scalar>(
    of x: MatrixView<T>, mask: UnsafeBufferPointer<T>? = nil,
    accumulation: Accumulation = .automatic,
    mean: MatrixView<T>, variance: MatrixView<T>, workspace: Workspace<T>
  ) -> Int {
    let n = x.cols
    require(
      mean.rows == 1 && mean.cols == n && variance.rows == 1 && variance.cols == n,
      "moments of \(x.rows)×\(n) need 1×\(n) mean and variance, got \(mean.rows)×\(mean.cols) and \(variance.rows)×\(variance.cols)"
    )
    if let mask {
      require(mask.count == x.rows, "a mask of \(mask.count) rows for \(x.rows) rows")
    }
    let counted = mask.map { m in (0..<x.rows).reduce(0) { $0 + (m[$1] != 0 ? 1 : 0) } } ?? x.rows
    if accumulation.usesDouble(rows: counted, scalar: T.self) {
      let sums = workspace.doubleRows(n)
      accumulateMoments(
        x, mask: mask, counted: counted, sum: sums.row(0), squares: sums.row(1), mean: mean,
        variance: variance)
    } else {
      // Scalar sums go straight into the outputs.
      accumulateMoments(
        x, mask: mask, counted: counted, sum: mean.base, squares: variance.base, mean: mean,
        variance: variance)
    }
    return counted
  }

  /// The two passes of `moments`, summing in `A` (the scalar itself, or Double).
  @inlinable
  static func accumulateMoments<T: Scalar, A: Scalar>(
    _ x: MatrixView<T>, mask: UnsafeBufferPointer<T>?, counted: Int,
    sum: UnsafeMutablePointer<A>, squares: UnsafeMutablePointer<A>,
    mean: MatrixView<T>, variance: MatrixView<T>
  ) {
    let n = x.cols
    let (mu, sigma2) = (mean.base, variance.base)
    sum.update(repeating: 0, count: n)
    squares.update(repeating: 0, count: n)
    guard counted > 0 else {
      mu.update(repeating: 0, count: n)
      sigma2.update(repeating: 0, count: n)
      return
    }
    let m = A(counted)
    // μ_B = (1/m) Σ_i x_i
    for i in 0..<x.rows where counts(mask, i) {
      let row = x.row(i)
      for j in 0..<n { sum[j] += A(row[j]) }
    }
    for j in 0..<n { sum[j] /= m }
    for j in 0..<n { mu[j] = T(sum[j]) }
    // σ²_B = (1/m) Σ_i (x_i − μ_B)²
    for i in 0..<x.rows where counts(mask, i) {
      let row = x.row(i)
      for j in 0..<n {
        let d = A(row[j]) - sum[j]
        squares[j] += d * d
      }
    }
    for j in 0..<n { sigma2[j] = T(squares[j] / m) }
  }

  /// Whether row i counts: no mask, or a non-zero entry.
  @inlinable @inline(__always)
  static func counts<T: Scalar>(_ mask: UnsafeBufferPointer<T>?, _ i: Int) -> Bool {
    guard let mask else { return true }
    return mask[i] != 0
  }

  /// s = 1/√(σ² + ε), per feature.
  @inlinable
  public static func inverseStandardDeviation<T: Scalar>(
    of variance: MatrixView<T>, epsilon: T, into inverseStd: MatrixView<T>
  ) {
    require(
      variance.rows == 1 && inverseStd.rows == 1 && variance.cols == inverseStd.cols,
      "1×n variance and inverse standard deviation needed, got \(variance.rows)×\(variance.cols) and \(inverseStd.rows)×\(inverseStd.cols)"
    )
    let (v, s) = (variance.base, inverseStd.base)
    for j in 0..<variance.cols { s[j] = 1 / (v[j] + epsilon).squareRoot() }
  }

  /// Checks that each given per-feature vector is 1×`features`, naming the shapes if not.
  @inlinable
  static func checkPerFeature<T: Scalar>(
    _ a: MatrixView<T>, _ b: MatrixView<T>, _ c: MatrixView<T>?, _ d: MatrixView<T>?,
    features n: Int, what: @autoclosure () -> String
  ) {
    func check(_ v: MatrixView<T>?) {
      guard let v else { return }
      require(
        v.rows == 1 && v.cols == n,
        "\(what()) needs 1×\(n) per-feature vectors, got \(v.rows)×\(v.cols)")
    }
    check(a)
    check(b)
    check(c)
    check(d)
  }

  // MARK: 2. Normalise

  /// x̂ = (x − μ)·s into `normalized` (if given) and y = γ x̂ + β into `output` (no β: y = γ x̂,
  /// the BN-LSTM's recurrent and input terms, whose shift the LSTM's bias provides).
  /// With an `activation` g, `output` gets g(γ x̂ + β) instead — BN and the nonlinearity that
  /// follows it (§3.2) in one pass, each row squashed while it is still in cache.
  /// `output` may be `x` itself.
  @inlinable
  public static func normalize<T: Scalar>(
    _ x: MatrixView<T>, mean: MatrixView<T>, inverseStd: MatrixView<T>,
    gamma: MatrixView<T>, beta: MatrixView<T>?,
    normalized: MatrixView<T>?, output: MatrixView<T>, activation: Activation = .identity
  ) {
    let (m, n) = (x.rows, x.cols)
    checkPerFeature(mean, inverseStd, gamma, beta, features: n, what: "normalising \(m)×\(n)")
    require(
      output.rows == m && output.cols == n,
      "normalising \(m)×\(n) into an output of \(output.rows)×\(output.cols)")
    if let normalized {
      require(
        normalized.rows == m && normalized.cols == n,
        "normalising \(m)×\(n) into x̂ of \(normalized.rows)×\(normalized.cols)")
    }
    let (mu, s, g) = (mean.base, inverseStd.base, gamma.base)
    let b = beta?.base
    // Each loop writes one array: a loop writing x̂ and y together, or writing y over x,
    // has pointers LLVM cannot prove apart, and runs scalar.
    for i in 0..<m {
      let (xs, ys) = (x.row(i), output.row(i))
      if let xh = normalized?.row(i) {
        // x̂_i = (x_i − μ_B) / √(σ²_B + ε)
        for j in 0..<n { xh[j] = (xs[j] - mu[j]) * s[j] }
        // y_i = γ x̂_i + β
        if let b {
          for j in 0..<n { ys[j] = g[j] * xh[j] + b[j] }
        } else {
          for j in 0..<n { ys[j] = g[j] * xh[j] }
        }
      } else if xs == ys {
        if let b {
          for j in 0..<n { ys[j] = g[j] * ((ys[j] - mu[j]) * s[j]) + b[j] }
        } else {
          for j in 0..<n { ys[j] = g[j] * ((ys[j] - mu[j]) * s[j]) }
        }
      } else if let b {
        for j in 0..<n { ys[j] = g[j] * ((xs[j] - mu[j]) * s[j]) + b[j] }
      } else {
        for j in 0..<n { ys[j] = g[j] * ((xs[j] - mu[j]) * s[j]) }
      }
    }
    if activation != .identity { activate(activation, output, into: output) }
  }

  // MARK: 3. Backward

  /// The backward pass of a training-mode normalization (statistics from this batch):
  ///
  /// ∂ℓ/∂x_i = γ/(m·√(σ²_B + ε)) · (m·∂ℓ/∂y_i − Σ_j ∂ℓ/∂y_j − x̂_i · Σ_j ∂ℓ/∂y_j · x̂_j)
  ///
  /// written into `dx` (overwriting; masked rows get 0, since they touched no statistic and no
  /// output that the loss sees), and the two sums, which are exactly this batch's ∂ℓ/∂β and
  /// ∂ℓ/∂γ, added into `gammaGradient` and `betaGradient` (either may be nil). With
  /// `batchStatistics: false` the statistics were population constants and
  /// ∂ℓ/∂x_i = ∂ℓ/∂y_i · γ/√(Var[x] + ε). `dx` may be `dy` itself.
  ///
  /// With an `activation` g (the forward pass applied it, see `normalize`), `dy` is ∂ℓ/∂g(y)
  /// and `activationOutput` the g(y) of the forward pass; ∂ℓ/∂y = dy ⊙ g′ is formed in `dx`
  /// first, which then serves as the upstream gradient.
  @inlinable
  public static func backward<T: Scalar>(
    _ dy: MatrixView<T>, normalized: MatrixView<T>, inverseStd: MatrixView<T>,
    gamma: MatrixView<T>, mask: UnsafeBufferPointer<T>? = nil, batchStatistics: Bool = true,
    activation: Activation = .identity, activationOutput: MatrixView<T>? = nil,
    inputGradient dx: MatrixView<T>,
    gammaGradient: MatrixView<T>?, betaGradient: MatrixView<T>?, workspace: Workspace<T>
  ) {
    let (rows, n) = (dy.rows, dy.cols)
    require(
      normalized.rows == rows && normalized.cols == n && dx.rows == rows && dx.cols == n,
      "backward of \(rows)×\(n) ∂ℓ/∂y against x̂ of \(normalized.rows)×\(normalized.cols) and ∂ℓ/∂x of \(dx.rows)×\(dx.cols)"
    )
    checkPerFeature(
      inverseStd, gamma, gammaGradient, betaGradient, features: n,
      what: "backward of \(rows)×\(n)")
    if let mask { require(mask.count == rows, "a mask of \(mask.count) rows for \(rows)") }
    var dy = dy
    if activation != .identity {
      guard let y = activationOutput else {
        requirementFailure("backward through \(activation) needs its \(rows)×\(n) output")
      }
      // ∂ℓ/∂y = ∂ℓ/∂g(y) ⊙ g′, into dx, which the rest then reads as the upstream gradient.
      activationBackward(activation, dy, output: y, into: dx)
      dy = dx
    }
    do {
      let scratch = workspace.scalarRows(n)
      let (dg, db, scale) = (scratch.row(0), scratch.row(1), scratch.row(2))
      dg.update(repeating: 0, count: n)
      db.update(repeating: 0, count: n)
      // ∂ℓ/∂γ = Σ_i ∂ℓ/∂y_i · x̂_i,  ∂ℓ/∂β = Σ_i ∂ℓ/∂y_i
      var m = 0
      for i in 0..<rows where counts(mask, i) {
        let (d, xh) = (dy.row(i), normalized.row(i))
        for j in 0..<n {
          dg[j] += d[j] * xh[j]
          db[j] += d[j]
        }
        m += 1
      }
      let (g, s) = (gamma.base, inverseStd.base)
      if batchStatistics {
        // Per feature: k_j = γ_j / (m·√(σ²_j + ε))
        let mT = T(m)
        for j in 0..<n { scale[j] = g[j] * s[j] / mT }
        for i in 0..<rows {
          let out = dx.row(i)
          if let mask, mask[i] == 0 {
            out.update(repeating: 0, count: n)
            continue
          }
          let (d, xh) = (dy.row(i), normalized.row(i))
          // In place through one pointer when dx is dy: LLVM does not vectorise a loop
          // whose source and destination overlap, even exactly.
          if d == out {
            for j in 0..<n { out[j] = scale[j] * (mT * out[j] - db[j] - xh[j] * dg[j]) }
          } else {
            for j in 0..<n { out[j] = scale[j] * (mT * d[j] - db[j] - xh[j] * dg[j]) }
          }
        }
      } else {
        // ∂ℓ/∂x_i = ∂ℓ/∂y_i · γ / √(Var[x] + ε)
        for j in 0..<n { scale[j] = g[j] * s[j] }
        for i in 0..<rows {
          let out = dx.row(i)
          if let mask, mask[i] == 0 {
            out.update(repeating: 0, count: n)
            continue
          }
          let d = dy.row(i)
          if d == out {
            for j in 0..<n { out[j] = out[j] * scale[j] }
          } else {
            for j in 0..<n { out[j] = d[j] * scale[j] }
          }
        }
      }
      if let gammaGradient { for j in 0..<n { gammaGradient.base[j] += dg[j] } }
      if let betaGradient { for j in 0..<n { betaGradient.base[j] += db[j] } }
    }
  }
}
