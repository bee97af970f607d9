import Foundation

/// The book's results as committed: what a run of the book's own configuration should
/// reproduce, read from git (`HEAD`), so a run that has just rewritten `Figures/` still
/// compares against what the repository holds.
public enum CommittedResults {
  /// Where chapter `chapter`'s committed results of `preset` live in the repository, or nil
  /// for a preset the book does not commit.
  public static func path(of chapter: ChapterInfo, preset: Preset) -> String? {
    switch preset {
    case .book: "Figures/\(chapter.prefix)-results.json"
    case .long: "Figures/long/\(chapter.prefix)-results.json"
    case .smoke, .paper: nil
    }
  }

  /// The committed results at `path` in the checkout at `root`; an error that says why not
  /// (no git, not a checkout, never committed, not readable).
  public static func read(_ path: String, root: URL) throws -> Results {
    let git = Process()
    git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    git.arguments = ["git", "-C", root.path, "show", "HEAD:\(path)"]
    let output = Pipe()
    let errors = Pipe()
    git.standardOutput = output
    git.standardError = errors
    do {
      try git.run()
    } catch {
      throw CompanionError("git could not be started (\(error.localizedDescription))")
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    git.waitUntilExit()
    guard git.terminationStatus == 0 else {
      let reason =
        message.split(separator: "\n").first.map(String.init) ?? "exit \(git.terminationStatus)"
      throw CompanionError(
        reason.contains("not a git repository")
          ? "\(root.path) is not a git checkout"
          : reason.contains("exists on disk, but not in")
            ? "\(path) was never committed (a new chapter's first run: commit it, and later runs compare with it)"
            : "git has no committed \(path): \(reason)")
    }
    do {
      return try Results.decode(data)
    } catch {
      throw CompanionError("the committed \(path) is not a results file: \(error)")
    }
  }
}
