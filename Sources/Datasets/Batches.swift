import Invariants
import Randomness

/// Mini-batch iteration over a data set of `count` examples.
///
/// Each epoch visits the examples in a fresh seeded order. The order of epoch `e` depends
/// only on `(seed, e)`, not on how many epochs ran before, so a run resumed from a checkpoint
/// at epoch `e` sees exactly the batches the uninterrupted run would have seen.
public struct MiniBatches: Sequence, Sendable {
  public let count: Int
  public let batchSize: Int
  public let seed: UInt64
  public let epoch: Int
  /// Drop the last, smaller batch (BatchNorm's statistics are noisy on tiny batches).
  public let dropLast: Bool
  /// The example order of this epoch.
  public let order: [Int]

  public init(
    count: Int, batchSize: Int, seed: UInt64, epoch: Int, dropLast: Bool = true,
    shuffle: Bool = true
  ) {
    require(batchSize > 0, "batch size must be positive")
    self.count = count
    self.batchSize = batchSize
    self.seed = seed
    self.epoch = epoch
    self.dropLast = dropLast
    if shuffle {
      var generator = RandomGenerator(
        seed: seed, stream: 0xE0C4 &+ UInt64(truncatingIfNeeded: epoch))
      order = generator.permutation(of: count)
    } else {
      order = Array(0..<count)
    }
  }

  /// Number of batches this epoch yields.
  public var batchCount: Int { dropLast ? count / batchSize : (count + batchSize - 1) / batchSize }

  public func makeIterator() -> AnyIterator<[Int]> {
    var start = 0
    let (order, batchSize, count, dropLast) = (
      self.order, self.batchSize, self.count, self.dropLast
    )
    return AnyIterator {
      guard start < count else { return nil }
      let end = Swift.min(start + batchSize, count)
      if dropLast && end - start < batchSize { return nil }
      defer { start = end }
      return Array(order[start..<end])
    }
  }
}

/// Mini-batches without end: epoch after epoch of `MiniBatches`, each in its own seeded
/// order, `batchSize` examples at a time (an epoch's remainder is dropped).
///
/// Its position — which epoch, how far into it — is all a checkpoint needs to store: the
/// order of an epoch is recomputed from (seed, epoch), so a resumed stream hands out exactly
/// the batches the uninterrupted one would have.
public struct MiniBatchStream: Codable, Sendable, Equatable {
  public let count: Int
  public let batchSize: Int
  public let seed: UInt64
  /// Epochs started so far (the current one is `epochsStarted − 1`).
  public private(set) var epochsStarted = 0
  /// Examples of the current epoch already handed out.
  public private(set) var position = 0
  private var order: [Int] = []

  enum CodingKeys: String, CodingKey { case count, batchSize, seed, epochsStarted, position }

  public init(count: Int, batchSize: Int, seed: UInt64) {
    require(
      batchSize > 0 && batchSize <= count,
      "batches of \(batchSize) from \(count) examples")
    self.count = count
    self.batchSize = batchSize
    self.seed = seed
  }

  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      count: try c.decode(Int.self, forKey: .count),
      batchSize: try c.decode(Int.self, forKey: .batchSize),
      seed: try c.decode(UInt64.self, forKey: .seed))
    epochsStarted = try c.decode(Int.self, forKey: .epochsStarted)
    position = try c.decode(Int.self, forKey: .position)
    guard epochsStarted >= 0, position >= 0, position <= count else {
      throw DecodingError.dataCorruptedError(
        forKey: .position, in: c,
        debugDescription: "position \(position) of epoch \(epochsStarted) outside 0...\(count)")
    }
    if epochsStarted > 0 { order = epochOrder(epochsStarted - 1) }
  }

  private func epochOrder(_ epoch: Int) -> [Int] {
    MiniBatches(count: count, batchSize: batchSize, seed: seed, epoch: epoch).order
  }

  /// The indices of the next batch, starting a new epoch when this one has too few left.
  public mutating func next() -> ArraySlice<Int> {
    if epochsStarted == 0 || position + batchSize > count {
      order = epochOrder(epochsStarted)
      epochsStarted += 1
      position = 0
    }
    defer { position += batchSize }
    return order[position..<position + batchSize]
  }
}

/// A filled mini-batch of images: `inputs` is `labels.count x width`, row-major.
public struct ImageBatch: Sendable {
  public var inputs: [Float]
  public var labels: [Int]
  public let width: Int
  public var size: Int { labels.count }
}

extension ImageSet {
  /// Copies the examples at `indices` into `inputs` (`indices.count * imageSize`, one image
  /// per row) and `labels`, reusing their storage so a training loop allocates nothing.
  public func fill<Indices: Collection<Int>>(
    indices: Indices, inputs: inout [Float], labels batchLabels: inout [Int]
  ) {
    let size = imageSize
    if inputs.count != indices.count * size {
      inputs = [Float](repeating: 0, count: indices.count * size)
    }
    inputs.withUnsafeMutableBufferPointer { fill(indices: indices, into: $0, labels: &batchLabels) }
  }

  /// The same into `inputs`, memory the caller owns (`indices.count * imageSize` values, one
  /// image per row): a buffer reused step after step. Inlinable: a generic called across
  /// modules unspecialised would walk `indices` through witness tables on every step.
  @inlinable
  public func fill<Indices: Collection<Int>>(
    indices: Indices, into inputs: UnsafeMutableBufferPointer<Float>,
    labels batchLabels: inout [Int]
  ) {
    let size = imageSize
    for index in indices {
      require(index >= 0 && index < count, "example \(index) of a set of \(count)")
    }
    require(
      inputs.count >= indices.count * size,
      "\(indices.count) images of \(size) pixels into \(inputs.count) values")
    batchLabels.removeAll(keepingCapacity: true)
    pixels.withUnsafeBufferPointer { src in
      for (row, index) in indices.enumerated() {
        (inputs.baseAddress! + row * size).update(
          from: src.baseAddress! + index * size, count: size)
        batchLabels.append(labels[index])
      }
    }
  }

  /// The examples at `indices` as a new batch.
  public func batch(_ indices: [Int]) -> ImageBatch {
    var batch = ImageBatch(inputs: [], labels: [], width: imageSize)
    fill(indices: indices, inputs: &batch.inputs, labels: &batch.labels)
    return batch
  }

  /// The batches of one epoch, filled lazily.
  public func batches(size: Int, seed: UInt64, epoch: Int, dropLast: Bool = true)
    -> LazyMapSequence<MiniBatches, ImageBatch>
  {
    MiniBatches(count: count, batchSize: size, seed: seed, epoch: epoch, dropLast: dropLast)
      .lazy.map { self.batch($0) }
  }

  /// Pixel-by-pixel sequences for sequential (and, with a permutation, permuted) MNIST, in
  /// the time-major layout a recurrent network consumes: `inputs[t * B + b]` is pixel
  /// `order[t]` of example `indices[b]`, one scalar input per time step, `T = imageSize`.
  /// Use `downsampled2x2()` first for the fast presets (T = 196).
  public func fillSequences(
    indices: [Int], permutation: PixelPermutation? = nil, inputs: inout [Float],
    labels batchLabels: inout [Int]
  ) {
    let steps = imageSize
    let batch = indices.count
    if let permutation {
      require(permutation.count == steps, "permutation size must equal pixels per image")
    }
    for index in indices {
      require(index >= 0 && index < count, "example \(index) of a set of \(count)")
    }
    if inputs.count != steps * batch { inputs = [Float](repeating: 0, count: steps * batch) }
    let order = permutation?.order ?? Array(0..<steps)
    pixels.withUnsafeBufferPointer { src in
      inputs.withUnsafeMutableBufferPointer { dst in
        order.withUnsafeBufferPointer { order in
          for (b, index) in indices.enumerated() {
            let image = src.baseAddress! + index * steps
            for t in 0..<steps { dst[t * batch + b] = image[order[t]] }
          }
        }
      }
    }
    batchLabels.removeAll(keepingCapacity: true)
    for index in indices { batchLabels.append(labels[index]) }
  }
}
