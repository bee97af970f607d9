import Companion
import Datasets
import Engine
import Foundation

/// For each step t < cap: how many of a batch's sequences are still running (on average over
/// the batches), and for each probed unit the spread across batches of the frame-wise mean
/// and variance at t, relative to the unit's mean and variance over all frames; beside them the
/// spread of the sequence-wise batch mean and variance.
struct StatisticsSpread {
  var running: [Double]
  var frameMean: [[Double]]
  var frameVariance: [[Double]]
  var sequenceMean: [Double]
  var sequenceVariance: [Double]
}

/// The input term W_x x_t of the trained frame-wise network is row x_t of its W_x, so its
/// per-step and pooled batch statistics follow from the tokens alone; we compute them in
/// Double.
func statisticsSpread() -> StatisticsSpread {
  let weights = variableRecords[.frameWise]!.parameters!["layer1.Wx"]!
  var stream = DocumentStream(batchSize: batch, cap: cap, seed: chapter.seed(for: "spread"))
  var running = [Double](repeating: 0, count: cap)
  // Per unit, per step: the batch means and variances seen, one per batch.
  var frameMeans = [[[Double]]](
    repeating: [[Double]](repeating: [], count: cap), count: probedUnits.count)
  var frameVariances = frameMeans
  var sequenceMeans = [[Double]](repeating: [], count: probedUnits.count)
  var sequenceVariances = sequenceMeans
  var allValues = [[Double]](repeating: [], count: probedUnits.count)
  for _ in 0..<spreadBatches {
    let padded = stream.next(from: trainingDocuments)
    for t in 0..<cap { running[t] += Double(padded.lengths.filter { $0 > t }.count) }
    for (k, unit) in probedUnits.enumerated() {
      var pooled: [Double] = []
      for t in 0..<padded.steps {
        let values = (0..<batch).filter { padded.mask[t * batch + $0] != 0 }.map {
          Double(weights[padded.inputs[t * batch + $0], unit])
        }
        pooled += values
        guard values.count >= 1 else { continue }
        let mean = values.reduce(0, +) / Double(values.count)
        frameMeans[k][t].append(mean)
        frameVariances[k][t].append(
          values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count))
      }
      let mean = pooled.reduce(0, +) / Double(pooled.count)
      sequenceMeans[k].append(mean)
      sequenceVariances[k].append(
        pooled.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(pooled.count))
      allValues[k] += pooled
    }
  }
  func spread(_ values: [Double]) -> Double {
    guard values.count >= 2 else { return .nan }
    let mean = values.reduce(0, +) / Double(values.count)
    return (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1))
      .squareRoot()
  }
  var result = StatisticsSpread(
    running: running.map { $0 / Double(spreadBatches) }, frameMean: [], frameVariance: [],
    sequenceMean: [], sequenceVariance: [])
  for k in probedUnits.indices {
    let all = allValues[k]
    let mean = all.reduce(0, +) / Double(all.count)
    let variance = all.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(all.count)
    let scale = (mean: variance.squareRoot(), variance: variance)
    result.frameMean.append(frameMeans[k].map { spread($0) / scale.mean })
    result.frameVariance.append(frameVariances[k].map { spread($0) / scale.variance })
    result.sequenceMean.append(spread(sequenceMeans[k]) / scale.mean)
    result.sequenceVariance.append(spread(sequenceVariances[k]) / scale.variance)
  }
  return result
}
