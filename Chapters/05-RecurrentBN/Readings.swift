import Companion
import Engine
import Foundation

// How the chapter's runs are named and announced, and how its claims read them: the measures
// the page defines in words, computed here.

typealias Task = PixelClassifiers.Task
typealias PixelModel = PixelClassifiers.Model
let pixelModels = PixelClassifiers.models
var mnistConvergence: Convergence? { pixels.convergence }

/// "LSTM, permuted, rate 0.001 #2": a run's name.
func runName(_ model: String, rate: Double, repetition: Repetition) -> String {
  "\(model), rate \(rateText(rate))" + (repetition.index > 1 ? " #\(repetition.index)" : "")
}

/// Whether to say how long the long runs will take, and how to resume them.
var announcesLongRuns: Bool {
  chapter.preset == .paper || chapter.preset == .long
    || chapter.options.checkpointInterval != nil
}

func announceMNISTRuns() {
  guard announcesLongRuns else { return }
  pixels.announceLongRun(
    "Chapter 5's MNIST runs (up to; most stop earlier)",
    steps: pixelModels.count * (mnistRates.count + 1 + repetitions) * mnistSteps)
}

func announceCharacterRuns() {
  guard announcesLongRuns else { return }
  characters.announceLongRun(
    "Chapter 5's character models (up to; most stop earlier)",
    steps: characterModels.count * (charRates.count + 1 + repetitions) * charSteps,
    normalization: characterNormalization(.bnLSTM), text: trainingText, in: chapter)
}

// MARK: MNIST

/// The lowest best validation accuracy of the LSTM's repetitions on `task`: a level every
/// repetition of the LSTM reaches, the speed claims' target.
func mnistTarget(_ task: Task) -> Double {
  mnist.repeated(PixelModel(task: task, batchNorm: false)).spread {
    $0.curve.bestValidation.accuracy
  }.low
}

/// Each run read at its best validation point, its speed measured to its task's target.
func readPixelRuns() -> [PixelModel: [PixelClassifiers.Reading]] {
  Dictionary(
    uniqueKeysWithValues: pixelModels.map { model in
      (model, mnist.trials[model]!.map { pixels.reading($0, target: mnistTarget(model.task)) })
    })
}

func pixelSpread(_ model: PixelModel, _ measure: (PixelClassifiers.Reading) -> Double) -> Spread {
  Spread(values: pixelReadings[model]!.map(measure))
}

/// Whether a claim over these models can be decided: always at an equal budget (book), only
/// over converged runs where the runs train to convergence (long).
func mnistDecided(_ models: [PixelModel]) -> Bool {
  mnistConvergence == nil || models.allSatisfy { pixelReadings[$0]!.allSatisfy(\.converged) }
}

var budgetText: String {
  mnistConvergence == nil
    ? "at an equal budget of \(grouped(mnistSteps)) steps" : "early-stopped at convergence"
}

// MARK: Text

/// The LSTM's training-batch bpc at its best validation point, the highest over its
/// repetitions: the speed target.
var charSpeedTarget: Double { textRuns.speedTarget(reference: .lstm) }

/// Every character run read at its best point, against the LSTM's speed target and level of fit.
func readCharacterRuns() -> [CharacterModel: [LanguageModelReading]] {
  textRuns.readings(reference: .lstm, convergence: charConvergence)
}

func charSpread(_ model: CharacterModel, _ measure: (LanguageModelReading) -> Double) -> Spread {
  Spread(values: charReadings[model]!.map(measure))
}

/// Steps of a grid run to its task's target: its first measurement at or above it (NaN: never).
func pixelStepsToTarget(_ record: ClassifierRecord, task: Task) -> Double {
  let target = mnistTarget(task)
  return zip(record.curve.steps, record.curve.validation).first { $0.1 >= target }.map {
    Double($0.0)
  } ?? .nan
}

/// The largest |moving averages − re-estimated| validation bpc at a best point of any BN run:
/// two evaluation protocols on the same runs, and the resolution of a validation bpc.
var charProtocolGap: Double { textRuns.protocolGap(characterModels.filter { $0 != .lstm }) }

/// Why a claim over these models is not decided beyond its order: a run that did not
/// converge, a rate at the edge of the extended grid.
func charUndecided(_ models: [CharacterModel]) -> [String] {
  [
    models.allSatisfy({ charReadings[$0]!.allSatisfy(\.converged) })
      ? "" : "a run did not converge",
    textRuns.edgeNote(models, name: \.rawValue),
  ]
}

/// The claim that `model`'s `measure` is below `reference`'s in every repetition by more than
/// the resolution (`expected: .notDistinguishable`: that the two cannot be told apart — which
/// the rule can never establish, so such a claim is reported with its reading and fails
/// when either is below). `atFit` adds the equal-fit reading's interpolation to the
/// resolution.
func characterClaim(
  _ text: String, paper: String, _ model: CharacterModel, against reference: CharacterModel,
  _ measure: (LanguageModelReading) -> Double, expected: Order = .below, atFit: Bool = false
) {
  let resolution =
    atFit
    ? LanguageModelReading.equalFitResolution(
      charReadings[model]! + charReadings[reference]!, base: charResolution) : charResolution
  let comparison = Comparison(
    charSpread(model, measure), model.rawValue, against: charSpread(reference, measure),
    reference.rawValue, resolution: resolution, format: "%.3f")
  chapter.claim(
    text, paper: paper, comparison: comparison, expected: expected,
    measured: comparison.difference, format: "%+.3f", unit: " bpc", kind: tunedKind,
    undecidedBecause: charUndecided([model, reference]))
}

/// A trained character model at its best point, population statistics re-estimated.
func characterModelAtBest(_ trial: Trial<CharacterModel, LanguageModelRecord>)
  -> SequenceModel<Float>
{
  characters.modelAtBest(
    trial.record.curve, characterNormalization(trial.model), repetition: trial.repetition,
    text: trainingText, batches: charReestimation)
}

/// What each model writes at its best point (repetition 1), as a table.
func recordCharacterSamples() {
  characters.recordSamples(
    of: characterModels.map { model in
      let trial = textRuns.trials[model]![0]
      return (
        model.rawValue, trial.record.curve.bestValidation.bpc, { characterModelAtBest(trial) }
      )
    }, in: chapter)
}
