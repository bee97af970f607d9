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

/// Reads and writes one chapter's checkpoint file and keeps the units' bookkeeping.
///
/// Units that run side by side (`Chapter.independently`) keep their progress in files of
/// their own, in `NN-checkpoint.parts/` beside the checkpoint: one per unit in progress, and
/// one per finished run whose result the chapter has not yet taken in (runs are taken in
/// order). The checkpoint itself is written by the chapter's own process only.
final class CheckpointStore: @unchecked Sendable {
  let file: URL
  let every: Int
  let configuration: Checkpoint.Configuration
  private(set) var checkpoint: Checkpoint
  /// Whether this run resumed from a file.
  let resumed: Bool

  var previousFile: URL { Self.previous(of: file) }

  /// `NN-checkpoint.parts/`: the files of units that run side by side.
  var partsDirectory: URL {
    file.deletingPathExtension().appendingPathExtension("parts")
  }

  /// The progress file of `unit` while it runs in a child process.
  func unitFile(_ unit: String) -> URL {
    partsDirectory.appendingPathComponent("unit-\(Self.fileName(unit)).json")
  }

  /// The report of run `index` of the group `label`, kept until the chapter takes it in.
  func reportFile(group label: String, index: Int) -> URL {
    partsDirectory.appendingPathComponent("run-\(Self.fileName(label))-\(index).json")
  }

  /// A name as a file name: its letters and digits, and a hash of the whole for uniqueness.
  static func fileName(_ name: String) -> String {
    let hash = FNV1a.hash(name)
    let readable = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" })
    return readable.prefix(40) + "-" + String(hash, radix: 16)
  }

  /// `NN-checkpoint.previous.json` beside `NN-checkpoint.json`.
  static func previous(of file: URL) -> URL {
    file.deletingPathExtension().appendingPathExtension("previous.json")
  }

  /// Opens the checkpoint at `file` (or starts a fresh one): refuses another configuration
  /// or a corrupt file with a message naming the file; `fresh` ignores any file.
  init(file: URL, every: Int, configuration: Checkpoint.Configuration, fresh: Bool) throws {
    self.file = file
    self.every = every
    self.configuration = configuration
    let empty = Checkpoint(
      format: Checkpoint.formatVersion, configuration: configuration, completed: [:],
      completionOrder: [], current: nil, record: ChapterRecord(), date: Results.timestamp())
    guard !fresh, FileManager.default.fileExists(atPath: file.path) else {
      // Parts without their checkpoint (or an old run's, with --fresh) belong to no run.
      try? FileManager.default.removeItem(
        at: file.deletingPathExtension().appendingPathExtension("parts"))
      checkpoint = empty
      resumed = false
      return
    }
    let saved = try Self.read(file, previous: Self.previous(of: file))
    let differences = configuration.differences(from: saved.configuration)
    guard differences.isEmpty else {
      throw CompanionError(
        "the checkpoint \(file.path) is of another run: "
          + differences.joined(separator: "; ")
          + ". Run the command that made it to resume it, or add --fresh to start over "
          + "(which replaces it).")
    }
    checkpoint = saved
    resumed = true
  }

  static func read(_ file: URL, previous: URL) throws -> Checkpoint {
    let hint =
      FileManager.default.fileExists(atPath: previous.path)
      ? " The checkpoint before it is kept at \(previous.path): move it to \(file.lastPathComponent) to resume from there, or add --fresh to start over."
      : " Add --fresh to start over."
    let data: Data
    do {
      data = try Data(contentsOf: file)
    } catch {
      throw CompanionError(
        "cannot read the checkpoint \(file.path): \(error.localizedDescription).\(hint)")
    }
    struct Header: Decodable { var format: Int }
    guard let header = try? JSONDecoder().decode(Header.self, from: data) else {
      throw CompanionError(
        "the checkpoint \(file.path) is corrupt or truncated (\(data.count) bytes, not a checkpoint's JSON).\(hint)"
      )
    }
    guard header.format == Checkpoint.formatVersion else {
      throw CompanionError(
        "the checkpoint \(file.path) has format \(header.format); this version reads format \(Checkpoint.formatVersion).\(hint)"
      )
    }
    do {
      return try ResumableUnit.decoder.decode(Checkpoint.self, from: data)
    } catch {
      throw CompanionError("the checkpoint \(file.path) is corrupt: \(error).\(hint)")
    }
  }

  /// The saved result of a finished unit, if there is one.
  func result(of unit: String) -> Data? { checkpoint.completed[unit] }

  /// The saved state of `unit` if it was in progress: the checkpoint's unit in progress, or
  /// a unit that ran side by side (with what it had added to the record, which the chapter's
  /// record does not hold).
  func progress(of unit: String) throws -> (current: Checkpoint.Current, record: RecordChanges?)? {
    if let current = checkpoint.current, current.unit == unit { return (current, nil) }
    let part = unitFile(unit)
    guard let data = FileManager.default.contents(atPath: part.path) else { return nil }
    guard let saved = try? ResumableUnit.decoder.decode(UnitProgress.self, from: data),
      saved.unit == unit
    else {
      throw CompanionError(
        "the progress file \(part.path) of \(unit) is corrupt. Delete it to run \(unit) from its start, or add --fresh to start over."
      )
    }
    return (Checkpoint.Current(unit: unit, step: saved.step, state: saved.state), saved.record)
  }

  /// Records a finished unit (and writes, so that a stop right after loses nothing). In a
  /// child of `independently` the result goes to the parent instead, which records it.
  func complete(_ unit: String, result: Data, from chapter: Chapter) throws {
    if chapter.isIndependentChild {
      chapter.recordCompletionInChild(unit, result: result)
      return
    }
    checkpoint.completed[unit] = result
    if !checkpoint.completionOrder.contains(unit) { checkpoint.completionOrder.append(unit) }
    if checkpoint.current?.unit == unit { checkpoint.current = nil }
    try write(from: chapter)
    try? FileManager.default.removeItem(at: unitFile(unit))
  }

  /// Records the unit in progress at `step` and writes: the checkpoint, or in a child of
  /// `independently` the unit's own progress file.
  func save(unit: String, step: Int, state: Data, from chapter: Chapter) throws {
    if chapter.isIndependentChild {
      let progress = UnitProgress(
        unit: unit, step: step, state: state, record: chapter.recordChangesInChild(),
        date: Results.timestamp())
      try FileManager.default.createDirectory(
        at: partsDirectory, withIntermediateDirectories: true)
      try ResumableUnit.encoder.encode(progress).write(to: unitFile(unit), options: .atomic)
      return
    }
    checkpoint.current = Checkpoint.Current(unit: unit, step: step, state: state)
    try write(from: chapter)
  }

  /// Writes the checkpoint as it stands (before units start side by side, so that their
  /// files always have a checkpoint to belong to).
  func writeNow(from chapter: Chapter) throws { try write(from: chapter) }

  /// How many units have progress files, and how many finished runs wait to be taken in.
  var parts: (units: Int, reports: Int) {
    let names =
      (try? FileManager.default.contentsOfDirectory(atPath: partsDirectory.path)) ?? []
    return (
      names.filter { $0.hasPrefix("unit-") }.count, names.filter { $0.hasPrefix("run-") }.count
    )
  }

  /// Writes with the chapter's record as it stands.
  private func write(from chapter: Chapter) throws {
    checkpoint.record = chapter.record.snapshot
    checkpoint.date = Results.timestamp()
    let data = try ResumableUnit.encoder.encode(checkpoint)
    let manager = FileManager.default
    try manager.createDirectory(
      at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
    // Keep the last good one until the new one is complete on disk.
    if manager.fileExists(atPath: file.path) {
      _ = try? manager.removeItem(at: previousFile)
      try manager.copyItem(at: file, to: previousFile)
    }
    try data.write(to: file, options: .atomic)
  }

  /// Deletes the checkpoint files (the run finished: a rerun starts over).
  func remove() {
    try? FileManager.default.removeItem(at: file)
    try? FileManager.default.removeItem(at: previousFile)
    try? FileManager.default.removeItem(at: partsDirectory)
  }
}

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
      } catch {
        chapter.fail(CompanionError("could not write the checkpoint \(store.file.path): \(error)"))
      }
    }
    return !stopping
  }

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
