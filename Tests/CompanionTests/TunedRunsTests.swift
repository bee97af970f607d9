import Foundation
import Testing

@testable import Companion

/// The comparison rules of Chapters 4 and 5: a rate grid, each model at its own best rate,
/// repetitions there; claims decided by order, every repetition
/// against every one; language-model readings at the best point, at a speed target and at
/// equal fit; post-hoc claims tallied apart.
@Suite("Tuned runs and the rules claims are decided by")
struct TunedRunsTests {
  /// A record that says which run made it: model, rate, repetition, and a score.
  struct Made: Codable, Equatable {
    var model: String
    var rate: Double
    var repetition: Int
    var score: Double
  }

  @Test func eachModelIsRepeatedAtItsBestRate() throws {
    let out = try TemporaryDirectory()
    let chapter = try TestChapter.make(
      ["--preset", "smoke", "--jobs", "1", "--out", out.url.path], number: 99, root: out.url)
    // Model a is best at rate 2, model b at rate 1, the grid's edge.
    let scores: [String: [Double: Double]] = [
      "a": [1: 0.9, 2: 0.1, 3: 0.5], "b": [1: 0.2, 2: 0.4, 3: 0.6],
    ]
    let runs = try chapter.tuneAndRepeat(
      models: ["a", "b"], rates: [1, 2, 3], repetitions: 3, gridPhase: "grid",
      repetitionsPhase: "repeats", score: { $0.score },
      train: { model, rate, repetition in
        Made(
          model: model, rate: rate, repetition: repetition.index,
          score: scores[model]![rate]! + 0.01 * Double(repetition.index))
      })
    #expect(runs.grid.count == 6 && runs.grid.allSatisfy { $0.repetition.index == 1 })
    #expect(runs.chosenRate == ["a": 2, "b": 1])
    #expect(!runs.isAtEdge("a") && runs.isAtEdge("b"))
    for model in ["a", "b"] {
      let trials = runs.trials[model]!
      #expect(trials.map(\.repetition.index) == [1, 2, 3])
      #expect(trials.allSatisfy { $0.rate == runs.chosenRate[model]! && $0.model == model })
      // Each trial holds the record its own run made.
      #expect(trials.map(\.record.repetition) == [1, 2, 3])
      #expect(trials.allSatisfy { $0.record.rate == $0.rate && $0.record.model == model })
    }
    #expect(runs.allTrials.count == 10)
    #expect(runs.gridTrial("b", rate: 3).record.score == 0.61)
    #expect(runs.repeated("a").spread { ($0.score * 100).rounded() }.values == [11, 12, 13])
    // The grid as a table: the kept rate in bold, an edge marked, a run that did not converge
    // noted.
    let rows = runs.gridRows(
      name: { $0 }, text: { String(format: "%.2f", $0.score) },
      converged: { $0.rate != 3 })
    #expect(rows[0] == ["a", "0.91", "**0.11**", "0.51 not converged"])
    #expect(rows[1] == ["b", "**0.21 (edge)**", "0.41", "0.61 not converged"])
    // Both phases were timed under their names.
    let phases = chapter.results(status: .complete).timings.phases.map(\.name)
    #expect(phases.contains("grid") && phases.contains("repeats"))
  }

  @Test func aClaimNeedsEveryRepetitionBelowEveryOne() {
    let low = Spread(values: [1, 2, 3])
    #expect(low.isEntirelyBelow(Spread(values: [3.5, 4, 5])))
    // One overlap is enough to undecide it.
    #expect(!low.isEntirelyBelow(Spread(values: [2.5, 4, 5])))
    // A run that never got there is never below, and nothing is below it… unless it is
    // the one being compared against: then it cannot be beaten either.
    #expect(!Spread(values: [1, .nan]).isEntirelyBelow(Spread(values: [4, 5])))
    #expect(!low.isEntirelyBelow(Spread(values: [4, .nan])))
    #expect(!Spread(values: []).isEntirelyBelow(Spread(values: [4])))
    #expect(low.isComplete && !Spread(values: [1, .nan]).isComplete)
  }

  @Test func aSpreadShowsItsMeanAndRangeOrEveryValueWhenOneIsMissing() {
    #expect(Spread(values: [1, 2, 3]).meanAndRange("%.1f") == "2.0 (1.0–3.0)")
    #expect(Spread(values: [1_200, 1_800]).meanAndRange("steps") == "1,500 (1,200–1,800)")
    #expect(Spread(values: [0.25]).meanAndRange("%.2f") == "0.25")
    #expect(Spread(values: [300, .nan]).meanAndRange("steps") == "300, –")
    #expect(rateText(0.002) == "0.002" && rateText(3e-4) == "0.0003")
  }

  @Test func aLanguageModelIsReadAtItsBestAtATargetAndAtEqualFit() {
    let log = TrainingLog()
    let curve = LanguageModelCurve(name: "m", log: log)
    // step: training batches, training sample, validation
    let points: [(Int, Double, Double, Double)] = [
      (0, 4.0, 4.0, 4.1), (100, 3.0, 3.0, 3.2), (200, 2.4, 2.5, 2.8), (300, 2.1, 2.0, 2.9),
      (400, 1.9, 1.8, 3.0),
    ]
    for (step, batches, training, validation) in points {
      curve.record(step: step, trainingBatches: batches, training: training, validation: validation)
    }
    let reading = LanguageModelReading(
      curve, speedTarget: 2.4, fitLevel: 2.25, convergence: Convergence(patience: 200))
    #expect(reading.best == 2.8 && reading.bestStep == 200)
    #expect(reading.trainingAtBest == 2.5)
    #expect(reading.stepsToTarget == 200)
    // Training 2.25 lies halfway from 2.5 (validation 2.8) to 2.0 (validation 2.9).
    #expect(abs(reading.validationAtFit - 2.85) < 1e-12)
    #expect(reading.converged && reading.stoppedAt == 400)
    let never = LanguageModelReading(
      curve, speedTarget: 1.0, fitLevel: 1.0, convergence: Convergence(patience: 1_000))
    #expect(never.stepsToTarget.isNaN && never.validationAtFit.isNaN && !never.converged)
  }

  @Test func postHocClaimsAreTalliedApart() throws {
    let claims = [
      Claim(text: "fixed before", paper: "p", measured: 1, threshold: "> 0", holds: true),
      Claim(text: "fixed before too", paper: "p", measured: -1, threshold: "> 0", holds: false),
      Claim(
        text: "picked later", paper: "p", measured: 1, threshold: "> 0", holds: true,
        kind: .postHoc),
      Claim(
        text: "our code", paper: "ours", measured: 0, threshold: "= 0", holds: true, kind: .check),
    ]
    #expect(
      ClaimsTable.tally(claims)
        == "1 of 2 of the papers' claims hold; 1 of 1 claims tested after a first run holds (post hoc, tallied apart); 1 of 1 checks pass."
    )
    let markdown = ClaimsTable.markdown(claims)
    let postHocTable = try #require(markdown.range(of: "post hoc: tallied apart"))
    #expect(markdown.range(of: "picked later")!.lowerBound > postHocTable.lowerBound)
    #expect(markdown.range(of: "fixed before")!.lowerBound < postHocTable.lowerBound)
    #expect(ClaimsTable.text(claims).contains("[post hoc] picked later"))
    // A post-hoc claim survives the results file, and the counts keep it apart.
    let out = try TemporaryDirectory()
    let chapter = try TestChapter.make(["--out", out.url.path], number: 99, root: out.url)
    for claim in claims {
      chapter.claim(
        claim.text, paper: claim.paper, measured: claim.measured, threshold: claim.threshold,
        holds: claim.holds, kind: claim.kind)
    }
    let results = chapter.results(status: .complete)
    let decoded = try JSONDecoder().decode(Results.self, from: try JSONEncoder().encode(results))
    #expect(decoded.claims == results.claims)
    #expect(decoded.claimsHeld == (1, 2) && decoded.postHocClaimsHeld == (1, 1))
    #expect(decoded.checksPassed == (1, 1))
  }
}
