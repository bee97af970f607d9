import Foundation
import Testing

@testable import Companion

@Suite("Claims and results")
struct ClaimsAndResultsTests {
  static let claims = [
    Claim(
      text: "BN output has zero mean", paper: "Ioffe & Szegedy 2015, Alg. 1", measured: 3.2e-8,
      format: "%.2e", threshold: "≤ 1e-5", holds: true),
    Claim(
      text: "BN reaches 97% sooner", paper: "Ioffe & Szegedy 2015, §4.1", measured: 96.5,
      format: "%.1f",
      unit: "%", threshold: "≥ 97", holds: false),
  ]

  @Test func theTerminalTableIsAligned() {
    let expected = """
             Claim                    Measured  Threshold  Paper
      -----  -----------------------  --------  ---------  ----------------------------
      holds  BN output has zero mean  3.20e-08  ≤ 1e-5     Ioffe & Szegedy 2015, Alg. 1
      FAILS  BN reaches 97% sooner    96.5%     ≥ 97       Ioffe & Szegedy 2015, §4.1
      1 of 2 of the papers' claims hold.

      """
    #expect(ClaimsTable.text(Self.claims) == expected)
    #expect(ClaimsTable.text([]) == "No claims tested.\n")
    #expect(ClaimsTable.markdown([]) == "This run tested no claims.\n")
  }

  @Test func theMarkdownTableEscapesPipes() {
    let claim = Claim(
      text: "a | b", paper: "p", measured: 1, format: "%.0f", threshold: "|x| < 2", holds: true)
    #expect(
      ClaimsTable.markdown([claim])
        == "| Claim | Paper | Measured | Threshold | Holds |\n|---|---|---|---|:---:|\n| a \\| b | p | 1 | \\|x\\| < 2 | yes |\n\n1 of 1 of the papers' claims hold.\n"
    )
  }

  /// A check of our own code is labelled, tabled apart and tallied apart, so that "claims
  /// that hold" counts only what a paper says.
  @Test func checksAreKeptApartFromThePapersClaims() throws {
    let check = Claim(
      text: "gradient matches finite differences", paper: "our derivation", measured: 1e-9,
      format: "%.0e", threshold: "≤ 1e-6", holds: true, kind: .check)
    let claims = Self.claims + [check]
    let text = ClaimsTable.text(claims)
    #expect(text.contains("passes  [check] gradient matches finite differences"))
    #expect(text.hasSuffix("1 of 2 of the papers' claims hold; 1 of 1 checks pass.\n"))
    let markdown = ClaimsTable.markdown(claims)
    let checksAt = try #require(markdown.range(of: "Checks of our own derivations and code"))
    #expect(markdown[checksAt.upperBound...].contains("gradient matches finite differences"))
    #expect(!markdown[..<checksAt.lowerBound].contains("gradient matches finite differences"))
    var results = Self.sampleResults()
    results.claims = claims
    #expect(results.claimsHeld == (held: 1, total: 2))
    #expect(results.checksPassed == (passed: 1, total: 1))
    // Results written before kinds existed read their claims as the papers'.
    let old =
      #"{"text":"t","paper":"p","measured":1,"format":"%g","unit":"","threshold":"> 0","holds":true}"#
    let decoded = try JSONDecoder().decode(Claim.self, from: Data(old.utf8))
    #expect(decoded.kind == .paper)
    let roundTrip = try JSONDecoder().decode(Claim.self, from: JSONEncoder().encode(check))
    #expect(roundTrip == check)
  }

  /// A claim the measurement could not decide (a run stopped before it converged) is neither
  /// held nor contradicted: its verdict says so everywhere, tallies count it, and it cannot
  /// be made to hold by the rule that would have decided it.
  @Test func aClaimNotDecidedSaysSoEverywhere() throws {
    let undecided = Claim(
      text: "BN is better at convergence", paper: "p", measured: 0.5, format: "%.1f",
      unit: " points (a run did not converge)", threshold: "every repetition above",
      holds: true, decided: false)
    #expect(!undecided.holds, "not decided never holds")
    #expect(undecided.verdict == "not decided")
    #expect(Self.claims.map(\.verdict) == ["holds", "fails"])
    let claims = Self.claims + [undecided]
    let text = ClaimsTable.text(claims)
    #expect(text.contains("not decided  BN is better at convergence"))
    #expect(text.hasSuffix("1 of 3 of the papers' claims hold (1 not decided).\n"))
    #expect(ClaimsTable.markdown([undecided]).contains("| not decided |"))
    var results = Self.sampleResults()
    results.claims = claims
    #expect(results.claimsHeld == (held: 1, total: 3))
    let json = String(decoding: try results.encoded(), as: UTF8.self)
    #expect(json.components(separatedBy: "\"decided\"").count == 2, "written only when false")
    let decoded = try Results.decode(try results.encoded())
    #expect(decoded.claims == claims)
    #expect(decoded.claims.map(\.decided) == [true, true, false])
  }

  static func sampleResults() -> Results {
    Results(
      config: .init(
        chapter: 3, name: "03-FeedForward", title: "A feed-forward network on MNIST",
        preset: .smoke, seed: 5,
        threads: 1, steps: 200, epochs: nil,
        data: [
          .init(
            kind: "images", name: "Fashion-MNIST", location: "/usr/share/datasets/fashion-mnist",
            summary: "60000 train + 10000 test images, 28x28")
        ],
        commandLine: ["ch03-feedforward", "--preset", "smoke"]),
      timings: .init(totalSeconds: 12.5, phases: [.init(name: "train", seconds: 10)]),
      metrics: .init(
        scalars: ["final accuracy (BN)": 0.97],
        series: [
          MetricSeries(
            metric: "loss", run: "BN",
            points: [.init(step: 1, value: 2.3), .init(step: 2, value: .nan)])
        ]),
      figures: [.init(name: "03-accuracy", files: ["Figures/03-accuracy.png"])],
      claims: claims,
      divergences: [
        Divergence(run: "no BN, lr 1", step: 17, value: .infinity),
        Divergence(run: "x", step: 2, value: .nan),
      ],
      status: .interrupted, date: "2025-01-02T03:04:05Z")
  }

  @Test func resultsSurviveAJSONRoundTripIncludingNaN() throws {
    let results = Self.sampleResults()
    let decoded = try Results.decode(try results.encoded())
    #expect(decoded.config == results.config)
    #expect(decoded.claims == results.claims)
    #expect(decoded.status == .interrupted)
    #expect(decoded.divergences[0] == results.divergences[0])
    #expect(decoded.divergences[1].value.isNaN)
    #expect(decoded.metrics.series[0].points[1].value.isNaN)
    #expect(decoded.figures == results.figures)
    #expect(decoded.timings == results.timings)
    #expect(decoded.date == "2025-01-02T03:04:05Z")
    let text = String(decoding: try results.encoded(), as: UTF8.self)
    #expect(text.contains("\"value\" : \"nan\""))
    #expect(text.contains("\"value\" : \"inf\""))
  }

  /// A claim whose measure is not a number (a run that never got there) equals itself after a
  /// round trip, and differs from one that measured a number; numbers compare bit for bit.
  @Test func aClaimNotMeasuredEqualsItselfAndNothingElse() throws {
    let undecided = Claim(
      text: "reaches the target", paper: "p", measured: .nan, threshold: "< 1", holds: false)
    var results = Self.sampleResults()
    results.claims = [undecided]
    let decoded = try Results.decode(try results.encoded())
    #expect(decoded.claims == [undecided])
    var measured = undecided
    measured.measured = 0.5
    #expect(measured != undecided)
    var negativeZero = measured
    negativeZero.measured = -0.0
    var zero = measured
    zero.measured = 0
    #expect(negativeZero != zero, "bit for bit")
  }

  @Test func resultsAreWrittenAtomicallyAndReadBack() throws {
    let temporary = try TemporaryDirectory()
    let file = temporary.url.appendingPathComponent("deeper/03-results.json")
    var results = Self.sampleResults()
    results.divergences = []
    results.metrics.series = []
    try results.write(to: file)
    #expect(try Results.read(from: file) == results)
    let leftovers = try FileManager.default.contentsOfDirectory(
      atPath: file.deletingLastPathComponent().path)
    #expect(leftovers == ["03-results.json"])
  }

  @Test func aFileThatIsNotResultsIsAClearError() throws {
    let temporary = try TemporaryDirectory()
    let file = temporary.url.appendingPathComponent("01-results.json")
    try Data("{\"status\": 1}".utf8).write(to: file)
    #expect {
      try Results.read(from: file)
    } throws: { error in
      "\(error)".contains("01-results.json is not a results file")
    }
  }

  @Test func theDateIsISO8601InUTC() {
    #expect(Results.timestamp(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
  }

  @Test func aChapterRecordsEverythingIntoItsResults() throws {
    let output = TextCollector()
    let chapter = try TestChapter.make(["--preset", "smoke", "--seed", "4"], output: output)
    chapter.claim(
      "zero mean", paper: "Alg. 1", measured: Float(1e-7), format: "%.1e", threshold: "≤ 1e-5",
      holds: true)
    chapter.claim("faster", paper: "§4.1", measured: 0.5, threshold: "≥ 1", holds: false)
    chapter.log.record("test accuracy", run: "BN", step: 1000, value: 0.97)
    chapter.log.record("test accuracy", run: "BN", step: 2000, value: 0.98)
    chapter.log.record("test accuracy", run: "plain", step: 1000, value: Float(0.9))
    chapter.log.scalar("best", 0.98)
    chapter.recordData(kind: "images", name: "Fashion-MNIST", location: "here", summary: "small")
    let value = chapter.phase("train") { 41 + 1 }
    #expect(value == 42)
    let results = chapter.results(status: .complete)
    #expect(
      results.config.chapter == 1 && results.config.seed == 4 && results.config.preset == .smoke)
    #expect(results.claimsHeld == (held: 1, total: 2))
    #expect(results.metrics.series.map(\.run) == ["BN", "plain"])
    #expect(chapter.log.series("test accuracy", run: "BN").values == [0.97, 0.98])
    #expect(chapter.log.runs(of: "test accuracy") == ["BN", "plain"])
    #expect(results.metrics.scalars == ["best": 0.98])
    #expect(results.config.data.map(\.name) == ["Fashion-MNIST"])
    #expect(results.timings.phases.map(\.name) == ["train"])
    // A fresh run's total is this process's time; a resumed one adds what the processes before
    // it took, as its checkpoint saved it.
    #expect(results.timings.totalSeconds < 600)
    chapter.record.access { $0.secondsBeforeResuming = 3_600 }
    let resumed = chapter.results(status: .complete).timings.totalSeconds
    #expect(resumed >= 3_600 && resumed < 3_600 + 600)
    chapter.record.access { $0.secondsBeforeResuming = nil }
    #expect(output.text.contains("claim: faster: 0.5 (≥ 1) does NOT hold"))
    let file = try chapter.writeResults(status: .complete)
    #expect(file.lastPathComponent == "01-results.json")
    #expect(try Results.read(from: file).claims == results.claims)
  }

  @Test func anEvaluationScheduleIncludesFirstAndLastStep() {
    #expect(EvaluationSchedule(total: 10, every: 4).steps == [1, 4, 8, 10])
    #expect(EvaluationSchedule(total: 100, points: 4).steps == [1, 25, 50, 75, 100])
  }
}
