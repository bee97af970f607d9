import Datasets
import Engine

/// Mini-batches of flat images for a feed-forward network, without end: a fresh seeded order
/// every epoch (`MiniBatchStream`, whose position is all a checkpoint needs), each batch
/// gathered into one buffer that is reused step after step, so a training loop that reads
/// from it allocates nothing. The view `next()` returns is valid until the next call.
public struct ImageBatchStream {
  public let data: ImageSet
  /// Where the stream is: all a checkpoint needs to continue it.
  public var indices: MiniBatchStream
  private let inputs: Buffer<Float>
  private var labels: [Int] = []

  public init(_ data: ImageSet, size: Int, seed: UInt64) {
    self.data = data
    indices = MiniBatchStream(count: data.count, batchSize: size, seed: seed)
    inputs = Buffer(rows: size, cols: data.imageSize)
    labels.reserveCapacity(size)
  }

  /// The next batch: one image per row, and the labels.
  public mutating func next() -> (x: MatrixView<Float>, labels: [Int]) {
    let x = inputs.view
    data.fill(
      indices: indices.next(), into: UnsafeMutableBufferPointer(start: x.base, count: x.count),
      labels: &labels)
    return (x, labels)
  }
}
