import Foundation
import Testing

@testable import Companion

@Suite("Output directory and package root")
struct OutputDirectoryTests {
  let transform = Catalog.chapter(number: 1)!
  let root = URL(fileURLWithPath: "/work/book")

  /// The command a long run prints for resuming it never starts it over.
  @Test func theResumeCommandDropsFresh() {
    let fresh = Chapter.resumeCommand(from: ["ch06-layernorm", "--preset", "long", "--fresh"])
    #expect(fresh.words == ["ch06-layernorm", "--preset", "long"])
    #expect(fresh.said == "the same command without --fresh")
    let plain = Chapter.resumeCommand(from: ["ch06-layernorm", "--preset", "long"])
    #expect(plain.words == ["ch06-layernorm", "--preset", "long"])
    #expect(plain.said == "the same command")
  }

  @Test func bookRunsWriteTheCommittedFigures() {
    let out = OutputDirectory.resolve(
      explicit: nil, preset: .book, seed: 1, chapter: transform, root: root)
    #expect(out.path == "/work/book/Figures")
    #expect(
      OutputDirectory.resultsFile(in: out, chapter: transform).path
        == "/work/book/Figures/01-results.json")
  }

  @Test func otherPresetsGetARunDirectory() {
    let smoke = OutputDirectory.resolve(
      explicit: nil, preset: .smoke, seed: 1, chapter: transform, root: root)
    #expect(smoke.path == "/work/book/runs/01-smoke-seed1")
    let paper = OutputDirectory.resolve(
      explicit: nil, preset: .paper, seed: 9, chapter: Catalog.chapter(number: 3)!, root: root)
    #expect(paper.path == "/work/book/runs/03-paper-seed9")
  }

  @Test func bookRunsWithAnotherSeedOrOverridesKeepOffTheCommittedFigures() {
    let seeded = OutputDirectory.resolve(
      explicit: nil, preset: .book, seed: 7, chapter: transform, root: root)
    #expect(seeded.path == "/work/book/runs/01-book-seed7")
    let shortened = OutputDirectory.resolve(
      explicit: nil, preset: .book, seed: 1, customised: true, chapter: transform, root: root)
    #expect(shortened.path == "/work/book/runs/01-book-seed1-custom")
  }

  /// The long preset's own runs are committed beside the book's; their checkpoints are not.
  @Test func longRunsWriteBesideTheBook() throws {
    let chapter = Catalog.chapter(number: 4)!
    let long = OutputDirectory.resolve(
      explicit: nil, preset: .long, seed: 1, chapter: chapter, root: root)
    #expect(long.path == "/work/book/Figures/long")
    let other = OutputDirectory.resolve(
      explicit: nil, preset: .long, seed: 2, chapter: chapter, root: root)
    #expect(other.path == "/work/book/runs/04-long-seed2")
    let options = try ChapterOptions.parse(["--preset", "long"])
    #expect(options.checkpointInterval == ChapterOptions.defaultCheckpointInterval)
    #expect(
      OutputDirectory.checkpointFile(options: options, chapter: chapter, root: root).path
        == "/work/book/runs/checkpoints/04-long-seed1/04-checkpoint.json")
  }

  @Test func anExplicitDirectoryWins() {
    let absolute = OutputDirectory.resolve(
      explicit: "/tmp/out", preset: .book, seed: 1, chapter: transform, root: root)
    #expect(absolute.path == "/tmp/out")
    let relative = OutputDirectory.resolve(
      explicit: "mine", preset: .smoke, seed: 1, chapter: transform, root: root)
    #expect(relative.path == FileManager.default.currentDirectoryPath + "/mine")
  }

  @Test func theRootIsTheFirstDirectoryWithPackageSwiftAndChapters() throws {
    let temporary = try TemporaryDirectory()
    let package = temporary.url.appendingPathComponent("book")
    let nested = package.appendingPathComponent("Chapters/01-Transform")
    try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
    // A Package.swift without Chapters/ (like a dependency's) is not the book.
    try Data().write(to: nested.appendingPathComponent("Package.swift"))
    try Data().write(to: package.appendingPathComponent("Package.swift"))
    #expect(PackageRoot.find(from: nested).path == package.standardizedFileURL.path)
    #expect(PackageRoot.find(from: package).path == package.standardizedFileURL.path)
  }

  @Test func withoutAPackageTheStartDirectoryIsTheRoot() throws {
    let temporary = try TemporaryDirectory()
    #expect(PackageRoot.find(from: temporary.url).path == temporary.url.standardizedFileURL.path)
  }

  @Test func chaptersWriteWhereTheirPresetSays() throws {
    let temporary = try TemporaryDirectory()
    let book = try TestChapter.make([], root: temporary.url)
    #expect(
      book.outputDirectory.path
        == temporary.url.appendingPathComponent("Figures").standardizedFileURL.path)
    let smoke = try TestChapter.make(
      ["--preset", "smoke", "--seed", "3"], number: 2, root: temporary.url)
    #expect(smoke.resultsFile.path.hasSuffix("/runs/02-smoke-seed3/02-results.json"))
    let short = try TestChapter.make(["--steps", "10"], number: 3, root: temporary.url)
    #expect(short.resultsFile.path.hasSuffix("/runs/03-book-seed1-custom/03-results.json"))
  }
}

/// A chapter claims its output directory before any work: one that cannot be written is
/// refused with the path and the reason, and one that another run of the chapter holds is
/// refused with that run's process id and command line.
@Suite("Claiming the output directory")
struct OutputClaimTests {
  let chapter = Catalog.chapter(number: 4)!

  @Test func aMissingDirectoryIsMadeAndTheLockNamesItsHolder() throws {
    let base = try TemporaryDirectory()
    let out = base.url.appendingPathComponent("a/b")
    let claim = try OutputClaim(out, chapter: chapter, holder: "ch04 --out a/b")
    let lock = try String(contentsOf: claim.lockFile, encoding: .utf8)
    #expect(lock.hasPrefix("\(getpid())\nch04 --out a/b\n"))
    #expect(claim.lockFile.lastPathComponent == ".04-run.lock")
    // The probe file is gone: only the lock is there.
    #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == [".04-run.lock"])
    claim.release()
    #expect(!FileManager.default.fileExists(atPath: claim.lockFile.path))
  }

  @Test func aDirectoryInUseIsRefusedUntilItsHolderLetsGo() throws {
    let base = try TemporaryDirectory()
    let first = try OutputClaim(base.url, chapter: chapter, holder: "ch04 --steps 400")
    let error = #expect(throws: CompanionError.self) {
      try OutputClaim(base.url, chapter: chapter, holder: "ch04 again")
    }
    let message = error?.description ?? ""
    #expect(message.contains("\(base.url.path) is in use by another run"), "\(message)")
    #expect(message.contains("process \(getpid()): ch04 --steps 400, since"), "\(message)")
    #expect(message.contains("kill \(getpid())"), "\(message)")
    // Another chapter's lock is its own: the book's chapters all write into Figures/.
    let other = try OutputClaim(
      base.url, chapter: Catalog.chapter(number: 5)!, holder: "ch05")
    other.release()
    first.release()
    let again = try OutputClaim(base.url, chapter: chapter, holder: "ch04 again")
    again.release()
  }

  @Test func aLockFileLeftBehindBlocksNobody() throws {
    let base = try TemporaryDirectory()
    try "999999\nch04 killed with -9\n2026-01-01T00:00:00Z\n".write(
      to: OutputClaim.lockFile(in: base.url, chapter: chapter), atomically: true,
      encoding: .utf8)
    let claim = try OutputClaim(base.url, chapter: chapter, holder: "ch04")
    #expect(try String(contentsOf: claim.lockFile, encoding: .utf8).hasPrefix("\(getpid())\n"))
    claim.release()
  }

  @Test func aFileOrAPathUnderAFileIsRefusedWithThePath() throws {
    let base = try TemporaryDirectory()
    let file = base.url.appendingPathComponent("figures.txt")
    try "not a directory".write(to: file, atomically: true, encoding: .utf8)
    let asFile = #expect(throws: CompanionError.self) {
      try OutputClaim(file, chapter: chapter, holder: "ch04")
    }
    #expect(
      asFile?.description
        == "the output directory \(file.path) is a file; pass --out a directory (it is made if missing)"
    )
    let under = file.appendingPathComponent("run/out")
    let underFile = #expect(throws: CompanionError.self) {
      try OutputClaim(under, chapter: chapter, holder: "ch04")
    }
    #expect(
      underFile?.description
        == "cannot make the output directory \(under.path): \(file.path) is a file, not a directory"
    )
  }
}
