import Datasets
import Engine
import Foundation
import Invariants

/// A trained language model as later sections need it: its curves, and its parameters and
/// population statistics if they will be used again.
public struct LanguageModelRecord: TrainingRecord, Sendable {
  public var curve: LanguageModelCurve
  public var parameters: [String: Matrix<Float>]?
  public var populations: [String: TimeStepStatistics]?

  public init(
    curve: LanguageModelCurve, parameters: [String: Matrix<Float>]? = nil,
    populations: [String: TimeStepStatistics]? = nil
  ) {
    self.curve = curve
    self.parameters = parameters
    self.populations = populations
  }
}

extension LanguageModelRecord {
  /// The curve's: the run's loop records them there.
  public var divergedAt: Int? {
    get { curve.divergedAt }
    set { curve.divergedAt = newValue }
  }
  public var seconds: Double {
    get { curve.seconds }
    set { curve.seconds = newValue }
  }
}
