import Randomness
import Testing

@testable import Engine

/// The pieces train together: a small net learns a problem no linear model can.
@Suite("Training end to end")
struct TrainingTests {
  /// XOR-like data: four Gaussian blobs at (±1, ±1); the label is 1 when the signs differ.
  static func xorData(count: Int, seed: UInt64) -> (Matrix<Float>, [Int]) {
    var generator = RandomGenerator(seed: seed)
    var x = Matrix<Float>(rows: count, cols: 2)
    var labels: [Int] = []
    for i in 0..<count {
      let a: Float = generator.next() % 2 == 0 ? 1 : -1
      let b: Float = generator.next() % 2 == 0 ? 1 : -1
      x[i, 0] = a + Float(0.15 * generator.nextGaussian())
      x[i, 1] = b + Float(0.15 * generator.nextGaussian())
      labels.append(a == b ? 0 : 1)
    }
    return (x, labels)
  }

  func train(batchNorm: BatchNormConvention?, seed: UInt64) -> (FeedForwardNetwork<Float>, [Float])
  {
    var generator = RandomGenerator(seed: seed)
    let net = FeedForwardNetwork<Float>(
      .init(
        inputs: 2, hidden: [16, 16], outputs: 2, activation: .tanh,
        normalization: batchNorm.map { .batch($0) },
        initializer: .glorot),
      using: &generator)
    var optimizer = Adam<Float>(learningRate: 0.01)
    var losses: [Float] = []
    for step in 0..<600 {
      let (x, labels) = Self.xorData(count: 32, seed: UInt64(1000 + step))
      losses.append(net.trainStep(x, labels: labels, optimizer: &optimizer))
    }
    return (net, losses)
  }

  @Test(
    "a 2-16-16-2 tanh net learns XOR-like data to 100%, with and without BN",
    arguments: [nil, BatchNormConvention.paper])
  func learnsXOR(batchNorm: BatchNormConvention?) {
    let (net, losses) = train(batchNorm: batchNorm, seed: 5)
    let (x, labels) = Self.xorData(count: 500, seed: 77)
    #expect(net.accuracy(x, labels: labels, statistics: .population) == 1.0)
    #expect(losses.last! < losses.first! / 10)
  }

  @Test("two runs with the same seed are bitwise identical")
  func bitwiseDeterminism() {
    let (a, lossesA) = train(batchNorm: .pytorch, seed: 11)
    let (b, lossesB) = train(batchNorm: .pytorch, seed: 11)
    #expect(lossesA == lossesB)
    #expect(zip(a.parameters, b.parameters).allSatisfy { $0.value == $1.value })
    #expect(a.batchNorms[0].population == b.batchNorms[0].population)
  }

  @Test("evaluation does not change the population statistics")
  func evaluationIsPure() {
    let (net, _) = train(batchNorm: .paper, seed: 3)
    let before = net.batchNorms.map(\.population)
    let (x, labels) = Self.xorData(count: 64, seed: 4)
    _ = net.accuracy(x, labels: labels, statistics: .batch)
    #expect(net.batchNorms.map(\.population) == before)
  }

  @Test("a network's parameters and populations restore by name; another model's are refused")
  func namedState() throws {
    let (trained, _) = train(batchNorm: .paper, seed: 6)
    var generator = RandomGenerator(seed: 99)
    let fresh = FeedForwardNetwork<Float>(trained.configuration, using: &generator)
    #expect(Set(trained.parameters.map(\.name)).count == trained.parameters.count)
    try NamedValues.restore(fresh.parameters, from: NamedValues.of(trained.parameters))
    fresh.populations = trained.populations
    let (x, _) = Self.xorData(count: 64, seed: 4)
    #expect(
      fresh.forward(x, statistics: .population) == trained.forward(x, statistics: .population))
    // A checkpoint of a wider network does not fit, and nothing is changed.
    let before = fresh.parameters.map(\.value)
    var other = RandomGenerator(seed: 1)
    let wider = FeedForwardNetwork<Float>(
      .init(inputs: 2, hidden: [20, 16], outputs: 2, normalization: .batch(.paper)), using: &other)
    #expect {
      try NamedValues.restore(fresh.parameters, from: NamedValues.of(wider.parameters))
    } throws: { "\($0)".contains("hidden1.W is 2×20, the model's is 2×16") }
    #expect(fresh.parameters.map(\.value) == before)
    // So does one with a parameter the model does not have.
    var extra = NamedValues.of(trained.parameters)
    extra["hidden3.W"] = Matrix(rows: 16, cols: 16)
    #expect {
      try NamedValues.restore(fresh.parameters, from: extra)
    } throws: { "\($0)".contains("unknown parameter hidden3.W") }
  }
}
