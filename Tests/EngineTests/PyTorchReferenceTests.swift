import Foundation
import Randomness
import Testing

@testable import Engine

/// The engine's LSTM, BN-LSTM and LN-LSTM against an independent implementation: PyTorch in float64,
/// from the same weights and inputs (Benchmarks/make_lstm_fixture.py wrote the fixture; the
/// test needs no PyTorch). Outputs, loss and every gradient must agree to 1e-9 relative.
@Suite("LSTM, BN-LSTM and LN-LSTM against PyTorch (float64 fixture)")
struct PyTorchReferenceTests {
  struct Fixture: Decodable {
    var epsilon: Double
    var gateOrder: String
    var cases: [Case]
  }

  struct Case: Decodable, CustomTestStringConvertible, Sendable {
    var name: String
    var model: String
    var head: String
    var sizes: [String: Int]
    var inputs: Matrix<Double>
    var labels: [Int]
    var parameters: [String: Matrix<Double>]
    var loss: Double
    var hidden: Matrix<Double>
    var gradients: [String: Matrix<Double>]
    var testDescription: String { name }
  }

  static let fixture: Fixture = {
    let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("Fixtures/lstm-reference.json")
    do {
      return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: file))
    } catch {
      fatalError("cannot read \(file.path): \(error)")
    }
  }()

  /// The fixture's parameter names and the engine's, for a model whose normaliser has this
  /// abbreviation ("bn", "ln"; none for the plain LSTM).
  static func names(_ kind: String) -> [String: String] {
    [
      "Wx": "layer1.Wx", "Wh": "layer1.Wh", "b": "layer1.b", "h0": "layer1.h0",
      "c0": "layer1.c0", "Wy": "readout.W", "by": "readout.b", "gamma_x": "layer1.\(kind)_x.γ",
      "gamma_h": "layer1.\(kind)_h.γ", "gamma_c": "layer1.\(kind)_c.γ",
      "beta_c": "layer1.\(kind)_c.β",
    ]
  }

  /// The fixture's model as the engine's normalization.
  static func normalization(_ model: String, steps: Int) -> RecurrentNormalization {
    switch model {
    case "bn": .cooijmans(maxSteps: steps)
    case "ln": .cooijmans(maxSteps: steps, normalizer: .layer)
    default: .none
    }
  }

  /// ‖a − b‖∞ / max(‖b‖∞, tiny).
  func relativeError(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Double {
    precondition(a.rows == b.rows && a.cols == b.cols, "shapes differ")
    return (a - b).maxAbs / max(b.maxAbs, 1e-300)
  }

  @Test("the fixture is the engine's convention: gates i, f, o, g; ε = 1e-5")
  func conventions() {
    #expect(Self.fixture.gateOrder == "ifog")
    #expect(Self.fixture.epsilon == BatchNormConvention.paper.epsilon)
    #expect(Self.fixture.cases.count == 6)
    #expect(Set(Self.fixture.cases.map(\.model)) == ["plain", "bn", "ln"])
  }

  @Test("loss, hidden states and every gradient", arguments: fixture.cases)
  func matches(_ c: Case) throws {
    let (steps, batch, inputs, hidden, classes) = (
      c.sizes["T"]!, c.sizes["B"]!, c.sizes["I"]!, c.sizes["H"]!, c.sizes["K"]!
    )
    var generator = RandomGenerator(seed: 1)
    let model = SequenceModel<Double>(
      layers: [
        RecurrentLayerConfiguration(
          cell: .lstm, inputs: inputs, hidden: hidden,
          normalization: Self.normalization(c.model, steps: steps),
          initialState: .learned)
      ],
      head: c.head == "lm" ? .everyStep(classes: classes) : .lastStep(classes: classes),
      using: &generator)
    var values: [String: Matrix<Double>] = [:]
    let names = Self.names(c.model)
    for (name, value) in c.parameters { values[try #require(names[name])] = value }
    try NamedValues.restore(model.parameters, from: values)

    let x = Parameter("x", c.inputs)
    let logits = model.forward(
      .dense(x.valueView), steps: steps, batch: batch, statistics: .batch)
    let loss = model.loss.forward(logits: logits, labels: c.labels)
    model.backward(model.loss.backwardView())
    #expect(abs(loss - c.loss) / c.loss <= 1e-12, "loss \(loss) against \(c.loss)")
    #expect(relativeError(model.layers[0].output.matrix, c.hidden) <= 1e-12)

    var checked = 0
    for parameter in model.parameters {
      let name = try #require(names.first { $0.value == parameter.name }?.key)
      let expected = try #require(c.gradients[name])
      if expected.maxAbs == 0 {
        // The BN-LSTM's learned h_0 cannot matter (BN of a batch-constant term is 0).
        #expect(parameter.gradient.maxAbs <= 1e-15, "\(name)")
      } else {
        let error = relativeError(parameter.gradient, expected)
        #expect(error <= 1e-9, "\(name): relative error \(error)")
      }
      checked += 1
    }
    #expect(checked == c.parameters.count)
    // ∂ℓ/∂x, through the layer's input gradient, after the forward pass again: a backward
    // pass may spend the tape.
    _ = model.forward(.dense(x.valueView), steps: steps, batch: batch, statistics: .batch)
    let top: MatrixView<Double> =
      c.head == "lm" ? model.readout.inputGradient.view : model.topGradient.view
    let dx = try #require(model.layers[0].backward(top, computesInputGradient: true))
    #expect(relativeError(dx.matrix, try #require(c.gradients["x"])) <= 1e-9)
  }
}
