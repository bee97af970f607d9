import Foundation
import Plot
import Randomness

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
