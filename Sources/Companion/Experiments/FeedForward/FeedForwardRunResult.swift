/// What a feed-forward run measured. Its curves — the evaluation accuracy, and for runs that
/// record training the training accuracy and loss — live once, in the chapter's record (where
/// the results file, the figures and the page's `{{series}}` read them); the result holds
/// their names and the measurements that are vectors at every point (per unit, per layer),
/// which only the chapter's figures and claims read.
public struct FeedForwardRunResult: TrainingRecord, Sendable {
  /// The series of the record that hold accuracy on the fixed sample of training images and
  /// the mean training loss between points (runs that record training).
  public static let trainingAccuracyMetric = "training accuracy (%)"
  public static let trainingLossMetric = "training loss"

  /// The run's curves, a view of the chapter's record.
  public var curves: RecordedCurves
  /// The series of the evaluation accuracy ("test accuracy (%)", "held-out accuracy (%)").
  public var metric: String
  /// Evaluation points averaged by the trailing moving average the claims read.
  public var smoothingWindow: Int
  public var name: String { curves.run }
  /// The steps at which the run was evaluated.
  public var steps: [Int] { curves.steps(metric) }
  /// Evaluation accuracy in percent at each of `steps`.
  public var accuracy: [Double] { curves.values(metric) }
  /// Accuracy in percent on a fixed sample of training images at each of `steps` (runs that
  /// record training).
  public var trainingAccuracy: [Double] { curves.values(Self.trainingAccuracyMetric) }
  /// The mean training loss of the mini-batches since the previous point, at every point
  /// after step 0 (runs that record training).
  public var trainingLoss: (steps: [Int], values: [Double]) {
    (curves.steps(Self.trainingLossMetric), curves.values(Self.trainingLossMetric))
  }
  /// Per evaluation point, the probe percentiles of every unit of the last hidden layer.
  public var probe: [[Percentiles]] = []
  /// The same for x̂, the last normaliser's normalised value before its scale and shift.
  public var probeNormalized: [[Percentiles]] = []
  /// Per evaluation point, the last normaliser's γ and β of every unit (runs with a probe).
  public var gamma: [[Double]] = []
  public var beta: [[Double]] = []
  /// Per evaluation point and hidden layer: ‖W‖ (Frobenius) and ‖∂ℓ/∂W‖ of the last step.
  public var weightNorms: [[Double]] = []
  public var gradientNorms: [[Double]] = []
  /// ‖∂ℓ/∂W‖ of every hidden layer in the first step: the gradient at initialisation.
  public var firstStepGradientNorms: [Double] = []
  public var divergedAt: Int?
  public var seconds: Double = 0

  public init(curves: RecordedCurves, metric: String, smoothingWindow: Int) {
    self.curves = curves
    self.metric = metric
    self.smoothingWindow = smoothingWindow
  }

  /// The mean accuracy over the whole run: the area under the accuracy curve, per step
  /// (trapezoids between evaluation points), a measure of speed with no target to pick.
  public var areaUnderCurve: Double {
    guard steps.count >= 2, let last = steps.last, last > 0, divergedAt == nil else {
      return divergedAt == nil ? .nan : 0
    }
    let (steps, accuracy) = (self.steps, self.accuracy)
    var area = 0.0
    for i in 1..<steps.count {
      area += Double(steps[i] - steps[i - 1]) * (accuracy[i] + accuracy[i - 1]) / 2
    }
    return area / Double(last)
  }
  /// The last single evaluation (noise-sensitive).
  public var lastAccuracy: Double { accuracy.last ?? .nan }
  /// The best single evaluation (biased upwards: the luckiest draw of the noise).
  public var bestRawAccuracy: Double { accuracy.filter(\.isFinite).max() ?? .nan }
  /// The accuracy curve smoothed by a trailing moving average over `smoothingWindow` points.
  public var smoothed: [Double] {
    CurveReading.movingAverage(accuracy, window: smoothingWindow)
  }
  /// The mean of the last `smoothingWindow` evaluations: "the final accuracy".
  public var finalAccuracy: Double { CurveReading.mean(accuracy.suffix(smoothingWindow)) }
  /// The maximum of the smoothed curve: "the best accuracy".
  public var bestAccuracy: Double { smoothed.filter(\.isFinite).max() ?? .nan }
}
