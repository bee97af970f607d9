import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Independent runs on several cores, with results bit-identical to running them in order.
///
/// Runs are independent when none reads what another wrote: each draws its initial weights
/// and its mini-batches from generators named after it, so several can train at once.
/// `independently` forks one child process per item, up to `--jobs` at a time. A child is a
/// copy of the chapter at the moment of the call — its data, the learning rate it chose, all
/// it computed so far — so its body computes exactly what it would have computed in order,
/// on a core of its own with `--threads` BLAS threads. The child sends back the body's
/// result, the lines it would have printed, what it wrote into the training log, the
/// divergences it met and the checkpoint units it finished; the parent takes them in the
/// items' order. The narration, the log and the results file are therefore the same for every
/// `--jobs`, and tests hold it to that.
///
/// Processes rather than threads: the networks and the chapters' top-level state are not
/// written to be shared between threads, and need not be; a copy-on-write copy of a process
/// costs next to nothing beside a training run.
///
/// With checkpoints on (`--preset paper`, `--checkpoint-every`), a child saves its unit's
/// progress in a file of its own beside the checkpoint (`NN-checkpoint.parts/`), and its
/// report stays there until the parent has taken it in; only the parent writes the
/// checkpoint, when it takes in a run. A stopped chapter therefore resumes every unit that
/// was in progress, side by side again or in order (`--jobs 1`), to the same bits.
extension Chapter {
  /// `items.map(body)`, run up to `--jobs` at a time in child processes; `label` names the
  /// group in the progress line (and, with checkpoints, its files: it must be unique in the
  /// chapter). A child that fails (an error, a crash) fails the group with a message naming
  /// the run; Ctrl-C is passed on to the children and ends the chapter with its partial
  /// results and, with checkpoints on, every run's progress saved.
  public func independently<Item, Result: Codable>(
    _ label: String, _ items: [Item], _ body: (Item) throws -> Result
  ) throws -> [Result] {
    guard !isIndependentChild else { return try items.map(body) }
    let store = try checkpointStore()
    /// A finished run's report that a stopped chapter had not taken in yet.
    func savedReport(_ index: Int) throws -> IndependentReport? {
      guard let file = store?.reportFile(group: label, index: index),
        let data = FileManager.default.contents(atPath: file.path)
      else { return nil }
      do {
        return try ResumableUnit.decoder.decode(IndependentReport.self, from: data)
      } catch {
        throw CompanionError(
          "the saved report \(file.path) is corrupt (\(error)). Delete it to run that run again.")
      }
    }
    let jobs = min(options.parallelJobs, items.count)
    guard jobs > 1 else {
      return try items.indices.map { index in
        if let report = try savedReport(index) {
          return try takeIn(report, of: index, in: label, store: store, as: Result.self)
        }
        return try body(items[index])
      }
    }
    // Children's files belong to a checkpoint: make sure there is one on disk.
    try store?.writeNow(from: self)

    var reports = [IndependentReport?](repeating: nil, count: items.count)
    var results: [Result] = []
    var running: [pid_t: (index: Int, file: URL)] = [:]
    var launched = 0
    var finished = 0
    var forwarded = Interruption.signalCount
    var failure: String?
    // A second Ctrl-C must reach the children before this process goes (see below).
    let exitsAtOnce = Interruption.exitsAtOnceOnSecondSignal
    Interruption.exitsAtOnceOnSecondSignal = false
    defer { Interruption.exitsAtOnceOnSecondSignal = exitsAtOnce }
    var progress = progress("\(label) (\(jobs) at a time)", total: items.count)
    for index in items.indices { reports[index] = try savedReport(index) }

    func launch(_ index: Int) {
      let file =
        store?.reportFile(group: label, index: index)
        ?? FileManager.default.temporaryDirectory.appendingPathComponent(
          "companion-\(getpid())-\(index)-\(UInt32.random(in: 0...UInt32.max)).json")
      if let store {
        try? FileManager.default.createDirectory(
          at: store.partsDirectory, withIntermediateDirectories: true)
      }
      // A child inherits unwritten output; flush it so that it is written once.
      fflush(nil)
      let parent = getpid()
      let pid = fork()
      if pid == 0 {
        // Out of the terminal's reach: Ctrl-C comes through the parent, once per press.
        setpgid(0, 0)
        runChild(items[index], body: body, report: file, parent: parent)
      }
      if pid < 0 {
        failure =
          "\(label): could not start run \(index + 1) of \(items.count): \(String(cString: strerror(errno)))"
        return
      }
      running[pid] = (index, file)
    }

    func collect(_ pid: pid_t, status: Int32) {
      guard let (index, file) = running.removeValue(forKey: pid) else { return }
      let signal = status & 0x7f
      let code = (status >> 8) & 0xff
      if signal == 0 && code == 0 {
        do {
          reports[index] = try ResumableUnit.decoder.decode(
            IndependentReport.self, from: Data(contentsOf: file))
        } catch {
          failure = "\(label): run \(index + 1)'s report \(file.path) does not read: \(error)"
        }
      } else if !Interruption.requested {
        let how = signal != 0 ? "was killed by signal \(signal)" : "exited with status \(code)"
        failure = "\(label): run \(index + 1) of \(items.count) \(how) (its error is above)"
      }
      // Without checkpoints the report has done its work; with them it stays until taken in.
      if store == nil { try? FileManager.default.removeItem(at: file) }
    }

    /// Takes in, in order, every run whose report is there.
    func takeInFinishedRuns() {
      while failure == nil, finished < items.count, let report = reports[finished] {
        do {
          results.append(
            try takeIn(report, of: finished, in: label, store: store, as: Result.self))
        } catch {
          failure = "\(label): run \(finished + 1)'s result does not decode: \(error)"
          break
        }
        reports[finished] = nil
        finished += 1
        progress.update(finished)
      }
    }

    takeInFinishedRuns()
    while launched < items.count || !running.isEmpty {
      while failure == nil, !Interruption.requested, running.count < jobs,
        launched < items.count
      {
        // Runs before `finished` have been taken in (some from reports a stopped chapter
        // saved), and a run with a report waiting is done: neither is started again.
        if launched >= finished && reports[launched] == nil { launch(launched) }
        launched += 1
      }
      takeInFinishedRuns()
      if running.isEmpty { break }
      // Every signal we get goes on to the children (they are in process groups of their
      // own, so a terminal's Ctrl-C reaches them through us only): the first makes them save
      // and stop, a second makes them stop at once.
      if Interruption.signalCount > forwarded {
        forwarded = Interruption.signalCount
        for pid in running.keys { kill(pid, Interruption.stoppingSignal) }
      }
      if failure != nil {
        for pid in running.keys { kill(pid, SIGKILL) }
      }
      var status: Int32 = 0
      let pid = waitpid(-1, &status, WNOHANG)
      if pid == 0 || (pid < 0 && errno == EINTR) {
        usleep(20_000)
        continue
      }
      if pid < 0 { break }
      collect(pid, status: status)
      takeInFinishedRuns()
    }
    progress.finish()
    // A second Ctrl-C means "now", as in a chapter that runs in order.
    if exitsAtOnce && Interruption.signalCount >= 2 { _exit(Interruption.exitStatus) }
    if let failure { throw CompanionError(failure) }
    if Interruption.requested, let store {
      let saved = store.parts
      say(
        "checkpoint: \(label): \(saved.units) run(s) in progress and \(saved.reports) finished run(s) saved in \(displayPath(store.partsDirectory))"
      )
    }
    stopIfInterrupted()
    guard results.count == items.count else {
      throw CompanionError("\(label): \(items.count - results.count) run(s) left no result")
    }
    return results
  }

  /// The child's side: run the body, write the report, leave without running the parent's
  /// exit handlers or flushing its buffers.
  private func runChild<Item, Result: Codable>(
    _ item: Item, body: (Item) throws -> Result, report file: URL, parent: pid_t
  ) -> Never {
    // From here the record's new entries are this run's own (the record as the parent had it
    // when it forked this child, runs taken in since the group began included, is the base).
    becomeIndependentChild(parent: parent)
    do {
      let result = try body(item)
      if Interruption.requested { _exit(Interruption.exitStatus) }
      let report = IndependentReport(
        result: try ResumableUnit.encoder.encode(result), lines: narrator.takeKept(),
        record: recordChangesInChild(), completed: completionsInChild)
      try ResumableUnit.encoder.encode(report).write(to: file, options: .atomic)
      _exit(0)
    } catch {
      for line in narrator.takeKept() { print(line) }
      FileHandle.standardError.write(
        Data("\(info.executable): error: \(Chapter.oneLine(error))\n".utf8))
      fflush(nil)
      _exit(1)
    }
  }

  /// Takes in run `index` of the group `label`: prints its lines, merges what it added to the
  /// record, records the units it finished in the checkpoint and deletes its saved report
  /// (taken in once, never twice); returns its result.
  private func takeIn<Result: Decodable>(
    _ report: IndependentReport, of index: Int, in label: String, store: CheckpointStore?,
    as: Result.Type
  ) throws -> Result {
    for line in report.lines { emit(line) }
    record.access { $0.merge(report.record) }
    if let store {
      for unit in report.completed {
        try store.complete(unit.unit, result: unit.result, from: self)
      }
      try? FileManager.default.removeItem(at: store.reportFile(group: label, index: index))
    }
    return try decoder.decode(Result.self, from: report.result)
  }
}

/// The child's side of `independently`: what a child process keeps for the chapter's own.
extension Chapter {
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
}
