import Foundation

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
