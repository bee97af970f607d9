import Datasets
import Engine
import Foundation
import Randomness
import Testing

@testable import Companion

/// The one training loop resumes every kind of model bit for bit: a run stopped at step 5 and
/// resumed — into a model, optimizer and stream built afresh, as a new process would — ends
/// exactly where the uninterrupted run ends: the same record, the same whole state. Each model
/// draws from a generator as it trains (initial-state noise), so a piece of state the loop
/// forgot to save, a generator above all, shows here.
@Suite("One training loop: stop, resume, the same bits")
struct TrainingRunTests {
  /// No checkpoints: the run goes from step 1 to the end.
  struct Uninterrupted: StepCheckpoints {
    var resumedStep: Int { 0 }
    var savedState: Data? { nil }
    func stepDone<State: Encodable>(_ step: Int, state: () -> State) -> Bool { true }
  }

  /// Saves the state after step `stop` and stops there, as Ctrl-C would.
  final class StopsAt: StepCheckpoints {
    let stop: Int
    var saved: Data?
    init(_ stop: Int) { self.stop = stop }
    var resumedStep: Int { 0 }
    var savedState: Data? { nil }
    func stepDone<State: Encodable>(_ step: Int, state: () -> State) -> Bool {
      guard step == stop else { return true }
      saved = try? ResumableUnit.encoder.encode(state())
      return false
    }
  }

  /// Resumes after `resumedStep` from `savedState`.
  struct ResumesFrom: StepCheckpoints {
    let resumedStep: Int
    let savedState: Data?
    func stepDone<State: Encodable>(_ step: Int, state: () -> State) -> Bool { true }
  }

  /// The whole state a run ends in, and its record (wall time zeroed), as bytes.
  static func ending<Model, Record>(
    _ run: TrainingRun<Model, Record>, _ record: Record
  ) throws -> Data {
    let whole = RunState()
    run.model.track(in: whole)
    whole.include(run.state)
    var record = record
    record.seconds = 0
    return try ResumableUnit.encoder.encode(
      LoopProgress(lossSum: 0, lossCount: 0, record: record, state: StateSnapshot(whole)))
  }

  /// Trains `makeRun()` three times, each in a chapter of its own as in a process of its own
  /// — whole; stopped after step 5; resumed in a new run, its chapter given the record the
  /// stopped one had, as a checkpoint would — and compares the first and the last: the whole
  /// state, the run's record, and the chapter's measurements (where the curves live).
  static func expectResumesBitForBit<Model, Record>(
    curvesInTheRecord: Bool = true, _ makeRun: (Chapter) -> TrainingRun<Model, Record>,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let chapter = try TestChapter.make(["--preset", "smoke"])
    let whole = makeRun(chapter)
    let expected = try ending(whole, try whole.train(in: chapter, checkpoints: Uninterrupted()))

    let stoppedChapter = try TestChapter.make(["--preset", "smoke"])
    let stopped = makeRun(stoppedChapter)
    let stop = StopsAt(5)
    _ = try stopped.train(in: stoppedChapter, checkpoints: stop)
    let saved = try #require(stop.saved, sourceLocation: sourceLocation)

    let resumedChapter = try TestChapter.make(["--preset", "smoke"])
    let savedRecord = stoppedChapter.record.snapshot
    resumedChapter.record.access { $0 = savedRecord }
    let resumed = makeRun(resumedChapter)
    let record = try resumed.train(
      in: resumedChapter, checkpoints: ResumesFrom(resumedStep: 5, savedState: saved))
    let actual = try ending(resumed, record)
    // Compared as bytes, reported by piece (a diff of 100 kB of JSON would take a minute).
    let same = actual == expected
    #expect(
      same, "the resumed run ends elsewhere: \(differingPieces(actual, expected))",
      sourceLocation: sourceLocation)
    let (series, expectedSeries) = (resumedChapter.log.allSeries, chapter.log.allSeries)
    #expect(expectedSeries.isEmpty == !curvesInTheRecord, sourceLocation: sourceLocation)
    #expect(
      try ResumableUnit.encoder.encode(series) == ResumableUnit.encoder.encode(expectedSeries),
      "the resumed run's curves differ", sourceLocation: sourceLocation)
  }

  /// The names of the state's pieces (and "record") that differ between two endings.
  static func differingPieces(_ a: Data, _ b: Data) -> [String] {
    func pieces(_ data: Data) -> [String: String] {
      guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
        let state = object["state"] as? [String: Any]
      else { return [:] }
      var result = state.mapValues { "\($0)" }
      result["record"] = "\(object["record"] ?? "")"
      return result
    }
    let (x, y) = (pieces(a), pieces(b))
    return Set(x.keys).union(y.keys).filter { x[$0] != y[$0] }.sorted()
  }

  /// A tiny character text over 11 symbols.
  static let text: [UInt8] = {
    var generator = RandomGenerator(seed: 3)
    return (0..<3_000).map { _ in UInt8(generator.next(below: 11)) }
  }()

  @Test("a language model (BN-LSTM, initial-state noise, Adam, random crops)")
  func languageModel() throws {
    try Self.expectResumesBitForBit { chapter in
      var generator = RandomGenerator(seed: 1)
      let model = SequenceModel<Float>(
        layers: [
          RecurrentLayerConfiguration(
            cell: .lstm, inputs: 11, hidden: 8, tokenInput: true,
            normalization: .cooijmans(maxSteps: 12), initialStateNoise: 0.1)
        ], head: .everyStep(classes: 11), using: &generator)
      let sample = TextSample(tokens: Self.text, batch: 4, length: 12, maxBatches: 1)
      return LanguageModelTraining(
        name: "characters", steps: 9, batch: 4, length: 12, learningRate: 1e-2, clipNorm: 1,
        evaluations: 3, seed: 5, statistics: .reestimated(batches: 2)
      ).describe(
        in: chapter, model: model, source: .crops(Self.text), trainingSample: sample,
        validationSample: sample)
    }
  }

  /// 24 random 3×3 images of 3 classes, read pixel by pixel.
  static func pixelSequences() -> PixelSequences {
    var generator = RandomGenerator(seed: 2)
    let images = ImageSet(
      count: 24, rows: 3, cols: 3, pixels: (0..<(24 * 9)).map { _ in Float(generator.nextUnit()) },
      labels: (0..<24).map { $0 % 3 })
    return PixelSequences(images: images, permutation: nil)
  }

  @Test("a sequence classifier (BN-LSTM, initial-state noise, RMSProp, shuffled batches)")
  func sequenceClassifier() throws {
    let data = Self.pixelSequences()
    try Self.expectResumesBitForBit { chapter in
      var generator = RandomGenerator(seed: 1)
      let model = SequenceModel<Float>(
        layers: [
          RecurrentLayerConfiguration(
            cell: .lstm, inputs: 1, hidden: 6, normalization: .cooijmans(maxSteps: 9),
            initialState: .learned, initialStateNoise: 0.1)
        ], head: .lastStep(classes: 3), using: &generator)
      return SequenceClassifierTraining(
        name: "pixels", steps: 9, batch: 5, optimizer: RMSProp<Float>.cooijmans(), clipNorm: 1,
        evaluations: 3, seed: 7, statistics: .reestimated(batches: 2), measuresMovingAverage: true
      ).describe(in: chapter, model: model, training: data, validation: data)
    }
  }

  /// The loop is not tied to the library's runs: a feed-forward network with BN, SGD and
  /// shuffled mini-batches, described in a few lines.
  @Test("a feed-forward network (BN, SGD with momentum, shuffled batches)")
  func feedForward() throws {
    var generator = RandomGenerator(seed: 4)
    let x = Matrix<Float>(rows: 40, cols: 5) { v in
      for i in v.indices { v[i] = Float(generator.nextGaussian()) }
    }
    let labels = (0..<40).map { $0 % 3 }
    struct Curve: TrainingRecord {
      var losses: [Double] = []
      var accuracy: [Double] = []
      var divergedAt: Int?
      var seconds = 0.0
    }
    try Self.expectResumesBitForBit(curvesInTheRecord: false) { chapter in
      var weights = RandomGenerator(seed: 1)
      let network = FeedForwardNetwork<Float>(
        .init(inputs: 5, hidden: [6, 6], outputs: 3, normalization: .batch(.paper)), using: &weights
      )
      let state = RunState()
      var optimizer = Momentum<Float>(learningRate: 0.1)
      state.track("optimizer", get: { optimizer }, set: { optimizer = $0 })
      var batches = MiniBatchStream(count: 40, batchSize: 8, seed: 9)
      state.track("batches", get: { batches }, set: { batches = $0 })
      return TrainingRun(
        name: "mlp", steps: 9, evaluations: 3, model: network, state: state, record: Curve(),
        step: { _ in
          let indices = Array(batches.next())
          let batch = Matrix<Float>(rows: indices.count, cols: 5) { v in
            for (r, i) in indices.enumerated() { for j in 0..<5 { v[r * 5 + j] = x[i, j] } }
          }
          return Double(
            network.trainStep(batch, labels: indices.map { labels[$0] }, optimizer: &optimizer))
        },
        measure: { _, meanLoss, curve in
          curve.losses.append(meanLoss)
          curve.accuracy.append(network.accuracy(x, labels: labels, statistics: .population))
          return [("loss", meanLoss)]
        })
    }
  }

  @Test("a checkpoint without a piece of the run's state is refused, naming it")
  func missingPieceIsNamed() throws {
    let chapter = try TestChapter.make(["--preset", "smoke"])
    let state = RunState()
    var counter = 0
    state.track("counter", get: { counter }, set: { counter = $0 })
    let saved = try ResumableUnit.encoder.encode(
      LoopProgress(
        lossSum: 0, lossCount: 0, record: [Double](), state: StateSnapshot(RunState())))
    #expect {
      try ResumesFrom(resumedStep: 1, savedState: saved).restoreProgress(
        into: state, record: [Double].self, decoder: ResumableUnit.makeDecoder())
    } throws: { error in
      "\(error)".contains("the checkpoint's state lacks counter")
    }
    _ = chapter
  }
}

@Suite("Checkpoint files")
struct CheckpointFileTests {
  /// A measurement that is not a number (a loss before the first step, a diverged run's last
  /// point) is written as "nan"; the checkpoint must read it back, not call itself corrupt.
  @Test("a checkpoint whose log holds NaN and infinity reads back")
  func nonFiniteValuesReadBack() throws {
    let out = try TemporaryDirectory()
    let chapter = try TestChapter.make(
      ["--preset", "smoke", "--checkpoint-every", "1", "--out", out.url.path], number: 98,
      root: out.url)
    chapter.log.record("training loss", run: "a", step: 0, value: Double.nan)
    chapter.log.record("training loss", run: "a", step: 1, value: Double.infinity)
    let store = try #require(try chapter.checkpointStore())
    try store.writeNow(from: chapter)
    let read = try CheckpointStore.read(store.file, previous: store.previousFile)
    let values =
      read.record.series.first { $0.metric == "training loss" }?.points.map(\.value) ?? []
    #expect(values.count == 2 && values[0].isNaN && values[1] == .infinity)
  }
}
