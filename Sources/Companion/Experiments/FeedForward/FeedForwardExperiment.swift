import Datasets
import Engine
import Foundation

/// The training and measuring of feed-forward classifiers, as Chapter 3 runs them for
/// Ioffe & Szegedy's §4.1 — for any normaliser (or none): SGD on a seeded stream of
/// mini-batches, and at each point of a schedule the evaluation accuracy, measured *as the
/// network would be used* (a normaliser with population statistics has them re-estimated at
/// the current weights over a fixed set of training batches, Alg. 2), with, if asked, the
/// training accuracy and loss, the last hidden layer's probe, and the weights' and gradients'
/// norms. The curves go to the chapter's record.
public struct FeedForwardExperiment: Sendable {
  public let chapter: Chapter
  /// Measurements per curve after the first 1%.
  public var evaluationPoints: Int
  /// Points of the trailing moving average every curve is read with.
  public var smoothingWindow: Int
  /// The fixed images whose sigmoid inputs a probe tracks.
  public var probeX: Matrix<Float>
  /// A fixed sample of training images, for training curves.
  public var trainingSampleX: Matrix<Float>
  public var trainingSampleLabels: [Int]
  /// The training batches the population is re-estimated over at every point of a curve.
  public var curvePopulation: [Matrix<Float>]

  public init(
    chapter: Chapter, evaluationPoints: Int, smoothingWindow: Int, probeX: Matrix<Float>,
    trainingSampleX: Matrix<Float>, trainingSampleLabels: [Int],
    curvePopulation: [Matrix<Float>]
  ) {
    self.chapter = chapter
    self.evaluationPoints = evaluationPoints
    self.smoothingWindow = smoothingWindow
    self.probeX = probeX
    self.trainingSampleX = trainingSampleX
    self.trainingSampleLabels = trainingSampleLabels
    self.curvePopulation = curvePopulation
  }

  /// The network of `spec`, its weights drawn from the repetition's generator.
  public func makeNetwork(_ spec: FeedForwardRunSpec) -> FeedForwardNetwork<Float> {
    var generator = chapter.makeGenerator(
      "initial weights", repetition: Repetition(spec.replicate))
    return FeedForwardNetwork<Float>(
      .init(
        inputs: spec.training.imageSize, hidden: spec.hidden, outputs: 10, activation: .sigmoid,
        normalization: spec.normalization,
        initializer: .normal(standardDeviation: spec.initialStandardDeviation)),
      using: &generator)
  }

  /// The mini-batch order of repetition `replicate` (the first: the chapter's own).
  public func batchSeed(replicate: Int) -> UInt64 {
    chapter.seed(for: "mini-batch order", repetition: Repetition(replicate))
  }

  /// The steps at which a run of `total` steps is measured: step 0, three early points, then
  /// every 1/`points` of training.
  public static func schedule(total: Int, points: Int) -> [Int] {
    let every = max(total / points, 1)
    let early = [every / 4, every / 2, 3 * every / 4].filter { $0 > 0 }
    return Array(
      Set([0] + early + Array(stride(from: every, through: total, by: every)) + [total])
    )
    .sorted()
  }

  /// Trains the runs `specs` describe, side by side on the machine's cores (`--jobs`; they
  /// are independent, and the results are the same bit for bit as one after another) — or,
  /// resuming an interrupted chapter, continues them or takes their saved results.
  public func train(_ label: String, _ specs: [FeedForwardRunSpec]) -> [TrainedFeedForward] {
    let records = chapter.attempt {
      try chapter.independently(label, specs) { spec in try trainRun(spec) }
    }
    return zip(specs, records).map(trained)
  }

  /// One run's result, for a chapter that schedules its runs itself (`tuneAndRepeat` trains
  /// each cell of its grid through this): trained here, in the calling process.
  public func run(_ spec: FeedForwardRunSpec) throws -> FeedForwardRunResult {
    try trainRun(spec).result
  }

  /// A finished run's record with its network rebuilt, if it kept one.
  func trained(_ spec: FeedForwardRunSpec, _ record: FeedForwardRunRecord) -> TrainedFeedForward {
    var network: FeedForwardNetwork<Float>? = nil
    if let parameters = record.parameters {
      let kept = makeNetwork(spec)
      chapter.attempt { try NamedValues.restore(kept.parameters, from: parameters) }
      kept.populations = record.populations
      network = kept
    }
    return TrainedFeedForward(
      network: network, result: record.result, movingAverages: record.movingAverages,
      slowMovingAverages: record.slowMovingAverages, trainingAverages: record.trainingAverages)
  }

  /// Evaluation accuracy (percent) and, if asked, the probe percentiles of the last hidden
  /// layer's nonlinearity input and of its x̂, with the statistics `policy`.
  func measure(
    _ network: FeedForwardNetwork<Float>, spec: FeedForwardRunSpec,
    statistics policy: StatisticsPolicy
  ) -> (accuracy: Double, probe: [Percentiles]?, normalized: [Percentiles]?) {
    let accuracy =
      100
      * network.accuracy(
        spec.evaluationX, labels: spec.evaluationLabels, batchSize: 1000, statistics: policy)
    guard spec.recordsProbe else { return (accuracy, nil, nil) }
    // The probe pass below also leaves x̂ in the last normaliser, for the drift's second
    // measure.
    _ = network.forward(probeX, statistics: policy)
    // x̂ = (z − E[z]) / sqrt(Var[z] + ε) with the population statistics, before γ and β.
    let normalized = network.norms.last.flatMap { $0?.lastNormalized }
    return (
      accuracy,
      Percentiles.ofColumns(network.nonlinearityInput(network.hiddenLayers.count - 1)),
      normalized.map(Percentiles.ofColumns)
    )
  }

  /// One run, as the book's training loop runs it (`TrainingRun`): SGD on the stream of
  /// mini-batches, the three population estimates of every BN layer tracked beside it, and
  /// at each point of the schedule the accuracy, the probe and the norms.
  func trainRun(_ spec: FeedForwardRunSpec) throws -> FeedForwardRunRecord {
    let network = makeNetwork(spec)
    // (The scalar's name is older than the other normalisers: it counts normalised layers.)
    chapter.log.scalar(
      "batch-normalized layers, \(spec.name)", Double(network.norms.compactMap { $0 }.count))
    var optimizer = SGD<Float>(learningRate: spec.learningRate)
    var batches = ImageBatchStream(
      spec.training, size: spec.batchSize, seed: batchSeed(replicate: spec.replicate))
    // Population estimates only for the normalisers that take statistics from the batch.
    let batchNormalizers = network.batchNorms
    var moving = batchNormalizers.map {
      PopulationStatistics(features: $0.features, convention: .pytorch)
    }
    // Keras's momentum (a hundredth of each new batch), PyTorch's ε and variance.
    let slowConvention = BatchNormConvention(
      name: "moving average, momentum 0.01", epsilon: BatchNormConvention.pytorch.epsilon,
      update: .movingAverage(momentum: 0.01), storesUnbiasedVariance: true)
    var slow = batchNormalizers.map {
      PopulationStatistics(features: $0.features, convention: slowConvention)
    }
    var average = batchNormalizers.map {
      PopulationStatistics(features: $0.features, convention: .paper)
    }
    // Beside the network's own state, what moves as it trains: the batches' place in their
    // order and the population estimates. (SGD keeps no state; its rate follows from the step.)
    let state = RunState()
    state.track("batches", get: { batches.indices }, set: { batches.indices = $0 })
    state.track("moving averages", get: { moving }, set: { moving = $0 })
    state.track("slow moving averages", get: { slow }, set: { slow = $0 })
    state.track("training averages", get: { average }, set: { average = $0 })
    let curvePopulation = self.curvePopulation

    let run = TrainingRun(
      name: spec.name, steps: spec.steps,
      schedule: EvaluationSchedule(
        total: spec.steps, steps: Self.schedule(total: spec.steps, points: evaluationPoints)),
      model: network, state: state,
      record: FeedForwardRunResult(
        curves: RecordedCurves(run: spec.name, log: chapter.log), metric: spec.accuracyMetric,
        smoothingWindow: smoothingWindow),
      step: { step in
        if let decayEvery = spec.decayEvery {
          // η_t = η · 0.96^(t / decayEvery): the paper's exponential decay, made continuous.
          optimizer.learningRate = spec.learningRate * pow(0.96, Double(step - 1) / decayEvery)
        }
        let batch = batches.next()
        return Double(
          network.trainStep(
            batch.x, labels: batch.labels, optimizer: &optimizer, statistics: .batch))
      },
      afterStep: { step, result in
        if step == 1 {
          result.firstStepGradientNorms = network.hiddenLayers.map {
            frobeniusNorm($0.weight.gradient)
          }
        }
        for (l, norm) in batchNormalizers.enumerated() {
          let (mean, variance) = norm.lastBatchStatistics
          moving[l].update(batchMean: mean, batchVariance: variance, batchSize: spec.batchSize)
          slow[l].update(batchMean: mean, batchVariance: variance, batchSize: spec.batchSize)
          average[l].update(batchMean: mean, batchVariance: variance, batchSize: spec.batchSize)
        }
      },
      measure: { step, trainingLoss, result in
        // Evaluated with the population re-estimated at the current weights over the fixed
        // batches of `curvePopulation` (Alg. 2's average), the same batches every time.
        let accuracy = network.evaluating(
          .reestimated(batches: curvePopulation.count),
          feed: { _ = network.forward(curvePopulation[$0], statistics: .batchAndTrack) }
        ) { policy in
          let (accuracy, probe, normalized) = measure(network, spec: spec, statistics: policy)
          if let probe { result.probe.append(probe) }
          if let normalized { result.probeNormalized.append(normalized) }
          if spec.recordsProbe, let last = network.norms.last, let norm = last {
            result.gamma.append(norm.scale?.value.storage.map(Double.init) ?? [])
            result.beta.append(norm.shift?.value.storage.map(Double.init) ?? [])
          }
          if spec.recordsTraining {
            // The mean loss since the previous point (none before the first step).
            if step > 0 {
              result.curves.record(
                FeedForwardRunResult.trainingLossMetric, step: step, value: trainingLoss)
            }
            // The same population statistics serve here too.
            result.curves.record(
              FeedForwardRunResult.trainingAccuracyMetric, step: step,
              value: 100
                * network.accuracy(
                  trainingSampleX, labels: trainingSampleLabels, batchSize: 1000,
                  statistics: policy))
          }
          return accuracy
        }
        result.weightNorms.append(network.hiddenLayers.map { frobeniusNorm($0.weight.value) })
        result.gradientNorms.append(
          network.hiddenLayers.map { frobeniusNorm($0.weight.gradient) })
        result.curves.record(result.metric, step: step, value: accuracy)
        return [("loss", trainingLoss), ("\(spec.evaluationName) acc", accuracy)]
      })
    return try run.run(in: chapter) { result in
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
      return FeedForwardRunRecord(
        parameters: spec.keepsNetwork ? NamedValues.of(network.parameters) : nil,
        populations: network.populations,
        result: result, movingAverages: moving, slowMovingAverages: slow,
        trainingAverages: average)
    }
  }
}
