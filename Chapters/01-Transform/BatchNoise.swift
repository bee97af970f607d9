import Engine
import Foundation
import Randomness

// §3's study of the batch statistics' noise at one batch size.

struct BatchSizeStudy {
  var meanSpread: Double  // std of μ_B over batches, in units of σ, averaged over units
  var varianceSpread: Double  // std of σ²_B over batches, in units of σ², averaged over units
  var trainInferenceGap: Double  // RMS of x̂(batch stats) − x̂(population stats, Alg. 2)
  var unbiasedOutputVariance: Double  // population variance of inference x̂ with m/(m−1)
  var biasedOutputVariance: Double  // the same without Bessel's correction
}

/// Draws `repetitions` batches of size `m`, estimates population statistics per Alg. 2 from
/// them, then measures on fresh batches how far training-mode and inference-mode outputs are.
func studyBatchSize(
  _ m: Int, repetitions: Int, population: Matrix<Float>,
  truth: (mean: [Double], variance: [Double]), epsilon: Double,
  generator: inout RandomGenerator
) -> BatchSizeStudy {
  let n = population.cols
  var sumMean = [Double](repeating: 0, count: n)
  var sumMeanSquare = [Double](repeating: 0, count: n)
  var sumVariance = [Double](repeating: 0, count: n)
  var sumVarianceSquare = [Double](repeating: 0, count: n)
  for _ in 0..<repetitions {
    let batch = gather(population, rows: sampleIndices(m, from: population.rows, using: &generator))
    let (mu, sigma2) = columnMoments(batch)
    for j in 0..<n {
      sumMean[j] += mu[j]
      sumMeanSquare[j] += mu[j] * mu[j]
      sumVariance[j] += sigma2[j]
      sumVarianceSquare[j] += sigma2[j] * sigma2[j]
    }
  }
  let r = Double(repetitions)
  var meanSpread = 0.0
  var varianceSpread = 0.0
  var inferenceMean = [Double](repeating: 0, count: n)
  var unbiasedVariance = [Double](repeating: 0, count: n)
  var biasedVariance = [Double](repeating: 0, count: n)
  for j in 0..<n {
    let meanOfMeans = sumMean[j] / r
    let meanOfVariances = sumVariance[j] / r
    meanSpread +=
      (sumMeanSquare[j] / r - meanOfMeans * meanOfMeans).squareRoot()
      / truth.variance[j].squareRoot()
    varianceSpread +=
      (sumVarianceSquare[j] / r - meanOfVariances * meanOfVariances).squareRoot()
      / truth.variance[j]
    // Alg. 2: E[x] ← E_B[μ_B],  Var[x] ← m/(m−1)·E_B[σ²_B]
    inferenceMean[j] = meanOfMeans
    unbiasedVariance[j] = Double(m) / Double(m - 1) * meanOfVariances
    biasedVariance[j] = meanOfVariances
  }
  // Variance of the inference output over the whole population, per unit, averaged:
  // (σ² + (μ − E[x])²) / (Var[x] + ε).
  var unbiasedOutput = 0.0
  var biasedOutput = 0.0
  for j in 0..<n {
    let offset = truth.mean[j] - inferenceMean[j]
    let spread = truth.variance[j] + offset * offset
    unbiasedOutput += spread / (unbiasedVariance[j] + epsilon)
    biasedOutput += spread / (biasedVariance[j] + epsilon)
  }
  // The train/inference gap on fresh batches.
  let gapBatches = max(repetitions / 10, 50)
  var squaredGap = 0.0
  for _ in 0..<gapBatches {
    let batch = gather(population, rows: sampleIndices(m, from: population.rows, using: &generator))
    let (mu, sigma2) = columnMoments(batch)
    for i in 0..<m {
      for j in 0..<n {
        let x = Double(batch[i, j])
        let trainingOutput = (x - mu[j]) / (sigma2[j] + epsilon).squareRoot()
        let inferenceOutput = (x - inferenceMean[j]) / (unbiasedVariance[j] + epsilon).squareRoot()
        squaredGap += (trainingOutput - inferenceOutput) * (trainingOutput - inferenceOutput)
      }
    }
  }
  return BatchSizeStudy(
    meanSpread: meanSpread / Double(n), varianceSpread: varianceSpread / Double(n),
    trainInferenceGap: (squaredGap / Double(gapBatches * m * n)).squareRoot(),
    unbiasedOutputVariance: unbiasedOutput / Double(n),
    biasedOutputVariance: biasedOutput / Double(n))
}
