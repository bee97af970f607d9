import Foundation

/// Where to find the gnuplot executable.
///
/// The default searches `PATH` the way a shell would; tests point it at a fake
/// gnuplot (a script that fails on purpose) or at nothing at all.
public struct GnuplotLocator: Sendable, Equatable {
  private enum Source: Sendable, Equatable {
    case searchPath
    case executable(String)
    case none
  }
  private let source: Source

  /// The first executable `gnuplot` on `PATH`.
  public static let fromPath = GnuplotLocator(source: .searchPath)
  /// A specific executable, used only if it exists and is executable.
  public static func executable(_ path: String) -> GnuplotLocator {
    GnuplotLocator(source: .executable(path))
  }
  /// Never render: write the .dat and .gp only.
  public static let none = GnuplotLocator(source: .none)

  /// The executable, or `nil` when there is none.
  public func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
    switch source {
    case .none:
      return nil
    case .executable(let path):
      return FileManager.default.isExecutableFile(atPath: path) ? URL(fileURLWithPath: path) : nil
    case .searchPath:
      let directories = (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(
        separator: ":")
      for directory in directories where !directory.isEmpty {
        let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("gnuplot")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
      }
      return nil
    }
  }
}

/// Running gnuplot, and what to tell the reader when it is not installed.
public enum Gnuplot {
  /// Whether `locator` finds a gnuplot to render with.
  public static func isAvailable(_ locator: GnuplotLocator = .fromPath) -> Bool {
    locator.resolve() != nil
  }

  /// The one-line warning for a machine without gnuplot: how to install it and
  /// how to render the scripts that were written anyway. `figuresDirectory` is
  /// the directory as the reader should type it, e.g. "Figures".
  public static func missingWarning(figuresDirectory: String = "Figures") -> String {
    "warning: gnuplot not found, so figures were written as .dat and .gp only;"
      + " install it with `apt-get install gnuplot-nox`, then render each with"
      + " `gnuplot \(figuresDirectory)/NN-name.gp`"
  }

  /// Prints `missingWarning` to standard error, once per process however
  /// many figures are written; does nothing when gnuplot is available.
  public static func warnOnceIfMissing(
    _ locator: GnuplotLocator = .fromPath, figuresDirectory: String = "Figures"
  ) {
    guard !isAvailable(locator), WarnedOnce.shared.firstTime() else { return }
    let line = missingWarning(figuresDirectory: figuresDirectory) + "\n"
    FileHandle.standardError.write(Data(line.utf8))
  }

  /// `directory` as a reader would type it: relative to the current directory
  /// when it lies inside it ("Figures"), else absolute.
  static func displayPath(of directory: URL) -> String {
    let path = directory.standardizedFileURL.path
    let here = FileManager.default.currentDirectoryPath
    return path.hasPrefix(here + "/") ? String(path.dropFirst(here.count + 1)) : path
  }

  /// Runs `executable` on `script` and returns its standard error. The script
  /// is passed by path, exactly as a reader would run it, so it finds its data
  /// through ARG0; `variables` are set with `-e` before the script runs.
  static func run(
    _ executable: URL, script: URL, variables: [String: String], figure: String
  ) throws -> String {
    let process = Process()
    process.executableURL = executable
    process.arguments =
      variables.sorted { $0.key < $1.key }
      .flatMap { ["-e", "\($0.key) = \(GnuplotScript.quoted($0.value))"] }
      + [script.path]
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    let errors = Pipe()
    process.standardError = errors
    do {
      try process.run()
    } catch {
      throw PlotError.io(
        figure: figure, path: executable.path, reason: "cannot start gnuplot: \(error)")
    }
    // Only one pipe is read, to its end, before waiting: gnuplot cannot block on a full pipe.
    let said = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationReason == .exit, process.terminationStatus == 0 else {
      throw PlotError.gnuplotFailed(figure: figure, status: process.terminationStatus, stderr: said)
    }
    return said
  }
}

/// A flag that is true exactly once, safe to ask from any thread.
private final class WarnedOnce: @unchecked Sendable {
  static let shared = WarnedOnce()
  private let lock = NSLock()
  private var warned = false

  func firstTime() -> Bool {
    lock.lock()
    defer { lock.unlock() }
    if warned { return false }
    warned = true
    return true
  }
}
