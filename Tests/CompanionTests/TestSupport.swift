import Foundation

@testable import Companion

/// Collects written text, for sinks and printers under test.
final class TextCollector: @unchecked Sendable {
  private let lock = NSLock()
  private var pieces: [String] = []

  func write(_ text: String) { lock.withLock { pieces.append(text) } }
  var text: String { lock.withLock { pieces.joined() } }
  var lines: [String] { lock.withLock { pieces } }
}

/// A fake monotonic clock the test advances by hand.
final class ManualClock: @unchecked Sendable {
  private let lock = NSLock()
  private var seconds = 0.0
  func advance(_ by: Double) { lock.withLock { seconds += by } }
  var now: Double { lock.withLock { seconds } }
}

/// A temporary directory removed when the value is released.
final class TemporaryDirectory {
  let url: URL

  init() throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "companion-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(at: url) }
}

enum TestChapter {
  /// A chapter as a chapter's main.swift would make it, but with its output captured, no
  /// signal handlers, and (unless `--out` is given) a root in a fresh temporary directory.
  static func make(
    _ arguments: [String], number: Int = 1, root: URL? = nil,
    output: TextCollector = TextCollector(), printer: (@Sendable (String) -> Void)? = nil
  ) throws -> Chapter {
    let options = try ChapterOptions.parse(arguments)
    let root = try root ?? TemporaryDirectory().url
    return Chapter(
      number: number, options: options, root: root, progressSink: nil, installSignalHandlers: false,
      printer: printer ?? { output.write($0 + "\n") })
  }
}
