import Companion
import Datasets
import Engine
import Foundation

// The feed-forward comparison's plumbing: its models, one run's description, and what the
// claims read off the runs.

/// One network of the comparison: Chapter 3's MLP plain, with BN or with LN, at one batch size.
struct FeedForwardModel: Hashable {
  var normalizer: FeedForwardNormalization.Normalizer?
  var batch: Int

  /// The three networks at `batch`.
  static func all(batch: Int) -> [FeedForwardModel] {
    [nil, .batch, .layer].map { FeedForwardModel(normalizer: $0, batch: batch) }
  }

  /// "plain", "BN", "LN".
  var kind: String { normalizer.map { $0 == .batch ? "BN" : "LN" } ?? "plain" }
  /// "LN, batch 4".
  var name: String { "\(kind), batch \(batch)" }
}

/// An image set as a matrix with one flattened image per row.
func matrix(of set: ImageSet) -> Matrix<Float> {
  Matrix(rows: set.count, cols: set.imageSize, set.pixels)
}

/// `count` training batches of `size`, drawn once from a seeded shuffle and kept fixed.
func fixedBatches(_ data: ImageSet, count: Int, size: Int, seed: UInt64) -> [Matrix<Float>] {
  var stream = ImageBatchStream(data, size: size, seed: seed)
  return (0..<min(count, data.count / size)).map { _ in stream.next().x.matrix }
}

/// One run: `model` at `rate`, on the training images less the held-out ones, for the same
/// number of examples at every batch size; repetition 1 (the grid) measured on the held-out
/// images, the fresh repetitions on the test images.
func feedForwardSpec(_ model: FeedForwardModel, rate: Double, repetition: Repetition)
  -> FeedForwardRunSpec
{
  let onTest = repetition.index > 1
  let evaluation = onTest ? feedForwardTest : heldOut.validation
  return FeedForwardRunSpec(
    name: "\(model.name), rate \(rateText(rate))"
      + (onTest ? " #\(repetition.index)" : ""),
    hidden: [100, 100, 100],
    normalization: model.normalizer.map {
      $0 == .batch ? .batch(.paper) : .layer
    }, learningRate: rate, steps: feedForwardExamples / model.batch,
    replicate: repetition.index, batchSize: model.batch, training: heldOut.train,
    evaluationX: matrix(of: evaluation), evaluationLabels: evaluation.labels,
    evaluationName: onTest ? "test" : "held-out")
}

/// The runs of one batch size's comparison.
func feedForwardTuned(_ model: FeedForwardModel) -> TunedRuns<
  FeedForwardModel, FeedForwardRunResult
> {
  feedForwardRuns[model.batch]!
}

/// `model`'s final test accuracy (the mean of its last 5 measurements), one per repetition.
func feedForwardAccuracy(_ model: FeedForwardModel) -> Spread {
  Spread(values: feedForwardTuned(model).trials[model]!.map(\.record.finalAccuracy))
}

/// Accuracy at a batch of 4 minus at 128, repetition by repetition (the same seeds).
func batchSizeChange(_ normalizer: FeedForwardNormalization.Normalizer?) -> Spread {
  let (small, large) = (
    feedForwardAccuracy(FeedForwardModel(normalizer: normalizer, batch: 4)),
    feedForwardAccuracy(FeedForwardModel(normalizer: normalizer, batch: 128))
  )
  return Spread(values: zip(small.values, large.values).map { $0 - $1 })
}

/// The claims' note when a compared model's rate is still at the edge of its grid.
func feedForwardEdgeNote(_ models: [FeedForwardModel]) -> String {
  let atEdge = models.filter { feedForwardTuned($0).isAtEdge($0) }
  guard !atEdge.isEmpty else { return "" }
  return "rate at the edge of the extended grid: " + atEdge.map(\.name).joined(separator: ", ")
}
