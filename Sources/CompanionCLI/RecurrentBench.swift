import Engine
import Foundation
import Randomness

/// One training step of a recurrent model — forward over T steps, backpropagation through
/// time, clipping, update — against the matrix products that step cannot avoid.
///
/// The GEMM bound runs exactly the products the engine's step runs, with the same shapes, back
/// to back: W_x x_t for all steps at once (skipped for token inputs, which gather rows, and
/// for one input, where x_t W_x is a row of W_x scaled, made step by step in the loop);
/// h_{t−1} W_h at every step forward and ∂ℓ/∂(h W_h) · W_hᵀ at every step backward; ∂ℓ/∂W_h
/// and ∂ℓ/∂W_x for all steps in one product each; the readout forward and its two backward
/// products (on the last step, or on every step for a language model).
struct RecurrentBench {
  enum Input {
    /// A value per step (pixel-by-pixel MNIST).
    case pixels
    /// One of `vocabulary` characters per step.
    case characters(vocabulary: Int)
  }

  var name: String
  var input: Input
  var steps: Int
  var batch: Int
  var hidden: Int
  /// The LSTM's normaliser at the BN-LSTM's places (nil: the plain LSTM).
  var normalizer: RecurrentNormalization.Normalizer?
  var seed: UInt64

  var shape: String {
    let what =
      switch input {
      case .pixels: "input 1, classifier on h_T, RMSProp, clip 1"
      case .characters(let v): "\(v) characters one-hot, softmax every step, Adam, clip 1"
      }
    return "T \(steps), batch \(batch), hidden \(hidden), \(what)"
  }

  func measure(repeats: Int) -> BenchRow {
    var generator = RandomGenerator(seed: seed)
    let (inputs, head, tokenInput): (Int, SequenceHead, Bool) =
      switch input {
      case .pixels: (1, .lastStep(classes: 10), false)
      case .characters(let v): (v, .everyStep(classes: v), true)
      }
    let model = SequenceModel<Float>(
      layers: [
        CooijmansLSTM.layer(
          inputs: inputs, hidden: hidden, tokenInput: tokenInput, steps: steps,
          normalizer: normalizer,
          initialGamma: normalizer == .layer ? 1 : CooijmansLSTM.initialGamma)
      ], head: head, using: &generator)
    let rows = steps * batch
    let pixels = Matrix<Float>(rows: rows, cols: 1) { v in
      for i in v.indices { v[i] = Float(generator.nextUnit()) }
    }
    let tokens = (0..<rows).map { _ in generator.next(below: inputs) }
    let targets =
      tokenInput
      ? (0..<rows).map { _ in generator.next(below: inputs) }
      : (0..<batch).map { _ in generator.next(below: 10) }
    var rmsprop = RMSProp<Float>.cooijmans()
    var adam = Adam<Float>(learningRate: 2e-3)
    let step = {
      pixels.withView { x in
        let sequence: SequenceInput<Float> = tokenInput ? .tokens(tokens) : .dense(x)
        if tokenInput {
          _ = model.trainStep(
            sequence, targets: targets, steps: steps, batch: batch, optimizer: &adam,
            clipNorm: 1)
        } else {
          _ = model.trainStep(
            sequence, targets: targets, steps: steps, batch: batch, optimizer: &rmsprop,
            clipNorm: 1)
        }
      }
    }
    step()
    let allocations = allocationsPerCall(2, step)
    let bound = GEMMs(
      steps: steps, batch: batch, inputs: inputs, hidden: hidden, classes: head.classes,
      denseInput: !tokenInput, everyStep: tokenInput)
    bound.run()
    let best = interleavedBest(repeats: repeats, count: 1, step: step, bound: bound.run)
    return BenchRow(
      name: name, shape: shape, millisecondsPerStep: best.step,
      gemmBoundMilliseconds: best.bound, allocationsPerStep: allocations)
  }

  /// The matrix products of one training step of a one-layer LSTM, on buffers of the same
  /// shapes as the engine's.
  final class GEMMs {
    let steps, batch: Int
    let denseInput, inputProduct, everyStep: Bool
    let x, wx, xw, h, wh, a, dRecurrent, dh, dwh, dwx, wy, logits, dLogits, dTop, dwy: Buffer<Float>

    init(
      steps: Int, batch: Int, inputs: Int, hidden: Int, classes: Int, denseInput: Bool,
      everyStep: Bool
    ) {
      self.steps = steps
      self.batch = batch
      self.denseInput = denseInput
      // One input: x_t W_x is one multiplication an entry, which the layer makes in its loop.
      self.inputProduct = denseInput && inputs > 1
      self.everyStep = everyStep
      var generator = RandomGenerator(seed: 5)
      let g = 4 * hidden
      let readRows = everyStep ? steps * batch : batch
      x = randomBuffer(steps * batch, inputs, using: &generator)
      wx = randomBuffer(inputs, g, using: &generator)
      xw = Buffer(rows: steps * batch, cols: g)
      h = randomBuffer((steps + 1) * batch, hidden, using: &generator)
      wh = randomBuffer(hidden, g, using: &generator)
      a = Buffer(rows: batch, cols: g)
      dRecurrent = randomBuffer(steps * batch, g, using: &generator)
      dh = Buffer(rows: batch, cols: hidden)
      dwh = Buffer(rows: hidden, cols: g)
      dwx = Buffer(rows: inputs, cols: g)
      wy = randomBuffer(hidden, classes, using: &generator)
      logits = Buffer(rows: readRows, cols: classes)
      dLogits = randomBuffer(readRows, classes, using: &generator)
      dTop = Buffer(rows: readRows, cols: hidden)
      dwy = Buffer(rows: hidden, cols: classes)
    }

    func run() {
      let (b, rows) = (batch, steps * batch)
      if inputProduct { gemm(x.view, wx.view, into: xw.view) }
      for t in 0..<steps {
        gemm(h.view.rows(t * b..<(t + 1) * b), wh.view, into: a.view)
      }
      let top = everyStep ? h.view.rows(b..<rows + b) : h.view.rows(rows..<rows + b)
      gemm(top, wy.view, into: logits.view)
      gemm(top, dLogits.view, into: dwy.view, transposeA: true)
      gemm(dLogits.view, wy.view, into: dTop.view, transposeB: true)
      for t in stride(from: steps - 1, through: 0, by: -1) {
        gemm(dRecurrent.view.rows(t * b..<(t + 1) * b), wh.view, into: dh.view, transposeB: true)
      }
      gemm(h.view.rows(0..<rows), dRecurrent.view, into: dwh.view, transposeA: true)
      if denseInput { gemm(x.view, dRecurrent.view, into: dwx.view, transposeA: true) }
    }
  }
}
