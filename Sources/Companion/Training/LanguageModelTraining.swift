import Datasets
import Engine
import Foundation
import Invariants

/// Fixed batches of text for measuring bits per character, the same at every evaluation so
/// that curves compare: the first non-overlapping sequences of a text (each with the
/// character after it as its last target), or the first documents, padded and masked.
public struct TextSample: Sendable {
  public struct Batch: Sendable {
    /// Time-major: element t·B + b.
    public var inputs: [Int]
    public var targets: [Int]
    public var steps: Int
    public var batch: Int
    /// 1 for a real frame, 0 for padding; nil when every frame is real.
    public var mask: [Float]?
    /// Predictions that count.
    public var characters: Int { mask.map { Int($0.reduce(0, +)) } ?? steps * batch }
  }

  public let batches: [Batch]

  /// Up to `maxBatches` batches of `batch` sequences of `length` characters from `tokens`.
  public init(tokens: [UInt8], batch: Int, length: Int, maxBatches: Int) {
    let available = max(0, (tokens.count - 1) / length) / batch
    batches = (0..<min(available, maxBatches)).map { k in
      var inputs = [Int](repeating: 0, count: batch * length)
      var targets = inputs
      for b in 0..<batch {
        let start = (k * batch + b) * length
        for t in 0..<length {
          inputs[t * batch + b] = Int(tokens[start + t])
          targets[t * batch + b] = Int(tokens[start + t + 1])
        }
      }
      return Batch(inputs: inputs, targets: targets, steps: length, batch: batch, mask: nil)
    }
  }

  /// Up to `maxBatches` batches of `batch` whole documents, each at most `cap` steps.
  public init(documents: [ArraySlice<UInt8>], batch: Int, cap: Int, maxBatches: Int) {
    batches = (0..<min(documents.count / batch, maxBatches)).map { k in
      let padded = DocumentBatch(
        documents: Array(documents[k * batch..<(k + 1) * batch]), cap: cap)
      return Batch(
        inputs: padded.inputs, targets: padded.targets, steps: padded.steps, batch: batch,
        mask: padded.mask)
    }
  }

  /// Characters predicted per pass over the sample.
  public var characters: Int { batches.reduce(0) { $0 + $1.characters } }
}

extension SequenceModel where T == Float {
  /// Cross-entropy over the sample's counted predictions, in bits per character
  /// (mean nats / ln 2).
  public func bitsPerCharacter(on sample: TextSample, statistics: StatisticsPolicy) -> Double {
    require(!sample.batches.isEmpty, "an empty text sample has no bits per character")
    var nats = 0.0
    for batch in sample.batches {
      let loss = (batch.mask ?? []).withUnsafeBufferPointer { mask in
        evaluate(
          .tokens(batch.inputs), targets: batch.targets, steps: batch.steps, batch: batch.batch,
          mask: batch.mask == nil ? nil : mask, statistics: statistics
        ).loss
      }
      nats += Double(loss) * Double(batch.characters)
    }
    return nats / Double(sample.characters) / log(2)
  }
}

/// A language model's learning curves, a view of the chapter's record: the series
/// "training batches U", "training U" and "validation U" of the run, U the unit ("bpc", or
/// "bits per word").
public struct LanguageModelCurve: TrainingRecord, Sendable {
  public var curves: RecordedCurves
  public var unit: String
  public var divergedAt: Int?
  public var seconds: Double = 0
  /// The parameters at the lowest validation point so far, when the run keeps them (early
  /// stopping reads a model at its best, not where it stopped).
  public var bestParameters: [String: Matrix<Float>]?

  public init(name: String, log: TrainingLog, unit: String = "bpc") {
    curves = RecordedCurves(run: name, log: log)
    self.unit = unit
  }

  public var name: String { curves.run }
  public var steps: [Int] { curves.steps("validation \(unit)") }
  /// Bits per character (or word) on the training batches themselves (batch statistics),
  /// averaged over the steps since the previous point: what the optimiser sees.
  public var trainingBatches: [Double] { curves.values("training batches \(unit)") }
  /// On a fixed sample of the training text, as the model is used (population statistics).
  public var training: [Double] { curves.values("training \(unit)") }
  /// On a fixed sample of the validation text, as the model is used.
  public var validation: [Double] { curves.values("validation \(unit)") }
  /// The same with the moving averages tracked in training, when the run measures both.
  public var validationMovingAverages: [Double] {
    curves.values("validation \(unit), moving averages")
  }

  /// Records the validation measure with the tracked moving averages at `step` (the series
  /// `validationMovingAverages` reads).
  public func recordValidationWithMovingAverages(step: Int, value: Double) {
    curves.record("validation \(unit), moving averages", step: step, value: value)
  }

  /// Records the three values at `step`.
  public func record(step: Int, trainingBatches: Double, training: Double, validation: Double) {
    curves.record("training batches \(unit)", step: step, value: trainingBatches)
    curves.record("training \(unit)", step: step, value: training)
    curves.record("validation \(unit)", step: step, value: validation)
  }

  /// The lowest validation bpc and the step it was reached at.
  public var bestValidation: (bpc: Double, step: Int) {
    let pairs = zip(validation, steps).filter { $0.0.isFinite }
    guard let best = pairs.min(by: { $0.0 < $1.0 }) else { return (.nan, 0) }
    return (best.0, best.1)
  }
}

/// A trained language model as later sections need it: its curves, and its parameters and
/// population statistics if they will be used again.
public struct LanguageModelRecord: Codable, Sendable {
  public var curve: LanguageModelCurve
  public var parameters: [String: Matrix<Float>]?
  public var populations: [String: TimeStepStatistics]?

  public init(
    curve: LanguageModelCurve, parameters: [String: Matrix<Float>]? = nil,
    populations: [String: TimeStepStatistics]? = nil
  ) {
    self.curve = curve
    self.parameters = parameters
    self.populations = populations
  }
}

/// One training run of a character-level language model, resumable: independent sequences
/// of `length` characters cut at a random offset each epoch (Cooijmans et al. 2017's PTB
/// setup), `batch` at a time, Adam, gradient-norm clipping, and measurements on fixed
/// samples of the training and validation text at `evaluations` points.
public struct LanguageModelTraining: Sendable {
  /// What the model trains on.
  public enum Source: Sendable {
    /// Independent sequences of `length` characters cut from the text at a random offset
    /// each epoch (Cooijmans et al. 2017's PTB setup).
    case crops([UInt8])
    /// Whole documents, padded and masked, at most `cap` steps each.
    case documents([ArraySlice<UInt8>], cap: Int)
  }

  public var name: String
  public var steps: Int
  public var batch: Int
  public var length: Int
  public var learningRate: Double
  public var clipNorm: Double
  /// About how many measurements over the run (plus the first and last step).
  public var evaluations: Int
  /// Seed of the batch order.
  public var seed: UInt64
  /// What bits per character are measured with.
  public var statistics: EvaluationStatistics
  /// Keep the trained parameters and populations in the record.
  public var keepsModel: Bool
  /// Measure every this many steps instead of about `evaluations` times.
  public var evaluationInterval: Int?
  /// Stop once the validation curve has converged (early stopping).
  public var convergence: Convergence?
  /// Keep the parameters at the best validation point in the curve.
  public var keepsBest = false
  /// Also measure validation with the moving averages (when `statistics` re-estimates), to
  /// show how far the two protocols differ.
  public var comparesMovingAverages = false

  public init(
    name: String, steps: Int, batch: Int, length: Int, learningRate: Double, clipNorm: Double,
    evaluations: Int, seed: UInt64, statistics: EvaluationStatistics, keepsModel: Bool = false
  ) {
    self.statistics = statistics
    self.name = name
    self.steps = steps
    self.batch = batch
    self.length = length
    self.learningRate = learningRate
    self.clipNorm = clipNorm
    self.evaluations = evaluations
    self.seed = seed
    self.keepsModel = keepsModel
  }

  /// Trains `model` on `source`, measuring on the two samples; records the curves in the
  /// chapter's log under `name` and returns them (or, resuming, continues or skips the run).
  public func run(
    in chapter: Chapter, model: SequenceModel<Float>, source: Source, trainingSample: TextSample,
    validationSample: TextSample
  ) throws -> LanguageModelRecord {
    try describe(
      in: chapter, model: model, source: source, trainingSample: trainingSample,
      validationSample: validationSample
    ).run(in: chapter) { curve in
      LanguageModelRecord(
        curve: curve, parameters: keepsModel ? NamedValues.of(model.parameters) : nil,
        populations: keepsModel ? model.populations : nil)
    }
  }

  /// The run, described: Adam and the text stream in its state, a step of truncated BPTT,
  /// bits per character on the two samples at each point.
  public func describe(
    in chapter: Chapter, model: SequenceModel<Float>, source: Source, trainingSample: TextSample,
    validationSample: TextSample
  ) -> TrainingRun<SequenceModel<Float>, LanguageModelCurve> {
    // The run's own state beside the model's: Adam's moments and the streams' positions.
    let state = RunState()
    var optimizer = Adam<Float>(learningRate: learningRate)
    state.track("optimizer", get: { optimizer }, set: { optimizer = $0 })
    var crops = SequenceStream(batchSize: batch, length: length, seed: seed)
    state.track("crops", get: { crops }, set: { crops = $0 })
    let cap: Int
    if case .documents(_, let documentCap) = source { cap = documentCap } else { cap = length }
    var documents = DocumentStream(batchSize: batch, cap: cap, seed: seed)
    state.track("documents", get: { documents }, set: { documents = $0 })
    // Re-estimating runs the first batches of a fixed draw (its own seed) through the model:
    // the same batches at every evaluation, drawn once, when first needed.
    var fixedCrops = SequenceStream(batchSize: batch, length: length, seed: ~seed)
    var fixedDocuments = DocumentStream(batchSize: batch, cap: cap, seed: ~seed)
    var populationBatches: [(inputs: [Int], steps: Int, mask: [Float]?)] = []
    func feedPopulationBatch(_ k: Int) {
      while populationBatches.count <= k {
        switch source {
        case .crops(let text):
          populationBatches.append((fixedCrops.next(from: text).timeMajorInputs, length, nil))
        case .documents(let list, _):
          let padded = fixedDocuments.next(from: list)
          populationBatches.append((padded.inputs, padded.steps, padded.mask))
        }
      }
      let fed = populationBatches[k]
      (fed.mask ?? []).withUnsafeBufferPointer { mask in
        _ = model.forward(
          .tokens(fed.inputs), steps: fed.steps, batch: batch, mask: fed.mask == nil ? nil : mask,
          statistics: .batchAndTrack)
      }
    }
    var run = TrainingRun(
      name: name, steps: steps,
      schedule: EvaluationSchedule(
        total: steps, every: evaluationInterval ?? max(steps, 1) / max(evaluations, 1)),
      model: model, state: state, record: LanguageModelCurve(name: name, log: chapter.log),
      step: { _ in
        switch source {
        case .crops(let text):
          let window = crops.next(from: text)
          return Double(
            model.trainStep(
              .tokens(window.timeMajorInputs), targets: window.timeMajorTargets, steps: length,
              batch: batch, optimizer: &optimizer, clipNorm: clipNorm
            ).loss)
        case .documents(let list, _):
          let padded = documents.next(from: list)
          return Double(
            padded.mask.withUnsafeBufferPointer { mask in
              model.trainStep(
                .tokens(padded.inputs), targets: padded.targets, steps: padded.steps,
                batch: batch, mask: mask, optimizer: &optimizer, clipNorm: clipNorm
              ).loss
            })
        }
      },
      measure: { step, meanLoss, curve in
        // Bits per character: mean nats / ln 2.
        let batches = meanLoss / log(2)
        let (training, validation) = model.evaluating(statistics, feed: feedPopulationBatch) {
          policy in
          (
            model.bitsPerCharacter(on: trainingSample, statistics: policy),
            model.bitsPerCharacter(on: validationSample, statistics: policy)
          )
        }
        curve.record(
          step: step, trainingBatches: batches, training: training, validation: validation)
        if comparesMovingAverages {
          // Outside `evaluating`, the populations are the ones tracked in training.
          let tracked = model.bitsPerCharacter(on: validationSample, statistics: .population)
          curve.recordValidationWithMovingAverages(step: step, value: tracked)
        }
        // Early stopping keeps the model at its best point.
        if keepsBest, validation.isFinite, validation <= curve.bestValidation.bpc {
          curve.bestParameters = NamedValues.of(model.parameters)
        }
        return [("train bpc", training), ("valid bpc", validation)]
      })
    if let convergence {
      run.stopsWhen = { curve in
        convergence.hasConverged(steps: curve.steps, values: curve.validation)
      }
    }
    return run
  }
}
