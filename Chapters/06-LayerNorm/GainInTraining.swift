import Companion
import Engine
import Foundation

// The LN-LSTM with the BN-LSTM's initial gain in training: every gain starting at 0.1 instead
// of 1, at the rate chosen for 1, on the same repetitions (initial weights and batches).

/// The LN-LSTM's repetitions at its chosen rate, trained again with every gain starting at 0.1.
func trainSmallGainLN() -> [LanguageModelRecord] {
  let rate = textRuns.chosenRate[.lnLSTM]!
  let repetitions = textRuns.trials[.lnLSTM]!.map(\.repetition)
  return chapter.attempt {
    try chapter.independently("LN-LSTM, initial gain 0.1", repetitions) { repetition in
      trainText(
        "LN-LSTM γ 0.1", layerNormalization(initialGain: 0.1), rate: rate,
        repetition: repetition)
    }
  }
}

/// Both gains read at their best points against the LSTM's levels: the table, and the
/// differences each repetition makes (γ 0.1 − γ 1, the same weights and batches).
func recordSmallGain() {
  let small = smallGainRuns.map {
    textRuns.reading($0.curve, reference: .lstm, convergence: textExperiment.convergence)
  }
  let gains: [(String, [LanguageModelReading])] = [
    ("1 (the authors')", charReadings[.lnLSTM]!), ("0.1 (Cooijmans et al.'s)", small),
  ]
  let rate = rateText(textRuns.chosenRate[.lnLSTM]!)
  chapter.table(
    "LN-LSTM's initial gain",
    header: [
      "initial gain", "rate", "best validation bpc", "training bpc there", "steps to the target",
      "stopped at",
    ],
    rows: gains.map { gain, readings in
      func spread(_ measure: (LanguageModelReading) -> Double) -> Spread {
        Spread(values: readings.map(measure))
      }
      return [
        gain, rate, spread(\.best).meanAndRange("%.3f"),
        spread(\.trainingAtBest).meanAndRange("%.3f"),
        spread(\.stepsToTarget).meanAndRange("steps"),
        readings.map { grouped($0.stoppedAt) + ($0.converged ? "" : "*") }.joined(separator: ", "),
      ]
    })
  let large = charReadings[.lnLSTM]!
  for (name, measure) in [
    ("best validation bpc", \LanguageModelReading.best),
    ("steps to the target", \LanguageModelReading.stepsToTarget),
  ] {
    let differences = zip(small, large).map { $0[keyPath: measure] - $1[keyPath: measure] }
    let spread = Spread(values: differences)
    chapter.log.scalar("LN-LSTM gain 0.1 − gain 1, \(name), mean", spread.mean)
    chapter.log.scalar("LN-LSTM gain 0.1 − gain 1, \(name), lowest", spread.low)
    chapter.log.scalar("LN-LSTM gain 0.1 − gain 1, \(name), highest", spread.high)
  }
}
