/// The house style shared by every figure of the book.
///
/// A reader compares figures across chapters, so the same idea must look the
/// same everywhere: the network without batch normalisation is always the
/// vermilion curve, the network with it always the blue one. Colours come from
/// the Okabe–Ito palette, which stays distinguishable for colour-blind readers
/// and in greyscale print.

/// What a series stands for, which decides its colour and line style.
public enum Role: Sendable, Hashable {
  /// The model without batch normalisation (vermilion, filled circles).
  case baseline
  /// The model with batch normalisation (blue, filled squares).
  case batchNorm
  /// The next free palette colour in this panel, never the baseline or BN colour.
  case auto
  /// A fixed palette entry; indices wrap around the palette.
  case color(Int)
  /// A guide rather than a measurement, e.g. a slope −1/2 line: dashed grey.
  case reference
  /// A position from 0 to 1 on a sequential colour ramp (dark purple through teal to green),
  /// for curves of an ordered parameter, e.g. γ = 0.1 … 1.0: neighbours get neighbouring
  /// colours, and ten curves never repeat one.
  case ramp(Double)
}

/// Colours, point shapes and sizes, as gnuplot line styles.
public enum Palette {
  /// One entry of the palette: a gnuplot colour and point type.
  public struct Entry: Sendable, Equatable {
    public let name: String
    public let rgb: String
    public let pointType: Int
  }

  /// Entries 0 and 1 are reserved for `.baseline` and `.batchNorm`.
  public static let entries: [Entry] = [
    Entry(name: "baseline (no BN)", rgb: "#D55E00", pointType: 7),
    Entry(name: "batch norm", rgb: "#0072B2", pointType: 5),
    Entry(name: "green", rgb: "#009E73", pointType: 9),
    Entry(name: "purple", rgb: "#CC79A7", pointType: 13),
    Entry(name: "amber", rgb: "#E69F00", pointType: 11),
    Entry(name: "sky", rgb: "#56B4E9", pointType: 15),
    Entry(name: "black", rgb: "#000000", pointType: 6),
  ]

  /// The colour of `.reference` guides.
  public static let referenceRGB = "#7F7F7F"

  /// Line width of every curve, in gnuplot units (multiples of the terminal's base width).
  public static let lineWidth = 2.0
  /// Point size of every marker.
  public static let pointSize = 1.0
  /// Opacity of shaded bands: light enough that the curves inside stay readable.
  public static let bandOpacity = 0.22
  /// The font of everything except the figure title.
  public static let font = "Sans,12"
  /// The figure title's font, a little larger than the panels'.
  public static let titleFont = "Sans,14"

  /// The gnuplot line style number of the reference guide (after the palette's).
  static let referenceLineStyle = 20
  /// The gnuplot line style number of the grid.
  static let gridLineStyle = 21

  /// Palette entries that `.auto` hands out in order: all but the two reserved ones.
  static let autoEntries = Array(2..<entries.count)

  /// The gnuplot line style (1-based) for a role; `autoIndex` counts the `.auto`
  /// series seen so far in the panel.
  static func lineStyle(for role: Role, autoIndex: Int) -> Int {
    switch role {
    case .baseline: return 1
    case .batchNorm: return 2
    case .auto: return autoEntries[autoIndex % autoEntries.count] + 1
    case .color(let index):
      let count = entries.count
      return ((index % count) + count) % count + 1
    case .reference: return referenceLineStyle
    case .ramp: return 2
    }
  }

  /// Anchors of `.ramp`, evenly spaced: viridis from its dark end to before its pale yellow,
  /// which would vanish on white.
  static let rampAnchors: [(r: Double, g: Double, b: Double)] = [
    (0x44, 0x01, 0x54), (0x3B, 0x52, 0x8B), (0x21, 0x90, 0x8C), (0x5D, 0xC8, 0x63),
  ]

  /// The colour of `.ramp(position)`: linear between the anchors, position clamped to [0, 1].
  public static func rampRGB(_ position: Double) -> String {
    let clamped = position.isFinite ? Swift.min(Swift.max(position, 0), 1) : 0
    let scaled = clamped * Double(rampAnchors.count - 1)
    let lower = Swift.min(Int(scaled), rampAnchors.count - 2)
    let f = scaled - Double(lower)
    let (a, b) = (rampAnchors[lower], rampAnchors[lower + 1])
    let channel = { (x: Double, y: Double) in Int((x + (y - x) * f).rounded()) }
    return String(
      format: "#%02X%02X%02X", channel(a.r, b.r), channel(a.g, b.g), channel(a.b, b.b))
  }
}
