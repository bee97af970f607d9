import Foundation
import Testing

@testable import Plot

/// Numbers as gnuplot reads them, and the blocks `index N` addresses.
@Suite struct DataFileTests {
  func dat(_ panel: Panel) -> String {
    DataFile.text(for: Figure(name: "02-data", title: "D", panel: panel))
  }

  func rows(_ text: String) -> [String] {
    text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
  }

  @Test func nonFiniteValuesAreWrittenAsNaN() {
    let text = dat(
      Panel(
        xLabel: "step", yLabel: "loss",
        series: [.line("diverged", x: [0, 1, 2, .nan], y: [1, .infinity, -.infinity, .nan])]))
    #expect(rows(text) == ["0\t1", "1\tNaN", "2\tNaN", "NaN\tNaN"])
    #expect(!text.lowercased().contains("inf"))
  }

  @Test func numbersAreFormattedTheSameEverywhere() {
    #expect(DataFile.format(0.1) == "0.1")
    #expect(DataFile.format(-0.5) == "-0.5")
    #expect(DataFile.format(1e-7) == "1e-07")
    #expect(DataFile.format(123_456_789) == "123456789")
    #expect(DataFile.format(2.5e10) == "2.5e+10")
    #expect(DataFile.format(Double(Float(1) / 3)) == "0.333333343")
  }

  @Test func logAxesGetNaNForValuesTheyCannotShow() {
    let text = dat(
      Panel(
        xLabel: "m", yLabel: "y", xLog: true, yLog: true,
        series: [
          .line("l", x: [0, 1, 2], y: [1, 0, -1]),
          .errorBars("e", x: [1, 2], y: [1, -2], error: [0.5, 0.5]),
        ]))
    // x = 0 and y ≤ 0 are gaps; an error bar's half-length is a size and stays.
    #expect(rows(text) == ["NaN\t1", "1\tNaN", "2\tNaN", "1\t1\t0.5", "2\tNaN\t0.5"])
  }

  @Test func everySeriesIsABlockAddressedByIndex() {
    let text = DataFile.text(
      for: Figure(
        name: "02-data", title: "D",
        panels: [
          Panel(
            title: "first", xLabel: "x", yLabel: "y",
            series: [
              .line("a", x: [1], y: [2]), .band("b", x: [1], low: [0], high: [3]),
            ]),
          Panel(xLabel: "x", yLabel: "y", series: [.errorBars("c", x: [1], y: [2], error: [0.5])]),
        ]))
    let blocks = text.components(separatedBy: "\n\n\n")
    #expect(blocks.count == 3)
    #expect(blocks[1].contains("# index 1: panel 1 \"first\", band \"b\"\n# x\tlow\thigh\n1\t0\t3"))
    #expect(blocks[2].contains("# index 2: panel 2, errorBars \"c\"\n# x\ty\terror\n1\t2\t0.5"))
    #expect(!text.contains("\n\n\n\n"))
    #expect(text.hasSuffix("0.5\n"))
  }

  @Test func histogramIsADensityClosedAtZero() {
    let samples = [0, 0.1, 0.2, 0.6, 0.9, 1.0, .nan, 7]
    let series = Series.histogram("h", samples: samples, bins: 2, range: 0...1)
    #expect(series.style == .steps)
    #expect(series.x == [-0.25, 0.25, 0.75, 1.25])
    // 6 samples in range, bin width 0.5: heights 3/(6·0.5) and 3/(6·0.5).
    #expect(series.values == [[0, 1, 1, 0]])
    let area = series.values[0].reduce(0, +) * 0.5
    #expect(area == 1)
  }
}
