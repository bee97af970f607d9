import Foundation
import Plot
import Randomness

/// A curve over repetitions: at each step the spread of the repetitions' values, ready to
/// draw as a mean line in a band from the lowest to the highest.
public struct Band: Codable, Sendable, Equatable {
  public var steps: [Int]
  public var spreads: [Spread]

  public var mean: [Double] { spreads.map(\.mean) }
  public var low: [Double] { spreads.map(\.low) }
  public var high: [Double] { spreads.map(\.high) }
}

extension Band {
  /// The band as a figure draws it: the range from the lowest to the highest repetition,
  /// unlabelled, and the mean as a line labelled `label`.
  public func series(_ label: String, role: Role) -> [Series] {
    let x = steps.map(Double.init)
    return [
      .band("", x: x, low: low, high: high, role: role), .line(label, x: x, y: mean, role: role),
    ]
  }
}

extension Repeated {
  /// How the book draws repeated runs: `band(steps:values:continuing:)` as a band and a mean
  /// line labelled `label`, and, given `best`, a dot at each repetition's best point.
  public func series(
    _ label: String, role: Role, steps: (Result) -> [Int], values: (Result) -> [Double],
    best: ((Result) -> (step: Int, value: Double))? = nil, continuing: Bool = false
  ) -> [Series] {
    var series = band(steps: steps, values: values, continuing: continuing).series(
      label, role: role)
    if let best {
      let points = results.map(best)
      series.append(
        .points("", x: points.map { Double($0.step) }, y: points.map(\.value), role: role))
    }
    return series
  }
}
