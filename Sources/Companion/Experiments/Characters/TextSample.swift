import Datasets
import Engine
import Foundation
import Invariants

/// Fixed batches of text for measuring bits per character, the same at every evaluation so
/// that curves compare: the first non-overlapping sequences of a text (each with the
/// character after it as its last target), or the first documents, padded and masked.
public struct TextSample: Sendable {
  public struct Batch: Sendable {
    /// Time-major: element t·B + b.
    public var inputs: [Int]
    public var targets: [Int]
    public var steps: Int
    public var batch: Int
    /// 1 for a real frame, 0 for padding; nil when every frame is real.
    public var mask: [Float]?
    /// Predictions that count.
    public var characters: Int { mask.map { Int($0.reduce(0, +)) } ?? steps * batch }
  }

  public let batches: [Batch]

  /// Up to `maxBatches` batches of `batch` sequences of `length` characters from `tokens`.
  public init(tokens: [UInt8], batch: Int, length: Int, maxBatches: Int) {
    let available = max(0, (tokens.count - 1) / length) / batch
    batches = (0..<min(available, maxBatches)).map { k in
      var inputs = [Int](repeating: 0, count: batch * length)
      var targets = inputs
      for b in 0..<batch {
        let start = (k * batch + b) * length
        for t in 0..<length {
          inputs[t * batch + b] = Int(tokens[start + t])
          targets[t * batch + b] = Int(tokens[start + t + 1])
        }
      }
      return Batch(inputs: inputs, targets: targets, steps: length, batch: batch, mask: nil)
    }
  }

  /// Up to `maxBatches` batches of `batch` whole documents, each at most `cap` steps.
  public init(documents: [ArraySlice<UInt8>], batch: Int, cap: Int, maxBatches: Int) {
    batches = (0..<min(documents.count / batch, maxBatches)).map { k in
      let padded = DocumentBatch(
        documents: Array(documents[k * batch..<(k + 1) * batch]), cap: cap)
      return Batch(
        inputs: padded.inputs, targets: padded.targets, steps: padded.steps, batch: batch,
        mask: padded.mask)
    }
  }

  /// Characters predicted per pass over the sample.
  public var characters: Int { batches.reduce(0) { $0 + $1.characters } }
}

extension SequenceModel where T == Float {
  /// Cross-entropy over the sample's counted predictions, in bits per character
  /// (mean nats / ln 2).
  public func bitsPerCharacter(on sample: TextSample, statistics: StatisticsPolicy) -> Double {
    require(!sample.batches.isEmpty, "an empty text sample has no bits per character")
    var nats = 0.0
    for batch in sample.batches {
      let loss = (batch.mask ?? []).withUnsafeBufferPointer { mask in
        evaluate(
          .tokens(batch.inputs), targets: batch.targets, steps: batch.steps, batch: batch.batch,
          mask: batch.mask == nil ? nil : mask, statistics: statistics
        ).loss
      }
      nats += Double(loss) * Double(batch.characters)
    }
    return nats / Double(sample.characters) / log(2)
  }
}
