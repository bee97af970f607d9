import Datasets
import Engine
import Foundation
import Randomness

/// Images read pixel by pixel as sequences (sequential MNIST, and with a permutation permuted
/// MNIST): one scalar input per step, the class predicted from the last hidden state.
public struct PixelSequences: Sendable {
  public let images: ImageSet
  /// The pixel order; nil is the images' own (row by row).
  public let permutation: PixelPermutation?

  public init(images: ImageSet, permutation: PixelPermutation?) {
    self.images = images
    self.permutation = permutation
  }

  public var steps: Int { images.imageSize }

  /// The time-major inputs ((T·B) × 1) and labels of the examples `indices`.
  public func batch(_ indices: [Int]) -> (inputs: Matrix<Float>, labels: [Int]) {
    var inputs: [Float] = []
    var labels: [Int] = []
    images.fillSequences(
      indices: indices, permutation: permutation, inputs: &inputs, labels: &labels)
    return (Matrix(rows: steps * indices.count, cols: 1, inputs), labels)
  }
}

extension SequenceModel where T == Float {
  /// Accuracy (%) and mean cross-entropy over every example of `data`, `batch` at a time (the
  /// last, smaller batch included: with population statistics the batch size does not matter).
  public func classify(
    _ data: PixelSequences, batch: Int, statistics: StatisticsPolicy = .population
  ) -> (accuracy: Double, loss: Double) {
    var (correct, loss) = (0, 0.0)
    for start in stride(from: 0, to: data.images.count, by: batch) {
      let indices = Array(start..<min(start + batch, data.images.count))
      let (inputs, labels) = data.batch(indices)
      let result = inputs.withView { x in
        evaluate(
          .dense(x), targets: labels, steps: data.steps, batch: indices.count,
          statistics: statistics)
      }
      correct += result.correct
      loss += Double(result.loss) * Double(indices.count)
    }
    let count = Double(max(data.images.count, 1))
    return (100 * Double(correct) / count, loss / count)
  }
}
