import Companion
import Datasets
import Engine
import Foundation

// Chapter 5's Figure 1 with LN: the gradient through time of the LN tanh-RNN at
// initialisation, for every initial γ.

let gammas = (1...10).map { Double($0) / 10 }
/// 784 steps of the image data (196 at the smoke preset), batches of 64, averaged over a few.
let gradientThroughTime = GradientThroughTime(
  images: chapter.pick(
    smoke: images.train.downsampled2x2(), book: images.train, paper: images.train),
  batch: chapter.pick(smoke: 16, book: 64, paper: 64),
  batches: chapter.pick(smoke: 1, book: 10, paper: 20))

/// The authors' tanh-RNN with one LN over the whole pre-activation,
/// h_t = tanh(LN(W_h h_{t−1} + W_x x_t; γ, β)), W_h = I, W_x orthogonal, a learned h_0 with
/// priming noise 0.1, the loss at the last step.
func layerNormRNN(gamma: Double) -> SequenceModel<Double> {
  var generator = chapter.makeGenerator("figure 1 weights")
  return SequenceModel<Double>(
    layers: [
      RecurrentLayerConfiguration(
        cell: .tanh, inputs: 1, hidden: chapter.pick(smoke: 16, book: 100, paper: 100),
        normalization: RecurrentNormalization(
          placement: .wholePreactivation, initialGamma: gamma,
          maxSteps: gradientThroughTime.steps, normalizer: .layer),
        recurrentWeights: .identity, initialState: .learned,
        initialStateNoise: CooijmansLSTM.initialStateNoise)
    ], head: .lastStep(classes: 10), using: &generator)
}

/// ‖∂ℓ/∂h_t‖ at every step, for every γ.
func layerNormGradientNorms() -> [[Double]] {
  gammas.map { gamma in
    var order = chapter.makeGenerator("figure 1 batches")
    return gradientThroughTime.hiddenGradientNorms(of: layerNormRNN(gamma: gamma), order: &order)
  }
}
