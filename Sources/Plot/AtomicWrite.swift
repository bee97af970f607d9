import Foundation

/// Files appear whole or not at all.
///
/// A chapter may be interrupted, or two processes may render at once; a reader
/// must never find half a .dat next to a finished .gp. Each file is written to
/// a hidden temporary name in its own directory (so the rename stays on one
/// file system) and renamed over the destination, which POSIX makes atomic.
enum AtomicWrite {
  /// Writes `contents` to `url` atomically.
  static func write(_ contents: String, to url: URL, figure: String) throws {
    let temporary = temporaryURL(besides: url)
    do {
      try Data(contents.utf8).write(to: temporary)
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      throw PlotError.io(figure: figure, path: url.path, reason: "\(error)")
    }
    try move(temporary, over: url, figure: figure)
  }

  /// Renames `source` to `destination`, replacing it; on failure removes `source`.
  static func move(_ source: URL, over destination: URL, figure: String) throws {
    guard rename(source.path, destination.path) == 0 else {
      let reason = String(cString: strerror(errno))
      try? FileManager.default.removeItem(at: source)
      throw PlotError.io(figure: figure, path: destination.path, reason: reason)
    }
  }

  /// A unique hidden name in the same directory as `url`: ".name.ext.tmp-UUID".
  static func temporaryURL(besides url: URL) -> URL {
    url.deletingLastPathComponent()
      .appendingPathComponent(".\(url.lastPathComponent).tmp-\(UUID().uuidString)")
  }
}
