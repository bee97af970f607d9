import Invariants

/// The element-wise work of one LSTM time step, fused into a few passes over raw rows.
///
/// The matrix products of a step (x_t·W_x for all steps at once, h_{t−1}·W_h per step) go
/// to BLAS; everything else is here. A pre-activation row holds the four gates side by side,
/// each `hidden` wide, in the order **i, f, o, g** (input, forget, output, candidate):
///
///     i = σ(ã_i)   f = σ(ã_f)   o = σ(ã_o)   g = tanh(ã_g)
///     c_t = f ⊙ c_{t−1} + i ⊙ g
///     h_t = o ⊙ tanh(ĉ_t)
///
/// where ĉ_t is c_t itself in a plain LSTM and BN(c_t; γ_c, β_c) in Cooijmans et al.'s
/// BN-LSTM. That is why the step is split in two kernels (gates and cell; output) with room
/// for a normalization between them, and the backward pass likewise.
public enum LSTMKernels {
  /// Column block of gate `k` (0 = i, 1 = f, 2 = o, 3 = g) in a 4H-wide row.
  @inlinable
  public static func gate(_ k: Int, hidden: Int) -> Range<Int> { k * hidden..<(k + 1) * hidden }

  /// gates ← (σ(ã_i), σ(ã_f), σ(ã_o), tanh(ã_g)) and c_t ← f ⊙ c_{t−1} + i ⊙ g.
  /// `gates` may be `preactivation` itself.
  ///
  /// Each loop writes one thing from few sources: a loop that writes the four gates and the
  /// cell at once has too many pointers for LLVM to prove apart, and runs scalar.
  @inlinable
  public static func gatesAndCell<T: Scalar>(
    preactivation a: MatrixView<T>, previousCell: MatrixView<T>,
    gates: MatrixView<T>, cell: MatrixView<T>
  ) {
    let (b, h) = (cell.rows, cell.cols)
    check(a, gates: gates, cells: previousCell, cell, nil, rows: b, hidden: h)
    for r in 0..<b {
      let (pre, act) = (a.rows(r..<r + 1), gates.rows(r..<r + 1))
      // i, f, o = σ(ã_i, ã_f, ã_o): the first 3H columns
      activate(.sigmoid, pre.columns(0..<3 &* h), into: act.columns(0..<3 &* h))
      // g = tanh(ã_g)
      activate(.tanh, pre.columns(3 &* h..<4 &* h), into: act.columns(3 &* h..<4 &* h))
      let (i, f, g) = (act.base, act.base + h, act.base + 3 &* h)
      let (cPrev, c) = (previousCell.row(r), cell.row(r))
      // c_t = f ⊙ c_{t−1} + i ⊙ g
      for j in 0..<h { c[j] = f[j] * cPrev[j] + i[j] * g[j] }
    }
  }

  /// tanh(ĉ_t) into `tanhCell` and h_t = o ⊙ tanh(ĉ_t) into `hidden`.
  @inlinable
  public static func output<T: Scalar>(
    gates: MatrixView<T>, cellOutput: MatrixView<T>,
    tanhCell: MatrixView<T>, hidden: MatrixView<T>
  ) {
    let (b, h) = (hidden.rows, hidden.cols)
    check(gates, gates: gates, cells: cellOutput, tanhCell, hidden, rows: b, hidden: h)
    activate(.tanh, cellOutput, into: tanhCell)
    for r in 0..<b {
      let (o, tc, out) = (gates.row(r) + 2 &* h, tanhCell.row(r), hidden.row(r))
      // h_t = o ⊙ tanh(ĉ_t)
      for j in 0..<h { out[j] = o[j] * tc[j] }
    }
  }

  /// Backward through h_t = o ⊙ tanh(ĉ_t), given ∂ℓ/∂h_t:
  /// ∂ℓ/∂ã_o = ∂ℓ/∂h · tanh(ĉ) · o(1 − o) into the o block of `gateGradient`, and
  /// ∂ℓ/∂ĉ = ∂ℓ/∂h · o · (1 − tanh²(ĉ)) into `cellOutputGradient`.
  @inlinable
  public static func outputBackward<T: Scalar>(
    hiddenGradient dh: MatrixView<T>, gates: MatrixView<T>, tanhCell: MatrixView<T>,
    gateGradient: MatrixView<T>, cellOutputGradient: MatrixView<T>
  ) {
    let (b, h) = (dh.rows, dh.cols)
    check(gates, gates: gateGradient, cells: tanhCell, cellOutputGradient, dh, rows: b, hidden: h)
    for r in 0..<b {
      let (d, o, t) = (dh.row(r), gates.row(r) + 2 &* h, tanhCell.row(r))
      let (dao, dc) = (gateGradient.row(r) + 2 &* h, cellOutputGradient.row(r))
      // ∂ℓ/∂ã_o = ∂ℓ/∂h · tanh(ĉ) · σ'(ã_o)
      for j in 0..<h { dao[j] = d[j] * t[j] * o[j] * (1 - o[j]) }
      // ∂ℓ/∂ĉ = ∂ℓ/∂h · o · tanh'(ĉ)
      for j in 0..<h { dc[j] = d[j] * o[j] * (1 - t[j] * t[j]) }
    }
  }

  /// Backward through c_t = f ⊙ c_{t−1} + i ⊙ g, given the total ∂ℓ/∂c_t (from h_t, and from
  /// c_{t+1} through the next step's forget gate): the i, f and g blocks of `gateGradient`
  /// and ∂ℓ/∂c_{t−1} = ∂ℓ/∂c_t ⊙ f into `previousCellGradient` (which may be `cellGradient`).
  @inlinable
  public static func cellBackward<T: Scalar>(
    cellGradient dc: MatrixView<T>, gates: MatrixView<T>, previousCell: MatrixView<T>,
    gateGradient: MatrixView<T>, previousCellGradient: MatrixView<T>
  ) {
    let (b, h) = (dc.rows, dc.cols)
    check(
      gates, gates: gateGradient, cells: previousCell, previousCellGradient, dc, rows: b, hidden: h)
    for r in 0..<b {
      let (d, act, cPrev) = (dc.row(r), gates.row(r), previousCell.row(r))
      let (i, f, g) = (act, act + h, act + 3 &* h)
      let da = gateGradient.row(r)
      let (dai, daf, dag) = (da, da + h, da + 3 &* h)
      // ∂ℓ/∂ã_i = ∂ℓ/∂c · g · σ'(ã_i)
      for j in 0..<h { dai[j] = d[j] * g[j] * i[j] * (1 - i[j]) }
      // ∂ℓ/∂ã_f = ∂ℓ/∂c · c_{t−1} · σ'(ã_f)
      for j in 0..<h { daf[j] = d[j] * cPrev[j] * f[j] * (1 - f[j]) }
      // ∂ℓ/∂ã_g = ∂ℓ/∂c · i · tanh'(ã_g)
      for j in 0..<h { dag[j] = d[j] * i[j] * (1 - g[j] * g[j]) }
      // ∂ℓ/∂c_{t−1} = ∂ℓ/∂c · f, in place through one pointer when it overwrites ∂ℓ/∂c_t
      let dPrev = previousCellGradient.row(r)
      if dPrev == d {
        for j in 0..<h { dPrev[j] = dPrev[j] * f[j] }
      } else {
        for j in 0..<h { dPrev[j] = d[j] * f[j] }
      }
    }
  }

  /// Shapes: `a` and `gates` B×4H, every cell-shaped view B×H.
  @inlinable
  static func check<T: Scalar>(
    _ a: MatrixView<T>, gates: MatrixView<T>, cells c1: MatrixView<T>, _ c2: MatrixView<T>,
    _ c3: MatrixView<T>?, rows: Int, hidden: Int
  ) {
    require(
      a.rows == rows && a.cols == 4 * hidden && gates.rows == rows && gates.cols == 4 * hidden,
      "LSTM step of batch \(rows), hidden \(hidden): gate rows must be \(rows)×\(4 * hidden), got \(a.rows)×\(a.cols) and \(gates.rows)×\(gates.cols)"
    )
    func checkCell(_ c: MatrixView<T>?) {
      guard let c else { return }
      require(
        c.rows == rows && c.cols == hidden,
        "LSTM step of batch \(rows), hidden \(hidden): a cell-shaped view is \(c.rows)×\(c.cols)")
    }
    checkCell(c1)
    checkCell(c2)
    checkCell(c3)
  }
}
