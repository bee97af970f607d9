import Engine
import Foundation
import Randomness

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
    checkpoint.record.secondsBeforeResuming = chapter.elapsedSeconds
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
