import Foundation

/// The .dat file: every series of every panel as one block of columns.
///
/// Blocks are separated by two blank lines, which is how gnuplot's `index N`
/// addresses them; block N holds the N-th series in figure order (panel by
/// panel, series by series). Each block starts with comments naming the
/// series and its columns, so the file reads on its own in a diff or a
/// spreadsheet.
enum DataFile {
  /// The text of the .dat file. Depends only on the figure, so the same
  /// figure always gives the same bytes.
  static func text(for figure: Figure) -> String {
    var lines = [
      "# \(figure.name).dat: data of the figure \(comment(figure.title))",
      "# Drawn by \(figure.name).gp. One block per series, separated by two blank lines;",
      "# gnuplot addresses block N as `index N`. NaN marks a missing value.",
    ]
    var index = 0
    for (panelNumber, panel) in figure.panels.enumerated() {
      for series in panel.series {
        if index > 0 { lines += ["", ""] }
        lines.append(
          "# index \(index): panel \(panelNumber + 1)\(panel.title.map { " " + comment($0) } ?? ""),"
            + " \(series.style) \(comment(series.label))")
        lines.append("# " + (["x"] + series.style.valueColumnNames).joined(separator: "\t"))
        lines += rows(of: series, in: panel)
        index += 1
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// One tab-separated row per point. A value a log axis cannot show
  /// (zero or negative) becomes NaN, like a non-finite one.
  private static func rows(of series: Series, in panel: Panel) -> [String] {
    series.x.indices.map { row in
      var cells = [format(series.x[row], positiveOnly: panel.xLog)]
      for (column, values) in series.values.enumerated() {
        // An error bar's half-length is a size, not a position on the y axis.
        let isErrorSize = series.style == .errorBars && column == 1
        cells.append(format(values[row], positiveOnly: panel.yLog && !isErrorSize))
      }
      return cells.joined(separator: "\t")
    }
  }

  /// A number as gnuplot reads it: nine significant digits (enough to
  /// round-trip a `Float`, and any step count below a billion), C locale, and
  /// `NaN` for anything non-finite, which gnuplot treats as an undefined point:
  /// a diverged run shows as a gap instead of breaking the plot.
  static func format(_ value: Double, positiveOnly: Bool = false) -> String {
    guard value.isFinite, !positiveOnly || value > 0 else { return "NaN" }
    return String(format: "%.9g", locale: nil, value)
  }

  /// Text made safe for a one-line comment.
  private static func comment(_ text: String) -> String {
    "\"" + text.replacingOccurrences(of: "\n", with: " ") + "\""
  }
}
