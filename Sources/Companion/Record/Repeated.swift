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
  /// diverged or converged run) ends the band where it ends, or, `continuing`, leaves it there
  /// and the band goes on over the runs still training, to the longest one's end.
  public func band(
    steps: (Result) -> [Int], values: (Result) -> [Double], continuing: Bool = false
  ) -> Band {
    let stepLists = results.map(steps)
    let valueLists = results.map(values)
    let counts = stepLists.map(\.count)
    let length = (continuing ? counts.max() : counts.min()) ?? 0
    let schedule = continuing ? stepLists.max { $0.count < $1.count } : stepLists.first
    return Band(
      steps: Array((schedule ?? []).prefix(length)),
      spreads: (0..<length).map { i in
        Spread(values: valueLists.filter { $0.count > i }.map { $0[i] })
      })
  }
}
