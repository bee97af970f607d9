import Companion
import Engine
import Foundation

// How the text comparison's claims and readings read the runs: the levels, the announcement
// of long runs, and the comparisons the page reports without a verdict.

/// The LSTM's training-batch bpc at its best validation point, the highest over its
/// repetitions: the speed target.
var charSpeedTarget: Double { textRuns.speedTarget(reference: .lstm) }

/// Whether to say how long the long runs will take, and how to resume them.
var announcesLongRuns: Bool {
  chapter.preset == .paper || chapter.preset == .long || chapter.options.checkpointInterval != nil
}

func announceCharacterRuns() {
  guard announcesLongRuns else { return }
  characters.announceLongRun(
    "Chapter 6's character models (up to; most stop earlier)",
    // Every model's grid, its step past the edge and its repetitions, and the LN-LSTM's
    // repetitions again at an initial gain of 0.1.
    steps: (CharacterModel.allCases.count * (textExperiment.rates.count + 1 + repetitions)
      + repetitions) * textExperiment.steps,
    normalization: characterNormalization(.lnLSTM), text: trainingText, in: chapter)
}

/// `model`'s `measure`, one value per repetition.
func charSpread(_ model: CharacterModel, _ measure: (LanguageModelReading) -> Double) -> Spread {
  Spread(values: charReadings[model]!.map(measure))
}

/// Best validation and validation at equal fit, for each pair, read by the claims' rule but
/// reported without a verdict (the paper makes no claim about them): the order, the
/// difference of the means, and what it rests on.
func recordTextComparisons() {
  var rows: [[String]] = []
  let pairs: [(CharacterModel, CharacterModel)] = [
    (.lnLSTM, .lstm), (.lnLSTM, .bnLSTM), (.bnLSTM, .lstm),
  ]
  for (a, b) in pairs {
    let measures: [(String, (LanguageModelReading) -> Double, Bool)] = [
      ("best validation bpc", { $0.best }, false),
      ("validation bpc at equal fit", { $0.validationAtFit }, true),
    ]
    for (measure, value, atFit) in measures {
      // The protocols' gap is a BN-LSTM's; a pair without one has one protocol, no resolution
      // but the repetitions' (set after the first run had been seen: the page says so).
      let base =
        [a, b].contains(.bnLSTM)
        ? charResolution
        : Resolution(0, "no statistics to estimate on either side: one evaluation protocol")
      let resolution =
        atFit
        ? LanguageModelReading.equalFitResolution(charReadings[a]! + charReadings[b]!, base: base)
        : base
      let comparison = Comparison(
        charSpread(a, value), a.rawValue, against: charSpread(b, value), b.rawValue,
        resolution: resolution, format: "%.3f")
      let undecided = textRuns.edgeNote([a, b], name: \.rawValue)
      let converged = [a, b].allSatisfy { charReadings[$0]!.allSatisfy(\.converged) }
      chapter.log.scalar("\(a.rawValue) − \(b.rawValue), \(measure)", comparison.difference)
      rows.append([
        "\(a.rawValue) − \(b.rawValue)", measure, cell("%+.3f", comparison.difference),
        comparison.order.rawValue
          + (undecided.isEmpty ? "" : "; " + undecided)
          + (converged ? "" : "; a run did not converge"),
        cell("%.3f", resolution.value),
      ])
    }
  }
  chapter.table(
    "text comparisons",
    header: ["pair", "measure", "difference of means", "order (every repetition)", "resolution"],
    rows: rows)
}

/// The grid, the models at their rates, every repetition (the library's tables), the levels,
/// and the comparisons.
func recordCharacterTables() {
  chapter.log.scalar("speed target: LSTM's training batches bpc at its best", charSpeedTarget)
  chapter.log.scalar(
    "equal-fit level: LSTM's training-sample bpc at its best", textRuns.fitLevel(reference: .lstm))
  chapter.log.scalar(
    "resolution of a validation bpc (protocols' largest gap)", charResolution.value)
  textRuns.recordTables(
    charReadings, name: \.rawValue, convergence: textExperiment.convergence, in: chapter)
  recordTextComparisons()
}
