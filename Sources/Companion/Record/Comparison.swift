import Foundation

/// Which of two measures over repetitions is lower, by the referee's rule
/// (`../shared/REFEREE.md`, "A margin smaller than the noise decides nothing"): every
/// repetition of one below every repetition of the other *by more than the measure's
/// resolution*. Anything else — overlapping ranges, a gap inside the resolution, a run that
/// never got there — is not distinguishable, whatever the sign of the means.
public enum Order: String, Codable, Sendable {
  case below
  case above
  case notDistinguishable = "not distinguishable"
}

/// The smallest difference a measure can show, and what sets it: a claim whose margin is
/// below it is not decided.
public struct Resolution: Codable, Sendable, Equatable {
  public var value: Double
  /// What sets it, e.g. "one measurement interval" or "the largest gap between the two
  /// evaluation protocols on these runs".
  public var reason: String

  public init(_ value: Double, _ reason: String) {
    self.value = max(0, value.isFinite ? value : 0)
    self.reason = reason
  }

  /// The standard error of an accuracy `p` (a fraction) measured on `count` examples,
  /// √(p(1 − p)/n), in the accuracy's own units times `scale` (100 for percentage points).
  public static func binomial(accuracy p: Double, count: Int, scale: Double = 100) -> Resolution {
    let clamped = min(max(p, 0), 1)
    return Resolution(
      scale * (clamped * (1 - clamped) / Double(max(count, 1))).squareRoot(),
      "the standard error of an accuracy over \(grouped(count)) examples")
  }
}

extension Spread {
  /// This measure against `other`: `.below` when every value is below every value of
  /// `other` by more than `resolution`, `.above` the other way round, `.notDistinguishable`
  /// otherwise. A missing value (NaN: a run that never got there) decides nothing.
  public func order(against other: Spread, resolution: Double) -> Order {
    guard isComplete, other.isComplete else { return .notDistinguishable }
    if high + resolution < other.low { return .below }
    if other.high + resolution < low { return .above }
    return .notDistinguishable
  }

  /// Whether every value is below every value of `other` by more than `resolution`.
  public func isEntirelyBelow(_ other: Spread, by resolution: Double = 0) -> Bool {
    order(against: other, resolution: resolution) == .below
  }
}

/// Two models' measure over repetitions, ordered by the referee's rule and written the way a
/// page must write a comparison: direction, means and ranges, and the resolution — so that a
/// comparison that decides nothing is never read as "no difference".
public struct Comparison: Sendable {
  public var a: Spread
  public var b: Spread
  public var aName: String
  public var bName: String
  public var resolution: Resolution
  /// printf format of the values ("steps" for whole numbers, thousands grouped).
  public var format: String

  public init(
    _ a: Spread, _ aName: String, against b: Spread, _ bName: String, resolution: Resolution,
    format: String
  ) {
    (self.a, self.b, self.aName, self.bName) = (a, b, aName, bName)
    self.resolution = resolution
    self.format = format
  }

  public var order: Order { a.order(against: b, resolution: resolution.value) }

  /// A's mean minus B's.
  public var difference: Double { a.mean - b.mean }

  /// The resolution in the comparison's format.
  var resolutionText: String {
    format == "steps" ? grouped(resolution.value) : cell(format, resolution.value)
  }

  /// "BN-LSTM 3.294 (3.290–3.300) against LSTM 3.295 (3.293–3.298), resolution 0.035 (the
  /// protocols' largest gap)".
  public var reading: String {
    "\(aName) \(a.meanAndRange(format)) against \(bName) \(b.meanAndRange(format)); "
      + "resolution \(resolutionText) (\(resolution.reason))"
  }

  /// What the comparison says in words: "below", "above" or "not distinguishable", with
  /// `reading` after it.
  public var verdictText: String { "\(order.rawValue): \(reading)" }
}

extension Chapter {
  /// Declares the claim that `comparison`'s A is `expected` (`.below` or `.above`) its B,
  /// decided by the referee's rule: it holds when the order is the expected one, fails when
  /// it is the opposite, and is not decided when the two are not distinguishable or when any
  /// of `undecidedBecause` is non-empty (a run that did not converge, a rate at the grid's
  /// edge). A claim that is not decided carries its reading — direction, means, ranges,
  /// resolution — in its unit, so that no table can show it as a null result. A null
  /// (`expected: .notDistinguishable`, "does not matter") can only fail, when one is below the
  /// other, and is otherwise not decided.
  public func claim(
    _ text: String, paper: String, comparison: Comparison, expected: Order, measured: Double,
    format: String, unit: String, kind: Claim.Kind = .paper, undecidedBecause: [String] = []
  ) {
    let reasons = undecidedBecause.filter { !$0.isEmpty }
    let order = comparison.order
    guard expected != .notDistinguishable else {
      // A null ("does not matter"): contradicted when one is below the other; otherwise the
      // comparison cannot confirm it, and says what it saw.
      claim(
        text, paper: paper, measured: measured, format: format,
        unit: unit + " (" + reasons.map { $0 + "; " }.joined() + comparison.verdictText + ")",
        threshold: "neither below the other by more than the resolution; a null is not decided",
        holds: false, kind: kind, decided: order != .notDistinguishable && reasons.isEmpty)
      return
    }
    let decided = reasons.isEmpty && order != .notDistinguishable
    let note =
      decided
      ? ""
      : " (not decided: "
        + (reasons + (order == .notDistinguishable ? ["not distinguishable"] : [])).joined(
          separator: "; ") + "; " + comparison.reading + ")"
    claim(
      text, paper: paper, measured: measured, format: format, unit: unit + note,
      threshold:
        "every repetition of the \(comparison.aName) \(expected.rawValue) every one of the \(comparison.bName)'s by more than \(comparison.resolutionText) (\(comparison.resolution.reason))",
      holds: order == expected, kind: kind, decided: decided)
  }
}
