import Companion
import Foundation
import Testing

/// Checks the chapter-test helper itself on the chapters that exist. The chapters' own tests
/// (that their claims hold) live beside this file and use `runChapter`.
@Suite("Chapter harness")
struct HarnessTests {
  /// Chapters whose source is in the package.
  static let writtenChapters = Catalog.chapters.filter {
    FileManager.default.fileExists(
      atPath: ChapterHarness.packageRoot.appendingPathComponent(
        "Chapters/\($0.directory)/main.swift"
      ).path)
  }

  @Test func everyWrittenChapterIsBuiltBesideTheTests() throws {
    #expect(!Self.writtenChapters.isEmpty)
    for chapter in Self.writtenChapters {
      let executable = try ChapterHarness.executable(chapter.executable)
      #expect(executable.deletingLastPathComponent() == ChapterHarness.productsDirectory())
    }
  }

  @Test func aMissingChapterIsAClearError() {
    #expect {
      try ChapterHarness.executable("ch99-nothing")
    } throws: { error in
      "\(error)".contains("ch99-nothing is not in")
    }
  }

  /// A chapter that uses the harness must run in smoke mode, exit 0 and write complete
  /// results with the options it was given; a placeholder that does not yet must at least run.
  @Test(arguments: writtenChapters.map(\.executable))
  func smokeRun(executable: String) throws {
    let chapter = try #require(Catalog.chapters.first { $0.executable == executable })
    let source = try String(
      contentsOf: ChapterHarness.packageRoot.appendingPathComponent(
        "Chapters/\(chapter.directory)/main.swift"),
      encoding: .utf8)
    let usesHarness = source.contains("Chapter(number:")
    let run = try ChapterHarness.run(executable, arguments: ["--seed", "3"])
    #expect(run.status == 0, "\(executable) stderr: \(run.standardError)")
    guard usesHarness else { return }
    let results = try #require(
      run.results, "\(executable) wrote no results; stderr: \(run.standardError)")
    #expect(results.status == .complete)
    #expect(results.config.chapter == chapter.number)
    #expect(results.config.preset == .smoke)
    #expect(results.config.seed == 3)
  }
}
