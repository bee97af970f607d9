import Foundation

/// The chapter's record behind a lock, so that any function of a chapter can write into it.
public final class Recorder: @unchecked Sendable {
  private let lock = NSLock()
  private var record = ChapterRecord()

  public init() {}

  /// Reads or changes the record under the lock.
  public func access<T>(_ body: (inout ChapterRecord) throws -> T) rethrows -> T {
    try lock.withLock { try body(&record) }
  }

  /// A copy of the record as it stands.
  public var snapshot: ChapterRecord { access { $0 } }
}
