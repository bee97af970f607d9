import Randomness
import Testing

@testable import Engine

/// Every backward pass against central finite differences, in Double, with non-trivial
/// parameters (γ ≠ 1, β ≠ 0, random weights) and a weighted-sum loss.
/// Tolerance: max relative error ≤ 1e-6 per tensor (observed: ~1e-10).
@Suite("Finite-difference gradient checks")
struct GradientTests {
  static let tolerance = 1e-6

  /// Checks one layer: ℓ = Σ w ⊙ layer(x), for x and all the layer's parameters.
  func check(
    _ layer: some Layer<Double>, input: Matrix<Double>, statistics: StatisticsPolicy = .batch
  ) -> [GradientCheck] {
    let x = Parameter("x", input)
    let probeOutput = layer.forward(input, statistics: statistics)
    let loss = WeightedSum(rows: probeOutput.rows, cols: probeOutput.cols, seed: 99)
    return checkGradients(
      of: [x] + layer.parameters,
      loss: { loss.value(layer.forward(x.value, statistics: statistics)) },
      gradients: {
        _ = layer.forward(x.value, statistics: statistics)
        x.gradient = layer.backward(loss.gradient)
      })
  }

  @Test("Linear with bias")
  func linear() {
    let layer = Linear<Double>(
      weight: randomMatrix(5, 4, seed: 1), bias: randomMatrix(1, 4, seed: 2))
    let checks = check(layer, input: randomMatrix(6, 5, seed: 3))
    #expect(checks.count == 3)
    #expect(worst(checks) <= Self.tolerance, "\(checks)")
  }

  @Test("Linear without bias (the BN case)")
  func linearNoBias() {
    let layer = Linear<Double>(weight: randomMatrix(3, 7, seed: 4), bias: nil)
    let checks = check(layer, input: randomMatrix(4, 3, seed: 5))
    #expect(checks.count == 2)
    #expect(worst(checks) <= Self.tolerance, "\(checks)")
  }

  @Test("each nonlinearity", arguments: [Activation.sigmoid, .tanh, .relu, .identity])
  func activation(_ activation: Activation) {
    // Inputs away from relu's kink at 0, where the derivative is undefined.
    var input: Matrix<Double> = randomMatrix(5, 6, seed: 6, scale: 2)
    input = input.mapped { abs($0) < 0.05 ? $0 + 0.1 : $0 }
    let checks = check(ActivationLayer<Double>(activation), input: input)
    #expect(worst(checks) <= Self.tolerance, "\(checks)")
  }

  @Test("softmax cross-entropy, including large logits")
  func softmaxCrossEntropy() {
    let logits = Parameter("logits", randomMatrix(6, 4, seed: 7, scale: 30) as Matrix<Double>)
    let labels = [0, 3, 1, 2, 2, 0]
    let head = SoftmaxCrossEntropy<Double>()
    let checks = checkGradients(
      of: [logits],
      loss: { SoftmaxCrossEntropy<Double>().forward(logits: logits.value, labels: labels) },
      gradients: {
        _ = head.forward(logits: logits.value, labels: labels)
        logits.gradient = head.backward()
      })
    #expect(worst(checks) <= Self.tolerance, "\(checks)")
  }

  @Test("softmax cross-entropy with a mask: padded rows add nothing to loss or gradient")
  func maskedSoftmax() {
    let logits: Matrix<Double> = randomMatrix(5, 3, seed: 14, scale: 2)
    let labels = [2, 0, 1, 1, 0]
    let mask: [Double] = [1, 0, 1, 1, 0]
    let kept = [0, 2, 3]
    let head = SoftmaxCrossEntropy<Double>()
    let (loss, gradient) = mask.withUnsafeBufferPointer { mask in
      logits.withView { logits in
        (head.forward(logits: logits, labels: labels, mask: mask), head.backwardView().matrix)
      }
    }
    // The same as the unpadded rows alone.
    let reference = SoftmaxCrossEntropy<Double>()
    let keptLogits = Matrix(
      rows: 3, cols: 3, kept.flatMap { i in (0..<3).map { logits[i, $0] } })
    let referenceLoss = reference.forward(logits: keptLogits, labels: kept.map { labels[$0] })
    let referenceGradient = reference.backward()
    #expect(abs(loss - referenceLoss) < 1e-14)
    #expect(head.countedRows == 3)
    for (row, i) in kept.enumerated() {
      for j in 0..<3 { #expect(abs(gradient[i, j] - referenceGradient[row, j]) < 1e-14) }
    }
    for i in [1, 4] { for j in 0..<3 { #expect(gradient[i, j] == 0) } }
  }

  func batchNorm(form: BatchNormalization.BackwardForm) -> BatchNorm<Double> {
    let bn = BatchNorm<Double>(features: 4, convention: .paper, backwardForm: form)
    bn.gamma.value = Matrix(row: [1.5, -0.7, 0.3, 2.0])
    bn.beta!.value = Matrix(row: [0.2, -1.0, 0.5, 0.0])
    return bn
  }

  @Test(
    "BatchNorm, training mode, both backward forms",
    arguments: BatchNormalization.BackwardForm.allCases)
  func batchNormTraining(form: BatchNormalization.BackwardForm) {
    let checks = check(
      batchNorm(form: form), input: randomMatrix(8, 4, seed: 8, scale: 3, offset: 1))
    #expect(checks.map(\.name) == ["x", "bn.γ", "bn.β"])
    #expect(worst(checks) <= Self.tolerance, "\(checks)")
  }

  @Test("BatchNorm, inference mode (population statistics are constants)")
  func batchNormInference() {
    let bn = batchNorm(form: .fused)
    bn.population.update(
      batchMean: [0.5, -1, 2, 0], batchVariance: [4, 0.25, 1, 9], batchSize: 10)
    let checks = check(bn, input: randomMatrix(5, 4, seed: 9), statistics: .population)
    #expect(worst(checks) <= Self.tolerance, "\(checks)")
  }

  @Test("a whole BN network: weights, γ, β of every layer")
  func network() {
    var generator = RandomGenerator(seed: 10)
    let net = FeedForwardNetwork<Double>(
      .init(
        inputs: 6, hidden: [5, 4], outputs: 3, normalization: .batch(.paper),
        initializer: .normal(standardDeviation: 0.7)),
      using: &generator)
    for norm in net.batchNorms {
      norm.gamma.value = randomMatrix(1, norm.features, seed: 11, offset: 1)
    }
    let x: Matrix<Double> = randomMatrix(7, 6, seed: 12)
    let labels = [0, 1, 2, 0, 1, 2, 1]
    let checks = net.gradientChecks(of: net.parameters, x: x, labels: labels)
    #expect(checks.count == 8)  // (W, γ, β) for each of 2 hidden layers, then W and b out
    #expect(worst(checks) <= Self.tolerance, "\(checks)")
  }

  @Test("a checker fed a wrong gradient reports it (the check can fail)")
  func checkerCatchesErrors() {
    let x = Parameter("x", randomMatrix(3, 3, seed: 13) as Matrix<Double>)
    // ℓ = Σ x², true gradient 2x; we claim 3x.
    let checks = checkGradients(
      of: [x], loss: { x.value.dot(x.value) }, gradients: { x.gradient = x.value.mapped { 3 * $0 } }
    )
    #expect(checks[0].maxRelativeError > 0.3)
  }
}
