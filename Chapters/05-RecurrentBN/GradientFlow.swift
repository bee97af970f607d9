import Companion
import Datasets
import Engine
import Foundation
import Randomness

// Figure 1's measurements: the gradient through time of the RNN on the page, and the
// derivative of tanh.

/// ‖∂ℓ/∂h_t‖ for t = 1…T of Figure 1's RNN at initialisation, averaged over `fig1Batches`
/// batches of `fig1Batch` training images drawn at random (the library's
/// `GradientThroughTime`).
func hiddenGradientNorms(of model: SequenceModel<Double>) -> [Double] {
  var order = chapter.makeGenerator("figure 1 batches")
  return GradientThroughTime(images: fig1Images, batch: fig1Batch, batches: fig1Batches)
    .hiddenGradientNorms(of: model, order: &order)
}

/// The input spreads s of Figure 1(b).
let spreads = stride(from: 0.0, through: 1.0, by: 0.02).map { $0 }

/// Mean and interquartile range of tanh'(x) at every spread.
func sampleTanhDerivatives() -> [(mean: Double, lower: Double, upper: Double)] {
  var generator = chapter.makeGenerator("figure 1b")
  return spreads.map {
    tanhDerivative(
      spread: $0, samples: chapter.pick(smoke: 1_000, book: 20_000, paper: 100_000),
      using: &generator)
  }
}

/// Mean and interquartile range of tanh'(x) for x ~ N(0, s²).
func tanhDerivative(spread s: Double, samples: Int, using generator: inout RandomGenerator)
  -> (mean: Double, lower: Double, upper: Double)
{
  var values = (0..<samples).map { _ -> Double in
    let x = s * generator.nextGaussian()
    // tanh'(x) = 1 − tanh²(x)
    return 1 - tanh(x) * tanh(x)
  }
  values.sort()
  return (values.reduce(0, +) / Double(samples), values[samples / 4], values[3 * samples / 4])
}
