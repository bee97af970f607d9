import Companion
import Engine
import Foundation
import Plot

// The chapter's figures, drawn from what main.swift measured: plumbing, kept off the page.

/// The learning curves, naive hidden BN and the frontier of generalization at equal fit.
func drawFigures() {

  let bpcAxis =
    wordCorpus == nil
    ? "bits per character (population statistics, re-estimated)"
    : "bits per word (population statistics)"
  let stepsAxis =
    wordCorpus == nil
    ? "training steps (batches of 64 sequences of \(length) characters)"
    : "training steps (windows of 20 words in 20 streams)"
  let dataLabel = corpus.source.name

  /// Every run's curves of one model and measure, as a band (lowest to highest repetition) round
  /// the mean, and each repetition's best validation point marked.
  func bandSeries(
    _ variant: Variant, values: (LanguageModelCurve) -> [Double], marksBest: Bool
  ) -> [Series] {
    Repeated(results: trials[variant]!.map(\.curve)).series(
      "\(variant.rawValue), rate \(rateText(chosenRate[variant]!))", role: variant.role,
      steps: \.steps, values: values,
      best: marksBest ? { ($0.bestValidation.step, $0.bestValidation.bpc) } : nil)
  }

  let longestRun = Double(trials.values.flatMap { $0.map { $0.curve.steps.last ?? 0 } }.max() ?? 1)

  /// The plotted values' range, shared by the panels that are compared: from just below the
  /// lowest to a ceiling that keeps the first steps (at about log₂ of the vocabulary) from
  /// squashing the rest.
  func sharedRange(_ models: [Variant]) -> ClosedRange<Double> {
    let curves = models.flatMap { trials[$0]!.map(\.curve) }
    let values = curves.flatMap { $0.trainingBatches + $0.validation }.filter(\.isFinite)
    let low = (values.min() ?? 0) - 0.1
    // The ceiling: what the curves are at a tenth of the longest run, or anything higher later
    // in them (a validation curve turning up), whichever is higher.
    let early = curves.flatMap { curve in
      zip(curve.steps, zip(curve.trainingBatches, curve.validation)).first {
        Double($0.0) >= 0.1 * longestRun
      }.map { [$0.1.0, $0.1.1] } ?? []
    }
    let late = curves.flatMap { curve in
      (curve.trainingBatches + curve.validation).enumerated().filter {
        $0.offset % curve.steps.count >= curve.steps.count / 2
      }.map(\.element)
    }
    let ceiling = min(values.max() ?? 5, ((early + late).filter(\.isFinite).max() ?? 5) + 0.1)
    return low...max(ceiling, low + 0.5)
  }

  /// Figure: training batches (a) and validation (b) of `models`, sharing both axes.
  func curvesFigure(name: String, title: String, models: [Variant]) -> Figure {
    let range = sharedRange(models)
    var figure = Figure(
      name: name, title: title,
      panels: [
        Panel(
          title: "(a) training batches (what the optimiser sees)", xLabel: stepsAxis,
          yLabel: "bits per character (batch statistics)", xRange: 0...longestRun,
          yRange: range, legend: .topRight,
          series: models.flatMap { bandSeries($0, values: \.trainingBatches, marksBest: false) }),
        Panel(
          title: "(b) validation text (dots: each repetition's best)", xLabel: stepsAxis,
          // The validation curves turn up at the top right; the bottom right is empty.
          yLabel: bpcAxis, xRange: 0...longestRun, yRange: range, legend: .bottomRight,
          series: models.flatMap { bandSeries($0, values: \.validation, marksBest: true) }),
      ], columns: 2)
    figure.width = 1400
    figure.height = 650
    return figure
  }

  let curveModels = variants.filter { $0 != .naiveHidden }
  var figures = [
    curvesFigure(
      name: "04-curves",
      title:
        "Input-to-hidden BN: mean of \(repetitionText) (band: lowest to highest), each at its best rate, \(dataLabel)",
      models: curveModels)
  ]
  if variants.contains(.naiveHidden) {
    figures.append(
      curvesFigure(
        name: "04-hidden",
        title:
          "Naive hidden-to-hidden BN (γ = 1, one population for all steps), \(repetitionText), \(dataLabel)",
        models: [.baseline, .naiveHidden]))
  }

  /// The frontier: validation against training-sample bpc, every repetition, training moving
  /// from right to left; the level of equal fit as a vertical line.
  var frontierSeries: [Series] = []
  for variant in curveModels {
    for (k, trial) in trials[variant]!.enumerated() {
      // From the first measurement below 4.5 bpc: the first steps are off to the right.
      let points = zip(trial.curve.training, trial.curve.validation).filter { $0.0 < 4.5 }
      frontierSeries.append(
        .line(
          k == 0 ? "\(variant.rawValue), rate \(rateText(chosenRate[variant]!))" : "",
          x: points.map(\.0), y: points.map(\.1),
          role: variant.role))
    }
    let bests = trials[variant]!.map {
      ($0.curve.training[$0.curve.bestIndex], $0.curve.bestValidation.bpc)
    }
    frontierSeries.append(.points("", x: bests.map(\.0), y: bests.map(\.1), role: variant.role))
  }
  // Training bpc from just below the lowest to three times the lowest's distance from the level
  // of equal fit above it: the neighbourhood of that level, where the curves are compared.
  let frontierTraining = frontierSeries.flatMap(\.x).filter(\.isFinite)
  let lowestTraining = frontierTraining.min() ?? 0
  let frontierTop = min(
    (frontierTraining.max() ?? 5) + 0.05, fitLevel + 3 * max(fitLevel - lowestTraining, 0.1))
  let frontierDomain = (lowestTraining - 0.05)...frontierTop
  let frontierValues = frontierSeries.flatMap { series in
    zip(series.x, series.values[0]).filter { frontierDomain.contains($0.0) }.map(\.1)
  }.filter(\.isFinite)
  let frontierRange = ((frontierValues.min() ?? 0) - 0.03)...((frontierValues.max() ?? 5) + 0.03)
  frontierSeries.append(
    .line(
      "equal fit: the LSTM's training bpc at its best", x: [fitLevel, fitLevel],
      y: [frontierRange.lowerBound, frontierRange.upperBound], role: .reference))
  // Validation = training, where it crosses the plotted range.
  if frontierRange.lowerBound < frontierDomain.upperBound {
    let from = max(frontierDomain.lowerBound, frontierRange.lowerBound)
    let to = min(frontierDomain.upperBound, frontierRange.upperBound)
    frontierSeries.append(
      .line("validation = training", x: [from, to], y: [from, to], role: .reference).dotted())
  }
  var figureFrontier = Figure(
    name: "04-frontier",
    title:
      "Generalization at equal fit: validation against training bpc, \(repetitionText) (dots: best validation)",
    panel: Panel(
      xLabel: "training-sample bits per character (training runs from right to left)",
      yLabel: bpcAxis, xRange: frontierDomain, yRange: frontierRange, legend: .outside,
      series: frontierSeries))
  figureFrontier.width = 1200
  figures.append(figureFrontier)

  for figure in figures {
    chapter.save(figure)
  }
}

/// A training run's training (dashed) and validation (solid) curves.
func curveSeries(_ curve: LanguageModelCurve, label: String, role: Role) -> [Series] {
  let x = curve.steps.map(Double.init)
  return [
    Series.line("\(label), training", x: x, y: curve.training, role: role).dashed(),
    .line("\(label), validation", x: x, y: curve.validation, role: role),
  ]
}

/// Whole documents as sequences: how the batches run out, the spreads of the two statistics,
/// and the training curves.
func drawVariableLengthFigure(_ spread: StatisticsSpread, sequenceSpread: Double) {
  func meanOfFinite(_ values: [Double]) -> Double {
    let finite = values.filter(\.isFinite)
    return finite.isEmpty ? .nan : finite.reduce(0, +) / Double(finite.count)
  }
  let stepAxis = (0..<cap).map(Double.init)

  /// The frame-wise spreads of the probed units at every step, and the sequence-wise spread as
  /// a flat line, for one panel.
  func spreadSeries(frameWise: [[Double]], sequenceWise: Double) -> [Series] {
    var series: [Series] = []
    for k in probedUnits.indices {
      // One colour and one legend entry for the units: the contrast is frame-wise against
      // sequence-wise, and the units agree.
      let label = k == 0 ? "frame-wise, units \(probedUnits.first!)-\(probedUnits.last!)" : ""
      series.append(.line(label, x: stepAxis, y: frameWise[k], role: .color(2)))
    }
    series.append(
      .line(
        "sequence-wise (mean of the units)", x: [0, Double(cap - 1)],
        y: [sequenceWise, sequenceWise], role: .batchNorm))
    return series
  }

  let runningPanel = Panel(
    title: "(a) sequences of a batch still running at step t", xLabel: "time step t",
    yLabel: "sequences (of \(batch))", legend: .none,
    series: [.line("running", x: stepAxis, y: spread.running, role: .color(6))])
  let meanSpreadPanel = Panel(
    title: "(b) spread across batches of the batch mean", xLabel: "time step t",
    yLabel: "std across batches / unit's σ", yLog: true, yRange: 0.005...5, legend: .topLeft,
    series: spreadSeries(frameWise: spread.frameMean, sequenceWise: sequenceSpread))
  let varianceSpreadPanel = Panel(
    title: "(c) spread across batches of the batch variance", xLabel: "time step t",
    yLabel: "std across batches / unit's σ²", yLog: true, yRange: 0.005...5, legend: .topLeft,
    series: spreadSeries(
      frameWise: spread.frameVariance, sequenceWise: meanOfFinite(spread.sequenceVariance)))
  // From just below the lowest point, 3 bits up: the first steps (near log₂ of the
  // vocabulary) would squash the rest, and the top bit is left to the legend.
  let documentValues = documentVariants.flatMap {
    variableCurves[$0]!.training + variableCurves[$0]!.validation
  }.filter(\.isFinite)
  let documentFloor = (documentValues.min() ?? 0) - 0.1
  let wholeDocumentsPanel = Panel(
    title: "(d) training on whole \(documentName)",
    xLabel: "training steps (batches of 64 \(documentName))",
    yLabel: "bits per character", yRange: documentFloor...(documentFloor + 3), legend: .topRight,
    series: documentVariants.flatMap {
      curveSeries(variableCurves[$0]!, label: $0.rawValue, role: $0.role)
    })
  var figureVariable = Figure(
    name: "04-variable-length",
    title: "Whole \(documentName) as sequences (at most \(cap) characters, 64 per batch)",
    panels: [runningPanel, meanSpreadPanel, varianceSpreadPanel, wholeDocumentsPanel], columns: 2)
  figureVariable.height = 1000
  chapter.save(figureVariable)
}
