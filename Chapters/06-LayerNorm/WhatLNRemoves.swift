import Companion
import Datasets
import Engine
import Foundation

// What the page's "what layer normalization removes" measures: each trained text model at a
// batch of one, and on sequences longer than in training.

/// A trained text model at its best point, population statistics re-estimated (the BN-LSTM's;
/// the others have none).
func characterModelAtBest(_ trial: Trial<CharacterModel, LanguageModelRecord>)
  -> SequenceModel<Float>
{
  characters.modelAtBest(
    trial.record.curve, characterNormalization(trial.model), repetition: trial.repetition,
    text: trainingText, batches: textExperiment.reestimationBatches)
}

/// Every repetition of every text model at its best point.
func textModelsAtBest() -> [CharacterModel: [SequenceModel<Float>]] {
  Dictionary(
    uniqueKeysWithValues: CharacterModel.allCases.map { model in
      (model, textRuns.trials[model]!.map(characterModelAtBest))
    })
}

/// One model's bpc on the same test sequences four ways: in batches of 64 and one at a time,
/// as used at inference (population statistics, where it has any) and as in training (the
/// batch's own statistics).
struct BatchOfOneRow {
  var model: CharacterModel
  var inference64: Spread
  var inference1: Spread
  var training64: Spread
  var training1: Spread
}

/// The test text's first `sequences` sequences of the training length, in batches of 64 and of 1.
@MainActor func batchOfOneRows(sequences: Int) -> [BatchOfOneRow] {
  let length = characters.length
  let tokens = Array(corpus.test.prefix(sequences * length + 1))
  let (wide, single) = (
    TextSample(tokens: tokens, batch: 64, length: length, maxBatches: sequences / 64),
    TextSample(tokens: tokens, batch: 1, length: length, maxBatches: sequences)
  )
  return CharacterModel.allCases.map { model in
    let runs = modelsAtBest[model]!
    func bpc(_ sample: TextSample, _ policy: StatisticsPolicy) -> Spread {
      Spread(values: runs.map { $0.bitsPerCharacter(on: sample, statistics: policy) })
    }
    return BatchOfOneRow(
      model: model, inference64: bpc(wide, .population), inference1: bpc(single, .population),
      training64: bpc(wide, .batch), training1: bpc(single, .batch))
  }
}

/// Test bpc at each length (the same characters for every length), and bpc by position in
/// the longest sequences, every repetition of every model (population statistics; the
/// BN-LSTM repeats step T_max's past it).
@MainActor func measureLongerSequences(lengths: [Int]) -> (
  rows: [(length: Int, bpc: [CharacterModel: Spread])], positions: [CharacterModel: [[Double]]]
) {
  let longest = lengths.max()!
  let batch = min(64, (corpus.test.count - 1) / longest)
  if batch < 2 {
    chapter.fail(
      CompanionError(
        "the test text (\(corpus.test.count) characters) holds fewer than 2 sequences of \(longest): give a larger corpus"
      ))
  }
  let tokens = Array(corpus.test.prefix(batch * longest + 1))
  let rows = lengths.map { length in
    let sample = TextSample(tokens: tokens, batch: batch, length: length, maxBatches: .max)
    return (
      length,
      Dictionary(
        uniqueKeysWithValues: CharacterModel.allCases.map { model in
          (
            model,
            Spread(
              values: modelsAtBest[model]!.map {
                $0.bitsPerCharacter(on: sample, statistics: .population)
              })
          )
        })
    )
  }
  let longestBatch = TextSample(tokens: tokens, batch: batch, length: longest, maxBatches: 1)
    .batches[0]
  let positions = Dictionary(
    uniqueKeysWithValues: CharacterModel.allCases.map { model in
      (
        model,
        modelsAtBest[model]!.map { $0.bitsByPosition(on: longestBatch, statistics: .population) }
      )
    })
  return (rows, positions)
}
