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
  /// The matrix-product kernels this run computes with, and why (`KernelChoice`).
  public let kernels: KernelChoice
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

  // The facade's own state, behind a lock (extensions in other files reach it).
  let lock = NSLock()
  private let started: Double
  var state: State

  struct State {
    var rng: RandomGenerator
    /// The chapter-specific knobs (`--rates`, …) the chapter has read.
    var readKnobs: Set<String> = []
    var checkpoints: CheckpointStore?
    /// Set in a child process of `independently`.
    var child: ChildProcess?
    /// The hold on the output directory of a chapter run from its command line.
    var outputClaim: OutputClaim?
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
  /// the OpenBLAS thread count, installs the Ctrl-C handler, prints a header, and claims the
  /// output directory: one that cannot be written, or that another run of this chapter is
  /// writing into, ends the run here, before any work (`OutputClaim`). Started by
  /// `companion`, the chapter stops when its runner is gone (`RunnerWatch`).
  public convenience init(number: Int) {
    self.init(number: number, arguments: Array(CommandLine.arguments.dropFirst()))
  }

  /// As `init(number:)`, with explicit arguments (for tests and tools).
  public convenience init(number: Int, arguments: [String]) {
    let options = ChapterOptions.parseOrExit(
      arguments, executable: Catalog.chapter(number: number)?.executable)
    // Before any matrix product: this may start the chapter again with OpenBLAS's kernels set.
    KernelChoice.apply(options.kernelMode)
    self.init(
      number: number, options: options,
      progressSink: options.quiet ? nil : .standardError,
      installSignalHandlers: true,
      printer: { print($0) })
    claimOutputDirectory()
    RunnerWatch.start()
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
    self.kernels = KernelChoice.inEffect(options.kernelMode)
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
      "preset \(options.preset.rawValue), seed \(options.seed), \(threads), output in \(displayPath(outputDirectory))/"
    )
    narrator.say(kernels.summary + "\n")
    // A chapter without a long tier would run its book preset under another name.
    if options.preset == .long && !info.hasLongTier {
      fail(
        CompanionError(
          "chapter \(number) has no long preset: its book preset already decides its claims (use --preset book)"
        ))
    }
    // Said before the run, from the declarations, not after it.
    let undeclared = options.givenKnobs.filter { flag in
      !info.knobs.contains { $0.flag.rawValue == flag }
    }
    if !undeclared.isEmpty {
      narrator.say(
        "note: chapter \(number) has no use for \(undeclared.joined(separator: ", ")); it is ignored\n"
      )
    }
  }

  /// Takes the output directory for this run (see `OutputClaim`), or ends it with the reason.
  func claimOutputDirectory() {
    do {
      let claim = try OutputClaim(
        outputDirectory, chapter: info,
        holder: Self.portableCommandLine().joined(separator: " "))
      lock.withLock { state.outputClaim = claim }
    } catch {
      fail(error)
    }
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

  /// The value for the current preset (`long`: the book's unless given).
  public func pick<T>(smoke: T, book: T, paper: T, long: T? = nil) -> T {
    options.preset.pick(smoke: smoke, book: book, paper: paper, long: long)
  }

  /// `--rates` if given, otherwise `grid`.
  public func learningRates(default grid: [Double]) -> [Double] {
    read(.rates)
    return options.rates?.rates ?? grid
  }

  /// `--training-characters` if given, otherwise `defaultCount`.
  public func trainingCharacters(default defaultCount: Int) -> Int {
    read(.trainingCharacters)
    return options.trainingCharacters ?? defaultCount
  }

  /// `--gamma` if given, otherwise the default the chapter's catalog entry declares.
  public func gamma() -> Double {
    let declared = read(.gamma).defaultValue
    guard let value = options.gamma ?? declared else {
      fail(CompanionError("chapter \(info.number)'s catalog entry declares no default for --gamma"))
    }
    return value
  }

  /// Notes that the chapter read `flag`, which its catalog entry must declare (the CLI's
  /// help is made from the declarations, so an undeclared knob would be undocumented).
  @discardableResult
  func read(_ flag: Knob.Flag) -> Knob {
    lock.withLock { _ = state.readKnobs.insert(flag.rawValue) }
    guard let knob = info.knob(flag) else {
      fail(
        CompanionError(
          "chapter \(info.number) reads \(flag.rawValue), which its catalog entry does not declare")
      )
    }
    return knob
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

  /// True once Ctrl-C, SIGTERM or SIGHUP arrived, or the runner that started the chapter is
  /// gone: finish the current step and leave the loop. (In a child of `independently`, also
  /// once the chapter's own process is gone.)
  public var shouldStop: Bool { Interruption.requested || orphaned }

  /// Whether this is a child of `independently` whose parent has gone (killed outright).
  var orphaned: Bool {
    guard let parent = lock.withLock({ state.child?.parent }) else { return false }
    return getppid() != parent
  }

  /// If a stop was requested, writes the results so far (status "interrupted") and exits
  /// with 130 (SIGINT), 143 (SIGTERM) or 129 (SIGHUP, or the runner gone). Call it after a loop that polls `shouldStop`.
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

  // MARK: - Ending

  /// The results as they stand.
  public func results(status: Results.Status) -> Results {
    let record = self.record.snapshot
    return Results(
      config: Results.Config(
        chapter: info.number, name: info.directory, title: info.title, preset: options.preset,
        seed: options.seed, threads: options.threads, steps: options.steps,
        epochs: options.epochs, data: record.data, commandLine: Self.portableCommandLine(),
        kernels: kernels),
      timings: Results.Timings(
        totalSeconds: elapsedSeconds, phases: record.phases),
      metrics: Results.Metrics(scalars: record.scalars, series: record.series),
      tables: record.tables, figures: record.figures, claims: record.claims,
      divergences: record.divergences, wallClock: record.wallClock.map { $0.sorted() },
      status: status, date: Results.timestamp())
  }

  /// The run's wall time so far: this process's, and on a resumed run the time of the
  /// processes before it (so a run stopped and resumed reports what it took in all).
  var elapsedSeconds: Double {
    (record.access { $0.secondsBeforeResuming } ?? 0) + ProcessInfo.processInfo.systemUptime
      - started
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
    // A knob the chapter declares but did not read this run (a preset that skips its use).
    let unread = options.givenKnobs.filter { flag in
      info.knobs.contains { $0.flag.rawValue == flag }
        && !lock.withLock { state.readKnobs }.contains(flag)
    }
    if !unread.isEmpty {
      emit(
        "note: chapter \(info.number) has no use for \(unread.joined(separator: ", ")); it was ignored"
      )
    }
    emit("\n" + ClaimsTable.text(claims))
    for divergence in divergences {
      emit("diverged: \(divergence.run) at step \(divergence.step) (value \(divergence.value))")
    }
    do {
      let file = try writeResults(status: status)
      emit("results: \(displayPath(file))")
    } catch {
      fail(
        CompanionError(
          "could not write the results \(displayPath(resultsFile)): \(Chapter.oneLine(error))"
            + checkpointKeptNote))
    }
    // A finished run leaves no checkpoint behind: the same command reruns it from the start.
    if status == .complete { lock.withLock { state.checkpoints }?.remove() }
    lock.withLock { state.outputClaim }?.release()
    if status == .interrupted {
      reportError("interrupted; partial results written")
      exit(Interruption.exitStatus)
    }
    exit(0)
  }

  // MARK: - Errors

  /// What a failed write tells the user about the run's work: kept in the checkpoint, if the
  /// run has one (a rerun of the same command resumes from it).
  var checkpointKeptNote: String {
    guard let store = lock.withLock({ state.checkpoints }) else { return "" }
    return "; the training is kept in \(displayPath(store.file)): rerun the same command to finish"
  }

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
    lock.withLock { state.outputClaim }?.release()
    exit(1)
  }

  private func reportError(_ message: String) {
    fflush(nil)  // what the chapter printed comes first, also when stdout is a file
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

  /// A path relative to the package root when inside it, for short messages and results.
  func displayPath(_ url: URL) -> String { url.path(relativeTo: root) }
}
