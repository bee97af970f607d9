import Foundation

@testable import Plot

/// A figure that uses every feature at once, shaped like the book's real ones:
/// training curves with percentile bands, accuracy with error bars, activation
/// histograms before and after normalisation, a log–log panel with a reference slope.
/// Set PLOT_SAMPLE_DIR to keep its files for looking at.
func sampleFigure() -> Figure {
  let steps = (0...200).map { Double($0 * 50) }
  func loss(_ step: Double, rate: Double, floor: Double) -> Double {
    floor + 2.3 * exp(-step * rate)
  }
  let baseline = steps.map { loss($0, rate: 0.0004, floor: 0.12) }
  let normalised = steps.map { loss($0, rate: 0.0015, floor: 0.05) }
  let training = Panel(
    title: "Training loss (median and 10–90th percentile of 5 seeds)",
    xLabel: "training step", yLabel: "cross-entropy ℓ (nats)", yLog: true,
    series: [
      .band(
        "", x: steps, low: baseline.map { $0 * 0.85 }, high: baseline.map { $0 * 1.2 },
        role: .baseline),
      .band(
        "", x: steps, low: normalised.map { $0 * 0.9 }, high: normalised.map { $0 * 1.1 },
        role: .batchNorm),
      .line("baseline (no BN)", x: steps, y: baseline, role: .baseline),
      .line("BN, γ=1, β=0", x: steps, y: normalised, role: .batchNorm),
    ])
  let epochs = (1...10).map(Double.init)
  let accuracy = Panel(
    title: "Test accuracy", xLabel: "epoch", yLabel: "accuracy (%)", yRange: 60...100,
    legend: .bottomRight,
    series: [
      .errorBars(
        "baseline (no BN)", x: epochs, y: epochs.map { 95 - 25 * exp(-$0 / 3) },
        error: epochs.map { 2.5 / sqrt($0) }, role: .baseline),
      .linePoints("BN", x: epochs, y: epochs.map { 97.5 - 15 * exp(-$0 / 1.2) }, role: .batchNorm),
    ])
  let before = (0..<4000).map { 3 + 2 * sin(Double($0) * 0.731) * cos(Double($0) * 0.177) }
  let mean = before.reduce(0, +) / Double(before.count)
  let sd = sqrt(before.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(before.count))
  let histograms = Panel(
    title: "Pre-activations x of one unit", xLabel: "x, x̂ = (x − μ_B)/σ_B", yLabel: "density",
    xRange: -4...6,
    series: [
      .histogram("before BN: x", samples: before, bins: 40, role: .baseline),
      .histogram(
        "after BN: x̂", samples: before.map { ($0 - mean) / sd }, bins: 40, role: .batchNorm),
    ])
  let batch = [2.0, 4, 8, 16, 32, 64, 128, 256]
  let gradient = Panel(
    title: "Gradient noise ‖∂ℓ/∂W‖ vs batch size m", xLabel: "batch size m", yLabel: "std of ∂ℓ/∂W",
    xLog: true, yLog: true, legend: .bottomLeft,
    series: [
      .points("measured", x: batch, y: batch.map { 0.9 / sqrt($0) * (1 + 0.1 * sin($0)) }),
      .line("slope −1/2", x: batch, y: batch.map { 1 / sqrt($0) }, role: .reference),
    ])
  return Figure(
    name: "99-sample", title: "Sample: every series style in one figure",
    panels: [training, accuracy, histograms, gradient], columns: 2)
}
