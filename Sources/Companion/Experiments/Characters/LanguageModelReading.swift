/// What a claim about a trained language model reads off its curve, the same way in
/// Chapters 4 and 5:
///
/// * **at its best**: the lowest validation bpc and where it was reached, and the fit to the
///   training text there;
/// * **speed**: the first measured step at which the training batches' bpc (what the optimiser
///   sees) is at or below a target level;
/// * **at equal fit**: the validation bpc where the fixed training sample's bpc first falls to
///   a level, interpolated between the two measurements around it — the fair reading of
///   "overfits": a model that fits faster also reaches any fit earlier and can keep going;
/// * whether the run converged (a claim about trained models is not decided otherwise).
///
/// A level the run never reached reads as NaN: no value, never "below" anything.
public struct LanguageModelReading: Sendable {
  public var best: Double
  public var bestStep: Int
  public var trainingAtBest: Double
  public var stepsToTarget: Double
  public var validationAtFit: Double
  /// How far the validation bpc moves across the measurement interval the equal-fit reading
  /// interpolates in (NaN when the level is never reached): a reading whose chord moves more
  /// than the measure's resolution is a guess across a large step, not a measurement.
  public var fitChord: Double
  public var converged: Bool
  public var stoppedAt: Int

  public init(
    _ curve: LanguageModelCurve, speedTarget: Double, fitLevel: Double, convergence: Convergence
  ) {
    let bestPoint = curve.bestValidation
    best = bestPoint.bpc
    bestStep = bestPoint.step
    trainingAtBest = curve.training.isEmpty ? .nan : curve.training[curve.bestIndex]
    stepsToTarget = curve.firstStep(trainingBatchesAtOrBelow: speedTarget).map(Double.init) ?? .nan
    validationAtFit = curve.validation(atTrainingFit: fitLevel) ?? .nan
    fitChord = curve.validationChord(atTrainingFit: fitLevel) ?? .nan
    converged = convergence.hasConverged(steps: curve.steps, values: curve.validation)
    stoppedAt = curve.steps.last ?? 0
  }
}

extension LanguageModelReading {
  /// The resolution of a validation bpc read at equal fit: `base` (what any validation bpc can
  /// tell apart) plus the largest validation step any of `readings` interpolates across. The
  /// reading lies on a chord between two measurements; the curve between them is unmeasured,
  /// so the chord's rise is how far the reading can be off (`../shared/REFEREE.md`: an
  /// equal-fit point is not an interpolation across a large step). Measuring densely where the
  /// curves move fast keeps it small.
  public static func equalFitResolution(_ readings: [LanguageModelReading], base: Resolution)
    -> Resolution
  {
    let chord = readings.map(\.fitChord).filter(\.isFinite).max() ?? 0
    return Resolution(
      base.value + chord,
      "\(base.reason), \(cell("%.3f", base.value)), plus the largest validation step an equal-fit reading interpolates across, \(cell("%.3f", chord))"
    )
  }
}

extension LanguageModelCurve {
  /// The index of the best validation point.
  public var bestIndex: Int { steps.firstIndex(of: bestValidation.step) ?? 0 }

  /// The validation bpc at the best point with the moving averages minus with re-estimated
  /// statistics: how far the two evaluation protocols part on this run (NaN when the run did
  /// not measure the moving averages).
  public var protocolDifferenceAtBest: Double {
    let i = bestIndex
    return i < validationMovingAverages.count ? validationMovingAverages[i] - validation[i] : .nan
  }

  /// The first measured step at which the training batches' bpc is at or below `target`.
  public func firstStep(trainingBatchesAtOrBelow target: Double) -> Int? {
    zip(steps, trainingBatches).first { $0.1 <= target }?.0
  }

  /// |Δ validation bpc| across the two measurements the equal-fit reading at `level`
  /// interpolates between (0 when the first measurement is already there); nil if never.
  public func validationChord(atTrainingFit level: Double) -> Double? {
    guard let i = training.firstIndex(where: { $0 <= level }) else { return nil }
    return i == 0 ? 0 : abs(validation[i] - validation[i - 1])
  }

  /// The validation bpc where the training-sample bpc first falls to `level`, interpolated
  /// linearly in the training bpc between the two measurements around it; nil if it never does.
  public func validation(atTrainingFit level: Double) -> Double? {
    let (x, y) = (training, validation)
    guard let i = x.firstIndex(where: { $0 <= level }) else { return nil }
    guard i > 0 else { return y[0] }
    // Validation bpc on the segment from point i − 1 to point i, at training bpc `level`.
    let fraction = (x[i - 1] - level) / (x[i - 1] - x[i])
    return y[i - 1] + fraction * (y[i] - y[i - 1])
  }
}
