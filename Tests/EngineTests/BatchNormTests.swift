import Testing

@testable import Engine

@Suite("Batch normalization: transform, backward forms, conventions")
struct BatchNormTests {
  @Test("training output has per-feature mean 0 and variance 1 before γ, β (Alg. 1)")
  func normalizes() {
    let x: Matrix<Float> = randomMatrix(64, 5, seed: 1, scale: 7, offset: 3)
    let ones = Matrix<Float>(rows: 1, cols: 5, repeating: 1)
    let (y, _) = BatchNormalization.forward(
      training: x, gamma: ones, beta: Matrix(rows: 1, cols: 5), epsilon: 1e-5)
    let y64 = Matrix<Double>(y)
    for j in 0..<5 {
      let column = (0..<64).map { y64[$0, j] }
      let mean = column.reduce(0, +) / 64
      let variance = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 64
      #expect(abs(mean) <= 1e-5)
      #expect(abs(variance - 1) <= 1e-3)
    }
  }

  @Test("γ = √(σ² + ε), β = μ recovers the identity")
  func identityRecovery() {
    let x: Matrix<Double> = randomMatrix(32, 3, seed: 2, scale: 4, offset: -2)
    let (_, cache) = BatchNormalization.forward(
      training: x, gamma: Matrix(rows: 1, cols: 3, repeating: 1), beta: Matrix(rows: 1, cols: 3),
      epsilon: 1e-5)
    let gamma = Matrix(row: cache.variance.map { ($0 + 1e-5).squareRoot() })
    let beta = Matrix(row: cache.mean)
    let (y, _) = BatchNormalization.forward(training: x, gamma: gamma, beta: beta, epsilon: 1e-5)
    #expect((y - x).maxAbs <= 1e-12)
  }

  @Test("staged and fused backward agree: Double ≤ 1e-12, Float ≤ 1e-5 relative")
  func fusedEqualsStaged() {
    let x: Matrix<Double> = randomMatrix(60, 7, seed: 3, scale: 2, offset: 1)
    let gamma: Matrix<Double> = randomMatrix(1, 7, seed: 4, offset: 1)
    let beta: Matrix<Double> = randomMatrix(1, 7, seed: 5)
    let dy: Matrix<Double> = randomMatrix(60, 7, seed: 6)
    let (_, cache) = BatchNormalization.forward(
      training: x, gamma: gamma, beta: beta, epsilon: 1e-5)
    let staged = BatchNormalization.backwardStaged(dy, cache: cache, gamma: gamma)
    let fused = BatchNormalization.backwardFused(dy, cache: cache, gamma: gamma)
    #expect((staged.input - fused.input).maxAbs <= 1e-12)
    #expect(staged.gamma == fused.gamma && staged.beta == fused.beta)

    let (_, cacheF) = BatchNormalization.forward(
      training: Matrix<Float>(x), gamma: Matrix<Float>(gamma), beta: Matrix<Float>(beta),
      epsilon: 1e-5)
    let stagedF = BatchNormalization.backwardStaged(
      Matrix<Float>(dy), cache: cacheF, gamma: Matrix<Float>(gamma))
    let fusedF = BatchNormalization.backwardFused(
      Matrix<Float>(dy), cache: cacheF, gamma: Matrix<Float>(gamma))
    let scale = Double(stagedF.input.maxAbs)
    #expect(Double((stagedF.input - fusedF.input).maxAbs) / scale <= 1e-5)
  }

  /// Σ x̂_i·∂ℓ/∂x_i = k·(m − Σ x̂²)·Σ dy·x̂, and Σ x̂² = m·σ²/(σ² + ε): exactly zero only
  /// for ε = 0, so the property is checked there (with ε = 1e-5 it is ~1e-7, not a bug).
  @Test("training-mode gradient sums to zero per feature, and is orthogonal to x̂ (ε = 0)")
  func gradientProperties() {
    let x: Matrix<Double> = randomMatrix(20, 3, seed: 7, scale: 3)
    let gamma = Matrix<Double>(row: [2, 0.5, -1])
    let dy: Matrix<Double> = randomMatrix(20, 3, seed: 8)
    let (_, cache) = BatchNormalization.forward(
      training: x, gamma: gamma, beta: Matrix(rows: 1, cols: 3), epsilon: 0)
    let dx = BatchNormalization.backwardFused(dy, cache: cache, gamma: gamma).input
    for j in 0..<3 {
      let sum = (0..<20).map { dx[$0, j] }.reduce(0, +)
      let projection = (0..<20).map { dx[$0, j] * cache.normalized[$0, j] }.reduce(0, +)
      #expect(abs(sum) <= 1e-12)
      #expect(abs(projection) <= 1e-12)
    }
  }

  @Test("inference mode is the fixed affine map γ/√(Var+ε)·x + (β − γ·E/√(Var+ε))")
  func inferenceAffine() {
    var population = PopulationStatistics(features: 2, convention: .paper)
    population.update(batchMean: [1, -2], batchVariance: [4, 0.5], batchSize: 5)
    let gamma = Matrix<Double>(row: [3, -1])
    let beta = Matrix<Double>(row: [0.5, 2])
    let x = Matrix<Double>(rows: 2, cols: 2, [0, 1, 5, -3])
    let (y, _) = BatchNormalization.forward(
      inference: x, gamma: gamma, beta: beta, population: population)
    // Population variance is unbiased: 5/4 · σ²_B.
    let variance = [4 * 5.0 / 4, 0.5 * 5.0 / 4]
    let mean = [1.0, -2.0]
    for i in 0..<2 {
      for j in 0..<2 {
        let s = gamma[0, j] / (variance[j] + 1e-5).squareRoot()
        #expect(abs(y[i, j] - (s * x[i, j] + beta[0, j] - s * mean[j])) <= 1e-12)
      }
    }
  }

  // Golden values, computed by hand from the conventions' definitions.
  // Batch 1: x = [1, 2, 3, 6] → μ = 3, biased σ² = 3.5, unbiased 14/3.
  // Batch 2: x = [0, 0, 4, 4] → μ = 2, biased σ² = 4, unbiased 16/3.
  static let batches: [[Double]] = [[1, 2, 3, 6], [0, 0, 4, 4]]

  func track(_ convention: BatchNormConvention, batches count: Int) -> PopulationStatistics {
    let bn = BatchNorm<Double>(features: 1, convention: convention)
    for batch in Self.batches.prefix(count) {
      _ = bn.forward(Matrix(rows: 4, cols: 1, batch), statistics: .batchAndTrack)
    }
    return bn.population
  }

  @Test("PyTorch convention: (1−0.1)·old + 0.1·batch, unbiased variance, from (0, 1)")
  func pytorchGolden() {
    let one = track(.pytorch, batches: 1)
    #expect(abs(one.mean[0] - 0.3) < 1e-12)
    #expect(abs(one.variance[0] - (0.9 + 0.1 * 14.0 / 3)) < 1e-12)  // 1.36667
    let two = track(.pytorch, batches: 2)
    #expect(abs(two.mean[0] - (0.9 * 0.3 + 0.1 * 2)) < 1e-12)  // 0.47
    #expect(abs(two.variance[0] - (0.9 * (0.9 + 0.1 * 14.0 / 3) + 0.1 * 16.0 / 3)) < 1e-12)
    #expect(BatchNormConvention.pytorch.epsilon == 1e-5)
  }

  @Test("Keras convention: 0.99·moving + 0.01·batch, biased variance, ε = 1e-3")
  func kerasGolden() {
    let two = track(.keras, batches: 2)
    #expect(abs(two.mean[0] - (0.99 * 0.03 + 0.02)) < 1e-12)  // 0.0497
    #expect(abs(two.variance[0] - (0.99 * (0.99 + 0.035) + 0.04)) < 1e-12)  // 1.05475
    #expect(BatchNormConvention.keras.epsilon == 1e-3)
  }

  @Test("paper convention (Alg. 2): E_B[μ_B] and m/(m−1)·E_B[σ²_B]")
  func paperGolden() {
    let one = track(.paper, batches: 1)
    #expect(abs(one.mean[0] - 3) < 1e-12)
    #expect(abs(one.variance[0] - 14.0 / 3) < 1e-12)
    let two = track(.paper, batches: 2)
    #expect(abs(two.mean[0] - 2.5) < 1e-12)
    #expect(abs(two.variance[0] - (4.0 / 3) * (3.5 + 4) / 2) < 1e-12)  // 5.0
    #expect(two.batches == 2)
  }

  @Test("the statistics policy: only .batchAndTrack learns the population; reset forgets it")
  func statisticsPolicy() {
    let bn = BatchNorm<Double>(features: 1, convention: .paper)
    let batch = Matrix<Double>(rows: 4, cols: 1, [1, 2, 3, 6])
    _ = bn.forward(batch, statistics: .batch)
    #expect(bn.population.batches == 0)
    _ = bn.forward(batch, statistics: .population)
    #expect(bn.population.batches == 0)
    _ = bn.forward(batch, statistics: .batchAndTrack)
    #expect(bn.population.batches == 1)
    bn.population.reset()
    #expect(bn.population.batches == 0 && bn.population.mean == [0])
  }
}
