/// When a run has converged, decided the same way for every model: its validation measure
/// has not improved on its best by more than `tolerance` for `patience` steps. A run trained
/// under it stops there (early stopping), and is read at its best point; a run that reaches
/// its step limit first has not converged, and a claim about trained models cannot be read
/// off it.
public struct Convergence: Codable, Sendable, Equatable {
  /// Steps without an improvement after which the run has converged.
  public var patience: Int
  /// How much lower than the best so far a value must be to count as an improvement.
  public var tolerance: Double

  public init(patience: Int, tolerance: Double = 0) {
    self.patience = patience
    self.tolerance = tolerance
  }

  /// The last improvement of `values` (lower is better) measured at `steps`: the step and
  /// value of the last point that was below every earlier point by more than `tolerance`.
  /// Non-finite values never improve.
  public func lastImprovement(steps: [Int], values: [Double]) -> (step: Int, value: Double)? {
    var best: (step: Int, value: Double)?
    for (step, value) in zip(steps, values) where value.isFinite {
      if let current = best, value >= current.value - tolerance { continue }
      best = (step, value)
    }
    return best
  }

  /// Whether the curve has gone `patience` steps past its last improvement — and its best
  /// point is not its last measurement. A best at the end of a curve is a curve still going
  /// down, whatever the tolerance says about the size of the step (`../shared/REFEREE.md`,
  /// "Converged means converged").
  public func hasConverged(steps: [Int], values: [Double]) -> Bool {
    guard let last = steps.last, let improvement = lastImprovement(steps: steps, values: values)
    else { return false }
    let finite = zip(steps, values).filter { $0.1.isFinite }
    let bestStep = finite.min { $0.1 < $1.1 }?.0
    return last - improvement.step >= patience && bestStep != last
  }
}
