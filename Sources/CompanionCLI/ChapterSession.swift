import ArgumentParser
import Companion
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
    // Stay alive on Ctrl-C: the chapter (in its own process group) gets the signal from us,
    // writes its partial results, and only then do we stop.
    Interruption.installHandlers(exitOnSecondSignal: false)
    var summary = RunSummary()
    for chapter in chapters {
      let row = runOne(chapter)
      summary.rows.append(row)
      if Interruption.requested { break }
    }
    print("\n" + summary.text, terminator: "")
    fflush(nil)
    if Interruption.requested { throw ExitCode(Interruption.exitStatus) }
    if summary.hasFailures { throw ExitCode.failure }
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
      case 130, 143: .interrupted(exitStatus: status)
      default: .failed(exitStatus: status)
      }
    return .init(chapter: chapter, seconds: seconds, results: results, outcome: outcome)
  }

  /// Runs the chapter with our standard output and error, passing on every SIGINT/SIGTERM
  /// we receive; returns its exit status (128 + signal if a signal ended it).
  private func runProcess(_ executable: URL, arguments: [String]) throws -> Int32 {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
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
