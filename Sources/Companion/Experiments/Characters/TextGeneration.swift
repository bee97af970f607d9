import Engine
import Foundation
import Invariants
import Randomness

extension SequenceModel where T == Float {
  /// `count` symbols drawn one at a time after `prompt`, each from the softmax of the model's
  /// prediction (divided by `temperature` first: below 1 sharper, above 1 flatter), with the
  /// population statistics the model holds.
  ///
  /// Every draw reruns the whole text so far from a fresh state, so each step is normalised
  /// with the statistics of its own position (frame-wise BN), exactly as in evaluation; for a
  /// few hundred symbols of a small model that costs well under a second.
  public func generate(
    after prompt: [Int], count: Int, temperature: Double = 1,
    using generator: inout RandomGenerator
  ) -> [Int] {
    require(!prompt.isEmpty, "generation needs a prompt of at least one symbol")
    var text = prompt
    for _ in 0..<count {
      let logits = forward(
        .tokens(text), steps: text.count, batch: 1, statistics: .population)
      let last = logits.row(text.count - 1)
      // p_k ∝ exp(z_k / τ), shifted by the largest logit so that exp cannot overflow.
      let scaled = (0..<logits.cols).map { Double(last[$0]) / temperature }
      let top = scaled.max() ?? 0
      let weights = scaled.map { exp($0 - top) }
      var u = generator.nextUnit() * weights.reduce(0, +)
      var choice = weights.count - 1
      for (k, w) in weights.enumerated() {
        u -= w
        if u < 0 {
          choice = k
          break
        }
      }
      text.append(choice)
    }
    return Array(text.dropFirst(prompt.count))
  }
}

extension CharacterModels {
  /// The chapter's table "samples": what each trained model writes after the first characters
  /// of the validation text (40 in the book), 240 characters drawn from its predicted
  /// distribution (temperature 1, the distribution the bpc measures), each model from the
  /// same generator. `models` gives each a name, its best validation bpc and the model.
  public func recordSamples(
    of models: [(name: String, bpc: Double, model: () -> SequenceModel<Float>)],
    in chapter: Chapter
  ) {
    let promptLength = chapter.pick(smoke: 10, book: 40, paper: 40)
    let sampleLength = chapter.pick(smoke: 20, book: 240, paper: 240)
    chapter.log.scalar("prompt length (characters)", Double(promptLength))
    let prompt = corpus.valid.prefix(promptLength).map(Int.init)
    // A sample as a table cell: on one line, in a code span, nothing that would end the cell.
    func sampleCell(_ symbols: [Int]) -> String {
      let text = corpus.vocabulary.decode(symbols).replacingOccurrences(of: "\n", with: " ⏎ ")
        .replacingOccurrences(of: "`", with: "'").replacingOccurrences(of: "|", with: "\\|")
      return "`" + text + "`"
    }
    var rows = [["(prompt, from the validation text)", "", sampleCell(prompt)]]
    for (name, bpc, model) in models {
      var generator = chapter.makeGenerator("samples")
      let text = model().generate(after: prompt, count: sampleLength, using: &generator)
      rows.append([name, cell("%.3f", bpc), sampleCell(text)])
    }
    chapter.table("samples", header: ["model", "best validation bpc", "continuation"], rows: rows)
  }
}
