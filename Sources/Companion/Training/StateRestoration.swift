import Engine
import Foundation

/// Decodes a checkpoint's pieces into the `RunState` the decoder carries.
struct StateRestoration: Decodable {
  init(from decoder: any Decoder) throws {
    guard let state = decoder.userInfo[.runState] as? RunState else {
      throw CompanionError("a run's state can only be read back into a run")
    }
    try state.restore(from: decoder)
  }
}
