import Foundation
import Testing

@testable import Plot

/// Writing files without the real gnuplot: missing gnuplot, a failing fake
/// gnuplot, invalid figures, determinism, no temporary files left behind.
@Suite struct WriteTests {
  let figure = Figure(
    name: "05-write", title: "W",
    panel: Panel(
      xLabel: "x", yLabel: "y",
      series: [.line("a", x: [1, 2, 3], y: [1, .nan, 3], role: .baseline)]))

  @Test func withoutGnuplotDataAndScriptAreStillWritten() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let target = directory.url.appendingPathComponent("Figures")  // created on demand
    for locator in [
      GnuplotLocator.none, .executable(directory.url.appendingPathComponent("absent").path),
    ] {
      let rendered = try figure.write(to: target, gnuplot: locator)
      #expect(rendered.png == nil)
      #expect(rendered.svg == nil)
      #expect(try contents(rendered.dat).contains("2\tNaN\n"))
      #expect(try contents(rendered.script).contains("data = script_dir.'05-write.dat'"))
      let warning = try #require(rendered.warning)
      #expect(warning.contains("apt-get install gnuplot-nox"))
      #expect(warning.contains("gnuplot \(target.path)/NN-name.gp"))
      #expect(!warning.contains("\n"))
      #expect(
        try FileManager.default.contentsOfDirectory(atPath: target.path).sorted() == [
          "05-write.dat", "05-write.gp",
        ])
    }
    #expect(!Gnuplot.isAvailable(.none))
  }

  @Test func aFailingGnuplotThrowsWithItsStderrAndLeavesNoPicture() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let fake = try directory.executable(
      named: "fake-gnuplot", "echo \"line 7: undefined variable: nonsense\" >&2\nexit 1")
    let figures = directory.url.appendingPathComponent("Figures")
    try FileManager.default.createDirectory(at: figures, withIntermediateDirectories: true)
    // Pictures from an earlier run must not survive to look like this run's.
    for stale in ["05-write.png", "05-write.svg"] {
      try Data("old".utf8).write(to: figures.appendingPathComponent(stale))
    }

    #expect {
      try figure.write(to: figures, gnuplot: .executable(fake.path))
    } throws: { error in
      guard case .gnuplotFailed(let name, let status, let stderr) = error as? PlotError else {
        return false
      }
      return name == "05-write" && status == 1 && stderr.contains("undefined variable: nonsense")
    }
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: figures.path).sorted() == [
        "05-write.dat", "05-write.gp",
      ])
  }

  @Test func gnuplotThatWritesNothingIsAFailureToo() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let silent = try directory.executable(named: "silent-gnuplot", "exit 0")
    let error = try #require(throws: PlotError.self) {
      try figure.write(to: directory.url, gnuplot: .executable(silent.path))
    }
    #expect(error.description.contains("figure 05-write"))
    #expect(error.description.contains("did not write"))
  }

  @Test func gnuplotReceivesTheScriptPathAndATemporaryOutputStem() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    // A fake gnuplot that records its arguments, then fails.
    let log = directory.url.appendingPathComponent("arguments.txt")
    let fake = try directory.executable(
      named: "recording-gnuplot", "printf '%s\\n' \"$@\" > '\(log.path)'\nexit 3")
    let figures = directory.url.appendingPathComponent("Figures")
    #expect(throws: PlotError.self) {
      try figure.write(to: figures, gnuplot: .executable(fake.path))
    }
    let arguments = try contents(log).split(separator: "\n").map(String.init)
    #expect(arguments.count == 3)
    #expect(arguments[0] == "-e")
    #expect(arguments[1].hasPrefix("output_stem = '\(figures.path)/.05-write.tmp-"))
    #expect(arguments[2] == figures.appendingPathComponent("05-write.gp").path)
  }

  @Test func theSameFigureGivesTheSameBytes() throws {
    let first = try TemporaryDirectory()
    let second = try TemporaryDirectory()
    defer {
      first.remove()
      second.remove()
    }
    let big = sampleFigure()
    let a = try big.write(to: first.url, gnuplot: .none)
    let b = try big.write(to: second.url, gnuplot: .none)
    let again = try big.write(to: first.url, gnuplot: .none)
    #expect(try Data(contentsOf: a.dat) == Data(contentsOf: b.dat))
    #expect(try Data(contentsOf: a.script) == Data(contentsOf: b.script))
    #expect(try Data(contentsOf: again.dat) == Data(contentsOf: b.dat))
    // Atomic writes leave no temporary files behind.
    #expect(try first.fileNames() == ["99-sample.dat", "99-sample.gp"])
  }

  @Test func pathSearchFindsAnExecutableGnuplot() throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    #expect(GnuplotLocator.fromPath.resolve(environment: ["PATH": directory.url.path]) == nil)
    let fake = try directory.executable(named: "gnuplot", "exit 0")
    let found = GnuplotLocator.fromPath.resolve(environment: [
      "PATH": "/nonexistent::\(directory.url.path)"
    ])
    #expect(found?.path == fake.path)
  }
}

/// Figures gnuplot could not draw are refused before anything is written.
@Suite struct ValidationTests {
  func error(writing figure: Figure) throws -> PlotError {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let error = try #require(throws: PlotError.self) {
      try figure.write(to: directory.url, gnuplot: .none)
    }
    #expect(try directory.fileNames().isEmpty, "nothing may be written for an invalid figure")
    return error
  }

  func figure(_ series: [Series], name: String = "06-bad") -> Figure {
    Figure(name: name, title: "Bad", panel: Panel(xLabel: "x", yLabel: "y", series: series))
  }

  @Test func mismatchedLengthsThrow() throws {
    let error = try error(writing: figure([.line("loss", x: [1, 2, 3], y: [1, 2])]))
    #expect(
      error
        == .invalidSeries(
          figure: "06-bad", reason: "panel 1, series \"loss\" has 3 x values but 2 y values"))
    let band = try self.error(writing: figure([.band("b", x: [1, 2], low: [1, 2], high: [1])]))
    #expect(band.description.contains("2 x values but 1 high values"))
    let bars = try self.error(writing: figure([.errorBars("e", x: [1], y: [1], error: [])]))
    #expect(bars.description.contains("1 x values but 0 error values"))
  }

  @Test func emptySeriesAndPanelsThrow() throws {
    #expect(
      try error(writing: figure([.line("none", x: [], y: [])])).description.contains(
        "has no points"))
    #expect(try error(writing: figure([])).description.contains("panel 1 has no series"))
    let noPanels = Figure(name: "06-bad", title: "Bad", panels: [])
    #expect(
      try error(writing: noPanels)
        == .invalidFigure(figure: "06-bad", reason: "a figure needs at least one panel"))
    let wrongColumns = Series(label: "w", style: .band, x: [1], values: [[1]])
    #expect(
      try error(writing: figure([wrongColumns])).description.contains(
        "needs columns [\"low\", \"high\"], got 1"))
  }

  @Test func unsafeNamesThrow() throws {
    for name in ["", "../escape", "a b", "it's", ".hidden", "x/y"] {
      guard
        case .invalidFigure = try error(writing: figure([.line("l", x: [1], y: [1])], name: name))
      else {
        Issue.record("name \(name.debugDescription) was accepted")
        continue
      }
    }
  }
}
