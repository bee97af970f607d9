import Engine
import Foundation

/// What the loop saves after a step: its loss accumulator, the record so far, every piece of
/// the run's state by name.
struct LoopProgress<Record: Encodable>: Encodable {
  var lossSum: Double
  var lossCount: Int
  var record: Record
  var state: StateSnapshot

  /// The same, read back: the pieces go straight into the run's `RunState`.
  struct Restored: Decodable where Record: Decodable {
    var lossSum: Double
    var lossCount: Int
    var record: Record
    var state: StateRestoration
  }
}
