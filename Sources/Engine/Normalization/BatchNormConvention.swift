/// The choices that Algorithm 2 of Ioffe & Szegedy 2015 leaves to the implementer, made
/// explicit. Libraries disagree on all of them, which is why the same trained network can
/// give different inference outputs in PyTorch and Keras; the book's Chapter 1 shows it.
public struct BatchNormConvention: Sendable, Codable, Equatable, CustomStringConvertible {
  /// How the population statistics used at inference are tracked during training.
  public enum PopulationUpdate: Sendable, Codable, Equatable {
    /// E[x] ← E_B[μ_B], Var[x] ← E_B[σ²_B]: the plain average over all training batches
    /// seen (Alg. 2, step 10). Every batch weighs the same.
    case average
    /// running ← (1 − momentum)·running + momentum·batch: an exponential moving average,
    /// which forgets early batches (taken while the weights were still changing).
    case movingAverage(momentum: Double)
  }

  public var name: String
  /// Added to the variance before the square root; the paper calls it "a constant added to
  /// the mini-batch variance for numerical stability" and does not give its value.
  public var epsilon: Double
  public var update: PopulationUpdate
  /// Whether the stored variance is corrected to unbiased, m/(m−1)·σ²_B. Training always
  /// normalises with the biased σ²_B of Alg. 1; this only affects inference.
  public var storesUnbiasedVariance: Bool
  /// The running statistics before any batch was seen (mean 0, variance 1 in the libraries).
  public var initialMean: Double = 0
  public var initialVariance: Double = 1

  public init(
    name: String, epsilon: Double, update: PopulationUpdate, storesUnbiasedVariance: Bool
  ) {
    self.name = name
    self.epsilon = epsilon
    self.update = update
    self.storesUnbiasedVariance = storesUnbiasedVariance
  }

  /// Alg. 2 as written: average of batch means, unbiased m/(m−1)·E_B[σ²_B]. ε is unnamed in
  /// the paper; we use 1e-5 (PyTorch's value) and say so wherever it matters.
  public static let paper = BatchNormConvention(
    name: "paper", epsilon: 1e-5, update: .average, storesUnbiasedVariance: true)

  /// torch.nn.BatchNorm1d: ε 1e-5, new = (1 − 0.1)·old + 0.1·batch, unbiased stored variance.
  public static let pytorch = BatchNormConvention(
    name: "pytorch", epsilon: 1e-5, update: .movingAverage(momentum: 0.1),
    storesUnbiasedVariance: true)

  /// keras.layers.BatchNormalization: ε 1e-3, moving = 0.99·moving + 0.01·batch, biased.
  public static let keras = BatchNormConvention(
    name: "keras", epsilon: 1e-3, update: .movingAverage(momentum: 0.01),
    storesUnbiasedVariance: false)

  public static let all: [BatchNormConvention] = [.paper, .pytorch, .keras]

  public var description: String {
    let rule: String
    switch update {
    case .average: rule = "average over batches"
    case .movingAverage(let momentum): rule = "moving average, momentum \(momentum)"
    }
    let variance = storesUnbiasedVariance ? "unbiased" : "biased"
    return "\(name) (ε \(epsilon), \(rule), \(variance) stored variance)"
  }
}
