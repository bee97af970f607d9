import Foundation

/// A paper's claim, tested: what the paper says, what we measured, and whether it holds.
///
/// A claim that does not hold is a result, not an error: the chapter reports it and exits 0.
public struct Claim: Codable, Sendable, Equatable {
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

  public init(
    text: String, paper: String, measured: Double, format: String = "%.4g", unit: String = "",
    threshold: String, holds: Bool
  ) {
    self.text = text
    self.paper = paper
    self.measured = measured
    self.format = format
    self.unit = unit
    self.threshold = threshold
    self.holds = holds
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
      [$0.holds ? "holds" : "FAILS", $0.text, $0.displayedValue, $0.threshold, $0.paper]
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
    let held = claims.filter(\.holds).count
    return line(header) + rule + rows.map(line).joined()
      + "\(held) of \(claims.count) claims hold.\n"
  }

  /// The claims as a Markdown table, for the rendered chapter page.
  public static func markdown(_ claims: [Claim]) -> String {
    var text = "| Claim | Paper | Measured | Threshold | Holds |\n|---|---|---|---|:---:|\n"
    for claim in claims {
      let cells = [
        claim.text, claim.paper, claim.displayedValue, claim.threshold,
        claim.holds ? "yes" : "**no**",
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
