import Datasets
import Engine
import Randomness

/// Cooijmans et al.'s Figure 1(a), measured: how much of the loss's gradient reaches each
/// step of a recurrent model at initialisation. Chapter 5 reads it for the BN tanh-RNN,
/// Chapter 6 for the LN one.
public struct GradientThroughTime: Sendable {
  /// The images read pixel by pixel, in order: a sequence of `images.imageSize` steps.
  public var images: ImageSet
  public var batch: Int
  /// Batches averaged.
  public var batches: Int

  public init(images: ImageSet, batch: Int, batches: Int) {
    self.images = images
    self.batch = batch
    self.batches = batches
  }

  /// Steps per sequence.
  public var steps: Int { images.imageSize }

  /// ‖∂ℓ/∂h_t‖ for t = 1…T of `model` (one layer, the class read from h_T) at its initial
  /// weights, averaged over `batches` batches of `batch` images drawn at random by `order`.
  public func hiddenGradientNorms(
    of model: SequenceModel<Double>, order: inout RandomGenerator
  ) -> [Double] {
    model.layers[0].recordsHiddenGradientNorms = true
    var sums = [Double](repeating: 0, count: steps)
    let sequences = PixelSequences(images: images, permutation: nil)
    for _ in 0..<batches {
      let indices = (0..<batch).map { _ in order.next(below: images.count) }
      let (pixels, labels) = sequences.batch(indices)
      let x = Matrix<Double>(pixels)
      x.withView { view in
        let logits = model.forward(.dense(view), steps: steps, batch: batch, statistics: .batch)
        _ = model.loss.forward(logits: logits, labels: labels)
        model.backward(model.loss.backwardView())
      }
      for (t, norm) in model.layers[0].hiddenGradientNorms.enumerated() { sums[t] += norm }
    }
    return sums.map { $0 / Double(batches) }
  }
}

/// ‖∂ℓ/∂h_1‖ / ‖∂ℓ/∂h_T‖: how much of the last step's gradient reaches the first.
public func firstOverLast(_ norms: [Double]) -> Double { norms.first! / norms.last! }
