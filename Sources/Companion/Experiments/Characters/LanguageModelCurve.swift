import Datasets
import Engine
import Foundation
import Invariants

/// A language model's learning curves, a view of the chapter's record: the series
/// "training batches U", "training U" and "validation U" of the run, U the unit ("bpc", or
/// "bits per word").
public struct LanguageModelCurve: TrainingRecord, Sendable {
  public var curves: RecordedCurves
  public var unit: String
  public var divergedAt: Int?
  public var seconds: Double = 0
  /// The parameters at the lowest validation point so far, when the run keeps them (early
  /// stopping reads a model at its best, not where it stopped).
  public var bestParameters: [String: Matrix<Float>]?

  public init(name: String, log: TrainingLog, unit: String = "bpc") {
    curves = RecordedCurves(run: name, log: log)
    self.unit = unit
  }

  public var name: String { curves.run }
  public var steps: [Int] { curves.steps("validation \(unit)") }
  /// Bits per character (or word) on the training batches themselves (batch statistics),
  /// averaged over the steps since the previous point: what the optimiser sees.
  public var trainingBatches: [Double] { curves.values("training batches \(unit)") }
  /// On a fixed sample of the training text, as the model is used (population statistics).
  public var training: [Double] { curves.values("training \(unit)") }
  /// On a fixed sample of the validation text, as the model is used.
  public var validation: [Double] { curves.values("validation \(unit)") }
  /// The same with the moving averages tracked in training, when the run measures both.
  public var validationMovingAverages: [Double] {
    curves.values("validation \(unit), moving averages")
  }

  /// Records the validation measure with the tracked moving averages at `step` (the series
  /// `validationMovingAverages` reads).
  public func recordValidationWithMovingAverages(step: Int, value: Double) {
    curves.record("validation \(unit), moving averages", step: step, value: value)
  }

  /// Records the three values at `step`.
  public func record(step: Int, trainingBatches: Double, training: Double, validation: Double) {
    curves.record("training batches \(unit)", step: step, value: trainingBatches)
    curves.record("training \(unit)", step: step, value: training)
    curves.record("validation \(unit)", step: step, value: validation)
  }

  /// The lowest validation bpc and the step it was reached at.
  public var bestValidation: (bpc: Double, step: Int) {
    let pairs = zip(validation, steps).filter { $0.0.isFinite }
    guard let best = pairs.min(by: { $0.0 < $1.0 }) else { return (.nan, 0) }
    return (best.0, best.1)
  }
}
