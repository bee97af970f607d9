import Invariants

/// The BN-LSTM's batch normalizations (Cooijmans et al.'s BN_x, BN_h, BN_c) fused with the
/// arithmetic around them, so that each step's B×4H rows are visited fewer times, each while
/// it is still in cache.
///
/// The staged composition — `RecurrentBatchNorm.forward`, then `addInputTermAndBias`, then
/// `LSTMKernels` — writes every intermediate to memory and reads it back in the next kernel:
/// BN_x's γ x̂ over all T·B rows (80 MB at T = 784, read again in the loop), BN_h's γ x̂, ∂ℓ/∂ĉ
/// before and after BN_c. Here an intermediate lives in a register, or in a row still in L1.
///
/// Bit-identical to the staged composition: every element goes through the same operations in
/// the same order (a product rounded to `T` and then added is the same whether it was stored
/// in between or not), and every per-feature sum adds the same rows in the same order. The
/// tests compare each kernel with the staged composition it replaces, in Float and Double,
/// with and without a mask.
///
/// Each inner loop writes one array, as in the other kernels, so that LLVM vectorises it.
public enum BNLSTMKernels {
  // MARK: Forward

  /// a_t ← γ_h x̂_h + (γ_x x̂_x + b): BN_h of step t's h_{t−1} W_h (in `a`), with its
  /// statistics, its x̂ written to its tape, plus BN_x of step t's x_t W_x (`inputTerm`), with
  /// its statistics too, plus the bias. The staged form: `recurrent.forward(step: t, a,
  /// into: a)`, then `a += γ_x x̂_x + b` with γ_x x̂_x from BN_x's `forwardAll`.
  ///
  /// BN_x's statistics are taken here, step by step, although they could all be taken before
  /// the loop: here x_t W_x comes from memory once, and stays in cache for the pass that
  /// normalises it; before the loop, all T steps of it (80 MB at T = 784) would be read twice.
  @inlinable
  public static func addNormalizedTerms<T: Scalar>(
    step t: Int, _ a: MatrixView<T>, recurrent: RecurrentBatchNorm<T>,
    input: RecurrentBatchNorm<T>, inputTerm: MatrixView<T>, bias: MatrixView<T>?,
    mask: UnsafeBufferPointer<T>?
  ) {
    recurrent.checkStep(t, a)
    input.checkStep(t, inputTerm)
    require(
      recurrent.beta == nil && input.beta == nil,
      "\(recurrent.name) and \(input.name) have a β: their outputs are not γ x̂")
    let (meanX, inverseStdX) = input.statistics(
      of: inputTerm, statisticRow: t, populationStep: t, mask: mask)
    let (mean, s) = recurrent.statistics(
      of: a, statisticRow: t, populationStep: t, mask: mask)
    let tapeH = recurrent.normalized.view.rows(t * a.rows..<(t + 1) * a.rows)
    let (mu, sh, gh, gx) = (
      mean.base, s.base, recurrent.gamma.valueView.base, input.gamma.valueView.base
    )
    let (muX, sX) = (meanX.base, inverseStdX.base)
    let n = a.cols
    // page-span: fused terms
    for r in 0..<a.rows {
      let (y, xh, xw) = (a.row(r), tapeH.row(r), inputTerm.row(r))
      // x̂_h = (h_{t−1} W_h − μ_h) · s_h
      for j in 0..<n { xh[j] = (y[j] - mu[j]) * sh[j] }
      // a_t = γ_h x̂_h + (γ_x x̂_x + b), x̂_x = (x_t W_x − μ_x) · s_x
      if let b = bias?.base {
        for j in 0..<n { y[j] = gh[j] * xh[j] + (gx[j] * ((xw[j] - muX[j]) * sX[j]) + b[j]) }
      } else {
        for j in 0..<n { y[j] = gh[j] * xh[j] + gx[j] * ((xw[j] - muX[j]) * sX[j]) }
      }
    }
    // end page-span: fused terms
  }

  /// h_t = o ⊙ tanh(ĉ_t) with ĉ_t = BN(c_t; γ_c, β_c): BN_c's statistics of step t's cells,
  /// its x̂ to its tape, ĉ_t into the row scratch `cellOutput`, tanh(ĉ_t) into `tanhCell`.
  /// The staged form: `cellNorm.forward(step: t, c, into: ĉ)`, then `LSTMKernels.output`.
  @inlinable
  public static func normalizedOutput<T: Scalar>(
    step t: Int, cell c: MatrixView<T>, cellNorm: RecurrentBatchNorm<T>, gates: MatrixView<T>,
    cellOutput: MatrixView<T>, tanhCell: MatrixView<T>, hidden: MatrixView<T>,
    mask: UnsafeBufferPointer<T>?
  ) {
    let (b, h) = (c.rows, c.cols)
    cellNorm.checkStep(t, c)
    LSTMKernels.check(gates, gates: gates, cells: cellOutput, tanhCell, hidden, rows: b, hidden: h)
    let (mean, s) = cellNorm.statistics(of: c, statisticRow: t, populationStep: t, mask: mask)
    let tape = cellNorm.normalized.view.rows(t * b..<(t + 1) * b)
    let (mu, sc, g) = (mean.base, s.base, cellNorm.gamma.valueView.base)
    let beta = cellNorm.beta?.valueView.base
    for r in 0..<b {
      let (x, xh, y) = (c.row(r), tape.row(r), cellOutput.row(r))
      let (o, tc, out) = (gates.row(r) + 2 &* h, tanhCell.row(r), hidden.row(r))
      // x̂_c = (c_t − μ_c) · s_c
      for j in 0..<h { xh[j] = (x[j] - mu[j]) * sc[j] }
      // ĉ_t = γ_c x̂_c + β_c
      if let beta {
        for j in 0..<h { y[j] = g[j] * xh[j] + beta[j] }
      } else {
        for j in 0..<h { y[j] = g[j] * xh[j] }
      }
      // tanh(ĉ_t)
      for j in 0..<h { tc[j] = T.vectorizableTanh(y[j]) }
      // h_t = o ⊙ tanh(ĉ_t)
      for j in 0..<h { out[j] = o[j] * tc[j] }
    }
  }

  // MARK: Backward

  /// Step t of the BN-LSTM's backward pass from ∂ℓ/∂h_t (`hiddenGradient`) to ∂ℓ/∂(x_t W_x),
  /// written over step t's `gates`, ∂ℓ/∂(h_{t−1} W_h), written over BN_h's x̂ of step t, and
  /// ∂ℓ/∂c_{t−1} (written over `nextCellGradient`, which holds ∂ℓ/∂c_t from step t + 1 on
  /// entry), adding into γ_c, β_c, γ_h, γ_x and the bias's gradients. `cellGradient` is B×H
  /// scratch. Three passes over the rows:
  ///
  /// 1. through h_t = o ⊙ tanh(ĉ_t) (`LSTMKernels.outputBackward`), summing BN_c's Σ ∂ℓ/∂ĉ
  ///    and Σ ∂ℓ/∂ĉ · x̂_c;
  /// 2. through BN_c, plus ∂ℓ/∂c from step t + 1, then through c_t = f ⊙ c_{t−1} + i ⊙ g
  ///    (`LSTMKernels.cellBackward`), summing Σ ∂ℓ/∂ã (BN_h's and BN_x's alike: both terms
  ///    receive the same ∂ℓ/∂ã), Σ ∂ℓ/∂ã · x̂_h and Σ ∂ℓ/∂ã · x̂_x, with x̂_x recomputed from
  ///    step t's x_t W_x (`inputTerm`) as `addNormalizedTerms` computed it;
  /// 3. through BN_h and through BN_x.
  ///
  /// BN_x's backward is here, in the time loop, because here step t's ∂ℓ/∂ã is in cache: after
  /// the loop, all T steps of ∂ℓ/∂ã and of x_t W_x (80 MB each at T = 784) would come back
  /// from memory. The cost is the order of two sums: ∂ℓ/∂γ_x and ∂ℓ/∂b add the steps from T
  /// down to 1, where the staged form adds them from 1 up to T (the same terms; the last bits
  /// differ).
  ///
  /// In place, because the step reads its gates and x̂_h for the last time here: a gradient
  /// written into a fresh (T·B) × 4H buffer makes the CPU first read each of its lines from
  /// memory (to own it), 80 MB per buffer at T = 784; written over a row it has just read, the
  /// line is already in cache. The tape is spent: one backward pass per forward pass.
  ///
  /// For batch statistics only (training); with population statistics the layer runs the
  /// staged form.
  @inlinable
  public static func backwardStep<T: Scalar>(
    step t: Int, hiddenGradient dh: MatrixView<T>, gates: MatrixView<T>,
    tanhCell: MatrixView<T>, previousCell: MatrixView<T>, cellNorm: RecurrentBatchNorm<T>,
    recurrent: RecurrentBatchNorm<T>, input: RecurrentBatchNorm<T>, inputTerm: MatrixView<T>,
    biasGradient: MatrixView<T>, mask: UnsafeBufferPointer<T>?,
    cellGradient: MatrixView<T>, nextCellGradient: MatrixView<T>
  ) {
    let (b, h) = (dh.rows, dh.cols)
    let g = 4 &* h
    LSTMKernels.check(gates, gates: gates, cells: tanhCell, cellGradient, dh, rows: b, hidden: h)
    LSTMKernels.check(
      gates, gates: gates, cells: previousCell, nextCellGradient, nil, rows: b, hidden: h)
    cellNorm.checkBackwardStep(t, rows: b, features: h)
    recurrent.checkBackwardStep(t, rows: b, features: g)
    input.checkBackwardStep(t, rows: b, features: g)
    input.checkStep(t, inputTerm)
    require(
      biasGradient.rows == 1 && biasGradient.cols == g,
      "a bias gradient of \(biasGradient.rows)×\(biasGradient.cols) for 1×\(g)")
    require(
      cellNorm.policy.usesBatchStatistics && recurrent.policy.usesBatchStatistics
        && input.policy.usesBatchStatistics && recurrent.beta == nil && input.beta == nil,
      "\(cellNorm.name), \(recurrent.name), \(input.name): the fused backward step is training's")
    if let mask { require(mask.count == b, "a mask of \(mask.count) rows for \(b)") }
    let rows = t * b..<(t + 1) * b
    let (tapeC, tapeH) = (cellNorm.normalized.view.rows(rows), recurrent.normalized.view.rows(rows))
    let scratchC = cellNorm.workspace.scalarRows(h)
    let (dgC, dbC, scaleC) = (scratchC.row(0), scratchC.row(1), scratchC.row(2))
    let scratchH = recurrent.workspace.scalarRows(g)
    let (dgH, dbH, scaleH) = (scratchH.row(0), scratchH.row(1), scratchH.row(2))
    dgC.update(repeating: 0, count: h)
    dbC.update(repeating: 0, count: h)
    dgH.update(repeating: 0, count: g)
    dbH.update(repeating: 0, count: g)
    let scratchX = input.workspace.scalarRows(g)
    let (dgX, scaleX) = (scratchX.row(0), scratchX.row(2))
    dgX.update(repeating: 0, count: g)
    let (muX, sX) = (input.stepMeans.view.row(t), input.stepInverseStd.view.row(t))
    let dBias = biasGradient.base
    // Each in-place loop reads and writes through one pointer: LLVM vectorises a loop whose
    // source and destination are different pointers only after checking at run time that
    // they do not overlap, and runs it scalar when they do — even exactly.
    // 1. ∂ℓ/∂ĉ and ∂ℓ/∂ã_o; BN_c's ∂ℓ/∂γ_c = Σ ∂ℓ/∂ĉ · x̂_c, ∂ℓ/∂β_c = Σ ∂ℓ/∂ĉ
    var m = 0
    for r in 0..<b {
      let (d, o, tc, dc) = (dh.row(r), gates.row(r) + 2 &* h, tanhCell.row(r), cellGradient.row(r))
      // ∂ℓ/∂ĉ = ∂ℓ/∂h · o · tanh'(ĉ)
      for j in 0..<h { dc[j] = d[j] * o[j] * (1 - tc[j] * tc[j]) }
      // ∂ℓ/∂ã_o = ∂ℓ/∂h · tanh(ĉ) · σ'(ã_o), over o
      for j in 0..<h { o[j] = d[j] * tc[j] * o[j] * (1 - o[j]) }
      guard Normalization.counts(mask, r) else { continue }
      let xh = tapeC.row(r)
      for j in 0..<h {
        dgC[j] += dc[j] * xh[j]
        dbC[j] += dc[j]
      }
      m += 1
    }
    let mC = T(m)
    let (gc, sc) = (cellNorm.gamma.valueView.base, cellNorm.stepInverseStd.view.row(t))
    // k_j = γ_j / (m·√(σ²_j + ε))
    for j in 0..<h { scaleC[j] = gc[j] * sc[j] / mC }
    // 2. ∂ℓ/∂c_t, ∂ℓ/∂ã_{i,f,g}, ∂ℓ/∂c_{t−1}; BN_h's sums
    m = 0
    for r in 0..<b {
      let (dc, dcNext, xh) = (cellGradient.row(r), nextCellGradient.row(r), tapeC.row(r))
      let counted = Normalization.counts(mask, r)
      // ∂ℓ/∂c_t = BN_c's ∂ℓ/∂x (0 on a padding row) + ∂ℓ/∂c_t through c_{t+1}
      if counted {
        for j in 0..<h {
          dc[j] = scaleC[j] * (mC * dc[j] - dbC[j] - xh[j] * dgC[j]) + dcNext[j]
        }
      } else {
        for j in 0..<h { dc[j] = 0 + dcNext[j] }
      }
      let act = gates.row(r)
      let (i, f, gg, cPrev) = (act, act + h, act + 3 &* h, previousCell.row(r))
      // ∂ℓ/∂ã_i and ∂ℓ/∂ã_g each read both i and g, so ∂ℓ/∂ã_i waits in the row of
      // ∂ℓ/∂c_{t+1}, read above for the last time, until ∂ℓ/∂ã_g is over g.
      // ∂ℓ/∂ã_i = ∂ℓ/∂c · g · σ'(ã_i)
      for j in 0..<h { dcNext[j] = dc[j] * gg[j] * i[j] * (1 - i[j]) }
      // ∂ℓ/∂ã_g = ∂ℓ/∂c · i · tanh'(ã_g), over g
      for j in 0..<h { gg[j] = dc[j] * i[j] * (1 - gg[j] * gg[j]) }
      i.update(from: dcNext, count: h)
      // ∂ℓ/∂c_{t−1} = ∂ℓ/∂c · f
      for j in 0..<h { dcNext[j] = dc[j] * f[j] }
      // ∂ℓ/∂ã_f = ∂ℓ/∂c · c_{t−1} · σ'(ã_f), over f
      for j in 0..<h { f[j] = dc[j] * cPrev[j] * f[j] * (1 - f[j]) }
      guard counted else {
        // ∂ℓ/∂b = Σ ∂ℓ/∂ã over every row, padding too (the counted ones are added below)
        for j in 0..<g { dBias[j] += act[j] }
        continue
      }
      // ∂ℓ/∂γ_h = Σ ∂ℓ/∂ã · x̂_h; Σ ∂ℓ/∂ã
      let xhh = tapeH.row(r)
      for j in 0..<g {
        dgH[j] += act[j] * xhh[j]
        dbH[j] += act[j]
      }
      // ∂ℓ/∂γ_x = Σ ∂ℓ/∂ã · x̂_x, x̂_x = (x_t W_x − μ_x) · s_x
      let xw = inputTerm.row(r)
      for j in 0..<g { dgX[j] += act[j] * ((xw[j] - muX[j]) * sX[j]) }
      m += 1
    }
    let mH = T(m)
    let (gh, sh) = (recurrent.gamma.valueView.base, recurrent.stepInverseStd.view.row(t))
    for j in 0..<g { scaleH[j] = gh[j] * sh[j] / mH }
    let gx = input.gamma.valueView.base
    for j in 0..<g { scaleX[j] = gx[j] * sX[j] / mH }
    // 3. ∂ℓ/∂(h_{t−1} W_h) through BN_h, over x̂_h; ∂ℓ/∂(x_t W_x) through BN_x, over ∂ℓ/∂ã
    for r in 0..<b {
      let (xh, d) = (tapeH.row(r), gates.row(r))
      guard Normalization.counts(mask, r) else {
        xh.update(repeating: 0, count: g)
        d.update(repeating: 0, count: g)
        continue
      }
      for j in 0..<g { xh[j] = scaleH[j] * (mH * d[j] - dbH[j] - xh[j] * dgH[j]) }
      let xw = inputTerm.row(r)
      for j in 0..<g {
        d[j] = scaleX[j] * (mH * d[j] - dbH[j] - ((xw[j] - muX[j]) * sX[j]) * dgX[j])
      }
    }
    let (dGammaC, dGammaH) = (cellNorm.gamma.gradientView.base, recurrent.gamma.gradientView.base)
    for j in 0..<h { dGammaC[j] += dgC[j] }
    if let dBetaC = cellNorm.beta?.gradientView.base { for j in 0..<h { dBetaC[j] += dbC[j] } }
    for j in 0..<g { dGammaH[j] += dgH[j] }
    let dGammaX = input.gamma.gradientView.base
    for j in 0..<g { dGammaX[j] += dgX[j] }
    for j in 0..<g { dBias[j] += dbH[j] }
  }
}

extension RecurrentBatchNorm {
  /// The μ step t was normalised with: this batch's, or the population's.
  @inlinable
  func normalizingMean(step t: Int) -> UnsafeMutablePointer<T> {
    if policy.usesBatchStatistics { return stepMeans.view.row(t) }
    return populationMeans.view.row(statistics == .perStep ? population.index(t) : 0)
  }

  /// `backwardAll` of BN_x as `addNormalizedTerms` runs it, written in place over `dy`, with x̂
  /// recomputed from the forward pass's input `x`; and Σ_rows ∂ℓ/∂y — every row, padding too
  /// — into `columnSums` (overwriting): the bias's gradient, taken in the pass that reads
  /// each row for BN's own sums, in the order `columnSums(of:into:)` adds them.
  @inlinable
  public func backwardAllInPlace(
    _ dy: MatrixView<T>, input x: MatrixView<T>, mask: UnsafeBufferPointer<T>?,
    columnSums: MatrixView<T>
  ) {
    require(
      dy.rows == normalized.rows && dy.cols == features && x.rows == dy.rows
        && x.cols == features && columnSums.rows == 1 && columnSums.cols == features
        && statistics != .sequenceWise,
      "\(name): all steps' backward given \(dy.rows)×\(dy.cols) for a forward pass of \(normalized.rows)×\(features)"
    )
    if let mask {
      require(mask.count == dy.rows, "\(name): a mask of \(mask.count) for \(dy.rows)")
    }
    let n = features
    let sums = columnSums.base
    sums.update(repeating: 0, count: n)
    let scratch = workspace.scalarRows(n)
    let (dg, db, scale) = (scratch.row(0), scratch.row(1), scratch.row(2))
    let (g, dGamma) = (gamma.valueView.base, gamma.gradientView.base)
    // x̂ of one step, recomputed as the forward pass computed it, into the first step's rows
    // of the tape (unused: `addNormalizedTerms` keeps no x̂_x), which stay in cache
    // from one step to the next; the second pass reads them back instead of recomputing.
    let stepXHat = normalized.view.rows(0..<batch)
    let batchStatistics = policy.usesBatchStatistics
    for t in 0..<tapeSteps {
      let rows = t * batch..<(t + 1) * batch
      let stepMask = mask.map { UnsafeBufferPointer(rebasing: $0[rows]) }
      let (d, xs) = (dy.rows(rows), x.rows(rows))
      let (mu, s) = (normalizingMean(step: t), stepInverseStd.view.row(t))
      dg.update(repeating: 0, count: n)
      db.update(repeating: 0, count: n)
      var m = 0
      for r in 0..<batch {
        let row = d.row(r)
        // Σ_rows ∂ℓ/∂y, every row
        for j in 0..<n { sums[j] += row[j] }
        guard Normalization.counts(stepMask, r) else { continue }
        let (input, xh) = (xs.row(r), stepXHat.row(r))
        for j in 0..<n { xh[j] = (input[j] - mu[j]) * s[j] }
        // ∂ℓ/∂γ = Σ_i ∂ℓ/∂y_i · x̂_i,  ∂ℓ/∂β = Σ_i ∂ℓ/∂y_i
        for j in 0..<n {
          dg[j] += row[j] * xh[j]
          db[j] += row[j]
        }
        m += 1
      }
      let mT = T(m)
      if batchStatistics {
        // k_j = γ_j / (m·√(σ²_j + ε))
        for j in 0..<n { scale[j] = g[j] * s[j] / mT }
      } else {
        for j in 0..<n { scale[j] = g[j] * s[j] }
      }
      for r in 0..<batch {
        let out = d.row(r)
        guard Normalization.counts(stepMask, r) else {
          out.update(repeating: 0, count: n)
          continue
        }
        if batchStatistics {
          let xh = stepXHat.row(r)
          for j in 0..<n { out[j] = scale[j] * (mT * out[j] - db[j] - xh[j] * dg[j]) }
        } else {
          // ∂ℓ/∂x_i = ∂ℓ/∂y_i · γ / √(Var[x] + ε)
          for j in 0..<n { out[j] = out[j] * scale[j] }
        }
      }
      for j in 0..<n { dGamma[j] += dg[j] }
      if let dBeta = beta?.gradientView.base { for j in 0..<n { dBeta[j] += db[j] } }
    }
  }

  /// Shape checks of a step's forward call.
  @inlinable
  func checkStep(_ t: Int, _ x: MatrixView<T>) {
    require(statistics != .sequenceWise, "sequence-wise statistics cover all steps at once")
    require(
      x.rows == batch && x.cols == features && (t + 1) * batch <= normalized.rows,
      "\(name): step \(t) given \(x.rows)×\(x.cols), expected \(batch)×\(features) within \(tapeSteps) steps"
    )
  }

  /// Shape checks of a step's backward call.
  @inlinable
  func checkBackwardStep(_ t: Int, rows: Int, features n: Int) {
    require(statistics != .sequenceWise, "sequence-wise statistics cover all steps at once")
    require(
      t >= 0 && (t + 1) * batch <= normalized.rows && rows == batch && n == features,
      "\(name): backward of step \(t) for \(rows)×\(n), but the forward pass ran \(tapeSteps) steps of \(batch)×\(features)"
    )
  }
}
