import Datasets
import Engine
import Foundation
import Invariants

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
  /// Measure every `every` steps up to step `until` as well (early, where the curves move
  /// fast); only with `evaluationInterval`.
  public var denseEvaluation: (every: Int, until: Int)?
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
    let interval = evaluationInterval ?? max(steps, 1) / max(evaluations, 1)
    let schedule =
      denseEvaluation.map {
        EvaluationSchedule(
          total: steps, every: interval, denseEvery: $0.every, denseUntil: $0.until)
      } ?? EvaluationSchedule(total: steps, every: interval)
    var run = TrainingRun(
      name: name, steps: steps,
      schedule: schedule,
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
