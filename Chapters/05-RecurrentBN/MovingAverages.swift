import Companion
import Datasets
import Engine
import Foundation

// The moving-average study's measurements at frozen weights, and its rows: what the page's
// list of protocols computes.

/// Validation accuracy of the study run's best weights with moving averages of
/// `convention`'s momentum, fed `batches` training batches from fresh (mean 0, variance 1) at
/// those frozen weights.
func frozenAccuracy(_ convention: BatchNormConvention, batches: Int) -> Double {
  let model = pixels.model(batchNorm: true, noise: false, convention: convention)
  chapter.attempt { try NamedValues.restore(model.parameters, from: studyRun.bestParameters) }
  let data = pixels.sequences(.permuted, of: pixels.trainImages)
  var order = MiniBatchStream(
    count: pixels.trainImages.count, batchSize: pixels.batch,
    seed: chapter.seed(for: "frozen weights"))
  for _ in 0..<batches {
    let (inputs, _) = data.batch(Array(order.next()))
    _ = inputs.withView { x in
      model.forward(.dense(x), steps: pixels.steps, batch: pixels.batch, statistics: .batchAndTrack)
    }
  }
  return model.classify(
    pixels.sequences(.permuted, of: pixels.validationImages), batch: pixels.batch
  )
  .accuracy
}

/// Enough batches for the start's share, (1 − momentum)ⁿ, to fall below 10⁻⁶: even at a
/// step whose variance is about 0, where BN divides an error in the mean by √ε ≈ 0.003,
/// what is left of the start is then a thousandth of the unit's mean.
let fadedBatches = (
  fast: chapter.pick(smoke: 20, book: 150, paper: 150),
  slow: chapter.pick(smoke: 40, book: 1_400, paper: 1_400)
)

/// The best point's step: how many batches the averages had seen there in training.
var studySteps: Int { max(studyRun.curve.bestValidation.step, 1) }

/// The study's rows: each way of getting population statistics, what it differs in from the
/// reference, and the validation accuracy it gives at the study run's best point.
func movingAverageStudy() -> [(String, String, Double)] {
  chapter.log.scalar("batches fed at frozen weights, momentum 0.1", Double(fadedBatches.fast))
  chapter.log.scalar("batches fed at frozen weights, momentum 0.01", Double(fadedBatches.slow))
  let frozen = chapter.phase("moving averages") {
    (
      fast: frozenAccuracy(.pytorch, batches: fadedBatches.fast),
      slowAsInTraining: frozenAccuracy(authorsMovingAverage, batches: studySteps),
      slow: frozenAccuracy(authorsMovingAverage, batches: fadedBatches.slow)
    )
  }
  let best = studyRun.curve.steps.firstIndex(of: studyRun.curve.bestValidation.step) ?? 0
  return [
    (
      "re-estimated (10 batches, plain average)", "the reference",
      studyRun.curve.validation[best]
    ),
    (
      "moving averages, momentum 0.1, as training left them", "lag, the start's share, noise",
      studyRun.curve.validationMovingAverage[best]
    ),
    (
      "moving averages, momentum 0.01, as training left them", "lag, the start's share, noise",
      slowTwin.curve.validationMovingAverage[best]
    ),
    (
      "moving averages, momentum 0.1, at frozen weights, start faded", "noise",
      frozen.fast
    ),
    (
      "moving averages, momentum 0.01, at frozen weights, as many batches as training steps",
      "the start's remaining share, and noise", frozen.slowAsInTraining
    ),
    (
      "moving averages, momentum 0.01, at frozen weights, start faded", "noise", frozen.slow
    ),
  ]
}
