import Foundation

/// Where the chapter executables are: beside the runner (SwiftPM builds every product of the
/// package into one directory, `.build/<configuration>/`).
public enum ChapterBinaries {
  /// The directory holding the running executable, symlinks resolved.
  public static func directoryOfRunningExecutable() -> URL {
    let executable =
      Bundle.main.executableURL
      ?? URL(
        fileURLWithPath: CommandLine.arguments[0],
        relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
    return executable.resolvingSymlinksInPath().deletingLastPathComponent()
  }

  /// `directory/<executable>` if it exists and can be run.
  public static func locate(_ chapter: ChapterInfo, in directory: URL) -> URL? {
    let candidate = directory.appendingPathComponent(chapter.executable)
    return FileManager.default.isExecutableFile(atPath: candidate.path) ? candidate : nil
  }

  /// The advice for a chapter whose executable is missing.
  public static func missingMessage(_ chapter: ChapterInfo, in directory: URL) -> String {
    "\(chapter.executable) is not built (looked in \(directory.path)); build every chapter with "
      + "`swift build -c release` and run `.build/release/companion`"
  }
}
