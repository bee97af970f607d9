import Companion
import Datasets
import Engine
import Foundation

// The paper preset's word-level model (Zaremba et al. 2014's small configuration), which
// runs only when Penn Treebank's word files are given: kept off the page, which describes it.

/// The paper preset's word-level run of one variant, resumable.
func trainWords(_ variant: Variant, corpus words: WordCorpus) -> LanguageModelCurve {
  let (streams, window, width, epochs) = (20, 20, 200, 13)
  let streamLength = (words.train.count - 1) / streams
  let windowsPerEpoch = streamLength / window
  let totalSteps = chapter.steps(default: chapter.epochs(default: epochs) * windowsPerEpoch)
  var generator = chapter.makeGenerator("word weights")
  let configuration = RecurrentLayerConfiguration(
    cell: .lstm, inputs: width, hidden: width,
    normalization: variant.normalization(maxSteps: window),
    inputWeights: .uniform(limit: 0.1), recurrentWeights: .uniform(limit: 0.1))
  let model = SequenceModel<Float>(
    layers: [configuration, configuration], head: .everyStep(classes: words.vocabularySize),
    embedding: (words.vocabularySize, width), readoutWeights: .uniform(limit: 0.1),
    using: &generator)
  /// Window k of a token stream cut into `streams` rows: time-major inputs and targets.
  func windowAt(_ k: Int, of tokens: [Int]) -> (inputs: [Int], targets: [Int]) {
    let rows = (tokens.count - 1) / streams
    var inputs = [Int](repeating: 0, count: streams * window)
    var targets = inputs
    for b in 0..<streams {
      for t in 0..<window {
        inputs[t * streams + b] = tokens[b * rows + k * window + t]
        targets[t * streams + b] = tokens[b * rows + k * window + t + 1]
      }
    }
    return (inputs, targets)
  }
  /// Bits per word over the first `windows` windows of `tokens`, the state carried through.
  func bitsPerWord(_ tokens: [Int], windows: Int) -> Double {
    var nats = 0.0
    let count = min(windows, (tokens.count - 1) / streams / window)
    for k in 0..<count {
      let (inputs, targets) = windowAt(k, of: tokens)
      nats += Double(
        model.evaluate(
          .tokens(inputs), targets: targets, steps: window, batch: streams,
          start: k == 0 ? .fresh : .continuing
        ).loss)
    }
    return nats / Double(count) / log(2)
  }
  // The state carries from one window to the next (the model's carried states are part of
  // its checkpointed state); SGD keeps none of its own, its rate follows from the step.
  let run = TrainingRun(
    name: "\(variant.rawValue), words", steps: totalSteps,
    schedule: EvaluationSchedule(total: totalSteps, points: 2 * epochs), model: model,
    record: LanguageModelCurve(name: variant.rawValue, log: chapter.log, unit: "bits per word"),
    step: { step in
      let (epoch, k) = ((step - 1) / windowsPerEpoch, (step - 1) % windowsPerEpoch)
      // Rate 1, halved every epoch after the fourth.
      var optimizer = SGD<Float>(learningRate: pow(0.5, Double(max(0, epoch - 3))))
      let (inputs, targets) = windowAt(k, of: words.train)
      return Double(
        model.trainStep(
          .tokens(inputs), targets: targets, steps: window, batch: streams,
          optimizer: &optimizer, clipNorm: 5, start: k == 0 ? .fresh : .continuing
        ).loss)
    },
    measure: { step, meanLoss, curve in
      // Measuring runs its own windows: the training stream's state is put back after.
      let carried = model.carriedStates
      let (training, validation) = (
        bitsPerWord(words.train, windows: 200), bitsPerWord(words.valid, windows: .max)
      )
      model.carriedStates = carried
      curve.record(
        step: step, trainingBatches: meanLoss / log(2), training: training,
        validation: validation)
      return [("valid ppl", pow(2, validation))]
    })
  let record = chapter.attempt { try run.run(in: chapter) { $0 } }
  let best = record.bestValidation
  chapter.say(
    String(
      format: "%@ (words): best validation perplexity %.1f at step %d", variant.rawValue,
      pow(2, best.bpc), best.step))
  return record
}
