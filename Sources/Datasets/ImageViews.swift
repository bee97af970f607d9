import Invariants
import Randomness

/// Ways of looking at an `ImageSet` that the chapters need: subsets, a held-out validation
/// split, a class-balanced subsample, and 2x2 downsampling for the fast sequential presets.
/// Every random choice takes a seed, so a rerun picks the same examples.
extension ImageSet {
  /// The `index`-th image as a flat row-major vector of `imageSize` values.
  public func image(_ index: Int) -> ArraySlice<Float> {
    pixels[index * imageSize..<(index + 1) * imageSize]
  }

  /// The examples at `indices`, in that order.
  public func subset(_ indices: [Int]) -> ImageSet {
    let size = imageSize
    var out = [Float](repeating: 0, count: indices.count * size)
    pixels.withUnsafeBufferPointer { src in
      out.withUnsafeMutableBufferPointer { dst in
        for (row, index) in indices.enumerated() {
          require(index >= 0 && index < count, "index \(index) out of 0..<\(count)")
          let from = src.baseAddress! + index * size
          (dst.baseAddress! + row * size).update(from: from, count: size)
        }
      }
    }
    return ImageSet(
      count: indices.count, rows: rows, cols: cols, pixels: out, labels: indices.map { labels[$0] })
  }

  /// Carves a validation set of `validationCount` examples out of this (training) set.
  ///
  /// Why seeded and not "the last N": the MNIST training files are not shuffled by class
  /// or writer, so a tail split can differ in distribution; a seeded random split is both
  /// fair and reproducible. Both parts keep the original relative order of their examples.
  public func split(validationCount: Int, seed: UInt64) throws -> (
    train: ImageSet, validation: ImageSet
  ) {
    guard validationCount >= 0, validationCount < count else {
      throw DatasetError.invalidArgument(
        "validation split of \(validationCount) needs 0 <= n < \(count) training examples")
    }
    var generator = RandomGenerator(seed: seed, stream: 0x5B1)
    let order = generator.permutation(of: count)
    let validation = order[..<validationCount].sorted()
    let train = order[validationCount...].sorted()
    return (subset(train), subset(validation))
  }

  /// `total` examples with the classes as balanced as the data allows: each class gets
  /// `total / classes` examples (the remainder goes to the lowest class indices), and a class
  /// with too few examples gives its share to the others. Examples are drawn at random
  /// (seeded) within each class and returned in their original order.
  public func stratifiedSubsample(_ total: Int, seed: UInt64) throws -> ImageSet {
    guard total >= 0, total <= count else {
      throw DatasetError.invalidArgument("cannot subsample \(total) of \(count) examples")
    }
    let classes = (labels.max() ?? -1) + 1
    var byClass = [[Int]](repeating: [], count: classes)
    for (index, label) in labels.enumerated() { byClass[label].append(index) }
    for label in 0..<classes {
      var generator = RandomGenerator(seed: seed, stream: 0x57A7 &+ UInt64(label))
      generator.shuffle(&byClass[label])
    }
    // Hand out one example per class in turns until the total is reached; this balances
    // exactly when possible and degrades gracefully when a class runs out.
    var quota = [Int](repeating: 0, count: classes)
    var remaining = total
    while remaining > 0 {
      var progressed = false
      for label in 0..<classes where remaining > 0 && quota[label] < byClass[label].count {
        quota[label] += 1
        remaining -= 1
        progressed = true
      }
      if !progressed { break }
    }
    let chosen = (0..<classes).flatMap { byClass[$0].prefix(quota[$0]) }.sorted()
    return subset(chosen)
  }

  /// Number of examples of each class (index = class).
  public var classCounts: [Int] {
    var counts = [Int](repeating: 0, count: (labels.max() ?? -1) + 1)
    for label in labels { counts[label] += 1 }
    return counts
  }

  /// Each 2x2 block of pixels replaced by its mean: 28x28 becomes 14x14, so a pixel-by-pixel
  /// sequence shrinks from 784 to 196 steps (4x less recurrent work for the fast presets).
  public func downsampled2x2() -> ImageSet {
    require(rows % 2 == 0 && cols % 2 == 0, "2x2 downsampling needs even rows and cols")
    let (outRows, outCols) = (rows / 2, cols / 2)
    let inSize = imageSize
    let outSize = outRows * outCols
    var out = [Float](repeating: 0, count: count * outSize)
    pixels.withUnsafeBufferPointer { src in
      out.withUnsafeMutableBufferPointer { dst in
        for image in 0..<count {
          let s = src.baseAddress! + image * inSize
          let d = dst.baseAddress! + image * outSize
          for r in 0..<outRows {
            for c in 0..<outCols {
              let top = 2 * r * cols + 2 * c
              let bottom = top + cols
              d[r * outCols + c] = (s[top] + s[top + 1] + s[bottom] + s[bottom + 1]) * 0.25
            }
          }
        }
      }
    }
    return ImageSet(count: count, rows: outRows, cols: outCols, pixels: out, labels: labels)
  }

  /// The images with their pixels reordered: pixel `t` of each output image is pixel
  /// `permutation.order[t]` of the input. Used for permuted MNIST, where the same fixed
  /// permutation is applied to every image so that the sequence loses its local structure.
  public func permuted(by permutation: PixelPermutation) -> ImageSet {
    require(permutation.count == imageSize, "permutation size must equal pixels per image")
    let size = imageSize
    var out = [Float](repeating: 0, count: pixels.count)
    permutation.order.withUnsafeBufferPointer { order in
      pixels.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
          for image in 0..<count {
            let s = src.baseAddress! + image * size
            let d = dst.baseAddress! + image * size
            for t in 0..<size { d[t] = s[order[t]] }
          }
        }
      }
    }
    return ImageSet(count: count, rows: rows, cols: cols, pixels: out, labels: labels)
  }
}
