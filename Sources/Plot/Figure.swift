/// The description of a figure: what a chapter hands to this module.
///
/// A figure is a value — title, panels, series — so a chapter builds it from
/// its results and `write(to:)` turns it into files. Nothing here knows about
/// gnuplot's syntax; `DataFile` and `GnuplotScript` do the translating.
public struct Figure: Sendable, Equatable {
  /// The file stem, e.g. "03-accuracy": it names the .dat, .gp, .png and .svg.
  /// Letters, digits, '-', '_' and '.' only, so it is safe in any shell and in gnuplot strings.
  public var name: String
  /// The title over all panels.
  public var title: String
  public var panels: [Panel]
  /// How many panels per row; `nil` puts up to three side by side.
  public var columns: Int?
  /// Pixel size of the PNG (and of the SVG's view box).
  public var width: Int = 1000
  public var height: Int = 700

  public init(name: String, title: String, panels: [Panel], columns: Int? = nil) {
    self.name = name
    self.title = title
    self.panels = panels
    self.columns = columns
  }

  /// A figure with a single panel.
  public init(name: String, title: String, panel: Panel) {
    self.init(name: name, title: title, panels: [panel])
  }

  /// The grid the panels are laid out on: (rows, columns).
  public var grid: (rows: Int, columns: Int) {
    let count = max(panels.count, 1)
    let columns = min(max(self.columns ?? min(count, 3), 1), count)
    return ((count + columns - 1) / columns, columns)
  }
}

/// Where a panel's legend goes.
public enum LegendPosition: Sendable, Hashable {
  case topRight, topLeft, bottomRight, bottomLeft
  /// Right of the plot area, for panels whose curves fill every corner.
  case outside
  /// No legend at all.
  case none
}

/// One set of axes with its series.
public struct Panel: Sendable, Equatable {
  public var title: String?
  /// Axis labels, with units where there are any: "training step", "test error (%)".
  public var xLabel: String
  public var yLabel: String
  /// Logarithmic axes. Non-positive values cannot be shown on a log axis;
  /// they are written to the .dat as NaN (a gap), never passed to gnuplot as is.
  public var xLog: Bool
  public var yLog: Bool
  /// Fixed axis ranges; `nil` lets gnuplot fit the data.
  public var xRange: ClosedRange<Double>?
  public var yRange: ClosedRange<Double>?
  public var series: [Series]
  public var legend: LegendPosition
  /// Tick marks at exactly these x values, labelled with them (e.g. the batch sizes 4, 8, 16,
  /// 60 on a log axis, where gnuplot would label only 10); nil for gnuplot's own.
  public var xTicks: [Double]? = nil

  public init(
    title: String? = nil, xLabel: String, yLabel: String,
    xLog: Bool = false, yLog: Bool = false,
    xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil,
    legend: LegendPosition = .topRight,
    series: [Series]
  ) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.xLog = xLog
    self.yLog = yLog
    self.xRange = xRange
    self.yRange = yRange
    self.legend = legend
    self.series = series
  }
}

extension LegendPosition {
  /// For curves that rise from a low start and level off high, as accuracy does: the bottom
  /// right once every curve stays above `floor` over the second half of the x range (that
  /// corner is then empty), else the top left (a short run's curves are still low at the
  /// bottom right, and a dip may reach it).
  public static func clearOfRisingCurves(_ series: [Series], floor: Double) -> LegendPosition {
    let end = series.compactMap { $0.x.max() }.max() ?? 0
    let secondHalf = series.flatMap { curve in
      curve.values.flatMap { column in
        zip(curve.x, column).filter { $0.0 >= end / 2 && $0.1.isFinite }.map(\.1)
      }
    }
    return (secondHalf.min() ?? -.infinity) > floor ? .bottomRight : .topLeft
  }
}
