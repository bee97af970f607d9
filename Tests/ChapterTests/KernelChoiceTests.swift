import Companion
import Engine
import Foundation
import Testing

/// The book's runs compute their matrix products on one pinned kernel family, so that any
/// machine that has it reproduces the committed results bit for bit; `--native` uses the
/// CPU's widest instead, and a choice the environment makes is respected. Tried as a user
/// would: the chapters and `companion` started with and without `OPENBLAS_CORETYPE`.
@Suite("Matrix-product kernels")
struct KernelChoiceTests {
  /// The test's environment without any kernel choice in it.
  static var unchosen: [String: String] {
    var environment = ProcessInfo.processInfo.environment
    environment["OPENBLAS_CORETYPE"] = nil
    environment["COMPANION_KERNELS"] = nil
    return environment
  }

  static var cpuRunsTheBooksKernels: Bool { KernelChoice.cpuRunsTheBooksKernels() }

  @Test func aChapterPinsTheBooksKernelsAndSaysSoInItsResults() throws {
    let run = try ChapterHarness.run("ch02-backprop", environment: Self.unchosen)
    #expect(run.status == 0, "\(run.standardError)")
    let kernels = try #require(run.results?.config.kernels)
    #expect(kernels.mode == .reproducible)
    if Self.cpuRunsTheBooksKernels {
      #expect(kernels.reason == .pinned)
      #expect(kernels.kernels.family == MatrixProductKernels.reproducibleFamily)
      #expect(kernels.kernels.instructionSet == "AVX2+FMA")
      #expect(run.standardOutput.contains("Haswell kernels (AVX2+FMA), pinned by the book"))
    } else {
      #expect(kernels.reason == .unavailable)
    }
  }

  @Test(.enabled(if: cpuRunsTheBooksKernels)) func aChoiceOfTheEnvironmentIsRespected() throws {
    var environment = Self.unchosen
    environment["OPENBLAS_CORETYPE"] = "Sandybridge"
    let run = try ChapterHarness.run("ch02-backprop", environment: environment)
    let kernels = try #require(run.results?.config.kernels)
    #expect(kernels.reason == .environment)
    #expect(kernels.kernels.family == "Sandybridge")
    #expect(!kernels.isTheBooks)
    #expect(run.standardOutput.contains("not the book's kernels"))
  }

  @Test func nativeRunsAreMarkedAndNeverWriteOverTheBooksResults() throws {
    let run = try ChapterHarness.run(
      "ch02-backprop", arguments: ["--native"], environment: Self.unchosen)
    let kernels = try #require(run.results?.config.kernels)
    #expect(kernels.mode == .native && kernels.reason == .native)
    let chapter = try #require(Catalog.chapter(number: 2))
    let root = URL(fileURLWithPath: "/book")
    for preset in [Preset.book, .long] {
      let native = OutputDirectory.resolve(
        explicit: nil, preset: preset, seed: ChapterOptions.defaultSeed, native: true,
        chapter: chapter, root: root)
      #expect(native.path == "/book/runs/02-\(preset.rawValue)-seed1-native")
    }
  }

  /// The two families round differently, but both compute the same product.
  @Test func aNativeProductMatchesThePinnedOneWithinFloatTolerance() throws {
    let companion = try ChapterHarness.executable("companion")
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
      "kernels-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    func product(_ arguments: [String]) throws -> [Float] {
      let file = scratch.appendingPathComponent("\(arguments.count).json")
      let process = Process()
      process.executableURL = companion
      process.arguments = ["kernels", "--product", file.path] + arguments
      process.environment = Self.unchosen
      process.standardOutput = FileHandle.nullDevice
      try process.run()
      process.waitUntilExit()
      #expect(process.terminationStatus == 0)
      return try JSONDecoder().decode([Float].self, from: Data(contentsOf: file))
    }
    let pinned = try product([])
    let native = try product(["--native"])
    #expect(pinned.count == 64 * 1024 && native.count == pinned.count)
    let largest = pinned.map(abs).max() ?? 0
    let worst = zip(pinned, native).map { abs($0 - $1) }.max() ?? .infinity
    // 256 products summed per entry: a few units in the last place of the largest entries.
    #expect(largest > 1 && worst <= 1e-5 * largest, "worst difference \(worst) of \(largest)")
  }
}
