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
