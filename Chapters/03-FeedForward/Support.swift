import Companion
import Datasets
import Engine
import Foundation

// The chapter's helpers: images as matrices, the runs' descriptions, the long-run announcement.
// What they do is told on the page; how is here.

/// An image set as a matrix with one flattened image per row.
func matrix(of set: ImageSet) -> Matrix<Float> {
  Matrix(rows: set.count, cols: set.imageSize, set.pixels)
}

/// The first `count` examples of `set` (the smoke preset evaluates on a slice).
func prefix(_ set: ImageSet, _ count: Int) -> ImageSet {
  count >= set.count ? set : set.subset(Array(0..<count))
}

// Mini-batches of 60 in a fresh seeded order every epoch come from `ImageBatchStream`: the
// same seed gives every run the same sequence, so the compared networks differ only in what
// we changed.

/// `count` training batches of `size`, drawn once from a seeded shuffle and kept fixed.
func fixedBatches(_ data: ImageSet, count: Int, size: Int, seed: UInt64) -> [Matrix<Float>] {
  var stream = ImageBatchStream(data, size: size, seed: seed)
  return (0..<min(count, data.count / size)).map { _ in stream.next().x.matrix }
}

/// A run of the chapter's network: with BN (Alg. 1 under the paper's convention, ε = 10⁻⁵) or
/// without, on the chapter's training images, evaluated on its test images unless told.
@MainActor func runSpec(
  name: String, hidden: [Int] = hiddenWidths, batchNorm: Bool, learningRate: Double,
  steps: Int, replicate: Int = 1, batchSize: Int = 60, initialStandardDeviation: Double = 0.1,
  decayEvery: Double? = nil, recordsProbe: Bool = false, recordsTraining: Bool = false,
  training: ImageSet = trainingSet, evaluationX: Matrix<Float> = testX,
  evaluationLabels: [Int] = testSet.labels, evaluationName: String = "test",
  keepsNetwork: Bool = false
) -> FeedForwardRunSpec {
  FeedForwardRunSpec(
    name: name, hidden: hidden, normalization: batchNorm ? .batch(.paper) : nil,
    learningRate: learningRate, steps: steps, replicate: replicate, batchSize: batchSize,
    initialStandardDeviation: initialStandardDeviation, decayEvery: decayEvery,
    recordsProbe: recordsProbe, recordsTraining: recordsTraining, training: training,
    evaluationX: evaluationX, evaluationLabels: evaluationLabels,
    evaluationName: evaluationName, keepsNetwork: keepsNetwork)
}

/// One network of the comparison: with BN or not, a multiple of the base rate, decayed or not.
struct Variant: Hashable {
  var name: String
  var batchNorm: Bool
  var multiplier: Double
  var decays = false
}

/// The run's name: the variant's, with "#r" for repetitions after the first.
func runName(_ variant: Variant, replicate: Int) -> String {
  replicate == 1 ? variant.name : "\(variant.name) #\(replicate)"
}

/// The runs of each variant, keyed by the variant's name, repetition 1 first.
func runsByVariant(
  _ specs: [FeedForwardRunSpec], _ trained: [TrainedFeedForward]
) -> [String: [FeedForwardRunResult]] {
  Dictionary(grouping: zip(specs, trained), by: { $0.0.name.components(separatedBy: " #")[0] })
    .mapValues { $0.map(\.1.result) }
}

/// Trains `specs` — the baseline's runs, then as many of BN's — as one group, and returns
/// the runs and each half's final accuracies.
@MainActor func trainPairs(_ label: String, _ specs: [FeedForwardRunSpec]) -> (
  runs: [FeedForwardRunResult], baseline: [Double], bn: [Double]
) {
  let runs = chapter.phase(label) { experiment.train(label, specs).map(\.result) }
  let half = runs.count / 2
  return (runs, runs.prefix(half).map(\.finalAccuracy), runs.suffix(half).map(\.finalAccuracy))
}

/// Seconds per training step of the three-layer BN network, from 100 timed steps.
@MainActor func secondsPerStep() -> Double {
  let network = experiment.makeNetwork(
    runSpec(name: "timing", batchNorm: true, learningRate: 0.1, steps: 1))
  var optimizer = SGD<Float>(learningRate: 0.1)
  var batches = ImageBatchStream(trainingSet, size: batchSize, seed: batchSeed)
  let batch = batches.next()
  let start = ProcessInfo.processInfo.systemUptime
  for _ in 0..<100 {
    network.trainStep(batch.x, labels: batch.labels, optimizer: &optimizer, statistics: .batch)
  }
  return (ProcessInfo.processInfo.systemUptime - start) / 100
}

/// A long run (the paper preset, or checkpoints asked for) says how long it will take, where
/// its checkpoints go and how to resume it.
@MainActor func announceIfLong() {
  guard chapter.preset == .paper || chapter.options.checkpointInterval != nil else { return }
  chapter.announceLongRun(
    "Chapter 3's training runs (evaluations not counted)",
    steps: sweepRates.count * sweepSteps + (figureVariants + rateVariants).count * replicates
      * steps + 2 * deepSteps + 2 * initialScales.count * sweepSteps,
    secondsPerStep: secondsPerStep(), sideBySide: true)
}

/// `text` followed by spaces up to `width` characters, for aligned tables.
func padded(_ text: String, _ width: Int) -> String {
  text + String(repeating: " ", count: max(width - text.count, 1))
}

/// "repetitions 1, 2, 3", for tables' headers.
@MainActor var repetitionList: String {
  "repetitions " + (1...replicates).map(String.init).joined(separator: ", ")
}
