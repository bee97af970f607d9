import Foundation
import Plot
import Randomness

/// One repetition of an experiment: its number, and the seeds it draws from.
///
/// Repetition k draws its initial weights, batch order and every other random number from
/// generators named after their purpose *and* k, so repetitions differ in everything random
/// and nothing else. Repetition 1 keeps the plain purpose: a single run and the first of
/// several draw the same numbers (adding repetitions never moves the first one).
public struct Repetition: Codable, Sendable, Hashable {
  /// 1, 2, 3, …
  public let index: Int

  public init(_ index: Int) { self.index = index }

  /// The generator purpose `name` for this repetition.
  public func purpose(_ name: String) -> String {
    index == 1 ? name : "\(name), repetition \(index)"
  }
}

extension Chapter {
  /// A generator determined by the seed, `purpose` and the repetition alone.
  public func makeGenerator(_ purpose: String, repetition: Repetition) -> RandomGenerator {
    makeGenerator(repetition.purpose(purpose))
  }

  /// A seed for `purpose` in this repetition (see `seed(for:)`).
  public func seed(for purpose: String, repetition: Repetition) -> UInt64 {
    seed(for: repetition.purpose(purpose))
  }

  /// `body` for repetitions 1…`count`, side by side over `--jobs` (`independently`: the
  /// results are the same bit for bit for any `--jobs`), returned in order with their spread.
  public func repeated<Result: Codable>(
    _ label: String, count: Int, _ body: (Repetition) throws -> Result
  ) throws -> Repeated<Result> {
    let repetitions = (1...max(count, 1)).map(Repetition.init)
    return Repeated(results: try independently(label, repetitions, body))
  }

  /// `body` for every point of `points` in every repetition 1…`repetitions` (a learning-rate
  /// grid, say), all side by side over `--jobs`; the results by point, each with its spread.
  public func grid<Point, Result: Codable>(
    _ label: String, _ points: [Point], repetitions: Int = 1,
    _ body: (Point, Repetition) throws -> Result
  ) throws -> [(point: Point, results: Repeated<Result>)] {
    let cells = points.indices.flatMap { p in
      (1...max(repetitions, 1)).map { (p, Repetition($0)) }
    }
    let results = try independently(label, cells) { p, repetition in
      try body(points[p], repetition)
    }
    return points.indices.map { p in
      (points[p], Repeated(results: zip(cells, results).filter { $0.0.0 == p }.map(\.1)))
    }
  }
}

/// The results of the repetitions of one experiment, in order (repetition 1 first).
public struct Repeated<Result> {
  public let results: [Result]

  public init(results: [Result]) { self.results = results }

  /// A measure of each repetition, with its mean and spread.
  public func spread(_ measure: (Result) -> Double) -> Spread {
    Spread(values: results.map(measure))
  }

  /// Curves of the repetitions, point by point: mean, lowest and highest at each step. The
  /// curves must share their steps (runs of one schedule); a curve that stopped early (a
  /// diverged run) ends the band where it ends.
  public func band(steps: (Result) -> [Int], values: (Result) -> [Double]) -> Band {
    let stepLists = results.map(steps)
    let valueLists = results.map(values)
    let shared = stepLists.map(\.count).min() ?? 0
    let common = stepLists.first.map { Array($0.prefix(shared)) } ?? []
    return Band(
      steps: common,
      spreads: (0..<shared).map { i in Spread(values: valueLists.map { $0[i] }) })
  }
}

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
