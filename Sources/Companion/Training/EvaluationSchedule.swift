import Foundation

/// When to evaluate during training: about `points` times, evenly spaced, always including
/// the first and last step, so every curve starts at the start and ends at the end.
public struct EvaluationSchedule: Sendable, Equatable {
  public let total: Int
  public let interval: Int
  /// Steps given one by one (sorted; 0 measures before the first step), or nil.
  let listed: [Int]?

  /// Evaluates every `interval` steps (and at step 1 and `total`).
  public init(total: Int, every interval: Int) {
    self.total = max(total, 1)
    self.interval = max(interval, 1)
    listed = nil
  }

  /// Evaluates about `points` times over `total` steps.
  public init(total: Int, points: Int) {
    self.init(total: total, every: max(total, 1) / max(points, 1))
  }

  /// Evaluates after exactly these steps of `total` (0: before training).
  public init(total: Int, steps: [Int]) {
    self.total = max(total, 1)
    interval = 0
    listed = Array(Set(steps.filter { $0 >= 0 && $0 <= total })).sorted()
  }

  /// Whether to evaluate after `step` (1-based; 0 is before training).
  public func contains(_ step: Int) -> Bool {
    if let listed { return listed.contains(step) }
    return step >= 1 && (step == 1 || step == total || step % interval == 0)
  }

  /// Every step at which the schedule evaluates.
  public var steps: [Int] { listed ?? (1...total).filter(contains) }
}
