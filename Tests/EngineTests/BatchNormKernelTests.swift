import RealModule
import Testing

@testable import Engine

/// The three kernels that every normalization composes from, tested against plain loops
/// written out here and against finite differences.
@Suite("Batch-norm kernels: moments, normalize, backward")
struct BatchNormKernelTests {
  /// Mean and biased variance of each column over the rows `keep` selects, the obvious way.
  func referenceMoments(_ x: Matrix<Double>, keep: (Int) -> Bool) -> (
    mean: [Double], variance: [Double]
  ) {
    let rows = (0..<x.rows).filter(keep)
    let m = Double(rows.count)
    let mean = (0..<x.cols).map { j in rows.map { x[$0, j] }.reduce(0, +) / m }
    let variance = (0..<x.cols).map { j in
      rows.map { (x[$0, j] - mean[j]) * (x[$0, j] - mean[j]) }.reduce(0, +) / m
    }
    return (mean, variance)
  }

  func moments(
    _ x: Matrix<Double>, mask: [Double]? = nil,
    accumulation: Normalization.Accumulation = .automatic
  ) -> (mean: [Double], variance: [Double], counted: Int) {
    var mean = Matrix<Double>(rows: 1, cols: x.cols)
    var variance = Matrix<Double>(rows: 1, cols: x.cols)
    let counted = x.withView { x in
      mean.withMutableView { mean in
        variance.withMutableView { variance in
          let call = { (mask: UnsafeBufferPointer<Double>?) in
            Normalization.moments(
              of: x, mask: mask, accumulation: accumulation, mean: mean, variance: variance,
              workspace: .init())
          }
          return mask.map { $0.withUnsafeBufferPointer(call) } ?? call(nil)
        }
      }
    }
    return (mean.storage, variance.storage, counted)
  }

  @Test("moments are the mean and biased variance of each column")
  func plainMoments() {
    let x: Matrix<Double> = randomMatrix(9, 4, seed: 1, scale: 3, offset: 2)
    let (mean, variance, counted) = moments(x)
    let reference = referenceMoments(x) { _ in true }
    #expect(counted == 9)
    for j in 0..<4 {
      #expect(abs(mean[j] - reference.mean[j]) < 1e-12)
      #expect(abs(variance[j] - reference.variance[j]) < 1e-12)
    }
  }

  @Test("with a mask, masked rows count in neither statistic (sequence-wise BN over padding)")
  func maskedMoments() {
    var x: Matrix<Double> = randomMatrix(12, 3, seed: 2)
    let mask: [Double] = [1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1, 1]
    // Padding holds garbage; it must not matter.
    for i in 0..<12 where mask[i] == 0 { for j in 0..<3 { x[i, j] = 1e6 } }
    let (mean, variance, counted) = moments(x, mask: mask)
    let reference = referenceMoments(x) { mask[$0] != 0 }
    #expect(counted == 8)
    for j in 0..<3 {
      #expect(abs(mean[j] - reference.mean[j]) < 1e-12)
      #expect(abs(variance[j] - reference.variance[j]) < 1e-12)
    }
  }

  @Test("Double accumulation keeps a long Float column's mean; Float sums drift")
  func doubleAccumulation() {
    // 100,000 rows of 1000.1: a Float running sum loses the .1s long before the end.
    let rows = 100_000
    let x = Matrix<Float>(rows: rows, cols: 1, repeating: 1000.1)
    func mean(_ accumulation: Normalization.Accumulation) -> Float {
      var mean = Matrix<Float>(rows: 1, cols: 1)
      var variance = Matrix<Float>(rows: 1, cols: 1)
      x.withView { x in
        mean.withMutableView { m in
          variance.withMutableView { v in
            _ = Normalization.moments(
              of: x, accumulation: accumulation, mean: m, variance: v, workspace: .init())
          }
        }
      }
      return mean[0, 0]
    }
    let exact = Float(1000.1)
    #expect(mean(.double) == exact)
    #expect(
      mean(.automatic) == exact, "beyond \(Normalization.Accumulation.doubleThreshold) rows")
    #expect(abs(mean(.scalar) - exact) > 0.01, "the Float sum should have drifted")
  }

  @Test("no β: y = γ·x̂ (the BN-LSTM's recurrent and input terms)")
  func normalizeWithoutBeta() {
    let x: Matrix<Double> = randomMatrix(6, 2, seed: 3)
    let gamma = Matrix<Double>(row: [0.1, -2])
    let (withZeroBeta, _) = BatchNormalization.forward(
      training: x, gamma: gamma, beta: Matrix(rows: 1, cols: 2), epsilon: 1e-5)
    let layer = BatchNorm<Double>(features: 2, initialGamma: 1, hasBeta: false)
    layer.gamma.value = gamma
    #expect(layer.parameters.count == 1)
    let y = layer.forward(x, statistics: .batch)
    #expect((y - withZeroBeta).maxAbs < 1e-14)
  }

  @Test("backward adds its ∂ℓ/∂γ, ∂ℓ/∂β into the accumulators (γ shared over time steps)")
  func backwardAccumulates() {
    let x: Matrix<Double> = randomMatrix(8, 3, seed: 4)
    let dy: Matrix<Double> = randomMatrix(8, 3, seed: 5)
    let gamma = Matrix<Double>(row: [1, 2, 3])
    let (_, cache) = BatchNormalization.forward(
      training: x, gamma: gamma, beta: Matrix(rows: 1, cols: 3), epsilon: 1e-5)
    let once = BatchNormalization.backwardFused(dy, cache: cache, gamma: gamma)
    var dGamma = Matrix<Double>(row: [10, 20, 30])
    var dBeta = Matrix<Double>(row: [-1, -2, -3])
    var dx = Matrix<Double>(rows: 8, cols: 3)
    let workspace = Normalization.Workspace<Double>()
    for _ in 0..<2 {
      dy.withView { dy in
        cache.normalized.withView { xh in
          Matrix(row: cache.inverseStd).withView { s in
            gamma.withView { g in
              dx.withMutableView { dx in
                dGamma.withMutableView { dg in
                  dBeta.withMutableView { db in
                    Normalization.backward(
                      dy, normalized: xh, inverseStd: s, gamma: g, inputGradient: dx,
                      gammaGradient: dg, betaGradient: db, workspace: workspace)
                  }
                }
              }
            }
          }
        }
      }
    }
    #expect((dGamma - (Matrix(row: [10, 20, 30]) + 2 * once.gamma)).maxAbs < 1e-12)
    #expect((dBeta - (Matrix(row: [-1, -2, -3]) + 2 * once.beta)).maxAbs < 1e-12)
    #expect((dx - once.input).maxAbs < 1e-14)
  }

  @Test("masked backward: zero on padding, and the same as the unpadded batch elsewhere")
  func maskedBackward() {
    let mask: [Double] = [1, 0, 1, 1, 0, 1]
    let kept = [0, 2, 3, 5]
    let x: Matrix<Double> = randomMatrix(6, 2, seed: 6)
    let dy: Matrix<Double> = randomMatrix(6, 2, seed: 7)
    let gamma = Matrix<Double>(row: [0.7, 1.3])
    func pick(_ m: Matrix<Double>) -> Matrix<Double> {
      Matrix(rows: kept.count, cols: m.cols, kept.flatMap { i in (0..<m.cols).map { m[i, $0] } })
    }
    // Reference: the batch without its padded rows.
    let (_, cache) = BatchNormalization.forward(
      training: pick(x), gamma: gamma, beta: Matrix(rows: 1, cols: 2), epsilon: 1e-5)
    let reference = BatchNormalization.backwardFused(pick(dy), cache: cache, gamma: gamma)
    // Masked kernels on the padded batch.
    let layerMean = Buffer<Double>(rows: 1, cols: 2)
    let layerVariance = Buffer<Double>(rows: 1, cols: 2)
    let s = Buffer<Double>(rows: 1, cols: 2)
    let xh = Buffer<Double>(rows: 6, cols: 2)
    let y = Buffer<Double>(rows: 6, cols: 2)
    let dx = Buffer<Double>(rows: 6, cols: 2)
    let dGamma = Buffer<Double>(rows: 1, cols: 2)
    let workspace = Normalization.Workspace<Double>()
    mask.withUnsafeBufferPointer { mask in
      x.withView { x in
        gamma.withView { g in
          Normalization.moments(
            of: x, mask: mask, mean: layerMean.view, variance: layerVariance.view,
            workspace: workspace)
          Normalization.inverseStandardDeviation(
            of: layerVariance.view, epsilon: 1e-5, into: s.view)
          Normalization.normalize(
            x, mean: layerMean.view, inverseStd: s.view, gamma: g, beta: nil,
            normalized: xh.view, output: y.view)
          dy.withView { dy in
            Normalization.backward(
              dy, normalized: xh.view, inverseStd: s.view, gamma: g, mask: mask,
              inputGradient: dx.view, gammaGradient: dGamma.view, betaGradient: nil,
              workspace: workspace)
          }
        }
      }
    }
    let result = dx.matrix
    for (row, i) in kept.enumerated() {
      for j in 0..<2 { #expect(abs(result[i, j] - reference.input[row, j]) < 1e-12) }
    }
    for i in 0..<6 where mask[i] == 0 { #expect(result[i, 0] == 0 && result[i, 1] == 0) }
    #expect((dGamma.matrix - reference.gamma).maxAbs < 1e-12)
  }

  @Test("inference follows the population: changing or resetting it changes the output")
  func populationCacheRefreshes() {
    let bn = BatchNorm<Double>(features: 1, convention: .paper)
    let x = Matrix<Double>(rows: 2, cols: 1, [0, 4])
    bn.population.update(batchMean: [1], batchVariance: [3], batchSize: 4)  // var 4
    let first = bn.forward(x, statistics: .population)
    #expect(abs(first[0, 0] - (0 - 1) / (4 + 1e-5).squareRoot()) < 1e-12)
    bn.population.reset()  // mean 0, variance 1
    let second = bn.forward(x, statistics: .population)
    #expect(abs(second[1, 0] - 4 / (1 + 1e-5).squareRoot()) < 1e-12)
    _ = bn.forward(Matrix(rows: 2, cols: 1, [10, 20]), statistics: .batchAndTrack)
    let third = bn.forward(x, statistics: .population)
    // Alg. 2: mean 15, unbiased variance 2/1 · 25 = 50.
    #expect(abs(third[0, 0] - (0 - 15) / (50 + 1e-5).squareRoot()) < 1e-12)
  }
}

@Suite("Per-time-step statistics (recurrent BN)")
struct TimeStepStatisticsTests {
  @Test("each step keeps its own population; steps beyond T_max reuse the last")
  func perStep() {
    var stats = TimeStepStatistics(features: 1, maxSteps: 3, convention: .paper)
    // A transient: step 0 sees mean 5, later steps mean 1 (as in an RNN's first steps).
    stats.update(step: 0, batchMean: [5], batchVariance: [2], batchSize: 2)
    stats.update(step: 1, batchMean: [1], batchVariance: [1], batchSize: 2)
    stats.update(step: 2, batchMean: [1.5], batchVariance: [1], batchSize: 2)
    #expect(stats[0].mean == [5] && stats[0].variance == [4])  // unbiased: 2/1 · 2
    #expect(stats[1].mean == [1])
    #expect(stats[2].mean == [1.5])
    #expect(stats[250] == stats[2])
    stats.reset()
    #expect(stats[0].batches == 0)
  }

  @Test("training past T_max folds into the last step instead of trapping")
  func pastMaxSteps() {
    var stats = TimeStepStatistics(features: 1, maxSteps: 2, convention: .paper)
    stats.update(step: 1, batchMean: [1], batchVariance: [1], batchSize: 2)
    stats.update(step: 7, batchMean: [3], batchVariance: [1], batchSize: 2)
    #expect(stats[1].batches == 2 && stats[1].mean == [2])
    #expect(stats[0].batches == 0)
    #expect(stats[7] == stats[1])
  }
}
