import Foundation
import Plot
import Randomness

/// A measure over repetitions: its values, mean, standard deviation and range.
public struct Spread: Codable, Sendable, Equatable {
  public var values: [Double]

  public init(values: [Double]) { self.values = values }

  public var mean: Double { values.reduce(0, +) / Double(max(values.count, 1)) }
  /// The sample standard deviation (n − 1); 0 for a single value.
  public var standardDeviation: Double {
    guard values.count > 1 else { return 0 }
    let m = mean
    return (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count - 1))
      .squareRoot()
  }
  public var low: Double { values.min() ?? .nan }
  public var high: Double { values.max() ?? .nan }

  /// "mean (value, value, …)" with `format` for each number.
  public func text(_ format: String) -> String {
    String(format: format, mean) + " ("
      + values.map { String(format: format, $0) }.joined(separator: ", ") + ")"
  }
}
