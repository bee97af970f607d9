import Companion
import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Long runs survive interruption: a chapter stopped by a real SIGINT and run again ends
/// bitwise identical to a run never stopped; a checkpoint of another configuration is
/// refused, a corrupt one is an error, and the previous good checkpoint is kept.
@Suite("Checkpoints: interrupt, resume, refuse")
struct ResumeTests {
  static let options = [
    "--preset", "smoke", "--steps", "120", "--checkpoint-every", "40", "--quiet",
  ]

  /// Runs Chapter 3 with `options` into `out`; if `interruptAt` is given, sends SIGINT as soon
  /// as that file exists; with `interruptInUnit`, the chapter interrupts itself right after
  /// its first checkpoint inside that unit. Returns the exit status and standard error.
  static func run(
    out: URL, extra: [String] = [], interruptAt file: URL? = nil,
    interruptWhen condition: (() -> Bool)? = nil, interruptInUnit unit: String? = nil,
    chapter: String = "ch03-feedforward", options: [String] = options
  ) throws -> (status: Int32, standardError: String) {
    let process = Process()
    if let unit {
      // The chapter interrupts itself after its first checkpoint inside `unit`.
      var environment = ProcessInfo.processInfo.environment
      environment[ResumableUnit.interruptVariable] = unit
      process.environment = environment
    }
    process.executableURL = try ChapterHarness.executable(chapter)
    process.arguments = options + ["--out", out.path] + extra
    process.currentDirectoryURL = ChapterHarness.packageRoot
    let errorFile = out.appendingPathExtension("stderr")
    try FileManager.default.createDirectory(
      at: out.deletingLastPathComponent(), withIntermediateDirectories: true)
    _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
    let errorHandle = try FileHandle(forWritingTo: errorFile)
    process.standardOutput = FileHandle.nullDevice
    process.standardError = errorHandle
    try process.run()
    if file != nil || condition != nil {
      // Until the file exists, or the condition is met.
      func ready() -> Bool {
        if let condition { return condition() }
        return file.map { FileManager.default.fileExists(atPath: $0.path) } ?? false
      }
      while process.isRunning && !ready() { usleep(20_000) }
      if process.isRunning { kill(process.processIdentifier, SIGINT) }
    }
    process.waitUntilExit()
    try errorHandle.close()
    let status =
      process.terminationReason == .exit
      ? process.terminationStatus : 128 + process.terminationStatus
    return (status, try String(contentsOf: errorFile, encoding: .utf8))
  }

  static func results(in out: URL, chapter: String = "03") throws -> Results {
    try Results.read(from: out.appendingPathComponent("\(chapter)-results.json"))
  }

  /// Runs `chapter` (number `number`) in order on a generated corpus — whole; then stopped by
  /// SIGINT right after its first checkpoint inside `unit`, and again at each of
  /// `alsoStopIn` after resuming; then resumed to the end — and expects the resumed run to end
  /// bit for bit where the whole one did, every claim once. Returns the whole run's results.
  /// (In order, --jobs 1: the checkpoint names the unit in progress, so the test can stop the
  /// chapter inside the one it means. Side by side is Chapter 3's test below.)
  static func expectResumesInsideUnit(
    _ unit: String, alsoStopIn laterUnits: [String] = [], chapter: String, number: String,
    steps: Int, every: Int,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> Results {
    let corpus = try PennTreebankFixture()
    defer { corpus.remove() }
    let root = FileManager.default.temporaryDirectory.appendingPathComponent(
      "resume\(number)-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    let (whole, pieces) = (
      root.appendingPathComponent("whole"), root.appendingPathComponent("pieces")
    )
    let options = [
      "--preset", "smoke", "--steps", "\(steps)", "--checkpoint-every", "\(every)", "--quiet",
      "--corpus", corpus.path, "--jobs", "1",
    ]
    let run = { (out: URL, stopIn: String?) in
      try Self.run(out: out, interruptInUnit: stopIn, chapter: chapter, options: options)
    }
    #expect(try run(whole, nil).status == 0, sourceLocation: sourceLocation)
    for stopIn in [unit] + laterUnits {
      let stopped = try run(pieces, stopIn)
      try #require(
        stopped.status == 130, "stopped in \(stopIn): \(stopped.standardError)",
        sourceLocation: sourceLocation)
    }
    // The checkpoint keeps the stopped processes' wall time, for the resumed run's total.
    struct Saved: Decodable {
      struct Record: Decodable { var secondsBeforeResuming: Double? }
      var record: Record
    }
    let saved = try JSONDecoder().decode(
      Saved.self,
      from: Data(contentsOf: pieces.appendingPathComponent("\(number)-checkpoint.json")))
    #expect(
      (saved.record.secondsBeforeResuming ?? 0) > 0, "the stopped runs' time is saved",
      sourceLocation: sourceLocation)
    let resumed = try run(pieces, nil)
    #expect(resumed.status == 0, "\(resumed.standardError)", sourceLocation: sourceLocation)
    let (a, b) = (
      try Self.results(in: whole, chapter: number), try Self.results(in: pieces, chapter: number)
    )
    #expect(b.status == .complete, sourceLocation: sourceLocation)
    #expect(
      a.metrics.sameBits(as: b.metrics), "every series and scalar, bit for bit",
      sourceLocation: sourceLocation)
    #expect(a.claims == b.claims, sourceLocation: sourceLocation)
    #expect(
      Set(b.claims.map(\.text)).count == b.claims.count, "every claim once",
      sourceLocation: sourceLocation)
    return a
  }

  /// Chapter 5's runs keep more state than Chapter 3's — RMSProp's, the BN-LSTM's per-step
  /// populations, the initial-state noise generator of in-order MNIST, the best validation
  /// point's parameters, the language models' streams — and resume just as exactly. Stopped
  /// inside the in-order BN-LSTM run: the one that draws initial-state noise. Then stopped
  /// again inside the first character model, after the MNIST claims were made: the resumed
  /// run starts from the checkpoint's record, claims included, and makes them again.
  @Test(.enabled(if: imageDataAvailable, imageDataMissing))
  func chapter5ResumesBitForBit() throws {
    let whole = try Self.expectResumesInsideUnit(
      "BN-LSTM, sequential, rate 0.001", alsoStopIn: ["LSTM, rate 0.001"],
      chapter: "ch05-recurrentbn", number: "05", steps: 12, every: 5)
    // Every run left its fingerprint: the classifiers' and the language models'.
    let runs = Set(
      whole.metrics.series.filter {
        $0.metric == "validation accuracy (%)" || $0.metric == "validation bpc"
      }.map(\.run))
    #expect(runs.count > 20)
    #expect(
      whole.metrics.scalars.keys.filter { $0.hasPrefix("parameter fingerprint") }.count
        == runs.count)
  }

  /// A character model stopped mid-run resumes with everything that moves during training:
  /// its parameters, Adam's moments, the crops stream's position and generator (forgetting
  /// it would train the rest of the run on the batches it already saw), the curve so far.
  /// Stopped inside the first character model, the plain LSTM, once it has saved.
  @Test func aLanguageModelStoppedMidRunResumesBitForBit() throws {
    _ = try Self.expectResumesInsideUnit(
      "LSTM, rate 0.001", chapter: "ch04-recurrentinput", number: "04", steps: 60, every: 5)
  }

  @Test(.enabled(if: imageDataAvailable, imageDataMissing))
  func anInterruptedRunResumesBitForBit() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent(
      "resume-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    let (whole, pieces) = (
      root.appendingPathComponent("whole"), root.appendingPathComponent("pieces")
    )
    let checkpoint = pieces.appendingPathComponent("03-checkpoint.json")

    // 1. Never interrupted, one run after another.
    #expect(try Self.run(out: whole, extra: ["--jobs", "1"]).status == 0)
    #expect(
      !FileManager.default.fileExists(
        atPath: whole.appendingPathComponent("03-checkpoint.json").path),
      "a finished run leaves no checkpoint")

    // 2. Two runs side by side, interrupted by SIGINT once a run in a child process has saved
    //    its progress: every run in progress keeps its own file beside the checkpoint.
    let parts = pieces.appendingPathComponent("03-checkpoint.parts")
    func unitInProgress() -> Bool {
      let names = (try? FileManager.default.contentsOfDirectory(atPath: parts.path)) ?? []
      return names.contains { $0.hasPrefix("unit-") && $0.contains("BN") }
    }
    let stopped = try Self.run(
      out: pieces, extra: ["--jobs", "2"], interruptWhen: unitInProgress)
    try #require(stopped.status == 130, "\(stopped.standardError)")
    #expect(try Self.results(in: pieces).status == .interrupted)
    #expect(FileManager.default.fileExists(atPath: checkpoint.path))
    let left = (try? FileManager.default.contentsOfDirectory(atPath: parts.path)) ?? []
    #expect(left.contains { $0.hasPrefix("unit-") }, "a run in progress left its file: \(left)")

    // 3. Another configuration is refused, naming what differs; nothing is overwritten.
    let before = try Data(contentsOf: checkpoint)
    let refused = try Self.run(out: pieces, extra: ["--seed", "2"])
    #expect(refused.status == 1)
    #expect(refused.standardError.contains("is of another run: seed 1 in the checkpoint, 2 now"))
    #expect(try Data(contentsOf: checkpoint) == before)

    // 4. The same command resumes and finishes, every run where it stopped.
    let resumed = try Self.run(out: pieces, extra: ["--jobs", "2"])
    #expect(resumed.status == 0, "\(resumed.standardError)")
    let (a, b) = (try Self.results(in: whole), try Self.results(in: pieces))
    #expect(b.status == .complete)
    #expect(a.metrics.sameBits(as: b.metrics), "every series and scalar, bit for bit")
    #expect(a.claims == b.claims)
    #expect(a.metrics.scalars.keys.filter { $0.hasPrefix("parameter fingerprint") }.count >= 10)
    #expect(!FileManager.default.fileExists(atPath: parts.path), "a finished run leaves no parts")
  }

  @Test(.enabled(if: imageDataAvailable, imageDataMissing))
  func aCorruptCheckpointIsAnErrorAndThePreviousOneIsKept() throws {
    let out = FileManager.default.temporaryDirectory.appendingPathComponent(
      "corrupt-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: out) }
    let checkpoint = out.appendingPathComponent("03-checkpoint.json")
    let previous = out.appendingPathComponent("03-checkpoint.previous.json")
    // Stop once a second checkpoint has replaced the first, so a previous one exists.
    let stopped = try Self.run(out: out, interruptAt: previous)
    try #require(stopped.status == 130, "status \(stopped.status): \(stopped.standardError)")
    let data = try Data(contentsOf: checkpoint)
    try data.prefix(data.count / 2).write(to: checkpoint)
    let failed = try Self.run(out: out)
    #expect(failed.status == 1)
    #expect(failed.standardError.contains("is corrupt or truncated"))
    #expect(failed.standardError.contains("The checkpoint before it is kept at"))
    #expect(FileManager.default.fileExists(atPath: previous.path))
    // The previous one is a good checkpoint (resuming from it is the other test's subject).
    let kept = try JSONDecoder().decode(Checkpoint.self, from: Data(contentsOf: previous))
    #expect(kept.format == Checkpoint.formatVersion && kept.configuration.chapter == 3)
  }
}
