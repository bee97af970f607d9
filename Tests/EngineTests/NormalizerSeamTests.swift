import Randomness
import Testing

@testable import Engine

/// The recurrent layer asks one protocol to normalise a step's term. Batch normalization was
/// its first implementation; layer normalization (`RecurrentLayerNorm`, Chapter 6's) is a
/// second, a new file plus a case, and goes through the same layer with no change to it at
/// every place BN stands (Cooijmans et al.'s three, Laurent et al.'s input term, the whole
/// pre-activation): forward, backward
/// through time, and a finite-difference check in Double of every parameter and the input
/// (max relative error ≤ 1e-6 per tensor, as for BN in `RecurrentGradientTests`). The
/// difference step is 1e-6, not 1e-5: layer normalization over 3 features meets rows of small
/// spread, whose curvature makes 1e-5's truncation error reach 7e-6 at BN_c's place (measured);
/// 1e-6 divides it by 100, and a wrong derivative stays far above (a term left out of the
/// backward fails at 1e-1).
@Suite("Recurrent layers: a normaliser is a new file plus a case")
struct NormalizerSeamTests {
  static let (steps, batch, inputs, hidden) = (4, 3, 3, 3)

  @Test(
    "layer normalization through a recurrent layer: forward, backward and a gradient check",
    arguments: [
      (
        RecurrentLayerConfiguration.Cell.lstm,
        RecurrentNormalization.cooijmans(maxSteps: 4, normalizer: .layer)
      ),
      (.lstm, RecurrentNormalization(placement: .input, normalizer: .layer)),
      (.tanh, RecurrentNormalization(placement: .wholePreactivation, normalizer: .layer)),
    ])
  func layerNormalizationThroughTheLayer(
    cell: RecurrentLayerConfiguration.Cell, normalization: RecurrentNormalization
  ) throws {
    var generator = RandomGenerator(seed: 11)
    let layer = RecurrentLayer<Double>(
      RecurrentLayerConfiguration(
        cell: cell, inputs: Self.inputs, hidden: Self.hidden, normalization: normalization,
        initialState: .learned),
      name: "layer", using: &generator)
    // Every place the configuration normalises holds layer normalization, not BN.
    let expected = normalization.placement == .separate ? (cell == .lstm ? 3 : 2) : 1
    #expect(layer.norms.count == expected)
    #expect(layer.norms.allSatisfy { $0 is RecurrentLayerNorm<Double> })
    #expect(layer.batchNorms.isEmpty)
    for (k, p) in layer.parameters.enumerated() {
      p.value = randomMatrix(
        p.rows, p.cols, seed: 40 + UInt64(k), scale: 0.5, offset: p.name.hasSuffix("γ") ? 1 : 0)
    }
    let x = Parameter(
      "x", randomMatrix(Self.steps * Self.batch, Self.inputs, seed: 5) as Matrix<Double>)
    // ℓ = Σ_t Σ_b r_tb · h_tb: every step's output matters.
    let weights: Matrix<Double> = randomMatrix(Self.steps * Self.batch, Self.hidden, seed: 6)
    func loss() -> Double {
      let h = layer.forward(x.valueView, steps: Self.steps, batch: Self.batch, statistics: .batch)
      var total = 0.0
      weights.withView { r in
        for i in 0..<h.rows { for j in 0..<h.cols { total += h.row(i)[j] * r.row(i)[j] } }
      }
      return total
    }
    let checks = checkGradients(
      of: layer.parameters + [x], step: 1e-6, loss: loss,
      gradients: {
        _ = loss()
        let dx = weights.withView { layer.backward($0, computesInputGradient: true) }!
        x.gradient = dx.matrix
      })
    for check in checks {
      #expect(check.maxRelativeError <= 1e-6, "\(check), abs \(check.maxAbsoluteError)")
    }
    // The normalisers' γ got gradients: the layer ran through them.
    for norm in layer.norms {
      #expect(norm.parameters[0].gradient.storage.contains { $0 != 0 }, "\(norm.name)")
    }
  }
}
