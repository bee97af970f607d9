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

/// The feed-forward comparison's settings, as scalars for the page.
func recordFeedForwardSettings() {
  chapter.log.scalar("feed-forward training examples", Double(feedForwardExamples))
  chapter.log.scalar("feed-forward evaluation points", Double(feedForwardPoints))
}

/// The feed-forward grids (held-out accuracy at every rate) and the repetitions (test
/// accuracy), with each model's rate and accuracy as scalars.
func recordFeedForwardTables() {
  for batch in [128, 4] {
    let runs = feedForwardRuns[batch]!
    chapter.table(
      "feed-forward grid, batch \(batch)",
      header: ["model"] + runs.allRates.map { "rate \(rateText($0)): held-out accuracy (%)" },
      rows: runs.gridRows(
        name: \.kind, text: { cell("%.2f", $0.finalAccuracy) }, converged: { _ in true }))
  }
  var rows: [[String]] = []
  for batch in [128, 4] {
    for model in FeedForwardModel.all(batch: batch) {
      let accuracy = feedForwardAccuracy(model)
      let rate = feedForwardTuned(model).chosenRate[model]!
      chapter.log.scalar("feed-forward chosen rate, \(model.name)", rate)
      chapter.log.scalar("feed-forward test accuracy, \(model.name)", accuracy.mean)
      rows.append([
        model.kind, "\(batch)", rateText(rate), accuracy.meanAndRange("%.2f"),
      ])
    }
  }
  for normalizer in [nil, FeedForwardNormalization.Normalizer.batch, .layer] {
    let change = batchSizeChange(normalizer)
    chapter.log.scalar(
      "feed-forward accuracy change from batch 128 to 4, \(FeedForwardModel(normalizer: normalizer, batch: 4).kind)",
      change.mean)
  }
  chapter.table(
    "feed-forward repetitions",
    header: ["model", "batch", "rate", "test accuracy (%), mean (range) of \(repetitions)"],
    rows: rows)
}

/// The batch-of-one table: each text model's test bpc four ways.
func recordBatchOfOne() {
  chapter.table(
    "batch of one",
    header: [
      "model", "inference, batches of 64", "inference, one at a time", "training mode, 64",
      "training mode, one at a time",
    ],
    rows: batchOfOne.map { row in
      for (label, spread) in [
        ("inference 64", row.inference64), ("inference 1", row.inference1),
        ("training 64", row.training64), ("training 1", row.training1),
      ] {
        chapter.log.scalar("batch of one: test bpc, \(row.model.rawValue), \(label)", spread.mean)
      }
      return [
        row.model.rawValue, row.inference64.meanAndRange("%.4f"),
        row.inference1.meanAndRange("%.4f"), row.training64.meanAndRange("%.4f"),
        row.training1.meanAndRange("%.4f"),
      ]
    })
}

/// Test bpc at every length, and each model's rise past the training length.
func recordLongerSequences() {
  let models = CharacterModel.allCases
  var rows = lengthRows.map { row in
    ["\(row.length)"] + models.map { row.bpc[$0]!.meanAndRange("%.3f") }
  }
  var rise = ["rise past \(characters.length)"]
  for model in models {
    let spread = risePast(length: characters.length, positions[model]!)
    chapter.log.scalar("rise past the training length, \(model.rawValue), mean", spread.mean)
    rise.append(spread.meanAndRange("%+.4f"))
  }
  rows.append(rise)
  // Each normalised model's rise minus the LSTM's, repetition by repetition (the same initial
  // weights and batches): what the position alone does to every model cancels.
  let lstmRise = risePast(length: characters.length, positions[.lstm]!)
  var relative = ["rise − LSTM's rise"]
  for model in models {
    let rise = risePast(length: characters.length, positions[model]!)
    let difference = Spread(values: zip(rise.values, lstmRise.values).map { $0 - $1 })
    chapter.log.scalar(
      "rise past the training length − LSTM's, \(model.rawValue), mean", difference.mean)
    chapter.log.scalar(
      "rise past the training length − LSTM's, \(model.rawValue), lowest", difference.low)
    chapter.log.scalar(
      "rise past the training length − LSTM's, \(model.rawValue), highest", difference.high)
    relative.append(model == .lstm ? "0" : difference.meanAndRange("%+.4f"))
  }
  rows.append(relative)
  chapter.table(
    "test bpc against sequence length",
    header: ["length"] + models.map { "\($0.rawValue): test bpc" }, rows: rows)
}

/// The gradient through time of the LN tanh-RNN: each γ's gradient at the last and first
/// steps, and their ratio.
func recordGradientFlow() {
  chapter.log.scalar("Figure 1 batches", Double(gradientThroughTime.batches))
  let rows = zip(gammas, gradientNorms).map { gamma, norms -> [String] in
    chapter.log.scalar(
      String(format: "gradient ratio h_1/h_T, γ %.1f", gamma), firstOverLast(norms))
    return [
      String(format: "%.1f", gamma), cell("%.3f", norms.last!), cell("%.2e", norms.first!),
      cell("%.2e", firstOverLast(norms)),
    ]
  }
  chapter.table(
    "gradient through time",
    header: ["initial γ", "‖∂ℓ/∂h_T‖", "‖∂ℓ/∂h_1‖", "‖∂ℓ/∂h_1‖ / ‖∂ℓ/∂h_T‖"], rows: rows)
}
