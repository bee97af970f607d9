import Datasets
import Engine
import Foundation
import Randomness

/// Images read pixel by pixel as sequences (sequential MNIST, and with a permutation permuted
/// MNIST): one scalar input per step, the class predicted from the last hidden state.
public struct PixelSequences: Sendable {
  public let images: ImageSet
  /// The pixel order; nil is the images' own (row by row).
  public let permutation: PixelPermutation?

  public init(images: ImageSet, permutation: PixelPermutation?) {
    self.images = images
    self.permutation = permutation
  }

  public var steps: Int { images.imageSize }

  /// The time-major inputs ((T·B) × 1) and labels of the examples `indices`.
  public func batch(_ indices: [Int]) -> (inputs: Matrix<Float>, labels: [Int]) {
    var inputs: [Float] = []
    var labels: [Int] = []
    images.fillSequences(
      indices: indices, permutation: permutation, inputs: &inputs, labels: &labels)
    return (Matrix(rows: steps * indices.count, cols: 1, inputs), labels)
  }
}

extension SequenceModel where T == Float {
  /// Accuracy (%) and mean cross-entropy over every example of `data`, `batch` at a time (the
  /// last, smaller batch included: with population statistics the batch size does not matter).
  public func classify(
    _ data: PixelSequences, batch: Int, statistics: StatisticsPolicy = .population
  ) -> (accuracy: Double, loss: Double) {
    var (correct, loss) = (0, 0.0)
    for start in stride(from: 0, to: data.images.count, by: batch) {
      let indices = Array(start..<min(start + batch, data.images.count))
      let (inputs, labels) = data.batch(indices)
      let result = inputs.withView { x in
        evaluate(
          .dense(x), targets: labels, steps: data.steps, batch: indices.count,
          statistics: statistics)
      }
      correct += result.correct
      loss += Double(result.loss) * Double(indices.count)
    }
    let count = Double(max(data.images.count, 1))
    return (100 * Double(correct) / count, loss / count)
  }
}

/// A sequence classifier's learning curves, a view of the chapter's record (the run's series
/// "training loss", "validation accuracy (%)" and, if measured, "validation accuracy,
/// moving-average statistics (%)").
public struct ClassifierCurve: Codable, Sendable {
  public var curves: RecordedCurves
  public var divergedAt: Int?
  public var seconds: Double = 0

  static let (lossMetric, validationMetric, movingAverageMetric) = (
    "training loss", "validation accuracy (%)",
    "validation accuracy, moving-average statistics (%)"
  )

  public init(name: String, log: TrainingLog) { curves = RecordedCurves(run: name, log: log) }

  public var name: String { curves.run }
  public var steps: [Int] { curves.steps(Self.validationMetric) }
  /// Mean cross-entropy of the training batches since the previous point (batch statistics).
  public var trainingLoss: [Double] { curves.values(Self.lossMetric) }
  /// Accuracy (%) on the validation images, as the model is used: population statistics,
  /// re-estimated with the current weights when the run says so.
  public var validation: [Double] { curves.values(Self.validationMetric) }
  /// Accuracy (%) with the moving averages tracked during training, when they are measured
  /// beside the re-estimated statistics (empty otherwise).
  public var validationMovingAverage: [Double] { curves.values(Self.movingAverageMetric) }

  /// The highest validation accuracy and the first step it was reached at.
  public var bestValidation: (accuracy: Double, step: Int) {
    var best = (accuracy: -Double.infinity, step: 0)
    for (value, step) in zip(validation, steps) where value.isFinite && value > best.accuracy {
      best = (value, step)
    }
    return best.accuracy.isFinite ? best : (.nan, 0)
  }
}

/// What a finished classifier run leaves: its curves, and the parameters and populations of
/// its best validation point (Table 1's "early stopping") for a final test.
public struct ClassifierRecord: TrainingRecord, Sendable {
  public var curve: ClassifierCurve
  public var bestParameters: [String: Matrix<Float>]
  public var bestPopulations: [String: TimeStepStatistics]

  public var divergedAt: Int? {
    get { curve.divergedAt }
    set { curve.divergedAt = newValue }
  }
  public var seconds: Double {
    get { curve.seconds }
    set { curve.seconds = newValue }
  }
}

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
