import Foundation
import Testing

@testable import Plot

/// The gnuplot commands for each feature: bands, error bars, log axes, ranges,
/// legends, panels, colours by role, and text that must print literally.
@Suite struct ScriptTests {
  let x = [1.0, 10, 100]

  func script(_ panels: [Panel], columns: Int? = nil) -> String {
    GnuplotScript.text(for: Figure(name: "01-test", title: "T", panels: panels, columns: columns))
  }

  func lines(_ script: String, containing fragment: String) -> [String] {
    script.split(separator: "\n").map(String.init).filter { $0.contains(fragment) }
  }

  @Test func bandsAndErrorBarsUseTheirColumnsAndRoleColours() {
    let text = script([
      Panel(
        xLabel: "x", yLabel: "y",
        series: [
          .errorBars("accuracy", x: x, y: [1, 2, 3], error: [0.1, 0.1, 0.1], role: .baseline),
          .band("10–90%", x: x, low: [1, 2, 3], high: [2, 3, 4], role: .batchNorm),
        ])
    ])
    #expect(
      text.contains("data index 1 using 1:2:3 with filledcurves ls 2 title '10–90%' noenhanced, \\")
    )
    #expect(
      text.contains("data index 0 using 1:2:3 with yerrorbars ls 1 title 'accuracy' noenhanced\n"))
    // The band is listed first so the error bars are drawn over it.
    let band = text.range(of: "filledcurves")!.lowerBound
    let bars = text.range(of: "yerrorbars")!.lowerBound
    #expect(band < bars)
    #expect(text.contains("set style fill transparent solid 0.22 noborder"))
  }

  @Test func logAxesAndRanges() {
    let text = script([
      Panel(
        xLabel: "m", yLabel: "σ", xLog: true, yLog: true, xRange: 1...1000, yRange: 0.001...1,
        series: [.points("p", x: x, y: [1, 0.1, 0.01])])
    ])
    #expect(text.contains("set logscale x\n"))
    #expect(text.contains("set logscale y\n"))
    #expect(text.contains("set format x '%g'\n") && text.contains("set format y '%g'\n"))
    #expect(text.contains("set mxtics default; set mytics default"))
    #expect(text.contains("set xrange [1:1000]\n"))
    #expect(text.contains("set yrange [0.001:1]\n"))
  }

  @Test func chosenTicksAreLabelledAndDoNotLeakIntoTheNextPanel() {
    var ticked = Panel(
      xLabel: "batch size", yLabel: "accuracy", xLog: true, series: [.line("l", x: x, y: x)])
    ticked.xTicks = [4, 8, 16, 60]
    let plain = Panel(xLabel: "c", yLabel: "d", series: [.line("l", x: x, y: x)])
    let text = script([ticked, plain])
    #expect(text.contains("set xtics (\"4\" 4, \"8\" 8, \"16\" 16, \"60\" 60)\n"))
    let second = text.range(of: "# Panel 2")!.lowerBound
    let reset = text.range(of: "set xtics autofreq\n")
    #expect(reset != nil && reset!.lowerBound < second)
    #expect(!script([plain]).contains("set xtics"))
  }

  @Test func everyPanelResetsWhatTheOneBeforeSet() {
    let logPanel = Panel(
      title: "log", xLabel: "a", yLabel: "b", xLog: true, yLog: true, yRange: 0.1...1,
      legend: .outside, series: [.line("l", x: x, y: x)])
    let linearPanel = Panel(
      xLabel: "c", yLabel: "d", legend: .none, series: [.line("l", x: x, y: x)])
    let text = script([logPanel, linearPanel])
    let second = String(text[text.range(of: "# Panel 2")!.lowerBound...])
    for command in [
      "unset title", "unset logscale x", "unset logscale y", "unset mxtics; unset mytics",
      "set xrange [*:*]; set autoscale xfix", "set yrange [*:*]", "unset key",
    ] {
      #expect(second.contains(command + "\n"), "panel 2 lacks `\(command)`")
    }
    #expect(text.contains("set key outside right top\n"))
  }

  @Test func histogramsStartAtZero() {
    let text = script([
      Panel(xLabel: "x", yLabel: "density", series: [.steps("h", x: x, y: [1, 2, 1])])
    ])
    #expect(text.contains("set yrange [0:*]\n"))
    #expect(text.contains("using 1:2 with histeps ls 3 title 'h' noenhanced"))
  }

  @Test func panelsAreLaidOutOnAGrid() {
    let panel = Panel(xLabel: "x", yLabel: "y", series: [.line("l", x: x, y: x)])
    #expect(script([panel]).contains("set multiplot layout 1,1 title 'T' noenhanced"))
    #expect(script([panel, panel]).contains("set multiplot layout 1,2 "))
    #expect(script(Array(repeating: panel, count: 4)).contains("set multiplot layout 2,3 "))
    #expect(
      script(Array(repeating: panel, count: 4), columns: 2).contains("set multiplot layout 2,2 "))
    #expect(
      script(Array(repeating: panel, count: 3), columns: 1).contains("set multiplot layout 3,1 "))
    // Each series reads its own block, counted across panels.
    let text = script([panel, panel, panel])
    #expect(lines(text, containing: "data index 2 ").count == 1)
  }

  @Test func rolesPickFixedColours() {
    let text = script([
      Panel(
        xLabel: "x", yLabel: "y",
        series: [
          .line("a", x: x, y: x), .line("b", x: x, y: x, role: .batchNorm),
          .line("c", x: x, y: x), .line("d", x: x, y: x, role: .baseline),
          .line("e", x: x, y: x, role: .color(5)), .line("f", x: x, y: x, role: .reference),
        ])
    ])
    let styles = lines(text, containing: "data index").map { line in
      line.components(separatedBy: " ls ")[1].split(separator: " ")[0]
    }
    // .auto skips the two colours that mean "baseline" and "BN".
    #expect(styles == ["3", "2", "4", "1", "6", "20"])
    #expect(text.contains("set style line 1 lc rgb '#D55E00'"))
    #expect(text.contains("set style line 2 lc rgb '#0072B2'"))
    #expect(text.contains("set style line 20 lc rgb '#7F7F7F' lw 1.5 dt 2"))
    #expect(Palette.lineStyle(for: .color(-1), autoIndex: 0) == Palette.entries.count)
  }

  @Test func dashedSeriesKeepTheirColourAndDash() {
    let text = script([
      Panel(
        xLabel: "x", yLabel: "y",
        series: [
          .line("training", x: x, y: x, role: .batchNorm).dashed(),
          .line("validation", x: x, y: x, role: .batchNorm),
          .line("second guide", x: x, y: x, role: .reference).dotted(),
        ])
    ])
    let drawn = lines(text, containing: "data index")
    #expect(drawn.count == 3)
    #expect(drawn[0].contains("with lines ls 2 dt 2"))
    #expect(drawn[1].contains("with lines ls 2") && !drawn[1].contains(" dt "))
    // A dotted guide overrides its style's dash, so it differs from a dashed guide beside it.
    #expect(drawn[2].contains("with lines ls 20 dt 3"))
  }

  @Test func referenceGuidesAreDrawnOverTheCurvesAndBandsUnderThem() {
    let text = script([
      Panel(
        xLabel: "x", yLabel: "y",
        series: [
          .line("slope −1/2", x: x, y: x, role: .reference),
          .line("data", x: x, y: x, role: .batchNorm),
          .band("spread", x: x, low: x, high: x, role: .batchNorm),
        ])
    ])
    let drawn = lines(text, containing: "data index")
    #expect(drawn.count == 3)
    #expect(drawn[0].contains("title 'spread'"))
    #expect(drawn[1].contains("title 'data'"))
    #expect(drawn[2].contains("title 'slope −1/2'"))
  }

  @Test func rampColoursRunFromDarkToGreenWithoutRepeating() {
    #expect(Palette.rampRGB(0) == "#440154")
    #expect(Palette.rampRGB(1) == "#5DC863")
    #expect(Palette.rampRGB(-3) == "#440154" && Palette.rampRGB(7) == "#5DC863")
    // Halfway between the second and third anchors (#3B528B, #21908C).
    #expect(Palette.rampRGB(0.5) == "#2E718C")
    let ten = (0..<10).map { Palette.rampRGB(Double($0) / 9) }
    #expect(Set(ten).count == 10)
    let text = script([
      Panel(
        xLabel: "x", yLabel: "y",
        series: [
          .line("γ = 0.1", x: x, y: x, role: .ramp(0)),
          .line("γ = 1.0", x: x, y: x, role: .ramp(1)).dashed(),
        ])
    ])
    let drawn = lines(text, containing: "data index")
    #expect(drawn[0].contains("with lines ls 2 lc rgb '#440154' title"))
    #expect(drawn[1].contains("with lines ls 2 lc rgb '#5DC863' dt 2"))
  }

  @Test func textIsQuotedSoGnuplotPrintsItLiterally() {
    // Single quotes: no `backquote` shell substitution, no backslash escapes.
    #expect(GnuplotScript.quoted("it's `rm -rf x` a\\b \"q\"") == #"'it''s `rm -rf x` a\b "q"'"#)
    #expect(GnuplotScript.quoted("two\nlines") == #"'two'."\n".'lines'"#)
    #expect(GnuplotScript.text("x_t σ^2") == "'x_t σ^2' noenhanced")
    let text = script([
      Panel(
        title: "∂ℓ/∂W", xLabel: "γ_k", yLabel: "σ²",
        series: [.line("μ_B", x: x, y: x), .line("", x: x, y: x)])
    ])
    #expect(text.contains("set encoding utf8\n"))
    #expect(text.contains("set title '∂ℓ/∂W' noenhanced\n"))
    #expect(text.contains("set xlabel 'γ_k' noenhanced\n"))
    #expect(text.contains("set ylabel 'σ²' noenhanced\n"))
    #expect(text.contains("title 'μ_B' noenhanced"))
    #expect(text.contains("data index 1 using 1:2 with lines ls 4 notitle\n"))
  }

  @Test func scriptFindsItsDataThroughItsOwnPath() {
    let text = script([Panel(xLabel: "x", yLabel: "y", series: [.line("l", x: x, y: x)])])
    #expect(text.contains("ARG0[1:i]"))
    #expect(text.contains("data = script_dir.'01-test.dat'\n"))
    #expect(text.contains("output_stem = script_dir.'01-test'"))
    #expect(text.contains("set terminal pngcairo size 1000,700 enhanced font 'Sans,12'"))
    #expect(text.contains("set terminal svg size 1000,700 dynamic enhanced font 'Sans,12'"))
  }
}
