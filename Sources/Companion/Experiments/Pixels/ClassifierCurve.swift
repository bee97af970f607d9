import Datasets
import Engine
import Foundation
import Randomness

/// A sequence classifier's learning curves, a view of the chapter's record (the run's series
/// "training loss", "validation accuracy (%)" and, if measured, "validation accuracy,
/// moving-average statistics (%)").
public struct ClassifierCurve: Codable, Sendable {
  public var curves: RecordedCurves
  public var divergedAt: Int?
  public var seconds: Double = 0

  static let (lossMetric, validationMetric, movingAverageMetric) = (
    "training loss", "validation accuracy (%)",
    "validation accuracy, moving-average statistics (%)"
  )

  public init(name: String, log: TrainingLog) { curves = RecordedCurves(run: name, log: log) }

  public var name: String { curves.run }
  public var steps: [Int] { curves.steps(Self.validationMetric) }
  /// Mean cross-entropy of the training batches since the previous point (batch statistics).
  public var trainingLoss: [Double] { curves.values(Self.lossMetric) }
  /// Accuracy (%) on the validation images, as the model is used: population statistics,
  /// re-estimated with the current weights when the run says so.
  public var validation: [Double] { curves.values(Self.validationMetric) }
  /// Accuracy (%) with the moving averages tracked during training, when they are measured
  /// beside the re-estimated statistics (empty otherwise).
  public var validationMovingAverage: [Double] { curves.values(Self.movingAverageMetric) }

  /// The highest validation accuracy and the first step it was reached at.
  public var bestValidation: (accuracy: Double, step: Int) {
    var best = (accuracy: -Double.infinity, step: 0)
    for (value, step) in zip(validation, steps) where value.isFinite && value > best.accuracy {
      best = (value, step)
    }
    return best.accuracy.isFinite ? best : (.nan, 0)
  }
}
