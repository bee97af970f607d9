import ArgumentParser
import Companion
import Engine
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Runs chapters one after another as subprocesses and summarises them.
///
/// Each chapter is a separate process so a crash in one is reported and the next still runs,
/// and so each starts from a clean state (its own OpenBLAS thread pin, its own seed).
struct ChapterSession {
  let options: ChapterOptions
  let root = PackageRoot.find()
  let binaries = ChapterBinaries.directoryOfRunningExecutable()

  func run(_ chapters: [ChapterInfo]) throws {
    // Stay alive on Ctrl-C (and SIGTERM, SIGHUP): the chapter (in its own process group) gets
    // the signal from us, writes its partial results, and only then do we stop. Killed
    // outright, we cannot pass anything on: the chapter watches for that (`RunnerWatch`).
    Interruption.installHandlers(exitOnSecondSignal: false)
    print(KernelChoice.inEffect(options.kernelMode).summary)
    let calibration = announceEstimate(chapters)
    var summary = RunSummary()
    for chapter in chapters {
      let row = runOne(chapter)
      summary.rows.append(row)
      if Interruption.requested { break }
    }
    print("\n" + summary.text, terminator: "")
    compareWithTheBook(summary)
    recordTiming(summary, calibration: calibration)
    fflush(nil)
    if Interruption.requested { throw ExitCode(Interruption.exitStatus) }
    if summary.hasFailures { throw ExitCode.failure }
  }

  /// Where a run of the whole book leaves its timing: beside its first chapter's results.
  var timingDirectory: URL? {
    Catalog.chapters.first.map {
      OutputDirectory.resolve(options: options, chapter: $0, root: root)
    }
  }

  /// Times this machine's steps and says how long the chapters will take here, scaled from
  /// the last complete run of the book at this preset (Figures/book-timing.json for the book).
  /// The steps are timed (a few seconds) only when they serve: for an estimate, or for the
  /// timing a run of every chapter leaves for the next one.
  private func announceEstimate(_ chapters: [ChapterInfo]) -> StepCalibration? {
    let reference = timingDirectory.flatMap(BookTiming.read(from:)).flatMap {
      $0.preset == options.preset.rawValue ? $0 : nil
    }
    let coversTheBook = chapters.count == Catalog.chapters.count
    guard reference != nil || coversTheBook else { return nil }
    BLAS.setThreads(options.threads)
    let calibration = StepCalibration.measure()
    guard let reference else {
      print("this machine: \(calibration.description)")
      print(
        "(no timed run of the \(options.preset.rawValue) preset to estimate from yet; this one will be)"
      )
      return calibration
    }
    let estimates = reference.estimate(chapters, here: calibration, jobs: options.parallelJobs)
    let total = estimates.map(\.1).reduce(0, +)
    let parts = estimates.filter { $0.1 >= 30 }.map { "Chapter \($0.0) \(durationText($0.1))" }
    // A chapter the timed run did not have (a new one) has no estimate: say so, not "0 s".
    let untimed = chapters.map(\.number).filter { number in !estimates.contains { $0.0 == number } }
    let untimedText =
      untimed.isEmpty
      ? ""
      : "; no estimate for chapter\(untimed.count > 1 ? "s" : "") "
        + untimed.map(String.init).joined(separator: ", ") + ", not in that run"
    print(
      estimates.isEmpty
        ? "no estimate on this machine: chapter\(untimed.count > 1 ? "s" : "") "
          + untimed.map(String.init).joined(separator: ", ") + " not in the last timed run"
        : "estimated time on this machine: about \(durationText(total))"
          + (parts.isEmpty ? "" : " (" + parts.joined(separator: ", ") + ")") + untimedText)
    guard !estimates.isEmpty else {
      fflush(nil)
      return calibration
    }
    print(
      "  scaled from the run of \(reference.date) (\(durationText(reference.totalSeconds)), \(reference.jobs) run(s) side by side), whose \(reference.calibration.description);"
    )
    print("  here, \(calibration.description)")
    fflush(nil)
    return calibration
  }

  /// After a run of the book's own configuration (book or long preset, default seed, nothing
  /// overridden, the book's kernels): whether each chapter reproduced its committed results.
  private func compareWithTheBook(_ summary: RunSummary) {
    // The chapters that finished, each with where its committed results live (none for a
    // preset the book does not commit).
    let finished = summary.rows.compactMap { row in
      row.results.flatMap { results in
        CommittedResults.path(of: row.chapter, preset: options.preset).map { (row, results, $0) }
      }
    }.filter { $0.1.status == .complete }
    guard !finished.isEmpty,
      options.seed == ChapterOptions.defaultSeed && !options.isCustomised && !options.native
    else { return }
    var lines: [String] = []
    let kernels = KernelChoice.inEffect(options.kernelMode)
    var committedKernels: Set<String> = []
    for (row, results, path) in finished {
      let label = "  \(row.chapter.prefix) \(row.chapter.title): "
      do {
        let committed = try CommittedResults.read(path, root: root)
        committedKernels.insert(committed.config.kernels?.kernels.family ?? "unrecorded")
        let comparison = ResultsComparison(committed: committed, new: results)
        let detail = comparison.summary
        lines.append(label + detail[0])
        lines += detail.dropFirst().map { "      " + $0 }
      } catch {
        lines.append(label + "cannot compare: \(Chapter.oneLine(error))")
      }
    }
    print(
      "\nAgainst the book's committed results (git HEAD), computed here with \(kernels.kernels):")
    for line in lines { print(line) }
    // Different kernels round differently: say so where the families differ or are unknown.
    let others = committedKernels.subtracting([kernels.kernels.family]).sorted()
    if !others.isEmpty {
      let which = others.map {
        $0 == "unrecorded" ? "kernels they did not record" : "\($0) kernels"
      }
      print(
        "  (the committed results were computed with \(which.joined(separator: " and ")), these with \(kernels.kernels.family) kernels: values may move for that reason alone)"
      )
    }
  }

  /// After a run of every chapter that all finished: its timing, for the next estimate.
  private func recordTiming(_ summary: RunSummary, calibration: StepCalibration?) {
    guard let calibration, summary.rows.count == Catalog.chapters.count, !Interruption.requested,
      summary.rows.allSatisfy({ $0.outcome == .finished(.complete) }),
      let directory = timingDirectory
    else { return }
    let timing = BookTiming(
      date: Results.timestamp(), preset: options.preset.rawValue, jobs: options.parallelJobs,
      calibration: calibration,
      chapters: summary.rows.map { .init(number: $0.chapter.number, seconds: $0.seconds ?? 0) })
    do {
      try timing.write(to: directory)
      print(
        "timing: \(directory.appendingPathComponent(BookTiming.fileName).path.replacingOccurrences(of: root.path + "/", with: ""))"
      )
    } catch {
      FileHandle.standardError.write(Data("companion: could not write the timing: \(error)\n".utf8))
    }
  }

  private func runOne(_ chapter: ChapterInfo) -> RunSummary.Row {
    print("\n== \(chapter.heading) (\(chapter.executable)) ==\n")
    guard let executable = ChapterBinaries.locate(chapter, in: binaries) else {
      if chapter.isWritten(in: root) {
        FileHandle.standardError.write(
          Data("companion: error: \(ChapterBinaries.missingMessage(chapter, in: binaries))\n".utf8))
        return .init(chapter: chapter, seconds: nil, results: nil, outcome: .notBuilt)
      }
      print("\(chapter.executable): not written yet, skipped")
      return .init(chapter: chapter, seconds: nil, results: nil, outcome: .notWritten)
    }

    let resultsFile = OutputDirectory.resultsFile(
      in: OutputDirectory.resolve(options: options, chapter: chapter, root: root),
      chapter: chapter)
    let started = Date()
    let clock = ProcessInfo.processInfo.systemUptime
    let status: Int32
    do {
      status = try runProcess(executable, arguments: options.arguments)
    } catch {
      FileHandle.standardError.write(
        Data("companion: error: could not start \(executable.path): \(error)\n".utf8))
      return .init(chapter: chapter, seconds: nil, results: nil, outcome: .failed(exitStatus: -1))
    }
    let seconds = ProcessInfo.processInfo.systemUptime - clock
    let results = freshResults(at: resultsFile, since: started)
    let outcome: RunSummary.Outcome =
      switch status {
      case 0: results.map { .finished($0.status) } ?? .noResults
      case 128 + SIGINT, 128 + SIGTERM, 128 + SIGHUP: .interrupted(exitStatus: status)
      default: .failed(exitStatus: status)
      }
    return .init(chapter: chapter, seconds: seconds, results: results, outcome: outcome)
  }

  /// Runs the chapter with our standard output and error, passing on every stopping signal
  /// we receive; returns its exit status (128 + signal if a signal ended it). The chapter is
  /// told our process id, so that it stops if we are killed outright.
  private func runProcess(_ executable: URL, arguments: [String]) throws -> Int32 {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.environment = RunnerWatch.environment()
    fflush(nil)  // our banner before the chapter's output, also when stdout is a pipe
    try process.run()
    var forwarded = Interruption.signalCount
    while process.isRunning {
      if Interruption.signalCount > forwarded {
        forwarded = Interruption.signalCount
        kill(process.processIdentifier, Interruption.stoppingSignal)
      }
      usleep(20_000)
    }
    process.waitUntilExit()
    switch process.terminationReason {
    case .exit: return process.terminationStatus
    case .uncaughtSignal: return 128 + process.terminationStatus
    @unknown default: return process.terminationStatus
    }
  }

  /// The chapter's results file if this run wrote it (not one left by an earlier run).
  private func freshResults(at url: URL, since start: Date) -> Results? {
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
      let modified = attributes[.modificationDate] as? Date,
      modified >= start.addingTimeInterval(-1)
    else { return nil }
    return try? Results.read(from: url)
  }
}
