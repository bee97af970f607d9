import Engine
import Foundation
import Randomness

/// One resumable unit of a chapter's work, as its body sees it.
public final class ResumableUnit: @unchecked Sendable {
  public let name: String
  let chapter: Chapter
  let store: CheckpointStore?
  private var lastSavedStep: Int
  /// The step the unit resumes after (0 for a fresh start).
  public let resumedStep: Int
  /// The state an interrupted run of this unit saved (JSON), or nil.
  public let savedState: Data?

  init(name: String, chapter: Chapter, store: CheckpointStore?) throws {
    self.name = name
    self.chapter = chapter
    self.store = store
    let progress = try store?.progress(of: name)
    resumedStep = progress?.current.step ?? 0
    savedState = progress?.current.state
    lastSavedStep = resumedStep
    // A unit that ran side by side kept what it added to the record with its state; it goes
    // back into the record, where a unit run in order would have left it.
    if let changes = progress?.record { chapter.record.access { $0.merge(changes) } }
  }

  /// The state an interrupted run of this unit saved, or nil to start afresh.
  public func restore<State: Decodable>(_ type: State.Type) throws -> State? {
    guard let savedState else { return nil }
    do {
      return try Self.decoder.decode(State.self, from: savedState)
    } catch {
      throw CompanionError(
        "the checkpoint's state of \(name) does not decode: \(error). Add --fresh to start over.")
    }
  }

  /// Call after every step of the unit's loop, with a way to make its state. Writes a
  /// checkpoint when `--checkpoint-every` steps have passed since the last one, and when a
  /// stop was requested. Returns false when the loop must stop (Ctrl-C or SIGTERM): the
  /// state is saved, and the chapter should call `finish()`.
  public func stepDone<State: Encodable>(_ step: Int, state: () -> State) -> Bool {
    let stopping = chapter.shouldStop
    guard let store else { return !stopping }
    if stopping || step - lastSavedStep >= store.every {
      do {
        try store.save(
          unit: name, step: step, state: Self.encoder.encode(state()), from: chapter)
        lastSavedStep = step
        if stopping { chapter.say("checkpoint: \(name) at step \(step), \(store.file.path)") }
        // For the resume tests: Ctrl-C right after a checkpoint of the named unit. A test
        // that watched the file from outside missed units that last milliseconds on a busy
        // machine; this stops inside the unit every time, through the same handler.
        if !stopping, ProcessInfo.processInfo.environment[Self.interruptVariable] == name {
          raise(SIGINT)
        }
      } catch {
        chapter.fail(CompanionError("could not write the checkpoint \(store.file.path): \(error)"))
      }
    }
    return !stopping
  }

  /// Names a unit to interrupt (as Ctrl-C does) after its first checkpoint; tests only.
  public static let interruptVariable = "COMPANION_INTERRUPT_AFTER_CHECKPOINT_OF"

  /// JSON with matrices as raw bytes (`.compactMatrices`): a checkpoint of a large model
  /// stays a fraction of its size in decimal text, and exact.
  static let encoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.userInfo[.compactMatrices] = true
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return encoder
  }()

  static let decoder = makeDecoder()

  /// A decoder for what `encoder` wrote (a fresh one, for a caller that sets its userInfo).
  static func makeDecoder() -> JSONDecoder {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return decoder
  }
}
