import Randomness
import Testing

@testable import Engine

/// The configured γ at initialisation is the value of every normalised term's γ after the
/// model is built: Chapter 5's Figure 1, its appendix B and its whole γ = 0.1 argument rest on
/// it, and a normaliser made with γ = 1 whatever the configuration says would train (and pass
/// every gradient check) all the same.
@Suite("Recurrent normalization: the configured initial γ arrives")
struct InitialGammaTests {
  /// Every γ of `model`, by parameter name (at least one), and that no entry differs from
  /// `gamma`.
  static func expectEveryGamma(_ model: SequenceModel<Float>, equals gamma: Double, terms: Int) {
    let gammas = model.parameters.filter { $0.name.hasSuffix(".γ") }
    #expect(gammas.count == terms, "\(gammas.map(\.name))")
    for parameter in gammas {
      let values = (0..<parameter.rows).flatMap { i in
        (0..<parameter.cols).map { j in parameter.value[i, j] }
      }
      #expect(!values.isEmpty)
      #expect(
        values.allSatisfy { $0 == Float(gamma) },
        "\(parameter.name) starts at \(Set(values)), not the configured \(gamma)")
    }
  }

  /// Chapter 5's pixel model: one scalar per step, identity W_h, learned h₀ with noise, the
  /// class read at the last step.
  @Test(
    "the pixel model's BN_x, BN_h and BN_c start at the configured γ",
    arguments: [0.1, 0.37, 1.0])
  func pixelModel(gamma: Double) {
    var generator = RandomGenerator(seed: 3)
    let model = SequenceModel<Float>(
      layers: [
        RecurrentLayerConfiguration(
          cell: .lstm, inputs: 1, hidden: 6,
          normalization: .cooijmans(maxSteps: 9, initialGamma: gamma, convention: .pytorch),
          recurrentWeights: .identity, initialState: .learned, initialStateNoise: 0.1)
      ], head: .lastStep(classes: 10), using: &generator)
    Self.expectEveryGamma(model, equals: gamma, terms: 3)
  }

  /// The character model of Chapters 4 and 5: token input, a class at every step.
  @Test(
    "the character model's normalised terms start at the configured γ",
    arguments: [
      RecurrentNormalization.cooijmans(maxSteps: 12, initialGamma: 0.1),
      .cooijmans(maxSteps: 12, initialGamma: 0.37, convention: .pytorch),
      RecurrentNormalization(
        placement: .input, statistics: .perStep, initialGamma: 0.25, maxSteps: 12),
      RecurrentNormalization(placement: .input, statistics: .sequenceWise, initialGamma: 0.6),
      RecurrentNormalization(placement: .wholePreactivation, statistics: .shared, initialGamma: 2),
    ])
  func characterModel(normalization: RecurrentNormalization) {
    var generator = RandomGenerator(seed: 4)
    let model = SequenceModel<Float>(
      layers: [
        RecurrentLayerConfiguration(
          cell: .lstm, inputs: 11, hidden: 8, tokenInput: true, normalization: normalization)
      ], head: .everyStep(classes: 11), using: &generator)
    Self.expectEveryGamma(
      model, equals: normalization.initialGamma,
      terms: normalization.placement == .separate ? 3 : 1)
  }

  /// Cooijmans et al.'s value is the default of their preset, not of every normalization.
  @Test func theBNLSTMPresetStartsAtATenth() {
    #expect(RecurrentNormalization.cooijmans(maxSteps: 3).initialGamma == 0.1)
    #expect(RecurrentNormalization.frameWise(maxSteps: 3).initialGamma == 1)
  }
}
