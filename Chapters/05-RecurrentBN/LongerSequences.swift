import Companion
import Datasets
import Engine
import Foundation

// Figure 3(b)'s measurements: every model at every length, bits per character by position in
// the longest sequences, and how far the test batch's statistics are from the population.

/// Sequences per batch: the test text holds at most this many sequences of the longest length.
var lengthBatch: Int { min(charBatch, (corpus.test.count - 1) / longestLength) }

/// Test bpc at every length (the same characters for every length, so that only the length
/// differs), bpc by position in the longest sequences, and the distance of repetition 1's batch
/// statistics from its populations.
func measureLongerSequences() -> ([LengthRow], PositionCurves, StatisticsDistance?) {
  let lengthText = Array(corpus.test.prefix(lengthBatch * longestLength + 1))
  if lengthBatch < 2 {
    chapter.fail(
      CompanionError(
        "the test text (\(lengthText.count) characters) holds fewer than 2 sequences of \(longestLength): give a larger corpus"
      ))
  }
  let lstmModels = textRuns.trials[.lstm]!.map(characterModelAtBest)
  let bnModels = textRuns.trials[.bnLSTM]!.map(characterModelAtBest)
  let rows = lengths.map { length in
    let sample = TextSample(
      tokens: lengthText, batch: lengthBatch, length: length, maxBatches: .max)
    return LengthRow(
      length: length,
      lstm: Spread(
        values: lstmModels.map { $0.bitsPerCharacter(on: sample, statistics: .population) }),
      population: Spread(
        values: bnModels.map { $0.bitsPerCharacter(on: sample, statistics: .population) }),
      batch: Spread(values: bnModels.map { $0.bitsPerCharacter(on: sample, statistics: .batch) }))
  }
  let longest = TextSample(
    tokens: lengthText, batch: lengthBatch, length: longestLength, maxBatches: 1
  ).batches[0]
  var curves = PositionCurves()
  curves.lstm = lstmModels.map { $0.bitsByPosition(on: longest, statistics: .population) }
  curves.population = bnModels.map { $0.bitsByPosition(on: longest, statistics: .population) }
  curves.batch = bnModels.map { $0.bitsByPosition(on: longest, statistics: .batch) }
  // The last forward pass of repetition 1's BN-LSTM used batch statistics at every step:
  // read them beside its populations.
  let layer = bnModels[0].layers[0]
  _ = bnModels[0].bitsByPosition(on: longest, statistics: .batch)
  var distance: StatisticsDistance?
  if let recurrent = layer.recurrentNorm as? RecurrentBatchNorm<Float>,
    let cell = layer.cellNorm as? RecurrentBatchNorm<Float>
  {
    distance = StatisticsDistance(
      recurrent: distanceFromPopulation(recurrent, steps: longestLength),
      cell: distanceFromPopulation(cell, steps: longestLength))
  }
  return (rows, curves, distance)
}

/// Mean bpc past T_max minus mean bpc up to it, per repetition (the library's `risePast`).
func pastMinusWithin(_ curves: [[Double]]) -> Spread { risePast(length: charLength, curves) }
