import Foundation

/// The chapter's voice: the lines it prints on standard output and its progress bars on
/// standard error.
///
/// In a child process of `independently` it is *buffered*: lines are kept for the chapter's
/// own process, which prints them in the runs' order, and there are no progress bars (the
/// chapter's process shows one for the group). Nothing else in the harness needs to know
/// which kind of process it is in to print.
public final class Narrator: @unchecked Sendable {
  private let lock = NSLock()
  private let printer: @Sendable (String) -> Void
  private let progressSink: ProgressSink?
  /// In a child: the lines it would have printed; nil in the chapter's own process.
  private var kept: [String]?
  private var hintsShown: Set<String> = []

  /// - Parameters:
  ///   - printer: prints one line (standard output in a chapter; a buffer in tests).
  ///   - progressSink: where progress bars draw; nil for none (`--quiet`).
  public init(printer: @escaping @Sendable (String) -> Void, progressSink: ProgressSink?) {
    self.printer = printer
    self.progressSink = progressSink
  }

  /// Prints `line`, or keeps it when buffered.
  public func say(_ line: String) {
    let buffered = lock.withLock {
      guard kept != nil else { return false }
      kept!.append(line)
      return true
    }
    if !buffered { printer(line) }
  }

  /// Says `hint` the first time it is asked to (e.g. how to install gnuplot).
  func sayOnce(_ hint: String) {
    let first = lock.withLock { hintsShown.insert(hint).inserted }
    if first { say(hint) }
  }

  /// A progress bar on standard error (none when buffered or quiet).
  func progress(_ label: String, total: Int) -> ProgressBar {
    ProgressBar(label, total: total, sink: isBuffered ? nil : progressSink)
  }

  /// Whether lines are being kept rather than printed.
  var isBuffered: Bool { lock.withLock { kept != nil } }

  /// From now on, keeps lines instead of printing them (a child of `independently`).
  func buffer() { lock.withLock { kept = kept ?? [] } }

  /// The lines kept so far, emptied.
  func takeKept() -> [String] {
    lock.withLock {
      defer { if kept != nil { kept = [] } }
      return kept ?? []
    }
  }
}
