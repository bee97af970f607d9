import Foundation

/// The runner's closing table: one row per chapter it ran.
public struct RunSummary: Sendable, Equatable {
  public enum Outcome: Sendable, Equatable {
    /// The chapter exited normally; `status` comes from its results file.
    case finished(Results.Status)
    /// Exit status 0 but no results file: a chapter not (yet) using the harness.
    case noResults
    /// Exit status other than 0 (and not an interruption).
    case failed(exitStatus: Int32)
    /// Stopped by Ctrl-C or SIGTERM.
    case interrupted(exitStatus: Int32)
    /// The executable is missing although the chapter's source exists.
    case notBuilt
    /// Neither source nor executable: a chapter still to be written.
    case notWritten

    public var isFailure: Bool {
      switch self {
      case .finished(.complete), .notWritten, .noResults: false
      case .finished(.interrupted), .failed, .interrupted, .notBuilt: true
      }
    }

    public var text: String {
      switch self {
      case .finished(let status): status.rawValue
      case .noResults: "no results written"
      case .failed(let status): "FAILED (exit \(status))"
      case .interrupted(let status): "interrupted (exit \(status))"
      case .notBuilt: "NOT BUILT"
      case .notWritten: "not written yet"
      }
    }
  }

  public struct Row: Sendable, Equatable {
    public var chapter: ChapterInfo
    public var seconds: Double?
    public var results: Results?
    public var outcome: Outcome

    public init(chapter: ChapterInfo, seconds: Double?, results: Results?, outcome: Outcome) {
      self.chapter = chapter
      self.seconds = seconds
      self.results = results
      self.outcome = outcome
    }
  }

  public var rows: [Row] = []

  public init(rows: [Row] = []) { self.rows = rows }

  /// True when any chapter failed, was interrupted or is missing its executable.
  public var hasFailures: Bool { rows.contains { $0.outcome.isFailure } }

  /// An aligned plain-text table.
  public var text: String {
    let header = ["Chapter", "Wall", "Papers' claims held", "Checks passed", "Figures", "Status"]
    let cells = rows.map { row -> [String] in
      let claims =
        row.results.map { results in
          let postHoc = results.postHocClaimsHeld
          return "\(results.claimsHeld.held)/\(results.claimsHeld.total)"
            + (postHoc.total > 0 ? " (+\(postHoc.held)/\(postHoc.total) post hoc)" : "")
        } ?? "-"
      let checks = row.results.map { "\($0.checksPassed.passed)/\($0.checksPassed.total)" } ?? "-"
      let figures = row.results.map { String($0.figures.count) } ?? "-"
      let wall =
        row.seconds.map { $0 < 60 ? String(format: "%.1f s", $0) : formatDuration($0) } ?? "-"
      return [
        "\(row.chapter.prefix) \(row.chapter.title)", wall, claims, checks, figures,
        row.outcome.text,
      ]
    }
    let widths = header.indices.map { column in
      ([header] + cells).map { $0[column].count }.max() ?? 0
    }
    func line(_ row: [String]) -> String {
      zip(row, widths).map { $0 + String(repeating: " ", count: $1 - $0.count) }
        .joined(separator: "  ").trimmingTrailingSpaces() + "\n"
    }
    let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
    return line(header) + rule + cells.map(line).joined()
  }
}
