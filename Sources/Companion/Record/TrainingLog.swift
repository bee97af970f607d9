import Foundation

/// The record's metric half, as the chapters write it: series of points over training and
/// single named numbers.
///
/// The same values feed the figures (a chapter asks for a series and plots it), the results
/// file and the page.
public struct TrainingLog: Sendable {
  let recorder: Recorder

  /// A log of its own (for tests and tools); a chapter's is `chapter.log`.
  public init() { recorder = Recorder() }
  init(_ recorder: Recorder) { self.recorder = recorder }

  /// Appends `value` at `step` to the series `metric` of `run` (created on first use).
  /// `wallClock`: the metric is a time measured on this machine (it differs run to run).
  public func record(
    _ metric: String, run: String, step: Int, value: Double, wallClock: Bool = false
  ) {
    recorder.access {
      $0.append(metric, run: run, point: MetricPoint(step: step, value: value))
      if wallClock { $0.markWallClock(metric) }
    }
  }

  /// Float convenience for `record(_:run:step:value:)`.
  public func record(
    _ metric: String, run: String, step: Int, value: Float, wallClock: Bool = false
  ) {
    record(metric, run: run, step: step, value: Double(value), wallClock: wallClock)
  }

  /// Sets a single named number (e.g. "final test accuracy (BN)"); the last write wins.
  /// `wallClock`: the number is (or derives from) a time measured on this machine.
  public func scalar(_ name: String, _ value: Double, wallClock: Bool = false) {
    recorder.access {
      $0.scalars[name] = value
      if wallClock { $0.markWallClock(name) }
    }
  }

  /// The series `metric` of `run`, empty if nothing was recorded.
  public func series(_ metric: String, run: String) -> MetricSeries {
    recorder.access { record in
      record.series.first { $0.metric == metric && $0.run == run }
        ?? MetricSeries(metric: metric, run: run)
    }
  }

  /// The runs that recorded `metric`, in the order they first did.
  public func runs(of metric: String) -> [String] {
    recorder.access { $0.series.filter { $0.metric == metric }.map(\.run) }
  }

  /// All series, in the order they were created.
  public var allSeries: [MetricSeries] { recorder.access { $0.series } }

  /// All scalars.
  public var scalars: [String: Double] { recorder.access { $0.scalars } }
}
