import Foundation
import Testing

@testable import Plot

/// Rendering with the real gnuplot, when it is installed.
@Suite(.enabled(if: Gnuplot.isAvailable(), "gnuplot is not installed"))
struct RenderTests {
  static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

  /// Set PLOT_SAMPLE_DIR to keep the sample figure for looking at.
  @Test func rendersPNGAndSVG() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let target =
      ProcessInfo.processInfo.environment["PLOT_SAMPLE_DIR"].map { URL(fileURLWithPath: $0) }
      ?? directory.url
    let rendered = try sampleFigure().write(to: target)

    let png = try Data(contentsOf: try #require(rendered.png))
    #expect(png.count > 10_000)
    #expect(Array(png.prefix(8)) == Self.pngSignature)
    let svg = try contents(try #require(rendered.svg))
    #expect(svg.hasPrefix("<?xml"))
    #expect(svg.contains("<svg"))
    #expect(svg.contains("viewBox=\"0 0 1000 700\""))
    // Labels reach the picture as typed: Greek letters, ∂, and the underscore of μ_B.
    #expect(svg.contains("∂ℓ/∂W"))
    #expect(svg.contains("μ_B"))
    #expect(rendered.warning == nil)
    #expect(rendered.gnuplotMessages.isEmpty, "gnuplot said: \(rendered.gnuplotMessages)")
    #expect(
      try directory.fileNames().allSatisfy { !$0.hasPrefix(".") }, "temporary pictures left behind")
  }

  /// The two commands a reader uses: `gnuplot Figures/NN-name.gp` from the
  /// package root, and `gnuplot NN-name.gp` inside Figures/.
  @Test(arguments: [
    (workingDirectory: "", script: "Figures/07-by-hand.gp"),
    (workingDirectory: "Figures", script: "07-by-hand.gp"),
  ])
  func theScriptRunsByHandFromTheRootAndFromItsDirectory(workingDirectory: String, script: String)
    throws
  {
    let root = try TemporaryDirectory()
    defer { root.remove() }
    let figures = root.url.appendingPathComponent("Figures")
    let figure = Figure(
      name: "07-by-hand", title: "By hand",
      panel: Panel(xLabel: "x", yLabel: "y", series: [.line("l", x: [1, 2], y: [3, 4])]))
    try figure.write(to: figures, gnuplot: .none)

    let gnuplot: URL = try #require(GnuplotLocator.fromPath.resolve())
    let process = Process()
    process.executableURL = gnuplot
    process.arguments = [script]
    process.currentDirectoryURL = root.url.appendingPathComponent(workingDirectory)
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    let png = try Data(contentsOf: figures.appendingPathComponent("07-by-hand.png"))
    #expect(Array(png.prefix(8)) == Self.pngSignature)
    #expect(
      FileManager.default.fileExists(atPath: figures.appendingPathComponent("07-by-hand.svg").path))
    #expect(try root.fileNames() == ["Figures"], "pictures must land beside the script")
  }

  /// A figure gnuplot itself rejects: a log axis whose every value is
  /// non-positive leaves nothing to plot.
  @Test func aRealGnuplotErrorNamesTheFigureAndLeavesNoPicture() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let good = Panel(xLabel: "x", yLabel: "y", series: [.line("l", x: [1, 2], y: [1, 2])])
    var figure = Figure(name: "08-broken", title: "Broken", panel: good)
    try figure.write(to: directory.url)
    #expect(
      try directory.fileNames() == [
        "08-broken.dat", "08-broken.gp", "08-broken.png", "08-broken.svg",
      ])

    figure.panels[0].yLog = true
    figure.panels[0].series = [.line("l", x: [1, 2], y: [0, -1])]
    let error = try #require(throws: PlotError.self) { try figure.write(to: directory.url) }
    guard case .gnuplotFailed(let name, let status, let stderr) = error else {
      Issue.record("expected gnuplotFailed, got \(error)")
      return
    }
    #expect(name == "08-broken")
    #expect(status != 0)
    #expect(stderr.contains("08-broken.gp"))
    #expect(try directory.fileNames() == ["08-broken.dat", "08-broken.gp"])
  }
}
