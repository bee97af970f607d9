import Engine
import Foundation
import Invariants

/// A model whose whole state a run checkpoints: parameters, and whatever else moves during
/// training (population statistics, generators, a carried recurrent state).
public protocol TrainableModel: AnyObject {
  associatedtype Element: Scalar
  var parameters: [Parameter<Element>] { get }
  /// Registers everything of the model that changes as it trains.
  func track(in state: RunState)
}

extension SequenceModel: TrainableModel {
  /// Parameters, population statistics, each layer's initial-state noise generator and the
  /// state carried from one window to the next.
  public func track(in state: RunState) {
    state.trackParameters(parameters)
    state.track("population statistics", get: { self.populations }, set: { self.populations = $0 })
    state.track(
      "initial-state noise generators", get: { self.layers.map(\.noiseGenerator) },
      set: { generators in
        guard generators.count == self.layers.count else {
          throw CompanionError(
            "the checkpoint has \(generators.count) noise generators for \(self.layers.count) layers"
          )
        }
        for (layer, generator) in zip(self.layers, generators) { layer.noiseGenerator = generator }
      })
    state.track("carried states", get: { self.carriedStates }, set: { self.carriedStates = $0 })
  }
}

extension FeedForwardNetwork: TrainableModel {
  /// Parameters, and the population statistics of the normalisers that keep them (none for a
  /// network without, or with a normaliser that keeps none).
  public func track(in state: RunState) {
    state.trackParameters(parameters)
    state.track("population statistics", get: { self.populations }, set: { self.populations = $0 })
  }
}
