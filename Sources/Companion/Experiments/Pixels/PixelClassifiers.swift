import Datasets
import Engine
import Foundation

/// Cooijmans et al. 2017's pixel-by-pixel MNIST experiment (§5.1), set up once: the images at
/// the chapter's scale, read one pixel per step in order or in one fixed random order; the LSTM
/// and the BN-LSTM initialised as the authors' code does (`CooijmansLSTM`), the class read from
/// h_T; RMSProp with the authors' settings, the gradient norm clipped at 1; validation accuracy
/// with population statistics re-estimated at every measurement, the best point's parameters
/// kept for a final test.
///
/// Every model of a repetition starts from the same weights (seed purpose "mnist weights") and
/// sees the same batches ("mnist batches").
public struct PixelClassifiers: Sendable {
  /// The two tasks: the pixels in order, and in one fixed random order.
  public enum Task: String, CaseIterable, Sendable {
    case sequential = "sequential"
    case permuted = "permuted"
  }

  /// One model of the comparison, on one task: the LSTM, or the LSTM normalised at the
  /// BN-LSTM's places by `normalizer`.
  public struct Model: Hashable, Sendable {
    public var task: Task
    /// nil: the plain LSTM.
    public var normalizer: RecurrentNormalization.Normalizer?

    public init(task: Task, normalizer: RecurrentNormalization.Normalizer?) {
      self.task = task
      self.normalizer = normalizer
    }

    /// The paper's two: the BN-LSTM if `batchNorm`, else the LSTM.
    public init(task: Task, batchNorm: Bool) {
      self.init(task: task, normalizer: batchNorm ? .batch : nil)
    }

    public var batchNorm: Bool { normalizer == .batch }
    /// "LSTM", "BN-LSTM" (and "LN-LSTM" for a layer normalization).
    public var kind: String {
      (normalizer.map { $0.abbreviation.uppercased() + "-" } ?? "") + "LSTM"
    }
    /// "BN-LSTM, permuted": the name its runs and rows carry.
    public var name: String { "\(kind), \(task.rawValue)" }
  }

  /// What the claims read off one run.
  public struct Reading: Sendable {
    public var best: Double
    public var bestStep: Int
    /// Steps to the first measurement at or above the target (nan: never).
    public var stepsToTarget: Double
    /// Test accuracy at the best validation point, population statistics.
    public var test: Double
    public var converged: Bool
    public var stoppedAt: Int
  }

  /// Images are `side` × `side` pixels: a sequence of side² steps.
  public let side: Int
  public let hidden: Int
  public let batch: Int
  /// Steps between validation measurements (at most the run's length).
  public let evaluationInterval: Int
  /// When a run stops early; nil: every run takes its whole budget of steps.
  public let convergence: Convergence?
  /// Training batches the population statistics are re-estimated from at each measurement.
  public let reestimationBatches: Int
  public let trainImages: ImageSet
  public let validationImages: ImageSet
  public let testImages: ImageSet
  /// The permuted task's pixel order (seed purpose "permutation").
  public let permutation: PixelPermutation
  let chapter: Chapter

  /// Holds `validationCount` training images out for validation (split seed 17) and scales
  /// every set to `side` (14: each 2 × 2 block averaged; 28: as they are).
  public init(
    chapter: Chapter, images: ImageDataset, test: ImageSet, validationCount: Int, side: Int,
    hidden: Int, batch: Int, evaluationInterval: Int, convergence: Convergence?,
    reestimationBatches: Int
  ) {
    func atScale(_ set: ImageSet) -> ImageSet { side == 28 ? set : set.downsampled2x2() }
    (trainImages, validationImages) = chapter.attempt {
      let (train, validation) = try images.train.split(validationCount: validationCount, seed: 17)
      return (atScale(train), atScale(validation))
    }
    testImages = atScale(test)
    permutation = PixelPermutation(count: side * side, seed: chapter.seed(for: "permutation"))
    self.side = side
    self.hidden = hidden
    self.batch = batch
    self.evaluationInterval = evaluationInterval
    self.convergence = convergence
    self.reestimationBatches = reestimationBatches
    self.chapter = chapter
  }

  /// Steps per sequence.
  public var steps: Int { side * side }

  /// Chapter 5's settings, preset by preset (Chapter 6 trains its pixel models with them too):
  /// the paper's 28×28 images, 100 units and batches of 100 at the paper preset; 14×14, 64
  /// units and batches of 64 otherwise; an equal budget of steps in the book, early stopping
  /// in the long and paper presets.
  public static func cooijmans(chapter: Chapter, images: ImageDataset) -> PixelClassifiers {
    // page-span: settings
    PixelClassifiers(
      chapter: chapter, images: images,
      test: chapter.pick(
        smoke: images.test.subset(Array(0..<64)), book: images.test, paper: images.test),
      validationCount: chapter.pick(smoke: 64, book: 1_000, paper: 5_000, long: 2_000),
      side: chapter.pick(smoke: 14, book: 14, paper: 28, long: 14),
      hidden: chapter.pick(smoke: 8, book: 64, paper: 100, long: 64),
      batch: chapter.pick(smoke: 16, book: 64, paper: 100, long: 64),
      evaluationInterval: chapter.pick(smoke: 4, book: 40, paper: 2_000, long: 250),
      // Book: an equal budget of steps. Long: until the validation error stops improving.
      convergence: chapter.pick(
        smoke: nil, book: nil, paper: Convergence(patience: 20_000, tolerance: 0.2),
        long: Convergence(patience: 2_000, tolerance: 0.2)),
      reestimationBatches: chapter.pick(smoke: 2, book: 10, paper: 50, long: 10))
    // end page-span: settings
  }

  /// Every model: the LSTM and the BN-LSTM on each task.
  public static let models = Task.allCases.flatMap { task in
    [Model(task: task, batchNorm: false), Model(task: task, batchNorm: true)]
  }

  /// `set` read as `task` reads it.
  public func sequences(_ task: Task, of set: ImageSet) -> PixelSequences {
    PixelSequences(images: set, permutation: task == .permuted ? permutation : nil)
  }

  /// The LSTM (`normalizer` nil) or a normalised one from the initial weights of
  /// `repetition`. The BN-LSTM's bookkeeping of its moving averages is `convention`'s
  /// (PyTorch's, unless a study asks otherwise); `noise` is the initial-state noise, which only
  /// in-order pixels need.
  public func model(
    _ normalizer: RecurrentNormalization.Normalizer?, gamma: Double = CooijmansLSTM.initialGamma,
    noise: Bool, repetition: Repetition = Repetition(1),
    convention: BatchNormConvention = .pytorch
  ) -> SequenceModel<Float> {
    var generator = chapter.makeGenerator("mnist weights", repetition: repetition)
    return SequenceModel<Float>(
      layers: [
        CooijmansLSTM.layer(
          inputs: 1, hidden: hidden, steps: steps, normalizer: normalizer, initialGamma: gamma,
          convention: convention, noise: noise)
      ], head: .lastStep(classes: 10), using: &generator)
  }

  /// The paper's two: the BN-LSTM if `batchNorm`, else the LSTM.
  public func model(
    batchNorm: Bool, gamma: Double = CooijmansLSTM.initialGamma, noise: Bool,
    repetition: Repetition = Repetition(1), convention: BatchNormConvention = .pytorch
  ) -> SequenceModel<Float> {
    model(
      batchNorm ? .batch : nil, gamma: gamma, noise: noise, repetition: repetition,
      convention: convention)
  }

  /// One resumable run: `model` at `rate` in `repetition`, for at most `steps` steps (stopping
  /// at convergence, where the experiment has a rule and `stopsAtConvergence`), saying how it
  /// ended.
  public func train(
    _ name: String, _ model: Model, rate: Double, repetition: Repetition, steps: Int,
    gamma: Double = CooijmansLSTM.initialGamma, convention: BatchNormConvention = .pytorch,
    stopsAtConvergence: Bool = true
  ) -> ClassifierRecord {
    var run = SequenceClassifierTraining(
      name: name, steps: steps, batch: batch,
      optimizer: .cooijmans(learningRate: rate), clipNorm: 1, evaluations: 1,
      seed: chapter.seed(for: "mnist batches", repetition: repetition),
      statistics: .reestimated(batches: reestimationBatches),
      measuresMovingAverage: model.batchNorm)
    run.evaluationInterval = min(evaluationInterval, steps)
    run.convergence = stopsAtConvergence ? convergence : nil
    let record = chapter.attempt {
      try run.run(
        in: chapter,
        model: self.model(
          model.normalizer, gamma: gamma, noise: model.task == .sequential,
          repetition: repetition, convention: convention),
        training: sequences(model.task, of: trainImages),
        validation: sequences(model.task, of: validationImages))
    }
    let best = record.curve.bestValidation
    chapter.say(
      String(
        format: "%@: best validation accuracy %.2f%% at step %d, last %.2f%% (%.1f s)", name,
        best.accuracy, best.step, record.curve.validation.last ?? Double.nan,
        record.curve.seconds))
    return record
  }

  /// Whether a run converged by the experiment's rule (never, without one).
  public func converged(_ record: ClassifierRecord) -> Bool {
    guard let convergence else { return false }
    return convergence.hasConverged(
      steps: record.curve.steps, values: record.curve.validation.map { 100 - $0 })
  }

  /// Test accuracy of a run's best validation point, with its population statistics.
  public func testAccuracy(_ trial: Trial<Model, ClassifierRecord>) -> Double {
    let model = model(trial.model.normalizer, noise: false, repetition: trial.repetition)
    chapter.attempt {
      try NamedValues.restore(model.parameters, from: trial.record.bestParameters)
    }
    model.populations = trial.record.bestPopulations
    return model.classify(sequences(trial.model.task, of: testImages), batch: batch).accuracy
  }

  /// What the claims read off `trial`, its speed measured to validation accuracy `target`.
  public func reading(_ trial: Trial<Model, ClassifierRecord>, target: Double) -> Reading {
    let curve = trial.record.curve
    let reached = zip(curve.steps, curve.validation).first { $0.1 >= target }?.0
    return Reading(
      best: curve.bestValidation.accuracy, bestStep: curve.bestValidation.step,
      stepsToTarget: reached.map(Double.init) ?? .nan, test: testAccuracy(trial),
      converged: converged(trial.record), stoppedAt: curve.steps.last ?? 0)
  }

  /// Says how long `steps` training steps will take, side by side on the cores, from a timed
  /// step of the BN-LSTM on permuted pixels.
  public func announceLongRun(_ what: String, steps: Int) {
    let probe = model(batchNorm: true, noise: true)
    var optimizer = RMSProp<Float>.cooijmans()
    let (inputs, labels) = sequences(.permuted, of: trainImages).batch(Array(0..<batch))
    let rate = inputs.withView { x in
      chapter.secondsPerStep {
        _ = probe.trainStep(
          .dense(x), targets: labels, steps: self.steps, batch: batch, optimizer: &optimizer,
          clipNorm: 1)
      }
    }
    chapter.announceLongRun(what, steps: steps, secondsPerStep: rate, sideBySide: true)
  }
}
