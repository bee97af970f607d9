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
/// result, the lines it would have printed, what it wrote into the training log and the
/// divergences it met; the parent takes them in the items' order. The narration, the log and
/// the results file are therefore the same for every `--jobs`, and a test holds it to that.
///
/// Processes rather than threads: the networks and the chapters' top-level state are not
/// written to be shared between threads, and need not be; a copy-on-write copy of a process
/// costs next to nothing beside a training run.
///
/// With checkpoints on (`--preset paper`, `--checkpoint-every`), the items run one after
/// another in the chapter's own process: a checkpoint tracks units from one process.
extension Chapter {
  /// `items.map(body)`, run up to `--jobs` at a time in child processes; `label` names the
  /// group in the progress line. A child that fails (an error, a crash) fails the group with
  /// a message naming the run; Ctrl-C is passed on to the children and ends the chapter with
  /// its partial results, as it would in order.
  public func independently<Item, Result: Codable>(
    _ label: String, _ items: [Item], _ body: (Item) throws -> Result
  ) throws -> [Result] {
    let jobs = min(options.parallelJobs, items.count)
    guard jobs > 1, options.checkpointInterval == nil, !isIndependentChild else {
      return try items.map(body)
    }
    var reports = [IndependentReport?](repeating: nil, count: items.count)
    var results: [Result] = []
    var running: [pid_t: (index: Int, file: URL)] = [:]
    var launched = 0
    var finished = 0
    var forwarded = false
    var failure: String?
    var progress = progress(
      "\(label) (\(jobs) at a time)", total: items.count)

    func launch(_ index: Int) {
      let file = FileManager.default.temporaryDirectory.appendingPathComponent(
        "companion-\(getpid())-\(index)-\(UInt32.random(in: 0...UInt32.max)).json")
      // A child inherits unwritten output; flush it so that it is written once.
      fflush(nil)
      let pid = fork()
      if pid == 0 { runChild(items[index], body: body, report: file) }
      if pid < 0 {
        failure =
          "\(label): could not start run \(index + 1) of \(items.count): \(String(cString: strerror(errno)))"
        return
      }
      running[pid] = (index, file)
    }

    func collect(_ pid: pid_t, status: Int32) {
      guard let (index, file) = running.removeValue(forKey: pid) else { return }
      defer { try? FileManager.default.removeItem(at: file) }
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
    }

    while launched < items.count || !running.isEmpty {
      while failure == nil, !Interruption.requested, running.count < jobs,
        launched < items.count
      {
        launch(launched)
        launched += 1
      }
      if running.isEmpty { break }
      if Interruption.requested && !forwarded {
        for pid in running.keys { kill(pid, Interruption.stoppingSignal) }
        forwarded = true
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
      // Whatever is complete at the front goes out in order.
      while finished < items.count, let report = reports[finished] {
        do {
          results.append(try merge(report, as: Result.self))
        } catch {
          failure = "\(label): run \(finished + 1)'s result does not decode: \(error)"
          break
        }
        reports[finished] = nil
        finished += 1
        progress.update(finished)
      }
    }
    progress.finish()
    if let failure { throw CompanionError(failure) }
    stopIfInterrupted()
    guard results.count == items.count else {
      throw CompanionError("\(label): \(items.count - results.count) run(s) left no result")
    }
    return results
  }

  /// The child's side: run the body, write the report, leave without running the parent's
  /// exit handlers or flushing its buffers.
  private func runChild<Item, Result: Codable>(
    _ item: Item, body: (Item) throws -> Result, report file: URL
  ) -> Never {
    becomeIndependentChild()
    // The log as the parent had it when it forked this child (results of runs merged since
    // the group began included), so that only this run's own entries go back.
    let before = LogSnapshot(log)
    let divergencesBefore = divergences.count
    do {
      let result = try body(item)
      if Interruption.requested { _exit(Interruption.exitStatus) }
      let report = IndependentReport(
        result: try ResumableUnit.encoder.encode(result), lines: takeCapturedLines(),
        log: before.changes(in: log), divergences: Array(divergences.dropFirst(divergencesBefore)))
      try ResumableUnit.encoder.encode(report).write(to: file)
      _exit(0)
    } catch {
      for line in takeCapturedLines() { print(line) }
      FileHandle.standardError.write(
        Data("\(info.executable): error: \(Chapter.oneLine(error))\n".utf8))
      fflush(nil)
      _exit(1)
    }
  }

  /// Prints a child's lines and adds its log entries and divergences; returns its result.
  private func merge<Result: Decodable>(_ report: IndependentReport, as: Result.Type) throws
    -> Result
  {
    for line in report.lines { emit(line) }
    report.log.apply(to: log)
    addDivergences(report.divergences)
    return try ResumableUnit.decoder.decode(Result.self, from: report.result)
  }
}

/// What a child of `independently` sends back.
struct IndependentReport: Codable {
  var result: Data
  var lines: [String]
  var log: LogChanges
  var divergences: [Divergence]
}

/// The training log's entries added or changed since a snapshot.
struct LogChanges: Codable {
  /// New points, per series, in the order the series were created.
  var series: [MetricSeries]
  var scalars: [String: Double]

  func apply(to log: TrainingLog) {
    for series in self.series {
      for point in series.points {
        log.record(series.metric, run: series.run, step: point.step, value: point.value)
      }
    }
    for (name, value) in scalars.sorted(by: { $0.key < $1.key }) { log.scalar(name, value) }
  }
}

/// How many points each series had, and the scalars, at one moment.
struct LogSnapshot {
  let pointCounts: [String: Int]
  let scalars: [String: Double]

  init(_ log: TrainingLog) {
    var counts: [String: Int] = [:]
    for series in log.allSeries { counts[Self.key(series)] = series.points.count }
    pointCounts = counts
    scalars = log.scalars
  }

  static func key(_ series: MetricSeries) -> String { series.metric + "\u{1F}" + series.run }

  /// What `log` holds now that it did not then (a scalar counts as changed unless its bits
  /// are the same, so a NaN written again is no change).
  func changes(in log: TrainingLog) -> LogChanges {
    let series: [MetricSeries] = log.allSeries.compactMap { series in
      let old = pointCounts[Self.key(series)] ?? 0
      guard series.points.count > old else { return nil }
      return MetricSeries(
        metric: series.metric, run: series.run, points: Array(series.points[old...]))
    }
    let changed = log.scalars.filter { name, value in
      scalars[name].map { $0.bitPattern != value.bitPattern } ?? true
    }
    return LogChanges(series: series, scalars: changed)
  }
}
