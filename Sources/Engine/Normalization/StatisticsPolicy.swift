/// Which statistics a batch-normalising layer uses, and whether it learns the population.
///
/// One explicit choice per forward pass, instead of a mode plus a flag that a caller toggles
/// and must remember to restore: a probe or an evaluation cannot leave tracking switched on
/// or off by accident, because it never switches anything.
public enum StatisticsPolicy: String, Sendable, Codable, CaseIterable {
  /// Normalise with this batch's statistics and fold them into the population statistics
  /// (training, Ioffe & Szegedy 2015, Alg. 2's moving averages or averages).
  case batchAndTrack
  /// Normalise with this batch's statistics and leave the population alone (a gradient check,
  /// a probe, a full pass that estimates the population elsewhere, "training-mode" evaluation).
  case batch
  /// Normalise with the population statistics: inference, a fixed affine map per feature.
  case population

  /// Whether the statistics come from the batch itself (and so gradients flow through them).
  @inlinable public var usesBatchStatistics: Bool { self != .population }
}
