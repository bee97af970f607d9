import Foundation

/// One point of a metric over training.
public struct MetricPoint: Codable, Sendable, Equatable {
  public var step: Int
  public var value: Double

  public init(step: Int, value: Double) {
    self.step = step
    self.value = value
  }
}

/// A named metric of one run over steps, e.g. "test accuracy" of run "BN".
public struct MetricSeries: Codable, Sendable, Equatable {
  public var metric: String
  public var run: String
  public var points: [MetricPoint]

  public init(metric: String, run: String, points: [MetricPoint] = []) {
    self.metric = metric
    self.run = run
    self.points = points
  }

  public var steps: [Int] { points.map(\.step) }
  public var values: [Double] { points.map(\.value) }
  /// The latest recorded value, if any.
  public var last: Double? { points.last?.value }
}

/// Everything a chapter measured: curves over training and single numbers.
///
/// The same record feeds the figures (a chapter asks for a series and plots it) and the
/// results file (where a reader, or a test, finds the numbers behind each figure).
/// A reference type so a training function can be handed `chapter.log` and write into it.
public final class TrainingLog: @unchecked Sendable {
  private let lock = NSLock()
  private var seriesStore: [MetricSeries] = []
  private var scalarStore: [String: Double] = [:]

  public init() {}

  /// Appends `value` at `step` to the series `metric` of `run` (created on first use).
  public func record(_ metric: String, run: String, step: Int, value: Double) {
    lock.withLock {
      if let index = seriesStore.firstIndex(where: { $0.metric == metric && $0.run == run }) {
        seriesStore[index].points.append(MetricPoint(step: step, value: value))
      } else {
        seriesStore.append(
          MetricSeries(metric: metric, run: run, points: [MetricPoint(step: step, value: value)]))
      }
    }
  }

  /// Float convenience for `record(_:run:step:value:)`.
  public func record(_ metric: String, run: String, step: Int, value: Float) {
    record(metric, run: run, step: step, value: Double(value))
  }

  /// Sets a single named number (e.g. "final test accuracy (BN)"); the last write wins.
  public func scalar(_ name: String, _ value: Double) {
    lock.withLock { scalarStore[name] = value }
  }

  /// The series `metric` of `run`, empty if nothing was recorded.
  public func series(_ metric: String, run: String) -> MetricSeries {
    lock.withLock {
      seriesStore.first { $0.metric == metric && $0.run == run }
        ?? MetricSeries(metric: metric, run: run)
    }
  }

  /// The runs that recorded `metric`, in the order they first did.
  public func runs(of metric: String) -> [String] {
    lock.withLock { seriesStore.filter { $0.metric == metric }.map(\.run) }
  }

  /// All series, in the order they were created.
  public var allSeries: [MetricSeries] { lock.withLock { seriesStore } }

  /// All scalars.
  public var scalars: [String: Double] { lock.withLock { scalarStore } }

  /// Replaces everything with a saved log (a resumed run continues the log it saved).
  func restore(scalars: [String: Double], series: [MetricSeries]) {
    lock.withLock {
      scalarStore = scalars
      seriesStore = series
    }
  }
}

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
