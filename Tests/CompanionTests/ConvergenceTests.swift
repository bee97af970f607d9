import Engine
import Foundation
import Randomness
import Testing

@testable import Companion

/// When a run has converged, and a run that stops there: early stopping must stop where the
/// rule says, resume to the same stop, and keep the model of the best point.
@Suite("Convergence and early stopping")
struct ConvergenceTests {
  @Test func theLastImprovementCountsOnlyWhatBeatsTheBestByTheTolerance() {
    let steps = [0, 100, 200, 300, 400, 500]
    let values = [4.0, 3.0, 2.995, .nan, 3.1, 2.5]
    let plain = Convergence(patience: 200)
    #expect(plain.lastImprovement(steps: steps, values: values)! == (500, 2.5))
    let tolerant = Convergence(patience: 200, tolerance: 0.01)
    #expect(tolerant.lastImprovement(steps: Array(steps.prefix(5)), values: values)! == (100, 3.0))
    // 300 steps past the last improvement (at 100), with a patience of 200.
    #expect(tolerant.hasConverged(steps: Array(steps.prefix(5)), values: values))
    #expect(!plain.hasConverged(steps: steps, values: values), "still improving at the end")
    #expect(!plain.hasConverged(steps: [], values: []))
    #expect(!plain.hasConverged(steps: [0, 100], values: [.nan, .nan]), "no number, no best")
    // A best at the last measurement is a curve still going down, even when the tolerance
    // does not count the step as an improvement.
    let creeping = [4.0, 3.0, 2.999, 2.998, 2.997]
    #expect(!tolerant.hasConverged(steps: Array(steps.prefix(5)), values: creeping))
    #expect(
      tolerant.hasConverged(steps: Array(steps.prefix(5)), values: [4.0, 3.0, 2.999, 3.0, 3.0]))
  }

  @Test func earlyStepsCanBeMeasuredDensely() {
    let schedule = EvaluationSchedule(total: 1_000, every: 100, denseEvery: 10, denseUntil: 50)
    #expect(
      schedule.steps == [1, 10, 20, 30, 40, 50, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1_000])
    #expect(schedule != EvaluationSchedule(total: 1_000, every: 100))
  }

  static let text: [UInt8] = (0..<2_000).map { UInt8(($0 * 7 + $0 / 13) % 11) }

  /// A character model under an early-stopping rule that no later point can satisfy (an
  /// improvement must beat the first by 10 bpc), validated on a text it is not trained on (its
  /// symbols relabelled), so that its best point is early and not its last: it stops
  /// `patience` steps after its first measurement, whether or not it was stopped and resumed
  /// in between, and keeps the parameters of its best point.
  func stoppingRun(_ chapter: Chapter) -> TrainingRun<SequenceModel<Float>, LanguageModelCurve> {
    var generator = RandomGenerator(seed: 3)
    let model = SequenceModel<Float>(
      layers: [
        RecurrentLayerConfiguration(
          cell: .lstm, inputs: 11, hidden: 8, tokenInput: true,
          normalization: .sequenceWise(convention: .pytorch))
      ], head: .everyStep(classes: 11), using: &generator)
    let sample = TextSample(tokens: Self.text, batch: 4, length: 12, maxBatches: 1)
    let elsewhere = TextSample(
      tokens: Self.text.map { ($0 * 5 + 3) % 11 }, batch: 4, length: 12, maxBatches: 1)
    var training = LanguageModelTraining(
      name: "stops early", steps: 30, batch: 4, length: 12, learningRate: 1e-2, clipNorm: 1,
      evaluations: 30, seed: 5, statistics: .reestimated(batches: 2))
    training.evaluationInterval = 1
    training.convergence = Convergence(patience: 6, tolerance: 10)
    training.keepsBest = true
    training.comparesMovingAverages = true
    return training.describe(
      in: chapter, model: model, source: .crops(Self.text), trainingSample: sample,
      validationSample: elsewhere)
  }

  @Test func aRunStopsWhereItConvergesAndKeepsItsBestModel() throws {
    let chapter = try TestChapter.make(["--preset", "smoke"])
    let run = stoppingRun(chapter)
    let curve = try run.train(in: chapter, checkpoints: NoCheckpoints())
    #expect(curve.steps == Array(1...7), "measured every step, stopped 6 after the first")
    #expect(curve.validationMovingAverages.count == 7)
    let best = try #require(curve.bestParameters)
    // The kept parameters are those of the best point, not the last.
    let last = NamedValues.of(run.model.parameters)
    #expect(best.keys.sorted() == last.keys.sorted())
    if curve.bestValidation.step != 7 {
      #expect(best != last, "the model moved on after its best point")
    }
  }

  @Test func aStoppedRunResumesToTheSameStop() throws {
    try TrainingRunTests.expectResumesBitForBit { chapter in stoppingRun(chapter) }
  }

  /// A pixel-sequence classifier under the same kind of rule, read on the error rate: an
  /// improvement must beat the best accuracy by 200 points, so it stops `patience` steps
  /// after its first measurement, resumed or not.
  func stoppingClassifier(_ chapter: Chapter) -> TrainingRun<
    SequenceModel<Float>, ClassifierRecord
  > {
    let data = TrainingRunTests.pixelSequences()
    var generator = RandomGenerator(seed: 2)
    let model = SequenceModel<Float>(
      layers: [
        RecurrentLayerConfiguration(
          cell: .lstm, inputs: 1, hidden: 6, normalization: .cooijmans(maxSteps: 9),
          initialState: .learned, initialStateNoise: 0.1)
      ], head: .lastStep(classes: 3), using: &generator)
    var training = SequenceClassifierTraining(
      name: "pixels stop early", steps: 40, batch: 5, optimizer: RMSProp<Float>.cooijmans(),
      clipNorm: 1, evaluations: 1, seed: 7, statistics: .reestimated(batches: 2))
    training.evaluationInterval = 2
    training.convergence = Convergence(patience: 6, tolerance: 200)
    return training.describe(in: chapter, model: model, training: data, validation: data)
  }

  @Test func aClassifierStopsWhereItsValidationErrorConverges() throws {
    let chapter = try TestChapter.make(["--preset", "smoke"])
    let record = try stoppingClassifier(chapter).train(in: chapter, checkpoints: NoCheckpoints())
    // Measured at the first step and every 2; 6 steps past the first measurement at step 8.
    #expect(record.curve.steps == [1, 2, 4, 6, 8])
    #expect(record.curve.validation.count == 5)
  }

  @Test func aStoppedClassifierResumesToTheSameStop() throws {
    try TrainingRunTests.expectResumesBitForBit { chapter in stoppingClassifier(chapter) }
  }
}
