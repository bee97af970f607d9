import Foundation

/// A chapter's long work: resumable units, their checkpoints, and what a long run says before
/// it starts.
extension Chapter {
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
      return try decoder.decode(Result.self, from: saved)
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
        "  checkpoints go to \(displayPath(file)); if the run stops, resume it with \(Self.resumeCommand.said):"
      )
      say("  " + Self.resumeCommand.words.joined(separator: " "))
    } else {
      say("  no checkpoints: add --checkpoint-every N to make this run resumable")
    }
  }
}

extension Chapter {
  /// The command that resumes this run: its own, less `--fresh` (which would start it over).
  static var resumeCommand: (words: [String], said: String) {
    resumeCommand(from: portableCommandLine())
  }

  static func resumeCommand(from command: [String]) -> (words: [String], said: String) {
    let words = command.filter { $0 != "--fresh" }
    return (
      words, words.count == command.count ? "the same command" : "the same command without --fresh"
    )
  }
}
