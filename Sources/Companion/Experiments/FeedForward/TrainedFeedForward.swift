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
