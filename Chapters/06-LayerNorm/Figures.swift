import Companion
import Engine
import Foundation
import Plot

// The chapter's figures, drawn from what main.swift measured: plumbing, kept off the page.

/// Each model's colour: the plain model vermilion, BN blue (the book's), LN green.
func role(_ normalizer: FeedForwardNormalization.Normalizer?) -> Role {
  switch normalizer {
  case nil: .baseline
  case .batch: .batchNorm
  case .layer: .color(2)
  }
}

/// The same colours for the pixel models.
func pixelRole(_ normalizer: RecurrentNormalization.Normalizer?) -> Role {
  switch normalizer {
  case nil: .baseline
  case .batch: .batchNorm
  case .layer: .color(2)
  }
}

extension CharacterModel {
  var role: Role {
    switch self {
    case .lstm: .baseline
    case .bnLSTM: .batchNorm
    case .lnLSTM: .color(2)
    }
  }
}

/// The feed-forward runs (test accuracy against examples seen, both batch sizes), the text
/// models' curves, the gradient through time, and bits per character by position past the
/// training length.
func drawFigures() {
  // Seven of the ten γ, each in its own colour, the four around the one that survives among
  // them; the table has all ten.
  let plottedGammas = [0.1, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0]
  let steps = gradientThroughTime.steps
  var gradientFigure = Figure(
    name: "06-gradient-flow",
    title:
      "Chapter 5's Figure 1 with LN: ‖∂loss/∂h_t‖ at initialisation, LN tanh-RNN, \(steps) steps of \(imageData)",
    panel: Panel(
      xLabel: "time step t",
      yLabel: "‖∂loss/∂h_t‖ (mean of \(gradientThroughTime.batches) batches)", yLog: true,
      legend: .bottomRight,
      series: plottedGammas.enumerated().compactMap { k, gamma in
        guard let index = gammas.firstIndex(where: { abs($0 - gamma) < 1e-9 }) else { return nil }
        return Series.line(
          String(format: "γ = %.1f", gamma), x: (1...steps).map(Double.init),
          y: gradientNorms[index], role: .color(k))
      }))
  gradientFigure.width = 1100
  gradientFigure.height = 550
  chapter.save(gradientFigure)

  let feedForwardPanels = [128, 4].enumerated().map { k, batch in
    Panel(
      title: "(\(k == 0 ? "a" : "b")) batches of \(batch)",
      xLabel: "training examples seen", yLabel: "test accuracy (%, \(imageData))",
      yRange: 0...100, legend: .bottomRight,
      series: FeedForwardModel.all(batch: batch).flatMap { model -> [Series] in
        let band = feedForwardTuned(model).repeated(model).band(
          steps: \.steps, values: \.accuracy)
        let x = band.steps.map { Double($0 * batch) }
        let rate = rateText(feedForwardTuned(model).chosenRate[model]!)
        return [
          .band("", x: x, low: band.low, high: band.high, role: role(model.normalizer)),
          .line("\(model.kind), rate \(rate)", x: x, y: band.mean, role: role(model.normalizer)),
        ]
      })
  }
  var feedForwardFigure = Figure(
    name: "06-feedforward",
    title:
      "Chapter 3's network (3 × 100 sigmoids) on \(imageData): mean of \(repetitions) (band: lowest to highest), each at its best rate",
    panels: feedForwardPanels, columns: 2)
  feedForwardFigure.width = 1400
  feedForwardFigure.height = 600
  chapter.save(feedForwardFigure)

  let curves = CharacterModel.allCases.flatMap { textRuns.trials[$0]!.map(\.record.curve) }
  let longest = Double(curves.compactMap(\.steps.last).max() ?? 1)
  let values = curves.flatMap { $0.trainingBatches + $0.validation }.filter(\.isFinite)
  let later = curves.flatMap { curve in
    curve.steps.indices.filter { Double(curve.steps[$0]) >= 0.1 * longest }.flatMap {
      [curve.trainingBatches[$0], curve.validation[$0]]
    }
  }.filter(\.isFinite)
  let low = (values.min() ?? 0) - 0.1
  let range = low...max((later.max() ?? 5) + 0.1, low + 0.5)
  func textPanel(validation: Bool, title: String) -> Panel {
    Panel(
      title: title,
      xLabel:
        "training steps (batches of \(characters.batch) sequences of \(characters.length) characters)",
      yLabel: validation
        ? "bits per character (validation text)" : "bits per character (training batches)",
      xRange: 0...longest, yRange: range, legend: validation ? .bottomLeft : .topRight,
      series: CharacterModel.allCases.flatMap { model -> [Series] in
        textRuns.repeated(model).series(
          "\(model.rawValue), rate \(rateText(textRuns.chosenRate[model]!))", role: model.role,
          steps: \.curve.steps,
          values: { validation ? $0.curve.validation : $0.curve.trainingBatches },
          best: validation ? { ($0.curve.bestValidation.step, $0.curve.bestValidation.bpc) } : nil,
          continuing: true)
      }
        // The speed claims' level: the LSTM's training-batch bpc at its best (the highest of
        // its repetitions), which the speed claims read every grid run at.
        + (validation
          ? []
          : [
            Series.line(
              "speed target", x: [0, longest],
              y: [charSpeedTarget, charSpeedTarget], role: .reference)
          ]))
  }
  var textFigure = Figure(
    name: "06-characters",
    title:
      "\(grouped(trainingText.count)) characters of \(corpus.source.name), \(characters.hidden) units: mean of \(repetitions) (band: lowest to highest of the runs still training), dots: each repetition's best",
    panels: [
      textPanel(validation: false, title: "(a) training batches (what the optimiser sees)"),
      textPanel(validation: true, title: "(b) validation text"),
    ], columns: 2)
  textFigure.width = 1400
  textFigure.height = 650
  chapter.save(textFigure)

  // Bits by position minus the LSTM's (the text's own difficulty varies far more than the
  // models differ), means over bins and repetitions.
  let longestLength = lengthRows.map(\.length).max()!
  let binWidth = max(1, longestLength / 20)
  // Each repetition against the LSTM of the same repetition (the same initial weights and
  // batches), binned; the band spans the repetitions, the line is their mean.
  let positionSeries = [CharacterModel.bnLSTM, .lnLSTM].flatMap { model -> [Series] in
    let binned = zip(positions[model]!, positions[.lstm]!).map { curve, lstm in
      binnedByPosition(zip(curve, lstm).map { $0 - $1 }, width: binWidth)
    }
    let x = binned[0].x
    let spreads = x.indices.map { i in Spread(values: binned.map { $0.y[i] }) }
    return [
      .band("", x: x, low: spreads.map(\.low), high: spreads.map(\.high), role: model.role),
      .linePoints(
        model == .bnLSTM ? "BN-LSTM (repeat-last past T_max) − LSTM" : "LN-LSTM − LSTM", x: x,
        y: spreads.map(\.mean), role: model.role),
    ]
  }
  let ys = positionSeries.flatMap { $0.values.joined() }.filter(\.isFinite) + [0]
  let span = max((ys.max() ?? 0) - (ys.min() ?? 0), 0.05)
  let positionRange = ((ys.min() ?? 0) - 0.1 * span)...((ys.max() ?? 0) + 0.6 * span)
  var lengthFigure = Figure(
    name: "06-long-sequences",
    title:
      "Test sequences of \(grouped(longestLength)), trained on \(characters.length): bpc per position − LSTM's (mean of \(repetitions), band: range; bins of \(binWidth))",
    panel: Panel(
      xLabel: "position in the test sequence (characters)",
      yLabel: "bits per character − LSTM's (test text)", yRange: positionRange,
      legend: .topLeft,
      series: positionSeries + [
        .line("LSTM (0)", x: [1, Double(longestLength)], y: [0, 0], role: .baseline),
        .line(
          "training length \(characters.length)",
          x: [Double(characters.length), Double(characters.length)],
          y: [positionRange.lowerBound, positionRange.upperBound], role: .reference),
      ]))
  lengthFigure.width = 1250
  lengthFigure.height = 550
  chapter.save(lengthFigure)
}

/// The permuted pixel models (the long preset's): training loss and validation accuracy, each
/// model as a band over its repetitions at its chosen rate, dots at each repetition's best.
func drawPixelFigure(
  _ runs: TunedRuns<PixelModel, ClassifierRecord>, pixels: PixelClassifiers
) {
  func panel(validation: Bool, title: String) -> Panel {
    let series = pixelModels.flatMap { model -> [Series] in
      runs.repeated(model).series(
        "\(model.kind), rate \(rateText(runs.chosenRate[model]!))",
        role: pixelRole(model.normalizer), steps: \.curve.steps,
        values: { validation ? $0.curve.validation : $0.curve.trainingLoss },
        best: validation
          ? { ($0.curve.bestValidation.step, $0.curve.bestValidation.accuracy) } : nil,
        continuing: true)
    }
    return Panel(
      title: title, xLabel: "training steps (batches of \(pixels.batch))",
      yLabel: validation ? "validation accuracy (%)" : "training loss (nats, batches)",
      yRange: validation ? 0...100 : nil,
      legend: validation ? .clearOfRisingCurves(series, floor: 50) : .topRight, series: series)
  }
  // The LN-LSTM's grid, every rate it was tried at: where each run's loss became NaN.
  let ln = pixelModels[2]
  let gridPanel = Panel(
    title: "(c) the LN-LSTM's grid, every rate (dot: loss became NaN)",
    xLabel: "training steps (batches of \(pixels.batch))", yLabel: "validation accuracy (%)",
    yRange: 0...100, legend: .topLeft,
    series: runs.modelRates[ln]!.enumerated().flatMap { k, rate -> [Series] in
      guard let record = runs.gridTrial(ln, rate: rate)?.record else { return [] }
      let x = record.curve.steps.map(Double.init)
      let label =
        "rate \(rateText(rate))" + (record.divergedAt.map { ", NaN at step \(grouped($0))" } ?? "")
      var series = [Series.line(label, x: x, y: record.curve.validation, role: .color(k + 3))]
      if record.divergedAt != nil, let last = x.last, let value = record.curve.validation.last {
        series.append(.points("", x: [last], y: [value], role: .color(k + 3)))
      }
      return series
    })
  var figure = Figure(
    name: "06-pixels",
    title:
      "Permuted \(pixels.side)×\(pixels.side) \(imageData) read pixel by pixel (\(pixels.steps) steps), \(pixels.hidden) units: mean of \(repetitions) (band: lowest to highest of the runs still training), dots: each repetition's best",
    panels: [
      panel(validation: false, title: "(a) training loss, each model at its rate"),
      panel(validation: true, title: "(b) validation accuracy, each model at its rate"),
      gridPanel,
    ], columns: 3)
  figure.width = 1900
  figure.height = 600
  chapter.save(figure)
}
