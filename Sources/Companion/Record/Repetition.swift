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
