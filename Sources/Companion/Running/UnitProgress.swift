import Engine
import Foundation
import Randomness

/// The state of a unit that runs in a child process of `Chapter.independently`, saved in a
/// file of its own beside the checkpoint (children never write the checkpoint itself): the
/// unit's state and what it added to the record since its process began.
struct UnitProgress: Codable {
  var unit: String
  var step: Int
  var state: Data
  var record: RecordChanges
  var date: String
}
