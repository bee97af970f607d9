import Companion
import Foundation
import Testing

/// Chapter 6 at the smoke preset, on the image data and a generated Penn Treebank character
/// corpus: the checks of the transform and the LN-LSTM, the invariance table, the feed-forward
/// grids at batches of 128 and 4, the text models, the pixel models (the long preset's
/// section, which the smoke preset runs too), the gradient through time, the LN-LSTM again at
/// an initial gain of 0.1, a batch of one, longer sequences and the five figures. Every claim must be measured (or say why not); the
/// checks must pass at any scale.
@Suite("Chapter 6: layer normalization")
struct Chapter06Tests {
  @Test(.enabled(if: imageDataAvailable, imageDataMissing))
  func smokeRunReportsEveryClaimAndFigure() throws {
    let corpus = try PennTreebankFixture()
    defer { corpus.remove() }
    let (status, results) = try runChapter(
      "ch06-layernorm", arguments: ["--corpus", corpus.path])
    #expect(status == 0)
    #expect(results.status == .complete)
    #expect(results.config.chapter == 6)

    let expectedClaims: [(String, Claim.Kind)] = [
      ("layer normalization's fused backward matches central differences", .check),
      ("the staged six equations over the features and the fused kernel agree", .check),
      ("LN(z) = BN(zᵀ)ᵀ", .check),
      ("the LN-LSTM's BPTT matches central differences", .check),
      ("BN: every cell of its row of the invariance table", .check),
      ("LN: every cell of its row of the invariance table", .check),
      ("Fashion-MNIST, batches of 4: LN's test accuracy is above BN's", .paper),
      ("Fashion-MNIST: LN is robust to the batch size", .paper),
      (
        "text (fortunes): the LN-LSTM reaches the LSTM's training bpc at its best in fewer steps than the LSTM",
        .paper
      ),
      (
        "text (fortunes): the LN-LSTM reaches the LSTM's training bpc at its best in fewer steps than the BN-LSTM",
        .paper
      ),
      ("permuted Fashion-MNIST: the LN-LSTM reaches the LSTM's best validation accuracy", .paper),
      ("with LN in place of BN, the gradient survives", .postHoc),
      ("the LN-LSTM's test bpc is the same in training mode and at inference", .check),
    ]
    for (prefix, kind) in expectedClaims {
      let claims = results.claims.filter { $0.text.hasPrefix(prefix) }
      #expect(
        !claims.isEmpty && claims.allSatisfy { $0.kind == kind },
        "missing or of the wrong kind: \(prefix)")
      for claim in claims where claim.decided {
        #expect(claim.measured.isFinite, "\(claim.text): \(claim.measured)")
      }
    }
    // Two pixel speed claims (against the LSTM and the BN-LSTM) and one of every other.
    #expect(results.claims.count == expectedClaims.count + 1)
    let checks = results.claims.filter { $0.kind == .check }
    #expect(checks.count == 7 && checks.allSatisfy { $0.holds }, "\(checks.filter { !$0.holds })")

    #expect(
      Set(results.figures.map(\.name)) == [
        "06-feedforward", "06-characters", "06-long-sequences", "06-gradient-flow", "06-pixels",
      ])
    #expect(
      Set(results.tables.map(\.name)).isSuperset(of: [
        "gradient check of the transform", "gradient check of the LN-LSTM", "invariances",
        "feed-forward grid, batch 128", "feed-forward grid, batch 4", "feed-forward repetitions",
        "character learning-rate grid", "character models at their rates",
        "character repetitions", "text comparisons", "pixel learning-rate grid",
        "pixel models at their rates", "pixel comparisons", "gradient through time",
        "LN-LSTM's initial gain", "batch of one", "test bpc against sequence length",
      ]))
    // The gain-0.1 twins were trained and read against their gain-1 repetitions.
    #expect(
      results.metrics.scalars["LN-LSTM gain 0.1 − gain 1, best validation bpc, mean"]?.isFinite
        == true)

    // The LN-LSTM trained, and is not the LSTM or the BN-LSTM under another name: the three
    // start from the same weights and batches, so equal curves would mean LN was silently off.
    let bpc = results.metrics.series.filter { $0.metric == "validation bpc" }
    let curves = ["LSTM", "BN-LSTM", "LN-LSTM"].map { model in
      bpc.first { $0.run == "\(model), rate 0.001" }?.values
    }
    #expect(curves.allSatisfy { $0 != nil })
    #expect(curves[0] != curves[2] && curves[1] != curves[2])
    // LN has nothing to estimate: its four batch-of-one numbers are one number, BN's training
    // mode at a batch of one is not its inference.
    let scalars = results.metrics.scalars
    let ln = ["inference 64", "inference 1", "training 64", "training 1"].compactMap {
      scalars["batch of one: test bpc, LN-LSTM, \($0)"]
    }
    #expect(ln.count == 4 && (ln.max()! - ln.min()!) < 1e-4)
    let (bnInference, bnSingle) = (
      scalars["batch of one: test bpc, BN-LSTM, inference 64"],
      scalars["batch of one: test bpc, BN-LSTM, training 1"]
    )
    #expect(bnInference != nil && bnSingle != nil && bnSingle! > bnInference! + 0.1)
    #expect(results.config.data.map(\.kind).sorted() == ["corpus", "images"])
  }
}
