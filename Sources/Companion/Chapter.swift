import ArgumentParser
import Engine
import Foundation
import Randomness

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The harness a chapter runs in, a facade over its parts: options, presets and seeds here;
/// what the run establishes in its `record` (`ChapterRecord`: measurements, tables, claims,
/// figures, data, timings), what it prints through its `narrator`, its long work through
/// `resumable` and `independently` (checkpoints, child processes), its end in `finish()`.
///
/// A chapter's `main.swift` creates one at the top and calls `finish()` at the bottom:
///
///     let chapter = Chapter(number: 1)
///     let steps = chapter.steps(default: chapter.pick(smoke: 200, book: 50_000, paper: 50_000))
///     var progress = chapter.progress("train", total: steps)
///     for step in 1...steps {
///       if chapter.shouldStop { break }
///       // ... one training step ...
///       progress.update(step, ["loss": loss])
///     }
///     progress.finish()
///     chapter.claim("BN output has zero mean", paper: "Ioffe & Szegedy 2015, Alg. 1",
///                   measured: maxMean, format: "%.2e", threshold: "≤ 1e-5", holds: maxMean <= 1e-5)
///     chapter.finish()
///
/// It is `Sendable` (its mutable state sits behind a lock), so a top-level `let chapter` can
/// be used from any function in `main.swift`, isolated or not.
public final class Chapter: @unchecked Sendable {
  /// This chapter's entry in the catalog.
  public let info: ChapterInfo
  /// The parsed command-line options.
  public let options: ChapterOptions
  /// The package root (directory with Package.swift and Chapters/), or the current directory.
  public let root: URL
  /// Where results and figures go.
  public let outputDirectory: URL
  /// Everything the run established; the results file, checkpoints and pages are views of it.
  public let record = Recorder()
  /// The record's measurements: series and scalars.
  public var log: TrainingLog { TrainingLog(record) }
  /// What the chapter prints.
  public let narrator: Narrator

  private let lock = NSLock()
  private let started: Double
  private var state: State

  private struct State {
    var rng: RandomGenerator
    var checkpoints: CheckpointStore?
    /// Set in a child process of `independently`.
    var child: ChildProcess?
  }

  /// What a child process of `independently` keeps for the chapter's own process.
  struct ChildProcess {
    /// The chapter's own process, which the child outlives only to save and stop.
    var parent: pid_t
    /// Where the record stood when the child began: what it adds after is its own.
    var mark: RecordMark
    /// The checkpoint units it finished (their encoded results), for the parent to record.
    var completions: [CompletedUnit] = []
  }

  // MARK: - Starting

  /// Parses the process's command line (printing usage and exiting 64 on a bad option), pins
  /// the OpenBLAS thread count, installs the Ctrl-C handler and prints a header.
  public convenience init(number: Int) {
    self.init(number: number, arguments: Array(CommandLine.arguments.dropFirst()))
  }

  /// As `init(number:)`, with explicit arguments (for tests and tools).
  public convenience init(number: Int, arguments: [String]) {
    let options = ChapterOptions.parseOrExit(
      arguments, executable: Catalog.chapter(number: number)?.executable)
    self.init(
      number: number, options: options,
      progressSink: options.quiet ? nil : .standardError,
      installSignalHandlers: true,
      printer: { print($0) })
  }

  /// As `init(number:arguments:)`, printing through `printer`, without signal handlers or a
  /// progress line (a tool that runs training loops of its own, such as `companion bench`).
  public convenience init(
    number: Int, arguments: [String], printer: @escaping @Sendable (String) -> Void
  ) throws {
    self.init(
      number: number, options: try ChapterOptions.parse(arguments), progressSink: nil,
      installSignalHandlers: false, printer: printer)
  }

  /// The designated initialiser: everything injectable, nothing parsed.
  init(
    number: Int, options: ChapterOptions, root: URL = PackageRoot.find(),
    progressSink: ProgressSink?, installSignalHandlers: Bool,
    printer: @escaping @Sendable (String) -> Void
  ) {
    let info =
      Catalog.chapter(number: number)
      ?? ChapterInfo(
        number: number, directory: "\(number)", title: "Chapter \(number)", paper: "")
    self.info = info
    self.options = options
    self.root = root
    self.outputDirectory = OutputDirectory.resolve(options: options, chapter: info, root: root)
    self.narrator = Narrator(printer: printer, progressSink: progressSink)
    self.started = ProcessInfo.processInfo.systemUptime
    self.state = State(rng: RandomGenerator(seed: options.seed))
    BLAS.setThreads(options.threads)
    if installSignalHandlers { Interruption.installHandlers() }
    let threads = options.threads == 1 ? "1 BLAS thread" : "\(options.threads) BLAS threads"
    narrator.say(info.heading + (info.paper.isEmpty ? "" : " (\(info.paper))"))
    narrator.say(
      "preset \(options.preset.rawValue), seed \(options.seed), \(threads), output in \(displayPath(outputDirectory))/\n"
    )
  }

  // MARK: - Presets and seeds

  /// The command line as a reader would type it: the executable's name, not the build
  /// directory it happened to run from (results are committed, and must not name a machine).
  static func portableCommandLine() -> [String] {
    let arguments = CommandLine.arguments
    guard let executable = arguments.first else { return [] }
    return [URL(fileURLWithPath: executable).lastPathComponent] + arguments.dropFirst()
  }

  /// The run's preset.
  public var preset: Preset { options.preset }
  /// The run's seed.
  public var seed: UInt64 { options.seed }

  /// The value for the current preset.
  public func pick<T>(smoke: T, book: T, paper: T) -> T {
    options.preset.pick(smoke: smoke, book: book, paper: paper)
  }

  /// `--steps` if given, otherwise `defaultSteps` (usually a `pick`).
  public func steps(default defaultSteps: Int) -> Int { options.steps ?? defaultSteps }

  /// `--epochs` if given, otherwise `defaultEpochs`.
  public func epochs(default defaultEpochs: Int) -> Int { options.epochs ?? defaultEpochs }

  /// The chapter's main generator, seeded with `--seed`. Prefer `makeGenerator(_:)` for
  /// independent streams.
  public var rng: RandomGenerator {
    get { lock.withLock { state.rng } }
    set { lock.withLock { state.rng = newValue } }
  }

  /// A generator determined by the seed and `purpose` alone (see `Seeds`).
  public func makeGenerator(_ purpose: String) -> RandomGenerator {
    Seeds.generator(seed: options.seed, purpose: purpose)
  }

  /// A seed for one purpose, derived from `--seed`: the first number of that purpose's
  /// generator (for a data order or a permutation that takes a seed, not a generator).
  public func seed(for purpose: String) -> UInt64 {
    var generator = makeGenerator(purpose)
    return generator.next()
  }

  // MARK: - Long loops

  /// A progress bar on stderr (nothing with `--quiet`).
  public func progress(_ label: String, total: Int) -> ProgressBar {
    narrator.progress(label, total: total)
  }

  /// True once Ctrl-C or SIGTERM arrived: finish the current step and leave the loop. (In a
  /// child of `independently`, also once the chapter's own process is gone.)
  public var shouldStop: Bool { Interruption.requested || orphaned }

  /// Whether this is a child of `independently` whose parent has gone (killed outright).
  var orphaned: Bool {
    guard let parent = lock.withLock({ state.child?.parent }) else { return false }
    return getppid() != parent
  }

  /// If a stop was requested, writes the results so far (status "interrupted") and exits
  /// with 130 (SIGINT) or 143 (SIGTERM). Call it after a loop that polls `shouldStop`.
  public func stopIfInterrupted() {
    guard Interruption.requested || orphaned else { return }
    finish()
  }

  /// Runs `body` as a named phase and records its wall time (phases of the same name add up).
  public func phase<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
    let begin = ProcessInfo.processInfo.systemUptime
    defer {
      let seconds = ProcessInfo.processInfo.systemUptime - begin
      record.access { $0.addTime(seconds, to: name) }
    }
    return try body()
  }

  // MARK: - Checkpoints

  /// Runs `body` as a unit of work that survives interruption (see `Checkpoint`).
  ///
  /// With checkpoints on (`--preset paper`, or `--checkpoint-every N`): a unit that finished
  /// in an earlier, interrupted run is not run again — its saved result is returned — and the
  /// unit that was in progress resumes from its saved state (`unit.restore`). The body calls
  /// `unit.stepDone` after every step, which writes the checkpoint when due. Without
  /// checkpoints the body simply runs. The result must encode everything later code needs.
  public func resumable<Result: Codable>(
    _ name: String, _ body: (ResumableUnit) throws -> Result
  ) throws -> Result {
    let store = try checkpointStore()
    if let saved = store?.result(of: name) {
      say("resumed: \(name) finished before the interruption; its saved result is used")
      return try ResumableUnit.decoder.decode(Result.self, from: saved)
    }
    let unit = try ResumableUnit(name: name, chapter: self, store: store)
    if unit.resumedStep > 0 { say("resumed: \(name) continues after step \(unit.resumedStep)") }
    let result = try body(unit)
    stopIfInterrupted()
    if let store {
      try store.complete(name, result: ResumableUnit.encoder.encode(result), from: self)
    }
    return result
  }

  /// The checkpoint store, opened on first use (after the chapter recorded its data sources,
  /// which the checkpoint's configuration includes); nil when this run writes none.
  func checkpointStore() throws -> CheckpointStore? {
    guard let every = options.checkpointInterval else { return nil }
    if let existing = lock.withLock({ state.checkpoints }) { return existing }
    let configuration = Checkpoint.Configuration(
      chapter: info.number, preset: options.preset, seed: options.seed,
      threads: options.threads, steps: options.steps, epochs: options.epochs,
      data: record.snapshot.data.map { "\($0.name) (\($0.location)): \($0.summary)" })
    let file = OutputDirectory.checkpointFile(options: options, chapter: info, root: root)
    let store = try CheckpointStore(
      file: file, every: every, configuration: configuration, fresh: options.fresh)
    if store.resumed {
      let saved = store.checkpoint
      // The record as it was saved; the data sources are this run's (the same, or refused).
      record.access { current in
        let data = current.data
        current = saved.record
        current.data = data
      }
      let parts = store.parts
      let current =
        (saved.current.map { ", \($0.unit) at step \($0.step)" } ?? "")
        + (parts.units > 0 ? ", \(parts.units) run(s) in progress side by side" : "")
        + (parts.reports > 0 ? ", \(parts.reports) finished run(s) to take in" : "")
      say(
        "resuming from \(displayPath(file)) (written \(saved.date)): \(saved.completionOrder.count) unit(s) done\(current)"
      )
    } else {
      say("checkpoints: every \(every) steps and on Ctrl-C, in \(displayPath(file))")
    }
    lock.withLock { state.checkpoints = store }
    return store
  }

  /// Before a long run: the estimated time from a few timed steps, where checkpoints go and
  /// how to resume.
  /// Seconds per call of `step`, timed over `timed` calls after `warmUp` untimed ones (a
  /// model's first step allocates its buffers): the rate a long run's estimate is made from.
  public func secondsPerStep(warmUp: Int = 1, timed: Int = 2, _ step: () -> Void) -> Double {
    for _ in 0..<warmUp { step() }
    let start = ProcessInfo.processInfo.systemUptime
    for _ in 0..<timed { step() }
    return (ProcessInfo.processInfo.systemUptime - start) / Double(max(timed, 1))
  }

  /// With `sideBySide`, the runs train `--jobs` at a time (`independently`), and the estimate
  /// divides by that.
  public func announceLongRun(
    _ what: String, steps: Int, secondsPerStep: Double, sideBySide: Bool = false
  ) {
    let jobs = sideBySide ? options.parallelJobs : 1
    let total = Double(steps) * secondsPerStep / Double(jobs)
    let hours = Int(total / 3600)
    let minutes = Int(total.truncatingRemainder(dividingBy: 3600) / 60)
    let estimate = hours > 0 ? "\(hours) h \(minutes) min" : "\(max(minutes, 1)) min"
    let atOnce = jobs > 1 ? ", \(jobs) runs at a time" : ""
    say(
      "\(what): \(steps) steps at \(String(format: "%.3g", secondsPerStep)) s each\(atOnce): about \(estimate) on this machine"
    )
    if options.checkpointInterval != nil {
      let file = OutputDirectory.checkpointFile(options: options, chapter: info, root: root)
      say(
        "  checkpoints go to \(displayPath(file)); if the run stops, resume it with the same command:"
      )
      say("  " + Self.portableCommandLine().joined(separator: " "))
    } else {
      say("  no checkpoints: add --checkpoint-every N to make this run resumable")
    }
  }

  // MARK: - Divergence

  /// Whether `value` (usually a loss) is finite. If not, records that `run` diverged at `step`
  /// (once per run) and says so; the chapter carries on, a diverged run is a result.
  @discardableResult
  public func checkFinite<V: BinaryFloatingPoint>(_ value: V, step: Int, run: String) -> Bool {
    if value.isFinite { return true }
    let first = record.access { $0.add(Divergence(run: run, step: step, value: Double(value))) }
    if first {
      emit("\(run): diverged at step \(step) (value \(Double(value))); recorded, carrying on.")
    }
    return false
  }

  /// Whether `run` has diverged.
  public func diverged(_ run: String) -> Bool {
    record.access { $0.divergences.contains { $0.run == run } }
  }

  /// Every divergence so far.
  public var divergences: [Divergence] { record.access { $0.divergences } }

  // MARK: - Claims

  /// Declares a paper claim and whether it held in this run; printed now and in the table
  /// at the end. A claim that fails is reported, not treated as an error.
  public func claim<V: BinaryFloatingPoint>(
    _ text: String, paper: String, measured: V, format: String = "%.4g", unit: String = "",
    threshold: String, holds: Bool, kind: Claim.Kind = .paper
  ) {
    let claim = Claim(
      text: text, paper: paper, measured: Double(measured), format: format, unit: unit,
      threshold: threshold, holds: holds, kind: kind)
    record.access { $0.claims.append(claim) }
    let verdict =
      kind == .check ? (holds ? "passes" : "does NOT pass") : (holds ? "holds" : "does NOT hold")
    emit(
      "\(kind == .check ? "check" : "claim"): \(text): \(claim.displayedValue) (\(threshold)) \(verdict)"
    )
  }

  /// Every claim so far.
  public var claims: [Claim] { record.access { $0.claims } }

  // MARK: - Tables, figures and data

  /// Records a table in the results (a page shows it with `{{table "name"}}`) and prints it
  /// with aligned columns. Cells are text as the page should show it, `**…**` for bold; a
  /// table of the same name replaces the earlier one.
  public func table(_ name: String, header: [String], rows: [[String]]) {
    let table = Results.Table(name: name, header: header, rows: rows)
    record.access { record in
      record.tables.removeAll { $0.name == name }
      record.tables.append(table)
    }
    for line in table.text { emit("  " + line) }
  }

  /// Records a figure's files in the results (the Plot-facing `save` calls this).
  public func recordFigure(name: String, files: [URL]) {
    let record = Results.FigureRecord(name: name, files: files.map(displayPath))
    self.record.access { recorded in
      recorded.figures.removeAll { $0.name == name }
      recorded.figures.append(record)
    }
  }

  /// Records a data source in the results and prints it.
  public func recordData(kind: String, name: String, location: String, summary: String) {
    record.access {
      $0.data.append(
        Results.DataRecord(kind: kind, name: name, location: location, summary: summary))
    }
    emit("data: \(name) (\(location)): \(summary)")
  }

  /// Prints `hint` the first time it is asked to (e.g. how to install gnuplot).
  func showOnce(_ hint: String) { narrator.sayOnce(hint) }

  // MARK: - Ending

  /// The results as they stand.
  public func results(status: Results.Status) -> Results {
    let record = self.record.snapshot
    return Results(
      config: Results.Config(
        chapter: info.number, name: info.directory, title: info.title, preset: options.preset,
        seed: options.seed, threads: options.threads, steps: options.steps,
        epochs: options.epochs, data: record.data, commandLine: Self.portableCommandLine()),
      timings: Results.Timings(
        totalSeconds: ProcessInfo.processInfo.systemUptime - started, phases: record.phases),
      metrics: Results.Metrics(scalars: record.scalars, series: record.series),
      tables: record.tables, figures: record.figures, claims: record.claims,
      divergences: record.divergences, status: status, date: Results.timestamp())
  }

  /// `<out>/<NN>-results.json`.
  public var resultsFile: URL { OutputDirectory.resultsFile(in: outputDirectory, chapter: info) }

  /// Writes the results file now (atomically) and returns its location.
  @discardableResult
  public func writeResults(status: Results.Status) throws -> URL {
    try results(status: status).write(to: resultsFile)
    return resultsFile
  }

  /// Prints the claims table, writes the results and exits: 0 when the chapter ran to its
  /// end (whether or not every claim held), 130/143 when it was interrupted, 1 when the
  /// results could not be written.
  public func finish() -> Never {
    // A child of `independently` that was stopped leaves the results to its parent.
    if isIndependentChild {
      _exit(Interruption.requested ? Interruption.exitStatus : orphaned ? 137 : 0)
    }
    let status: Results.Status = Interruption.requested ? .interrupted : .complete
    emit("\n" + ClaimsTable.text(claims))
    for divergence in divergences {
      emit("diverged: \(divergence.run) at step \(divergence.step) (value \(divergence.value))")
    }
    do {
      let file = try writeResults(status: status)
      emit("results: \(displayPath(file))")
    } catch {
      fail(error)
    }
    // A finished run leaves no checkpoint behind: the same command reruns it from the start.
    if status == .complete { lock.withLock { state.checkpoints }?.remove() }
    if status == .interrupted {
      reportError("interrupted; partial results written")
      exit(Interruption.exitStatus)
    }
    exit(0)
  }

  // MARK: - Errors

  /// Runs `body`; a thrown error becomes a one-line message and exit status 1 instead of a
  /// crash with a stack trace:
  ///
  ///     let images = chapter.attempt { try chapter.loadImages() }
  public func attempt<T>(_ body: () throws -> T) -> T {
    do {
      return try body()
    } catch {
      fail(error)
    }
  }

  /// Prints `<executable>: error: <message>` on stderr and exits 1.
  public func fail(_ error: any Error) -> Never {
    reportError(Chapter.oneLine(error))
    exit(1)
  }

  private func reportError(_ message: String) {
    FileHandle.standardError.write(Data("\(info.executable): error: \(message)\n".utf8))
  }

  /// An error as a single line: its localized description if it has one, else its description.
  public static func oneLine(_ error: any Error) -> String {
    let text =
      (error as? LocalizedError)?.errorDescription ?? String(describing: error)
    return text.split(whereSeparator: \.isNewline).joined(separator: " ")
  }

  /// Prints a line of the chapter's narration on standard output.
  public func say(_ line: String) { emit(line) }

  /// Prints `line` (or, in a child of `independently`, keeps it for the chapter's process).
  func emit(_ line: String) { narrator.say(line) }

  // MARK: - In a child process of `independently`

  /// Whether this process is a child of `independently`.
  var isIndependentChild: Bool { lock.withLock { state.child != nil } }

  /// Turns this process into a child of `independently`: the narrator keeps its lines, and
  /// what the record gains from here on is this child's own.
  func becomeIndependentChild(parent: pid_t) {
    let mark = record.access { $0.mark() }
    narrator.buffer()
    lock.withLock { state.child = ChildProcess(parent: parent, mark: mark) }
  }

  /// What the record gained in this child (everything, outside a child).
  func recordChangesInChild() -> RecordChanges {
    let mark = lock.withLock { state.child?.mark } ?? ChapterRecord().mark()
    return record.access { $0.changes(since: mark) }
  }

  /// Keeps a finished unit's result for the parent (a child never writes the checkpoint).
  func recordCompletionInChild(_ unit: String, result: Data) {
    lock.withLock { state.child?.completions.append(CompletedUnit(unit: unit, result: result)) }
  }

  /// The units this child finished, in order.
  var completionsInChild: [CompletedUnit] { lock.withLock { state.child?.completions ?? [] } }

  /// A path relative to the package root when inside it, for short messages and results.
  func displayPath(_ url: URL) -> String { url.path(relativeTo: root) }
}
