import Companion
import Foundation
import Testing

/// Chapter 5 at the smoke preset, on the image data and a generated Penn Treebank character
/// corpus: the gradient check, Figure 1, the four MNIST runs, the character models, longer
/// sequences, the statistics over time, the γ sweep and the six figures. Every claim must be
/// measured; the gradient check must hold at any scale (it is a check of the engine, not of
/// the paper).
@Suite("Chapter 5: recurrent batch normalization")
struct Chapter05Tests {
  @Test(.enabled(if: imageDataAvailable, imageDataMissing))
  func smokeRunReportsEveryClaimAndFigure() throws {
    let corpus = try PennTreebankFixture()
    defer { corpus.remove() }
    let (status, results) = try runChapter(
      "ch05-recurrentbn", arguments: ["--corpus", corpus.path])
    #expect(status == 0)
    #expect(results.status == .complete)
    #expect(results.config.chapter == 5)

    let expectedClaims = [
      "the BN-LSTM's hand-written BPTT matches central differences",
      "with γ = 0.1 the gradient reaching h_1",
      "sequential MNIST: the BN-LSTM reaches the LSTM's best validation accuracy",
      "permuted MNIST: the BN-LSTM reaches the LSTM's best validation accuracy",
      "permuted MNIST: the BN-LSTM ends with a higher test accuracy",
      "30,000 characters: the BN-LSTM's validation bpc is lower than the LSTM's",
      "whole text: the BN-LSTM's validation bpc is lower than the LSTM's",
      "with population statistics (repeat-last past T_max)",
      "with batch statistics the BN-LSTM is worse",
      "the per-step statistics settle",
    ]
    #expect(results.claims.count == expectedClaims.count)
    for prefix in expectedClaims {
      let claim = results.claims.first { $0.text.hasPrefix(prefix) }
      #expect(claim != nil, "missing claim: \(prefix)")
      if let claim { #expect(claim.measured.isFinite, "\(claim.text): \(claim.measured)") }
    }
    let gradientCheck = results.claims.first { $0.text.hasPrefix(expectedClaims[0]) }
    #expect(gradientCheck?.holds == true && gradientCheck?.kind == .check)
    #expect(results.claims.filter { $0.kind == .check }.count == 1)

    #expect(
      Set(results.figures.map(\.name)) == [
        "05-gradient-flow", "05-mnist", "05-characters", "05-long-sequences", "05-statistics",
        "05-gamma",
      ])

    // Every run was measured on its schedule; LSTM and BN-LSTM start from the same weights
    // and batches, so identical curves would mean BN was silently off.
    let accuracy = results.metrics.series.filter { $0.metric == "validation accuracy (%)" }
    var runs = ["LSTM, sequential", "BN-LSTM, sequential", "LSTM, permuted", "BN-LSTM, permuted"]
    runs += ["0.1", "0.3", "0.5", "0.7", "1.0"].map { "BN-LSTM γ \($0), permuted" }
    for run in runs {
      let curve = accuracy.first { $0.run == run }
      #expect((curve?.points.count ?? 0) >= 3, "curve of \(run)")
    }
    let lossCurves = results.metrics.series.filter { $0.metric == "training loss" }
    let plain = lossCurves.first { $0.run == "LSTM, permuted" }?.values
    let normalized = lossCurves.first { $0.run == "BN-LSTM, permuted" }?.values
    #expect(plain != nil && normalized != nil && plain != normalized)
    let bpc = results.metrics.series.filter { $0.metric == "validation bpc" }
    #expect(
      Set(bpc.map(\.run)) == ["LSTM", "BN-LSTM", "LSTM, whole text", "BN-LSTM, whole text"])
    // The re-estimated statistics are measured beside the moving averages for the BN-LSTMs.
    let moving = results.metrics.series.filter {
      $0.metric == "validation accuracy, moving-average statistics (%)"
    }
    #expect(Set(moving.map(\.run)) == ["BN-LSTM, sequential", "BN-LSTM, permuted"])

    // Figure 1 covers every γ, and the lengths and statistics were measured.
    for gamma in ["0.1", "0.5", "1.0"] {
      #expect(results.metrics.scalars["gradient ratio h_1/h_T, γ \(gamma)"]?.isFinite == true)
    }
    #expect(results.metrics.scalars["test bpc at length 60, BN-LSTM batch statistics"] != nil)
    #expect(
      results.metrics.scalars["per-step mean change after settling, layer1.bn_h"]?.isFinite
        == true)
    #expect(results.config.data.map(\.kind).sorted() == ["corpus", "images"])
  }
}
