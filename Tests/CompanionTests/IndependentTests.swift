import Engine
import Foundation
import Testing

@testable import Companion

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `Chapter.independently` in a second or two, without a chapter's training runs: tiny bodies
/// that sleep, write a marker and return. It forks, so each test runs in a process of its own
/// (an exit test): forking the test runner, with its other tests on other threads, could
/// leave a child waiting on a lock no thread of it will ever release.
@Suite("Runs side by side")
struct IndependentTests {
  /// The runs finish in reverse order (run 0 sleeps longest); the chapter takes them in the
  /// items' order, results and narration alike.
  @Test("runs that finish in any order are taken in the items' order")
  func takenInItemOrder() async {
    let result = await #expect(
      processExitsWith: .success, observing: [\.standardOutputContent]
    ) {
      let out = try TemporaryDirectory()
      let chapter = try TestChapter.make(
        ["--preset", "smoke", "--jobs", "3", "--out", out.url.path], number: 99, root: out.url,
        printer: { print($0) })
      let results = try chapter.independently("order", [0, 1, 2]) { item in
        usleep(UInt32(2 - item) * 200_000)
        chapter.say("item \(item)")
        return item * 10
      }
      print("results: \(results)")
    }
    let output = String(decoding: result?.standardOutputContent ?? [], as: UTF8.self)
    let items = output.split(separator: "\n").filter { $0.hasPrefix("item ") }
    #expect(items == ["item 0", "item 1", "item 2"], "\(output)")
    #expect(output.contains("results: [0, 10, 20]"), "\(output)")
  }

  /// A chapter stopped while runs of a group had finished but were not yet taken in keeps
  /// their reports beside the checkpoint. Resumed, it takes each in once and starts again only
  /// the runs that have none. (It once started again every run it had just taken in: their new
  /// reports then lay in the parts folder, to be taken in a second time by a later resume.)
  @Test(
    "a saved report is taken in, and its run is not started again",
    arguments: [
      // The first run's report: taken in before any run is launched.
      Scenario(items: 3, saved: [0], jobs: 3),
      // One taken in at once, one between the runs that fill both slots.
      Scenario(items: 4, saved: [0, 2], jobs: 2),
    ])
  func savedReportsAreNotRerun(_ scenario: Scenario) async {
    let result = await #expect(
      processExitsWith: .success, observing: [\.standardOutputContent]
    ) { [scenario] in
      let out = try TemporaryDirectory()
      let options = [
        "--preset", "smoke", "--jobs", "\(scenario.jobs)", "--checkpoint-every", "1", "--out",
        out.url.path,
      ]
      // The first chapter leaves a checkpoint and the reports of finished runs.
      let stopped = try TestChapter.make(options, number: 99, root: out.url)
      let store = try #require(try stopped.checkpointStore())
      try store.writeNow(from: stopped)
      try FileManager.default.createDirectory(
        at: store.partsDirectory, withIntermediateDirectories: true)
      for index in scenario.saved {
        let report = IndependentReport(
          result: try ResumableUnit.encoder.encode(index * 10),
          lines: ["item \(index), from its saved report"],
          record: RecordChanges(
            scalars: ["saved \(index)": 1],
            tables: [Results.Table(name: "table \(index)", header: ["item"], rows: [["\(index)"]])]),
          completed: [])
        try ResumableUnit.encoder.encode(report).write(
          to: store.reportFile(group: "runs", index: index))
      }
      // The second resumes from them.
      let resumed = try TestChapter.make(options, number: 99, root: out.url, printer: { print($0) })
      // Each run that starts leaves a file of its own (runs side by side write at once).
      let markers = out.url.appendingPathComponent("started")
      try FileManager.default.createDirectory(at: markers, withIntermediateDirectories: true)
      let results = try resumed.independently("runs", Array(0..<scenario.items)) { item in
        try Data().write(to: markers.appendingPathComponent("\(item)"))
        usleep(UInt32(20_000 * (scenario.items - item)))
        resumed.say("item \(item), run")
        resumed.table("table \(item)", header: ["item"], rows: [["\(item)"]])
        resumed.log.record("item", run: "runs", step: item, value: Double(item))
        return item * 10
      }
      let started = try FileManager.default.contentsOfDirectory(atPath: markers.path)
      let left =
        (try? FileManager.default.contentsOfDirectory(atPath: store.partsDirectory.path))?
        .filter { $0.hasPrefix("run-") } ?? []
      print("results: \(results)")
      print("started: \(started.sorted())")
      print("reports left: \(left.count)")
      print("saved scalars: \(resumed.log.scalars.keys.filter { $0.hasPrefix("saved") }.sorted())")
      let record = resumed.record.snapshot
      print("tables: \(record.tables.map(\.name))")
      print("points: \(resumed.log.series("item", run: "runs").steps)")
    }
    let output = String(decoding: result?.standardOutputContent ?? [], as: UTF8.self)
    let runs = (0..<scenario.items).filter { !scenario.saved.contains($0) }
    #expect(output.contains("started: \(runs.map(String.init))"), "\(output)")
    #expect(output.contains("results: \((0..<scenario.items).map { $0 * 10 })"), "\(output)")
    #expect(output.contains("reports left: 0"), "\(output)")
    #expect(
      output.contains("saved scalars: \(scenario.saved.map { "saved \($0)" })"), "\(output)")
    // Each child's record merged once, in the items' order: a table from every run, saved or
    // run, and a point from every run that ran.
    #expect(
      output.contains("tables: \((0..<scenario.items).map { "table \($0)" })"), "\(output)")
    #expect(output.contains("points: \(runs)"), "\(output)")
    // The narration: each run once, in order, saved or run.
    let items = output.split(separator: "\n").filter { $0.hasPrefix("item ") }
    #expect(
      items.map(String.init)
        == (0..<scenario.items).map {
          "item \($0), " + (scenario.saved.contains($0) ? "from its saved report" : "run")
        }, "\(output)")
  }

  struct Scenario: Sendable, CustomTestStringConvertible, Codable {
    var items: Int
    var saved: [Int]
    var jobs: Int
    var testDescription: String { "\(items) runs, \(jobs) at a time, saved: \(saved)" }
  }

  /// Repetitions and a grid, side by side or in order: the same results, bit for bit. Each
  /// cell trains a small network on its repetition's own weights and batches.
  @Test("repetitions and a grid give the same bits for --jobs 1 and --jobs 3")
  func repetitionsAreTheSameForAnyJobs() async {
    var outputs: [String] = []
    for jobs in [1, 3] {
      let result = await #expect(
        processExitsWith: .success, observing: [\.standardOutputContent]
      ) { [jobs = jobs as Int] in
        let out = try TemporaryDirectory()
        let chapter = try TestChapter.make(
          ["--preset", "smoke", "--jobs", "\(jobs)", "--out", out.url.path], number: 99,
          root: out.url)
        let repeated = try chapter.repeated("repetitions", count: 3) { repetition in
          IndependentTests.train(rate: 0.5, repetition: repetition, in: chapter)
        }
        let grid = try chapter.grid("grid", [0.1, 1.0], repetitions: 2) { rate, repetition in
          IndependentTests.train(rate: rate, repetition: repetition, in: chapter)
        }
        let losses = repeated.spread { $0 }
        print("repetitions: \(repeated.results.map(\.bitPattern))")
        print("spread: \(losses.mean.bitPattern) \(losses.standardDeviation.bitPattern)")
        print("grid: \(grid.map { "\($0.point): \($0.results.results.map(\.bitPattern))" })")
      }
      outputs.append(String(decoding: result?.standardOutputContent ?? [], as: UTF8.self))
    }
    func lines(_ output: String, _ prefix: String) -> [Substring] {
      output.split(separator: "\n").filter { $0.hasPrefix(prefix) }
    }
    for prefix in ["repetitions:", "spread:", "grid:"] {
      #expect(lines(outputs[0], prefix).count == 1)
      #expect(lines(outputs[0], prefix) == lines(outputs[1], prefix), "\(prefix) \(outputs)")
    }
  }

  /// The final loss of 20 SGD steps of a small network, all randomness from `repetition`.
  static func train(rate: Double, repetition: Repetition, in chapter: Chapter) -> Double {
    var weights = chapter.makeGenerator("weights", repetition: repetition)
    var data = chapter.makeGenerator("data", repetition: repetition)
    let network = FeedForwardNetwork<Float>(
      .init(inputs: 4, hidden: [5], outputs: 2, normalization: .batch(.paper)), using: &weights)
    var optimizer = SGD<Float>(learningRate: rate)
    var loss: Float = 0
    for _ in 0..<20 {
      let x = Matrix<Float>(rows: 8, cols: 4) { v in
        for i in v.indices { v[i] = Float(data.nextGaussian()) }
      }
      let labels = (0..<8).map { r in x[r, 0] + x[r, 1] > 0 ? 1 : 0 }
      loss = network.trainStep(x, labels: labels, optimizer: &optimizer)
    }
    return Double(loss)
  }

  /// What a child adds to the record is what the parent gets, once: new points and claims,
  /// and a table or figure that replaces one of the same name the parent already had (a
  /// count of tables would miss it: the child's list is as long as the parent's).
  @Test func aChildsRecordMergesIntoItsParentsOnce() {
    var parent = ChapterRecord()
    parent.put(Results.Table(name: "t", header: ["a"], rows: [["1"]]))
    parent.put(Results.FigureRecord(name: "f", files: ["old.png"]))
    parent.append("loss", run: "r", point: MetricPoint(step: 1, value: 2))
    let mark = parent.mark()

    var child = parent
    child.put(Results.Table(name: "t", header: ["a"], rows: [["2"]]))
    child.put(Results.FigureRecord(name: "f", files: ["new.png"]))
    child.append("loss", run: "r", point: MetricPoint(step: 2, value: 1))
    child.claims.append(
      Claim(
        text: "c", paper: "p", measured: 1, format: "%.1f", unit: "", threshold: "> 0",
        holds: true))
    let changes = child.changes(since: mark)
    #expect(changes.tables.map(\.rows) == [[["2"]]])
    #expect(changes.figures.map(\.files) == [["new.png"]])

    parent.merge(changes)
    #expect(parent == child)
    #expect(parent.tables.count == 1 && parent.figures.count == 1 && parent.claims.count == 1)
    #expect(parent.series.first?.points.map(\.step) == [1, 2])
  }
}
