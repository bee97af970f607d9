/// Population statistics kept separately for every time step, for recurrent batch
/// normalization (Cooijmans et al. 2017, §3): "separate statistics for each time step", with
/// γ and β shared over time. Steps beyond the longest training sequence T_max reuse the
/// statistics of T_max, which works because the activations settle to a stationary
/// distribution after a short transient (their appendix A).
///
/// A recurrent layer calls `BatchNormalization.forward(training:…)` at each step t with the
/// shared γ, β, folds the batch statistics in with `update(step:…)`, and at inference
/// normalises step t with `self[t]`.
public struct TimeStepStatistics: Sendable, Codable, Equatable {
  public private(set) var steps: [PopulationStatistics]

  public init(features: Int, maxSteps: Int, convention: BatchNormConvention) {
    precondition(maxSteps >= 1, "need statistics for at least one time step")
    steps = Array(
      repeating: PopulationStatistics(features: features, convention: convention), count: maxSteps)
  }

  public var convention: BatchNormConvention { steps[0].convention }
  public var features: Int { steps[0].features }

  /// T_max: the number of steps with statistics of their own.
  public var maxSteps: Int { steps.count }

  /// The statistics for step t (0-based); t ≥ T_max reuses those of the last step.
  public subscript(step: Int) -> PopulationStatistics {
    precondition(step >= 0, "time steps start at 0")
    return steps[Swift.min(step, steps.count - 1)]
  }

  /// Folds one training batch's statistics at step t into that step's population.
  public mutating func update(
    step: Int, batchMean: [Double], batchVariance: [Double], batchSize: Int
  ) {
    precondition(step >= 0 && step < steps.count, "step \(step) outside 0..<\(steps.count)")
    steps[step].update(batchMean: batchMean, batchVariance: batchVariance, batchSize: batchSize)
  }

  public mutating func reset() {
    for t in steps.indices { steps[t].reset() }
  }
}
