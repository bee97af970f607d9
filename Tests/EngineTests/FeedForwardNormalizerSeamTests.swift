import Randomness
import Testing

@testable import Engine

/// A feed-forward network asks one protocol to normalise its hidden layers. Batch
/// normalization was its first implementation; layer normalization (`LayerNorm`, Chapter 6's)
/// is a second, a new file plus a case, and goes through the same network with no change to
/// it: it takes every hidden layer's place, the network keeps no population statistics for
/// it, it trains, and its gradients pass a finite-difference check in Double of every
/// parameter (max relative error ≤ 1e-6 per tensor, the tolerance of the BN network's check in
/// `GradientTests`). The difference step is 1e-6, not the default 1e-5: layer normalization
/// over 3 or 4 features meets rows of small spread, whose curvature makes the central
/// difference's truncation error grow as the step squared (the recurrent seam's test measured
/// 7e-6 at 1e-5); 1e-6 divides it by 100, and a wrong derivative stays far above (the test
/// below that drops a term of the backward fails by orders of magnitude).
@Suite("Feed-forward networks: a normaliser is a new file plus a case")
struct FeedForwardNormalizerSeamTests {
  static let tolerance = 1e-6

  /// 5 inputs, hidden layers of 4 and 3 sigmoids normalised by layer normalization, 3 classes.
  func network(
    seed: UInt64 = 10,
    makeNormalizer: ((FeedForwardNormalizerRequest) -> any FeedForwardNormalizer<Double>)? = nil
  ) -> FeedForwardNetwork<Double> {
    var generator = RandomGenerator(seed: seed)
    return FeedForwardNetwork<Double>(
      .init(
        inputs: 5, hidden: [4, 3], outputs: 3, activation: .sigmoid,
        normalization: .layer, initializer: .normal(standardDeviation: 0.7)),
      using: &generator, makeNormalizer: makeNormalizer)
  }

  @Test("layer normalization takes every hidden layer's place, with no population to keep")
  func takesThePlace() {
    let net = network()
    #expect(net.norms.allSatisfy { $0 is LayerNorm<Double> })
    #expect(net.batchNorms.isEmpty)
    #expect(net.populations.isEmpty)
    // Its shift takes the bias's place, as BN's does.
    #expect(net.hiddenLayers.allSatisfy { $0.bias == nil })
    #expect(
      net.parameters.map(\.name) == [
        "hidden1.W", "hidden1.γ", "hidden1.β", "hidden2.W", "hidden2.γ", "hidden2.β", "output.W",
        "output.b",
      ])
    // The probe of the sigmoids' input reads the normaliser's a = γ x̂ + β.
    let x: Matrix<Double> = randomMatrix(6, 5, seed: 3)
    _ = net.forward(x, statistics: .batch)
    let a = net.nonlinearityInput(1)
    #expect(a.rows == 6 && a.cols == 3)
    #expect(a == net.norms[1]!.lastNonlinearityInput)
  }

  @Test("a finite-difference check of every parameter, in Double")
  func gradientCheck() {
    let net = network()
    for (k, p) in net.parameters.enumerated() where p.name.hasSuffix("γ") || p.name.hasSuffix("β") {
      p.value = randomMatrix(
        p.rows, p.cols, seed: 40 + UInt64(k), scale: 0.5, offset: p.name.hasSuffix("γ") ? 1 : 0)
    }
    let x: Matrix<Double> = randomMatrix(7, 5, seed: 12)
    let labels = [0, 1, 2, 0, 1, 2, 1]
    let checks = net.gradientChecks(of: net.parameters, x: x, labels: labels, step: 1e-6)
    #expect(checks.count == 8)
    for check in checks {
      #expect(check.maxRelativeError <= Self.tolerance, "\(check), abs \(check.maxAbsoluteError)")
    }
    // The normalisers' γ and β got gradients: the network ran through them.
    for norm in net.norms {
      for parameter in norm!.parameters {
        #expect(parameter.gradient.storage.contains { $0 != 0 }, "\(parameter.name)")
      }
    }
  }

  @Test("the check can fail: a backward with a wrong term is caught")
  func checkCatchesAWrongBackward() {
    // A normaliser written in the tests, through the same seam: the engine's layer
    // normalization with a wrong term in its backward.
    let net = network(makeNormalizer: { MisderivedLayerNorm($0) })
    #expect(net.norms.allSatisfy { $0 is MisderivedLayerNorm })
    let x: Matrix<Double> = randomMatrix(7, 5, seed: 12)
    let labels = [0, 1, 2, 0, 1, 2, 1]
    let checks = net.gradientChecks(of: [net.parameters[0]], x: x, labels: labels, step: 1e-6)
    // hidden1.W, whose gradient comes through the wrong backward.
    #expect(checks[0].maxRelativeError > 1e-2, "\(checks[0])")
  }

  @Test("it trains through the network, and infers as it trains (no batch statistics)")
  func trains() {
    let net = network(seed: 4)
    // Three classes, each a Gaussian cloud around its own centre in 5 dimensions.
    let centres: Matrix<Double> = randomMatrix(3, 5, seed: 7, scale: 2)
    func data(_ count: Int, seed: UInt64) -> (Matrix<Double>, [Int]) {
      let noise: Matrix<Double> = randomMatrix(count, 5, seed: seed, scale: 0.5)
      let labels = (0..<count).map { $0 % 3 }
      let x = Matrix<Double>(rows: count, cols: 5) { v in
        for i in 0..<count { for j in 0..<5 { v[i * 5 + j] = centres[labels[i], j] + noise[i, j] } }
      }
      return (x, labels)
    }
    var optimizer = SGD<Double>(learningRate: 0.5)
    var losses: [Double] = []
    for step in 0..<300 {
      let (x, labels) = data(30, seed: 100 + UInt64(step))
      losses.append(net.trainStep(x, labels: labels, optimizer: &optimizer))
    }
    let early = losses.prefix(20).reduce(0, +) / 20
    let late = losses.suffix(20).reduce(0, +) / 20
    #expect(late < early / 4, "mean loss \(early) → \(late)")
    let (test, labels) = data(300, seed: 9)
    #expect(net.accuracy(test, labels: labels) > 0.9)
    // A row is its own statistics: one example at a time predicts what the whole batch does.
    #expect(
      net.accuracy(test, labels: labels, batchSize: 1, statistics: .batch)
        == net.accuracy(test, labels: labels, batchSize: 300, statistics: .population))
  }
}

/// Layer normalization with a wrong backward: the engine's `LayerNorm`, whose ∂ℓ/∂z gets each
/// row's mean of ∂ℓ/∂h added — a term a slip in the derivation could leave (the correct
/// gradient of a row sums to zero; this one does not).
final class MisderivedLayerNorm: FeedForwardNormalizer {
  typealias Element = Double
  let inner: LayerNorm<Double>

  init(_ request: FeedForwardNormalizerRequest) {
    inner = LayerNorm(
      features: request.features, activation: request.activation, name: request.name)
  }

  var name: String { inner.name }
  var features: Int { inner.features }
  var scale: Parameter<Double>? { inner.scale }
  var shift: Parameter<Double>? { inner.shift }
  var epsilon: Double { inner.epsilon }
  var inferenceStatistics: PopulationStatistics? {
    get { nil }
    set {}
  }
  var lastNormalized: Matrix<Double> { inner.lastNormalized }
  var lastNonlinearityInput: Matrix<Double> { inner.lastNonlinearityInput }
  var parameters: [Parameter<Double>] { inner.parameters }
  var matrixInput: Buffer<Double> { inner.matrixInput }

  func forward(_ z: MatrixView<Double>, statistics: StatisticsPolicy) -> MatrixView<Double> {
    inner.forward(z, statistics: statistics)
  }

  func backward(_ dh: MatrixView<Double>) -> MatrixView<Double> {
    let means = (0..<dh.rows).map { i in
      (0..<dh.cols).reduce(0) { $0 + dh[i, $1] } / Double(dh.cols)
    }
    let dz = inner.backward(dh)
    for i in 0..<dz.rows { for j in 0..<dz.cols { dz[i, j] += means[i] } }
    return dz
  }
}
