import Engine
import Foundation

extension SequenceModel where T == Float {
  /// Bits per character at each position of the sequences of `batch` (a time-major batch of
  /// token sequences), averaged over the sequences: position t's cross-entropy, in bits,
  /// of the prediction made after reading characters 1…t. Figure 3(b) reads it to see whether
  /// a model's predictions degrade past the length it was trained on.
  public func bitsByPosition(on batch: TextSample.Batch, statistics: StatisticsPolicy) -> [Double] {
    let logits = forward(
      .tokens(batch.inputs), steps: batch.steps, batch: batch.batch, statistics: statistics)
    var bits = [Double](repeating: 0, count: batch.steps)
    for t in 0..<batch.steps {
      for b in 0..<batch.batch {
        let r = t * batch.batch + b
        let row = logits.row(r)
        var largest = -Double.infinity
        for j in 0..<logits.cols { largest = max(largest, Double(row[j])) }
        var sum = 0.0
        for j in 0..<logits.cols { sum += exp(Double(row[j]) - largest) }
        // −log₂ softmax(row)[target] = (log Σ exp(row) − row[target]) / ln 2
        bits[t] += (largest + log(sum) - Double(row[batch.targets[r]])) / log(2)
      }
      bits[t] /= Double(batch.batch)
    }
    return bits
  }
}
