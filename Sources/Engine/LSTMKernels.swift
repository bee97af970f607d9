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
  @inlinable
  public static func gatesAndCell<T: Scalar>(
    preactivation a: MatrixView<T>, previousCell: MatrixView<T>,
    gates: MatrixView<T>, cell: MatrixView<T>
  ) {
    let (b, h) = (cell.rows, cell.cols)
    check(a, gates: gates, cells: previousCell, cell, nil, rows: b, hidden: h)
    for r in 0..<b {
      let (pre, act, cPrev, c) = (a.row(r), gates.row(r), previousCell.row(r), cell.row(r))
      for j in 0..<h {
        let i = sigmoid(pre[j])
        let f = sigmoid(pre[h &+ j])
        let o = sigmoid(pre[2 &* h &+ j])
        let g = T.vectorizableTanh(pre[3 &* h &+ j])
        act[j] = i
        act[h &+ j] = f
        act[2 &* h &+ j] = o
        act[3 &* h &+ j] = g
        // c_t = f ⊙ c_{t−1} + i ⊙ g
        c[j] = f * cPrev[j] + i * g
      }
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
    for r in 0..<b {
      let (act, c, tc, out) = (gates.row(r), cellOutput.row(r), tanhCell.row(r), hidden.row(r))
      for j in 0..<h {
        let t = T.vectorizableTanh(c[j])
        tc[j] = t
        // h_t = o ⊙ tanh(ĉ_t)
        out[j] = act[2 &* h &+ j] * t
      }
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
      let (d, act, tc) = (dh.row(r), gates.row(r), tanhCell.row(r))
      let (da, dc) = (gateGradient.row(r), cellOutputGradient.row(r))
      for j in 0..<h {
        let o = act[2 &* h &+ j]
        let t = tc[j]
        // ∂ℓ/∂ã_o = ∂ℓ/∂h · tanh(ĉ) · σ'(ã_o)
        da[2 &* h &+ j] = d[j] * t * o * (1 - o)
        // ∂ℓ/∂ĉ = ∂ℓ/∂h · o · tanh'(ĉ)
        dc[j] = d[j] * o * (1 - t * t)
      }
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
      let (da, dPrev) = (gateGradient.row(r), previousCellGradient.row(r))
      for j in 0..<h {
        let (i, f, g) = (act[j], act[h &+ j], act[3 &* h &+ j])
        let dcj = d[j]
        // ∂ℓ/∂ã_i = ∂ℓ/∂c · g · σ'(ã_i)
        da[j] = dcj * g * i * (1 - i)
        // ∂ℓ/∂ã_f = ∂ℓ/∂c · c_{t−1} · σ'(ã_f)
        da[h &+ j] = dcj * cPrev[j] * f * (1 - f)
        // ∂ℓ/∂ã_g = ∂ℓ/∂c · i · tanh'(ã_g)
        da[3 &* h &+ j] = dcj * i * (1 - g * g)
        // ∂ℓ/∂c_{t−1} = ∂ℓ/∂c · f
        dPrev[j] = dcj * f
      }
    }
  }

  /// Shapes: `a` and `gates` B×4H, every cell-shaped view B×H.
  @inlinable
  static func check<T: Scalar>(
    _ a: MatrixView<T>, gates: MatrixView<T>, cells c1: MatrixView<T>, _ c2: MatrixView<T>,
    _ c3: MatrixView<T>?, rows: Int, hidden: Int
  ) {
    precondition(
      a.rows == rows && a.cols == 4 * hidden && gates.rows == rows && gates.cols == 4 * hidden,
      "LSTM step of batch \(rows), hidden \(hidden): gate rows must be \(rows)×\(4 * hidden), got \(a.rows)×\(a.cols) and \(gates.rows)×\(gates.cols)"
    )
    func checkCell(_ c: MatrixView<T>?) {
      guard let c else { return }
      precondition(
        c.rows == rows && c.cols == hidden,
        "LSTM step of batch \(rows), hidden \(hidden): a cell-shaped view is \(c.rows)×\(c.cols)")
    }
    checkCell(c1)
    checkCell(c2)
    checkCell(c3)
  }
}
