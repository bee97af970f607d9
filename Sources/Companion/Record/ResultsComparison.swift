import Foundation

/// How a run's results compare with the book's committed ones, value by value: every scalar,
/// every point of every series, every claim's measured value and verdict, every table cell.
/// Values compare by their bits. Wall-clock measurements (`Results.wallClock`) differ from
/// run to run on any machine, so they are counted apart, never as moved.
public struct ResultsComparison: Sendable, Equatable {
  /// A claim whose verdict is not the committed one.
  public struct VerdictChange: Sendable, Equatable {
    public var claim: String
    public var before: String
    public var after: String
  }

  /// Values compared (wall-clock measurements aside).
  public var compared = 0
  /// The values that moved, named ("scalar …", "series … at step N", "claim …", "table …").
  public var moved: [String] = []
  /// Values in one of the two results only.
  public var unmatched: [String] = []
  public var verdictChanges: [VerdictChange] = []
  /// Wall-clock values, not compared.
  public var wallClock = 0

  public var isIdentical: Bool { moved.isEmpty && unmatched.isEmpty && verdictChanges.isEmpty }

  public init(committed: Results, new: Results) {
    let timed = Set(committed.wallClock ?? []).union(new.wallClock ?? [])
    compareScalars(committed.metrics.scalars, new.metrics.scalars, timed: timed)
    compareSeries(committed.metrics.series, new.metrics.series, timed: timed)
    compareClaims(committed.claims, new.claims, timed: timed)
    compareTables(committed.tables, new.tables)
  }

  private mutating func compare(_ name: String, _ old: Double, _ new: Double) {
    compared += 1
    if old.bitPattern != new.bitPattern { moved.append(name) }
  }

  private mutating func compareScalars(
    _ old: [String: Double], _ new: [String: Double], timed: Set<String>
  ) {
    for name in Set(old.keys).union(new.keys).sorted() {
      if timed.contains(name) {
        wallClock += 1
      } else if let a = old[name], let b = new[name] {
        compare("scalar \"\(name)\"", a, b)
      } else {
        unmatched.append("scalar \"\(name)\"")
      }
    }
  }

  private mutating func compareSeries(
    _ old: [MetricSeries], _ new: [MetricSeries], timed: Set<String>
  ) {
    func key(_ s: MetricSeries) -> String { "\"\(s.metric)\" of \(s.run)" }
    let newByKey = Dictionary(new.map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
    let oldKeys = Set(old.map(key))
    for series in old {
      if timed.contains(series.metric) {
        wallClock += series.points.count
        continue
      }
      guard let other = newByKey[key(series)] else {
        unmatched.append("series \(key(series))")
        continue
      }
      if series.steps != other.steps {
        unmatched.append("series \(key(series)): measured at other steps")
        continue
      }
      for (a, b) in zip(series.points, other.points) {
        compare("series \(key(series)) at step \(a.step)", a.value, b.value)
      }
    }
    for series in new where !oldKeys.contains(key(series)) && !timed.contains(series.metric) {
      unmatched.append("series \(key(series))")
    }
  }

  private mutating func compareClaims(_ old: [Claim], _ new: [Claim], timed: Set<String>) {
    let newByText = Dictionary(new.map { ($0.text, $0) }, uniquingKeysWith: { a, _ in a })
    for claim in old {
      if timed.contains(claim.text) {
        wallClock += 1
        continue
      }
      guard let other = newByText[claim.text] else {
        unmatched.append("claim \"\(claim.text)\"")
        continue
      }
      compare("claim \"\(claim.text)\"", claim.measured, other.measured)
      if Self.verdict(claim) != Self.verdict(other) {
        verdictChanges.append(
          VerdictChange(claim: claim.text, before: Self.verdict(claim), after: Self.verdict(other)))
      }
    }
    let oldTexts = Set(old.map(\.text))
    for claim in new where !oldTexts.contains(claim.text) && !timed.contains(claim.text) {
      unmatched.append("claim \"\(claim.text)\"")
    }
  }

  private mutating func compareTables(_ old: [Results.Table], _ new: [Results.Table]) {
    let newByName = Dictionary(new.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    for table in old {
      guard let other = newByName[table.name], other.header == table.header,
        other.rows.count == table.rows.count
      else {
        unmatched.append("table \"\(table.name)\"")
        continue
      }
      for (r, (a, b)) in zip(table.rows, other.rows).enumerated() {
        compared += 1
        if a != b { moved.append("table \"\(table.name)\" row \(r + 1)") }
      }
    }
    let oldNames = Set(old.map(\.name))
    for table in new where !oldNames.contains(table.name) {
      unmatched.append("table \"\(table.name)\"")
    }
  }

  /// "holds", "does not hold" or "not decided" (a check: "passes", "fails").
  static func verdict(_ claim: Claim) -> String {
    guard claim.decided else { return "not decided" }
    if claim.kind == .check { return claim.holds ? "passes" : "fails" }
    return claim.holds ? "holds" : "does not hold"
  }

  /// One line for the end of a run, and, when verdicts changed, one line for each.
  public var summary: [String] {
    let timing = wallClock > 0 ? " (\(wallClock) wall-clock times aside)" : ""
    if isIdentical { return ["bit-identical: \(compared) values\(timing)"] }
    var parts = ["\(moved.count) of \(compared) values moved\(timing)"]
    if !unmatched.isEmpty { parts.append("\(unmatched.count) in one of the two only") }
    parts.append(
      verdictChanges.isEmpty
        ? "no verdict changed"
        : "\(verdictChanges.count) verdict\(verdictChanges.count == 1 ? "" : "s") changed")
    var lines = [parts.joined(separator: ", ")]
    if let first = moved.first { lines.append("first moved: \(first)") }
    for change in verdictChanges {
      lines.append("\"\(change.claim)\": \(change.before) in the book, \(change.after) here")
    }
    return lines
  }
}
