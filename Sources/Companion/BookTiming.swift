import Engine
import Foundation
import Randomness

/// How long the book takes on *this* machine, said before it starts.
///
/// The same book took 22 minutes on one 2-core machine and 55 on another whose sgemm was 3.5×
/// slower. So `companion` times one training step of each kind of model the book trains (a few
/// seconds: Chapter 3's MLP, Chapter 5's pixel BN-LSTM, the character LSTM of Chapters 4 and 5),
/// and scales the chapters' times of a reference run of the book by the ratio of this machine's
/// steps to the reference machine's. A complete book run writes its own timings and steps
/// (`book-timing.json` in its output directory), so the next estimate can be made from it.
public struct StepCalibration: Codable, Equatable, Sendable {
  /// Milliseconds per training step, fastest of a few.
  public var mlp: Double
  public var pixelLSTM: Double
  public var characterLSTM: Double

  public init(mlp: Double, pixelLSTM: Double, characterLSTM: Double) {
    self.mlp = mlp
    self.pixelLSTM = pixelLSTM
    self.characterLSTM = characterLSTM
  }

  /// Times the three steps (about two seconds on the machine the book was written on).
  public static func measure(seed: UInt64 = 1) -> StepCalibration {
    var generator = RandomGenerator(seed: seed)
    let network = FeedForwardNetwork<Float>(
      .init(inputs: 784, hidden: [100, 100, 100], outputs: 10, normalization: .batch(.paper)),
      using: &generator)
    let x = Matrix<Float>(rows: 60, cols: 784) { v in
      for i in v.indices { v[i] = Float(generator.nextUnit()) }
    }
    let labels = (0..<60).map { _ in generator.next(below: 10) }
    var sgd = SGD<Float>(learningRate: 0.01)
    let mlp = fastest(warmUp: 20, repeats: 5, count: 20) {
      _ = network.trainStep(x, labels: labels, optimizer: &sgd, statistics: .batch)
    }
    return StepCalibration(
      mlp: mlp, pixelLSTM: recurrent(steps: 196, inputs: 1, hidden: 64, tokens: false),
      characterLSTM: recurrent(steps: 100, inputs: 55, hidden: 64, tokens: true))
  }

  /// A BN-LSTM step of batch 64 at Chapter 5's book shapes.
  static func recurrent(steps: Int, inputs: Int, hidden: Int, tokens: Bool) -> Double {
    var generator = RandomGenerator(seed: 2)
    let model = SequenceModel<Float>(
      layers: [
        RecurrentLayerConfiguration(
          cell: .lstm, inputs: inputs, hidden: hidden, tokenInput: tokens,
          normalization: .cooijmans(maxSteps: steps))
      ], head: tokens ? .everyStep(classes: inputs) : .lastStep(classes: 10), using: &generator)
    let rows = steps * 64
    let pixels = Matrix<Float>(rows: rows, cols: 1) { v in
      for i in v.indices { v[i] = Float(generator.nextUnit()) }
    }
    let ids = (0..<rows).map { _ in generator.next(below: inputs) }
    let targets = (0..<(tokens ? rows : 64)).map { _ in generator.next(below: tokens ? inputs : 10)
    }
    var adam = Adam<Float>(learningRate: 2e-3)
    return fastest(warmUp: 1, repeats: 3, count: 2) {
      pixels.withView { x in
        _ = model.trainStep(
          tokens ? .tokens(ids) : .dense(x), targets: targets, steps: steps, batch: 64,
          optimizer: &adam, clipNorm: 1)
      }
    }
  }

  static func fastest(warmUp: Int, repeats: Int, count: Int, _ body: () -> Void) -> Double {
    for _ in 0..<warmUp { body() }
    return fastestMilliseconds(repeats: repeats, count: count, body)
  }

  /// The step that dominates chapter `number`'s time.
  public func milliseconds(forChapter number: Int) -> Double {
    switch number {
    case 4: characterLSTM
    case 5: pixelLSTM
    default: mlp
    }
  }

  public var description: String {
    String(
      format: "BN-MLP step %.3f ms, pixel BN-LSTM step %.1f ms, character BN-LSTM step %.1f ms",
      mlp, pixelLSTM, characterLSTM)
  }
}

/// A complete run of the book: when, with how many runs side by side, each chapter's wall
/// time, and the machine's steps.
public struct BookTiming: Codable, Sendable {
  public struct ChapterTime: Codable, Sendable {
    public var number: Int
    public var seconds: Double

    public init(number: Int, seconds: Double) {
      self.number = number
      self.seconds = seconds
    }
  }

  public var date: String
  public var preset: String
  public var jobs: Int
  public var calibration: StepCalibration
  public var chapters: [ChapterTime]

  public init(
    date: String, preset: String, jobs: Int, calibration: StepCalibration, chapters: [ChapterTime]
  ) {
    self.date = date
    self.preset = preset
    self.jobs = jobs
    self.calibration = calibration
    self.chapters = chapters
  }

  public static let fileName = "book-timing.json"

  public static func read(from directory: URL) -> BookTiming? {
    guard
      let data = FileManager.default.contents(
        atPath: directory.appendingPathComponent(fileName).path)
    else { return nil }
    return try? JSONDecoder().decode(BookTiming.self, from: data)
  }

  public func write(to directory: URL) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    try encoder.encode(self).write(
      to: directory.appendingPathComponent(Self.fileName), options: .atomic)
  }

  public var totalSeconds: Double { chapters.map(\.seconds).reduce(0, +) }

  /// This machine's estimate for `numbers`: each chapter's reference time scaled by its
  /// dominant step, here against there, and by the runs side by side, there against here.
  public func estimate(_ numbers: [Int], here: StepCalibration, jobs hereJobs: Int) -> [(
    Int, Double
  )] {
    numbers.compactMap { number in
      guard let reference = chapters.first(where: { $0.number == number }) else { return nil }
      let speed =
        here.milliseconds(forChapter: number) / calibration.milliseconds(forChapter: number)
      let sideBySide = Double(jobs) / Double(max(hereJobs, 1))
      return (number, reference.seconds * speed * (number >= 3 ? sideBySide : 1))
    }
  }
}

/// "12 min", "1 h 05 min", "40 s".
public func durationText(_ seconds: Double) -> String {
  if seconds < 90 { return "\(Int(seconds.rounded())) s" }
  let minutes = Int((seconds / 60).rounded())
  return minutes < 60
    ? "\(minutes) min" : "\(minutes / 60) h \(String(format: "%02d", minutes % 60)) min"
}

/// The fastest over `repeats` of the milliseconds per call of `body`, timed over `count` calls
/// at a time: on a shared machine, the repeat least disturbed by others.
public func fastestMilliseconds(repeats: Int, count: Int, _ body: () -> Void) -> Double {
  var best = Double.infinity
  for _ in 0..<repeats {
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<count { body() }
    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(count))
  }
  return best
}
