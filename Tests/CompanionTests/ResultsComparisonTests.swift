import Foundation
import Testing

@testable import Companion

/// A run compared with the book's committed results: bit-identical, or how many values moved
/// and which verdicts changed, wall-clock times counted apart.
@Suite("Comparison with the committed results")
struct ResultsComparisonTests {
  static func results(
    accuracy: Double = 88.5, holds: Bool = true, seconds: Double = 0.25
  ) -> Results {
    Results(
      config: .init(
        chapter: 3, name: "03-FeedForward", title: "t", preset: .book, seed: 1, threads: 1),
      timings: .init(totalSeconds: seconds),
      metrics: .init(
        scalars: ["final test accuracy (BN)": accuracy, "backward seconds": seconds],
        series: [
          MetricSeries(
            metric: "test accuracy (%)", run: "BN",
            points: [MetricPoint(step: 1, value: 10), MetricPoint(step: 2, value: accuracy)])
        ]),
      tables: [
        Results.Table(name: "runs", header: ["run", "accuracy"], rows: [["BN", "\(accuracy)"]])
      ],
      claims: [
        Claim(
          text: "BN trains faster", paper: "§4.1", measured: accuracy, threshold: "> 88",
          holds: holds),
        Claim(
          text: "fused is faster", paper: "ours", measured: 1 / seconds, threshold: "> 1",
          holds: true, kind: .check),
      ],
      wallClock: ["backward seconds", "fused is faster"], date: "2026-12-07T00:00:00Z")
  }

  @Test func anUnchangedRunIsBitIdenticalWhateverItsTimings() {
    let comparison = ResultsComparison(
      committed: Self.results(), new: Self.results(seconds: 0.5))
    #expect(comparison.isIdentical)
    #expect(comparison.compared == 5)
    #expect(comparison.wallClock == 2)
    #expect(comparison.summary == ["bit-identical: 5 values (2 wall-clock times aside)"])
  }

  @Test func aChangedClaimIsNamedWithItsVerdicts() {
    let comparison = ResultsComparison(
      committed: Self.results(), new: Self.results(accuracy: 87.9, holds: false))
    #expect(!comparison.isIdentical)
    // The scalar, the series' second point, the table row and the claim's value.
    #expect(comparison.moved.count == 4)
    #expect(
      comparison.verdictChanges == [
        .init(claim: "BN trains faster", before: "holds", after: "does not hold")
      ])
    #expect(
      comparison.summary.first
        == "4 of 5 values moved (2 wall-clock times aside), 1 verdict changed")
    #expect(
      comparison.summary.contains("\"BN trains faster\": holds in the book, does not hold here"))
  }

  @Test func aValueMovedInTheLastBitCounts() {
    let comparison = ResultsComparison(
      committed: Self.results(), new: Self.results(accuracy: 88.5.nextUp))
    #expect(comparison.moved.count == 4 && comparison.verdictChanges.isEmpty)
  }

  @Test func whatOnlyOneSideHasIsCounted() {
    var new = Self.results()
    new.claims.removeFirst()
    new.metrics.scalars["a new scalar"] = 1
    let comparison = ResultsComparison(committed: Self.results(), new: new)
    #expect(
      comparison.unmatched.sorted() == ["claim \"BN trains faster\"", "scalar \"a new scalar\""])
    #expect(!comparison.isIdentical)
  }

  @Test func theCommittedResultsAreReadFromGitOrTheReasonIsGiven() throws {
    let temporary = try TemporaryDirectory()
    let root = temporary.url
    #expect(throws: CompanionError.self) {
      try CommittedResults.read("Figures/03-results.json", root: root)
    }
    func git(_ arguments: String...) throws {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments = ["git", "-C", root.path] + arguments
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      try process.run()
      process.waitUntilExit()
      #expect(process.terminationStatus == 0, "git \(arguments)")
    }
    try git("init", "-q")
    try FileManager.default.createDirectory(
      at: root.appendingPathComponent("Figures"), withIntermediateDirectories: true)
    let file = root.appendingPathComponent("Figures/03-results.json")
    try Self.results().write(to: file)
    try git("add", "Figures")
    try git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "results")
    // The working copy moves on; the committed file is what is read.
    try Self.results(accuracy: 1).write(to: file)
    let committed = try CommittedResults.read("Figures/03-results.json", root: root)
    #expect(committed == Self.results())
    let error = #expect(throws: CompanionError.self) {
      try CommittedResults.read("Figures/04-results.json", root: root)
    }
    #expect(error?.description.contains("no committed Figures/04-results.json") == true)
    #expect(
      CommittedResults.path(of: Catalog.chapter(number: 3)!, preset: .long)
        == "Figures/long/03-results.json")
    #expect(CommittedResults.path(of: Catalog.chapter(number: 3)!, preset: .smoke) == nil)
  }
}
