import Engine
import Foundation

/// Encodes a `RunState`'s pieces under their names.
struct StateSnapshot: Encodable {
  let state: RunState
  init(_ state: RunState) { self.state = state }
  func encode(to encoder: any Encoder) throws { try state.encode(to: encoder) }
}
