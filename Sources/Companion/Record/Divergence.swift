import Foundation

/// A run whose loss stopped being a number: recorded, not fatal.
public struct Divergence: Codable, Sendable, Equatable {
  public var run: String
  public var step: Int
  /// The offending value (NaN or ±infinity); encoded as a string in JSON.
  public var value: Double

  public init(run: String, step: Int, value: Double) {
    self.run = run
    self.step = step
    self.value = value
  }
}
