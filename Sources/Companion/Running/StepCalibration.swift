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

  /// Milliseconds of `step`.
  public func milliseconds(_ step: TimedStep) -> Double {
    switch step {
    case .mlp: mlp
    case .pixelLSTM: pixelLSTM
    case .characterLSTM: characterLSTM
    }
  }

  public var description: String {
    String(
      format: "BN-MLP step %.3f ms, pixel BN-LSTM step %.1f ms, character BN-LSTM step %.1f ms",
      mlp, pixelLSTM, characterLSTM)
  }
}
