import Companion
import Datasets
import Engine
import Foundation

// The measures the chapter's claims read, defined once: what they compute is on the page;
// how, here.

/// Spearman's rank correlation of γ with the ratio (ties do not occur in practice).
func rankCorrelation(_ a: [Double], _ b: [Double]) -> Double {
  func ranks(_ values: [Double]) -> [Double] {
    var result = [Double](repeating: 0, count: values.count)
    for (rank, index) in values.indices.sorted(by: { values[$0] < values[$1] }).enumerated() {
      result[index] = Double(rank)
    }
    return result
  }
  let (ra, rb) = (ranks(a), ranks(b))
  let n = Double(a.count)
  let mean = (n - 1) / 2
  let covariance = zip(ra, rb).map { ($0 - mean) * ($1 - mean) }.reduce(0, +)
  let variance = ra.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
  return covariance / variance
}

/// Bits per character at each position, per repetition.
struct PositionCurves {
  var lstm: [[Double]] = []
  var population: [[Double]] = []
  var batch: [[Double]] = []
}
struct LengthRow {
  var length: Int
  var lstm: Spread
  var population: Spread
  var batch: Spread
}
/// The distance of the test batch's statistics at each step from the population, for BN_h
/// and BN_c of repetition 1.
struct StatisticsDistance {
  var recurrent: [Double]
  var cell: [Double]
}

/// The mean over units of |μ_t − μ_pop| / σ_pop for every step of the last forward pass,
/// against the population of min(t, T_max).
func distanceFromPopulation(_ norm: RecurrentBatchNorm<Float>, steps: Int) -> [Double] {
  (0..<steps).map { t in
    let batchStatistics = norm.lastStatistics(step: t)
    let population = norm.population[min(t, norm.population.maxSteps - 1)]
    var total = 0.0
    for unit in 0..<norm.features {
      let sigma = population.variance[unit].squareRoot()
      guard sigma > 1e-6 else { continue }
      total += abs(Double(batchStatistics.mean[unit]) - population.mean[unit]) / sigma
    }
    return total / Double(norm.features)
  }
}

/// Mean over units and steps t ≥ `from` of |μ_{t+1} − μ_t| / σ and |σ²_{t+1} / σ²_t − 1|.
func drift(_ population: TimeStepStatistics, steps: Range<Int>) -> (mean: Double, variance: Double)
{
  var (meanMoves, varianceMoves) = ([Double](), [Double]())
  for unit in 0..<population.features {
    for t in steps where t + 1 < population.maxSteps {
      let (now, next) = (population[t], population[t + 1])
      // W_h h_0 is the same row for every sequence: no variance at the first step.
      guard now.variance[unit] > 1e-12 else { continue }
      meanMoves.append(abs(next.mean[unit] - now.mean[unit]) / now.variance[unit].squareRoot())
      varianceMoves.append(abs(next.variance[unit] / now.variance[unit] - 1))
    }
  }
  let average = { (values: [Double]) in values.reduce(0, +) / Double(max(values.count, 1)) }
  return (average(meanMoves), average(varianceMoves))
}

/// Mean over units of the net change from step `from` to the last step: |μ_last − μ_from| / σ_from
/// and |σ²_last / σ²_from − 1|. A per-step average cannot see a slow steady drift (1% a step
/// passes a 5%-a-step test, and adds up to 2.5 times over 90 steps); the net change can.
func netDrift(_ population: TimeStepStatistics, from: Int) -> (mean: Double, variance: Double) {
  let last = population.maxSteps - 1
  var (meanMoves, varianceMoves) = ([Double](), [Double]())
  for unit in 0..<population.features where from < last {
    let (start, end) = (population[from], population[last])
    guard start.variance[unit] > 1e-12 else { continue }
    meanMoves.append(abs(end.mean[unit] - start.mean[unit]) / start.variance[unit].squareRoot())
    varianceMoves.append(abs(end.variance[unit] / start.variance[unit] - 1))
  }
  let average = { (values: [Double]) in values.reduce(0, +) / Double(max(values.count, 1)) }
  return (average(meanMoves), average(varianceMoves))
}

/// The step (counted from 1, as the figure does) from which one unit's per-step statistic stays
/// within 10% of its plateau, the average over the steps from `settledFrom` on: the mean in
/// units of the plateau's standard deviation, the variance relative to the plateau's. (The
/// plateau's own per-step wiggle is a few percent, the claim's measure above.)
func plateauStep(_ population: TimeStepStatistics, unit: Int, variance: Bool) -> Int {
  let tolerance = 0.1
  let settled = population.steps[settledFrom...]
  let plateauVariance = settled.map { $0.variance[unit] }.reduce(0, +) / Double(settled.count)
  let values = population.steps.map { variance ? $0.variance[unit] : $0.mean[unit] }
  let plateau =
    variance ? plateauVariance : settled.map { $0.mean[unit] }.reduce(0, +) / Double(settled.count)
  let scale = variance ? plateauVariance : plateauVariance.squareRoot()
  let lastOutside = values.indices.last { abs(values[$0] - plateau) > tolerance * scale }
  return (lastOutside ?? -1) + 2
}

/// The trained BN-LSTM's per-step populations (repetition 1, at its best point) re-estimated
/// the way the authors' final numbers are: fresh averages, then the batch statistics of
/// `batches` training batches, at the frozen weights.
func reestimatedPopulations(batches: Int) -> [String: TimeStepStatistics] {
  let model = characterModelAtBest(textRuns.trials[.bnLSTM]![0])
  model.populations = model.populations.mapValues(model.freshAverage)
  var stream = SequenceStream(
    batchSize: charBatch, length: charLength, seed: chapter.seed(for: "statistics"))
  for _ in 0..<batches {
    let window = stream.next(from: trainingText)
    _ = model.forward(
      .tokens(window.timeMajorInputs), steps: charLength, batch: charBatch,
      statistics: .batchAndTrack)
  }
  return model.populations
}

/// The normalizations appendix A looks at: the recurrent term's (BN_h) and the cell's (BN_c).
var statisticNames: [String] {
  reestimated.keys.sorted().filter { $0.hasSuffix("bn_h") || $0.hasSuffix("bn_c") }
}
