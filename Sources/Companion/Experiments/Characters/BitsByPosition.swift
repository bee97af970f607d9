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

/// A model's rise past the length it was trained on, per repetition: the mean bits per
/// character at positions past `length` minus the mean at positions up to it, from each
/// repetition's `bitsByPosition` curve (NaN for a curve no longer than `length`).
public func risePast(length: Int, _ curves: [[Double]]) -> Spread {
  Spread(
    values: curves.map { bits in
      let within = bits.prefix(length)
      let past = bits.dropFirst(length)
      guard !past.isEmpty else { return .nan }
      return past.reduce(0, +) / Double(past.count) - within.reduce(0, +) / Double(within.count)
    })
}

/// The mean over repetitions at each position of their `bitsByPosition` curves.
public func meanByPosition(_ curves: [[Double]]) -> [Double] {
  guard let first = curves.first else { return [] }
  return first.indices.map { t in curves.map { $0[t] }.reduce(0, +) / Double(curves.count) }
}

/// Per-position values averaged over bins of `width` positions, each at its bin's middle: a
/// figure's way to see a drift under the text's own variation from one position to the next.
public func binnedByPosition(_ values: [Double], width: Int) -> (x: [Double], y: [Double]) {
  let starts = Array(stride(from: 0, to: values.count, by: width))
  return (
    starts.map { Double($0) + Double(min(width, values.count - $0)) / 2 + 0.5 },
    starts.map { start in
      let bin = values[start..<min(start + width, values.count)]
      return bin.reduce(0, +) / Double(bin.count)
    }
  )
}
