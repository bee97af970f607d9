import Companion
import Engine
import Foundation

// The chapter's tables and the scalars its prose quotes, recorded from what main.swift
// measured: plumbing, kept off the page.

/// The gradient check's table, and each tensor's errors as scalars.
func recordGradientChecks() {
  chapter.say("\ngradient check of the BN-LSTM (Double, T 5, batch 4, hidden 3):")
  var gradientCheckRows: [[String]] = []
  for check in gradientChecks {
    // Where the true gradient is 0 (h_0, see above) only the absolute error means anything.
    let zeroGradient = check.maxAbsoluteError <= 1e-10 && check.maxRelativeError > 1e-3
    gradientCheckRows.append([
      "`\(check.name)`", "\(check.entries)", cell("%.1e", check.maxRelativeError),
      cell("%.1e", check.maxAbsoluteError), zeroGradient ? "true gradient 0" : "",
    ])
    chapter.log.scalar("gradient check relative error, \(check.name)", check.maxRelativeError)
    chapter.log.scalar("gradient check absolute error, \(check.name)", check.maxAbsoluteError)
  }
  chapter.table(
    "gradient check",
    header: ["tensor", "entries", "max relative error", "max absolute error", "note"],
    rows: gradientCheckRows)
}

/// Figure 1(a)'s numbers: each γ's gradient at the last and first steps, and their ratio.
func recordGradientFlow() {
  chapter.log.scalar("Figure 1 batches", Double(fig1Batches))
  chapter.say("\nFigure 1(a): ‖∂ℓ/∂h_1‖ / ‖∂ℓ/∂h_T‖ at initialisation, T = \(fig1Steps)")
  var gradientRows: [[String]] = []
  for (gamma, norms) in zip(gammas, gradientNorms) {
    chapter.say(
      String(
        format: "  γ = %.1f   ‖∂ℓ/∂h_T‖ %.2e   ‖∂ℓ/∂h_1‖ %.2e   ratio %.2e", gamma, norms.last!,
        norms.first!, firstOverLast(norms)))
    chapter.log.scalar(
      String(format: "gradient ratio h_1/h_T, γ %.1f", gamma), firstOverLast(norms))
    chapter.log.scalar(String(format: "gradient norm ‖∂ℓ/∂h_T‖, γ %.1f", gamma), norms.last!)
    chapter.log.scalar(String(format: "gradient norm ‖∂ℓ/∂h_1‖, γ %.1f", gamma), norms.first!)
    gradientRows.append([
      String(format: "%.1f", gamma), cell("%.3f", norms.last!), cell("%.2e", norms.first!),
      cell("%.2e", firstOverLast(norms)),
    ])
  }
  chapter.table(
    "gradient through time",
    header: ["initial γ", "‖∂ℓ/∂h_T‖", "‖∂ℓ/∂h_1‖", "‖∂ℓ/∂h_1‖ / ‖∂ℓ/∂h_T‖"], rows: gradientRows)
  chapter.log.scalar(
    "gradient norm ‖∂ℓ/∂h_T‖, smallest over γ", gradientNorms.map { $0.last! }.min() ?? .nan)
  chapter.log.scalar(
    "gradient norm ‖∂ℓ/∂h_T‖, largest over γ", gradientNorms.map { $0.last! }.max() ?? .nan)
}

/// Where Figure 1's curves separate: the ratios on either side of the separating γ, and the
/// rank correlation of γ with the ratio.
func recordSeparation() {
  chapter.log.scalar(
    "rank correlation of γ with the gradient ratio", rankCorrelation(gammas, gradientRatios))
  let survivingRatios = zip(gammas, gradientRatios).filter { $0.0 <= survivingUpTo }.map(\.1)
  let vanishingRatios = zip(gammas, gradientRatios).filter { $0.0 > survivingUpTo }.map(\.1)
  chapter.log.scalar("gradient ratio, smallest where it survives", survivingRatios.min() ?? .nan)
  chapter.log.scalar("gradient ratio, largest where it survives", survivingRatios.max() ?? .nan)
  chapter.log.scalar("gradient ratio, largest where it vanishes", vanishingRatios.max() ?? .nan)
  chapter.log.scalar("separating γ, the last that survives", survivingUpTo)
}

/// The MNIST runs' settings as scalars, and the permutation, saved beside the results.
func recordMNISTSettings() {
  chapter.log.scalar("MNIST step limit", Double(mnistSteps))
  chapter.log.scalar("repetitions", Double(repetitions))
  _ = chapter.attempt {
    try pixels.permutation.save(
      toDirectory: chapter.outputDirectory.path, fileName: "05-pixel-permutation.txt")
  }
  chapter.log.scalar(
    "epochs of the MNIST runs", Double(mnistSteps * pixels.batch) / Double(pixels.trainImages.count)
  )
}

/// The MNIST grid, Table 1 and every repetition, as tables and scalars; how far the validation curves jump.
func recordMNISTTables() {
  for task in Task.allCases {
    chapter.log.scalar(
      "test accuracy at best validation, BN-LSTM − LSTM, \(task.rawValue)",
      pixelSpread(PixelModel(task: task, batchNorm: true), \.test).mean
        - pixelSpread(PixelModel(task: task, batchNorm: false), \.test).mean)
  }
  // The tables: the grid, Table 1, every repetition.
  mnist.log(
    in: chapter, metric: "MNIST grid: best validation accuracy", name: \.name,
    value: { $0.curve.bestValidation.accuracy })
  let mnistGridRows = mnist.gridRows(
    name: \.name,
    text: {
      cell("%.1f%%", $0.curve.bestValidation.accuracy) + " ("
        + grouped($0.curve.bestValidation.step) + ")"
    },
    // At an equal budget no run is expected to converge: no note.
    converged: { mnistConvergence == nil || pixels.converged($0) })
  chapter.table(
    "MNIST learning-rate grid",
    header: ["model"]
      + mnist.allRates.map { "rate \(rateText($0)): best validation accuracy (step)" },
    rows: mnistGridRows)

  chapter.say("\nTable 1 analogue: test accuracy (%) at the best validation point, \(budgetText)")
  chapter.table(
    "Table 1",
    header: [
      "model", "sequential", "permuted",
      "paper (MNIST / pMNIST, 784 steps, 100 units, early-stopped)",
    ],
    rows: [("LSTM", false, "98.9% / 90.2%"), ("BN-LSTM", true, "99.0% / 95.4%")].map {
      name, batchNorm, paper in
      [name]
        + Task.allCases.map { task in
          pixelSpread(PixelModel(task: task, batchNorm: batchNorm), \.test).meanAndRange("%.1f")
            + "%"
        } + [paper]
    })
  var mnistRepetitionRows: [[String]] = []
  for model in pixelModels {
    for (k, r) in pixelReadings[model]!.enumerated() {
      mnistRepetitionRows.append([
        model.name, "\(k + 1)", cell("%.1f%%", r.best) + " (" + grouped(r.bestStep) + ")",
        r.stepsToTarget.isFinite ? grouped(Int(r.stepsToTarget)) : "not reached",
        cell("%.1f%%", r.test),
        grouped(r.stoppedAt)
          + (mnistConvergence == nil ? "" : r.converged ? " (converged)" : " (not converged)"),
      ])
      let suffix = k == 0 ? "" : ", repetition \(k + 1)"
      chapter.log.scalar("test accuracy at best validation, \(model.name)\(suffix)", r.test)
    }
    chapter.log.scalar(
      "test accuracy at best validation, \(model.name), mean", pixelSpread(model, \.test).mean)
    chapter.log.scalar(
      "best validation accuracy, \(model.name), mean", pixelSpread(model, \.best).mean)
    chapter.log.scalar(
      "steps to the LSTM's best validation accuracy, \(model.name), mean",
      pixelSpread(model, \.stepsToTarget).mean)
    chapter.log.scalar(
      "runs converged, \(model.name)", Double(pixelReadings[model]!.filter(\.converged).count))
  }
  chapter.table(
    "MNIST repetitions",
    header: [
      "model", "repetition", "best validation accuracy (step)", "steps to the LSTM's best",
      "test accuracy there", "stopped at",
    ], rows: mnistRepetitionRows)

  /// The largest change between consecutive validation measurements, after the first interval
  /// (from the untrained network), over the chosen-rate runs of one kind of model.
  func largestJump(batchNorm: Bool) -> Double {
    pixelModels.filter { $0.batchNorm == batchNorm }.flatMap { model in
      mnist.trials[model]!.flatMap { trial in
        let v = trial.record.curve.validation
        return zip(v.dropFirst(), v.dropFirst(2)).map { abs($1 - $0) }
      }
    }.max() ?? .nan
  }
  chapter.log.scalar(
    "largest jump between validation measurements after the first, LSTM",
    largestJump(batchNorm: false))
  chapter.log.scalar(
    "largest jump between validation measurements after the first, BN-LSTM",
    largestJump(batchNorm: true))
}

/// The moving-average study's table, and the gap over whole runs.
func recordMovingAverageStudy() {
  chapter.table(
    "moving averages",
    header: ["statistics", "what differs from the reference", "validation accuracy"],
    rows: studyValues.map { [$0.0, $0.1, cell("%.1f%%", $0.2)] })
  for (name, _, value) in studyValues {
    chapter.log.scalar("validation accuracy at the best point, \(name)", value)
    chapter.log.scalar(
      "validation accuracy at the best point, \(name) − re-estimated", value - studyValues[0].2)
  }
  chapter.log.scalar("step of the study's best point", Double(studySteps))
  /// Over a whole run: moving averages − re-estimated, at every measurement after the first.
  func movingGap(_ record: ClassifierRecord) -> Spread {
    Spread(
      values: zip(record.curve.validationMovingAverage, record.curve.validation).dropFirst().map {
        $0 - $1
      })
  }
  for (name, record) in [("momentum 0.1", studyRun), ("momentum 0.01", slowTwin)] {
    let gap = movingGap(record)
    chapter.log.scalar("moving averages − re-estimated over the run, \(name), lowest", gap.low)
    chapter.log.scalar("moving averages − re-estimated over the run, \(name), highest", gap.high)
    chapter.log.scalar("moving averages − re-estimated over the run, \(name), mean", gap.mean)
  }
}

/// The γ sweep's table and means.
func recordGammaSweep() {
  chapter.log.scalar("γ sweep steps", Double(sweepSteps))
  let sweepAccuracy = sweep.map { runs in
    Spread(values: runs.map { $0.curve.bestValidation.accuracy })
  }
  chapter.table(
    "γ sweep",
    header: [
      "initial γ", "training loss at step \(grouped(sweepSteps)) (nats)",
      "best validation accuracy",
    ],
    rows: sweepGammas.indices.map { g in
      [
        String(format: "%.1f", sweepGammas[g]), sweepLoss[g].meanAndRange("%.3f"),
        sweepAccuracy[g].meanAndRange("%.1f") + "%",
      ]
    })
  for (g, gamma) in sweepGammas.enumerated() {
    chapter.log.scalar(
      String(format: "γ sweep training loss, γ %.1f, mean", gamma), sweepLoss[g].mean)
    chapter.log.scalar(
      String(format: "γ sweep best validation accuracy, γ %.1f, mean", gamma), sweepAccuracy[g].mean
    )
  }
  chapter.log.scalar(
    "γ sweep: neighbouring pairs in γ's order, training loss (means)",
    Double(zip(sweepLoss, sweepLoss.dropFirst()).filter { $0.mean < $1.mean }.count))
  chapter.log.scalar(
    "γ sweep: neighbouring pairs in γ's order, best validation accuracy (means)",
    Double(zip(sweepAccuracy, sweepAccuracy.dropFirst()).filter { $0.mean > $1.mean }.count))
}

/// The character grid, the models at their rates, every repetition; how far the moving averages are from re-estimated statistics.
func recordCharacterTables() {
  chapter.log.scalar("training characters", Double(trainingText.count))
  chapter.log.scalar("character models' units", Double(characters.hidden))
  chapter.log.scalar("character step limit", Double(charSteps))
  chapter.log.scalar("speed target: LSTM's training batches bpc at its best", charSpeedTarget)
  chapter.log.scalar(
    "equal-fit level: LSTM's training-sample bpc at its best", textRuns.fitLevel(reference: .lstm))
  // The grid, the models at their rates, every repetition (the library's, shared with
  // Chapter 6).
  textRuns.recordTables(charReadings, name: \.rawValue, convergence: charConvergence, in: chapter)
  // Moving averages − re-estimated, validation bpc at each BN model's best points: Readings.swift.
  chapter.log.scalar(
    "largest |moving averages − re-estimated| validation bpc at a best point, text",
    charProtocolGap)
}

/// Figure 1(b)'s numbers: the mean of tanh' at a few spreads, its quartile at s = 1, and
/// what 784 such factors make.
func recordTanhDerivatives() {
  chapter.say(
    String(
      format:
        "Figure 1(b): E[tanh'(x)] for x ~ N(0, s²): %.3f at s = 0.1, %.3f at s = 0.5, %.3f at s = 1",
      tanhDerivatives[5].mean, tanhDerivatives[25].mean, tanhDerivatives[50].mean))
  for (index, s) in [(5, "0.1"), (25, "0.5"), (50, "1.0")] {
    chapter.log.scalar("mean tanh'(x) for x ~ N(0, s²), s \(s)", tanhDerivatives[index].mean)
  }
  chapter.log.scalar(
    "25th percentile of tanh'(x) for x ~ N(0, s²), s 1.0", tanhDerivatives[50].lower)
  chapter.log.scalar(
    "mean tanh'(x) at s = 1, to the power of Figure 1's sequence length",
    pow(tanhDerivatives[50].mean, Double(fig1Steps)))
}

/// Figure 3(b)'s table: test bpc at every length, each model; inside the longest sequences, bpc
/// past T_max against up to it; the test batch's statistics against the population.
func recordLengthTable() {
  chapter.log.scalar("bpc past T_max − up to T_max, LSTM, mean", lstmPast.mean)
  chapter.log.scalar("bpc past T_max − up to T_max, BN-LSTM population, mean", bnPast.mean)
  chapter.log.scalar("bpc past T_max − up to T_max, BN-LSTM batch statistics, mean", batchPast.mean)
  if let statisticsDistance {
    for (name, values) in [
      ("BN_h", statisticsDistance.recurrent), ("BN_c", statisticsDistance.cell),
    ] {
      let within = values[min(10, charLength)..<min(charLength, values.count)]
      let past = values.dropFirst(charLength)
      chapter.log.scalar(
        "batch statistics' distance from the population, \(name), steps 11 to T_max",
        within.reduce(0, +) / Double(max(within.count, 1)))
      chapter.log.scalar(
        "batch statistics' distance from T_max's population, \(name), past T_max",
        past.reduce(0, +) / Double(max(past.count, 1)))
    }
  }
  chapter.say(
    "\nFigure 3(b): test bpc against sequence length (trained on sequences of \(charLength))")
  chapter.table(
    "test bpc against sequence length",
    header: ["length", "LSTM", "BN-LSTM, population statistics", "BN-LSTM, batch statistics"],
    rows: lengthRows.map { row in
      [
        grouped(row.length), row.lstm.meanAndRange("%.3f"), row.population.meanAndRange("%.3f"),
        row.batch.meanAndRange("%.3f"),
      ]
    })
  for row in lengthRows {
    chapter.log.scalar("test bpc at length \(row.length), LSTM", row.lstm.mean)
    chapter.log.scalar("test bpc at length \(row.length), BN-LSTM population", row.population.mean)
    chapter.log.scalar(
      "test bpc at length \(row.length), BN-LSTM batch statistics", row.batch.mean)
  }
}

/// How much each normalization's per-step population moves, over the first steps and after
/// `settledFrom`, as scalars; returns the worst after settling (mean/σ or relative variance).
func recordStatisticsDrift() -> (perStep: Double, net: Double) {
  var worst = 0.0
  var worstNet = 0.0
  for name in statisticNames {
    let population = reestimated[name]!
    let early = drift(population, steps: 0..<4)
    let late = drift(population, steps: settledFrom..<population.maxSteps)
    chapter.say(
      String(
        format:
          "%@: per-step change of the mean %.3f σ and of the variance %.1f%% over steps 1-5; %.3f σ and %.1f%% after step %d",
        name, early.mean, 100 * early.variance, late.mean, 100 * late.variance, settledFrom))
    chapter.log.scalar("per-step mean change after settling, \(name)", late.mean)
    chapter.log.scalar("per-step variance change after settling, \(name)", late.variance)
    chapter.log.scalar("per-step mean change, first steps, \(name)", early.mean)
    chapter.log.scalar("per-step variance change, first steps, \(name)", early.variance)
    worst = max(worst, late.mean, late.variance)
    let net = netDrift(population, from: settledFrom)
    chapter.log.scalar("net mean change after settling, \(name) (σ)", net.mean)
    chapter.log.scalar("net variance change after settling, \(name)", net.variance)
    worstNet = max(worstNet, net.mean, net.variance)
  }
  return (worst, worstNet)
}

/// When the four plotted units' statistics reach their plateaus, the earliest and the latest
/// unit.
func recordPlateaus() {
  for name in statisticNames {
    for variance in [false, true] {
      let steps = statisticsUnits.filter { $0 < reestimated[name]!.features }.map {
        plateauStep(reestimated[name]!, unit: $0, variance: variance)
      }
      let statistic = variance ? "variance" : "mean"
      chapter.log.scalar(
        "step from which the \(statistic) stays on its plateau, \(name), earliest unit",
        Double(steps.min() ?? 0))
      chapter.log.scalar(
        "step from which the \(statistic) stays on its plateau, \(name), latest unit",
        Double(steps.max() ?? 0))
    }
  }
}
