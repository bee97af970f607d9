import Companion
import Foundation

// How the chapter reads its curves, as the page defines it under "Reading a noisy curve": a
// trailing moving average, steps to a target on it, final values over the last evaluations;
// and the measures of the later sections (effective rates, gradient decay, spreads).

/// The mean of `values` (NaN when empty).
func mean<C: Collection>(_ values: C) -> Double where C.Element == Double {
  values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
}

/// The `q`-quantile (0...1) of `values`, interpolating linearly between neighbours.
func quantile(of values: [Double], _ q: Double) -> Double {
  guard !values.isEmpty else { return .nan }
  let sorted = values.sorted()
  let position = q * Double(sorted.count - 1)
  let below = Int(position.rounded(.down))
  let above = min(below + 1, sorted.count - 1)
  let fraction = position - Double(below)
  return sorted[below] * (1 - fraction) + sorted[above] * fraction
}

/// A trailing moving average over `window` points (the point and the `window − 1` before
/// it); at the start, over the points that exist. It never looks ahead.
func movingAverage(_ values: [Double], window: Int) -> [Double] {
  values.indices.map { i in mean(values[max(i - window + 1, 0)...i]) }
}

/// Each sweep rate's score (the mean of its last evaluations) and its last single evaluation;
/// a run that diverged scores NaN.
func sweepScores(_ rates: [Double], _ runs: [FeedForwardRunResult]) -> [(
  rate: Double, accuracy: Double, last: Double
)] {
  zip(rates, runs).map { rate, run in
    let diverged = run.divergedAt != nil
    return (
      rate: rate, accuracy: diverged ? .nan : run.finalAccuracy,
      last: diverged ? .nan : run.lastAccuracy
    )
  }
}

/// The mean of the last `smoothingWindow` values of a curve.
@MainActor func finalValue(_ values: [Double]) -> Double { mean(values.suffix(smoothingWindow)) }

/// The first evaluation step at which `run`'s smoothed curve reaches `target` percent.
func stepsToReach(_ target: Double, _ run: FeedForwardRunResult) -> Int? {
  zip(run.steps, run.smoothed).first { $0.1 >= target }?.0
}

/// A step count as a multiple of `reference`: the ratio if the target was reached, otherwise
/// the run's length over `reference` — a lower bound, flagged.
func multiple(_ reached: Int?, of reference: Int, runLength: Int) -> (value: Double, reached: Bool)
{
  let denominator = Double(max(reference, 1))
  if let reached { return (Double(reached) / denominator, true) }
  return (Double(runLength) / denominator, false)
}

/// Mean over repetitions of the steps to `target`, and how many reached it.
func stepsToTarget(_ runs: [FeedForwardRunResult], _ target: Double) -> (mean: Double, reached: Int)
{
  let reached = runs.compactMap { stepsToReach(target, $0) }
  return (
    reached.isEmpty ? .nan : Double(reached.reduce(0, +)) / Double(reached.count),
    reached.count
  )
}

/// |v_k − v_{k−1}| between neighbouring points of a curve, for the points after step `after`.
func jumps(steps: [Int], values: [Double], after: Int) -> [Double] {
  zip(steps.dropFirst(), zip(values.dropFirst(), values)).filter { $0.0 > after }.map {
    abs($0.1.0 - $0.1.1)
  }
}

/// The final training accuracy (on the fixed training sample) minus the final test accuracy.
@MainActor func generalisationGap(_ run: FeedForwardRunResult) -> Double {
  finalValue(run.trainingAccuracy) - run.finalAccuracy
}

/// η_t / ‖W‖², averaged over the hidden layers, at every point of `run`.
@MainActor func effectiveRates(_ run: FeedForwardRunResult, _ variant: Variant) -> [Double] {
  zip(run.steps, run.weightNorms).map { step, norms in
    let rate =
      variant.multiplier * baseRate
      * (variant.decays ? pow(0.96, Double(max(step - 1, 0)) / decayEvery) : 1)
    return mean(norms.map { rate / ($0 * $0) })
  }
}

/// How much smaller layer 1's gradient is than layer 10's, in the first step.
func gradientDecay(_ run: FeedForwardRunResult) -> Double {
  guard let first = run.firstStepGradientNorms.first, let last = run.firstStepGradientNorms.last
  else { return .nan }
  return last / first
}

/// The largest minus the smallest value (a run that diverged counts as chance).
func range(_ values: [Double]) -> Double {
  let finite = values.map { $0.isFinite ? $0 : 10 }
  return (finite.max() ?? .nan) - (finite.min() ?? .nan)
}
