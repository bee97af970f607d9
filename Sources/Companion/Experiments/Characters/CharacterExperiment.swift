import Datasets
import Engine

/// The settings of the character-model experiments of Chapters 4 (Laurent et al.) and 5
/// (Cooijmans et al.), preset by preset, in one table: what both chapters do is written once,
/// and where they differ it is on purpose and visible side by side.
///
/// Both read every model at its best validation point, measured with population statistics
/// re-estimated from a few fixed training batches, and stop a run once its validation bpc has
/// not improved for `convergence.patience` steps.
public struct CharacterExperiment: Sendable {
  /// Whose experiment: the chapter's paper.
  public enum Paper: Sendable {
    /// Chapter 4: input-to-hidden BN against the LSTM (and the naive hidden BN).
    case laurent
    /// Chapter 5: the BN-LSTM against the LSTM (and γ = 1.0).
    case cooijmans
  }

  /// Units in the LSTM.
  public let hidden: Int
  /// The step limit of a run (`--steps` overrides it).
  public let steps: Int
  /// Steps between measurements.
  public let measureEvery: Int
  /// Early steps measured more often (every `every` steps up to `until`), where the curves
  /// move fast: an equal-fit reading is then not an interpolation across a large step.
  public let denseEvaluation: (every: Int, until: Int)?
  /// When a run has stopped improving.
  public let convergence: Convergence
  /// The learning-rate grid (`--rates` overrides it).
  public let rates: [Double]
  /// How many characters of the training split are trained on (`--training-characters`).
  public let trainingCharacters: Int
  /// Training batches the population statistics are re-estimated from.
  public let reestimationBatches: Int

  public init(_ paper: Paper, in chapter: Chapter, corpus: CharCorpus) {
    let steps: Int
    let rates: [Double]
    let characters: Int
    switch paper {
    case .laurent:
      hidden = chapter.pick(smoke: 16, book: 64, paper: 256, long: 128)
      steps = chapter.pick(smoke: 60, book: 5_000, paper: 20_000, long: 12_000)
      measureEvery = chapter.pick(smoke: 10, book: 100, paper: 500, long: 200)
      rates = chapter.pick(
        smoke: [1e-3, 2e-3, 4e-3, 8e-3], book: [1e-3, 2e-3, 4e-3, 8e-3],
        paper: [1e-3, 2e-3, 4e-3], long: [2e-3, 4e-3, 8e-3, 1.6e-2])
      denseEvaluation = chapter.pick(
        smoke: Optional<(every: Int, until: Int)>.none, book: (20, 1_000), paper: nil,
        long: (50, 2_000))
      // The long preset: 20 times the book's text.
      characters = chapter.pick(
        smoke: 20_000, book: 30_000, paper: corpus.train.count, long: 600_000)
    case .cooijmans:
      hidden = chapter.pick(smoke: 16, book: 64, paper: 1_000, long: 64)
      steps = chapter.pick(smoke: 60, book: 5_000, paper: 50_000, long: 10_000)
      // The BN-LSTM overfits the book's small text within a few hundred steps: measured every
      // 50 steps, its best point is not a coarse guess.
      measureEvery = chapter.pick(smoke: 10, book: 50, paper: 500, long: 100)
      rates = chapter.pick(
        smoke: [1e-3, 4e-3], book: [2e-3, 4e-3, 8e-3, 1.6e-2], paper: [2e-3],
        long: [2e-3, 4e-3, 8e-3])
      denseEvaluation = chapter.pick(
        smoke: Optional<(every: Int, until: Int)>.none, book: (10, 300), paper: nil,
        long: (25, 1_000))
      // The long preset: 10 times the book's text.
      characters = chapter.pick(
        smoke: 20_000, book: 30_000, paper: corpus.train.count, long: 300_000)
    }
    self.steps = chapter.steps(default: steps)
    self.rates = chapter.learningRates(default: rates)
    trainingCharacters = chapter.trainingCharacters(default: characters)
    convergence = Convergence(
      patience: chapter.pick(smoke: 20, book: 800, paper: 5_000, long: 2_000),
      tolerance: chapter.pick(smoke: 0, book: 0, paper: 0.002, long: 0.002))
    reestimationBatches = chapter.pick(smoke: 2, book: 5, paper: 20, long: 10)
  }

  /// The character models of this experiment on `corpus`, measured with re-estimated
  /// statistics.
  public func models(in chapter: Chapter, corpus: CharCorpus) -> CharacterModels {
    var models = CharacterModels(chapter: chapter, corpus: corpus, hidden: hidden)
    models.statistics = .reestimated(batches: reestimationBatches)
    return models
  }
}
