import Foundation
import Plot

// The chapter's two figures, from the numbers main.swift measured.

/// Figure 2.1: ‖∂ℓ/∂(aW)‖ against the weights' scale a, with and without BN.
func gradientScaleFigure(
  scales gradientScales: [Double], withBN normsBN: [Double], withBNEpsilon normsBNEpsilon: [Double],
  without normsBaseline: [Double], slopes: (withBN: Double, without: Double)
) -> Figure {
  let (slopeBN, slopeBaseline) = slopes
  return Figure(
    name: "02-gradient-scale",
    title: "Gradient w.r.t. the weights when the weights are scaled by a",
    panel: Panel(
      xLabel: "weight scale a", yLabel: "‖∂ℓ/∂(aW)‖ (Frobenius norm)", xLog: true, yLog: true,
      legend: .topRight,
      series: [
        .linePoints(
          "without BN (slope \(formatted(slopeBaseline, "%+.2f")) for a ≥ 1)", x: gradientScales,
          y: normsBaseline, role: .baseline),
        .linePoints(
          "with BN, ε = 0 (slope \(formatted(slopeBN, "%+.2f")))", x: gradientScales, y: normsBN,
          role: .batchNorm),
        .line(
          "with BN, ε = 1e-5", x: gradientScales, y: normsBNEpsilon, role: .color(2)),
        .line(
          "slope −1 (guide, ×½)", x: gradientScales,
          y: gradientScales.map { 0.5 * normsBN[12] / $0 },
          role: .reference),
      ]))
}

/// Figure 2.2: the backward pass's time per call, staged and fused, and the speed-up.
func backwardCostFigure(_ timings: BackwardTimings, sizes timingSizes: [Int], speedUps: [Double])
  -> Figure
{
  let timingX = timingSizes.map(Double.init)
  let (stagedTimes, fusedTimes) = (timings.staged, timings.fused)
  return Figure(
    name: "02-backward-cost",
    title:
      "Backward pass time, staged (paper's six equations) vs fused (two reductions), \(buildKind) build",
    panels: [
      Panel(
        title: "time per call (\(timings.features) features, Float, 1 core)",
        xLabel: "batch size m",
        yLabel: "median time (µs)", xLog: true, yLog: true, legend: .topLeft,
        series: [
          .linePoints("staged", x: timingX, y: stagedTimes.map { $0 * 1e6 }, role: .color(4)),
          .linePoints("fused", x: timingX, y: fusedTimes.map { $0 * 1e6 }, role: .color(2)),
        ]),
      Panel(
        title: "speed-up of the fused form", xLabel: "batch size m",
        yLabel: "staged time / fused time", xLog: true,
        yRange: 0...(speedUps.max()! + 1), legend: .bottomRight,
        series: [
          .linePoints("speed-up", x: timingX, y: speedUps, role: .color(2)),
          .line("no speed-up", x: timingX, y: timingX.map { _ in 1 }, role: .reference),
        ]),
    ], columns: 2)
}
