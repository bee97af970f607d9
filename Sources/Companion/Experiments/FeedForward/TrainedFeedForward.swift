import Engine

/// A finished feed-forward run, with what an inference study needs beside it: the network
/// (for runs that keep it) and, per BN layer, three estimates of its population taken
/// *during* training — moving averages with PyTorch's momentum 0.1 and Keras's 0.01, and the
/// plain average over all of training (Alg. 2's formula applied to a moving target). A
/// normaliser that does not normalise with the batch's statistics has none.
public struct TrainedFeedForward {
  /// The network, for the runs that keep it (`FeedForwardRunSpec.keepsNetwork`).
  public var network: FeedForwardNetwork<Float>?
  public var result: FeedForwardRunResult
  public var movingAverages: [PopulationStatistics]
  public var slowMovingAverages: [PopulationStatistics]
  public var trainingAverages: [PopulationStatistics]
}

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
