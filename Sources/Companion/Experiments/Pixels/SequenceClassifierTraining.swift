import Datasets
import Engine
import Foundation
import Randomness

/// One training run of a pixel-sequence classifier, resumable: minibatches in a fresh seeded
/// order every epoch, RMSProp, gradient-norm clipping, validation accuracy with population
/// statistics at about `evaluations` points, and the best point's parameters kept.
///
/// The population statistics a BN-LSTM is evaluated with are, by default, *re-estimated* at
/// every evaluation (`EvaluationStatistics.reestimated`): the average of the batch statistics
/// of 10 training batches, with the current weights (Alg. 2's average, as Cooijmans et al.'s
/// code does for its final numbers). The moving averages tracked during training lag a
/// network whose weights move fast, and through 196 normalised steps the lag costs many points
/// of accuracy; `measuresMovingAverage` also records accuracy with them, to show it.
public struct SequenceClassifierTraining: Sendable {
  public var name: String
  public var steps: Int
  public var batch: Int
  public var optimizer: RMSProp<Float>
  public var clipNorm: Double
  public var evaluations: Int
  public var seed: UInt64
  /// What the validation accuracy is measured with.
  public var statistics: EvaluationStatistics
  public var measuresMovingAverage: Bool
  /// Steps between measurements; nil spreads `evaluations` over the run.
  public var evaluationInterval: Int?
  /// When set, the run ends where its validation accuracy has converged (the rule is read on
  /// the error rate, 100 − accuracy, so that lower is better as for every other curve).
  public var convergence: Convergence?

  public init(
    name: String, steps: Int, batch: Int, optimizer: RMSProp<Float>, clipNorm: Double,
    evaluations: Int, seed: UInt64, statistics: EvaluationStatistics = .reestimated(batches: 10),
    measuresMovingAverage: Bool = false
  ) {
    self.statistics = statistics
    self.measuresMovingAverage = measuresMovingAverage
    self.name = name
    self.steps = steps
    self.batch = batch
    self.optimizer = optimizer
    self.clipNorm = clipNorm
    self.evaluations = evaluations
    self.seed = seed
  }

  /// Trains `model` on `training`, measuring accuracy on `validation`; records the curves in
  /// the chapter's log under `name` (or, resuming, continues or skips the run).
  public func run(
    in chapter: Chapter, model: SequenceModel<Float>, training: PixelSequences,
    validation: PixelSequences
  ) throws -> ClassifierRecord {
    try describe(in: chapter, model: model, training: training, validation: validation)
      .run(in: chapter) { $0 }
  }

  /// The run, described: RMSProp and the batch order in its state, a step of BPTT through
  /// every pixel, validation accuracy (with re-estimated statistics) at each point.
  public func describe(
    in chapter: Chapter, model: SequenceModel<Float>, training: PixelSequences,
    validation: PixelSequences
  ) -> TrainingRun<SequenceModel<Float>, ClassifierRecord> {
    // The run's own state beside the model's: RMSProp's averages and the batch order's place.
    let state = RunState()
    var optimizer = self.optimizer
    state.track("optimizer", get: { optimizer }, set: { optimizer = $0 })
    var batches = MiniBatchStream(count: training.images.count, batchSize: batch, seed: seed)
    state.track("batches", get: { batches }, set: { batches = $0 })
    // Re-estimating runs the first batches of a fixed order of the training images (the same
    // at every evaluation) through the model.
    let populationOrder = MiniBatches(
      count: training.images.count, batchSize: batch, seed: seed, epoch: -1
    ).order
    func feedPopulationBatch(_ k: Int) {
      guard (k + 1) * batch <= training.images.count else { return }
      let (inputs, _) = training.batch(Array(populationOrder[k * batch..<(k + 1) * batch]))
      _ = inputs.withView { x in
        model.forward(.dense(x), steps: training.steps, batch: batch, statistics: .batchAndTrack)
      }
    }
    let start = ClassifierRecord(
      curve: ClassifierCurve(name: name, log: chapter.log),
      bestParameters: NamedValues.of(model.parameters),
      bestPopulations: model.populations)
    var run = TrainingRun(
      name: name, steps: steps,
      schedule: evaluationInterval.map { EvaluationSchedule(total: steps, every: $0) }
        ?? EvaluationSchedule(total: steps, points: evaluations), model: model, state: state,
      record: start,
      step: { _ in
        let (inputs, labels) = training.batch(Array(batches.next()))
        return Double(
          inputs.withView { x in
            model.trainStep(
              .dense(x), targets: labels, steps: training.steps, batch: batch,
              optimizer: &optimizer, clipNorm: clipNorm
            ).loss
          })
      },
      measure: { step, trainingLoss, record in
        var movingAverage: Double?
        if measuresMovingAverage {
          movingAverage = model.classify(validation, batch: batch).accuracy
        }
        let accuracy = model.evaluating(statistics, feed: { feedPopulationBatch($0) }) {
          policy in
          let accuracy = model.classify(validation, batch: batch, statistics: policy).accuracy
          if !(accuracy <= record.curve.bestValidation.accuracy) {
            record.bestParameters = NamedValues.of(model.parameters)
            record.bestPopulations = model.populations
          }
          return accuracy
        }
        let curves = record.curve.curves
        if let movingAverage {
          curves.record(ClassifierCurve.movingAverageMetric, step: step, value: movingAverage)
        }
        curves.record(ClassifierCurve.lossMetric, step: step, value: trainingLoss)
        curves.record(ClassifierCurve.validationMetric, step: step, value: accuracy)
        return [("loss", trainingLoss), ("valid %", accuracy)]
      })
    if let convergence {
      run.stopsWhen = { record in
        convergence.hasConverged(
          steps: record.curve.steps, values: record.curve.validation.map { 100 - $0 })
      }
    }
    return run
  }
}
