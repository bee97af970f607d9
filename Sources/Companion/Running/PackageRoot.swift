import Foundation

/// Where the package lives, so a chapter writes into the same `Figures/` whether it is run
/// from the package root, from `Chapters/01-Transform`, or by the runner.
public enum PackageRoot {
  /// The first directory at or above `start` that holds both `Package.swift` and `Chapters/`;
  /// `start` itself if there is none (a chapter binary copied elsewhere still runs).
  public static func find(
    from start: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
  )
    -> URL
  {
    let fileManager = FileManager.default
    var candidate = start.standardizedFileURL
    while true {
      var isDirectory: ObjCBool = false
      let hasManifest = fileManager.fileExists(
        atPath: candidate.appendingPathComponent("Package.swift").path)
      let hasChapters = fileManager.fileExists(
        atPath: candidate.appendingPathComponent("Chapters").path, isDirectory: &isDirectory)
      if hasManifest && hasChapters && isDirectory.boolValue { return candidate }
      let parent = candidate.deletingLastPathComponent().standardizedFileURL
      if parent.path == candidate.path { return start.standardizedFileURL }
      candidate = parent
    }
  }
}
