import Engine
import Foundation
import Plot

// The chapter's four figures, from the numbers main.swift measured.

/// Figure 1.1: the deviation from scale invariance against the weights' scale, per ε.
@MainActor func scaleInvarianceFigure() -> Figure {
  Figure(
    name: "01-scale-invariance",
    title: "BN((aW)u) vs BN(Wu): scale invariance holds until ε/a² reaches σ²",
    panel: Panel(
      xLabel: "weight scale a", yLabel: "max |BN((aW)u) − BN(Wu)|", xLog: true, yLog: true,
      legend: .topRight,
      series: [
        .linePoints("ε = 0, measured", x: scales, y: deviations[0], role: .color(6)),
        .points(
          "ε = 1e-5 (paper, PyTorch), measured", x: scales, y: deviations[1], role: .batchNorm),
        .points("ε = 1e-3 (Keras), measured", x: scales, y: deviations[2], role: .color(2)),
        .line("predicted from the formula", x: scales, y: predictions[1], role: .reference),
        .line("", x: scales, y: predictions[2], role: .reference),
      ]))
}

/// Figure 1.2: the batch statistics' spread, the train/inference gap and Alg. 2's m/(m−1).
@MainActor func batchNoiseFigure(slopes: (mean: Double, variance: Double, gap: Double)) -> Figure {
  let (meanSlope, varianceSlope, gapSlope) = slopes
  let sizes = batchSizes.map(Double.init)
  // The guides run parallel to the data, half as high, so that both stay visible.
  let referenceLine = sizes.map { 0.5 * studies[0].meanSpread * (sizes[0] / $0).squareRoot() }
  var batchNoiseFigure =
    Figure(
      name: "01-batch-noise",
      title:
        "Mini-batch statistics are noisy estimates (\(dataName) pre-activations, \(units) units)",
      panels: [
        Panel(
          title: "spread of batch estimates", xLabel: "mini-batch size m",
          yLabel: "standard deviation over batches (relative)", xLog: true, yLog: true,
          legend: .bottomLeft,
          series: [
            .linePoints(
              "μ_B / σ (slope \(formatted(meanSlope, "%.2f")))", x: sizes,
              y: studies.map(\.meanSpread), role: .color(2)),
            .linePoints(
              "σ²_B / σ² (slope \(formatted(varianceSlope, "%.2f")))", x: sizes,
              y: studies.map(\.varianceSpread), role: .color(3)),
            .line("slope −1/2 (guide, ×½)", x: sizes, y: referenceLine, role: .reference),
          ]),
        Panel(
          title: "training vs inference normalisation", xLabel: "mini-batch size m",
          yLabel: "RMS of x̂(batch) − x̂(population)", xLog: true, yLog: true, legend: .bottomLeft,
          series: [
            .linePoints(
              "RMS gap (slope \(formatted(gapSlope, "%.2f")))", x: sizes,
              y: studies.map(\.trainInferenceGap), role: .batchNorm),
            .line(
              "slope −1/2 (guide, ×½)", x: sizes,
              y: sizes.map { 0.5 * studies[0].trainInferenceGap * (sizes[0] / $0).squareRoot() },
              role: .reference),
          ]),
        Panel(
          title: "why Alg. 2 multiplies by m/(m−1)", xLabel: "mini-batch size m",
          yLabel: "variance of inference output x̂", xLog: true, yRange: 0.95...1.4,
          legend: .topRight,
          series: [
            .linePoints(
              "m/(m−1)·E[σ²_B] (Alg. 2)", x: sizes,
              y: studies.map(\.unbiasedOutputVariance), role: .batchNorm),
            .linePoints(
              "E[σ²_B] (biased)", x: sizes, y: studies.map(\.biasedOutputVariance),
              role: .baseline),
            .line("m/(m−1)", x: sizes, y: sizes.map { $0 / ($0 - 1) }, role: .reference),
          ]),
      ], columns: 3)
  batchNoiseFigure.width = 1500
  batchNoiseFigure.height = 600
  return batchNoiseFigure
}

/// Figure 1.3: one stream of batches through the three conventions' population statistics.
@MainActor func conventionsFigure() -> Figure {
  let updates = (1...conventionBatches).map(Double.init)
  let conventionRoles: [Role] = [.batchNorm, .color(2), .color(4)]
  return Figure(
    name: "01-conventions",
    title:
      "One stream of batches, three conventions (unit \(conventionUnit), m = \(conventionBatchSize), \(dataName))",
    panels: [
      Panel(
        title: "stored mean", xLabel: "batches seen (updates)", yLabel: "running mean",
        xLog: true, yRange: 0...0.5, legend: .topLeft,
        series: zip(BatchNormConvention.all, conventionRoles).enumerated().map { k, pair in
          Series.line(pair.0.name, x: updates, y: runningMeans[k], role: pair.1)
        } + [
          .line(
            "population mean", x: updates, y: updates.map { _ in trueMean }, role: .reference)
        ]),
      Panel(
        title: "stored variance", xLabel: "batches seen (updates)",
        yLabel: "running variance (log scale)", xLog: true, yLog: true, yRange: 0.05...2,
        legend: .topRight,
        series: zip(BatchNormConvention.all, conventionRoles).enumerated().map { k, pair in
          Series.line(pair.0.name, x: updates, y: runningVariances[k], role: pair.1)
        } + [
          .line(
            "population variance", x: updates, y: updates.map { _ in trueVariance },
            role: .reference)
        ]),
    ], columns: 2)
}

/// Figure 1.4: one unit's pre-activations before and after BN, and a Q-Q plot against N(0, 1).
@MainActor func distributionFigure(before: [Double], after: [Double]) -> Figure {
  // Q-Q plot: the i-th smallest x̂ against the normal quantile of (i + ½)/n. A Gaussian input
  // would lie on the diagonal; a skewed one bends away from it at the ends.
  let sortedAfter = after.sorted()
  let normalQuantiles = sortedAfter.indices.map {
    normalQuantile((Double($0) + 0.5) / Double(sortedAfter.count))
  }
  let gaussianX = stride(from: -4.0, through: 4.0, by: 0.05).map { $0 }
  let gaussianY = gaussianX.map { exp(-$0 * $0 / 2) / (2 * Double.pi).squareRoot() }
  var distributionFigure =
    Figure(
      name: "01-distribution",
      title: "One unit's pre-activations over a batch of \(histogramBatchSize) \(dataName) images",
      panels: [
        Panel(
          title: "before BN: z = w·u, w ≥ 0", xLabel: "pre-activation z", yLabel: "density",
          legend: .topRight,
          series: [.histogram("ink unit, before BN", samples: before, bins: 50, role: .baseline)]),
        Panel(
          title: "after BN: x̂ = (z − μ_B)/√(σ²_B + ε)", xLabel: "normalised pre-activation x̂",
          yLabel: "density", yRange: 0...0.55, legend: .topRight,
          series: [
            .histogram("ink unit, after BN", samples: after, bins: 50, role: .batchNorm),
            .line("N(0, 1)", x: gaussianX, y: gaussianY, role: .reference),
          ]),
        Panel(
          title: "after BN against a Gaussian (Q-Q plot)", xLabel: "standard normal quantile",
          yLabel: "quantile of x̂", xRange: -4...4, yRange: -4...4, legend: .topLeft,
          series: [
            .points("ink unit, after BN", x: normalQuantiles, y: sortedAfter, role: .batchNorm),
            .line("a Gaussian x̂ (the diagonal)", x: [-4, 4], y: [-4, 4], role: .reference),
          ]),
      ], columns: 3)
  distributionFigure.width = 1500
  chapter.log.scalar("ink unit smallest x̂", sortedAfter.first!)
  chapter.log.scalar("ink unit largest x̂", sortedAfter.last!)
  chapter.log.scalar("normal quantile of the batch's lowest rank", normalQuantiles.first!)
  return distributionFigure
}
