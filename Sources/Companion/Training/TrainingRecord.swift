import Engine
import Foundation

/// What a training run records as it goes: its curves, and the two facts the loop itself
/// establishes — the step a loss stopped being a number at, and the seconds spent.
public protocol TrainingRecord: Codable {
  var divergedAt: Int? { get set }
  var seconds: Double { get set }
}
