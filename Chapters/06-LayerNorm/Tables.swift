import Companion
import Engine
import Foundation

// The chapter's tables and the scalars its prose quotes, recorded from what main.swift
// measured: plumbing, kept off the page.

/// Rows of a gradient check: each tensor, its entries and its errors; each also as scalars.
func gradientCheckRows(_ checks: [GradientCheck], prefix: String) -> [[String]] {
  checks.map { check in
    chapter.log.scalar("\(prefix) relative error, \(check.name)", check.maxRelativeError)
    return [
      "`\(check.name)`", "\(check.entries)", cell("%.1e", check.maxRelativeError),
      cell("%.1e", check.maxAbsoluteError),
    ]
  }
}

/// The transform's finite-difference check, tensor by tensor.
func recordTransformChecks() {
  chapter.table(
    "gradient check of the transform",
    header: ["tensor", "entries", "max relative error", "max absolute error"],
    rows: gradientCheckRows(transformChecks.tensors, prefix: "transform gradient check"))
}

/// The LN-LSTM's finite-difference check, tensor by tensor.
func recordLNLSTMChecks() {
  chapter.say("\ngradient check of the LN-LSTM (Double, T 5, batch 4, hidden 3):")
  for check in lnLSTMChecks { chapter.say("  \(check)") }
  chapter.table(
    "gradient check of the LN-LSTM",
    header: ["tensor", "entries", "max relative error", "max absolute error"],
    rows: gradientCheckRows(lnLSTMChecks, prefix: "LN-LSTM gradient check"))
}

/// The invariance table: one row per transformation, BN's and LN's stated and measured cells.
func recordInvariances() {
  let transformations = invarianceCells.map(\.transformation).reduce(into: [String]()) {
    if !$0.contains($1) { $0.append($1) }
  }
  func text(_ cell: InvarianceCell) -> String {
    (cell.stated ? "invariant" : "no") + " (" + String(format: "%.0e", cell.change) + ")"
      + (cell.agrees ? "" : " ✗")
  }
  let rows = transformations.map { name -> [String] in
    let cells = invarianceCells.filter { $0.transformation == name }
    let (bn, ln) = (
      cells.first { $0.normalizer == .batch }!, cells.first { $0.normalizer == .layer }!
    )
    chapter.log.scalar("invariance change, BN, \(name)", bn.change)
    chapter.log.scalar("invariance change, LN, \(name)", ln.change)
    return [name, text(bn), text(ln)]
  }
  chapter.table(
    "invariances",
    header: [
      "transformation (δ = 3.7)", "BN: stated (measured change)", "LN: stated (measured change)",
    ], rows: rows)
}
