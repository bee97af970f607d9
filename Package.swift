// swift-tools-version:6.0
// The Batch Normalization companion: a literate, runnable book about
// Ioffe & Szegedy 2015, Laurent et al. 2016 and Cooijmans et al. 2017.
import PackageDescription

/// Release builds of the hot loops: no bounds checks on raw buffers is already
/// the style; `-Ounchecked` is not used so that overflow traps stay on.
let chapters: [(product: String, target: String, path: String)] = [
  ("ch01-transform", "Ch01Transform", "Chapters/01-Transform"),
  ("ch02-backprop", "Ch02Backprop", "Chapters/02-Backprop"),
  ("ch03-feedforward", "Ch03FeedForward", "Chapters/03-FeedForward"),
]

let package = Package(
  name: "BatchNormCompanion",
  platforms: [.macOS(.v13)],
  products: [
    .library(name: "Engine", targets: ["Engine"]),
    .library(name: "Datasets", targets: ["Datasets"]),
    .library(name: "Plot", targets: ["Plot"]),
    .library(name: "Companion", targets: ["Companion"]),
    .executable(name: "companion", targets: ["companion"]),
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
    .target(
      name: "Randomness",
      dependencies: [.product(name: "RealModule", package: "swift-numerics")]),
    .target(
      name: "Engine",
      dependencies: [
        "COpenBLAS", "Randomness", .product(name: "RealModule", package: "swift-numerics"),
      ]),
    .target(
      name: "Datasets",
      dependencies: [
        "CZlib", "Randomness", .product(name: "Crypto", package: "swift-crypto"),
      ]),
    .target(name: "Plot"),
    .target(
      name: "Companion",
      dependencies: [
        "Engine", "Datasets", "Plot",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(
      name: "companion",
      dependencies: [
        "Companion", "Engine", "Datasets", "Plot",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .testTarget(name: "EngineTests", dependencies: ["Engine"]),
    .testTarget(name: "DatasetsTests", dependencies: ["Datasets"]),
    .testTarget(name: "PlotTests", dependencies: ["Plot"]),
    .testTarget(name: "CompanionTests", dependencies: ["Companion", "Plot"]),
    .testTarget(name: "ChapterTests", dependencies: ["Companion"]),
  ]
    + chapters.map {
      .executableTarget(
        name: $0.target,
        dependencies: [
          "Companion", "Engine", "Datasets", "Plot",
          .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ],
        path: $0.path,
        // README.md is the chapter's rendered page, not a source file.
        exclude: ["README.md"])
    }
)
