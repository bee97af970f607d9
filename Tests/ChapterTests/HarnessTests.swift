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

  /// Every chapter runs under the helper. Those using the harness answer `--help` with their
  /// own name and reject a bad preset with exit status 64; this checks the helper and the
  /// options without a training run (the chapters' own tests do those, once each).
  @Test(arguments: writtenChapters.map(\.executable))
  func theHelperRunsTheChapter(executable: String) throws {
    let chapter = try #require(Catalog.chapters.first { $0.executable == executable })
    let source = try String(
      contentsOf: ChapterHarness.packageRoot.appendingPathComponent(
        "Chapters/\(chapter.directory)/main.swift"),
      encoding: .utf8)
    guard source.contains("Chapter(number:") else {
      // A placeholder that does not use the harness yet: it must at least run.
      #expect(try ChapterHarness.run(executable).status == 0)
      return
    }
    let help = try ChapterHarness.run(executable, arguments: ["--help"])
    #expect(help.status == 0)
    #expect(help.standardOutput.contains("USAGE: \(executable)"))
    #expect(help.results == nil)

    let bad = try ChapterHarness.run(executable, arguments: ["--preset", "enormous"])
    #expect(bad.status == 64)
    #expect(bad.standardError.contains("'enormous' is invalid"))
    #expect(bad.standardError.contains("Usage: \(executable)"))
  }

  /// The chapter list is written once, in the catalog: Package.swift builds whatever is under
  /// Chapters/, each page's heading and the README's table must agree with the catalog.
  /// A chapter without a long tier refuses the long preset (it would run its book preset
  /// under another name) with a clear error, writing nothing.
  /// Which chapters have one is their catalog entries' word: each that declares a long tier
  /// has its long results committed, and no other has.
  @Test func aChapterWithoutALongTierRefusesIt() throws {
    let without = try #require(
      Catalog.chapters.first {
        !$0.hasLongTier && $0.isWritten(in: ChapterHarness.packageRoot)
      })
    let run = try ChapterHarness.run(without.executable, arguments: ["--preset", "long"])
    #expect(run.status == 1)
    #expect(
      run.standardError.contains("chapter \(without.number) has no long preset"),
      "\(run.standardError)")
    #expect(run.results == nil)
    for chapter in Catalog.chapters where chapter.isWritten(in: ChapterHarness.packageRoot) {
      let long = OutputDirectory.resultsFile(
        in: ChapterHarness.packageRoot.appendingPathComponent("Figures/long"), chapter: chapter)
      #expect(
        FileManager.default.fileExists(atPath: long.path) == chapter.hasLongTier,
        "chapter \(chapter.number)'s long results and its declaration disagree")
    }
  }

  @Test func theCatalogIsTheOneChapterList() throws {
    let root = ChapterHarness.packageRoot
    let onDisk = try FileManager.default.contentsOfDirectory(
      atPath: root.appendingPathComponent("Chapters").path
    ).filter {
      FileManager.default.fileExists(
        atPath: root.appendingPathComponent("Chapters/\($0)/main.swift").path)
    }.sorted()
    #expect(onDisk == Self.writtenChapters.map(\.directory))
    for chapter in Self.writtenChapters {
      let source = try String(contentsOf: chapter.source(in: root), encoding: .utf8)
      #expect(source.contains("# \(chapter.heading)\n"), "\(chapter.directory)'s heading")
    }
    let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
    #expect(
      readme.contains(
        PageRenderer.tableStart + "\n" + PageRenderer.chapterTable(root: root) + "\n"
          + PageRenderer.tableEnd),
      "README's table of chapters is stale: run `companion render`")
  }

  /// The README's summary of findings is what `companion render` makes of its source and
  /// the committed results: every number in it is a reference that resolves, none is stale.
  @Test func theReadmeFindingsComeFromTheResults() throws {
    let root = ChapterHarness.packageRoot
    let findings = try #require(try PageRenderer.findings(root: root))
    #expect(!findings.contains("{{") && !findings.contains("not run yet"))
    let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
    #expect(
      readme.contains(
        PageRenderer.findingsStart + "\n" + findings + "\n" + PageRenderer.findingsEnd),
      "README's summary of findings is stale: run `companion render`")
  }

  /// Every page is what `companion render` makes of its chapter now: every span of source it
  /// includes exists, every number it quotes is in the committed results (a renamed scalar,
  /// an unmarked span, a claim reworded fails here, not first in `companion render`), and
  /// the committed page is not stale against its source or its results.
  @Test(arguments: writtenChapters.map(\.number))
  func everyPageIsRenderedFromItsSourceAndResults(number: Int) throws {
    let root = ChapterHarness.packageRoot
    let chapter = try #require(Catalog.chapter(number: number))
    let page = root.appendingPathComponent("Chapters/\(chapter.directory)/README.md")
    let committed = try String(contentsOf: page, encoding: .utf8)
    let temporary = FileManager.default.temporaryDirectory.appendingPathComponent(
      "page-\(number)-\(UInt32.random(in: 0...UInt32.max))")
    defer { try? FileManager.default.removeItem(at: temporary) }
    // Render into a copy of the page's folder, so the test writes nothing in the package.
    for folder in ["Chapters/\(chapter.directory)", "Figures", "Figures/long"] {
      try FileManager.default.createDirectory(
        at: temporary.appendingPathComponent(folder), withIntermediateDirectories: true)
    }
    // main.swift and its siblings, which the page links (a dead link fails the render).
    let folder = root.appendingPathComponent("Chapters/\(chapter.directory)")
    for file in try FileManager.default.contentsOfDirectory(atPath: folder.path)
    where file.hasSuffix(".swift") {
      try FileManager.default.copyItem(
        at: folder.appendingPathComponent(file),
        to: temporary.appendingPathComponent("Chapters/\(chapter.directory)/\(file)"))
    }
    for other in Self.writtenChapters {
      for folder in ["Figures", "Figures/long"] {
        let results = OutputDirectory.resultsFile(
          in: root.appendingPathComponent(folder), chapter: other)
        if FileManager.default.fileExists(atPath: results.path) {
          try FileManager.default.copyItem(
            at: results,
            to: temporary.appendingPathComponent("\(folder)/\(results.lastPathComponent)"))
        }
      }
    }
    try FileManager.default.createSymbolicLink(
      at: temporary.appendingPathComponent("Sources"),
      withDestinationURL: root.appendingPathComponent("Sources"))
    let rendered = try #require(try PageRenderer.renderChapter(chapter, root: temporary))
    #expect(
      try String(contentsOf: rendered, encoding: .utf8) == committed,
      "Chapters/\(chapter.directory)/README.md is stale: run `companion render`")
  }
}
