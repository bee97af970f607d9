import Invariants

/// The three kernels every normalization in the book is built from — batch normalization
/// (Ioffe & Szegedy 2015) and layer normalization (Ba et al. 2016) alike. The two are one
/// transform taken over different axes of a B × n matrix (one row per example, one column per
/// feature): BN reduces each column over the rows (the batch), LN each row over its columns
/// (the layer's units). Every kernel takes the axis as a parameter.
///
/// 1. `moments`: mean and biased variance over the axis (1×n per feature for BN, B×1 per
///    example for LN), optionally skipping masked rows (BN's padding), optionally accumulating
///    in `Double`.
/// 2. `normalize`: x̂ = (x − μ)·s and y = γ x̂ (+ β), with s = 1/√(σ² + ε), into buffers. γ
///    and β are per feature (1×n) on both axes.
/// 3. `backward`: ∂ℓ/∂x into a buffer, adding ∂ℓ/∂γ and ∂ℓ/∂β into accumulators — the same
///    equation on both axes, ∂ℓ/∂x = s/m · (m·ĝ − Σ ĝ − x̂ · Σ ĝ x̂) with ĝ = γ ⊙ ∂ℓ/∂y and the
///    sums over the reduced axis; ∂ℓ/∂γ and ∂ℓ/∂β are sums over the rows on both.
///
/// A feed-forward layer calls them once per batch. Laurent et al.'s *frame-wise* statistics
/// call them once per time step on that step's rows; their *sequence-wise* statistics call
/// them once on all T·B rows with a mask over the padded frames. Cooijmans et al.'s BN-LSTM
/// calls them three times per step — on W_h h (no β), on W_x x (no β) and on the cell — with
/// γ shared over time, so the backward pass adds each step's ∂ℓ/∂γ into one accumulator. The
/// LN-LSTM calls them at the same three places, over the features.
///
/// Per-feature vectors (γ, β and their gradients; BN's μ and s) are 1×n views, LN's μ and s
/// B×1 views. The per-call sums the kernels need live in a `Workspace` their caller owns, so
/// that no call allocates.
public enum Normalization {
  /// The axis a normalization takes its statistics over.
  public enum Axis: String, Sendable, Hashable, Codable {
    /// Batch normalization: each feature over the examples (the rows); μ and s are 1×n.
    case batch
    /// Layer normalization: each example over its features (the columns); μ and s are B×1.
    case features
  }

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

  /// μ = (1/m) Σ x and σ² = (1/m) Σ (x − μ)² over `axis`: per column over the rows whose
  /// `mask` entry is non-zero (all rows without a mask; BN), or per row over its n columns
  /// (LN, where every row is its own statistics and a mask changes nothing). Returns m, the
  /// number of values each statistic was taken over. Two passes, so that σ² does not suffer
  /// the cancellation of E[x²] − E[x]². With no row counted, μ = 0 and σ² = 0.
  @inlinable
  @discardableResult
  public static func moments<T: Scalar>(
    of x: MatrixView<T>, over axis: Axis = .batch, mask: UnsafeBufferPointer<T>? = nil,
    accumulation: Accumulation = .automatic,
    mean: MatrixView<T>, variance: MatrixView<T>, workspace: Workspace<T>
  ) -> Int {
    let n = x.cols
    checkStatistics(mean, variance, of: x, over: axis, what: "moments")
    if let mask {
      require(mask.count == x.rows, "a mask of \(mask.count) rows for \(x.rows) rows")
    }
    if axis == .features {
      if accumulation.usesDouble(rows: n, scalar: T.self) {
        accumulateRowMoments(x, as: Double.self, mean: mean, variance: variance)
      } else {
        accumulateRowMoments(x, as: T.self, mean: mean, variance: variance)
      }
      return n
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

  /// The two passes of `moments` over the batch, summing in `A` (the scalar itself, or
  /// Double).
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

  /// The two passes of `moments` over the features, row by row, summing in `A`.
  @inlinable
  static func accumulateRowMoments<T: Scalar, A: Scalar>(
    _ x: MatrixView<T>, as: A.Type, mean: MatrixView<T>, variance: MatrixView<T>
  ) {
    let n = x.cols
    guard n > 0 else {
      for i in 0..<x.rows { (mean[i, 0], variance[i, 0]) = (0, 0) }
      return
    }
    // page-span: row moments
    for i in 0..<x.rows {
      let row = x.row(i)
      // μ_i = (1/n) Σ_j x_ij
      let mu = rowSum(n) { A(row[$0]) } / A(n)
      // σ²_i = (1/n) Σ_j (x_ij − μ_i)²
      let squares = rowSum(n) { j -> A in
        let d = A(row[j]) - mu
        return d * d
      }
      mean[i, 0] = T(mu)
      variance[i, 0] = T(squares / A(n))
    }
    // end page-span: row moments
  }

  /// Σ_{j<n} term(j) in eight interleaved partial sums, added pairwise at the end. A row's
  /// sum is one long chain of dependent additions otherwise, each waiting for the last (LLVM
  /// may not reorder floating-point additions); eight chains keep the adder busy and let the
  /// loop vectorise. The order is fixed, so the result is the same bits on every run.
  @inlinable @inline(__always)
  static func rowSum<A: Scalar>(_ n: Int, _ term: (Int) -> A) -> A {
    var (p0, p1, p2, p3, p4, p5, p6, p7): (A, A, A, A, A, A, A, A) = (0, 0, 0, 0, 0, 0, 0, 0)
    var j = 0
    while j &+ 8 <= n {
      p0 += term(j)
      p1 += term(j &+ 1)
      p2 += term(j &+ 2)
      p3 += term(j &+ 3)
      p4 += term(j &+ 4)
      p5 += term(j &+ 5)
      p6 += term(j &+ 6)
      p7 += term(j &+ 7)
      j &+= 8
    }
    while j < n {
      p0 += term(j)
      j &+= 1
    }
    return ((p0 + p1) + (p2 + p3)) + ((p4 + p5) + (p6 + p7))
  }

  /// Whether row i counts: no mask, or a non-zero entry.
  @inlinable @inline(__always)
  static func counts<T: Scalar>(_ mask: UnsafeBufferPointer<T>?, _ i: Int) -> Bool {
    guard let mask else { return true }
    return mask[i] != 0
  }

  /// s = 1/√(σ² + ε), per statistic (a 1×n or an m×1 vector).
  @inlinable
  public static func inverseStandardDeviation<T: Scalar>(
    of variance: MatrixView<T>, epsilon: T, into inverseStd: MatrixView<T>
  ) {
    require(
      variance.rows == inverseStd.rows && variance.cols == inverseStd.cols
        && (variance.rows == 1 || variance.cols == 1),
      "variance and inverse standard deviation of one vector shape needed, got \(variance.rows)×\(variance.cols) and \(inverseStd.rows)×\(inverseStd.cols)"
    )
    if variance.rows == 1 {
      let (v, s) = (variance.base, inverseStd.base)
      for j in 0..<variance.cols { s[j] = 1 / (v[j] + epsilon).squareRoot() }
    } else {
      for i in 0..<variance.rows { inverseStd[i, 0] = 1 / (variance[i, 0] + epsilon).squareRoot() }
    }
  }

  /// Checks that a pair of statistics has the axis's shape for `x`: 1×n over the batch, m×1
  /// over the features.
  @inlinable
  static func checkStatistics<T: Scalar>(
    _ a: MatrixView<T>, _ b: MatrixView<T>, of x: MatrixView<T>, over axis: Axis,
    what: @autoclosure () -> String
  ) {
    let (rows, cols) = axis == .batch ? (1, x.cols) : (x.rows, 1)
    for v in [a, b] {
      require(
        v.rows == rows && v.cols == cols,
        "\(what()) of \(x.rows)×\(x.cols) over the \(axis == .batch ? "batch" : "features") needs \(rows)×\(cols) statistics, got \(v.rows)×\(v.cols)"
      )
    }
  }

  /// Checks that each given per-feature vector is 1×`features`, naming the shapes if not.
  @inlinable
  static func checkPerFeature<T: Scalar>(
    _ a: MatrixView<T>?, _ b: MatrixView<T>?, _ c: MatrixView<T>?,
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
  }

  // MARK: 2. Normalise

  /// x̂ = (x − μ)·s into `normalized` (if given) and y = γ x̂ + β into `output` (no β: y = γ x̂,
  /// the BN-LSTM's recurrent and input terms, whose shift the LSTM's bias provides).
  /// With an `activation` g, `output` gets g(γ x̂ + β) instead — the normalization and the
  /// nonlinearity that follows it (§3.2) in one pass, each row squashed while it is still in
  /// cache. `output` may be `x` itself. μ and s have `axis`'s shape; γ and β are 1×n.
  @inlinable
  public static func normalize<T: Scalar>(
    _ x: MatrixView<T>, over axis: Axis = .batch, mean: MatrixView<T>,
    inverseStd: MatrixView<T>, gamma: MatrixView<T>, beta: MatrixView<T>?,
    normalized: MatrixView<T>?, output: MatrixView<T>, activation: Activation = .identity
  ) {
    let (m, n) = (x.rows, x.cols)
    checkStatistics(mean, inverseStd, of: x, over: axis, what: "normalising")
    checkPerFeature(gamma, beta, nil, features: n, what: "normalising \(m)×\(n)")
    require(
      output.rows == m && output.cols == n,
      "normalising \(m)×\(n) into an output of \(output.rows)×\(output.cols)")
    if let normalized {
      require(
        normalized.rows == m && normalized.cols == n,
        "normalising \(m)×\(n) into x̂ of \(normalized.rows)×\(normalized.cols)")
    }
    switch axis {
    case .batch:
      normalizeColumns(
        x, mean: mean.base, inverseStd: inverseStd.base, gamma: gamma.base, beta: beta?.base,
        normalized: normalized, output: output)
    case .features:
      for i in 0..<m {
        // One row: its own μ_i and s_i, broadcast like a per-feature vector of equal entries.
        normalizeRow(
          x.row(i), mean: mean[i, 0], inverseStd: inverseStd[i, 0], gamma: gamma.base,
          beta: beta?.base, normalized: normalized?.row(i), output: output.row(i), count: n)
      }
    }
    if activation != .identity { activate(activation, output, into: output) }
  }

  /// Layer normalization's whole forward pass, which every LN runs the same way: each row's
  /// μ and σ² (into `mean` and `variance`, B×1 scratch), its s = 1/√(σ² + ε) (into
  /// `inverseStd`, B×1, which the backward pass needs), then x̂ into `normalized` and
  /// g(γ x̂ + β) into `output`.
  @inlinable
  public static func layerNormalize<T: Scalar>(
    _ x: MatrixView<T>, epsilon: T, mean: MatrixView<T>, variance: MatrixView<T>,
    inverseStd: MatrixView<T>, gamma: MatrixView<T>, beta: MatrixView<T>?,
    normalized: MatrixView<T>, output: MatrixView<T>, activation: Activation = .identity,
    workspace: Workspace<T>
  ) {
    moments(of: x, over: .features, mean: mean, variance: variance, workspace: workspace)
    inverseStandardDeviation(of: variance, epsilon: epsilon, into: inverseStd)
    normalize(
      x, over: .features, mean: mean, inverseStd: inverseStd, gamma: gamma, beta: beta,
      normalized: normalized, output: output, activation: activation)
  }

  /// γ x̂ + β recomputed from a pass's x̂ (no β: γ x̂): the input of the nonlinearity a
  /// normaliser fused into its output, for a probe that asks for it.
  @inlinable
  public static func affine<T: Scalar>(
    _ normalized: MatrixView<T>, gamma: MatrixView<T>, beta: MatrixView<T>?
  ) -> Matrix<T> {
    let (g, b) = (gamma.base, beta?.base)
    return Matrix(rows: normalized.rows, cols: normalized.cols) { z in
      for i in 0..<normalized.rows {
        for j in 0..<normalized.cols {
          z[i * normalized.cols + j] = g[j] * normalized[i, j] + (b?[j] ?? 0)
        }
      }
    }
  }

  /// BN's normalisation: per-feature μ_j and s_j.
  @inlinable
  static func normalizeColumns<T: Scalar>(
    _ x: MatrixView<T>, mean mu: UnsafeMutablePointer<T>, inverseStd s: UnsafeMutablePointer<T>,
    gamma g: UnsafeMutablePointer<T>, beta b: UnsafeMutablePointer<T>?,
    normalized: MatrixView<T>?, output: MatrixView<T>
  ) {
    let n = x.cols
    // Each loop writes one array: a loop writing x̂ and y together, or writing y over x,
    // has pointers LLVM cannot prove apart, and runs scalar.
    for i in 0..<x.rows {
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
  }

  /// LN's normalisation of one row: its own μ and s.
  @inlinable
  static func normalizeRow<T: Scalar>(
    _ xs: UnsafeMutablePointer<T>, mean mu: T, inverseStd s: T,
    gamma g: UnsafeMutablePointer<T>, beta b: UnsafeMutablePointer<T>?,
    normalized xh: UnsafeMutablePointer<T>?, output ys: UnsafeMutablePointer<T>, count n: Int
  ) {
    if let xh {
      // x̂_ij = (x_ij − μ_i) / √(σ²_i + ε)
      for j in 0..<n { xh[j] = (xs[j] - mu) * s }
      // y_ij = γ_j x̂_ij + β_j
      if let b {
        for j in 0..<n { ys[j] = g[j] * xh[j] + b[j] }
      } else {
        for j in 0..<n { ys[j] = g[j] * xh[j] }
      }
    } else if xs == ys {
      if let b {
        for j in 0..<n { ys[j] = g[j] * ((ys[j] - mu) * s) + b[j] }
      } else {
        for j in 0..<n { ys[j] = g[j] * ((ys[j] - mu) * s) }
      }
    } else if let b {
      for j in 0..<n { ys[j] = g[j] * ((xs[j] - mu) * s) + b[j] }
    } else {
      for j in 0..<n { ys[j] = g[j] * ((xs[j] - mu) * s) }
    }
  }

  // MARK: 3. Backward

  /// The backward pass of a normalization whose statistics came from its own input (BN in
  /// training, LN always). With ĝ = γ ⊙ ∂ℓ/∂y and m the number of values a statistic covers,
  ///
  /// ∂ℓ/∂x = s/m · (m·ĝ − Σ ĝ − x̂ · Σ ĝ x̂),
  ///
  /// the sums over the reduced axis. Over the batch γ_j is constant along the sum and factors
  /// out: ∂ℓ/∂x_i = γ/(m·√(σ²_B + ε)) · (m·∂ℓ/∂y_i − Σ_k ∂ℓ/∂y_k − x̂_i · Σ_k ∂ℓ/∂y_k · x̂_k),
  /// whose two sums are exactly ∂ℓ/∂β and ∂ℓ/∂γ. Over the features γ varies along the sum
  /// and stays inside it.
  ///
  /// ∂ℓ/∂x is written into `dx` (overwriting; masked rows get 0, since they touched no
  /// statistic and no output that the loss sees), and ∂ℓ/∂γ = Σ_i ∂ℓ/∂y_i · x̂_i and
  /// ∂ℓ/∂β = Σ_i ∂ℓ/∂y_i (sums over the counted rows, on both axes) are added into
  /// `gammaGradient` and `betaGradient` (either may be nil). With `batchStatistics: false`
  /// (BN only) the statistics were population constants and ∂ℓ/∂x_i = ∂ℓ/∂y_i · γ/√(Var[x] + ε).
  /// `dx` may be `dy` itself.
  ///
  /// With an `activation` g (the forward pass applied it, see `normalize`), `dy` is ∂ℓ/∂g(y)
  /// and `activationOutput` the g(y) of the forward pass; ∂ℓ/∂y = dy ⊙ g′ is formed in `dx`
  /// first, which then serves as the upstream gradient.
  @inlinable
  public static func backward<T: Scalar>(
    _ dy: MatrixView<T>, over axis: Axis = .batch, normalized: MatrixView<T>,
    inverseStd: MatrixView<T>, gamma: MatrixView<T>, mask: UnsafeBufferPointer<T>? = nil,
    batchStatistics: Bool = true,
    activation: Activation = .identity, activationOutput: MatrixView<T>? = nil,
    inputGradient dx: MatrixView<T>,
    gammaGradient: MatrixView<T>?, betaGradient: MatrixView<T>?, workspace: Workspace<T>
  ) {
    let (rows, n) = (dy.rows, dy.cols)
    require(
      normalized.rows == rows && normalized.cols == n && dx.rows == rows && dx.cols == n,
      "backward of \(rows)×\(n) ∂ℓ/∂y against x̂ of \(normalized.rows)×\(normalized.cols) and ∂ℓ/∂x of \(dx.rows)×\(dx.cols)"
    )
    checkStatistics(inverseStd, inverseStd, of: dy, over: axis, what: "backward")
    checkPerFeature(
      gamma, gammaGradient, betaGradient, features: n, what: "backward of \(rows)×\(n)")
    require(
      batchStatistics || axis == .batch,
      "layer normalization has no population statistics: its backward always uses its own")
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
    let g = gamma.base
    switch axis {
    case .batch:
      batchInputGradient(
        dy, normalized: normalized, inverseStd: inverseStd.base, gamma: g, mask: mask,
        batchStatistics: batchStatistics, counted: m, sums: (dg, db), scale: scale, into: dx)
    case .features:
      for i in 0..<rows {
        let out = dx.row(i)
        if let mask, mask[i] == 0 {
          out.update(repeating: 0, count: n)
          continue
        }
        rowInputGradient(
          dy.row(i), normalized: normalized.row(i), inverseStd: inverseStd[i, 0], gamma: g,
          count: n, into: out)
      }
    }
    if let gammaGradient { for j in 0..<n { gammaGradient.base[j] += dg[j] } }
    if let betaGradient { for j in 0..<n { betaGradient.base[j] += db[j] } }
  }

  /// BN's ∂ℓ/∂x, from the two per-feature sums Σ ∂ℓ/∂y · x̂ (`sums.gamma`) and Σ ∂ℓ/∂y
  /// (`sums.beta`) over `counted` rows.
  @inlinable
  static func batchInputGradient<T: Scalar>(
    _ dy: MatrixView<T>, normalized: MatrixView<T>, inverseStd s: UnsafeMutablePointer<T>,
    gamma g: UnsafeMutablePointer<T>, mask: UnsafeBufferPointer<T>?, batchStatistics: Bool,
    counted m: Int,
    sums: (gamma: UnsafeMutablePointer<T>, beta: UnsafeMutablePointer<T>),
    scale: UnsafeMutablePointer<T>, into dx: MatrixView<T>
  ) {
    let (rows, n) = (dy.rows, dy.cols)
    let (dg, db) = sums
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
  }

  /// LN's ∂ℓ/∂x of one row: ∂ℓ/∂x_j = s/n · (n·ĝ_j − Σ_k ĝ_k − x̂_j · Σ_k ĝ_k x̂_k), with
  /// ĝ = γ ⊙ ∂ℓ/∂y. `out` may be `d`: both sums are taken before it is written.
  @inlinable
  static func rowInputGradient<T: Scalar>(
    _ d: UnsafeMutablePointer<T>, normalized xh: UnsafeMutablePointer<T>, inverseStd s: T,
    gamma g: UnsafeMutablePointer<T>, count n: Int, into out: UnsafeMutablePointer<T>
  ) {
    // page-span: row gradient
    // Σ_k ĝ_k and Σ_k ĝ_k x̂_k
    let sum = rowSum(n) { g[$0] * d[$0] }
    let dotNormalized = rowSum(n) { g[$0] * d[$0] * xh[$0] }
    let nT = T(n)
    let k = s / nT
    if d == out {
      for j in 0..<n { out[j] = k * (nT * (g[j] * out[j]) - sum - xh[j] * dotNormalized) }
    } else {
      for j in 0..<n { out[j] = k * (nT * (g[j] * d[j]) - sum - xh[j] * dotNormalized) }
    }
    // end page-span: row gradient
  }
}
