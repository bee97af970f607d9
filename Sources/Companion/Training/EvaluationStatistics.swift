import Engine
import Invariants

/// How a run's evaluations get the statistics a BN model normalises with: a choice stated
/// by every run, the same three for every model (Chapter 5 measures how much it matters).
public enum EvaluationStatistics: Codable, Sendable, Equatable, CustomStringConvertible {
  /// Each evaluation batch is normalised with its own statistics (as in training).
  case batch
  /// The moving averages tracked during training, updated with this momentum (the share of
  /// each new batch); the model's BN convention must use the same.
  case movingAverage(momentum: Double)
  /// Re-estimated at the current weights before each evaluation: the plain average (Alg. 2)
  /// of the batch statistics of `batches` training batches, the same batches every time.
  case reestimated(batches: Int)

  /// The engine's policy for the evaluation's forward passes.
  public var policy: StatisticsPolicy { self == .batch ? .batch : .population }

  public var description: String {
    switch self {
    case .batch: "batch statistics"
    case .movingAverage(let momentum): "moving averages (momentum \(momentum))"
    case .reestimated(let batches): "re-estimated over \(batches) training batches"
    }
  }
}
