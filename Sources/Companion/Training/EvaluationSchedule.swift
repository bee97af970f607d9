import Foundation

/// When to evaluate during training: about `points` times, evenly spaced, always including
/// the first and last step, so every curve starts at the start and ends at the end.
public struct EvaluationSchedule: Sendable, Equatable {
  public let total: Int
  public let interval: Int
  /// Steps given one by one (sorted; 0 measures before the first step), or nil.
  let listed: [Int]?
  /// Early steps measured more often: every `dense.every` steps up to `dense.until`.
  let dense: (every: Int, until: Int)?

  public static func == (a: Self, b: Self) -> Bool {
    a.total == b.total && a.interval == b.interval && a.listed == b.listed
      && a.dense?.every == b.dense?.every && a.dense?.until == b.dense?.until
  }

  /// Evaluates every `interval` steps (and at step 1 and `total`).
  public init(total: Int, every interval: Int) {
    self.total = max(total, 1)
    self.interval = max(interval, 1)
    listed = nil
    dense = nil
  }

  /// Evaluates every `interval` steps, and every `denseEvery` steps up to `denseUntil`: where
  /// the curves move fast, early in training, a reading between two measurements (the
  /// validation at a training fit, the step a level is reached) is not a guess across a large
  /// step (`../shared/REFEREE.md`, "Compare like with like").
  public init(total: Int, every interval: Int, denseEvery: Int, denseUntil: Int) {
    self.total = max(total, 1)
    self.interval = max(interval, 1)
    listed = nil
    dense = (max(denseEvery, 1), denseUntil)
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
    dense = nil
  }

  /// Whether to evaluate after `step` (1-based; 0 is before training).
  public func contains(_ step: Int) -> Bool {
    if let listed { return listed.contains(step) }
    if let dense, step >= 1, step <= dense.until, step % dense.every == 0 { return true }
    return step >= 1 && (step == 1 || step == total || step % interval == 0)
  }

  /// Every step at which the schedule evaluates.
  public var steps: [Int] { listed ?? (1...total).filter(contains) }
}
