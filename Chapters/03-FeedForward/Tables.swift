import Companion
import Foundation

// The chapter's tables and the scalars its prose quotes, recorded from what main.swift
// measured: plumbing, kept off the page. Each function is called once, where its section's
// numbers are ready.

/// The sweep's table (the chosen rate in bold), each rate's score and how far below the best.
@MainActor func recordSweep() {
  for (rate, score, last) in sweep {
    chapter.log.scalar("sweep validation accuracy (%), η=\(rate)", score)
    chapter.log.scalar("sweep last single evaluation (%), η=\(rate)", last)
  }
  chapter.log.scalar("base learning rate", baseRate)
  chapter.say(
    "\nLearning-rate sweep (baseline, \(sweepSteps) steps, held-out accuracy; score = mean of the "
      + "last \(smoothingWindow) evaluations; smallest rate within \(sweepTolerance) points of the best):"
  )
  chapter.table(
    "learning-rate sweep",
    header: ["η", "score (mean of last \(smoothingWindow))", "last single evaluation"],
    rows: sweep.map { rate, score, last in
      let bold = rate == baseRate ? "**" : ""
      return [
        bold + String(format: "%g", rate) + bold, bold + cell("%.2f%%", score) + bold,
        cell("%.2f%%", last),
      ]
    })
  /// The rates whose scores are within the tolerance of the best; the rule takes the smallest.
  let sweepWithinTolerance = sweep.filter {
    $0.accuracy.isFinite && $0.accuracy >= bestSweepScore - sweepTolerance
  }
  chapter.say(
    "  within \(sweepTolerance) points of the best: η = "
      + sweepWithinTolerance.map { String(format: "%g", $0.rate) }.joined(separator: ", ")
      + String(format: "; chosen: η = %g", baseRate))
  chapter.log.scalar(
    "sweep best-scoring rate",
    sweep.first { $0.accuracy == bestSweepScore }.map(\.rate) ?? .nan)
  chapter.log.scalar(
    "sweep rates within the tolerance of the best (count)", Double(sweepWithinTolerance.count))
  for (rate, score, _) in sweep {
    chapter.log.scalar("sweep score below the best (points), η=\(rate)", bestSweepScore - score)
  }
  /// Per rate, the last single evaluation minus the score (the mean of the last evaluations).
  let sweepLastMinusScore = sweep.map { $0.last - $0.accuracy }.filter(\.isFinite)
  chapter.log.scalar(
    "sweep last single evaluation − score, lowest (points)", sweepLastMinusScore.min() ?? .nan)
  chapter.log.scalar(
    "sweep last single evaluation − score, highest (points)", sweepLastMinusScore.max() ?? .nan)
}

/// What the page reads off panels (a) and (b): BN's trailing average minus the baseline's at
/// some steps (mean over the repetitions), and how far a single evaluation jumps from one
/// point to the next in the second half of training (both networks, every repetition).
@MainActor func recordCurveNoise() {
  for step in [1_000, 2_500, 5_000, 10_000, 15_000, 20_000, 30_000, 40_000] {
    let gaps = zip(baselineRuns, bnRuns).compactMap { base, bn -> Double? in
      guard let i = base.steps.firstIndex(of: step), let j = bn.steps.firstIndex(of: step) else {
        return nil
      }
      return bn.smoothed[j] - base.smoothed[i]
    }
    if gaps.count == replicates {
      chapter.log.scalar("smoothed gap BN − baseline at step \(step), mean (points)", mean(gaps))
    }
  }
  let lateJumps = (baselineRuns + bnRuns).flatMap { run in
    jumps(steps: run.steps, values: run.accuracy, after: steps / 2)
  }
  chapter.log.scalar(
    "test accuracy jump between neighbouring points, second half, median (points)",
    quantile(of: lateJumps, 0.5))
  chapter.log.scalar(
    "test accuracy jump between neighbouring points, second half, 90th percentile (points)",
    quantile(of: lateJumps, 0.9))
}

/// Figure 1(a)'s table of step ratios at each target, and the scalars the page quotes.
@MainActor func recordSpeed() {
  chapter.say(
    "\nFigure 1(a): BN's steps to the baseline's final accuracy (and below it) / the baseline's, "
      + "trailing 5-point average:")
  chapter.table(
    "steps to target",
    header: [
      "target: the baseline's final accuracy minus",
      "BN's steps / the baseline's (mean; \(repetitionList))",
    ],
    rows: speedRows.map { row in
      [
        row.offset == 0
          ? "0" : String(format: "%g", row.offset) + (row.offset == 1 ? " point" : " points"),
        row.ratios.text("%.3f")
          + (row.reached < replicates
            ? " (BN never reached it in \(replicates - row.reached))" : ""),
      ]
    })
  for row in speedRows {
    chapter.log.scalar(
      String(format: "BN steps / baseline steps, target final − %.2f, mean", row.offset),
      row.ratios.mean)
  }
  let halfCount = speedRows.flatMap(\.ratios.values).filter { $0 <= 0.5 }.count
  chapter.say(
    "  ratios at most one half: \(halfCount) of \(speedRows.count * replicates)"
      + " (targets × repetitions)")
  chapter.log.scalar(
    "BN steps / baseline steps, smallest mean over the targets",
    speedRows.map(\.ratios.mean).min() ?? .nan)
  chapter.log.scalar(
    "BN steps / baseline steps, largest of any target and repetition",
    speedRows.flatMap(\.ratios.values).max() ?? .nan)
  chapter.log.scalar(
    "BN steps / baseline steps, ratios at most one half (count)", Double(halfCount))
  chapter.log.scalar(
    "baseline steps to its own final accuracy, mean",
    mean(baselineRuns.map { Double(stepsToReach($0.finalAccuracy, $0) ?? steps) }))
}

/// Both networks' final test accuracies and BN − baseline, per repetition.
@MainActor func recordFinalAccuracies() {
  chapter.say(
    "final test accuracy (mean of last \(smoothingWindow)): baseline "
      + Spread(values: baselineRuns.map(\.finalAccuracy)).text("%.2f") + "%, BN "
      + Spread(values: bnRuns.map(\.finalAccuracy)).text("%.2f") + "%; BN − baseline "
      + finalGaps.text("%+.2f"))
  chapter.log.scalar("final gap BN − baseline, mean (points)", finalGaps.mean)
  for (r, gap) in finalGaps.values.enumerated() {
    chapter.log.scalar("final gap BN − baseline, repetition \(r + 1) (points)", gap)
  }
}

/// The training curves' ends: training accuracy, training loss and the train − test gap.
@MainActor func recordTrainingFit() {
  chapter.say(
    "final training accuracy (10,000 training images): baseline "
      + Spread(values: baselineRuns.map { finalValue($0.trainingAccuracy) }).text("%.2f")
      + "%, BN " + Spread(values: bnRuns.map { finalValue($0.trainingAccuracy) }).text("%.2f")
      + "%")
  chapter.say(
    "final training loss: baseline "
      + Spread(values: baselineRuns.map { finalValue($0.trainingLoss.values) }).text("%.4f")
      + ", BN " + Spread(values: bnRuns.map { finalValue($0.trainingLoss.values) }).text("%.4f"))
  chapter.say(
    "train − test gap: baseline " + baselineGaps.text("%.2f") + ", BN " + bnGaps.text("%.2f")
      + " points")
  chapter.log.scalar("train − test gap, baseline, mean", baselineGaps.mean)
  chapter.log.scalar("train − test gap, BN, mean", bnGaps.mean)
  for (name, figureRuns) in [("baseline", baselineRuns), ("BN", bnRuns)] {
    let trainingAccuracies = Spread(values: figureRuns.map { finalValue($0.trainingAccuracy) })
    for (r, value) in trainingAccuracies.values.enumerated() {
      chapter.log.scalar("final training accuracy (%), \(name), repetition \(r + 1)", value)
    }
    chapter.log.scalar("final training accuracy (%), \(name), mean", trainingAccuracies.mean)
    chapter.log.scalar(
      "final training loss, \(name), mean",
      mean(figureRuns.map { finalValue($0.trainingLoss.values) }))
  }
  for r in 0..<replicates {
    chapter.log.scalar("train − test gap, baseline, repetition \(r + 1)", baselineGaps.values[r])
    chapter.log.scalar("train − test gap, BN, repetition \(r + 1)", bnGaps.values[r])
  }
}

/// The learning-rate table (mean accuracy over the run, final accuracy, steps to the fixed
/// levels), the differences the page quotes, and each decayed multiple against BN.
@MainActor func recordLearningRates() {
  chapter.say(
    "\nAt 30× the base rate: final test accuracy, BN "
      + Spread(values: runs["BN ×30"]!.map(\.finalAccuracy)).text("%.2f") + "%, baseline "
      + Spread(values: runs["baseline ×30"]!.map(\.finalAccuracy)).text("%.2f") + "%")
  chapter.say(
    String(
      format:
        "\nLearning rates (base η = %g): mean test accuracy over the run (area under the curve), final accuracy, and steps to fixed levels (mean over repetitions that reach it):",
      baseRate))
  chapter.log.scalar("baseline final test accuracy (%), mean of repetitions", meanBaselineFinal)
  /// Per learning-rate run: the mean accuracy over the run and the final accuracy, each over
  /// the repetitions.
  let rateAreas = rateNames.map { Spread(values: runs[$0]!.map(\.areaUnderCurve)) }
  let rateFinals = rateNames.map { Spread(values: runs[$0]!.map(\.finalAccuracy)) }
  /// The highest mean accuracy over the run, in bold in the table.
  let bestRateArea = rateAreas.map(\.mean).filter(\.isFinite).max() ?? .nan
  chapter.table(
    "learning rates",
    header: [
      "run", "mean test accuracy over the run (\(repetitionList))", "final",
      "steps to " + cell("%.2f%%", fixedTargets[0]),
    ] + fixedTargets.dropFirst().map { "to " + cell("%.2f%%", $0) },
    rows: zip(rateNames, zip(rateAreas, rateFinals)).map { name, spreads in
      let (area, final) = spreads
      let variantRuns = runs[name]!
      let bold = area.mean == bestRateArea ? "**" : ""
      let cells = fixedTargets.map { target -> String in
        let (mean, reached) = stepsToTarget(variantRuns, target)
        if reached == 0 { return "never" }
        return grouped(mean)
          + (reached < variantRuns.count ? " (\(reached) of \(variantRuns.count))" : "")
      }
      return [
        name,
        bold + cell("%.2f", area.mean) + bold + " ("
          + area.values.map { cell("%.2f", $0) }.joined(separator: ", ") + ")",
        cell("%.2f", final.mean),
      ] + cells
    })
  for (name, (area, final)) in zip(rateNames, zip(rateAreas, rateFinals)) {
    let variantRuns = runs[name]!
    chapter.log.scalar("mean accuracy over the run, \(name), mean", area.mean)
    chapter.log.scalar("final test accuracy (%), \(name), mean of repetitions", final.mean)
    for (target, offset) in zip(fixedTargets, [4.0, 2, 1, 0.5]) {
      chapter.log.scalar(
        String(format: "steps to baseline final − %.1f, \(name), mean", offset),
        stepsToTarget(variantRuns, target).mean)
    }
  }
  // A multiple of the rate against its network at the base rate: the difference of the means
  // over the repetitions, of the mean accuracy over the run and of the final accuracy.
  for (multiple, reference) in [("baseline ×5", "baseline"), ("BN ×5", "BN")] {
    let (m, r) = (rateNames.firstIndex(of: multiple)!, rateNames.firstIndex(of: reference)!)
    chapter.log.scalar(
      "mean accuracy over the run, \(multiple) − \(reference) (points)",
      rateAreas[m].mean - rateAreas[r].mean)
    chapter.log.scalar(
      "final test accuracy, \(multiple) − \(reference) (points)",
      rateFinals[m].mean - rateFinals[r].mean)
  }
  let bnArea = rateAreas[rateNames.firstIndex(of: "BN")!].mean
  chapter.log.scalar(
    "mean accuracy over the run, best BN multiple − BN (points)",
    rateVariants.filter(\.batchNorm).map { rateAreas[rateNames.firstIndex(of: $0.name)!].mean }
      .max().map { $0 - bnArea } ?? .nan)
  for (name, advantage) in decayAdvantages {
    chapter.say("  \(name) − BN, mean accuracy over the run: " + advantage.text("%+.2f"))
    for (r, value) in advantage.values.enumerated() {
      chapter.log.scalar(
        "mean accuracy over the run, \(name) − BN, repetition \(r + 1) (points)", value)
    }
  }
}

/// Each BN run's weight norms at the start and end, and its effective rate against BN's at
/// the base rate (early and at the end).
@MainActor func recordWeightGrowth() {
  chapter.say(
    String(
      format: "\nBN layers' ‖W‖: largest relative decrease between two points %.2e",
      largestShrink))
  let bnRates = effectiveRates(bnRuns[0], figureVariants[1])
  let finalEffectiveRateOfBN = bnRates.last ?? .nan
  for variant in growthVariants {
    let run = runs[variant.name]![0]
    let rates = effectiveRates(run, variant)
    let ratio = (rates.last ?? .nan) / finalEffectiveRateOfBN
    chapter.say(
      "  " + padded(variant.name, 16)
        + String(
          format: "‖W‖ (mean of layers) %.1f → %.1f; η/‖W‖² %.2e → %.2e (%.2f× BN's at the end)",
          mean(run.weightNorms.first ?? []), mean(run.weightNorms.last ?? []), rates.first ?? .nan,
          rates.last ?? .nan, ratio))
    chapter.log.scalar("effective rate at the end / BN's, \(variant.name)", ratio)
    chapter.log.scalar(
      "weight norm ‖W‖ (mean of the layers) at the start, \(variant.name)",
      mean(run.weightNorms.first ?? []))
    chapter.log.scalar(
      "weight norm ‖W‖ (mean of the layers) at the end, \(variant.name)",
      mean(run.weightNorms.last ?? []))
    // Early in training: the effective rate against BN's at the same step.
    for step in [500, 5_000] {
      if let i = run.steps.firstIndex(of: step), let j = bnRuns[0].steps.firstIndex(of: step),
        i < rates.count, j < bnRates.count
      {
        chapter.log.scalar(
          "effective rate at step \(step) / BN's, \(variant.name)", rates[i] / bnRates[j])
      }
    }
  }
}

/// The ten-layer runs' accuracies and each layer's gradient norm, first step and late.
@MainActor func recordDeepRuns() {
  chapter.say(
    String(
      format: "\nTen sigmoid layers: final test accuracy without BN %.2f%%, with BN %.2f%%",
      deepRuns[0].finalAccuracy, deepRuns[1].finalAccuracy))
  for run in deepRuns {
    chapter.say(
      "  ‖∂ℓ/∂W_l‖ in the first step, layers 1 to 10 (\(run.name)): "
        + run.firstStepGradientNorms.map { String(format: "%.1e", $0) }.joined(separator: " "))
  }
  chapter.say(
    String(
      format:
        "  layer 10 / layer 1 gradient norm in the first step: without BN %.2e, with BN %.2f",
      gradientDecay(deepRuns[0]), gradientDecay(deepRuns[1])))
  chapter.log.scalar(
    "ten layers, first-step gradient norm layer 10 / layer 1, baseline",
    gradientDecay(deepRuns[0]))
  chapter.log.scalar(
    "ten layers, first-step gradient norm layer 10 / layer 1, BN", gradientDecay(deepRuns[1]))
  for (name, run) in zip(["baseline", "BN"], deepRuns) {
    let norms = run.firstStepGradientNorms
    guard let first = norms.first, let last = norms.last else { continue }
    chapter.log.scalar("ten layers, first-step gradient norm, layer 1, \(name)", first)
    chapter.log.scalar(
      "ten layers, first-step gradient norm, layer \(norms.count), \(name)", last)
    // The factor per layer: the ratio's (layers − 1)th root.
    chapter.log.scalar(
      "ten layers, first-step gradient shrink per layer, \(name)",
      pow(last / first, 1 / Double(max(norms.count - 1, 1))))
    // At the end of training, as the figure shows it: each layer's mean over the last points.
    let late = run.gradientNorms.suffix(smoothingWindow)
    let lateMeans = norms.indices.map { l in mean(late.map { $0[l] }) }
    chapter.log.scalar(
      "ten layers, gradient norm at the end (mean of the last 5 points), layer 1, \(name)",
      lateMeans.first ?? .nan)
    chapter.log.scalar(
      "ten layers, gradient norm at the end (mean of the last 5 points), smallest layer, \(name)",
      lateMeans.min() ?? .nan)
    chapter.log.scalar(
      "ten layers, gradient norm at the end (mean of the last 5 points), largest layer, \(name)",
      lateMeans.max() ?? .nan)
  }
  chapter.log.scalar(
    "ten layers, BN final accuracy − the three-layer BN network's (repetition 1, points)",
    deepRuns[1].finalAccuracy - bnRuns[0].finalAccuracy)
}

/// The initialisation table and each network's spread over the scales.
@MainActor func recordInitialisation() {
  chapter.say("\nInitial weight scale, final test accuracy after \(sweepSteps) steps:")
  chapter.table(
    "initialisation", header: ["σ", "without BN", "with BN"],
    rows: initialScales.enumerated().map { k, scale in
      [
        String(format: "%g", scale) + (scale == initialStandardDeviation ? " (ours)" : ""),
        cell("%.2f%%", initialisationFinals.baseline[k]),
        cell("%.2f%%", initialisationFinals.bn[k]),
      ]
    })
  chapter.say(
    String(
      format: "  spread over scales: baseline %.2f points, BN %.2f points",
      range(initialisationFinals.baseline), range(initialisationFinals.bn)))
  chapter.log.scalar(
    "initialisation, spread of final accuracy over scales, baseline (points)",
    range(initialisationFinals.baseline))
  chapter.log.scalar(
    "initialisation, spread of final accuracy over scales, BN (points)",
    range(initialisationFinals.bn))
}

/// The batch-size table, and each size's accuracies and BN − baseline.
@MainActor func recordBatchSizes() {
  chapter.say("\nBatch size, final test accuracy after \(smallBatchExamples) examples (η·m/60):")
  chapter.table(
    "batch size", header: ["m", "without BN", "with BN", "BN − baseline"],
    rows: smallBatchSizes.enumerated().map { k, size in
      [
        "\(size)", cell("%.2f%%", smallBatchFinals.baseline[k]),
        cell("%.2f%%", smallBatchFinals.bn[k]),
        cell("%+.2f", smallBatchFinals.bn[k] - smallBatchFinals.baseline[k]),
      ]
    })
  for (k, size) in smallBatchSizes.enumerated() {
    chapter.log.scalar(
      "batch size \(size), final accuracy, baseline", smallBatchFinals.baseline[k])
    chapter.log.scalar("batch size \(size), final accuracy, BN", smallBatchFinals.bn[k])
    chapter.log.scalar(
      "batch size \(size), BN − baseline (points)",
      smallBatchFinals.bn[k] - smallBatchFinals.baseline[k])
  }
}
