import Invariants

/// The per-feature mean and variance that replace batch statistics at inference
/// (Ioffe & Szegedy 2015, Alg. 2), tracked under one `BatchNormConvention`.
///
/// Accumulated in `Double` whatever the network's scalar: an average over 50,000 batches
/// in `Float` would lose the late batches to rounding.
public struct PopulationStatistics: Sendable, Codable, Equatable {
  public let convention: BatchNormConvention
  /// E[x] per feature.
  public var mean: [Double] { means }
  /// Var[x] per feature.
  public var variance: [Double] { variances }
  /// How many batches have been folded in.
  public var batches: Int { batchCount }
  @usableFromInline var means: [Double]
  @usableFromInline var variances: [Double]
  @usableFromInline var batchCount = 0
  // Running sums for `.average`.
  @usableFromInline var meanSum: [Double]
  @usableFromInline var varianceSum: [Double]

  enum CodingKeys: String, CodingKey {
    case convention, meanSum, varianceSum
    case means = "mean"
    case variances = "variance"
    case batchCount = "batches"
  }

  public init(features: Int, convention: BatchNormConvention) {
    self.convention = convention
    means = Array(repeating: convention.initialMean, count: features)
    variances = Array(repeating: convention.initialVariance, count: features)
    meanSum = Array(repeating: 0, count: features)
    varianceSum = Array(repeating: 0, count: features)
  }

  public var features: Int { mean.count }

  /// Folds in one training batch of `batchSize` examples with per-feature mean μ_B and
  /// biased variance σ²_B.
  public mutating func update(batchMean: [Double], batchVariance: [Double], batchSize m: Int) {
    require(
      batchMean.count == features && batchVariance.count == features,
      "population of \(features) features updated with \(batchMean.count) means and \(batchVariance.count) variances"
    )
    batchMean.withUnsafeBufferPointer { mean in
      batchVariance.withUnsafeBufferPointer { variance in
        update(batchMean: mean, batchVariance: variance, batchSize: m)
      }
    }
  }

  /// The same from the 1×n views a normalization kernel wrote (no arrays, no allocation).
  @inlinable
  public mutating func update<T: Scalar>(
    batchMean: MatrixView<T>, batchVariance: MatrixView<T>, batchSize m: Int
  ) {
    require(
      batchMean.rows == 1 && batchMean.cols == features && batchVariance.rows == 1
        && batchVariance.cols == features,
      "population of \(features) features updated with \(batchMean.rows)×\(batchMean.cols) means and \(batchVariance.rows)×\(batchVariance.cols) variances"
    )
    update(
      batchMean: UnsafeBufferPointer(start: batchMean.base, count: features),
      batchVariance: UnsafeBufferPointer(start: batchVariance.base, count: features),
      batchSize: m)
  }

  @inlinable
  mutating func update<T: Scalar>(
    batchMean: UnsafeBufferPointer<T>, batchVariance: UnsafeBufferPointer<T>, batchSize m: Int
  ) {
    // Bessel's correction m/(m−1), when the convention stores the unbiased variance.
    let correction =
      convention.storesUnbiasedVariance && m > 1 ? Double(m) / Double(m - 1) : 1
    batchCount += 1
    switch convention.update {
    case .average:
      // E[x] ← E_B[μ_B],  Var[x] ← m/(m−1)·E_B[σ²_B]
      for j in 0..<features {
        meanSum[j] += Double(batchMean[j])
        varianceSum[j] += correction * Double(batchVariance[j])
        means[j] = meanSum[j] / Double(batchCount)
        variances[j] = varianceSum[j] / Double(batchCount)
      }
    case .movingAverage(let momentum):
      // running ← (1 − momentum)·running + momentum·batch
      for j in 0..<features {
        means[j] = (1 - momentum) * means[j] + momentum * Double(batchMean[j])
        variances[j] =
          (1 - momentum) * variances[j] + momentum * correction * Double(batchVariance[j])
      }
    }
  }

  /// Forgets everything, e.g. before a full pass over the training set.
  public mutating func reset() {
    self = PopulationStatistics(features: features, convention: convention)
  }
}
