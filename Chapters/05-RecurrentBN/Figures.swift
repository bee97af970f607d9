import Companion
import Engine
import Foundation
import Plot

// The chapter's figures, drawn from what main.swift measured: plumbing, kept off the page.

/// Figures 1, 2, 3(a), 3(b), appendix A's statistics and appendix B's γ sweep.
func drawFigures() {

  /// Figure 1(a) draws six of the ten γ, each in its own colour: ten on a colour ramp could not
  /// be told apart. The table on the page has all ten.
  let plottedGammas = [0.1, 0.3, 0.5, 0.6, 0.8, 1.0]
  let gradientPanel = Panel(
    title: "(a) ‖∂loss/∂h_t‖ at initialisation, BN tanh-RNN, \(fig1Steps) steps",
    xLabel: "time step t", yLabel: "‖∂loss/∂h_t‖ (mean of \(fig1Batches) batches)", yLog: true,
    legend: .bottomRight,
    series: plottedGammas.enumerated().compactMap { k, gamma in
      guard let index = gammas.firstIndex(where: { abs($0 - gamma) < 1e-9 }) else { return nil }
      return Series.line(
        String(format: "γ = %.1f", gamma), x: (1...fig1Steps).map(Double.init),
        y: gradientNorms[index], role: .color(k))
    })
  let tanhPanel = Panel(
    title: "(b) tanh'(x) for x ~ N(0, s²)", xLabel: "input standard deviation s",
    yLabel: "tanh'(x): mean and interquartile range", yRange: 0...1.05, legend: .bottomLeft,
    series: [
      .line("mean", x: spreads, y: tanhDerivatives.map(\.mean), role: .batchNorm),
      .line("25th percentile", x: spreads, y: tanhDerivatives.map(\.lower), role: .color(3))
        .dashed(),
      .line("75th percentile", x: spreads, y: tanhDerivatives.map(\.upper), role: .color(4))
        .dashed(),
    ])
  var figureGradients = Figure(
    name: "05-gradient-flow",
    title: "Figure 1: γ and the gradient through time (\(images.source.name))",
    panels: [gradientPanel, tanhPanel], columns: 2)
  figureGradients.width = 1400

  /// One task's LSTM and BN-LSTM as bands over the repetitions (each at its own rate).
  func mnistPanel(_ task: Task, validation: Bool, title: String) -> Panel {
    var series: [Series] = []
    for (batchNorm, role) in [(false, Role.baseline), (true, Role.batchNorm)] {
      let model = PixelModel(task: task, batchNorm: batchNorm)
      let runs = mnist.repeated(model)
      series += runs.series(
        "\(model.kind), rate \(rateText(mnist.chosenRate[model]!))", role: role,
        steps: \.curve.steps, values: { validation ? $0.curve.validation : $0.curve.trainingLoss },
        best: validation
          ? { ($0.curve.bestValidation.step, $0.curve.bestValidation.accuracy) } : nil)
      if validation, batchNorm, let first = runs.results.first {
        series.append(
          Series.line(
            "BN-LSTM #1, moving averages (momentum 0.1)", x: first.curve.steps.map(Double.init),
            y: first.curve.validationMovingAverage, role: .color(3)
          ).dashed())
      }
    }
    return Panel(
      title: title, xLabel: "training steps (batches of \(pixels.batch))",
      yLabel: validation ? "validation accuracy (%)" : "training loss (nats, batches)",
      yRange: validation ? 0...100 : nil,
      legend: validation ? .clearOfRisingCurves(series, floor: 50) : .topRight,
      series: series)
  }
  var mnistFigure = Figure(
    name: "05-mnist",
    title:
      "Figure 2: \(pixels.side)×\(pixels.side) \(images.source.name) read pixel by pixel (\(pixels.steps) steps), \(pixels.hidden) units; mean of \(repetitions) (band: lowest to highest), dots: each repetition's best",
    panels: [
      mnistPanel(.sequential, validation: false, title: "(a) sequential: training loss"),
      mnistPanel(.sequential, validation: true, title: "(b) sequential: validation accuracy"),
      mnistPanel(.permuted, validation: false, title: "(c) permuted: training loss"),
      mnistPanel(.permuted, validation: true, title: "(d) permuted: validation accuracy"),
    ], columns: 2)
  mnistFigure.width = 1400
  mnistFigure.height = 1000

  /// A range for bits-per-character panels that are compared side by side: from just below the
  /// lowest value to the highest value reached after the first tenth of the longest run (the
  /// first measurements, near log₂ of the vocabulary, would squash everything else).
  let characterCurves = characterModels.flatMap { textRuns.trials[$0]!.map(\.record.curve) }
  let longestCharacterRun = Double(characterCurves.compactMap(\.steps.last).max() ?? 1)
  let characterRange: ClosedRange<Double> = {
    let pairs = characterCurves.flatMap { curve in
      curve.steps.indices.map {
        (Double(curve.steps[$0]), [curve.trainingBatches[$0], curve.validation[$0]])
      }
    }
    let values = pairs.flatMap(\.1).filter(\.isFinite)
    let later = pairs.filter { $0.0 >= 0.1 * longestCharacterRun }.flatMap(\.1).filter(\.isFinite)
    let low = (values.min() ?? 0) - 0.1
    return low...max((later.max() ?? 5) + 0.1, low + 0.5)
  }()
  let characterAxis =
    "training steps (batches of \(charBatch) sequences of \(charLength) characters)"
  func characterPanel(validation: Bool, title: String) -> Panel {
    var series: [Series] = []
    for model in characterModels {
      series += textRuns.repeated(model).series(
        "\(model.rawValue), rate \(rateText(textRuns.chosenRate[model]!))", role: model.role,
        steps: \.curve.steps,
        values: { validation ? $0.curve.validation : $0.curve.trainingBatches },
        best: validation ? { ($0.curve.bestValidation.step, $0.curve.bestValidation.bpc) } : nil)
    }
    return Panel(
      title: title, xLabel: characterAxis,
      yLabel: validation
        ? "bits per character (validation text, re-estimated statistics)"
        : "bits per character (training batches, batch statistics)",
      xRange: 0...longestCharacterRun, yRange: characterRange,
      legend: validation ? .bottomLeft : .bottomRight, series: series)
  }
  var characterFigure = Figure(
    name: "05-characters",
    title:
      "Figure 3(a): \(grouped(trainingText.count)) training characters of \(corpus.source.name), \(characters.hidden) units; mean of \(repetitions) (band: lowest to highest), each at its best rate",
    panels: [
      characterPanel(validation: false, title: "(a) training batches (what the optimiser sees)"),
      characterPanel(validation: true, title: "(b) validation text (dots: each repetition's best)"),
    ], columns: 2)
  characterFigure.width = 1400
  characterFigure.height = 650

  let binWidth = max(1, longestLength / 20)
  /// The text's own difficulty changes from position to position far more than the models
  /// differ; the LSTM, which has no T_max, is the yardstick: each BN-LSTM's bpc minus the
  /// LSTM's at the same position, averaged over the repetitions.
  let lstmByPosition = meanByPosition(positions.lstm)
  let positionCurves: [(String, (x: [Double], y: [Double]), Role)] = [
    // Short labels: a legend as wide as the panel ran into its neighbour.
    ("BN-LSTM, repeat-last population", positions.population, Role.batchNorm),
    ("BN-LSTM, batch statistics", positions.batch, .color(3)),
  ].map { label, curves, role in
    let difference = zip(meanByPosition(curves), lstmByPosition).map { $0 - $1 }
    return (label + " − LSTM", binnedByPosition(difference, width: binWidth), role)
  }
  let positionValues = positionCurves.flatMap(\.1.y).filter(\.isFinite) + [0]
  let positionSpan = max((positionValues.max() ?? 0) - (positionValues.min() ?? 0), 0.05)
  // Headroom above the curves for the legend.
  let positionFloor = (positionValues.min() ?? 0) - 0.1 * positionSpan
  let positionCeiling = (positionValues.max() ?? 0) + 0.6 * positionSpan
  let positionRange = positionFloor...positionCeiling
  let xPositions = [1.0, Double(longestLength)]
  var lengthPanels = [
    Panel(
      title:
        "(a) bpc minus the LSTM's, per position (means of \(binWidth) positions, \(repetitions) repetitions)",
      xLabel: "position in the test sequence (characters)",
      yLabel: "bits per character − LSTM's (test text)", yRange: positionRange, legend: .topLeft,
      series: positionCurves.map { label, curve, role in
        Series.linePoints(label, x: curve.x, y: curve.y, role: role)
      } + [
        .line("LSTM (0)", x: xPositions, y: [0, 0], role: .baseline),
        .line(
          "T_max = \(charLength)", x: [Double(charLength), Double(charLength)],
          y: [positionRange.lowerBound, positionRange.upperBound], role: .reference),
      ])
  ]
  if let statisticsDistance {
    let top = (statisticsDistance.recurrent + statisticsDistance.cell).filter(\.isFinite).max() ?? 1
    lengthPanels.append(
      Panel(
        title: "(b) the test batch's statistics against the population (of step t, or T_max's)",
        xLabel: "time step t", yLabel: "mean over units of |μ_t − μ_pop| / σ_pop",
        yRange: 0...(top * 1.1), legend: .topRight,
        series: [
          ("BN_h (W_h h_{t-1})", statisticsDistance.recurrent, Role.batchNorm),
          ("BN_c (c_t)", statisticsDistance.cell, Role.color(2)),
        ].map { label, values, role in
          let curve = binnedByPosition(values, width: max(1, binWidth / 2))
          return Series.line(label, x: curve.x, y: curve.y, role: role)
        } + [
          .line(
            "T_max", x: [Double(charLength), Double(charLength)], y: [0, top * 1.1],
            role: .reference)
        ]))
  }
  var lengthFigure = Figure(
    name: "05-long-sequences",
    title:
      "Figure 3(b): trained on sequences of \(charLength) characters, tested on \(lengthBatch) sequences of \(grouped(longestLength))",
    panels: lengthPanels, columns: 2)
  lengthFigure.width = 1400

  /// Four units' per-step population mean (or variance) of one normalization.
  func statisticsPanel(
    _ name: String, variance: Bool, title: String, legend: LegendPosition = .none
  ) -> Panel {
    let population = reestimated[name]!
    let steps = (1...population.maxSteps).map(Double.init)
    return Panel(
      title: title, xLabel: "time step t",
      yLabel: variance ? "population variance" : "population mean",
      legend: legend,
      series: statisticsUnits.filter { $0 < population.features }.enumerated().map { k, unit in
        Series.line(
          "unit \(unit)", x: steps,
          y: population.steps.map { variance ? $0.variance[unit] : $0.mean[unit] }, role: .color(k))
      })
  }
  let recurrentName = statisticNames.first { $0.hasSuffix("bn_h") } ?? statisticNames[0]
  let cellName = statisticNames.first { $0.hasSuffix("bn_c") } ?? statisticNames[0]
  var statisticsFigure = Figure(
    name: "05-statistics",
    title:
      "Appendix A: per-step population statistics of four units, BN-LSTM (\(corpus.source.name))",
    panels: [
      statisticsPanel(
        recurrentName, variance: false, title: "(a) mean of W_h h_{t-1}", legend: .outside),
      statisticsPanel(
        recurrentName, variance: true, title: "(b) variance of W_h h_{t-1}", legend: .outside),
      statisticsPanel(cellName, variance: false, title: "(c) mean of c_t", legend: .outside),
      statisticsPanel(cellName, variance: true, title: "(d) variance of c_t", legend: .outside),
    ], columns: 2)
  statisticsFigure.width = 1400
  statisticsFigure.height = 900

  /// One band per initial γ of the sweep: `value` picks training loss or validation accuracy.
  func sweepPanel(
    _ title: String, yLabel: String, legend: LegendPosition,
    value: @escaping (ClassifierCurve) -> [Double]
  ) -> Panel {
    Panel(
      title: title, xLabel: "training steps (batches of \(pixels.batch))", yLabel: yLabel,
      legend: legend,
      series: zip(sweepGammas, sweep).enumerated().flatMap { k, pair in
        Repeated(results: pair.1).band(steps: \.curve.steps, values: { value($0.curve) })
          .series(String(format: "γ = %.1f", pair.0), role: .color(k))
      })
  }
  var gammaFigure = Figure(
    name: "05-gamma",
    title:
      "Appendix B: initial γ, BN-LSTM on permuted \(images.source.name) (\(pixels.steps) steps), mean of \(sweepRepetitions) (band: lowest to highest)",
    panels: [
      sweepPanel(
        "(a) training loss (batches)", yLabel: "cross-entropy (nats)", legend: .topRight,
        value: \.trainingLoss),
      sweepPanel(
        "(b) validation accuracy", yLabel: "validation accuracy (%)", legend: .bottomRight,
        value: \.validation),
    ], columns: 2)
  gammaFigure.width = 1400

  for figure in [
    figureGradients, mnistFigure, characterFigure, lengthFigure, statisticsFigure, gammaFigure,
  ] {
    chapter.save(figure)
  }
}

extension CharacterModel {
  /// Each character model's colour in the figures.
  var role: Role {
    switch self {
    case .lstm: .baseline
    case .bnLSTM: .batchNorm
    case .gammaOne: .color(3)
    }
  }
}
