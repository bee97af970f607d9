import Engine
import Foundation
import Randomness

/// A chapter's long work, saved so that a stopped run resumes where it stopped.
///
/// A chapter splits its training into named *units* (a run of one network, a sweep point)
/// and calls `Chapter.resumable(_:_:)` for each. A finished unit's result goes into the
/// checkpoint, so a resumed run skips it; the unit in progress saves its state every N steps
/// and when Ctrl-C or SIGTERM arrives, so a resumed run continues it from that step. With the
/// state the chapter saves — parameters, optimizer state, population statistics, generators,
/// data-stream positions — a resumed run ends bitwise identical to one never interrupted.
///
/// The file is JSON, written atomically (a temporary file, then a rename), with a format
/// version and the run's configuration: a checkpoint of another configuration (preset, seed,
/// threads, data, sizes) is refused, naming what differs, and a corrupt one is an error, never
/// a silent fresh start. The file it replaces is kept as `.previous`. Units that train side by
/// side in child processes (`Chapter.independently`) keep their progress in files of their own
/// beside it (`CheckpointStore`); only the chapter's own process writes the checkpoint.
public struct Checkpoint: Codable, Sendable {
  /// Bumped when the layout changes; an older file is refused with a clear message.
  /// (2: the record in one piece, tables and claims included.)
  public static let formatVersion = 2

  /// What must match for a checkpoint to resume a run.
  public struct Configuration: Codable, Equatable, Sendable {
    public var chapter: Int
    public var preset: Preset
    public var seed: UInt64
    public var threads: Int
    public var steps: Int?
    public var epochs: Int?
    /// Each data source as "name (location): summary".
    public var data: [String]

    /// The fields in which `other` differs, as "field: this vs that".
    func differences(from other: Configuration) -> [String] {
      var result: [String] = []
      func compare<V: Equatable>(_ name: String, _ a: V, _ b: V) {
        if a != b { result.append("\(name) \(describe(a)) in the checkpoint, \(describe(b)) now") }
      }
      func describe<V>(_ value: V) -> String {
        if let optional = value as? Int? { return optional.map(String.init) ?? "default" }
        if let list = value as? [String] { return "[" + list.joined(separator: "; ") + "]" }
        return "\(value)"
      }
      compare("chapter", other.chapter, chapter)
      compare("preset", other.preset.rawValue, preset.rawValue)
      compare("seed", other.seed, seed)
      compare("threads", other.threads, threads)
      compare("steps", other.steps, steps)
      compare("epochs", other.epochs, epochs)
      compare("data", other.data, data)
      return result
    }
  }

  /// The unit in progress when the checkpoint was written.
  public struct Current: Codable, Sendable {
    public var unit: String
    public var step: Int
    /// The chapter's own state, JSON.
    public var state: Data
  }

  public var format: Int
  public var configuration: Configuration
  /// Finished units, by name, and the order they finished in.
  public var completed: [String: Data]
  public var completionOrder: [String]
  public var current: Current?
  /// The chapter's record as it stood: measurements, tables, claims, divergences, phases.
  public var record: ChapterRecord
  /// When it was written, ISO 8601 UTC.
  public var date: String
}
