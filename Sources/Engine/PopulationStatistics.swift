/// The per-feature mean and variance that replace batch statistics at inference
/// (Ioffe & Szegedy 2015, Alg. 2), tracked under one `BatchNormConvention`.
///
/// Accumulated in `Double` whatever the network's scalar: an average over 50,000 batches
/// in `Float` would lose the late batches to rounding.
public struct PopulationStatistics: Sendable, Codable, Equatable {
  public let convention: BatchNormConvention
  public private(set) var mean: [Double]
  public private(set) var variance: [Double]
  /// How many batches have been folded in.
  public private(set) var batches: Int = 0
  // Running sums for `.average`.
  private var meanSum: [Double]
  private var varianceSum: [Double]

  public init(features: Int, convention: BatchNormConvention) {
    self.convention = convention
    mean = Array(repeating: convention.initialMean, count: features)
    variance = Array(repeating: convention.initialVariance, count: features)
    meanSum = Array(repeating: 0, count: features)
    varianceSum = Array(repeating: 0, count: features)
  }

  public var features: Int { mean.count }

  /// Folds in one training batch of `batchSize` examples with per-feature mean μ_B and
  /// biased variance σ²_B.
  public mutating func update(batchMean: [Double], batchVariance: [Double], batchSize m: Int) {
    precondition(batchMean.count == features && batchVariance.count == features)
    // Bessel's correction m/(m−1), when the convention stores the unbiased variance.
    let correction =
      convention.storesUnbiasedVariance && m > 1 ? Double(m) / Double(m - 1) : 1
    batches += 1
    switch convention.update {
    case .average:
      // E[x] ← E_B[μ_B],  Var[x] ← m/(m−1)·E_B[σ²_B]
      for j in 0..<features {
        meanSum[j] += batchMean[j]
        varianceSum[j] += correction * batchVariance[j]
        mean[j] = meanSum[j] / Double(batches)
        variance[j] = varianceSum[j] / Double(batches)
      }
    case .movingAverage(let momentum):
      // running ← (1 − momentum)·running + momentum·batch
      for j in 0..<features {
        mean[j] = (1 - momentum) * mean[j] + momentum * batchMean[j]
        variance[j] = (1 - momentum) * variance[j] + momentum * correction * batchVariance[j]
      }
    }
  }

  /// Forgets everything, e.g. before a full pass over the training set.
  public mutating func reset() {
    self = PopulationStatistics(features: features, convention: convention)
  }
}
