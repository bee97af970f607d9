// swift-tools-version:6.0
// The Batch Normalization companion: a literate, runnable book about
// Ioffe & Szegedy 2015, Laurent et al. 2016 and Cooijmans et al. 2017.
import Foundation
import PackageDescription

/// The package's own directory (the manifest may be evaluated from elsewhere).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

/// The chapters are whatever lives under Chapters/NN-Name/main.swift: adding a chapter is
/// adding its directory. `01-Transform` becomes the executable `ch01-transform` and the target
/// `Ch01Transform` (the same rule as `ChapterInfo.executable` in Sources/Companion), and a
/// chapter depends on exactly the book's libraries its Swift files import (main.swift, the
/// page, and the files beside it that hold its plumbing: figures, tables). SwiftPM caches a
/// manifest by its text, so after adding a chapter's directory build once with
/// `--manifest-cache none` (the Makefile always does) or the new chapter is not seen.
struct ChapterTarget {
  let directory: String
  let imports: [String]
  /// Its rendered page, if there is one yet (not a source file).
  let hasPage: Bool
  var product: String { "ch" + directory.lowercased() }
  var target: String { "Ch" + directory.replacingOccurrences(of: "-", with: "") }
}

let libraries = ["Companion", "Engine", "Datasets", "Invariants", "Plot", "Randomness"]

/// Compiler flags for this machine's vector units. The element-wise kernels (sigmoid, tanh,
/// BN) vectorise to 4-wide SSE on a baseline x86-64 build; on a CPU with AVX2 and FMA
/// (Intel since 2013, AMD since 2015) they run 8 wide, about twice as fast, and with AVX-512
/// 16 wide (tanh over 64×1024 Floats: 51 µs with AVX2, 26 µs with AVX-512 on the book's AMD
/// EPYC). The numbers do not change: Swift never fuses a multiply and an add into an FMA on
/// its own and never reorders a sum, so each element sees the same IEEE operations at any
/// width (every chapter's smoke results, and Chapter 1's book results, are bit-identical
/// built for "haswell" and for "native"). So the engine is built for this CPU, all of it
/// (`-target-cpu native`) — what makes runs differ between machines is OpenBLAS's kernels,
/// which the runs pin (`KernelChoice`). COMPANION_PORTABLE=1 builds for any x86-64 (to copy
/// the binaries to another machine); COMPANION_TARGET_CPU=haswell (or another LLVM CPU name)
/// builds for that CPU.
let nativeVectorFlags: [SwiftSetting] = {
  #if os(Linux) && arch(x86_64)
    guard ProcessInfo.processInfo.environment["COMPANION_PORTABLE"] == nil,
      let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
      let flagsLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
    else { return [] }
    let flags = Set(flagsLine.split(separator: " ").map(String.init))
    // Everything LLVM's "haswell" target may use: the least a CPU needs for the wide build.
    let haswell = ["avx", "avx2", "fma", "bmi1", "bmi2", "f16c", "movbe", "popcnt", "lzcnt"]
    let lzcnt = flags.contains("abm") || flags.contains("lzcnt")
    guard haswell.allSatisfy({ flags.contains($0) || ($0 == "lzcnt" && lzcnt) }) else {
      return []
    }
    let cpu = ProcessInfo.processInfo.environment["COMPANION_TARGET_CPU"] ?? "native"
    return [.unsafeFlags(["-target-cpu", cpu])]
  #else
    return []
  #endif
}()
let chapters: [ChapterTarget] = {
  let folder = packageRoot.appendingPathComponent("Chapters")
  let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
  return names.sorted().compactMap { name in
    let directory = folder.appendingPathComponent(name)
    let main = directory.appendingPathComponent("main.swift")
    guard FileManager.default.fileExists(atPath: main.path) else { return nil }
    let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
      .filter { $0.hasSuffix(".swift") }
    let source = files.compactMap {
      try? String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8)
    }.joined(separator: "\n")
    let imports = source.split(separator: "\n").compactMap { line -> String? in
      let words = line.split(separator: " ")
      return words.count == 2 && words[0] == "import" ? String(words[1]) : nil
    }
    let page = folder.appendingPathComponent(name).appendingPathComponent("README.md")
    return ChapterTarget(
      directory: name, imports: libraries.filter(imports.contains),
      hasPage: FileManager.default.fileExists(atPath: page.path))
  }
}()

let package = Package(
  name: "BatchNormCompanion",
  platforms: [.macOS(.v13)],
  products: [
    .library(name: "Engine", targets: ["Engine"]),
    .library(name: "Datasets", targets: ["Datasets"]),
    .library(name: "Plot", targets: ["Plot"]),
    .library(name: "Companion", targets: ["Companion"]),
    .executable(name: "companion", targets: ["CompanionCLI"]),
  ] + chapters.map { .executable(name: $0.product, targets: [$0.target]) },
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
    .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
  ],
  targets: [
    .systemLibrary(
      name: "COpenBLAS", path: "Sources/COpenBLAS",
      providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(
      name: "CZlib", path: "Sources/CZlib",
      providers: [.apt(["zlib1g-dev"])]),
    // Float products through oneDNN's matmul primitive, planned once per shape: --native.
    .target(
      name: "COneDNN", path: "Sources/COneDNN", linkerSettings: [.linkedLibrary("dnnl")]),
    // Counts heap allocations for `companion bench` (Linux/glibc; a no-op elsewhere).
    .target(name: "CAllocationCounter", path: "Sources/CAllocationCounter"),
    // `require`: a broken contract stops the program with its message in every build.
    .target(name: "Invariants"),
    .target(
      name: "Randomness",
      dependencies: ["Invariants", .product(name: "RealModule", package: "swift-numerics")]),
    .target(
      name: "Engine",
      dependencies: [
        "COneDNN", "COpenBLAS", "Invariants", "Randomness",
        .product(name: "RealModule", package: "swift-numerics"),
      ]),
    .target(
      name: "Datasets",
      dependencies: [
        "CZlib", "Invariants", "Randomness", .product(name: "Crypto", package: "swift-crypto"),
      ]),
    .target(name: "Plot"),
    .target(
      name: "Companion",
      dependencies: [
        "Engine", "Datasets", "Invariants", "Plot", "Randomness",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(
      name: "CompanionCLI",
      dependencies: [
        "CAllocationCounter", "Companion", "Engine", "Datasets", "Randomness",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .testTarget(
      name: "EngineTests",
      dependencies: [
        "Engine", "Randomness", .product(name: "RealModule", package: "swift-numerics"),
      ],
      // Reference outputs written by Benchmarks/make_lstm_fixture.py, read by path.
      exclude: ["Fixtures"]),
    .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "CZlib"]),
    .testTarget(name: "PlotTests", dependencies: ["Plot"]),
    .testTarget(
      name: "CompanionTests",
      dependencies: [
        "Companion", "Datasets", "Plot",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .testTarget(name: "ChapterTests", dependencies: ["Companion"]),
  ]
    + chapters.map {
      .executableTarget(
        name: $0.target,
        dependencies: $0.imports.map { .byName(name: $0) },
        path: "Chapters/\($0.directory)",
        exclude: $0.hasPage ? ["README.md"] : [])
    }
)

// Every Swift target, since the engine's @inlinable kernels are compiled where they are used.
for target in package.targets where target.type != .system {
  target.swiftSettings = (target.swiftSettings ?? []) + nativeVectorFlags
}

// `swift test` builds in debug, and its chapter tests run the chapters: unoptimised, Chapter 3's
// smoke run alone took 80 s. The library and chapter targets are therefore optimised in debug
// builds too (tests still see their internals: SwiftPM keeps -enable-testing), so the tests
// run the code the book runs; the test targets themselves stay unoptimised, with their asserts.
for target in package.targets where target.type == .regular || target.type == .executable {
  target.swiftSettings = (target.swiftSettings ?? []) + [
    .unsafeFlags(["-O"], .when(configuration: .debug))
  ]
}
