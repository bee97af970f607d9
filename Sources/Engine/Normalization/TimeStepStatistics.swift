import Invariants

/// Population statistics kept separately for every time step, for recurrent batch
/// normalization (Cooijmans et al. 2017, §3): "separate statistics for each time step", with
/// γ and β shared over time. Steps beyond the longest training sequence T_max reuse the
/// statistics of T_max, which works because the activations settle to a stationary
/// distribution after a short transient (their appendix A).
///
/// A recurrent layer normalises step t with that step's batch statistics and the shared γ, β,
/// folds them in with `update(step:…)`, and at inference normalises step t with `self[t]`.
///
/// Past T_max, in training too: a batch of sequences longer than the T_max the layer was
/// built for (a long evaluation in batch mode, a longer training text) folds the statistics
/// of every step t ≥ T_max into those of the last step, the same "repeat the last" rule that
/// inference follows. A long run never traps in the middle because one batch was longer.
public struct TimeStepStatistics: Sendable, Codable, Equatable {
  /// The population of each stored step, 0..<T_max.
  public var steps: [PopulationStatistics] { stored }
  @usableFromInline var stored: [PopulationStatistics]

  enum CodingKeys: String, CodingKey { case stored = "steps" }

  public init(features: Int, maxSteps: Int, convention: BatchNormConvention) {
    require(maxSteps >= 1, "need statistics for at least one time step")
    stored = Array(
      repeating: PopulationStatistics(features: features, convention: convention), count: maxSteps)
  }

  public var convention: BatchNormConvention { steps[0].convention }
  public var features: Int { steps[0].features }

  /// T_max: the number of steps with statistics of their own.
  public var maxSteps: Int { steps.count }

  /// The statistics for step t (0-based); t ≥ T_max reuses those of the last step.
  public subscript(step: Int) -> PopulationStatistics { stored[index(step)] }

  /// Folds one training batch's statistics at step t into that step's population (into the
  /// last step's for t ≥ T_max).
  public mutating func update(
    step: Int, batchMean: [Double], batchVariance: [Double], batchSize: Int
  ) {
    stored[index(step)].update(
      batchMean: batchMean, batchVariance: batchVariance, batchSize: batchSize)
  }

  /// The same from the 1×n views a normalization kernel wrote.
  @inlinable
  public mutating func update<T: Scalar>(
    step: Int, batchMean: MatrixView<T>, batchVariance: MatrixView<T>, batchSize: Int
  ) {
    stored[index(step)].update(
      batchMean: batchMean, batchVariance: batchVariance, batchSize: batchSize)
  }

  /// The stored step that step t uses: t itself, or T_max − 1 beyond.
  @inlinable
  public func index(_ step: Int) -> Int {
    require(step >= 0, "time steps start at 0, got \(step)")
    return Swift.min(step, stored.count - 1)
  }

  public mutating func reset() {
    for t in stored.indices { stored[t].reset() }
  }
}
