import Engine
import Foundation
import Randomness
import Testing

@testable import Companion

/// Samples of text from a language model: drawn from the model's own prediction at every
/// step, so a near-zero temperature gives the most likely symbol, and a fixed generator the
/// same text.
@Suite("Generating text")
struct TextGenerationTests {
  func model(_ normalization: RecurrentNormalization) -> SequenceModel<Float> {
    var generator = RandomGenerator(seed: 11)
    return SequenceModel<Float>(
      layers: [
        RecurrentLayerConfiguration(
          cell: .lstm, inputs: 7, hidden: 6, tokenInput: true, normalization: normalization)
      ], head: .everyStep(classes: 7), using: &generator)
  }

  /// The most likely next symbol after `text`, computed apart from `generate`.
  func mostLikely(_ model: SequenceModel<Float>, after text: [Int]) -> Int {
    let logits = model.forward(
      .tokens(text), steps: text.count, batch: 1, statistics: .population
    ).matrix
    let row = (0..<logits.cols).map { logits[text.count - 1, $0] }
    return row.indices.max { row[$0] < row[$1] }!
  }

  @Test(arguments: [
    RecurrentNormalization.none, .frameWise(maxSteps: 4), .sequenceWise(),
  ])
  func aColdSampleFollowsTheMostLikelySymbol(normalization: RecurrentNormalization) {
    let model = model(normalization)
    var generator = RandomGenerator(seed: 1)
    let prompt = [1, 2, 3]
    let sample = model.generate(after: prompt, count: 8, temperature: 1e-4, using: &generator)
    #expect(sample.count == 8)
    var text = prompt
    for symbol in sample {
      #expect(symbol == mostLikely(model, after: text))
      text.append(symbol)
    }
  }

  @Test func aSampleIsDeterminedByItsGeneratorAndVaries() {
    let model = model(.none)
    var a = RandomGenerator(seed: 5)
    var b = RandomGenerator(seed: 5)
    let first = model.generate(after: [0], count: 40, using: &a)
    #expect(first == model.generate(after: [0], count: 40, using: &b))
    #expect(first.allSatisfy { (0..<7).contains($0) })
    // An untrained model's distribution is nearly flat: 40 draws are not all one symbol.
    #expect(Set(first).count > 2)
  }
}
