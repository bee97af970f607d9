/// One curve, cloud of points, band, set of error bars or histogram in a panel.
///
/// A series is plain numbers: the engine's `Float` buffers are converted to
/// `Double` by the caller (`floats.map(Double.init)`), so this module stands on
/// its own and can be tested without the engine.
public struct Series: Sendable, Equatable {
  /// How the data is drawn; it also decides which columns the data has.
  public enum Style: Sendable, Hashable {
    /// A continuous line through (x, y).
    case line
    /// Markers only.
    case points
    /// A line with markers.
    case linePoints
    /// A shaded region between two curves (low, high), e.g. the 15th–85th percentiles.
    case band
    /// Markers at (x, y) with vertical bars from y − error to y + error.
    case errorBars
    /// A histogram outline: x are bin centres, y the bin heights.
    case steps

    /// The names of the columns after x, as written in the .dat header.
    public var valueColumnNames: [String] {
      switch self {
      case .line, .points, .linePoints, .steps: return ["y"]
      case .band: return ["low", "high"]
      case .errorBars: return ["y", "error"]
      }
    }
  }

  /// The legend entry; an empty label keeps the series out of the legend.
  public var label: String
  /// What the series stands for, which decides its colour.
  public var role: Role
  public var style: Style
  /// The x coordinates, one per point.
  public var x: [Double]
  /// The columns after x, one array per name in `style.valueColumnNames`, each as long as `x`.
  public var values: [[Double]]
  /// How lines are dashed: the line style's own (solid for curves, dashed for reference
  /// guides), dashed (e.g. a training curve beside its solid validation curve) or dotted (a
  /// second guide beside a dashed one).
  public enum Dash: Sendable, Hashable {
    case style, dashed, dotted
  }
  public var dash = Dash.style

  public init(label: String, role: Role = .auto, style: Style, x: [Double], values: [[Double]]) {
    self.label = label
    self.role = role
    self.style = style
    self.x = x
    self.values = values
  }

  public static func line(_ label: String, x: [Double], y: [Double], role: Role = .auto) -> Series {
    Series(label: label, role: role, style: .line, x: x, values: [y])
  }

  /// The same series drawn with a dashed line.
  public func dashed() -> Series {
    var copy = self
    copy.dash = .dashed
    return copy
  }

  /// The same series drawn with a dotted line.
  public func dotted() -> Series {
    var copy = self
    copy.dash = .dotted
    return copy
  }

  public static func points(_ label: String, x: [Double], y: [Double], role: Role = .auto) -> Series
  {
    Series(label: label, role: role, style: .points, x: x, values: [y])
  }

  public static func linePoints(_ label: String, x: [Double], y: [Double], role: Role = .auto)
    -> Series
  {
    Series(label: label, role: role, style: .linePoints, x: x, values: [y])
  }

  /// A shaded band between `low` and `high`. Give the band the same role as
  /// the curve it surrounds so they share a colour.
  public static func band(
    _ label: String, x: [Double], low: [Double], high: [Double], role: Role = .auto
  ) -> Series {
    Series(label: label, role: role, style: .band, x: x, values: [low, high])
  }

  /// Symmetric vertical error bars of half-length `error` around `y`.
  public static func errorBars(
    _ label: String, x: [Double], y: [Double], error: [Double], role: Role = .auto
  ) -> Series {
    Series(label: label, role: role, style: .errorBars, x: x, values: [y, error])
  }

  /// A histogram outline from bin centres `x` and heights `y` (counts or densities).
  public static func steps(_ label: String, x: [Double], y: [Double], role: Role = .auto) -> Series
  {
    Series(label: label, role: role, style: .steps, x: x, values: [y])
  }

  /// A density histogram of `samples`: `bins` equal bins over `range` (default:
  /// the finite samples' extent), heights normalised so the area is 1. Densities
  /// rather than counts, so distributions of different sample sizes — say,
  /// pre-activations before and after normalisation — can share one panel.
  /// Non-finite samples and samples outside `range` are left out; an empty
  /// bin is added on either side so the outline closes at zero.
  public static func histogram(
    _ label: String, samples: [Double], bins: Int, range: ClosedRange<Double>? = nil,
    role: Role = .auto
  ) -> Series {
    let finite = samples.filter(\.isFinite)
    let bins = max(bins, 1)
    var lower = range?.lowerBound ?? finite.min() ?? 0
    var upper = range?.upperBound ?? finite.max() ?? 1
    if upper <= lower {
      lower -= 0.5
      upper += 0.5
    }
    let width = (upper - lower) / Double(bins)
    var counts = [Double](repeating: 0, count: bins)
    var counted = 0
    for sample in finite where sample >= lower && sample <= upper {
      counts[min(Int((sample - lower) / width), bins - 1)] += 1
      counted += 1
    }
    let scale = counted == 0 ? 0 : 1 / (Double(counted) * width)
    // One empty bin on either side, so the outline comes down to zero at both ends.
    let centres = (-1...bins).map { lower + (Double($0) + 0.5) * width }
    let heights = [0] + counts.map { $0 * scale } + [0]
    return .steps(label, x: centres, y: heights, role: role)
  }
}
