import Companion
import Engine
import Foundation

// The chapter's tables and the scalars its prose quotes, recorded from what main.swift
// measured: plumbing, kept off the page.

/// Every repetition's readings and each model's mean and range, as tables and scalars.
func recordModelTables() {
  // The tables: every repetition, and each model's mean and range.
  var repetitionRows: [[String]] = []
  var summaryRows: [[String]] = []
  for variant in variants {
    for (k, r) in readings[variant]!.enumerated() {
      repetitionRows.append([
        variant.rawValue, "\(k + 1)", cell("%.3f", r.best) + " (" + grouped(r.bestStep) + ")",
        cell("%.3f", r.trainingAtBest),
        r.stepsToTarget.isFinite ? grouped(Int(r.stepsToTarget)) : "not reached",
        r.validationAtFit.isFinite ? cell("%.3f", r.validationAtFit) : "not reached",
        r.converged ? grouped(r.stoppedAt) : "not converged",
      ])
      let suffix = k == 0 ? "" : ", repetition \(k + 1)"
      chapter.log.scalar("best validation bpc, \(variant.rawValue)\(suffix)", r.best)
      chapter.log.scalar(
        "step of best validation bpc, \(variant.rawValue)\(suffix)", Double(r.bestStep))
    }
    let best = spread(variant, \.best)
    let steps = spread(variant, \.stepsToTarget)
    let atFit = spread(variant, \.validationAtFit)
    let trainingAtBest = spread(variant, \.trainingAtBest)
    summaryRows.append([
      variant.rawValue, rateText(chosenRate[variant]!), best.meanAndRange("%.3f"),
      trainingAtBest.meanAndRange("%.3f"), steps.meanAndRange("steps"),
      atFit.meanAndRange("%.3f"),
    ])
    chapter.log.scalar("best validation bpc, \(variant.rawValue), mean", best.mean)
    chapter.log.scalar("best validation bpc, \(variant.rawValue), lowest", best.low)
    chapter.log.scalar("best validation bpc, \(variant.rawValue), highest", best.high)
    chapter.log.scalar(
      "training bpc at the best validation, \(variant.rawValue), mean", trainingAtBest.mean)
    chapter.log.scalar("steps to the speed target, \(variant.rawValue), mean", steps.mean)
    chapter.log.scalar("validation bpc at equal fit, \(variant.rawValue), mean", atFit.mean)
    chapter.log.scalar("validation bpc at equal fit, \(variant.rawValue), lowest", atFit.low)
    chapter.log.scalar("validation bpc at equal fit, \(variant.rawValue), highest", atFit.high)
    chapter.log.scalar(
      "runs converged, \(variant.rawValue)", Double(readings[variant]!.filter(\.converged).count))
  }
  chapter.table(
    "models at their rates",
    header: [
      "model", "rate", "best validation \(symbolUnit)", "training \(symbolUnit) there",
      "steps to the target", "validation \(symbolUnit) at equal fit",
    ], rows: summaryRows)
  chapter.table(
    "every repetition",
    header: [
      "model", "repetition", "best validation \(symbolUnit) (step)", "training \(symbolUnit) there",
      "steps to the target", "validation at equal fit", "stopped at (converged)",
    ], rows: repetitionRows)
  chapter.log.scalar(
    "runs that converged (of all)",
    Double(runs.allTrials.filter { converged($0.curve) }.count))
  chapter.log.scalar("runs (of all)", Double(runs.allTrials.count))
}

/// Each BN model's validation bpc at its best points with moving averages − re-estimated
/// statistics, over its repetitions.
func protocolDifferences(_ variant: Variant) -> Spread {
  Spread(values: trials[variant]!.map(\.curve.protocolDifferenceAtBest))
}

/// The models whose two evaluation protocols differ: those with BN.
var normalizedVariants: [Variant] {
  variants.filter { $0 != .baseline && $0 != .scaledInput }
}

/// The largest |moving averages − re-estimated| at a best point of any BN run: the resolution
/// of a validation bpc.
func protocolGap() -> Double {
  normalizedVariants.flatMap { protocolDifferences($0).values }.filter(\.isFinite).map(abs)
    .max() ?? 0
}

/// Moving averages − re-estimated at each BN model's best points: a table and the largest gap.
func recordStatisticsAtEvaluation() {
  let rows = normalizedVariants.map {
    [$0.rawValue, protocolDifferences($0).meanAndRange("%+.4f")]
  }
  if !rows.isEmpty {
    chapter.table(
      "statistics at evaluation",
      header: ["model", "validation bpc at its best: moving averages − re-estimated"],
      rows: rows)
  }
  chapter.log.scalar(
    "largest |moving averages − re-estimated| validation bpc at a best point", protocolGap())
}

/// Steps to the speed target of every grid run (repetition 1 at every rate, the extensions
/// included): the matched-rate reading of the speed claims.
func recordSpeedTable() {
  let rows = variants.map { variant in
    [variant.rawValue]
      + runs.allRates.map { rate in
        guard let trial = runs.gridTrial(variant, rate: rate) else { return "–" }
        let steps = stepsToTarget(trial.record)
        chapter.log.scalar(
          "steps to the speed target, \(variant.rawValue), rate \(rateText(rate))", steps)
        return steps.isFinite ? grouped(steps) : "not reached"
      }
  }
  chapter.table(
    "steps to the speed target by rate",
    header: ["model"] + runs.allRates.map { "rate \(rateText($0))" }, rows: rows)
}
