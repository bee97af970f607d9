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
  struct Made: TrainingRecord, Equatable {
    var model: String
    var rate: Double
    var repetition: Int
    var score: Double
    var divergedAt: Int? = nil
    var seconds: Double = 0
  }

  @Test func aRunThatDivergedIsNeverChosenWhateverItReachedFirst() throws {
    let out = try TemporaryDirectory()
    let chapter = try TestChapter.make(
      ["--preset", "smoke", "--jobs", "1", "--out", out.url.path], number: 99, root: out.url)
    // At rates 2 and 4 the model reaches its best scores and then diverges (its loss stops
    // being a number): rate 1, the only one that trained to the end, is chosen, at the grid's
    // edge, so 0.5 is tried as well (and is worse).
    let runs = try chapter.tuneAndRepeat(
      models: ["m"], rates: [1, 2, 4], repetitions: 1, gridPhase: "grid",
      repetitionsPhase: "repeats", score: { $0.score },
      train: { model, rate, repetition in
        Made(
          model: model, rate: rate, repetition: repetition.index,
          score: [0.5: 0.6, 1: 0.5, 2: 0.1, 4: 0.2][rate]!,
          divergedAt: rate >= 2 ? 100 : nil)
      })
    #expect(runs.modelRates["m"] == [0.5, 1, 2, 4])
    #expect(runs.chosenRate["m"] == 1)
    #expect(runs.trials["m"]!.map(\.rate) == [1])
  }

  @Test func eachModelIsRepeatedOnFreshSeedsAtItsBestRateAfterTheEdgeIsExtended() throws {
    let out = try TemporaryDirectory()
    let chapter = try TestChapter.make(
      ["--preset", "smoke", "--jobs", "1", "--out", out.url.path], number: 99, root: out.url)
    // Model a is best at rate 2, inside the grid. Model b is best at rate 1, the grid's lower
    // edge: it is tried at 0.5 as well, and is best there too (still at an edge). Model c is
    // best at 4, the upper edge, but 8 is worse: its best is found inside its extended grid.
    // Model d diverges (NaN) at 1: a score that is not a number is never chosen.
    let scores: [String: [Double: Double]] = [
      "a": [1: 0.9, 2: 0.1, 4: 0.5], "b": [0.5: 0.1, 1: 0.2, 2: 0.4, 4: 0.6],
      "c": [1: 0.9, 2: 0.5, 4: 0.2, 8: 0.7], "d": [1: .nan, 2: 0.3, 4: 0.4],
    ]
    let runs = try chapter.tuneAndRepeat(
      models: ["a", "b", "c", "d"], rates: [1, 2, 4], repetitions: 3, gridPhase: "grid",
      repetitionsPhase: "repeats", score: { $0.score },
      train: { model, rate, repetition in
        Made(
          model: model, rate: rate, repetition: repetition.index,
          score: scores[model]![rate]! + 0.01 * Double(repetition.index))
      })
    #expect(runs.grid.allSatisfy { $0.repetition.index == 1 })
    #expect(runs.grid.count == 12 + 2, "one step past the edge for b and c only")
    #expect(runs.modelRates["b"] == [0.5, 1, 2, 4] && runs.modelRates["c"] == [1, 2, 4, 8])
    #expect(runs.modelRates["a"] == [1, 2, 4] && runs.allRates == [0.5, 1, 2, 4, 8])
    #expect(runs.chosenRate == ["a": 2, "b": 0.5, "c": 4, "d": 2])
    #expect(!runs.isAtEdge("a") && runs.isAtEdge("b") && !runs.isAtEdge("c"))
    #expect(runs.wasExtended("c") && !runs.wasExtended("a"))
    #expect(runs.edgeNote(["a", "b"], name: { $0 }) == "rate at the edge of the extended grid: b")
    #expect(runs.edgeNote(["a", "c"], name: { $0 }).isEmpty)
    for model in ["a", "b", "c", "d"] {
      let trials = runs.trials[model]!
      // Fresh seeds: the grid's winner (repetition 1) is not one of them.
      #expect(trials.map(\.repetition.index) == [2, 3, 4])
      #expect(trials.allSatisfy { $0.rate == runs.chosenRate[model]! && $0.model == model })
      // Each trial holds the record its own run made.
      #expect(trials.map(\.record.repetition) == [2, 3, 4])
      #expect(trials.allSatisfy { $0.record.rate == $0.rate && $0.record.model == model })
    }
    #expect(runs.allTrials.count == 14 + 12)
    #expect(runs.gridTrial("b", rate: 4)?.record.score == 0.61)
    #expect(runs.gridTrial("a", rate: 8) == nil)
    #expect(runs.repeated("a").spread { ($0.score * 100).rounded() }.values == [12, 13, 14])
    // The grid as a table over every rate: the kept rate in bold, an edge marked, a rate a
    // model was not trained at "–", a run that did not converge noted.
    let rows = runs.gridRows(
      name: { $0 }, text: { String(format: "%.2f", $0.score) },
      converged: { $0.rate != 4 })
    #expect(rows[0] == ["a", "–", "0.91", "**0.11**", "0.51 not converged", "–"])
    #expect(rows[1] == ["b", "**0.11 (edge)**", "0.21", "0.41", "0.61 not converged", "–"])
    #expect(rows[2] == ["c", "–", "0.91", "0.51", "**0.21 not converged**", "0.71"])
    // Every phase was timed under its name.
    let phases = chapter.results(status: .complete).timings.phases.map(\.name)
    #expect(
      phases.contains("grid") && phases.contains("grid, one step past the edge")
        && phases.contains("repeats"))
  }

  @Test func theRateOneStepPastTheEdgeFollowsTheGridsRatio() {
    #expect(rateOneStepPast([2e-3, 4e-3, 8e-3], from: 8e-3) == 1.6e-2)
    #expect(rateOneStepPast([3e-3, 1e-2, 3e-2], from: 3e-3)! == 3e-3 / (1e-2 / 3e-3))
    #expect(rateOneStepPast([1, 2, 4], from: 2) == nil)
  }

  @Test func speedIsReadAtMatchedRatesAndAtEachModelsFastestRate() throws {
    let out = try TemporaryDirectory()
    let chapter = try TestChapter.make(
      ["--preset", "smoke", "--jobs", "1", "--out", out.url.path], number: 99, root: out.url)
    // Steps to a level, by model and rate (NaN: never). "slow" is chosen at 1 (its best
    // score; 0.5 past the edge is worse) but is fastest at 8, its largest; "fast" is chosen at
    // 8 and fastest there, bracketed by its diverged run at 16.
    let steps: [String: [Double: Double]] = [
      "fast": [1: 700, 2: 400, 4: 200, 8: 150, 16: .nan],
      "slow": [0.5: 3_000, 1: 1_600, 2: 800, 4: 300, 8: 250],
      "tie": [1: 700, 2: 400, 4: 300, 8: 250, 16: .nan],
    ]
    let score: [String: [Double: Double]] = [
      "fast": [1: 0.5, 2: 0.4, 4: 0.3, 8: 0.2, 16: 0.9],
      "slow": [0.5: 0.2, 1: 0.1, 2: 0.2, 4: 0.3, 8: 0.4],
      "tie": [1: 0.5, 2: 0.4, 4: 0.3, 8: 0.2, 16: 0.9],
    ]
    let runs = try chapter.tuneAndRepeat(
      models: ["fast", "slow", "tie"], rates: [1, 2, 4, 8], repetitions: 1, gridPhase: "grid",
      repetitionsPhase: "repeats", score: { $0.score },
      train: { model, rate, repetition in
        Made(
          model: model, rate: rate, repetition: repetition.index,
          score: score[model]![rate] ?? 1)
      })
    let lookup = { (made: Made) in steps[made.model]![made.rate] ?? .nan }
    let none = Resolution(0, "exact")
    let fastAgainstSlow = runs.speed("fast", against: "slow", steps: lookup, resolution: none)
    // Matched rates 1, 2, 4, 8 (the extensions 16 and 0.5 are each one model's only).
    #expect(fastAgainstSlow.pairs.map(\.rate) == [1, 2, 4, 8])
    #expect(fastAgainstSlow.fastestA.rate == 8 && fastAgainstSlow.fastestB.rate == 8)
    #expect(fastAgainstSlow.order == .below && fastAgainstSlow.fastestRatio == 150.0 / 250)
    // Like for like: the largest matched rate both reach, 8. "slow"'s fastest rate is its
    // largest, an edge no run went past; "fast"'s is bracketed by its diverged run at 16.
    #expect(
      fastAgainstSlow.matchedRatio.rate == 8 && fastAgainstSlow.matchedRatio.ratio == 150.0 / 250)
    #expect(fastAgainstSlow.fastestAtEdge.a == false && fastAgainstSlow.fastestAtEdge.b == true)
    #expect(
      fastAgainstSlow.reading("fast", "slow").contains(
        "not bracketed: the edge of its rates for slow"))
    #expect(runs.speed("slow", against: "fast", steps: lookup, resolution: none).order == .above)
    // Equal at two matched rates (1 and 2): not distinguishable, though faster at the others.
    #expect(
      runs.speed("fast", against: "tie", steps: lookup, resolution: none).order
        == .notDistinguishable)
    let tie = runs.speed("tie", against: "slow", steps: lookup, resolution: Resolution(100, "r"))
    #expect(tie.order == .notDistinguishable, "300 against 300 at rate 4")
    #expect(tie.matchedWins.a == 2 && tie.matchedWins.b == 0 && tie.matchedWins.contested == 4)
    // The claim says what it read.
    chapter.speedClaim(
      "fast is faster", paper: "p", reading: fastAgainstSlow, names: ("fast", "slow"),
      expected: .below)
    chapter.speedClaim(
      "tie is faster", paper: "p", reading: tie, names: ("tie", "slow"), expected: .below)
    let claims = chapter.claims
    #expect(claims[0].holds && claims[0].decided)
    #expect(!claims[1].decided && claims[1].unit.contains("tie first at 2 of 4 matched rates"))
    // One matched rate, however clear, decides nothing: one seed a rate.
    let single = SpeedReading(
      pairs: [.init(rate: 1, a: 100, b: 900)], fastestA: (1, 100), fastestB: (1, 900),
      resolution: none, fastestAtEdge: (false, false))
    #expect(single.order == .notDistinguishable)
    chapter.speedClaim(
      "one rate", paper: "p", reading: single, names: ("a", "b"), expected: .below)
    #expect(chapter.claims.last!.unit.contains("fewer than 4 matched rates"))
  }

  @Test func aClaimNeedsEveryRepetitionBelowEveryOneByMoreThanTheResolution() {
    let low = Spread(values: [1, 2, 3])
    #expect(low.isEntirelyBelow(Spread(values: [3.5, 4, 5])))
    // One overlap is enough to undecide it.
    #expect(!low.isEntirelyBelow(Spread(values: [2.5, 4, 5])))
    // A run that never got there is never below, and nothing is below it.
    #expect(!Spread(values: [1, .nan]).isEntirelyBelow(Spread(values: [4, 5])))
    #expect(!low.isEntirelyBelow(Spread(values: [4, .nan])))
    #expect(!Spread(values: []).isEntirelyBelow(Spread(values: [4])))
    #expect(low.isComplete && !Spread(values: [1, .nan]).isComplete)
    // A gap smaller than the resolution orders nothing, whatever its sign.
    #expect(low.order(against: Spread(values: [3.5, 4]), resolution: 0.4) == .below)
    #expect(low.order(against: Spread(values: [3.5, 4]), resolution: 0.5) == .notDistinguishable)
    #expect(Spread(values: [3.5, 4]).order(against: low, resolution: 0.4) == .above)
    #expect(low.order(against: Spread(values: [4, .nan]), resolution: 0) == .notDistinguishable)
  }

  @Test func aComparisonThatDecidesNothingSaysWhatItSaw() throws {
    let chapter = try TestChapter.make(["--preset", "smoke"])
    // 0.0009 apart, with protocols 0.035 apart: not distinguishable, and never a null.
    let close = Comparison(
      Spread(values: [3.2938, 3.30, 3.31]), "BN-LSTM",
      against: Spread(values: [3.2947, 3.32, 3.33]),
      "LSTM", resolution: Resolution(0.035, "the protocols' gap"), format: "%.3f")
    #expect(close.order == .notDistinguishable)
    chapter.claim(
      "BN is better", paper: "p", comparison: close, expected: .below,
      measured: close.difference, format: "%+.3f", unit: " bpc")
    var claim = try #require(chapter.claims.last)
    #expect(!claim.decided && !claim.holds && claim.verdict == "not decided")
    #expect(claim.unit.contains("not distinguishable"))
    #expect(claim.unit.contains("BN-LSTM 3.301 (3.294–3.310) against LSTM 3.315 (3.295–3.330)"))
    #expect(claim.unit.contains("resolution 0.035 (the protocols' gap)"))
    // Far apart: decided, and a reason (a run that did not converge) still undecides it.
    let far = Comparison(
      Spread(values: [3.0, 3.1]), "BN-LSTM", against: Spread(values: [3.3, 3.4]), "LSTM",
      resolution: Resolution(0.035, "r"), format: "%.3f")
    chapter.claim(
      "BN is better", paper: "p", comparison: far, expected: .below, measured: far.difference,
      format: "%+.3f", unit: " bpc")
    claim = try #require(chapter.claims.last)
    #expect(claim.decided && claim.holds && claim.unit == " bpc")
    chapter.claim(
      "BN is worse", paper: "p", comparison: far, expected: .above, measured: far.difference,
      format: "%+.3f", unit: " bpc")
    claim = try #require(chapter.claims.last)
    #expect(claim.decided && !claim.holds)
    chapter.claim(
      "BN is better", paper: "p", comparison: far, expected: .below, measured: far.difference,
      format: "%+.3f", unit: " bpc", undecidedBecause: ["", "a run did not converge"])
    claim = try #require(chapter.claims.last)
    #expect(!claim.decided && claim.unit.contains("not decided: a run did not converge;"))
    // A null ("does not matter") fails when one is below the other, and is never confirmed.
    chapter.claim(
      "it does not matter", paper: "p", comparison: far, expected: .notDistinguishable,
      measured: far.difference, format: "%+.3f", unit: " bpc")
    claim = try #require(chapter.claims.last)
    #expect(claim.decided && !claim.holds && claim.unit.contains("below"))
    chapter.claim(
      "it does not matter", paper: "p", comparison: close, expected: .notDistinguishable,
      measured: close.difference, format: "%+.3f", unit: " bpc")
    claim = try #require(chapter.claims.last)
    #expect(!claim.decided && claim.verdict == "not decided")
    #expect(claim.unit.contains("not distinguishable"))
    // An accuracy's resolution: its binomial standard error, in points.
    let binomial = Resolution.binomial(accuracy: 0.7, count: 10_000)
    #expect(abs(binomial.value - 100 * (0.21 / 10_000).squareRoot()) < 1e-12)
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
    // Interpolated across a measurement interval in which validation moved by 0.1.
    #expect(abs(reading.fitChord - 0.1) < 1e-12)
    #expect(reading.converged && reading.stoppedAt == 400)
    let never = LanguageModelReading(
      curve, speedTarget: 1.0, fitLevel: 1.0, convergence: Convergence(patience: 1_000))
    #expect(never.stepsToTarget.isNaN && never.validationAtFit.isNaN && !never.converged)
    #expect(never.fitChord.isNaN)
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
