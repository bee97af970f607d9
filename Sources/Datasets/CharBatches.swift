import Invariants
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
    require(batchSize > 0 && length > 0, "batch size and length must be positive")
    require(
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
    require(k >= 0 && k < windowCount, "window \(k) out of 0..<\(windowCount)")
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
    require(batchSize > 0 && length > 0, "batch size and length must be positive")
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
    require(index >= 0 && index < batchCount, "batch \(index) out of 0..<\(batchCount)")
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

extension CharBatch {
  /// The inputs in the time-major order a recurrent model reads: element t·B + b is x[b][t].
  public var timeMajorInputs: [Int] { Self.timeMajor(inputs, batch: batchSize, length: length) }
  /// The targets time-major, like `timeMajorInputs`.
  public var timeMajorTargets: [Int] { Self.timeMajor(targets, batch: batchSize, length: length) }

  static func timeMajor(_ values: [Int], batch: Int, length: Int) -> [Int] {
    var result = [Int](repeating: 0, count: values.count)
    for b in 0..<batch {
      for t in 0..<length { result[t * batch + b] = values[b * length + t] }
    }
    return result
  }
}

/// `CroppedSequences` epoch after epoch, without end: every epoch a new random crop and
/// order. Its position — epoch and batch — is all a checkpoint needs to continue it.
public struct SequenceStream: Codable, Sendable, Equatable {
  public let batchSize: Int
  public let length: Int
  public let seed: UInt64
  public private(set) var epoch = 0
  /// Batches of the current epoch already handed out.
  public private(set) var index = 0

  public init(batchSize: Int, length: Int, seed: UInt64) {
    self.batchSize = batchSize
    self.length = length
    self.seed = seed
  }

  /// The next batch of `tokens` (the same tokens every call), moving to the next epoch when
  /// this one runs out. The text must hold at least one batch.
  public mutating func next(from tokens: [UInt8]) -> CharBatch {
    var sequences = CroppedSequences(
      tokens: tokens, batchSize: batchSize, length: length, seed: seed, epoch: epoch)
    require(
      sequences.batchCount > 0,
      "\(tokens.count) characters hold no batch of \(batchSize) sequences of \(length)")
    if index >= sequences.batchCount {
      epoch += 1
      index = 0
      sequences = CroppedSequences(
        tokens: tokens, batchSize: batchSize, length: length, seed: seed, epoch: epoch)
    }
    defer { index += 1 }
    return sequences.batch(index)
  }
}

/// Padded, masked batches of whole documents — each fortune (or each Penn Treebank sentence)
/// one sequence — for training on variable-length sequences: Laurent et al.'s setting, where
/// frame-wise statistics at late steps come from the few sequences still running.
public struct DocumentBatch: Sendable {
  /// Steps of this batch: its longest document (input part), at most the cap.
  public let steps: Int
  public let batchSize: Int
  /// Time-major (element t·B + b); padding is 0 (the newline symbol) and masked.
  public let inputs: [Int]
  public let targets: [Int]
  /// 1 where step t of sequence b is real, 0 where it is padding.
  public let mask: [Float]
  /// Each sequence's length in steps (inputs), after the cap.
  public let lengths: [Int]

  /// A batch of `documents`: document d predicts d[1...] from d[..<end], at most `cap` steps.
  public init(documents: [ArraySlice<UInt8>], cap: Int) {
    require(!documents.isEmpty && cap >= 1, "a batch needs documents and a positive cap")
    let lengths = documents.map { Swift.max(0, Swift.min($0.count - 1, cap)) }
    let steps = Swift.max(lengths.max() ?? 1, 1)
    let batch = documents.count
    var inputs = [Int](repeating: 0, count: steps * batch)
    var targets = inputs
    var mask = [Float](repeating: 0, count: steps * batch)
    for (b, document) in documents.enumerated() {
      let text = Array(document)
      for t in 0..<lengths[b] {
        inputs[t * batch + b] = Int(text[t])
        targets[t * batch + b] = Int(text[t + 1])
        mask[t * batch + b] = 1
      }
    }
    (self.steps, self.batchSize, self.inputs, self.targets, self.mask, self.lengths) = (
      steps, batch, inputs, targets, mask, lengths
    )
  }
}

/// Documents in a fresh seeded order every epoch, `batchSize` at a time (an epoch's remainder
/// is dropped). Like `SequenceStream`, its position is all a checkpoint needs.
public struct DocumentStream: Codable, Sendable, Equatable {
  public let batchSize: Int
  public let cap: Int
  public let seed: UInt64
  public private(set) var epoch = 0
  public private(set) var index = 0

  public init(batchSize: Int, cap: Int, seed: UInt64) {
    self.batchSize = batchSize
    self.cap = cap
    self.seed = seed
  }

  public mutating func next(from documents: [ArraySlice<UInt8>]) -> DocumentBatch {
    let batches = documents.count / batchSize
    require(batches > 0, "\(documents.count) documents hold no batch of \(batchSize)")
    if index >= batches {
      epoch += 1
      index = 0
    }
    let order = MiniBatches(
      count: documents.count, batchSize: batchSize, seed: seed, epoch: epoch
    ).order
    defer { index += 1 }
    return DocumentBatch(
      documents: order[index * batchSize..<(index + 1) * batchSize].map { documents[$0] },
      cap: cap)
  }
}

extension CharCorpus {
  /// The documents of a split's text: fortunes are separated by an empty line, Penn Treebank
  /// sentences by a newline. Each keeps its final newline (the symbol that ends it); empty
  /// lines are skipped.
  public func documents(of tokens: [UInt8]) -> [ArraySlice<UInt8>] {
    let newline = vocabulary.newline
    let blankLineSeparates = source.kind == .fortunes
    var documents: [ArraySlice<UInt8>] = []
    var start = 0
    var i = 0
    while i < tokens.count {
      if tokens[i] == newline
        && (!blankLineSeparates || (i + 1 < tokens.count && tokens[i + 1] == newline))
      {
        // A newline alone (an empty line) is no document.
        if i > start { documents.append(tokens[start...i]) }
        i += blankLineSeparates ? 2 : 1
        start = i
      } else {
        i += 1
      }
    }
    if start < tokens.count { documents.append(tokens[start...]) }
    return documents
  }
}
