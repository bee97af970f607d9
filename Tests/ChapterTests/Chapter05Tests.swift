import Companion
import Foundation
import Testing

/// Chapter 5 at the smoke preset, on the image data and a generated Penn Treebank character
/// corpus: the gradient check, Figure 1, the MNIST and character grids with their
/// repetitions, the moving-average study, the γ sweep, longer sequences, the statistics over
/// time and the six figures. Every claim must be measured (or say why not); the checks must
/// pass at any scale (they check our code, not the paper).
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

    // Every claim, of the kind it is: two checks of our own code (both must pass at any
    // scale), post hoc where the test was chosen after seeing runs (Figure 1's form, the
    // tuned comparisons of the book and smoke presets, every speed claim, read at matched
    // rates since a second reading, repeat-last against batch statistics, the net drift), the
    // paper's others. Every verdict on images names the data it was measured on.
    let expectedClaims: [(String, Claim.Kind)] = [
      ("the BN-LSTM's hand-written BPTT matches central differences", .check),
      ("the gradient survives", .postHoc),
      (
        "sequential Fashion-MNIST: the BN-LSTM reaches the LSTM's best validation accuracy",
        .postHoc
      ),
      (
        "permuted Fashion-MNIST: the BN-LSTM reaches the LSTM's best validation accuracy",
        .postHoc
      ),
      ("permuted Fashion-MNIST: the BN-LSTM's test accuracy, at an equal budget", .postHoc),
      ("the moving averages do not touch training", .check),
      ("permuted Fashion-MNIST: with initial γ = 1.0 the BN-LSTM trains slower", .postHoc),
      ("text (fortunes): the BN-LSTM reaches the LSTM's training bpc", .postHoc),
      ("text (fortunes): the BN-LSTM's best validation bpc is lower", .postHoc),
      ("text (fortunes): at equal training fit", .postHoc),
      ("text (fortunes): the initial γ does not matter", .postHoc),
      ("repeat-last works", .postHoc),
      ("with batch statistics the BN-LSTM is worse", .paper),
      ("the per-step statistics settle: after", .paper),
      ("the per-step statistics settle: from", .postHoc),
    ]
    #expect(results.claims.count == expectedClaims.count)
    for (prefix, kind) in expectedClaims {
      let claim = results.claims.first { $0.text.hasPrefix(prefix) }
      #expect(claim?.kind == kind, "missing or of the wrong kind: \(prefix)")
      // A measure may be missing only where the claim says why (a run that never got there).
      if let claim, claim.decided {
        #expect(claim.measured.isFinite, "\(claim.text): \(claim.measured)")
      }
    }
    let checks = results.claims.filter { $0.kind == .check }
    #expect(checks.count == 2 && checks.allSatisfy { $0.holds })

    #expect(
      Set(results.figures.map(\.name)) == [
        "05-gradient-flow", "05-mnist", "05-characters", "05-long-sequences", "05-statistics",
        "05-gamma",
      ])
    #expect(
      Set(results.tables.map(\.name)).isSuperset(of: [
        "gradient check", "gradient through time", "MNIST learning-rate grid", "Table 1",
        "MNIST repetitions", "moving averages", "γ sweep", "character learning-rate grid",
        "character models at their rates", "character repetitions", "samples",
        "test bpc against sequence length",
      ]))

    // Every model ran at every rate of its grid, and again at its chosen rate in repetition 2;
    // LSTM and BN-LSTM start from the same weights and batches, so identical curves would mean
    // BN was silently off.
    let accuracy = results.metrics.series.filter { $0.metric == "validation accuracy (%)" }
    let bpc = results.metrics.series.filter { $0.metric == "validation bpc" }
    let grids: [(models: [String], rates: [String], curves: [MetricSeries])] = [
      (
        ["LSTM, sequential", "BN-LSTM, sequential", "LSTM, permuted", "BN-LSTM, permuted"],
        ["0.001", "0.003"], accuracy
      ),
      (["LSTM", "BN-LSTM", "BN-LSTM, γ 1.0"], ["0.001", "0.004"], bpc),
    ]
    for (models, rates, curves) in grids {
      for model in models {
        for rate in rates {
          let curve = curves.first { $0.run == "\(model), rate \(rate)" }
          #expect((curve?.points.count ?? 0) >= 3, "curve of \(model) at \(rate)")
        }
        let chosen = try #require(results.metrics.scalars["chosen learning rate, \(model)"])
        #expect(
          curves.contains { $0.run == "\(model), rate \(String(format: "%g", chosen)) #2" },
          "repetition 2 of \(model)")
      }
    }
    let lossCurves = results.metrics.series.filter { $0.metric == "training loss" }
    let plain = lossCurves.first { $0.run == "LSTM, permuted, rate 0.001" }?.values
    let normalized = lossCurves.first { $0.run == "BN-LSTM, permuted, rate 0.001" }?.values
    #expect(plain != nil && normalized != nil && plain != normalized)
    // The BN-LSTMs are measured with their moving averages too, and the momentum study's
    // second run tracks them with the authors' momentum.
    let moving = results.metrics.series.filter {
      $0.metric == "validation accuracy, moving-average statistics (%)"
    }
    #expect(moving.contains { $0.run.hasPrefix("BN-LSTM, permuted, rate") })
    #expect(moving.contains { $0.run.hasSuffix(", moving averages 0.01") })
    #expect(!moving.contains { $0.run.hasPrefix("LSTM") })
    // The γ sweep: every γ in every repetition.
    for gamma in ["0.1", "0.3", "0.5", "0.7", "1.0"] {
      #expect(accuracy.filter { $0.run.hasPrefix("BN-LSTM γ \(gamma), permuted") }.count == 2)
    }

    // Figure 1 covers every γ, and the lengths and statistics were measured.
    for gamma in ["0.1", "0.5", "1.0"] {
      #expect(results.metrics.scalars["gradient ratio h_1/h_T, γ \(gamma)"]?.isFinite == true)
    }
    #expect(results.metrics.scalars["test bpc at length 60, BN-LSTM batch statistics"] != nil)
    #expect(
      results.metrics.scalars["bpc past T_max − up to T_max, BN-LSTM population, mean"]?.isFinite
        == true)
    #expect(
      results.metrics.scalars[
        "batch statistics' distance from T_max's population, BN_h, past T_max"]?.isFinite == true)
    #expect(
      results.metrics.scalars["per-step mean change after settling, layer1.bn_h"]?.isFinite
        == true)
    #expect(results.config.data.map(\.kind).sorted() == ["corpus", "images"])
  }
}
