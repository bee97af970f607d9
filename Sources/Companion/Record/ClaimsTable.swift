import Foundation

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
