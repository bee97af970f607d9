import Foundation
import Plot
import Randomness

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
