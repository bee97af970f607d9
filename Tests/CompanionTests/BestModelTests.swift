import Datasets
import Engine
import Foundation
import Randomness
import Testing

@testable import Companion

/// A run that keeps its best model keeps the model of its best validation point, not its
/// last: every reading "at its best" in Chapters 4 and 5 (samples, other lengths, Table 1's
/// test accuracy at the best validation point) restores those parameters. Each run here is
/// made to turn, so that its best point lies before its last (checked first); the kept
/// parameters (and, for the classifier, statistics) must reproduce the best point's
/// validation number bit for bit, and differ from the last ones.
@Suite("Early stopping keeps the best model")
struct BestModelTests {
  /// Training text: the cycle 0 1 0 2 0 3 0 4 repeated, so that after "1 0" comes 2. The
  /// validation text has the same symbols and the same "a digit, then 0", but the cycle
  /// reversed (after "1 0" comes 4): a model first learns what the two share (validation
  /// improves), then the order of the training cycle (validation gets worse).
  static let trainingText: [UInt8] = (0..<1_600).map { [0, 1, 0, 2, 0, 3, 0, 4][$0 % 8] }
  static let validationText: [UInt8] = (0..<1_600).map { [0, 4, 0, 3, 0, 2, 0, 1][$0 % 8] }

  @Test func aLanguageModelKeepsTheParametersOfItsBestValidationPoint() throws {
    let chapter = try TestChapter.make(["--preset", "smoke"])
    var generator = RandomGenerator(seed: 3)
    let model = SequenceModel<Float>(
      layers: [RecurrentLayerConfiguration(cell: .lstm, inputs: 5, hidden: 8, tokenInput: true)],
      head: .everyStep(classes: 5), using: &generator)
    let trainingSample = TextSample(tokens: Self.trainingText, batch: 4, length: 12, maxBatches: 2)
    let validationSample = TextSample(
      tokens: Self.validationText, batch: 4, length: 12, maxBatches: 2)
    var training = LanguageModelTraining(
      name: "turns", steps: 60, batch: 4, length: 12, learningRate: 2e-2, clipNorm: 1,
      evaluations: 60, seed: 5, statistics: .batch)
    training.evaluationInterval = 2
    training.keepsBest = true
    let curve = try training.describe(
      in: chapter, model: model, source: .crops(Self.trainingText),
      trainingSample: trainingSample, validationSample: validationSample
    ).train(in: chapter, checkpoints: NoCheckpoints())
    let best = curve.bestValidation
    let lastValidation = try #require(curve.validation.last)
    try #require(best.step != curve.steps.last, "the validation set must turn: \(curve.validation)")
    try #require(best.bpc < lastValidation)
    let last = NamedValues.of(model.parameters)
    let kept = try #require(curve.bestParameters)
    let keptTheLast = kept == last
    #expect(!keptTheLast, "the kept parameters are the last ones")
    try NamedValues.restore(model.parameters, from: kept)
    let again = model.bitsPerCharacter(on: validationSample, statistics: .batch)
    #expect(
      again.bitPattern == best.bpc.bitPattern,
      "the kept parameters give \(again) bpc; the best point measured \(best.bpc) at step \(best.step)"
    )
  }

  /// Nine-pixel images whose class is which third of the image is brightest.
  static let images: PixelSequences = {
    var generator = RandomGenerator(seed: 8)
    var pixels: [Float] = []
    for i in 0..<30 {
      for k in 0..<9 {
        let bright = k / 3 == i % 3
        pixels.append(Float(generator.nextUnit()) * 0.3 + (bright ? 0.7 : 0))
      }
    }
    return PixelSequences(
      images: ImageSet(
        count: 30, rows: 3, cols: 3, pixels: pixels, labels: (0..<30).map { $0 % 3 }),
      permutation: nil)
  }()

  /// Here the turn comes from a learning rate that overshoots (RMSProp at 0.3, thirty times
  /// Chapter 5's largest): the classifier gets every image right, then its own steps throw
  /// it off again.
  @Test func aClassifierKeepsTheParametersAndStatisticsOfItsBestValidationPoint() throws {
    let chapter = try TestChapter.make(["--preset", "smoke"])
    var generator = RandomGenerator(seed: 2)
    let model = SequenceModel<Float>(
      layers: [
        RecurrentLayerConfiguration(
          cell: .lstm, inputs: 1, hidden: 6, normalization: .cooijmans(maxSteps: 9),
          initialState: .learned)
      ], head: .lastStep(classes: 3), using: &generator)
    var training = SequenceClassifierTraining(
      name: "pixels turn", steps: 80, batch: 5,
      optimizer: RMSProp<Float>.cooijmans(
        learningRate: 0.3),
      clipNorm: 1, evaluations: 1, seed: 7, statistics: .reestimated(batches: 2))
    training.evaluationInterval = 2
    let record = try training.describe(
      in: chapter, model: model, training: Self.images, validation: Self.images
    ).train(in: chapter, checkpoints: NoCheckpoints())
    let best = record.curve.bestValidation
    let lastAccuracy = try #require(record.curve.validation.last)
    try #require(best.step != record.curve.steps.last, "\(record.curve.validation)")
    try #require(best.accuracy > lastAccuracy)
    let last = NamedValues.of(model.parameters)
    let keptTheLast = record.bestParameters == last
    #expect(!keptTheLast, "the kept parameters are the last ones")
    try NamedValues.restore(model.parameters, from: record.bestParameters)
    model.populations = record.bestPopulations
    let again = model.classify(Self.images, batch: 5, statistics: .population)
    #expect(
      again.accuracy.bitPattern == best.accuracy.bitPattern,
      "the kept model scores \(again.accuracy)%; the best point measured \(best.accuracy)% at step \(best.step)"
    )
  }
}
