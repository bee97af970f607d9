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
    converged = convergence.hasConverged(steps: curve.steps, values: curve.validation)
    stoppedAt = curve.steps.last ?? 0
  }
}

extension LanguageModelCurve {
  /// The index of the best validation point.
  public var bestIndex: Int { steps.firstIndex(of: bestValidation.step) ?? 0 }

  /// The first measured step at which the training batches' bpc is at or below `target`.
  public func firstStep(trainingBatchesAtOrBelow target: Double) -> Int? {
    zip(steps, trainingBatches).first { $0.1 <= target }?.0
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
