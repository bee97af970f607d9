import Companion
import Foundation
import Testing

/// Chapter 3 at the smoke preset: the whole pipeline (sweep, Figure 1 and learning-rate runs
/// in two repetitions, inference table, deep runs, initialisation and batch-size runs,
/// figures) runs and reports every claim with a number.
/// It does not check the paper's numbers: a few hundred steps cannot reproduce them.
@Suite("Chapter 3: feed-forward network")
struct Chapter03Tests {
  @Test(.enabled(if: imageDataAvailable, imageDataMissing))
  func smokeRunReportsEveryClaimAndFigure() throws {
    let (status, results) = try runChapter("ch03-feedforward")
    #expect(status == 0)
    #expect(results.status == .complete)
    #expect(results.config.chapter == 3)

    let expectedClaims = [
      "BN reaches the baseline's final accuracy, and each level",
      "BN ends with a higher test accuracy than the baseline",
      "BN generalises better",
      "With BN the sigmoid inputs' distributions move less",
      "At 30× the base rate BN trains where the baseline does not",
      "BN ×5, decay (higher rate, faster decay) trains faster",
      "BN ×30, decay (higher rate, faster decay) trains faster",
      "Population-statistics accuracy is within 0.5 points",
      "With ten sigmoid layers, BN trains",
      "BN is less sensitive to the initial weights' scale",
    ]
    #expect(results.claims.filter { $0.kind == .paper }.count == expectedClaims.count)
    // Checks of our own code and derivations are not claims of the paper; these must pass.
    for prefix in [
      "BN folded into the preceding layer", "The weights feeding a BN layer only grow",
    ] {
      let check = results.claims.first { $0.text.hasPrefix(prefix) }
      #expect(check?.kind == .check && check?.holds == true, "check: \(prefix)")
    }
    let backwardGain = results.claims.first { $0.text.hasPrefix("BN's backward gain") }
    #expect(backwardGain?.kind == .check && backwardGain?.measured.isFinite == true)
    for prefix in expectedClaims {
      let claim = results.claims.first { $0.text.hasPrefix(prefix) }
      #expect(claim != nil, "missing claim: \(prefix)")
      if let claim { #expect(claim.measured.isFinite, "\(claim.text): \(claim.measured)") }
    }

    let figures = Set(results.figures.map(\.name))
    #expect(
      figures == [
        "03-accuracy", "03-sigmoid-inputs", "03-learning-rates", "03-weight-growth", "03-depth",
        "03-initialisation-and-batch-size",
      ])
    #expect(results.config.data.first?.kind == "images")

    // Every run of both repetitions was measured along the way, on the schedule.
    let curves = results.metrics.series.filter { $0.metric == "test accuracy (%)" }
    let variants = [
      "baseline", "BN", "BN ×5", "BN ×30", "baseline ×5", "baseline ×30", "BN ×5, decay",
      "BN ×30, decay",
    ]
    for run in variants + variants.map({ "\($0) #2" }) {
      let curve = curves.first { $0.run == run }
      #expect((curve?.points.count ?? 0) > 10, "curve of \(run)")
    }
    // The BN runs really are batch-normalised: three BN layers where the name says BN, none
    // elsewhere, and the BN network's curve is not the baseline's (both start from the same
    // weights and see the same batches, so with BN silently off they would be identical).
    for run in variants {
      let layers = results.metrics.scalars["batch-normalized layers, \(run)"]
      #expect(
        layers == (run.hasPrefix("BN") ? 3 : 0),
        "BN layers of \(run): \(String(describing: layers))")
    }
    let baselineCurve = curves.first { $0.run == "baseline" }?.values
    let bnCurve = curves.first { $0.run == "BN" }?.values
    #expect(baselineCurve != nil && bnCurve != nil && baselineCurve != bnCurve)
    // A repetition is a different draw: its own weights and batches, so its own curve.
    let secondBaseline = curves.first { $0.run == "baseline #2" }?.values
    #expect(secondBaseline != nil && secondBaseline != baselineCurve)
    // The sweep is scored on held-out training images and says so; it never sees the test set.
    #expect(curves.allSatisfy { !$0.run.hasPrefix("sweep") })
    #expect(
      results.metrics.series.contains {
        $0.metric == "held-out accuracy (%)" && $0.run.hasPrefix("sweep")
      })
    #expect(results.metrics.scalars["base learning rate"] != nil)
    // The drift per repetition (x̂ beside the sigmoid input), the speed at each target, the
    // train − test gaps and the batch-size runs are reported too.
    for name in [
      "drift path, BN x̂, repetition 1", "drift path, BN, repetition 2",
      "drift path, baseline, repetition 1",
      "BN steps / baseline steps, target final − 0.25, mean", "train − test gap, BN, mean",
      "batch size 8, final accuracy, BN", "effective rate at the end / BN's, BN ×5",
    ] {
      #expect(results.metrics.scalars[name]?.isFinite == true, "scalar \(name)")
    }
  }
}
