import Datasets
import Engine
import Foundation
import Randomness

/// The character-level language model of Chapters 4 and 5, set up once: a one-layer LSTM
/// (with whichever normalization a chapter studies) over a character corpus, batches of 64
/// sequences of 100 characters cut at random offsets, Adam at 2·10⁻³, the gradient norm
/// clipped at 1 (Cooijmans et al. 2017, §5.2), bits per character measured on fixed samples
/// of the training and validation text.
///
/// Every model starts from the same weights (the generator is seeded by purpose, "weights")
/// and every run sees the same batches ("batches"), so two chapters that train the same
/// variant under the same name get the same curve, bit for bit.
public struct CharacterModels: Sendable {
  public let corpus: CharCorpus
  public let hidden: Int
  public let batch = 64
  /// Characters per training sequence, and T_max (the smoke preset shortens it).
  public let length: Int
  /// Batches in each fixed sample of text.
  public let sampleBatches: Int
  /// About how many measurements a run makes.
  public let evaluations: Int
  public let learningRate = 2e-3
  public let clipNorm = 1.0
  /// The fixed sample of the validation text.
  public let validationSample: TextSample
  /// What bits per character are measured with: the moving averages BN tracks in training,
  /// a tenth of each new batch (PyTorch's momentum).
  public var statistics = EvaluationStatistics.movingAverage(momentum: 0.1)
  /// The generator every model's initial weights are drawn from (a copy each time).
  let weights: RandomGenerator
  let batchSeed: UInt64

  /// - Parameter hidden: units in the LSTM.
  public init(chapter: Chapter, corpus: CharCorpus, hidden: Int) {
    self.corpus = corpus
    self.hidden = hidden
    length = chapter.pick(smoke: 30, book: 100, paper: 100)
    sampleBatches = chapter.pick(smoke: 1, book: 3, paper: 16)
    evaluations = chapter.pick(smoke: 3, book: 25, paper: 50)
    validationSample = TextSample(
      tokens: corpus.valid, batch: batch, length: length, maxBatches: sampleBatches)
    weights = chapter.makeGenerator("weights")
    batchSeed = chapter.seed(for: "batches")
  }

  public var vocabulary: Int { corpus.vocabulary.size }

  /// A fixed sample of `tokens` (the first non-overlapping sequences).
  public func sample(of tokens: [UInt8]) -> TextSample {
    TextSample(tokens: tokens, batch: batch, length: length, maxBatches: sampleBatches)
  }

  /// A fresh model with `normalization`, from the book's one set of initial weights.
  public func model(_ normalization: RecurrentNormalization) -> SequenceModel<Float> {
    var generator = weights
    return SequenceModel<Float>(
      layers: [
        RecurrentLayerConfiguration(
          cell: .lstm, inputs: vocabulary, hidden: hidden, tokenInput: true,
          normalization: normalization)
      ], head: .everyStep(classes: vocabulary), using: &generator)
  }

  /// Trains a fresh model with `normalization` on `source` for `steps` steps as the run
  /// `name` (resumable), says how it ended, and returns its record. `length` is the
  /// sequence length (whole documents: the cap).
  public func train(
    _ name: String, _ normalization: RecurrentNormalization, source: LanguageModelTraining.Source,
    steps: Int, trainingSample: TextSample, validationSample: TextSample? = nil,
    length: Int? = nil, keepsModel: Bool = false, in chapter: Chapter
  ) -> LanguageModelRecord {
    let run = LanguageModelTraining(
      name: name, steps: steps, batch: batch, length: length ?? self.length,
      learningRate: learningRate, clipNorm: clipNorm, evaluations: evaluations, seed: batchSeed,
      statistics: statistics, keepsModel: keepsModel)
    let record = chapter.attempt {
      try run.run(
        in: chapter, model: model(normalization), source: source, trainingSample: trainingSample,
        validationSample: validationSample ?? self.validationSample)
    }
    let curve = record.curve
    let best = curve.bestValidation
    chapter.say(
      String(
        format:
          "%@: final training %.3f bpc, validation %.3f; best validation %.3f at step %d (%.1f s)",
        name, curve.training.last ?? .nan, curve.validation.last ?? .nan, best.bpc, best.step,
        curve.seconds))
    return record
  }

  /// Before long runs: times a training step of a model with `normalization` on `text` and
  /// says how long `steps` steps will take, side by side on the cores.
  public func announceLongRun(
    _ what: String, steps: Int, normalization: RecurrentNormalization, text: [UInt8],
    in chapter: Chapter
  ) {
    let probe = model(normalization)
    var optimizer = Adam<Float>(learningRate: learningRate)
    var stream = SequenceStream(batchSize: batch, length: length, seed: 1)
    let window = stream.next(from: text)
    let rate = chapter.secondsPerStep {
      probe.trainStep(
        .tokens(window.timeMajorInputs), targets: window.timeMajorTargets, steps: length,
        batch: batch, optimizer: &optimizer, clipNorm: clipNorm)
    }
    chapter.announceLongRun(what, steps: steps, secondsPerStep: rate, sideBySide: true)
  }
}
