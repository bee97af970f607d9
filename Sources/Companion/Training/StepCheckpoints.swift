import Engine
import Foundation

/// Where a loop's checkpoints go: it says where a resumed run starts, gives back the saved
/// state, and takes the state after every step.
public protocol StepCheckpoints {
  /// The step the run resumes after (0 for a fresh start).
  var resumedStep: Int { get }
  /// The saved state's bytes, if the run was in progress.
  var savedState: Data? { get }
  /// Called after every step; returns false when the loop must stop.
  func stepDone<State: Encodable>(_ step: Int, state: () -> State) -> Bool
}

extension ResumableUnit: StepCheckpoints {}

extension StepCheckpoints {
  /// Puts the saved pieces back into `state` and returns the loop's own saved values.
  func restoreProgress<Record: Decodable>(
    into state: RunState, record: Record.Type, decoder: JSONDecoder
  ) throws -> LoopProgress<Record>.Restored? {
    guard let data = savedState else { return nil }
    decoder.userInfo[.runState] = state
    do {
      return try decoder.decode(LoopProgress<Record>.Restored.self, from: data)
    } catch let error as CompanionError {
      throw error
    } catch {
      throw CompanionError(
        "the checkpoint's state does not decode: \(error). Add --fresh to start over.")
    }
  }
}

extension CodingUserInfoKey {
  /// The `RunState` a checkpoint's pieces are decoded into.
  static let runState = CodingUserInfoKey(rawValue: "companion.runState")!
}
