/// Chapter 5's and Chapter 6's reading of tuned character models against a reference model
/// (the LSTM), written once: the levels the claims read every run at, each run's reading, and
/// the resolution of a validation bpc.
extension TunedRuns where Record == LanguageModelRecord {
  /// The reference's repetitions' curves.
  func curves(_ model: Model) -> [LanguageModelCurve] { trials[model]!.map(\.record.curve) }

  /// The reference's training-batch bpc at its best validation point, the highest over its
  /// repetitions: a level every repetition of it reaches, the speed target.
  public func speedTarget(reference: Model) -> Double {
    Spread(values: curves(reference).map { $0.trainingBatches[$0.bestIndex] }).high
  }

  /// The reference's training-sample bpc at its best validation point, the highest over its
  /// repetitions: the level of equal fit.
  public func fitLevel(reference: Model) -> Double {
    Spread(values: curves(reference).map { $0.training[$0.bestIndex] }).high
  }

  /// `a` against `b` on the steps each grid run needs to reach `reference`'s speed target
  /// (its first measurement of the training batches at or below it), at matched rates and at
  /// each one's fastest: the speed claims of Chapters 5 and 6.
  public func speedToTarget(_ a: Model, against b: Model, reference: Model) -> SpeedReading {
    let target = speedTarget(reference: reference)
    return speed(
      a, against: b,
      steps: {
        $0.curve.firstStep(trainingBatchesAtOrBelow: target).map(Double.init) ?? .nan
      }, resolution: Resolution(0, "crossings read on one measurement schedule"))
  }

  /// Every repetition of every model read at its best point, against the reference's speed
  /// target and level of fit.
  public func readings(reference: Model, convergence: Convergence) -> [Model:
    [LanguageModelReading]]
  {
    Dictionary(
      uniqueKeysWithValues: models.map { model in
        (
          model,
          trials[model]!.map {
            reading($0.record.curve, reference: reference, convergence: convergence)
          }
        )
      })
  }

  /// One run's curve read at its best point against the reference's speed target and level
  /// of fit: a run of this comparison, or one trained beside it on the same text.
  public func reading(
    _ curve: LanguageModelCurve, reference: Model, convergence: Convergence
  ) -> LanguageModelReading {
    LanguageModelReading(
      curve, speedTarget: speedTarget(reference: reference),
      fitLevel: fitLevel(reference: reference), convergence: convergence)
  }

  /// The largest |moving averages − re-estimated| validation bpc at a best point of any
  /// repetition of `normalised`: two evaluation protocols on the same runs, and so the
  /// resolution of a validation bpc (0 when no model keeps statistics to compare).
  public func protocolGap(_ normalised: [Model]) -> Double {
    normalised.flatMap { model in
      trials[model]!.map { abs($0.record.curve.protocolDifferenceAtBest) }
    }.filter(\.isFinite).max() ?? 0
  }
}

extension TunedRuns where Record == LanguageModelRecord {
  /// The tables of a character comparison, and its scalars: the grid ("character learning-rate
  /// grid", best validation bpc and its step at every rate), the models at their rates
  /// ("character models at their rates", means and ranges of each reading), every repetition
  /// ("character repetitions"), and how many runs converged.
  public func recordTables(
    _ readings: [Model: [LanguageModelReading]], name: (Model) -> String,
    convergence: Convergence, in chapter: Chapter
  ) {
    log(
      in: chapter, metric: "character grid: best validation bpc", name: name,
      value: { $0.curve.bestValidation.bpc })
    func converged(_ record: LanguageModelRecord) -> Bool {
      convergence.hasConverged(steps: record.curve.steps, values: record.curve.validation)
    }
    chapter.table(
      "character learning-rate grid",
      header: ["model"] + allRates.map { "rate \(rateText($0)): best validation bpc (step)" },
      rows: gridRows(
        name: name,
        text: {
          cell("%.3f", $0.curve.bestValidation.bpc) + " ("
            + grouped($0.curve.bestValidation.step) + ")"
        }, converged: converged))
    var summaryRows: [[String]] = []
    var repetitionRows: [[String]] = []
    for model in models {
      func spread(_ measure: (LanguageModelReading) -> Double) -> Spread {
        Spread(values: readings[model]!.map(measure))
      }
      let (best, atFit, steps, trainingAtBest) = (
        spread(\.best), spread(\.validationAtFit), spread(\.stepsToTarget),
        spread(\.trainingAtBest)
      )
      summaryRows.append([
        name(model), rateText(chosenRate[model]!), best.meanAndRange("%.3f"),
        trainingAtBest.meanAndRange("%.3f"), steps.meanAndRange("steps"),
        atFit.meanAndRange("%.3f"),
      ])
      chapter.log.scalar("best validation bpc, \(name(model)), mean", best.mean)
      chapter.log.scalar("validation bpc at equal fit, \(name(model)), mean", atFit.mean)
      chapter.log.scalar("steps to the speed target, \(name(model)), mean", steps.mean)
      chapter.log.scalar(
        "training bpc at the best validation, \(name(model)), mean", trainingAtBest.mean)
      for (k, r) in readings[model]!.enumerated() {
        repetitionRows.append([
          name(model), "\(k + 1)", cell("%.3f", r.best) + " (" + grouped(r.bestStep) + ")",
          cell("%.3f", r.trainingAtBest),
          r.stepsToTarget.isFinite ? grouped(Int(r.stepsToTarget)) : "not reached",
          r.validationAtFit.isFinite ? cell("%.3f", r.validationAtFit) : "not reached",
          grouped(r.stoppedAt) + (r.converged ? " (converged)" : " (not converged)"),
        ])
      }
    }
    chapter.table(
      "character models at their rates",
      header: [
        "model", "rate", "best validation bpc", "training bpc there", "steps to the target",
        "validation bpc at equal fit",
      ], rows: summaryRows)
    chapter.table(
      "character repetitions",
      header: [
        "model", "repetition", "best validation bpc (step)", "training bpc there",
        "steps to the target", "validation at equal fit", "stopped at",
      ], rows: repetitionRows)
    chapter.log.scalar(
      "character runs that converged", Double(allTrials.filter { converged($0.record) }.count))
    chapter.log.scalar("character runs", Double(allTrials.count))
  }
}
