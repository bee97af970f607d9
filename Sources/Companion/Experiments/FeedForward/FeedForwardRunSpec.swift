import Datasets
import Engine

/// One training run of a feed-forward classifier: the network (widths, normaliser, initial
/// weights' scale), the optimisation (SGD's rate and its decay, the batch size, the steps),
/// the data, and what to measure beside the evaluation accuracy.
public struct FeedForwardRunSpec {
  /// The run's name: its series in the record, its scalars, its checkpoint unit.
  public var name: String
  public var hidden: [Int]
  /// nil: no normalization (the baseline).
  public var normalization: FeedForwardNormalization?
  public var learningRate: Double
  public var steps: Int
  /// Which of the chapter's independent repetitions this is (1, 2, 3, ...): each draws its
  /// own initial weights and mini-batch order; repetition 1 uses the chapter's own.
  public var replicate: Int
  public var batchSize: Int
  public var initialStandardDeviation: Double
  /// Multiply the rate by 0.96 every `decayEvery` steps (continuously), or keep it fixed.
  public var decayEvery: Double?
  /// Whether to record the last hidden layer's probe percentiles, x̂ and γ, β.
  public var recordsProbe: Bool
  /// Whether to record accuracy on a fixed sample of training images, and the training loss.
  public var recordsTraining: Bool
  public var training: ImageSet
  public var evaluationX: Matrix<Float>
  public var evaluationLabels: [Int]
  /// What the evaluation set is, for labels: "test", or "held-out" in a sweep, which must
  /// not look at the test set.
  public var evaluationName: String
  /// Whether later sections use the trained network itself (not only its curves), so a
  /// checkpoint keeps its parameters.
  public var keepsNetwork: Bool

  public init(
    name: String, hidden: [Int], normalization: FeedForwardNormalization?,
    learningRate: Double, steps: Int, replicate: Int = 1, batchSize: Int = 60,
    initialStandardDeviation: Double = 0.1, decayEvery: Double? = nil,
    recordsProbe: Bool = false, recordsTraining: Bool = false, training: ImageSet,
    evaluationX: Matrix<Float>, evaluationLabels: [Int], evaluationName: String = "test",
    keepsNetwork: Bool = false
  ) {
    self.name = name
    self.hidden = hidden
    self.normalization = normalization
    self.learningRate = learningRate
    self.steps = steps
    self.replicate = replicate
    self.batchSize = batchSize
    self.initialStandardDeviation = initialStandardDeviation
    self.decayEvery = decayEvery
    self.recordsProbe = recordsProbe
    self.recordsTraining = recordsTraining
    self.training = training
    self.evaluationX = evaluationX
    self.evaluationLabels = evaluationLabels
    self.evaluationName = evaluationName
    self.keepsNetwork = keepsNetwork
  }

  /// The series of the evaluation accuracy in the record.
  public var accuracyMetric: String { "\(evaluationName) accuracy (%)" }
}
