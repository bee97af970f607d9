import Datasets
import Engine
import Foundation
import Randomness

/// What a finished classifier run leaves: its curves, and the parameters and populations of
/// its best validation point (Table 1's "early stopping") for a final test.
public struct ClassifierRecord: TrainingRecord, Sendable {
  public var curve: ClassifierCurve
  public var bestParameters: [String: Matrix<Float>]
  public var bestPopulations: [String: TimeStepStatistics]

  public var divergedAt: Int? {
    get { curve.divergedAt }
    set { curve.divergedAt = newValue }
  }
  public var seconds: Double {
    get { curve.seconds }
    set { curve.seconds = newValue }
  }
}
