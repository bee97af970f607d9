import Companion
import Datasets
import Engine
import Foundation

// Permuted pixel-by-pixel MNIST with the LN-LSTM beside Chapter 5's two models: the long
// preset's section (and the smoke preset's, which tests it); the book's budget leaves it out.

typealias PixelModel = PixelClassifiers.Model

/// Whether this preset trains the pixel models.
var trainsPixelModels: Bool { chapter.preset != .book }

/// The permuted task's three models: the LSTM, the BN-LSTM (γ 0.1) and the LN-LSTM (gains 1).
let pixelModels = [nil, RecurrentNormalization.Normalizer.batch, .layer].map {
  PixelModel(task: .permuted, normalizer: $0)
}

/// Trains the three models on permuted pixels (each at its best rate, three fresh
/// repetitions), declares the speed claims, records the tables and draws 06-pixels.
@MainActor func pixelSection() {
  // Chapter 5's settings (the long preset's: 14×14 images, 196 steps, 64 units, batches of 64,
  // measured every 250 steps, stopped when the validation accuracy has not improved by 0.2
  // points for 2,000 steps, at most 10,000).
  let pixels = PixelClassifiers.cooijmans(chapter: chapter, images: images)
  let steps = chapter.pick(smoke: 12, book: 600, paper: 110_000, long: 10_000)
  let runs: TunedRuns<PixelModel, ClassifierRecord> = chapter.attempt {
    try chapter.tuneAndRepeat(
      models: pixelModels,
      rates: chapter.pick(
        smoke: [1e-3, 3e-3], book: [3e-3, 1e-2], paper: [1e-3], long: [3e-3, 1e-2, 3e-2]),
      repetitions: repetitions, gridPhase: "MNIST learning-rate grid",
      repetitionsPhase: "MNIST repetitions", score: { -$0.curve.bestValidation.accuracy },
      train: { model, rate, repetition in
        pixels.train(
          "\(model.name), rate \(rateText(rate))"
            + (repetition.index > 1 ? " #\(repetition.index)" : ""), model, rate: rate,
          repetition: repetition, steps: steps,
          gamma: model.normalizer == .layer ? 1 : CooijmansLSTM.initialGamma)
      })
  }
  drawPixelFigure(runs, pixels: pixels)
  let (lstm, bn, ln) = (pixelModels[0], pixelModels[1], pixelModels[2])
  // The LSTM's lowest best validation accuracy: a level every repetition of it reaches.
  let target = runs.repeated(lstm).spread { $0.curve.bestValidation.accuracy }.low
  chapter.log.scalar("pixels: speed target, the LSTM's lowest best validation accuracy", target)
  let readings = Dictionary(
    uniqueKeysWithValues: pixelModels.map { model in
      (model, runs.trials[model]!.map { pixels.reading($0, target: target) })
    })
  func spread(_ model: PixelModel, _ measure: (PixelClassifiers.Reading) -> Double) -> Spread {
    Spread(values: readings[model]!.map(measure))
  }
  func undecided(_ models: [PixelModel]) -> [String] {
    [
      pixels.convergence == nil || models.allSatisfy({ readings[$0]!.allSatisfy(\.converged) })
        ? "" : "a run did not converge",
      runs.edgeNote(models, name: \.name),
    ]
  }
  for reference in [lstm, bn] {
    let reading = runs.speed(
      ln, against: reference,
      steps: { record in
        zip(record.curve.steps, record.curve.validation).first { $0.1 >= target }.map {
          Double($0.0)
        } ?? .nan
      }, resolution: Resolution(0, "crossings read on one measurement schedule"))
    chapter.speedClaim(
      "permuted \(imageData): the LN-LSTM reaches the LSTM's best validation accuracy (the lowest of its repetitions) in fewer steps than the \(reference.kind) (steps / \(reference.kind)'s, at the largest matched rate)",
      paper: "Ba et al. 2016, abstract", reading: reading, names: ("LN-LSTM", reference.kind),
      expected: .below, undecidedBecause: undecided([ln, reference]))
  }
  // Test accuracy at the best validation point, every pair, read by the rule, no verdict.
  var rows: [[String]] = []
  for (a, b) in [(ln, lstm), (ln, bn), (bn, lstm)] {
    let comparison = Comparison(
      spread(a, \.test), a.kind, against: spread(b, \.test), b.kind,
      resolution: .binomial(accuracy: spread(b, \.test).mean / 100, count: pixels.testImages.count),
      format: "%.2f")
    chapter.log.scalar("pixels: test accuracy, \(a.kind) − \(b.kind)", comparison.difference)
    let notes = undecided([a, b]).filter { !$0.isEmpty }
    rows.append([
      "\(a.kind) − \(b.kind)", cell("%+.2f", comparison.difference),
      ([comparison.order.rawValue] + notes).joined(separator: "; "),
      cell("%.2f", comparison.resolution.value),
    ])
  }
  chapter.table(
    "pixel comparisons",
    header: [
      "pair", "test accuracy, difference of means (points)", "order (every repetition)",
      "resolution",
    ],
    rows: rows)
  chapter.table(
    "pixel learning-rate grid",
    header: ["model"]
      + runs.allRates.map { "rate \(rateText($0)): best validation accuracy (step)" },
    rows: runs.gridRows(
      name: \.kind,
      text: { record in
        let best = record.curve.bestValidation
        return cell("%.1f%%", best.accuracy) + " (" + grouped(best.step) + ")"
          + (record.divergedAt.map { ", diverged at step \(grouped($0))" } ?? "")
      },
      // A diverged run says so instead.
      converged: { $0.divergedAt != nil || pixels.converged($0) }))
  chapter.table(
    "pixel models at their rates",
    header: [
      "model", "rate", "best validation accuracy (%)", "steps to the target", "test accuracy (%)",
      "stopped at",
    ],
    rows: pixelModels.map { model in
      chapter.log.scalar("pixels: test accuracy, \(model.kind), mean", spread(model, \.test).mean)
      return [
        model.kind, rateText(runs.chosenRate[model]!), spread(model, \.best).meanAndRange("%.2f"),
        spread(model, \.stepsToTarget).meanAndRange("steps"),
        spread(model, \.test).meanAndRange("%.2f"),
        readings[model]!.map { "\(grouped($0.stoppedAt))" + ($0.converged ? "" : "*") }.joined(
          separator: ", "),
      ]
    })
}
