import Foundation

/// A paper's claim, tested: what the paper says, what we measured, and whether it holds.
///
/// A claim that does not hold is a result, not an error: the chapter reports it and exits 0.
public struct Claim: Codable, Sendable, Equatable {
  /// What kind of statement is tested. A tally of "claims that hold" must not count a check
  /// that is true by construction as agreement with a paper.
  public enum Kind: String, Codable, Sendable {
    /// Something a paper states (or shows in a figure) that a measurement could contradict.
    case paper
    /// A check of our own derivation or code: a gradient against finite differences, an
    /// identity that holds by construction, a fused kernel against the staged one.
    case check
    /// A paper's claim whose test (its measure or its threshold) was chosen after a first run
    /// had been seen. Tallied apart from the claims fixed before the run: a test picked with
    /// the data in view is weaker evidence, whichever way it comes out.
    case postHoc

    /// "[check] ", "[post hoc] " or nothing: how a table marks the kind.
    public var label: String {
      switch self {
      case .paper: ""
      case .check: "[check] "
      case .postHoc: "[post hoc] "
      }
    }
  }

  /// The claim in a sentence, e.g. "BN output has zero mean".
  public var text: String
  /// Where the paper makes it, e.g. "Ioffe & Szegedy 2015, §4.1".
  public var paper: String
  /// The measured number.
  public var measured: Double
  /// printf-style format for `measured`, e.g. "%.2e" or "%.1f".
  public var format: String
  /// Unit appended to the formatted value, e.g. "%" or " steps"; empty for none.
  public var unit: String
  /// The test the value had to pass, as text: "≤ 1e-5", "> BN-free by 2 points".
  public var threshold: String
  public var holds: Bool
  public var kind: Kind
  /// False when the measurement could not decide the claim — a run it needs stopped before it
  /// converged, or never reached the level the claim is read at. Such a claim does not hold,
  /// but it is not contradicted either: its verdict is "not decided", and tallies say how many.
  public var decided: Bool

  /// A claim that is not `decided` never `holds`.
  public init(
    text: String, paper: String, measured: Double, format: String = "%.4g", unit: String = "",
    threshold: String, holds: Bool, kind: Kind = .paper, decided: Bool = true
  ) {
    self.kind = kind
    self.decided = decided
    self.text = text
    self.paper = paper
    self.measured = measured
    self.format = format
    self.unit = unit
    self.threshold = threshold
    self.holds = holds && decided
  }

  enum CodingKeys: String, CodingKey {
    case text, paper, measured, format, unit, threshold, holds, kind, decided
  }

  /// Results written before claims had kinds read as the papers' claims.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    text = try c.decode(String.self, forKey: .text)
    paper = try c.decode(String.self, forKey: .paper)
    measured = try c.decode(Double.self, forKey: .measured)
    format = try c.decode(String.self, forKey: .format)
    unit = try c.decode(String.self, forKey: .unit)
    threshold = try c.decode(String.self, forKey: .threshold)
    holds = try c.decode(Bool.self, forKey: .holds)
    kind = try c.decodeIfPresent(Kind.self, forKey: .kind) ?? .paper
    decided = try c.decodeIfPresent(Bool.self, forKey: .decided) ?? true
    holds = holds && decided
  }

  /// `decided` is written only when false, so the results of chapters whose claims are all
  /// decided read exactly as before the field existed.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(text, forKey: .text)
    try c.encode(paper, forKey: .paper)
    try c.encode(measured, forKey: .measured)
    try c.encode(format, forKey: .format)
    try c.encode(unit, forKey: .unit)
    try c.encode(threshold, forKey: .threshold)
    try c.encode(holds, forKey: .holds)
    try c.encode(kind, forKey: .kind)
    if !decided { try c.encode(decided, forKey: .decided) }
  }

  /// The verdict in a word: "holds", "fails", "passes" (a check) or "not decided".
  public var verdict: String {
    if !decided { return "not decided" }
    return holds ? (kind == .check ? "passes" : "holds") : "fails"
  }

  /// Equal in every field, the measured value bit for bit — and a measure that is not a number
  /// (a run that never got there) equal to another that is not, so a claim compares with itself.
  public static func == (a: Claim, b: Claim) -> Bool {
    let sameMeasure =
      a.measured.isNaN ? b.measured.isNaN : a.measured.bitPattern == b.measured.bitPattern
    return a.text == b.text && a.paper == b.paper && sameMeasure && a.format == b.format
      && a.unit == b.unit && a.threshold == b.threshold && a.holds == b.holds && a.kind == b.kind
      && a.decided == b.decided
  }

  /// The measured value as the chapter wants it shown, e.g. "3.20e-08" or "97.1%".
  public var displayedValue: String { String(format: format, measured) + unit }
}

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

/// The claims as a plain-text table for the terminal, columns aligned.
public enum ClaimsTable {
  public static func text(_ claims: [Claim]) -> String {
    guard !claims.isEmpty else { return "No claims tested.\n" }
    let header = ["", "Claim", "Measured", "Threshold", "Paper"]
    let rows = claims.map {
      [
        $0.verdict == "fails" ? "FAILS" : $0.verdict,
        $0.kind.label + $0.text, $0.displayedValue, $0.threshold,
        $0.paper,
      ]
    }
    let widths = header.indices.map { column in
      ([header] + rows).map { $0[column].count }.max() ?? 0
    }
    func line(_ cells: [String]) -> String {
      zip(cells, widths).map { cell, width in
        cell + String(repeating: " ", count: width - cell.count)
      }
      .joined(separator: "  ").trimmingTrailingSpaces() + "\n"
    }
    let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
    return line(header) + rule + rows.map(line).joined() + tally(claims) + "\n"
  }

  /// "4 of 7 of the papers' claims hold (2 not decided); 1 of 1 claims tested after a first
  /// run holds; 2 of 2 checks pass." (each part only if present).
  public static func tally(_ claims: [Claim]) -> String {
    let paper = claims.filter { $0.kind == .paper }
    let postHoc = claims.filter { $0.kind == .postHoc }
    let checks = claims.filter { $0.kind == .check }
    /// " (2 not decided)", or nothing when every claim was decided.
    func undecided(_ claims: [Claim]) -> String {
      let count = claims.filter { !$0.decided }.count
      return count == 0 ? "" : " (\(count) not decided)"
    }
    var parts: [String] = []
    if !paper.isEmpty {
      parts.append(
        "\(paper.filter(\.holds).count) of \(paper.count) of the papers' claims hold\(undecided(paper))"
      )
    }
    if !postHoc.isEmpty {
      let held = postHoc.filter(\.holds).count
      parts.append(
        "\(held) of \(postHoc.count) claims tested after a first run \(held == 1 ? "holds" : "hold")\(undecided(postHoc)) (post hoc, tallied apart)"
      )
    }
    if !checks.isEmpty {
      parts.append("\(checks.filter(\.holds).count) of \(checks.count) checks pass")
    }
    return parts.joined(separator: "; ") + "."
  }

  /// The claims as Markdown for the rendered chapter page: the papers' claims in one table,
  /// the checks of our own derivations and code in another, and the tally (or a line saying
  /// the run tested none). Both the page's closing section and `{{long claims}}` show this.
  public static func markdown(_ claims: [Claim]) -> String {
    guard !claims.isEmpty else { return "This run tested no claims.\n" }
    let paper = claims.filter { $0.kind == .paper }
    let postHoc = claims.filter { $0.kind == .postHoc }
    let checks = claims.filter { $0.kind == .check }
    var text = ""
    if !paper.isEmpty { text += markdownTable(paper) }
    if !postHoc.isEmpty {
      text +=
        (text.isEmpty ? "" : "\n")
        + "Claims whose test was chosen after a first run had been seen (post hoc: tallied apart, weaker evidence):\n\n"
        + markdownTable(postHoc)
    }
    if !checks.isEmpty {
      text +=
        (text.isEmpty ? "" : "\n")
        + "Checks of our own derivations and code (true if the code is right; they are not evidence for a paper):\n\n"
        + markdownTable(checks)
    }
    return text + "\n" + tally(claims) + "\n"
  }

  static func markdownTable(_ claims: [Claim]) -> String {
    var text = "| Claim | Paper | Measured | Threshold | Holds |\n|---|---|---|---|:---:|\n"
    for claim in claims {
      let cells = [
        claim.text, claim.paper, claim.displayedValue, claim.threshold,
        claim.decided ? (claim.holds ? "yes" : "**no**") : "not decided",
      ]
      text += "| " + cells.map(escapeTableCell).joined(separator: " | ") + " |\n"
    }
    return text
  }

  private static func escapeTableCell(_ text: String) -> String {
    text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
  }
}

extension String {
  func trimmingTrailingSpaces() -> String {
    var result = self
    while result.last == " " { result.removeLast() }
    return result
  }
}
