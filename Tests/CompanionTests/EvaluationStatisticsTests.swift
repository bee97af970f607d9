import Engine
import Foundation
import Randomness
import Testing

@testable import Companion

/// A run states how its evaluations get their statistics; each choice does what it says.
@Suite("Evaluation statistics, a policy of the run")
struct EvaluationStatisticsTests {
  static func model(convention: BatchNormConvention) -> SequenceModel<Float> {
    var generator = RandomGenerator(seed: 1)
    return SequenceModel<Float>(
      layers: [
        RecurrentLayerConfiguration(
          cell: .lstm, inputs: 2, hidden: 3,
          normalization: .cooijmans(maxSteps: 4, convention: convention))
      ], head: .lastStep(classes: 2), using: &generator)
  }

  static func batch(_ seed: UInt64) -> Matrix<Float> {
    var generator = RandomGenerator(seed: seed)
    return Matrix(rows: 4 * 5, cols: 2) { v in
      for i in v.indices { v[i] = Float(generator.nextGaussian()) }
    }
  }

  @Test(
    "re-estimated: the evaluation sees the average over the fed batches, training keeps its own")
  func reestimatedIsSetAsideAndPutBack() {
    let model = Self.model(convention: .pytorch)
    // Training tracks its moving averages for a while.
    for seed in UInt64(1)...3 {
      Self.batch(seed).withView {
        _ = model.forward(.dense($0), steps: 4, batch: 5, statistics: .batchAndTrack)
      }
    }
    let tracked = model.populations
    var fed: [Int] = []
    let seen = model.evaluating(
      .reestimated(batches: 2),
      feed: { k in
        fed.append(k)
        Self.batch(UInt64(10 + k)).withView {
          _ = model.forward(.dense($0), steps: 4, batch: 5, statistics: .batchAndTrack)
        }
      }
    ) { policy in
      #expect(policy == .population)
      return model.populations
    }
    #expect(fed == [0, 1])
    #expect(model.populations == tracked, "training's moving averages are put back")
    // What the evaluation saw: the plain average of the two batches' statistics, step by step.
    let bnX = seen["layer1.bn_x"]!
    #expect(bnX.convention == .paper && bnX[0].batches == 2)
    #expect(seen != tracked)
  }

  @Test("moving averages: the momentum named must be the model's")
  func movingAverageMomentumIsChecked() async {
    #expect(
      Self.model(convention: .pytorch).evaluating(.movingAverage(momentum: 0.1), feed: { _ in }) {
        $0
      } == .population)
    let result = await #expect(
      processExitsWith: .failure, observing: [\.standardErrorContent]
    ) {
      _ = EvaluationStatisticsTests.model(convention: .keras).evaluating(
        .movingAverage(momentum: 0.1), feed: { _ in }
      ) { $0 }
    }
    let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(message.contains("not a moving average with momentum 0.1"), "\(message)")
  }

  @Test("batch statistics: evaluation normalises each batch with its own")
  func batchPolicy() {
    #expect(Self.model(convention: .paper).evaluating(.batch, feed: { _ in }) { $0 } == .batch)
    #expect(
      EvaluationStatistics.reestimated(batches: 10).description
        == "re-estimated over 10 training batches")
  }
}
