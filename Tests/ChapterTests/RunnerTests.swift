import Companion
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A chapter never outlives `companion`, never shares its output directory with a live run,
/// and never trains into a directory it cannot write.
///
/// Tried as a user would: `companion run 4` killed with SIGKILL (the OOM killer, `kill -9`),
/// or its process group sent SIGHUP (a closed terminal, a lost SSH session, which reaches
/// `make` and `companion` but not the chapter, in a process group of its own); a second run
/// started on a directory a first run is writing into; `--out` a file, or under one.
@Suite("Runner and output directory", .serialized)
struct RunnerTests {
  /// A process started with its output in files (a pipe could fill and block it).
  struct Started {
    let process: Process
    let log: URL

    init(_ executable: URL, _ arguments: [String], log: URL) throws {
      process = Process()
      process.executableURL = executable
      process.arguments = arguments
      process.currentDirectoryURL = ChapterHarness.packageRoot
      process.standardInput = FileHandle.nullDevice
      _ = FileManager.default.createFile(atPath: log.path, contents: nil)
      let handle = try FileHandle(forWritingTo: log)
      process.standardOutput = handle
      process.standardError = handle
      self.log = log
      try process.run()
    }

    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
  }

  /// Waits up to `seconds` for `condition`.
  static func waitFor(_ seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      if condition() { return true }
      usleep(50_000)
    }
    return condition()
  }

  /// Whether process `pid` still runs (a zombie nobody reaped has ended).
  static func isAlive(_ pid: pid_t) -> Bool {
    guard kill(pid, 0) == 0,
      let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return false }
    let state = stat[stat.index(close, offsetBy: 2)]
    return state != "Z" && state != "X"
  }

  /// The process id in the chapter's lock file in `directory`, once it is there.
  static func holder(of directory: URL, chapter: Int = 4) -> pid_t? {
    let file = OutputClaim.lockFile(in: directory, chapter: Catalog.chapter(number: chapter)!)
    return (try? String(contentsOf: file, encoding: .utf8))?
      .split(separator: "\n").first.flatMap { pid_t($0) }
  }

  /// A fresh directory for one test's outputs, removed afterwards.
  static func scratch() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "runner-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// Chapter 4 under `companion`, long enough to be killed mid-run: once its first
  /// checkpoint is written, the runner is killed (`SIGKILL`) or its process group hung up
  /// (`SIGHUP`). The chapter must stop as an interrupted run does — results "interrupted",
  /// checkpoint kept, lock given up — within seconds, not train on as an orphan.
  @Test(arguments: [SIGKILL, SIGHUP])
  func aChapterStopsWhenItsRunnerIsGone(signal: Int32) throws {
    let corpus = try PennTreebankFixture()
    defer { corpus.remove() }
    let scratch = try Self.scratch()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let out = scratch.appendingPathComponent("out")
    let runner = try Started(
      ChapterHarness.executable("companion"),
      [
        "run", "4", "--preset", "smoke", "--steps", "400", "--checkpoint-every", "5",
        "--corpus", corpus.path, "--out", out.path, "--quiet",
      ], log: scratch.appendingPathComponent("runner.txt"))
    let checkpoint = out.appendingPathComponent("04-checkpoint.json")
    let started = Self.waitFor(120) {
      Self.holder(of: out) != nil && FileManager.default.fileExists(atPath: checkpoint.path)
    }
    let chapter = try #require(Self.holder(of: out), "no chapter started: \(runner.output)")
    try #require(started, "no checkpoint written: \(runner.output)")
    #expect(chapter != runner.process.processIdentifier)
    if signal == SIGHUP {
      // Process runs `companion` in a process group of its own: the terminal's group.
      kill(-runner.process.processIdentifier, SIGHUP)
    } else {
      kill(runner.process.processIdentifier, SIGKILL)
    }
    runner.process.waitUntilExit()
    let stopped = Self.waitFor(60) { !Self.isAlive(chapter) }
    if !stopped { kill(chapter, SIGKILL) }
    #expect(stopped, "chapter 4 (process \(chapter)) outlived its runner: \(runner.output)")
    let results = try Results.read(
      from: OutputDirectory.resultsFile(in: out, chapter: Catalog.chapter(number: 4)!))
    #expect(results.status == .interrupted)
    #expect(FileManager.default.fileExists(atPath: checkpoint.path), "the checkpoint is kept")
    #expect(runner.output.contains("interrupted"), "\(runner.output)")
    // Nobody holds the directory any more: a rerun may take it.
    let claim = try OutputClaim(out, chapter: Catalog.chapter(number: 4)!, holder: "test")
    claim.release()
  }

  /// A second run of a chapter on the directory a live run writes into is refused at once,
  /// naming the process that holds it; the first run is untouched.
  @Test func aSecondRunOnADirectoryInUseIsRefused() throws {
    let corpus = try PennTreebankFixture()
    defer { corpus.remove() }
    let scratch = try Self.scratch()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let out = scratch.appendingPathComponent("out")
    let arguments = [
      "--preset", "smoke", "--steps", "400", "--checkpoint-every", "5", "--corpus", corpus.path,
      "--out", out.path, "--quiet",
    ]
    let executable = try ChapterHarness.executable("ch04-recurrentinput")
    let first = try Started(executable, arguments, log: scratch.appendingPathComponent("1.txt"))
    defer {
      if first.process.isRunning {
        kill(first.process.processIdentifier, SIGINT)
        first.process.waitUntilExit()
      }
    }
    try #require(Self.waitFor(120) { Self.holder(of: out) != nil }, "\(first.output)")
    let second = try Started(executable, arguments, log: scratch.appendingPathComponent("2.txt"))
    second.process.waitUntilExit()
    #expect(second.process.terminationStatus == 1)
    let pid = first.process.processIdentifier
    #expect(
      second.output.contains(
        "ch04-recurrentinput: error: the output directory \(out.path) is in use by another run of this chapter (process \(pid): ch04-recurrentinput --preset smoke"
      ), "\(second.output)")
    #expect(second.output.contains("(kill \(pid))"), "\(second.output)")
    #expect(first.process.isRunning, "the first run goes on")
    #expect(Self.holder(of: out) == pid)
  }

  /// `--out` a file, or a path under a file: every chapter says so in one line and exits 1
  /// before any work (nothing but its header printed, no results, no crash).
  @Test(arguments: Catalog.chapters.filter { $0.isWritten(in: ChapterHarness.packageRoot) })
  func anUnwritableOutputIsRefusedBeforeAnyWork(chapter: ChapterInfo) throws {
    let scratch = try Self.scratch()
    defer { try? FileManager.default.removeItem(at: scratch) }
    let file = scratch.appendingPathComponent("not-a-directory")
    try "x".write(to: file, atomically: true, encoding: .utf8)
    for (out, reason) in [
      (file, "the output directory \(file.path) is a file"),
      (
        file.appendingPathComponent("figures"),
        "cannot make the output directory \(file.path)/figures: \(file.path) is a file, not a directory"
      ),
    ] {
      let run = try Started(
        ChapterHarness.executable(chapter.executable),
        ["--preset", "smoke", "--out", out.path, "--quiet"],
        log: scratch.appendingPathComponent("log.txt"))
      run.process.waitUntilExit()
      #expect(run.process.terminationReason == .exit)
      #expect(run.process.terminationStatus == 1)
      let lines = run.output.split(separator: "\n").filter { !$0.isEmpty }
      // The header (title; preset and output; matrix-product kernels) and the error.
      #expect(lines.count == 4, "only the header and the error: \(run.output)")
      #expect(
        lines.last?.hasPrefix("\(chapter.executable): error: \(reason)") == true, "\(run.output)")
      #expect(!run.output.contains("Fatal error"))
    }
  }
}
