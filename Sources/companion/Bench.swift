import ArgumentParser

/// `companion bench`: timed in a release build (filled in by the engine work).
struct BenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench", abstract: "Time the engine's training steps against their GEMM bound.")
  func run() throws { print("bench: not yet implemented") }
}
