import Foundation
import Testing

/// The book runs optimised builds, where a failed `precondition` stops the program with
/// SIGILL and prints nothing. Every check of the engine, the data and the harness goes through
/// `require` (Sources/Invariants) instead; this compiles it with `-O`, as `swift build -c
/// release` does, into a program that breaks a shape contract, and runs it.
@Suite("Broken contracts in an optimised build")
struct ReleaseBuildTests {
  static let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  @Test("an optimised binary prints the shape error and exits with status 70")
  func optimisedBuildPrintsTheMessage() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "release-probe-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let main = directory.appendingPathComponent("main.swift")
    try """
    // The shapes arrive at run time, as a layer's do.
    let (steps, batch, inputs) = (4, 5, Int(CommandLine.arguments[1])!)
    let (rows, cols) = (20, 3)
    print("before the check")
    require(
      rows == steps * batch && cols == inputs,
      "layer1: \\(steps) steps of \\(batch) need a \\(steps * batch)×\\(inputs) input, got \\(rows)×\\(cols)")
    print("after the check")
    """.write(to: main, atomically: true, encoding: .utf8)
    let probe = directory.appendingPathComponent("probe")
    let compile = try Self.run(
      "/usr/bin/env",
      [
        "swiftc", "-O", "-module-name", "Probe",
        Self.packageRoot.appendingPathComponent("Sources/Invariants/Requirement.swift").path,
        main.path, "-o", probe.path,
      ])
    try #require(compile.status == 0, "swiftc -O failed: \(compile.standardError)")

    let broken = try Self.run(probe.path, ["2"])
    #expect(broken.status == 70)
    #expect(broken.standardOutput == "before the check\n")
    #expect(
      broken.standardError.contains(
        "probe: error: layer1: 4 steps of 5 need a 20×2 input, got 20×3 (Probe/main.swift:5)"),
      "\(broken.standardError)")
    let kept = try Self.run(probe.path, ["3"])
    #expect(kept.status == 0 && kept.standardOutput == "before the check\nafter the check\n")
  }

  /// Runs a program to its end; its output goes through files (a pipe could fill and block).
  static func run(_ executable: String, _ arguments: [String]) throws -> (
    status: Int32, standardOutput: String, standardError: String
  ) {
    let files = (0..<2).map { _ in
      FileManager.default.temporaryDirectory.appendingPathComponent("probe-\(UUID().uuidString)")
    }
    defer { for file in files { try? FileManager.default.removeItem(at: file) } }
    for file in files { _ = FileManager.default.createFile(atPath: file.path, contents: nil) }
    let handles = try files.map { try FileHandle(forWritingTo: $0) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = handles[0]
    process.standardError = handles[1]
    try process.run()
    process.waitUntilExit()
    for handle in handles { try handle.close() }
    let status =
      process.terminationReason == .exit
      ? process.terminationStatus : 128 + process.terminationStatus
    return (
      status, try String(contentsOf: files[0], encoding: .utf8),
      try String(contentsOf: files[1], encoding: .utf8)
    )
  }
}
