import Companion
import Engine
import Foundation
import Plot

// Alg. 2's last line as code: a BN network with frozen population statistics folded into the
// weights and biases of the layers before its BN layers, run with plain matrix products.

/// The logits of `network` on `x` with every BN layer folded into the weights before it.
@MainActor func foldedLogits(_ network: FeedForwardNetwork<Float>, _ x: Matrix<Float>)
  -> Matrix<Float>
{
  var h = x
  for (k, layer) in network.hiddenLayers.enumerated() {
    var weight = layer.weight.value
    var bias = layer.bias?.value ?? Matrix<Float>(rows: 1, cols: weight.cols)
    if let norm = network.norms[k] as? BatchNorm<Float> {
      let population = norm.population
      for j in 0..<weight.cols {
        // s = γ / √(Var[z] + ε)
        let scale =
          Double(norm.gamma.value[0, j])
          / (population.variance[j] + population.convention.epsilon).squareRoot()
        // W' = W·diag(s)
        for i in 0..<weight.rows { weight[i, j] = Float(Double(weight[i, j]) * scale) }
        // b' = s ⊙ (b − E[z]) + β
        bias[0, j] = Float(
          scale * (Double(bias[0, j]) - population.mean[j]) + Double(norm.beta?.value[0, j] ?? 0))
      }
    }
    var z = matmul(h, weight)
    for i in 0..<z.rows {
      for j in 0..<z.cols { z[i, j] += bias[0, j] }
    }
    var activated = z
    z.withView { zView in
      activated.withMutableView { out in
        activate(network.configuration.activation, zView, into: out)
      }
    }
    h = activated
  }
  var logits = matmul(h, network.outputLayer.weight.value)
  if let bias = network.outputLayer.bias?.value {
    for i in 0..<logits.rows {
      for j in 0..<logits.cols { logits[i, j] += bias[0, j] }
    }
  }
  return logits
}

/// Folds the kept BN network and compares it with the BN network on the test set: the largest
/// logit difference and the difference in test accuracy (points), also printed and recorded.
@MainActor func checkFolding() -> (maxDifference: Double, accuracyDifference: Double) {
  let check: (maxDifference: Double, accuracyDifference: Double) = chapter.phase("BN folding") {
    let network = batchNormed.network!
    let reference = network.forward(testX, statistics: .population)
    let folded = foldedLogits(network, testX)
    let predictions = { (logits: Matrix<Float>) in
      (0..<logits.rows).map { i in (0..<logits.cols).max { logits[i, $0] < logits[i, $1] }! }
    }
    let correct = { (logits: Matrix<Float>) in
      zip(predictions(logits), testSet.labels).filter { $0 == $1 }.count
    }
    let accuracyDifference =
      100 * Double(correct(folded) - correct(reference)) / Double(testSet.count)
    return (Double((folded - reference).maxAbs), accuracyDifference)
  }
  chapter.say(
    String(
      format:
        "BN folded into the weights: max |Δlogit| %.2e over the test set, accuracy difference %+.2f points",
      check.maxDifference, check.accuracyDifference))
  chapter.log.scalar("BN folding, test accuracy difference (points)", check.accuracyDifference)
  return check
}
