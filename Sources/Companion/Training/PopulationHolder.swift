import Engine
import Invariants

/// A model whose normalisers keep population statistics: a sequence model (per step) or a
/// feed-forward network (per feature). A model whose normalisers keep none has an empty
/// dictionary, and every evaluation of it is the same whatever `EvaluationStatistics` says.
public protocol PopulationHolder: AnyObject {
  associatedtype Population
  /// Every normalization's population statistics, by name.
  var populations: [String: Population] { get set }
  /// A fresh Alg. 2 average (no batch yet) of the shape of `population`.
  func freshAverage(like population: Population) -> Population
  /// How `population` is updated.
  func convention(of population: Population) -> BatchNormConvention
}

extension PopulationHolder {
  /// Runs `body` (the evaluations) with the statistics `statistics` asks for. To re-estimate,
  /// the tracked populations are set aside, `feed(k)` runs a forward pass with
  /// `.batchAndTrack` on training batch k for k < `batches`, `body` evaluates with the
  /// averages, and the tracked populations are put back: training goes on tracking its
  /// moving averages, untouched by the estimate.
  public func evaluating<Result>(
    _ statistics: EvaluationStatistics, feed: (Int) -> Void,
    _ body: (StatisticsPolicy) throws -> Result
  ) rethrows -> Result {
    let tracked = populations
    switch statistics {
    case .batch: return try body(.batch)
    case .movingAverage(let momentum):
      for (name, population) in tracked {
        let convention = convention(of: population)
        require(
          convention.update == .movingAverage(momentum: momentum),
          "\(name) tracks its population by \(convention), not a moving average with momentum \(momentum)"
        )
      }
      return try body(.population)
    case .reestimated(let batches):
      guard !tracked.isEmpty else { return try body(.population) }
      populations = tracked.mapValues(freshAverage)
      for k in 0..<batches { feed(k) }
      defer { populations = tracked }
      return try body(.population)
    }
  }
}

extension SequenceModel: PopulationHolder {
  public func freshAverage(like population: TimeStepStatistics) -> TimeStepStatistics {
    TimeStepStatistics(
      features: population.features, maxSteps: population.maxSteps, convention: .paper)
  }
  public func convention(of population: TimeStepStatistics) -> BatchNormConvention {
    population.convention
  }
}

extension FeedForwardNetwork: PopulationHolder {
  public func freshAverage(like population: PopulationStatistics) -> PopulationStatistics {
    PopulationStatistics(features: population.features, convention: .paper)
  }
  public func convention(of population: PopulationStatistics) -> BatchNormConvention {
    population.convention
  }
}
