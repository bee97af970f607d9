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
