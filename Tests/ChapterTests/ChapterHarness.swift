import Companion
import Foundation
import Testing

/// Running a built chapter from a test.
///
/// `swift test` builds every product of the package, the chapter executables included, into
/// the same directory as the test binary (`.build/<triple>/debug/`), so that is where we look.
/// A chapter test is then one line:
///
///     let (status, results) = try runChapter("ch01-transform")
///     #expect(status == 0)
///     #expect(results.claims.allSatisfy(\.holds))
enum ChapterHarness {
  /// The build products directory: where the test binary (Linux) or bundle (macOS) lives.
  static func productsDirectory() -> URL {
    #if os(macOS)
      if let bundle = Bundle.allBundles.first(where: { $0.bundlePath.hasSuffix(".xctest") }) {
        return bundle.bundleURL.deletingLastPathComponent()
      }
    #endif
    let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
    return executable.resolvingSymlinksInPath().deletingLastPathComponent()
  }

  /// The chapter executable called `name`, or an error saying where we looked and what to do.
  static func executable(_ name: String) throws -> URL {
    let candidate = productsDirectory().appendingPathComponent(name)
    guard FileManager.default.isExecutableFile(atPath: candidate.path) else {
      throw ChapterRunError.notBuilt(name: name, directory: productsDirectory().path)
    }
    return candidate
  }

  /// The package root, from this file's location (Tests/ChapterTests/ChapterHarness.swift).
  static let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  /// A finished chapter process: its exit status, what it printed, and the results file it
  /// wrote (nil if it wrote none).
  struct Run {
    var status: Int32
    var standardOutput: String
    var standardError: String
    var results: Results?
  }

  /// Runs chapter `name` with `--preset smoke --out <fresh temporary directory> --quiet`
  /// followed by `arguments` (later options win), and reads back its results.
  /// `environment` replaces the test's own environment for the chapter (nil: inherit it).
  static func run(
    _ name: String, arguments: [String] = [], environment: [String: String]? = nil
  ) throws -> Run {
    let executable = try executable(name)
    guard let chapter = Catalog.chapters.first(where: { $0.executable == name }) else {
      throw ChapterRunError.unknown(name: name)
    }
    let out = FileManager.default.temporaryDirectory.appendingPathComponent(
      "\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: out) }

    // Output goes to files, not pipes: a chapter that prints more than a pipe holds would
    // block forever waiting for us to read while we wait for it to exit.
    let stdoutFile = out.appendingPathComponent("stdout.txt")
    let stderrFile = out.appendingPathComponent("stderr.txt")
    _ = FileManager.default.createFile(atPath: stdoutFile.path, contents: nil)
    _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
    let stdoutHandle = try FileHandle(forWritingTo: stdoutFile)
    let stderrHandle = try FileHandle(forWritingTo: stderrFile)

    let process = Process()
    process.executableURL = executable
    process.arguments = ["--preset", "smoke", "--out", out.path, "--quiet"] + arguments
    process.currentDirectoryURL = packageRoot
    if let environment { process.environment = environment }
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = stdoutHandle
    process.standardError = stderrHandle
    try process.run()
    process.waitUntilExit()
    try stdoutHandle.close()
    try stderrHandle.close()

    let resultsFile = OutputDirectory.resultsFile(in: out, chapter: chapter)
    let results =
      FileManager.default.fileExists(atPath: resultsFile.path)
      ? try Results.read(from: resultsFile) : nil
    return Run(
      status: process.terminationReason == .exit
        ? process.terminationStatus : 128 + process.terminationStatus,
      standardOutput: try String(contentsOf: stdoutFile, encoding: .utf8),
      standardError: try String(contentsOf: stderrFile, encoding: .utf8),
      results: results)
  }
}

/// Runs a built chapter in smoke mode and returns its exit status and results; throws when
/// the executable is missing or the chapter wrote no results (with its stderr in the error).
func runChapter(_ executable: String, arguments: [String] = []) throws -> (
  status: Int32, results: Results
) {
  let run = try ChapterHarness.run(executable, arguments: arguments)
  guard let results = run.results else {
    throw ChapterRunError.noResults(
      name: executable, status: run.status, standardError: run.standardError)
  }
  return (run.status, results)
}

enum ChapterRunError: Error, CustomStringConvertible {
  case notBuilt(name: String, directory: String)
  case unknown(name: String)
  case noResults(name: String, status: Int32, standardError: String)

  var description: String {
    switch self {
    case .notBuilt(let name, let directory):
      "\(name) is not in \(directory); `swift build --build-tests` (or `swift test`) builds it there"
    case .unknown(let name):
      "\(name) is not a chapter in Catalog.chapters"
    case .noResults(let name, let status, let standardError):
      "\(name) exited \(status) without writing results; stderr: \(standardError)"
    }
  }
}

/// Whether the chapters that train on images can run here: the Debian Fashion-MNIST package
/// (installed by `make test`) or an MNIST directory in MNIST_DIR.
let imageDataAvailable =
  FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist")
  || ProcessInfo.processInfo.environment["MNIST_DIR"] != nil

/// The reason shown when an image chapter's test is skipped.
let imageDataMissing: Comment =
  "needs image data: apt-get install dataset-fashion-mnist, or set MNIST_DIR"

extension Results.Metrics {
  /// Every series (names, order, steps) and every scalar, compared bit for bit: unlike `==`,
  /// a NaN (a level no run reached, say) equals the same NaN.
  func sameBits(as other: Results.Metrics) -> Bool {
    func bits(_ series: [MetricSeries]) -> [[String]] {
      series.map { s in
        [s.metric, s.run] + s.points.map { "\($0.step):\($0.value.bitPattern)" }
      }
    }
    return bits(series) == bits(other.series)
      && scalars.mapValues(\.bitPattern) == other.scalars.mapValues(\.bitPattern)
  }
}
