import ArgumentParser
import Foundation

/// A comma-separated list of learning rates, e.g. `1e-3,2e-3,4e-3`.
public struct RateList: ExpressibleByArgument, Sendable, CustomStringConvertible {
  public var rates: [Double]

  public init(_ rates: [Double]) { self.rates = rates }

  public init?(argument: String) {
    let parsed = argument.split(separator: ",").map {
      Double($0.trimmingCharacters(in: .whitespaces))
    }
    guard !parsed.isEmpty, parsed.allSatisfy({ $0.map { $0 > 0 && $0.isFinite } ?? false })
    else { return nil }
    rates = parsed.map { $0! }
  }

  public var description: String { rates.map { String($0) }.joined(separator: ",") }
}
