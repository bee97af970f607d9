import Companion
import Foundation
import Testing

/// Chapter 3 at the smoke preset: the whole pipeline (sweep, Figure 1 runs, learning-rate
/// runs, inference table, deep runs, figures) runs and reports every claim with a number.
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
      "BN reaches the baseline's final test accuracy in at most half the steps",
      "BN ends with a higher test accuracy than the baseline",
      "With BN the sigmoid inputs' median drifts less than without",
      "BN ×5 reaches the baseline's best accuracy in fewer steps",
      "BN ×30 reaches the baseline's best accuracy in fewer steps",
      "The baseline at 30× the rate fails to match",
      "Population-statistics accuracy is within 0.5 points",
    ]
    #expect(results.claims.filter { $0.kind == .paper }.count == expectedClaims.count)
    // The folded network is a check of our code, not a claim of the paper, and it must pass.
    let folding = results.claims.first { $0.text.hasPrefix("BN folded into the preceding layer") }
    #expect(folding?.kind == .check && folding?.holds == true)
    for prefix in expectedClaims {
      let claim = results.claims.first { $0.text.hasPrefix(prefix) }
      #expect(claim != nil, "missing claim: \(prefix)")
      if let claim { #expect(claim.measured.isFinite, "\(claim.text): \(claim.measured)") }
    }

    let figures = Set(results.figures.map(\.name))
    #expect(
      figures == ["03-accuracy", "03-sigmoid-inputs", "03-learning-rates", "03-depth"])
    #expect(results.config.data.first?.kind == "images")

    // Both Figure 1 runs were measured along the way, on the schedule.
    let curves = results.metrics.series.filter { $0.metric == "test accuracy (%)" }
    for run in ["baseline", "BN", "BN ×5", "BN ×30", "baseline ×5", "baseline ×30"] {
      let curve = curves.first { $0.run == run }
      #expect((curve?.points.count ?? 0) > 10, "curve of \(run)")
    }
    // The BN runs really are batch-normalised: three BN layers where the name says BN, none
    // elsewhere, and the BN network's curve is not the baseline's (both start from the same
    // weights and see the same batches, so with BN silently off they would be identical).
    for run in ["baseline", "BN", "BN ×5", "BN ×30", "baseline ×5", "baseline ×30"] {
      let layers = results.metrics.scalars["batch-normalized layers, \(run)"]
      #expect(
        layers == (run.hasPrefix("BN") ? 3 : 0),
        "BN layers of \(run): \(String(describing: layers))")
    }
    let baselineCurve = curves.first { $0.run == "baseline" }?.values
    let bnCurve = curves.first { $0.run == "BN" }?.values
    #expect(baselineCurve != nil && bnCurve != nil && baselineCurve != bnCurve)
    // The sweep is scored on held-out training images and says so; it never sees the test set.
    #expect(curves.allSatisfy { !$0.run.hasPrefix("sweep") })
    #expect(
      results.metrics.series.contains {
        $0.metric == "held-out accuracy (%)" && $0.run.hasPrefix("sweep")
      })
    #expect(results.metrics.scalars["base learning rate"] != nil)
    // The extra x̂ drift measure and the single-evaluation comparison are reported too.
    for name in [
      "median drift, BN x̂", "median drift, BN", "median drift, baseline",
      "BN steps to baseline final / baseline's, single evaluations",
    ] {
      #expect(results.metrics.scalars[name]?.isFinite == true, "scalar \(name)")
    }
  }
}
