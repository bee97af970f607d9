import Engine

/// What a finished run leaves for the rest of the chapter. With checkpoints on, it is saved,
/// and a resumed chapter rebuilds the network from it instead of training it again.
struct FeedForwardRunRecord: Codable {
  /// The final parameters and populations, for a run whose network is kept.
  var parameters: [String: Matrix<Float>]?
  var populations: [String: PopulationStatistics]
  var result: FeedForwardRunResult
  var movingAverages: [PopulationStatistics]
  var slowMovingAverages: [PopulationStatistics]
  var trainingAverages: [PopulationStatistics]
}
