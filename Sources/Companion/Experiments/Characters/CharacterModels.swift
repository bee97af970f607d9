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
  /// The chapter the models train in: the seeds of a repetition's weights and batches.
  let chapter: Chapter

  /// - Parameter hidden: units in the LSTM.
  public init(chapter: Chapter, corpus: CharCorpus, hidden: Int) {
    self.corpus = corpus
    self.hidden = hidden
    length = chapter.pick(smoke: 30, book: 100, paper: 100)
    sampleBatches = chapter.pick(smoke: 1, book: 3, paper: 16)
    evaluations = chapter.pick(smoke: 3, book: 25, paper: 50)
    validationSample = TextSample(
      tokens: corpus.valid, batch: batch, length: length, maxBatches: sampleBatches)
    self.chapter = chapter
  }

  public var vocabulary: Int { corpus.vocabulary.size }

  /// A fixed sample of `tokens` (the first non-overlapping sequences).
  public func sample(of tokens: [UInt8]) -> TextSample {
    TextSample(tokens: tokens, batch: batch, length: length, maxBatches: sampleBatches)
  }

  /// A fresh model with `normalization`, from the initial weights of `repetition` (the
  /// book's one set for the first): every normalization starts from the same weights.
  /// `inputScale` multiplies W_x after drawing it (a control for the input term's scale).
  public func model(
    _ normalization: RecurrentNormalization, repetition: Repetition = Repetition(1),
    inputScale: Float = 1
  ) -> SequenceModel<Float> {
    var generator = chapter.makeGenerator("weights", repetition: repetition)
    let model = SequenceModel<Float>(
      layers: [
        RecurrentLayerConfiguration(
          cell: .lstm, inputs: vocabulary, hidden: hidden, tokenInput: true,
          normalization: normalization)
      ], head: .everyStep(classes: vocabulary), using: &generator)
    if inputScale != 1, let weights = model.parameters.first(where: { $0.name == "layer1.Wx" }) {
      var scaled = weights.value
      for i in 0..<scaled.rows { for j in 0..<scaled.cols { scaled[i, j] *= inputScale } }
      weights.value = scaled
    }
    return model
  }

  /// The standard deviation of the input term W_x x_t's entries at initialisation, over
  /// every symbol and gate unit: how large the plain LSTM's input term starts, against BN's 1.
  public func initialInputScale(repetition: Repetition = Repetition(1)) -> Double {
    let weights = model(.none, repetition: repetition).parameters.first {
      $0.name == "layer1.Wx"
    }!.value
    let values = (0..<weights.rows).flatMap { i in (0..<weights.cols).map { Double(weights[i, $0]) }
    }
    let mean = values.reduce(0, +) / Double(values.count)
    return (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count))
      .squareRoot()
  }

  /// How a run of `train` is set beyond the book's defaults: the learning rate, the
  /// repetition (its weights and batch order), when to stop, what to keep.
  public struct RunSettings: Sendable {
    public var learningRate: Double?
    public var repetition = Repetition(1)
    public var inputScale: Float = 1
    public var evaluationInterval: Int?
    /// Measure every `every` steps up to `until` as well.
    public var denseEvaluation: (every: Int, until: Int)?
    public var convergence: Convergence?
    public var keepsBest = false
    public var comparesMovingAverages = false
    public var statistics: EvaluationStatistics?

    public init(
      learningRate: Double? = nil, repetition: Repetition = Repetition(1), inputScale: Float = 1,
      evaluationInterval: Int? = nil, convergence: Convergence? = nil, keepsBest: Bool = false,
      comparesMovingAverages: Bool = false, statistics: EvaluationStatistics? = nil,
      denseEvaluation: (every: Int, until: Int)? = nil
    ) {
      self.denseEvaluation = denseEvaluation
      self.learningRate = learningRate
      self.repetition = repetition
      self.inputScale = inputScale
      self.evaluationInterval = evaluationInterval
      self.convergence = convergence
      self.keepsBest = keepsBest
      self.comparesMovingAverages = comparesMovingAverages
      self.statistics = statistics
    }
  }

  /// Trains a fresh model with `normalization` on `source` for `steps` steps as the run
  /// `name` (resumable), says how it ended, and returns its record. `length` is the
  /// sequence length (whole documents: the cap).
  public func train(
    _ name: String, _ normalization: RecurrentNormalization, source: LanguageModelTraining.Source,
    steps: Int, trainingSample: TextSample, validationSample: TextSample? = nil,
    length: Int? = nil, keepsModel: Bool = false, settings: RunSettings = RunSettings(),
    in chapter: Chapter
  ) -> LanguageModelRecord {
    var run = LanguageModelTraining(
      name: name, steps: steps, batch: batch, length: length ?? self.length,
      learningRate: settings.learningRate ?? learningRate, clipNorm: clipNorm,
      evaluations: evaluations,
      seed: chapter.seed(for: "batches", repetition: settings.repetition),
      statistics: settings.statistics ?? statistics, keepsModel: keepsModel)
    run.evaluationInterval = settings.evaluationInterval
    run.denseEvaluation = settings.denseEvaluation
    run.convergence = settings.convergence
    run.keepsBest = settings.keepsBest
    run.comparesMovingAverages = settings.comparesMovingAverages
    let record = chapter.attempt {
      try run.run(
        in: chapter,
        model: model(
          normalization, repetition: settings.repetition, inputScale: settings.inputScale),
        source: source, trainingSample: trainingSample,
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

  /// A trained run's model at its best validation point (the parameters the run kept there),
  /// with population statistics re-estimated — the plain average of the batch statistics of
  /// `batches` fixed crops of `text` — as the runs measured it.
  public func modelAtBest(
    _ curve: LanguageModelCurve, _ normalization: RecurrentNormalization,
    repetition: Repetition, inputScale: Float = 1, text: [UInt8], batches: Int
  ) -> SequenceModel<Float> {
    let model = model(normalization, repetition: repetition, inputScale: inputScale)
    if let best = curve.bestParameters {
      for parameter in model.parameters {
        if let value = best[parameter.name] { parameter.value = value }
      }
    }
    model.populations = model.populations.mapValues(model.freshAverage)
    var stream = SequenceStream(
      batchSize: batch, length: length, seed: chapter.seed(for: "re-estimation after training"))
    for _ in 0..<batches {
      model.forward(
        .tokens(stream.next(from: text).timeMajorInputs), steps: length, batch: batch,
        statistics: .batchAndTrack)
    }
    return model
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
