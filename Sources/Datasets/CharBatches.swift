import Randomness

/// One window of character-level training data: `batchSize` streams of `length` steps.
/// `inputs[b * length + t]` is x[b][t] and `targets[b * length + t]` is y[b][t], the
/// character that follows x[b][t] in the text.
public struct CharBatch: Equatable, Sendable {
  public let batchSize: Int
  public let length: Int
  public var inputs: [Int]
  public var targets: [Int]

  public func input(_ b: Int, _ t: Int) -> Int { inputs[b * length + t] }
  public func target(_ b: Int, _ t: Int) -> Int { targets[b * length + t] }
}

/// The standard character-LM layout (Zaremba et al. 2014, Cooijmans et al. 2017): the token
/// stream is cut into `batchSize` contiguous streams, and training steps through all of them
/// in parallel, `length` characters at a time. A recurrent model carries its hidden state
/// from one window to the next, so it effectively reads `batchSize` long texts.
///
/// `offset` skips that many leading characters: with a random offset per epoch
/// (`CharStreams.randomOffset`) the window boundaries move between epochs, which is the
/// "random crop" Cooijmans et al. apply to their length-100 training sequences.
public struct CharStreams: Sequence, Sendable {
  public let batchSize: Int
  public let length: Int
  public let offset: Int
  /// Characters per stream that serve as inputs (each stream also reads one more, as target).
  public let streamLength: Int
  private let tokens: [UInt8]

  public init(tokens: [UInt8], batchSize: Int, length: Int, offset: Int = 0) {
    precondition(batchSize > 0 && length > 0, "batch size and length must be positive")
    precondition(
      offset >= 0 && offset < Swift.max(tokens.count, 1), "offset must lie inside the text")
    self.tokens = tokens
    self.batchSize = batchSize
    self.length = length
    self.offset = offset
    streamLength = Swift.max(0, (tokens.count - offset - 1) / batchSize)
  }

  /// Whole windows per pass; a final partial window is dropped so every batch has one shape.
  public var windowCount: Int { streamLength / length }

  /// Window `k`: x[b][t] = text[offset + b * streamLength + k * length + t], y = the next one.
  public func window(_ k: Int) -> CharBatch {
    precondition(k >= 0 && k < windowCount, "window \(k) out of 0..<\(windowCount)")
    var inputs = [Int](repeating: 0, count: batchSize * length)
    var targets = inputs
    tokens.withUnsafeBufferPointer { text in
      for b in 0..<batchSize {
        let start = offset + b * streamLength + k * length
        for t in 0..<length {
          inputs[b * length + t] = Int(text[start + t])
          targets[b * length + t] = Int(text[start + t + 1])
        }
      }
    }
    return CharBatch(batchSize: batchSize, length: length, inputs: inputs, targets: targets)
  }

  public func makeIterator() -> AnyIterator<CharBatch> {
    var k = 0
    return AnyIterator {
      guard k < self.windowCount else { return nil }
      defer { k += 1 }
      return self.window(k)
    }
  }

  /// A seeded crop offset in `0..<length` for `epoch`, the same for the same (seed, epoch).
  public static func randomOffset(length: Int, seed: UInt64, epoch: Int) -> Int {
    var generator = RandomGenerator(seed: seed, stream: 0xC409 &+ UInt64(truncatingIfNeeded: epoch))
    return generator.next(below: length)
  }

  /// The streams of one epoch with its random crop offset.
  public static func epoch(
    tokens: [UInt8], batchSize: Int, length: Int, seed: UInt64, epoch: Int
  ) -> CharStreams {
    CharStreams(
      tokens: tokens, batchSize: batchSize, length: length,
      offset: randomOffset(length: length, seed: seed, epoch: epoch))
  }
}

/// Independent training sequences, as Cooijmans et al. 2017 train on Penn Treebank: the
/// text is cut, from a random offset each epoch, into non-overlapping sequences of `length`
/// characters (plus one target character), which are shuffled and grouped `batchSize` at a
/// time. No hidden state is carried between batches in this layout.
public struct CroppedSequences: Sequence, Sendable {
  public let batchSize: Int
  public let length: Int
  public let offset: Int
  /// Start of each sequence in this epoch's (shuffled) order.
  public let starts: [Int]
  private let tokens: [UInt8]

  public init(tokens: [UInt8], batchSize: Int, length: Int, seed: UInt64, epoch: Int) {
    precondition(batchSize > 0 && length > 0, "batch size and length must be positive")
    self.tokens = tokens
    self.batchSize = batchSize
    self.length = length
    let crop =
      tokens.count > length + 1
      ? CharStreams.randomOffset(length: length, seed: seed, epoch: epoch) : 0
    offset = crop
    let sequences = Swift.max(0, (tokens.count - crop - 1) / length)
    var order = (0..<sequences).map { crop + $0 * length }
    var generator = RandomGenerator(seed: seed, stream: 0x5E9 &+ UInt64(truncatingIfNeeded: epoch))
    generator.shuffle(&order)
    starts = order
  }

  /// Full batches per epoch (the remainder is dropped; it differs each epoch anyway).
  public var batchCount: Int { starts.count / batchSize }

  public func batch(_ index: Int) -> CharBatch {
    precondition(index >= 0 && index < batchCount, "batch \(index) out of 0..<\(batchCount)")
    var inputs = [Int](repeating: 0, count: batchSize * length)
    var targets = inputs
    for b in 0..<batchSize {
      let start = starts[index * batchSize + b]
      for t in 0..<length {
        inputs[b * length + t] = Int(tokens[start + t])
        targets[b * length + t] = Int(tokens[start + t + 1])
      }
    }
    return CharBatch(batchSize: batchSize, length: length, inputs: inputs, targets: targets)
  }

  public func makeIterator() -> AnyIterator<CharBatch> {
    var index = 0
    return AnyIterator {
      guard index < self.batchCount else { return nil }
      defer { index += 1 }
      return self.batch(index)
    }
  }
}
