/*:
 # Chapter 3 — A feed-forward network on MNIST

 Chapters 1 and 2 built the transform and its gradient on a single layer. This chapter puts
 it into a whole network and asks the question the paper's first experiment asks: does a
 network with batch normalization train *faster* and *better*, and is it because the inputs
 of its nonlinearities stop wandering?

 > "Batch Normalization allows us to use much higher learning rates and be less careful
 > about initialization." — Ioffe & Szegedy 2015, abstract

 We reproduce §4.1 and its Figure 1 with the paper's own network and schedule, then a
 CPU-sized analogue of the learning-rate experiments of §4.2 (BN-x5, BN-x30), then look at
 how inference uses population statistics (Alg. 2), and finally go one step beyond the paper:
 a ten-layer sigmoid network.

 **Data.** The paper used MNIST. This book runs on Fashion-MNIST by default (it ships as a
 Debian package; MNIST does not), which has the same format — 60,000 training and 10,000
 test images of 28×28 grey levels, 10 classes — but is harder: the paper's little sigmoid
 network reaches about 98% on MNIST and about 87–89% on Fashion-MNIST. Every claim below is
 *relative* (BN against no BN, one learning rate against another), so it still applies. To
 run on real MNIST: `companion fetch mnist --to DIR`, then
 `ch03-feedforward --mnist DIR` (or `companion run 3 --mnist DIR`). Every figure title says
 which data set produced it.
 */

import Companion
import Datasets
import Engine
import Foundation
import Plot

let chapter = Chapter(number: 3)
let images = chapter.attempt { try chapter.loadImages() }
let dataName = images.source.name

/*:
 ## The experiment of §4.1

 > "We trained the network for 50000 steps, with 60 examples per mini-batch."
 > — Ioffe & Szegedy 2015, §4.1

 The network: the 784 pixels, three fully connected hidden layers of 100 sigmoid units,
 a 10-way softmax with cross-entropy loss. Each hidden layer computes $y = g(Wu + b)$ with
 $g$ the logistic sigmoid; with batch normalization it computes $y = g(\mathrm{BN}(Wu))$:
 BN goes right before the nonlinearity and the bias is dropped, because the mean subtraction
 cancels any constant added to $Wu$ and $\beta$ takes its place (§3.2).

 What the paper leaves open, and what we chose:

 * *Input.* The paper speaks of a "binary image"; we feed the grey levels scaled to $[0, 1]$.
 * *Initial weights.* "small random Gaussian values", scale not given: we draw every weight
   from $\mathcal N(0, 0.1^2)$ and the biases start at 0. Both networks start from the same
   weights (the BN network simply has no biases) and see the same mini-batches in the same
   order, so the two curves differ only by batch normalization.
 * *Optimizer.* Not given. Plain SGD, $\theta \leftarrow \theta - \eta\, \partial\ell/\partial\theta$,
   on the mean loss of the batch, with the learning rate $\eta$ picked by a small sweep on the
   baseline (below).
 * *ε* is $10^{-5}$ (the paper gives none).

 The book preset runs the paper's full 50,000 steps; the engine does one step of this network
 in about half a millisecond on one core.
 */

let steps = chapter.steps(default: chapter.pick(smoke: 200, book: 50_000, paper: 50_000))
let batchSize = 60
let initialStandardDeviation = 0.1
let hiddenWidths = [100, 100, 100]
/// How many test images the curves are measured on (all 10,000 except in the smoke run).
let testCount = chapter.pick(smoke: 500, book: 10_000, paper: 10_000)
/// The fixed images whose sigmoid inputs Figure 1(b, c) tracks.
let probeCount = chapter.pick(smoke: 200, book: 1_000, paper: 1_000)
/// Training batches of the population-statistics pass at every point of a curve.
let curvePopulationBatches = chapter.pick(smoke: 5, book: 100, paper: 100)
/// Measurements per curve after the first 1%: about 100 in the book, a few in the smoke run.
let evaluationPoints = chapter.pick(smoke: 25, book: 100, paper: 100)
/// Training batches of the final population-statistics pass: all 1,000 except in the smoke run.
let fullPassBatches = chapter.pick(
  smoke: 50, book: images.train.count / 60, paper: images.train.count / 60)

/*:
 Images become matrices with one example per row. The test set is one big matrix; training
 batches are filled from a seeded shuffle, fresh every epoch (1,000 batches of 60), so that
 every run below sees exactly the same sequence of batches.
 */

/// An image set as a matrix with one flattened image per row.
func matrix(of set: ImageSet) -> Matrix<Float> {
  Matrix(rows: set.count, cols: set.imageSize, set.pixels)
}

/// The first `count` examples of `set` (the smoke preset evaluates on a slice).
func prefix(_ set: ImageSet, _ count: Int) -> ImageSet {
  count >= set.count ? set : set.subset(Array(0..<count))
}

/// Mini-batches of 60 in a fresh seeded order every epoch (the data set's `MiniBatchStream`);
/// the same seed gives every run the same sequence, so the compared networks differ only in
/// what we changed.
struct BatchStream {
  let data: ImageSet
  /// Where the stream is: all a checkpoint needs to continue it.
  var indices: MiniBatchStream
  private var inputs: [Float] = []
  private var labels: [Int] = []

  init(_ data: ImageSet, size: Int, seed: UInt64) {
    self.data = data
    indices = MiniBatchStream(count: data.count, batchSize: size, seed: seed)
  }

  mutating func next() -> (x: Matrix<Float>, labels: [Int]) {
    data.fill(indices: indices.next(), inputs: &inputs, labels: &labels)
    return (Matrix(rows: indices.batchSize, cols: data.imageSize, inputs), labels)
  }
}

/// `count` training batches of `size`, drawn once from a seeded shuffle and kept fixed.
func fixedBatches(_ data: ImageSet, count: Int, size: Int, seed: UInt64) -> [Matrix<Float>] {
  var stream = BatchStream(data, size: size, seed: seed)
  return (0..<min(count, data.count / size)).map { _ in stream.next().x }
}

let trainingSet = images.train
let testSet = prefix(images.test, testCount)
let testX = matrix(of: testSet)
let probeX = matrix(of: prefix(images.test, probeCount))

let batchSeed = chapter.seed(for: "mini-batch order")
let populationSeed = chapter.seed(for: "population batches")
let curvePopulation = fixedBatches(
  trainingSet, count: curvePopulationBatches, size: batchSize, seed: populationSeed)

/*:
 ## Measuring a network while it trains

 At each point of a curve we measure the network *as it would be used*: for the BN network
 that means Alg. 2, inference with population statistics.

 > Alg. 2, step 10: $\mathrm E[x] \leftarrow \mathrm E_{\mathcal B}[\mu_{\mathcal B}]$,
 > $\mathrm{Var}[x] \leftarrow \frac{m}{m-1}\mathrm E_{\mathcal B}[\sigma^2_{\mathcal B}]$
 > — Ioffe & Szegedy 2015, §3.1

 The expectation is over training mini-batches of size $m$ *of the trained network*, so
 after training one runs the frozen network over the training set once in training mode,
 averaging the batch means and the (Bessel-corrected) batch variances. That costs a full
 pass; doing it at every one of the ~100 points of a curve would cost more than the training,
 so the curves use a pass over a fixed set of 100 training batches of 60 (6,000 images,
 drawn once), and the final numbers use the whole training set. The engine's `BatchNorm`
 layer does the averaging when a forward pass asks for the `.batchAndTrack` statistics policy
 and its convention is `.paper` (average, unbiased); training steps ask for `.batch` instead
 (normalise with the batch, track nothing) — the weights change at every step, so an average
 over all of training would mix statistics of many different networks (§ Inference below
 measures exactly how much that costs).
 */

/// Alg. 2, step 10: resets each BN layer's population statistics and averages the batch
/// means and unbiased batch variances of `batches` (forward passes only; nothing learns).
func estimatePopulation(of network: FeedForwardNetwork<Float>, over batches: [Matrix<Float>]) {
  for norm in network.norms { norm?.population.reset() }
  for x in batches { _ = network.forward(x, statistics: .batchAndTrack) }
}

/*:
 For Figure 1(b, c) we record, at every point of the curves, the input of each sigmoid of
 the last hidden layer for a fixed probe set — the first 1,000 test images — fed through the
 network in its current state (inference mode, so the BN network uses the population
 statistics just estimated). The "typical sigmoid" of the figure is unit 0 of that layer
 (the units are exchangeable: nothing singles one out); the drift claim below uses all 100.
 */

/// The 15th, 50th and 85th percentiles of one unit's input over the probe set.
struct Percentiles: Codable {
  var p15: Double
  var p50: Double
  var p85: Double
}

/// The `q`-quantile (0...1) of sorted values, interpolating linearly between neighbours.
func quantile(_ sorted: [Float], _ q: Double) -> Double {
  let position = q * Double(sorted.count - 1)
  let below = Int(position.rounded(.down))
  let above = min(below + 1, sorted.count - 1)
  let fraction = position - Double(below)
  return Double(sorted[below]) * (1 - fraction) + Double(sorted[above]) * fraction
}

/// Percentiles of every column of `z` (rows are examples, columns are units).
func columnPercentiles(_ z: Matrix<Float>) -> [Percentiles] {
  (0..<z.cols).map { unit in
    let column = (0..<z.rows).map { z.storage[$0 * z.cols + unit] }.sorted()
    return Percentiles(
      p15: quantile(column, 0.15), p50: quantile(column, 0.50), p85: quantile(column, 0.85))
  }
}

/// The steps at which a run of `total` steps is measured: step 0, three early points, then
/// every 1/`points` of training (100 points in the book: enough for a smooth curve).
func evaluationSchedule(total: Int, points: Int) -> [Int] {
  let every = max(total / points, 1)
  let early = [every / 4, every / 2, 3 * every / 4].filter { $0 > 0 }
  return Array(Set([0] + early + Array(stride(from: every, through: total, by: every)) + [total]))
    .sorted()
}

/*:
 ## Reading a noisy curve

 A single evaluation on the 10,000 test images is a noisy number: between two neighbouring
 points of a curve, 500 steps apart, the accuracy of either network jumps by ±0.5–1 point
 late in training, more than the gap between the two networks. The first version of this
 chapter read its claims off single evaluations — "the first measured step at which the
 curve reaches $X$", "the best single evaluation" — and a change of *rounding only* in the
 engine flipped most of its conclusions (see *History* at the end). So every claim now reads
 curves the same way, fixed before looking at the results:

 * **Smoothing.** Each run's accuracy curve is smoothed by a centred moving average over 5
   evaluation points: in the book run, each point with its two neighbours on either side,
   i.e. over 2,000 steps of training (the point ± 1,000 steps; the first 1,000 steps are
   measured more densely, so there the window is shorter). Near the ends of a curve the
   average is over the points that exist (the last point is the mean of the last three). The
   same smoothing is applied to every run.
 * **Steps to reach $X$**: the first evaluation step at which the *smoothed* curve is $\ge X$.
 * **Final accuracy**: the mean of the last 5 evaluations (the last 2,000 steps).
 * **Best accuracy**: the maximum of the smoothed curve. The maximum of ~100 raw evaluations
   is biased upwards — it picks the luckiest draw of the noise — and is a target no other run
   is likely to hit.

 The page prints the single-evaluation numbers beside the smoothed ones, so nothing is hidden.
 */

/// Points averaged by the centred moving average of every curve (2 each side of the centre).
let smoothingWindow = 5

/// The mean of `values` (NaN when empty).
func mean<C: Collection>(_ values: C) -> Double where C.Element == Double {
  values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
}

/// A centred moving average over `window` points; near the ends, over the points that exist.
func movingAverage(_ values: [Double], window: Int) -> [Double] {
  let half = window / 2
  return values.indices.map { i in
    mean(values[max(i - half, 0)...min(i + half, values.count - 1)])
  }
}

/*:
 ## A training run

 One function trains every network of the chapter: build it from the seed, then for each step
 fill a batch, run `trainStep` (forward, loss, hand-derived backward, SGD update — Chapter 2's
 gradient inside), and at each scheduled step measure test accuracy and, if asked, the probe
 percentiles. A loss that stops being a number ends the run; `checkFinite` records where.

 For the inference table we also keep, for each BN layer, two running summaries of the batch
 statistics seen *during* training, fed from the layer's `lastBatchStatistics` (the $\mu_\mathcal B$
 and biased $\sigma^2_\mathcal B$ of the step just taken): exponential moving averages with
 PyTorch's momentum 0.1 and Keras's 0.01 (what libraries use at inference), and the plain
 average over all of training (Alg. 2's formula, but applied to a moving target).
 */

struct RunResult: Codable {
  var name: String
  var steps: [Int] = []
  /// Test accuracy in percent at each of `steps`.
  var accuracy: [Double] = []
  /// Per evaluation point, the probe percentiles of every unit of the last hidden layer.
  var probe: [[Percentiles]] = []
  /// The same for x̂, the last BN layer's normalised value before γ and β (BN runs only).
  var probeNormalized: [[Percentiles]] = []
  var divergedAt: Int?
  var seconds: Double = 0
  /// The last single evaluation (the previous, noise-sensitive measure).
  var lastAccuracy: Double { accuracy.last ?? .nan }
  /// The best single evaluation (the previous, upward-biased measure).
  var bestRawAccuracy: Double { accuracy.filter(\.isFinite).max() ?? .nan }
  /// The accuracy curve smoothed by a centred moving average over `smoothingWindow` points.
  var smoothed: [Double] { movingAverage(accuracy, window: smoothingWindow) }
  /// The mean of the last `smoothingWindow` evaluations: "the final accuracy".
  var finalAccuracy: Double { mean(accuracy.suffix(smoothingWindow)) }
  /// The maximum of the smoothed curve: "the best accuracy".
  var bestAccuracy: Double { smoothed.filter(\.isFinite).max() ?? .nan }
}

struct RunSpec {
  var name: String
  var hidden: [Int] = hiddenWidths
  var batchNorm: Bool
  var learningRate: Double
  var steps: Int
  var recordsProbe = false
  var training: ImageSet = trainingSet
  var evaluationX: Matrix<Float> = testX
  var evaluationLabels: [Int] = testSet.labels
  /// What the evaluation set is, for labels: "test", or "held-out" in the sweep, which must
  /// not look at the test set.
  var evaluationName = "test"
  /// Whether later sections use the trained network itself (not only its curves), so a
  /// checkpoint keeps its parameters.
  var keepsNetwork = false
}

/// A trained network with what the inference table needs beside it.
struct Trained {
  /// The network, for the runs that keep it (`RunSpec.keepsNetwork`).
  var network: FeedForwardNetwork<Float>?
  var result: RunResult
  /// Per BN layer: moving averages (momentum 0.1 and 0.01) and a plain average over all of
  /// training.
  var movingAverages: [PopulationStatistics]
  var slowMovingAverages: [PopulationStatistics]
  var trainingAverages: [PopulationStatistics]
}

func makeNetwork(_ spec: RunSpec) -> FeedForwardNetwork<Float> {
  var generator = chapter.makeGenerator("initial weights")
  let network = FeedForwardNetwork<Float>(
    .init(
      inputs: spec.training.imageSize, hidden: spec.hidden, outputs: 10, activation: .sigmoid,
      batchNorm: spec.batchNorm ? .paper : nil,
      initializer: .normal(standardDeviation: initialStandardDeviation)),
    using: &generator)
  return network
}

/// Test accuracy (percent) and, if asked, probe percentiles, with population statistics
/// from `curvePopulation` for a BN network.
func measure(
  _ network: FeedForwardNetwork<Float>, spec: RunSpec
) -> (accuracy: Double, probe: [Percentiles]?, normalized: [Percentiles]?) {
  if spec.batchNorm { estimatePopulation(of: network, over: curvePopulation) }
  let accuracy =
    100
    * network.accuracy(
      spec.evaluationX, labels: spec.evaluationLabels, batchSize: 1000,
      statistics: .population)
  guard spec.recordsProbe else { return (accuracy, nil, nil) }
  _ = network.forward(probeX, statistics: .population)
  // x̂ = (z − E[z]) / sqrt(Var[z] + ε) with the population statistics, before γ and β.
  let normalized = network.norms.last.flatMap { $0?.lastNormalized }
  return (
    accuracy, columnPercentiles(network.nonlinearityInput(network.hiddenLayers.count - 1)),
    normalized.map(columnPercentiles)
  )
}

/// What a finished run leaves for the rest of the chapter. With checkpoints on, it is saved,
/// and a resumed chapter rebuilds the network from it instead of training it again.
struct TrainedRecord: Codable {
  /// The final parameters and populations, for a run whose network is kept.
  var parameters: [String: Matrix<Float>]?
  var populations: [String: PopulationStatistics]
  var result: RunResult
  var movingAverages: [PopulationStatistics]
  var slowMovingAverages: [PopulationStatistics]
  var trainingAverages: [PopulationStatistics]
}

/// What a run in progress saves at a checkpoint: everything that changes from step to step,
/// so that the resumed run continues bit for bit (SGD keeps no state of its own).
struct RunProgress: Codable {
  var step: Int
  var parameters: [String: Matrix<Float>]
  var batches: MiniBatchStream
  var result: RunResult
  var movingAverages: [PopulationStatistics]
  var slowMovingAverages: [PopulationStatistics]
  var trainingAverages: [PopulationStatistics]
  var nextEvaluation: Int
}

/// Trains the run `spec` describes — or, resuming an interrupted chapter, continues it or
/// takes its saved result (`Chapter.resumable`).
func train(_ spec: RunSpec) -> Trained {
  let record = chapter.attempt {
    try chapter.resumable(spec.name) { unit in try trainRun(spec, unit: unit) }
  }
  var network: FeedForwardNetwork<Float>? = nil
  if let parameters = record.parameters {
    let kept = makeNetwork(spec)
    chapter.attempt { try NamedValues.restore(kept.parameters, from: parameters) }
    kept.populations = record.populations
    network = kept
  }
  return Trained(
    network: network, result: record.result, movingAverages: record.movingAverages,
    slowMovingAverages: record.slowMovingAverages, trainingAverages: record.trainingAverages)
}

func trainRun(_ spec: RunSpec, unit: ResumableUnit) throws -> TrainedRecord {
  let network = makeNetwork(spec)
  chapter.log.scalar(
    "batch-normalized layers, \(spec.name)", Double(network.norms.compactMap { $0 }.count))
  var optimizer = SGD<Float>(learningRate: spec.learningRate)
  var batches = BatchStream(spec.training, size: batchSize, seed: batchSeed)
  let bnLayers = network.norms.compactMap { $0 }
  var moving = bnLayers.map { PopulationStatistics(features: $0.features, convention: .pytorch) }
  // Keras's momentum (a hundredth of each new batch), PyTorch's ε and variance.
  let slowConvention = BatchNormConvention(
    name: "moving average, momentum 0.01", epsilon: BatchNormConvention.pytorch.epsilon,
    update: .movingAverage(momentum: 0.01), storesUnbiasedVariance: true)
  var slow = bnLayers.map {
    PopulationStatistics(features: $0.features, convention: slowConvention)
  }
  var average = bnLayers.map { PopulationStatistics(features: $0.features, convention: .paper) }
  var result = RunResult(name: spec.name)
  let schedule = evaluationSchedule(total: spec.steps, points: evaluationPoints)
  var nextEvaluation = 0
  if let saved = try unit.restore(RunProgress.self) {
    try NamedValues.restore(network.parameters, from: saved.parameters)
    batches.indices = saved.batches
    result = saved.result
    moving = saved.movingAverages
    slow = saved.slowMovingAverages
    average = saved.trainingAverages
    nextEvaluation = saved.nextEvaluation
  }
  let started = ProcessInfo.processInfo.systemUptime
  let secondsBefore = result.seconds

  func record(_ step: Int) {
    let (accuracy, probe, normalized) = measure(network, spec: spec)
    result.steps.append(step)
    result.accuracy.append(accuracy)
    if let probe { result.probe.append(probe) }
    if let normalized { result.probeNormalized.append(normalized) }
    chapter.log.record(
      "\(spec.evaluationName) accuracy (%)", run: spec.name, step: step, value: accuracy)
  }

  var progress = chapter.progress(spec.name, total: spec.steps)
  if unit.resumedStep == 0 && schedule.first == 0 {
    record(0)
    nextEvaluation = 1
  }
  for step in stride(from: unit.resumedStep + 1, through: spec.steps, by: 1) {
    let batch = batches.next()
    let loss = network.trainStep(
      batch.x, labels: batch.labels, optimizer: &optimizer, statistics: .batch)
    guard chapter.checkFinite(loss, step: step, run: spec.name) else {
      result.divergedAt = step
      break
    }
    for (l, norm) in bnLayers.enumerated() {
      let statistics = norm.lastBatchStatistics
      let mean = statistics.mean.map(Double.init)
      let variance = statistics.variance.map(Double.init)
      moving[l].update(batchMean: mean, batchVariance: variance, batchSize: batchSize)
      slow[l].update(batchMean: mean, batchVariance: variance, batchSize: batchSize)
      average[l].update(batchMean: mean, batchVariance: variance, batchSize: batchSize)
    }
    if nextEvaluation < schedule.count, schedule[nextEvaluation] == step {
      record(step)
      nextEvaluation += 1
      progress.update(
        step, ["loss": Double(loss), "\(spec.evaluationName) acc": result.accuracy.last!])
    }
    result.seconds = secondsBefore + ProcessInfo.processInfo.systemUptime - started
    let continuing = unit.stepDone(step) {
      RunProgress(
        step: step, parameters: NamedValues.of(network.parameters), batches: batches.indices,
        result: result, movingAverages: moving, slowMovingAverages: slow,
        trainingAverages: average, nextEvaluation: nextEvaluation)
    }
    if !continuing { break }
  }
  progress.finish()
  // The final parameters' fingerprint (52 bits), so two runs can be compared bit for bit.
  chapter.log.scalar(
    "parameter fingerprint, \(spec.name)",
    Double(NamedValues.fingerprint(network.parameters) >> 12))
  if !chapter.shouldStop {
    let ending = result.divergedAt.map { "diverged at step \($0)" } ?? "final"
    chapter.say(
      "\(spec.name): \(ending) \(spec.evaluationName) accuracy "
        + String(
          format:
            "%.2f%% (mean of last %d %.2f%%, best smoothed %.2f%%, best single %.2f%%), %.1f s",
          result.lastAccuracy, smoothingWindow, result.finalAccuracy, result.bestAccuracy,
          result.bestRawAccuracy, result.seconds))
    chapter.log.scalar(
      "final \(spec.evaluationName) accuracy (%), \(spec.name)", result.finalAccuracy)
  }
  return TrainedRecord(
    parameters: spec.keepsNetwork ? NamedValues.of(network.parameters) : nil,
    populations: network.populations,
    result: result, movingAverages: moving, slowMovingAverages: slow, trainingAverages: average)
}

/*:
 ## Choosing the learning rate

 The paper does not give its optimizer settings for MNIST. We choose the baseline's rate the
 way one would: a short sweep over a factor-of-three grid, each rate trained for a tenth of the
 run, judged on a sixth of the training images held out for the purpose — 10,000 of the
 60,000 — and trained on the rest (not on the test set, which the figures report; with a
 smaller MNIST-format set given by `--mnist`, the held-out share is still a sixth). Each rate is scored by the mean held-out accuracy over its last 5
 evaluations (the last 200 of its 5,000 steps; evaluations are 50 steps apart in the sweep),
 not by one final evaluation. Rates whose scores are within 0.3 points of the best are
 within the noise of each other; among those we take the **smallest**: the paper compares BN
 against the baseline at the baseline's working rate, and a larger rate that is not clearly
 better is not that. We fixed this rule before running it. The chosen rate becomes the base
 rate $\eta$ for both networks in Figure 1; the learning-rate experiment multiplies it.
 */

let sweepRates: [Double] = chapter.pick(
  smoke: [0.3, 1], book: [0.1, 0.3, 1, 3], paper: [0.1, 0.3, 1, 3])
let sweepSteps = chapter.pick(smoke: 50, book: 5_000, paper: 5_000)
/// Steps of each ten-layer run (the last section).
let deepSteps = chapter.pick(smoke: 100, book: 20_000, paper: 50_000)

/// Seconds per training step of the three-layer BN network, from 100 timed steps.
func secondsPerStep() -> Double {
  let network = makeNetwork(RunSpec(name: "timing", batchNorm: true, learningRate: 0.1, steps: 1))
  var optimizer = SGD<Float>(learningRate: 0.1)
  var batches = BatchStream(trainingSet, size: batchSize, seed: batchSeed)
  let batch = batches.next()
  let start = ProcessInfo.processInfo.systemUptime
  for _ in 0..<100 {
    network.trainStep(batch.x, labels: batch.labels, optimizer: &optimizer, statistics: .batch)
  }
  return (ProcessInfo.processInfo.systemUptime - start) / 100
}

// A long run says how long it will take, where its checkpoints go and how to resume it.
if chapter.preset == .paper || chapter.options.checkpointInterval != nil {
  chapter.announceLongRun(
    "Chapter 3's training runs (evaluations not counted)",
    steps: sweepRates.count * sweepSteps + 6 * steps + 2 * deepSteps,
    secondsPerStep: secondsPerStep())
}

/// The sweep's held-out share of the training images: a sixth, 10,000 of the 60,000 of
/// (Fashion-)MNIST, and as many in proportion for a smaller MNIST-format set.
let sweepHeldOutFraction = 1.0 / 6
let sweepData = chapter.attempt {
  try trainingSet.split(
    validationCount: Int((Double(trainingSet.count) * sweepHeldOutFraction).rounded()),
    seed: chapter.seed(for: "sweep"))
}
let sweepValidation = prefix(sweepData.validation, testCount)

let sweep: [(rate: Double, accuracy: Double, last: Double)] = chapter.phase("learning-rate sweep") {
  sweepRates.map { rate in
    let spec = RunSpec(
      name: "sweep η=\(rate)", batchNorm: false, learningRate: rate, steps: sweepSteps,
      training: sweepData.train, evaluationX: matrix(of: sweepValidation),
      evaluationLabels: sweepValidation.labels, evaluationName: "held-out")
    let trained = train(spec)
    let diverged = trained.result.divergedAt != nil
    let score = diverged ? .nan : trained.result.finalAccuracy
    let last = diverged ? .nan : trained.result.lastAccuracy
    chapter.log.scalar("sweep validation accuracy (%), η=\(rate)", score)
    chapter.log.scalar("sweep last single evaluation (%), η=\(rate)", last)
    return (rate, score, last)
  }
}
/// Points within which two sweep scores count as the same (the noise of the score).
let sweepTolerance = 0.3
let bestSweepScore = sweep.map(\.accuracy).filter(\.isFinite).max() ?? .nan
/// The smallest rate whose score is within `sweepTolerance` of the best.
let baseRate =
  sweep.filter { $0.accuracy.isFinite && $0.accuracy >= bestSweepScore - sweepTolerance }
  .map(\.rate).min() ?? sweepRates[0]
chapter.log.scalar("base learning rate", baseRate)
chapter.say(
  "\nLearning-rate sweep (baseline, \(sweepSteps) steps, held-out accuracy; score = mean of the "
    + "last \(smoothingWindow) evaluations; smallest rate within \(sweepTolerance) points of the best):"
)
chapter.say("  η        score   last single evaluation")
for (rate, score, last) in sweep {
  let note =
    rate == baseRate
    ? "  ← chosen"
    : score >= bestSweepScore - sweepTolerance ? "  (within \(sweepTolerance) of the best)" : ""
  chapter.say(String(format: "  η = %-5g  %6.2f%%  %6.2f%%", rate, score, last) + note)
}

/*:
 ## Figure 1: with and without batch normalization

 Two runs of 50,000 steps at the base rate, the baseline and the BN network, both measured on
 the full test set about 100 times.
 */

let baseline = chapter.phase("Figure 1 runs") {
  train(
    RunSpec(
      name: "baseline", batchNorm: false, learningRate: baseRate, steps: steps, recordsProbe: true))
}
let batchNormed = chapter.phase("Figure 1 runs") {
  train(
    RunSpec(
      name: "BN", batchNorm: true, learningRate: baseRate, steps: steps, recordsProbe: true,
      keepsNetwork: true))
}

/*:
 The claim of Figure 1(a), made precise: take the baseline's final accuracy (the mean of its
 last 5 evaluations), find the first step at which the baseline's smoothed curve reaches it
 and the first at which the BN network's does; BN should need at most half as many steps,
 and end higher (mean of its last 5 evaluations against the baseline's). The same
 measures on single evaluations — the chapter's first version — are printed beside them.
 */

/// `text` followed by spaces up to `width` characters, for aligned tables.
func padded(_ text: String, _ width: Int) -> String {
  text + String(repeating: " ", count: max(width - text.count, 1))
}

/// The first evaluation step at which `run`'s smoothed curve reaches `target` percent.
func stepsToReach(_ target: Double, _ run: RunResult) -> Int? {
  zip(run.steps, run.smoothed).first { $0.1 >= target }?.0
}

/// The same on single evaluations (the previous measure, printed for comparison).
func rawStepsToReach(_ target: Double, _ run: RunResult) -> Int? {
  zip(run.steps, run.accuracy).first { $0.1 >= target }?.0
}

/// A step, or "never".
func describe(_ step: Int?) -> String { step.map(String.init) ?? "never" }

/// A step count as a multiple of `reference`: the ratio if the target was reached, otherwise
/// the run's length over `reference` — a lower bound, flagged by the unit.
func multiple(_ reached: Int?, of reference: Int, runLength: Int) -> (value: Double, unit: String) {
  let denominator = Double(max(reference, 1))
  if let reached { return (Double(reached) / denominator, "×") }
  return (Double(runLength) / denominator, "× (not reached: lower bound)")
}

let baselineFinal = baseline.result.finalAccuracy
let baselineStepsToFinal = stepsToReach(baselineFinal, baseline.result) ?? steps
let bnStepsToBaselineFinal = stepsToReach(baselineFinal, batchNormed.result)
let speedup = multiple(bnStepsToBaselineFinal, of: baselineStepsToFinal, runLength: steps)
chapter.say(
  String(
    format:
      "\nbaseline's final accuracy (mean of last %d) %.2f%%: smoothed curves reach it at step ",
    smoothingWindow, baselineFinal)
    + "\(baselineStepsToFinal) (baseline), \(describe(bnStepsToBaselineFinal)) (BN): "
    + String(format: "%.3f×", speedup.value))
let rawBaselineFinal = baseline.result.lastAccuracy
let rawBaselineSteps = rawStepsToReach(rawBaselineFinal, baseline.result) ?? steps
let rawBNSteps = rawStepsToReach(rawBaselineFinal, batchNormed.result)
let rawSpeedup = multiple(rawBNSteps, of: rawBaselineSteps, runLength: steps)
chapter.say(
  String(
    format: "  single evaluations (previous measure): baseline's last %.2f%%, ", rawBaselineFinal)
    + "first reached at step \(rawBaselineSteps) (baseline), \(describe(rawBNSteps)) (BN): "
    + String(format: "%.3f×", rawSpeedup.value))
chapter.log.scalar("BN steps to baseline final / baseline's, single evaluations", rawSpeedup.value)
/// How the verdict depends on the target: the same ratio for targets a little below it.
for lower in [0.1, 0.2] {
  let target = baselineFinal - lower
  let baselineSteps = stepsToReach(target, baseline.result) ?? steps
  let bnSteps = stepsToReach(target, batchNormed.result)
  let ratio = multiple(bnSteps, of: baselineSteps, runLength: steps).value
  chapter.say(
    String(format: "  sensitivity: target %.2f%% (%.1f lower): ", target, lower)
      + "baseline at step \(baselineSteps), BN at \(describe(bnSteps)): "
      + String(format: "%.3f×", ratio))
  chapter.log.scalar(String(format: "BN steps to baseline final − %.1f / baseline's", lower), ratio)
}
chapter.claim(
  "BN reaches the baseline's final test accuracy in at most half the steps",
  paper: "Ioffe & Szegedy 2015, §4.1, Fig. 1(a)", measured: speedup.value, format: "%.3f",
  unit: speedup.unit, threshold: "≤ 0.5 of the baseline's steps",
  holds: bnStepsToBaselineFinal != nil && speedup.value <= 0.5)
let finalGap = batchNormed.result.finalAccuracy - baselineFinal
chapter.say(
  String(
    format:
      "final accuracy, mean of last %d: baseline %.2f%%, BN %.2f%% (%+.2f); last single: baseline %.2f%%, BN %.2f%% (%+.2f)",
    smoothingWindow, baselineFinal, batchNormed.result.finalAccuracy, finalGap,
    rawBaselineFinal, batchNormed.result.lastAccuracy,
    batchNormed.result.lastAccuracy - rawBaselineFinal))
chapter.claim(
  "BN ends with a higher test accuracy than the baseline",
  paper: "Ioffe & Szegedy 2015, §4.1, Fig. 1(a)", measured: finalGap, format: "%+.2f",
  unit: " points", threshold: "> 0", holds: finalGap > 0)

/*:
 Figure 1(b, c) in a number. For every unit of the last hidden layer, take the median of its
 input over the probe set at 10% of training and at the end; the drift is the absolute change,
 in units of the sigmoid's input. The first 10% are left out because both networks move fast
 at first, while the paper's point is what happens once training has settled. We compare the
 median drift over the 100 units of the BN network with that of the baseline; "nearly fixed"
 we read as: less than half the baseline's drift. We also report the change of the 15–85
 spread the same way.
 */

/// Per unit, |statistic(end) − statistic(at 10% of training)|, and the median over units;
/// `probe` is the run's record of sigmoid inputs, or of x̂ for a BN run.
func medianDrift(
  _ run: RunResult, of probe: [[Percentiles]]? = nil, _ statistic: (Percentiles) -> Double
) -> Double {
  let probe = probe ?? run.probe
  guard probe.count >= 2, let start = run.steps.firstIndex(where: { $0 >= steps / 10 })
  else { return .nan }
  let first = probe[min(start, probe.count - 1)]
  let last = probe[probe.count - 1]
  let drifts = zip(first, last).map { abs(statistic($1) - statistic($0)) }.sorted()
  return drifts[drifts.count / 2]
}

let medianOf: (Percentiles) -> Double = { $0.p50 }
let spreadOf: (Percentiles) -> Double = { $0.p85 - $0.p15 }
let baselineDrift = medianDrift(baseline.result, medianOf)
let bnDrift = medianDrift(batchNormed.result, medianOf)
let baselineSpreadDrift = medianDrift(baseline.result, spreadOf)
let bnSpreadDrift = medianDrift(batchNormed.result, spreadOf)
chapter.say(
  String(
    format:
      "median drift of sigmoid inputs after 10%% of training (median over units): baseline %.3f, BN %.3f; spread change: baseline %.3f, BN %.3f",
    baselineDrift, bnDrift, baselineSpreadDrift, bnSpreadDrift))
for (name, value) in [
  ("median drift, baseline", baselineDrift), ("median drift, BN", bnDrift),
  ("spread change, baseline", baselineSpreadDrift), ("spread change, BN", bnSpreadDrift),
] { chapter.log.scalar(name, value) }
let driftRatio = bnDrift / baselineDrift

/*:
 The same measure on $\hat x$, the BN layer's normalised value before $\gamma$ and $\beta$
 (read from the layer after the inference-mode forward pass of the probe set, so
 $\hat x = (z - \mathrm E[z]) / \sqrt{\mathrm{Var}[z] + \epsilon}$ with the population
 statistics of that moment). This is extra information, not a claim: it separates what BN
 holds fixed — $\hat x$ has mean 0 and variance 1 over the training population at every step
 — from what it learns, $y = \gamma \hat x + \beta$, the sigmoid's input.
 */

let normalizedDrift = medianDrift(
  batchNormed.result, of: batchNormed.result.probeNormalized, medianOf)
let normalizedSpreadDrift = medianDrift(
  batchNormed.result, of: batchNormed.result.probeNormalized, spreadOf)
chapter.say(
  String(
    format:
      "BN, x̂ before γ and β: median drift %.3f, spread change %.3f (ratio to the baseline's median drift %.3f)",
    normalizedDrift, normalizedSpreadDrift, normalizedDrift / baselineDrift))
chapter.log.scalar("median drift, BN x̂", normalizedDrift)
chapter.log.scalar("spread change, BN x̂", normalizedSpreadDrift)
chapter.claim(
  "With BN the sigmoid inputs' median drifts less than without (BN drift / baseline drift)",
  paper: "Ioffe & Szegedy 2015, §4.1, Fig. 1(b, c)", measured: driftRatio, format: "%.3f",
  threshold: "< 0.5", holds: driftRatio < 0.5)

/*:
 ## The learning-rate experiment (§4.2.1–4.2.2, analogue)

 > "In traditional deep networks, too-high learning rate may result in the gradients that
 > explode or vanish, as well as getting stuck in poor local minima." — Ioffe & Szegedy 2015, §3.3

 Batch normalization makes a layer's output invariant to the scale of its weights,
 $\mathrm{BN}((aW)u) = \mathrm{BN}(Wu)$, and so
 $$\frac{\partial\, \mathrm{BN}((aW)u)}{\partial (aW)} = \frac 1a \cdot \frac{\partial\, \mathrm{BN}(Wu)}{\partial W}:$$
 if a large learning rate inflates the weights, their gradients shrink in proportion and the
 effective step size settles down by itself (§3.3). The paper's ImageNet experiment trained
 BN-Inception at the base rate, at 5× (BN-x5) and at 30× (BN-x30), and reports the steps each
 needed to reach the plain Inception's best accuracy (72.2%): 31.0M for Inception, 13.3M for
 BN-Baseline, 2.1M for BN-x5 and 2.7M for BN-x30 (§4.2.2, Figure 2–3).

 Our analogue on the MNIST net: the baseline and BN at the base rate (the two Figure 1 runs),
 BN at 5× and 30×, and — the control the paper could not afford on ImageNet — the baseline at
 5× and 30×. Target: the baseline's best test accuracy over its run — the maximum of its
 smoothed curve — and each run's steps are read off its smoothed curve too.
 */

let multipliers: [Double] = [5, 30]
let rateRuns: [Trained] = chapter.phase("learning-rate runs") {
  multipliers.flatMap { factor in
    [true, false].map { usesBN in
      train(
        RunSpec(
          name: "\(usesBN ? "BN" : "baseline") ×\(Int(factor))", batchNorm: usesBN,
          learningRate: factor * baseRate, steps: steps))
    }
  }
}
let allRateRuns = [baseline.result, batchNormed.result] + rateRuns.map(\.result)
let baselineBest = baseline.result.bestAccuracy
let baselineStepsToBest = stepsToReach(baselineBest, baseline.result) ?? steps

let rawBaselineBest = baseline.result.bestRawAccuracy
let rawBaselineStepsToBest = rawStepsToReach(rawBaselineBest, baseline.result) ?? steps

/// Steps to a target as a multiple of the baseline's, or why it was not reached.
func outcome(_ reached: Int?, reference: Int, _ run: RunResult) -> String {
  if let reached {
    return String(format: "%6d  %5.2f×", reached, Double(reached) / Double(max(reference, 1)))
  } else if let diverged = run.divergedAt {
    return "diverged at \(diverged)"
  }
  return "never"
}

/// One row of the learning-rate table: smoothed measure, then the single-evaluation one.
func rateRow(_ run: RunResult) -> (steps: Int?, text: String) {
  let reached = stepsToReach(baselineBest, run)
  let rawReached = rawStepsToReach(rawBaselineBest, run)
  return (
    reached,
    "  " + padded(run.name, 14)
      + padded(outcome(reached, reference: baselineStepsToBest, run), 18)
      + String(format: "%6.2f%%  %6.2f%%  | ", run.bestAccuracy, run.finalAccuracy)
      + padded(outcome(rawReached, reference: rawBaselineStepsToBest, run), 18)
      + String(format: "%6.2f%%  %6.2f%%", run.bestRawAccuracy, run.lastAccuracy)
  )
}

chapter.say(
  String(
    format:
      "\nSteps to reach the baseline's best test accuracy, base rate η = %g. Smoothed (the claims): "
      + "target = max of the baseline's smoothed curve, %.2f%%. Single evaluations (previous "
      + "measure): target = the baseline's best single evaluation, %.2f%%.",
    baseRate, baselineBest, rawBaselineBest))
chapter.say(
  "  " + padded("run", 14) + padded("smoothed: steps", 18) + "best    final   | "
    + padded("single: steps", 18) + "best    last")
let rateRows = allRateRuns.map { (name: $0.name, row: rateRow($0)) }
for (name, row) in rateRows {
  chapter.say(row.text)
  chapter.log.scalar("steps to baseline best, \(name)", Double(row.steps ?? -1))
}
let stepsToBaselineBest = Dictionary(uniqueKeysWithValues: rateRows.map { ($0.name, $0.row.steps) })

/// `run` needs fewer steps than BN at the base rate: the ratio (lower bound if never reached).
func ratioToBN(_ name: String) -> (value: Double, unit: String, reached: Bool) {
  let reference = stepsToBaselineBest["BN"].flatMap { $0 } ?? steps
  let reached = stepsToBaselineBest[name].flatMap { $0 }
  let ratio = multiple(reached, of: reference, runLength: steps)
  return (ratio.value, ratio.unit, reached != nil)
}

for name in ["BN ×5", "BN ×30"] {
  let ratio = ratioToBN(name)
  chapter.claim(
    "\(name) reaches the baseline's best accuracy in fewer steps than BN at the base rate (ratio)",
    paper: "Ioffe & Szegedy 2015, §4.2.2, Fig. 2", measured: ratio.value, format: "%.3f",
    unit: ratio.unit, threshold: "< 1", holds: ratio.reached && ratio.value < 1)
}
let baseline30 = rateRuns.first { $0.result.name == "baseline ×30" }!.result
let baseline30Gap = baseline30.bestAccuracy.isFinite ? baseline30.bestAccuracy - baselineBest : -100
chapter.claim(
  "The baseline at 30× the rate fails to match the baseline's best accuracy (best − target)",
  paper: "Ioffe & Szegedy 2015, §3.3, §4.2.2", measured: baseline30Gap, format: "%+.2f",
  unit: " points", threshold: "< 0", holds: baseline30Gap < 0)

/*:
 ## Inference: population statistics against the alternatives (Alg. 2)

 After training, the BN network of Figure 1 is evaluated on the test set five ways:

 1. **Population statistics, full pass** (Alg. 2): the frozen network run over all 1,000
    training batches of 60, averaging batch means and $\frac{m}{m-1}$-corrected variances.
 2. **Population statistics, 100 batches** — what the curves use.
 3. **Moving averages** tracked during training, with momentum 0.1 (PyTorch) and 0.01
    (Keras). The two tell apart the two costs a moving average can have: *noise* (momentum
    0.1 remembers about the last 10 batches; 0.01 about 100, so less noise) and *lag* (0.01
    remembers batches from further back, taken with older weights, so more lag).
 4. **Plain average over all of training**: Alg. 2's formula taken during training instead of
    after it.
 5. **Batch statistics of the test batch**, for batches of 60 (as in training), 1,000 and the
    whole test set ("large-batch evaluation": with 10,000 images the batch statistics are
    essentially the test set's population statistics).

 The paper's claim is that inference with population statistics gives the deterministic
 network the training-mode network approximates; we check that it lands within half a
 percentage point of large-batch evaluation.
 */

/// Test accuracy (percent) of `network` using `statistics` as every BN layer's population.
func accuracy(
  _ network: FeedForwardNetwork<Float>, with statistics: [PopulationStatistics]
) -> Double {
  let bnLayers = network.norms.compactMap { $0 }
  let saved = bnLayers.map(\.population)
  for (norm, population) in zip(bnLayers, statistics) { norm.population = population }
  defer { for (norm, population) in zip(bnLayers, saved) { norm.population = population } }
  return 100
    * network.accuracy(testX, labels: testSet.labels, batchSize: 1000, statistics: .population)
}

let inferenceRows: [(method: String, accuracy: Double)] = chapter.phase("inference table") {
  let network = batchNormed.network!
  let bnLayers = network.norms.compactMap { $0 }
  let fullPass = fixedBatches(
    trainingSet, count: fullPassBatches, size: batchSize, seed: populationSeed)
  estimatePopulation(of: network, over: fullPass)
  let full = bnLayers.map(\.population)
  estimatePopulation(of: network, over: curvePopulation)
  let subset = bnLayers.map(\.population)
  let batchStatistics = { (size: Int) in
    100 * network.accuracy(testX, labels: testSet.labels, batchSize: size, statistics: .batch)
  }
  let rows = [
    (
      fullPass.count == trainingSet.count / batchSize
        ? "population statistics, full training pass (Alg. 2)"
        : "population statistics, \(fullPass.count) batches (Alg. 2; smoke run)",
      accuracy(network, with: full)
    ),
    (
      "population statistics, \(curvePopulation.count) batches (the curves)",
      accuracy(network, with: subset)
    ),
    (
      "moving averages during training (momentum 0.1)",
      accuracy(network, with: batchNormed.movingAverages)
    ),
    (
      "moving averages during training (momentum 0.01)",
      accuracy(network, with: batchNormed.slowMovingAverages)
    ),
    ("average over all training steps", accuracy(network, with: batchNormed.trainingAverages)),
    ("batch statistics, test batches of 60", batchStatistics(60)),
    ("batch statistics, test batches of 1000", batchStatistics(1000)),
    ("batch statistics, whole test set (\(testSet.count))", batchStatistics(testSet.count)),
  ]
  // Leave the network with the statistics Alg. 2 prescribes.
  for (norm, population) in zip(bnLayers, full) { norm.population = population }
  return rows
}
chapter.say("\nInference with the trained BN network (test accuracy):")
for (method, value) in inferenceRows {
  chapter.say("  " + padded(method, 60) + String(format: "%6.2f%%", value))
  chapter.log.scalar("inference accuracy (%), \(method)", value)
}
let populationGap = abs(inferenceRows[0].accuracy - inferenceRows.last!.accuracy)
chapter.claim(
  "Population-statistics accuracy is within 0.5 points of large-batch evaluation",
  paper: "Ioffe & Szegedy 2015, §3.1, Alg. 2", measured: populationGap, format: "%.2f",
  unit: " points", threshold: "≤ 0.5", holds: populationGap <= 0.5)

/*:
 ### Folding BN into the layer before it

 With its population statistics frozen, a BN layer is a fixed affine map of each feature,
 $y = s \odot (z - \mathrm{E}[z]) + \beta$ with $s = \gamma / \sqrt{\mathrm{Var}[z] + \epsilon}$ —
 the last line of Alg. 2 ("replace the transform with $y = \frac{\gamma}{\sqrt{\mathrm{Var}[x]+\epsilon}}\cdot x + \big(\beta - \frac{\gamma\,\mathrm{E}[x]}{\sqrt{\mathrm{Var}[x]+\epsilon}}\big)$").
 Since $z = uW + b$ is affine too, the two merge into one layer with no BN left:
 $W' = W\,\mathrm{diag}(s)$ and $b' = s \odot (b - \mathrm{E}[z]) + \beta$. A deployed BN
 network costs nothing extra at inference. We fold the trained network (with the full-pass
 statistics) and check that the folded one, run with plain matrix products, gives the same
 logits up to `Float` rounding and the same test accuracy.
 */

/// The logits of `network` on `x` with every BN layer folded into the weights before it.
@MainActor func foldedLogits(_ network: FeedForwardNetwork<Float>, _ x: Matrix<Float>)
  -> Matrix<Float>
{
  var h = x
  for (k, layer) in network.hiddenLayers.enumerated() {
    var weight = layer.weight.value
    var bias = layer.bias?.value ?? Matrix<Float>(rows: 1, cols: weight.cols)
    if let norm = network.norms[k] {
      let population = norm.population
      for j in 0..<weight.cols {
        // s = γ / √(Var[z] + ε)
        let scale =
          Double(norm.gamma.value[0, j])
          / (population.variance[j] + population.convention.epsilon).squareRoot()
        // W' = W·diag(s)
        for i in 0..<weight.rows { weight[i, j] = Float(Double(weight[i, j]) * scale) }
        // b' = s ⊙ (b − E[z]) + β
        bias[0, j] = Float(
          scale * (Double(bias[0, j]) - population.mean[j]) + Double(norm.beta?.value[0, j] ?? 0))
      }
    }
    var z = matmul(h, weight)
    for i in 0..<z.rows {
      for j in 0..<z.cols { z[i, j] += bias[0, j] }
    }
    var activated = z
    z.withView { zView in
      activated.withMutableView { out in
        activate(network.configuration.activation, zView, into: out)
      }
    }
    h = activated
  }
  var logits = matmul(h, network.outputLayer.weight.value)
  if let bias = network.outputLayer.bias?.value {
    for i in 0..<logits.rows {
      for j in 0..<logits.cols { logits[i, j] += bias[0, j] }
    }
  }
  return logits
}

let foldingCheck: (maxDifference: Double, accuracyDifference: Double) = chapter.phase(
  "BN folding"
) {
  let network = batchNormed.network!
  let reference = network.forward(testX, statistics: .population)
  let folded = foldedLogits(network, testX)
  let predictions = { (logits: Matrix<Float>) in
    (0..<logits.rows).map { i in (0..<logits.cols).max { logits[i, $0] < logits[i, $1] }! }
  }
  let correct = { (logits: Matrix<Float>) in
    zip(predictions(logits), testSet.labels).filter { $0 == $1 }.count
  }
  let accuracyDifference =
    100 * Double(correct(folded) - correct(reference)) / Double(testSet.count)
  return (Double((folded - reference).maxAbs), accuracyDifference)
}
chapter.say(
  String(
    format:
      "BN folded into the weights: max |Δlogit| %.2e over the test set, accuracy difference %+.2f points",
    foldingCheck.maxDifference, foldingCheck.accuracyDifference))
chapter.claim(
  "BN folded into the preceding layer gives the same logits (max |Δlogit| on the test set, Float) and accuracy",
  paper: "Ioffe & Szegedy 2015, Alg. 2 (last line)", measured: foldingCheck.maxDifference,
  format: "%.1e", threshold: "≤ 1e-3, same accuracy",
  holds: foldingCheck.maxDifference <= 1e-3 && foldingCheck.accuracyDifference == 0,
  kind: .check)

/*:
 ## Beyond the paper: ten sigmoid layers

 Three sigmoid layers train without help. The paper's motivation (§1) is that saturating
 nonlinearities and deep stacks make plain training slow; here is the same comparison with
 ten hidden layers of 100 sigmoids, the same initialisation, the same base rate. The
 sigmoid's derivative is at most $\tfrac14$, so a gradient crossing ten such layers with
 weights of this size shrinks by orders of magnitude before it reaches the first ones; BN
 re-centres and re-scales every pre-activation, keeping each sigmoid in its steep middle.
 */

let deepRuns: [RunResult] = chapter.phase("deep runs") {
  [false, true].map { usesBN in
    train(
      RunSpec(
        name: usesBN ? "BN, 10 layers" : "baseline, 10 layers",
        hidden: Array(repeating: 100, count: 10), batchNorm: usesBN, learningRate: baseRate,
        steps: deepSteps)
    ).result
  }
}

/*:
 ## Figures
 */

let dataLabel = dataName == "MNIST" ? "MNIST" : "Fashion-MNIST"

/// A run's accuracy curve as a plot series, up to where it stopped (diverged runs stop early):
/// smoothed as the claims read it, or the single evaluations.
func accuracySeries(_ run: RunResult, label: String? = nil, role: Role, smoothed: Bool = true)
  -> Series
{
  .line(
    label ?? run.name, x: run.steps.map(Double.init),
    y: smoothed ? run.smoothed : run.accuracy, role: role)
}

/// A run's single evaluations as small points under its smoothed line.
func singleEvaluations(_ run: RunResult, label: String, role: Role) -> Series {
  .points(label, x: run.steps.map(Double.init), y: run.accuracy, role: role)
}

/// A y range that shows where two curves differ: from the lowest accuracy either reaches after
/// the first 2% of training (rounded down to 5%) to the highest (rounded up).
func zoomedAccuracyRange(_ runs: [RunResult]) -> ClosedRange<Double> {
  let late = runs.flatMap { run in
    zip(run.steps, run.accuracy).filter { $0.0 >= steps / 50 && $0.1.isFinite }.map(\.1)
  }
  let low = ((late.min() ?? 0) / 5).rounded(.down) * 5
  let high = min(((late.max() ?? 100) / 5).rounded(.up) * 5, 100)
  return low...max(high, low + 5)
}

/// Figure 1(a)'s two runs, single evaluations as points and smoothed lines.
@MainActor func accuracyPanel(
  title: String, xLog: Bool, yRange: ClosedRange<Double>, legend: LegendPosition
) -> Panel {
  Panel(
    title: title,
    xLabel: "training steps (mini-batches of 60\(xLog ? ", log scale" : ""))",
    yLabel: "test accuracy (%)", xLog: xLog, yRange: yRange, legend: legend,
    series: [
      singleEvaluations(baseline.result, label: "without BN, single evaluations", role: .baseline),
      singleEvaluations(batchNormed.result, label: "with BN, single evaluations", role: .batchNorm),
      accuracySeries(
        baseline.result, label: "without BN, 5-point moving average", role: .baseline),
      accuracySeries(
        batchNormed.result, label: "with BN, 5-point moving average", role: .batchNorm),
    ])
}
var figureAccuracy = Figure(
  name: "03-accuracy",
  title: "Figure 1(a): test accuracy of the 3x100 sigmoid net (\(dataLabel), η = \(baseRate))",
  panels: [
    accuracyPanel(
      title: "(a) all of training: the early lead", xLog: true, yRange: 0...100,
      legend: .bottomRight),
    accuracyPanel(
      title: "(b) zoomed: the late differences", xLog: false,
      yRange: zoomedAccuracyRange([baseline.result, batchNormed.result]), legend: .none),
  ], columns: 2)
figureAccuracy.width = 1400

/// Figure 1(b) or (c): the 15/50/85th percentiles of the figure's unit over training.
func percentilePanel(_ run: RunResult, title: String, role: Role, range: ClosedRange<Double>)
  -> Panel
{
  let unit = run.probe.map { $0[0] }
  let x = run.steps.prefix(unit.count).map(Double.init)
  return Panel(
    title: title, xLabel: "training steps", yLabel: "input of sigmoid unit 0, last hidden layer",
    yRange: range, legend: .topRight,
    series: [
      .band("15th–85th percentile", x: x, low: unit.map(\.p15), high: unit.map(\.p85), role: role),
      .line("median", x: x, y: unit.map(\.p50), role: role),
    ])
}

let percentileValues = (baseline.result.probe + batchNormed.result.probe).flatMap {
  [$0[0].p15, $0[0].p85]
}.filter(\.isFinite)
let percentileLow = (percentileValues.min() ?? -1).rounded(.down) - 0.5
let percentileHigh = (percentileValues.max() ?? 1).rounded(.up) + 0.5
let figurePercentiles = Figure(
  name: "03-sigmoid-inputs",
  title: "Figure 1(b, c): one sigmoid's input over training, 15/50/85th percentiles (\(dataLabel))",
  panels: [
    percentilePanel(
      baseline.result, title: "(b) without BN", role: .baseline,
      range: percentileLow...percentileHigh),
    percentilePanel(
      batchNormed.result, title: "(c) with BN", role: .batchNorm,
      range: percentileLow...percentileHigh),
  ], columns: 2)

let rateRoles: [String: Role] = [
  "baseline": .baseline, "BN": .batchNorm, "BN ×5": .color(2), "BN ×30": .color(3),
  "baseline ×5": .color(4), "baseline ×30": .color(6),
]
/// The learning-rate runs' smoothed curves, with the target line, over `range` of steps.
func ratePanel(
  title: String, xLog: Bool, xRange: ClosedRange<Double>, yRange: ClosedRange<Double>,
  legend: LegendPosition
) -> Panel {
  Panel(
    title: title,
    xLabel: "training steps (mini-batches of 60\(xLog ? ", log scale" : ""))",
    yLabel: "test accuracy (%), 5-point moving average",
    xLog: xLog, xRange: xRange, yRange: yRange, legend: legend,
    series: allRateRuns.map { run in
      accuracySeries(
        run, label: "\(run.name)\(run.divergedAt.map { " (diverged at \($0))" } ?? "")",
        role: rateRoles[run.name] ?? .auto)
    } + [
      .line(
        String(format: "baseline's best (smoothed), %.2f%%", baselineBest), x: [1, Double(steps)],
        y: [baselineBest, baselineBest], role: .reference)
    ])
}

/// Panel (b)'s y range: from just below the lowest second-half value of any run that comes
/// within 5 points of the target (nothing clipped) to 1 above the target.
let zoomedRateRange: ClosedRange<Double> = {
  guard baselineBest.isFinite else { return 80.0...100.0 }
  let late = allRateRuns.map { run in
    zip(run.steps, run.smoothed).filter { $0.0 >= steps / 2 }.map(\.1)
      .filter(\.isFinite)
  }.filter { ($0.max() ?? 0) >= baselineBest - 5 }.flatMap { $0 }
  let low = ((late.min() ?? baselineBest - 4) - 0.5).rounded(.down)
  return low...(baselineBest + 1).rounded(.up)
}()

var figureRates = Figure(
  name: "03-learning-rates",
  title: "Learning-rate multipliers (BN-x5, BN-x30 analogue), \(dataLabel), base η = \(baseRate)",
  panels: [
    ratePanel(
      title: "(a) all of training", xLog: true,
      xRange: Double(max(steps / 500, 1))...Double(max(steps, 2)), yRange: 0...100,
      legend: .outside),
    ratePanel(
      title: "(b) the second half, zoomed: where the target is reached or missed", xLog: false,
      xRange: Double(steps / 2)...Double(max(steps, 2)),
      yRange: zoomedRateRange,
      legend: .outside),
  ], columns: 1)
figureRates.height = 1000

let figureDepth = Figure(
  name: "03-depth",
  title: "Beyond the paper: 10 sigmoid hidden layers of 100 (\(dataLabel), η = \(baseRate))",
  panel: Panel(
    xLabel: "training steps (mini-batches of 60)", yLabel: "test accuracy (%)",
    yRange: 0...100, legend: .bottomRight,
    series: [
      accuracySeries(deepRuns[0], label: "without BN", role: .baseline, smoothed: false),
      accuracySeries(deepRuns[1], label: "with BN", role: .batchNorm, smoothed: false),
    ]))

for figure in [figureAccuracy, figurePercentiles, figureRates, figureDepth] {
  chapter.attempt { try chapter.save(figure) }
}

/*:
 ## Reading the figures

 The figures below come from the book preset (seed 1, one BLAS thread) on **Fashion-MNIST**;
 the numbers quoted in this section are from that run. Regenerate them with
 `ch03-feedforward` (or `companion run 3`); for real MNIST, `companion fetch mnist --to DIR`
 then `ch03-feedforward --mnist DIR`. The whole chapter took 5 min 34 s of wall time on one
 core of a quiet machine, in the book's own run (`make`): 32 s for the sweep, 80 s for the two
 Figure 1 runs, 150 s for the four learning-rate runs, 70 s for the ten-layer runs, about a
 second for the inference table and the BN folding. (An earlier session's run took 3 min 32 s;
 a profile of this one spends 57% of the time in OpenBLAS's sgemm kernel and no more than 8%
 anywhere outside BLAS, so we have not found the difference in our code.)

 **The sweep.** Scores after 5,000 steps (mean held-out accuracy of the last 5 evaluations;
 the last single evaluation in brackets, which is what the first version of this chapter
 used):

 | η | score (mean of last 5) | last single evaluation |
 |---|---|---|
 | 0.1 | 81.44% | 82.18% |
 | 0.3 | 83.69% | 85.08% |
 | **1** | **85.36%** | 86.51% |
 | 3 | 85.33% | 86.64% |

 η = 1 has the best score and η = 3 is 0.03 points below it, inside the 0.3-point tolerance;
 the rule takes the smallest rate within it, which is η = 1 itself. (The last single
 evaluations are all 0.7–1.4 points above the means: every rate sees the same batches in the
 same order, so they share the luck of the last few batches. That is the noise the score
 averages away.)

 ![Figure 1(a): test accuracy vs training steps, with and without BN](Figures/03-accuracy.png)

 *Figure 1(a).* **Paper:** test accuracy of the MNIST network with and without BN over
 50,000 steps; the BN network is above the baseline nearly throughout and ends higher (the
 paper's axis runs from 0.7 to 1.0). **Ours:** the same network and schedule on
 Fashion-MNIST, measured every 500 steps on all 10,000 test images; the lines are the 5-point
 moving averages the claims read, the dots the single evaluations; panel (a) shows all of
 training on a log axis (the early lead), panel (b) zooms in where both curves are after the
 first 2% of training. BN is well ahead early — single
 evaluations of 81.8% against 71.9% after 500 steps, 86.9% against 86.0% after 5,000 — and
 its smoothed curve is above the baseline's by 0.35–1.1 points from 5,000 to 20,000 steps
 (more before), and by 0.04 to 1.06 points after that: the two smoothed curves come close
 near the end but do not cross. The final accuracies (mean of the last 5
 evaluations) are 88.67% with BN and 88.55% without, so BN ends higher by 0.12 points —
 the claim holds, but the margin is within the jitter of a single evaluation (±0.5–1 point).
 The baseline's smoothed curve first reaches its final 88.55% at step 49,000 — its last
 value is also its highest — and BN's at step 18,500: 0.378× the steps, so "at most half the
 steps" **holds** by the smoothed measure (with single evaluations it is 18,500 against
 17,500, 0.946×, and fails). Read this verdict with care: the baseline's smoothed curve
 reaches 88.35% at 27,500 steps and then creeps up by 0.2 points over the second half; for
 a target 0.1 point lower (88.45%) the ratio is 18,500 / 28,500 = 0.649×, and for 0.2 lower
 18,500 / 27,500 = 0.673× — both fail. (The factor one half is our threshold: §4.1 shows
 the faster training in Fig. 1(a) without a number; the paper's numbers for "fewer steps"
 are §4.2.2's, for Inception on ImageNet.) The smoothing removed the
 single-evaluation noise from the *steps*, but a target set at the baseline's own plateau
 still makes "first step at or above it" sensitive to the plateau's shape. The robust
 part is the early and mid-training gap; the paper's clear final gap on MNIST is not
 reproduced: this small network is limited by capacity on Fashion-MNIST, not by optimisation,
 and our baseline runs at a rate tuned for it.

 ![Figure 1(b, c): 15/50/85th percentiles of one sigmoid's input over training](Figures/03-sigmoid-inputs.png)

 *Figure 1(b, c).* **Paper:** for one typical sigmoid of the last hidden layer, the 15th,
 50th and 85th percentiles of its input over training: without BN (b) they move in mean and
 spread; with BN (c) they stay nearly fixed. **Ours:** unit 0 of the last hidden layer, its
 input over the first 1,000 test images, at each point of the curves (same axes in both
 panels). Without BN the median falls from −0.6 to about −4.5 in the first 10,000 steps and
 then keeps sinking slowly to about −5.5, jittering by up to a unit between measurements; the
 15–85 band is about 5 units wide with ragged edges: the unit spends most of training in the
 flat tail of the sigmoid. With BN the median moves smoothly from 0 to about −1.8 by 20,000
 steps and then holds still, while the band widens steadily from about 2.5 to 7 units.
 Our measure — the median over the 100 units of the absolute change of each unit's median
 between 10% of training and the end — is 0.421 without BN and 1.013 with BN, a ratio of
 2.408 (threshold < 0.5), and the 15–85 spread changed more with BN too (2.746 against 0.977).
 So the claim **fails** by this measure. The same measure on $\hat x$, the BN layer's
 output *before* $\gamma$ and $\beta$, shows where the drift comes from: $\hat x$'s median
 moves by 0.058 and its spread by 0.080 (0.139 of the baseline's median drift) — but $\hat x$
 is standardised by construction, so its stability is no evidence for the paper's claim;
 it only locates the drift. BN does what
 it promises — the normalised value's distribution stays put — and the drift of the sigmoid's
 input is $\gamma$ and $\beta$ *learning*: at η = 1, a large rate for this net, they move
 fast, and $\gamma$ keeps growing all through training. The paper does not give its MNIST
 learning rate; at a smaller one $\gamma$ and $\beta$ would move less, and our earlier run
 at η = 3 (see *History*) measured a ratio of 0.76, also a failure. What the figure does show
 is the paper's qualitative contrast in *smoothness* and *position*: the plain unit is pushed
 far into saturation and jitters from one measurement to the next; the BN unit moves slowly
 and stays nearer the sigmoid's useful range.

 ![Learning-rate multipliers: test accuracy vs steps](Figures/03-learning-rates.png)

 *Learning rates (analogue of Figure 2 and the table of §4.2.2).* **Paper:** BN-Inception at
 5× and 30× the base rate reaches Inception's best accuracy in 2.1M and 2.7M steps against
 13.3M at the base rate and 31.0M for Inception; Inception itself is not run at the higher
 rates. **Ours:** panel (a) shows all of training on a log axis (the smoothing mixes the
 denser early evaluations, so the first few hundred steps of the lines are only indicative),
 panel (b) the second half zoomed in, with the target. Steps to reach the baseline's best
 accuracy — the maximum of its smoothed curve, 88.55% — read off the smoothed curves; on the
 right, the same with single evaluations and the baseline's best single evaluation, 88.99%,
 as target (the previous measure):

 | run | rate | smoothed: steps to 88.55% | multiple | best (smoothed) | final (mean of last 5) | single: steps to 88.99% | multiple | best single | last single |
 |---|---|---|---|---|---|---|---|---|---|
 | baseline | 1 | 49,000 | 1.00× | 88.55% | 88.55% | 48,000 | 1.00× | 88.99% | 88.40% |
 | BN | 1 | 18,500 | 0.38× | 88.88% | 88.67% | 25,500 | 0.53× | 89.17% | 88.61% |
 | BN ×5 | 5 | 42,500 | 0.87× | 88.58% | 88.52% | never | — | 88.91% | 88.38% |
 | BN ×30 | 30 | never | — | 85.83% | 85.02% | never | — | 86.67% | 84.56% |
 | baseline ×5 | 5 | never | — | 86.77% | 86.02% | never | — | 87.17% | 85.72% |
 | baseline ×30 | 30 | never (stalled at chance) | — | 10.00% | 10.00% | never | — | 10.00% | 10.00% |

 BN at the base rate reaches the baseline's best in 0.38× the baseline's steps (0.53× with
 single evaluations). No run produced a non-finite loss ("diverged" in the harness' sense);
 the one that fails outright *stalls*: at η = 30 the plain network's sigmoids and softmax
 saturate within the first measurements and its accuracy sits at chance for all 50,000
 steps, so the claim that the baseline at 30× fails to match holds (−78.55 points). Batch
 normalization at the same rate trains, to 85.83% at best (smoothed), with large swings; at
 5× the rate the BN network tracks the base-rate BN curve step for step early on and ends at
 88.52%, while the plain network at 5× stays 1.5 to 4 points below its base-rate self all
 along. That is the paper's robustness claim: higher rates hurt the BN network much less.
 But the two "faster with a higher rate" claims **fail**: BN ×5 reaches the target at
 42,500 steps, 2.30× as many as BN at the base rate, and BN ×30 never does (2.70× is the run
 length over BN's 18,500 steps, a lower bound). On this network a 5× rate buys no speed late
 in training. In the paper the higher rates came with
 the other changes of §4.2.1 (less L2, faster decay, no dropout); we changed only the rate,
 and the output layer has no BN to protect it from large steps (§3.3's scale invariance
 covers the normalised layers only).

 ![Ten sigmoid layers: test accuracy with and without BN](Figures/03-depth.png)

 *Beyond the paper: ten layers.* Ten hidden layers of 100 sigmoids, the same initialisation
 and rate, 20,000 steps (single evaluations; no claim is read from this figure). Without BN
 the network never leaves chance (10.00% throughout): the gradient reaching the lower layers
 is too small to move them, and the upper layers see inputs that carry no information. With
 BN it trains as easily as the three-layer network: 87.68% at the end (mean of the last 5
 evaluations; best smoothed 87.94%), within a point of the shallow one. This is the regime
 the paper's introduction is about — saturating nonlinearities in a deep stack — and here
 the difference is not a speed-up but the difference between training and not training.

 **Inference.** The trained BN network of Figure 1 on the test set:

 | statistics used at inference | test accuracy |
 |---|---|
 | population statistics, full training pass (Alg. 2) | 88.67% |
 | population statistics, 100 training batches (the curves) | 88.61% |
 | moving averages during training (momentum 0.1) | 88.18% |
 | moving averages during training (momentum 0.01) | 87.93% |
 | plain average over all 50,000 training steps | 82.70% |
 | batch statistics, test batches of 60 | 88.10% |
 | batch statistics, test batches of 1,000 | 88.80% |
 | batch statistics, the whole test set | 88.65% |

 Alg. 2 is within 0.02 points of large-batch evaluation, and 100 batches are within 0.06
 points of the full pass, so the curves lose nothing by using them. Moving averages cost 0.5
 points with momentum 0.1 and 0.7 with 0.01: the slower average has less noise and more lag,
 and it costs more, so what a moving average costs here is *lag* — statistics of batches
 taken with older weights — not the noise of too few batches; Alg. 2's average taken *during* training instead of after it costs 6.0 points,
 because it mixes in the statistics of the early, very different networks. Normalising each
 test batch of 60 with its own statistics costs 0.6 points: the prediction for one image then
 depends on the other 59, the noise BN adds in training, harmless there and a defect at
 inference. Folded into the weights before them (Alg. 2's last line, above), the three BN
 layers disappear: the folded network's logits differ from the BN network's by at most
 3.1·10⁻⁵ over the test set (`Float` rounding) and its test accuracy is identical.

 **History.** The first version of this chapter read every claim off single evaluations and
 picked the rate by one final held-out evaluation. Two book runs on engine builds that
 differed only in rounding (the sigmoid and BN loops were being vectorised) picked different
 rates — η = 3 (86.56% against 86.51%) and then η = 1 (86.51% against 86.30%) — and the
 verdicts moved with them: with η = 3 both Figure 1(a) claims held (0.46× the steps, +0.80
 points) and 4 of 7 claims held; with η = 1, measured on single evaluations, only 3 of 7. That is why the measures above average
 over evaluations; they were fixed before this run, and the thresholds are unchanged. With
 them, 4 of 7 claims hold; the "half the steps" verdict remains close to its threshold as
 explained under Figure 1(a), and the learning-rate and drift claims fail for the reasons
 given there, not because of evaluation noise.

 The engine was then rebuilt for the recurrent chapters (vectorised sigmoid and tanh
 kernels, BN as separate kernels), which changed rounding once more. The early curves are
 unchanged to the printed digits (81.82% against 71.85% after 500 steps), the late ones moved
 by up to a few tenths of a point, and with them the numbers behind the verdicts: the
 baseline's smoothed best went from 88.63% to 88.55%, "half the steps" from 0.416× to 0.378×,
 the final gap from +0.13 to +0.12 points, the drift ratio from 2.25 to 2.41, and BN ×5 now
 reaches the target (at 2.3× BN's steps) where it missed it by 0.01 points. The verdicts did
 not change: 4 of 7 claims hold. Differences of this size are what one seed cannot settle;
 several seeds, run in parallel on both cores, are the next revision of this chapter.
 */

chapter.finish()
