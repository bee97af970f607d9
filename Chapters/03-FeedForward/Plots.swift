import Companion
import Engine
import Foundation
import Plot

// Chapter 3's figures: every panel, series and axis range, drawn from the runs of main.swift
// and saved (.dat, .gp, PNG, SVG). The page reads a few numbers off Figure 1(b, c) — the
// typical sigmoid's median and spread — which are logged here, where the unit is chosen.

/// Draws and saves the chapter's six figures.
@MainActor func drawFigures() {
  let dataLabel = dataName == "MNIST" ? "MNIST" : "Fashion-MNIST"

  /// A run's accuracy curve as a plot series, up to where it stopped (diverged runs stop early):
  /// smoothed as the claims read it, or the single evaluations.
  func accuracySeries(
    _ run: FeedForwardRunResult, label: String? = nil, role: Role, smoothed: Bool = true
  )
    -> Series
  {
    .line(
      label ?? run.name, x: run.steps.map(Double.init),
      y: smoothed ? run.smoothed : run.accuracy, role: role)
  }

  /// A run's single evaluations as small points under its smoothed line.
  func singleEvaluations(_ run: FeedForwardRunResult, label: String, role: Role) -> Series {
    .points(label, x: run.steps.map(Double.init), y: run.accuracy, role: role)
  }

  /// The repetitions' smoothed curves of one network: the first labelled, the others not.
  func repetitionSeries(_ runs: [FeedForwardRunResult], label: String, role: Role) -> [Series] {
    runs.enumerated().map { k, run in
      accuracySeries(run, label: k == 0 ? label : "", role: role)
    }
  }

  /// A y range that shows where curves differ: from the lowest accuracy any reaches after the
  /// first 2% of training (rounded down to 5%) to the highest (rounded up).
  func zoomedAccuracyRange(_ runs: [FeedForwardRunResult]) -> ClosedRange<Double> {
    let late = runs.flatMap { run in
      zip(run.steps, run.accuracy).filter { $0.0 >= steps / 50 && $0.1.isFinite }.map(\.1)
    }
    let low = ((late.min() ?? 0) / 5).rounded(.down) * 5
    let high = min(((late.max() ?? 100) / 5).rounded(.up) * 5, 100)
    return low...max(high, low + 5)
  }

  let repetitionsNote = "\(replicates) repetitions, one line each"
  /// Figure 1(a)'s test accuracy: repetition 1's single evaluations as points, every
  /// repetition's smoothed line (the panel titles say so).
  func accuracyPanel(
    title: String, xLog: Bool, yRange: ClosedRange<Double>, legend: LegendPosition
  ) -> Panel {
    Panel(
      title: title,
      xLabel: "training steps (mini-batches of 60\(xLog ? ", log scale" : ""))",
      yLabel: "test accuracy (%)", xLog: xLog, yRange: yRange, legend: legend,
      series: [
        singleEvaluations(baseline, label: "without BN, single evaluations", role: .baseline),
        singleEvaluations(bnRuns[0], label: "with BN, single evaluations", role: .batchNorm),
      ]
        + repetitionSeries(baselineRuns, label: "without BN, trailing average", role: .baseline)
        + repetitionSeries(bnRuns, label: "with BN, trailing average", role: .batchNorm))
  }
  /// Training accuracy (10,000 training images) beside test accuracy, repetition 1.
  let trainingPanel = Panel(
    title: "(c) training vs test accuracy, repetition 1 (trailing averages)",
    xLabel: "training steps (mini-batches of 60)", yLabel: "accuracy (%)",
    yRange: zoomedAccuracyRange(baselineRuns + bnRuns).lowerBound...100, legend: .bottomRight,
    series: [
      .line(
        "without BN, training images", x: baseline.steps.map(Double.init),
        y: movingAverage(baseline.trainingAccuracy, window: smoothingWindow), role: .color(4)),
      .line(
        "with BN, training images", x: bnRuns[0].steps.map(Double.init),
        y: movingAverage(bnRuns[0].trainingAccuracy, window: smoothingWindow), role: .color(3)),
      accuracySeries(baseline, label: "without BN, test images", role: .baseline),
      accuracySeries(bnRuns[0], label: "with BN, test images", role: .batchNorm),
    ])
  /// Mean training loss between points, every repetition, log scale.
  func lossSeries(_ runs: [FeedForwardRunResult], label: String, role: Role) -> [Series] {
    runs.enumerated().map { k, run in
      let points = zip(run.trainingLoss.steps, run.trainingLoss.values).filter {
        $0.1.isFinite && $0.0 > 0
      }
      return .line(
        k == 0 ? label : "", x: points.map { Double($0.0) }, y: points.map(\.1), role: role)
    }
  }
  let lossPanel = Panel(
    title: "(d) training loss (mean over the mini-batches between points)",
    xLabel: "training steps (mini-batches of 60, log scale)",
    yLabel: "cross-entropy (nats, log scale)", xLog: true, yLog: true, legend: .bottomLeft,
    series: lossSeries(baselineRuns, label: "without BN (\(repetitionsNote))", role: .baseline)
      + lossSeries(bnRuns, label: "with BN (\(repetitionsNote))", role: .batchNorm))
  var figureAccuracy = Figure(
    name: "03-accuracy",
    title:
      "Figure 1(a): the 3x100 sigmoid net with and without BN (\(dataLabel), η = \(baseRate), \(replicates) repetitions)",
    panels: [
      accuracyPanel(
        title:
          "(a) test accuracy, all of training (dots: repetition 1; lines: \(repetitionsNote))",
        xLog: true, yRange: 0...100,
        legend: .bottomRight),
      accuracyPanel(
        title: "(b) test accuracy, zoomed: the late differences", xLog: false,
        yRange: zoomedAccuracyRange(baselineRuns + bnRuns), legend: .none),
      trainingPanel, lossPanel,
    ], columns: 2)
  figureAccuracy.width = 1400
  figureAccuracy.height = 1100

  /// The unit whose path length is the median of its run's units (the "typical" sigmoid).
  func medianUnit(_ probe: [[Percentiles]]) -> Int {
    let paths = unitDrifts(probe).map(\.path)
    guard !paths.isEmpty else { return 0 }
    let order = paths.indices.sorted { paths[$0] < paths[$1] }
    return order[order.count / 2]
  }
  /// Figure 1(b) or (c): the 15/50/85th percentiles of one unit over training.
  func percentilePanel(
    _ probe: [[Percentiles]], steps runSteps: [Int], unit: Int, title: String, yLabel: String,
    role: Role, range: ClosedRange<Double>?
  ) -> Panel {
    let values = probe.map { $0[unit] }
    let x = runSteps.prefix(values.count).map(Double.init)
    return Panel(
      title: title, xLabel: "training steps", yLabel: yLabel, yRange: range, legend: .topRight,
      series: [
        .band(
          "15th–85th percentile", x: x, low: values.map(\.p15), high: values.map(\.p85), role: role),
        .line("median", x: x, y: values.map(\.p50), role: role),
      ])
  }
  let baselineUnit = medianUnit(baseline.probe)
  let bnUnit = medianUnit(bnRuns[0].probe)
  // What the page reads off Figure 1(b, c, d): the typical units of repetition 1 over training.
  if !baseline.probe.isEmpty {
    let medians = baseline.probe.map { $0[baselineUnit].p50 }
    chapter.log.scalar("typical sigmoid, baseline: median input at step 0", medians[0])
    // At the first measurement after the start (step 125 in the book).
    if medians.count > 1 {
      chapter.log.scalar(
        "typical sigmoid, baseline: median input at step \(baseline.steps[1])", medians[1])
    }
    if let i = baseline.steps.firstIndex(of: 500), i < medians.count {
      chapter.log.scalar("typical sigmoid, baseline: median input at step 500", medians[i])
    }
    chapter.log.scalar("typical sigmoid, baseline: median input at the end", medians.last!)
    // The median's jumps from one point to the next, after the first 1% of training (where the
    // points are evenly spaced).
    let every = max(steps / evaluationPoints, 1)
    let medianJumps = jumps(steps: baseline.steps, values: medians, after: every)
    chapter.log.scalar(
      "typical sigmoid, baseline: jump of the median between points, 25th percentile",
      quantile(of: medianJumps, 0.25))
    chapter.log.scalar(
      "typical sigmoid, baseline: jump of the median between points, 75th percentile",
      quantile(of: medianJumps, 0.75))
  }
  if !bnRuns[0].probe.isEmpty {
    let values = bnRuns[0].probe.map { $0[bnUnit] }
    chapter.log.scalar("typical sigmoid, BN: median input at step 0", values[0].p50)
    chapter.log.scalar("typical sigmoid, BN: median input at the end", values.last!.p50)
    chapter.log.scalar("typical sigmoid, BN: 15–85 spread at step 0", values[0].p85 - values[0].p15)
    chapter.log.scalar(
      "typical sigmoid, BN: 15–85 spread at the end", values.last!.p85 - values.last!.p15)
  }
  if let gamma = bnRuns[0].gamma.last, let beta = bnRuns[0].beta.last, bnUnit < gamma.count,
    bnUnit < beta.count
  {
    chapter.log.scalar("typical sigmoid, BN: γ at the end", gamma[bnUnit])
    chapter.log.scalar("typical sigmoid, BN: β at the end", beta[bnUnit])
  }
  let percentileValues = [
    baseline.probe.map { $0[baselineUnit] }, bnRuns[0].probe.map { $0[bnUnit] },
  ]
  .flatMap { $0 }.flatMap { [$0.p15, $0.p85] }.filter(\.isFinite)
  let sharedLow = (percentileValues.min() ?? -1).rounded(.down) - 0.5
  let sharedHigh = (percentileValues.max() ?? 1).rounded(.up) + 0.5
  let sharedRange = sharedLow...sharedHigh
  let gammaBetaPanel = Panel(
    title: "(d) γ and β of the same BN unit (y = γx̂ + β is the sigmoid's input)",
    xLabel: "training steps", yLabel: "value", legend: .topLeft,
    series: [
      .line(
        "γ", x: bnRuns[0].steps.prefix(bnRuns[0].gamma.count).map(Double.init),
        y: bnRuns[0].gamma.map { $0[bnUnit] }, role: .color(3)),
      .line(
        "β", x: bnRuns[0].steps.prefix(bnRuns[0].beta.count).map(Double.init),
        y: bnRuns[0].beta.map { $0.isEmpty ? .nan : $0[bnUnit] }, role: .color(4)),
    ])
  var figurePercentiles = Figure(
    name: "03-sigmoid-inputs",
    title:
      "Figure 1(b, c): a typical sigmoid's input over training, 15/50/85th percentiles (\(dataLabel), repetition 1)",
    panels: [
      percentilePanel(
        baseline.probe, steps: baseline.steps, unit: baselineUnit,
        title: "(b) without BN: unit \(baselineUnit), the median unit by path length",
        yLabel: "sigmoid input", role: .baseline, range: sharedRange),
      percentilePanel(
        bnRuns[0].probe, steps: bnRuns[0].steps, unit: bnUnit,
        title: "(c) with BN: unit \(bnUnit), the median unit by path length",
        yLabel: "sigmoid input", role: .batchNorm, range: sharedRange),
      percentilePanel(
        bnRuns[0].probeNormalized, steps: bnRuns[0].steps, unit: bnUnit,
        title: "(c') the same unit's x̂, before γ and β (standardised by construction)",
        yLabel: "x̂", role: .color(2), range: nil),
      gammaBetaPanel,
    ], columns: 2)
  figurePercentiles.width = 1400
  figurePercentiles.height = 1000

  let rateRoles: [String: Role] = [
    "baseline": .baseline, "BN": .batchNorm, "BN ×5": .color(2), "BN ×30": .color(3),
    "baseline ×5": .color(4), "baseline ×30": .color(6), "BN ×5, decay": .color(2),
    "BN ×30, decay": .color(3),
  ]
  /// One learning-rate variant's curve: a decayed run shares its undecayed twin's colour,
  /// marked with points.
  func rateSeries(_ name: String, x: [Double], y: [Double]) -> Series {
    let role = rateRoles[name] ?? .auto
    return name.hasSuffix("decay")
      ? .linePoints(name, x: x, y: y, role: role) : .line(name, x: x, y: y, role: role)
  }

  /// The pointwise mean of the repetitions' smoothed curves (up to the shortest).
  func meanCurve(_ runs: [FeedForwardRunResult]) -> (x: [Double], y: [Double]) {
    let length = runs.map(\.smoothed.count).min() ?? 0
    let x = runs.first.map { Array($0.steps.prefix(length)).map(Double.init) } ?? []
    let y = (0..<length).map { i in mean(runs.map { $0.smoothed[i] }) }
    return (x, y)
  }
  /// The learning-rate runs' mean curves over `xRange` of steps.
  func ratePanel(
    title: String, xLog: Bool, xRange: ClosedRange<Double>, yRange: ClosedRange<Double>,
    references: Bool
  ) -> Panel {
    let curves: [Series] = rateNames.map { name in
      let (x, y) = meanCurve(runs[name]!)
      return rateSeries(name, x: x, y: y)
    }
    let levels: [Series] =
      references
      ? fixedTargets.enumerated().map { k, level in
        .line(
          k == 0 ? "levels of the table" : "",
          x: [xRange.lowerBound, xRange.upperBound], y: [level, level], role: .reference)
      } : []
    return Panel(
      title: title,
      xLabel: "training steps (mini-batches of 60\(xLog ? ", log scale" : ""))",
      yLabel: "test accuracy (%), trailing average, mean of \(replicates) repetitions",
      xLog: xLog, xRange: xRange, yRange: yRange, legend: .outside, series: curves + levels)
  }
  /// Panel (b)'s y range: from just below the lowest second-half value of any run that comes
  /// within 5 points of the baseline (nothing clipped) to 1 above the highest.
  let zoomedRateRange: ClosedRange<Double> = {
    guard meanBaselineFinal.isFinite else { return 80.0...100.0 }
    let late = rateNames.map { name in
      let (x, y) = meanCurve(runs[name]!)
      return zip(x, y).filter { $0.0 >= Double(steps / 2) }.map(\.1).filter(\.isFinite)
    }.filter { ($0.max() ?? 0) >= meanBaselineFinal - 5 }.flatMap { $0 }
    let low = ((late.min() ?? meanBaselineFinal - 4) - 0.5).rounded(.down)
    return low...((late.max() ?? meanBaselineFinal) + 1).rounded(.up)
  }()
  var figureRates = Figure(
    name: "03-learning-rates",
    title:
      "Learning-rate multipliers (BN-x5, BN-x30 analogue), \(dataLabel), base η = \(baseRate), \(replicates) repetitions",
    panels: [
      ratePanel(
        title: "(a) all of training", xLog: true,
        xRange: Double(max(steps / 500, 1))...Double(max(steps, 2)), yRange: 0...100,
        references: false),
      ratePanel(
        title: "(b) the second half, zoomed, with the fixed levels of the table",
        xLog: false, xRange: Double(steps / 2)...Double(max(steps, 2)), yRange: zoomedRateRange,
        references: true),
    ], columns: 1)
  figureRates.height = 1000

  /// Repetition 1 of the BN runs: ‖W‖ and η/‖W‖² over training.
  func growthPanel(effective: Bool) -> Panel {
    Panel(
      title: effective
        ? "(b) effective learning rate η/‖W‖² (mean over the three layers)"
        : "(a) ‖W‖ of the weights feeding each BN layer (mean over the three layers)",
      xLabel: "training steps (mini-batches of 60)",
      yLabel: effective ? "η / ‖W‖² (log scale)" : "‖W‖ (Frobenius)", yLog: effective,
      legend: effective ? .topRight : .topLeft,
      series: growthVariants.map { variant in
        let run = runs[variant.name]![0]
        let x = run.steps.map(Double.init)
        let y = effective ? effectiveRates(run, variant) : run.weightNorms.map { mean($0) }
        return rateSeries(variant.name, x: x, y: y)
      })
  }
  var figureGrowth = Figure(
    name: "03-weight-growth",
    title: "Scale invariance at work: BN layers' weights only grow (\(dataLabel), repetition 1)",
    panels: [growthPanel(effective: false), growthPanel(effective: true)], columns: 2)
  figureGrowth.width = 1400

  /// The ten-layer runs' ‖∂ℓ/∂W_l‖ per layer: in the first step, and averaged over the run's
  /// last evaluation points.
  func gradientSeries(_ run: FeedForwardRunResult, label: String, role: Role) -> [Series] {
    let layers = run.firstStepGradientNorms.indices.map { Double($0 + 1) }
    let late = run.gradientNorms.suffix(smoothingWindow)
    let lateMean = layers.indices.map { l in mean(late.map { $0[l] }) }
    return [
      .linePoints("\(label), step 1", x: layers, y: run.firstStepGradientNorms, role: role),
      .points("\(label), last 5 points", x: layers, y: lateMean, role: role),
    ]
  }
  /// Decades of gradient norms, with four decades of room below the smallest for the legend.
  let gradientRange: ClosedRange<Double> = {
    let values = deepRuns.flatMap { $0.firstStepGradientNorms + ($0.gradientNorms.last ?? []) }
      .filter { $0.isFinite && $0 > 0 }
    let low = pow(10, (log10(values.min() ?? 1e-6) - 4).rounded(.down))
    let high = pow(10, (log10(values.max() ?? 1)).rounded(.up))
    return low...max(high, low * 10)
  }()
  var figureDepth = Figure(
    name: "03-depth",
    title:
      "§4.2.2's BN-x5-Sigmoid, on \(dataLabel): 10 sigmoid hidden layers of 100 (η = \(baseRate))",
    panels: [
      Panel(
        title: "(a) test accuracy", xLabel: "training steps (mini-batches of 60)",
        yLabel: "test accuracy (%)", yRange: 0...100, legend: .bottomRight,
        series: [
          accuracySeries(deepRuns[0], label: "without BN", role: .baseline, smoothed: false),
          accuracySeries(deepRuns[1], label: "with BN", role: .batchNorm, smoothed: false),
        ]),
      Panel(
        title: "(b) gradient reaching each layer's weights",
        xLabel: "hidden layer (1 = next to the input)", yLabel: "‖∂ℓ/∂W_l‖ (log scale)",
        yLog: true, xRange: 0.5...10.5, yRange: gradientRange, legend: .bottomRight,
        series: gradientSeries(deepRuns[0], label: "without BN", role: .baseline)
          + gradientSeries(deepRuns[1], label: "with BN", role: .batchNorm)),
    ], columns: 2)
  figureDepth.width = 1400

  /// A y range around some final accuracies: 5 points below the lowest to 3 above the highest,
  /// on a grid of 5.
  func finalsRange(_ values: [Double]) -> ClosedRange<Double> {
    let finite = values.filter(\.isFinite)
    let low = (((finite.min() ?? 0) - 5) / 5).rounded(.down) * 5
    let high = min((((finite.max() ?? 100) + 3) / 5).rounded(.up) * 5, 100)
    return max(low, 0)...max(high, low + 5)
  }
  var batchSizePanel = Panel(
    title: "(b) batch size m, \(smallBatchExamples) examples, rate η·m/60",
    xLabel: "batch size m (log scale)",
    yLabel: "final test accuracy (%, mean of the last 5 points)", xLog: true,
    xRange: 3...80, yRange: finalsRange(smallBatchFinals.baseline + smallBatchFinals.bn),
    legend: .bottomRight,
    series: [
      .linePoints(
        "without BN", x: smallBatchSizes.map(Double.init), y: smallBatchFinals.baseline,
        role: .baseline),
      .linePoints(
        "with BN", x: smallBatchSizes.map(Double.init), y: smallBatchFinals.bn, role: .batchNorm),
    ])
  batchSizePanel.xTicks = smallBatchSizes.map(Double.init)
  var figureSensitivity = Figure(
    name: "03-initialisation-and-batch-size",
    title: "Less careful initialisation, and small batches (\(dataLabel), η = \(baseRate))",
    panels: [
      Panel(
        title: "(a) initial weights N(0, σ²), \(sweepSteps) steps",
        xLabel: "σ of the initial weights (log scale)",
        yLabel: "final test accuracy (%, mean of the last 5 points)", xLog: true,
        yRange: finalsRange(initialisationFinals.baseline + initialisationFinals.bn),
        legend: .bottomLeft,
        series: [
          .linePoints(
            "without BN", x: initialScales, y: initialisationFinals.baseline, role: .baseline),
          .linePoints("with BN", x: initialScales, y: initialisationFinals.bn, role: .batchNorm),
        ]),
      batchSizePanel,
    ], columns: 2)
  figureSensitivity.width = 1400

  for figure in [
    figureAccuracy, figurePercentiles, figureRates, figureGrowth, figureDepth, figureSensitivity,
  ] {
    chapter.save(figure)
  }
}
