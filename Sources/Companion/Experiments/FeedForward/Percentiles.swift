import Engine

/// The 15th, 50th and 85th percentiles of one unit's input over a probe set: the band and
/// the line of Ioffe & Szegedy's Figure 1(b, c).
public struct Percentiles: Codable, Sendable {
  public var p15: Double
  public var p50: Double
  public var p85: Double

  public init(p15: Double, p50: Double, p85: Double) {
    self.p15 = p15
    self.p50 = p50
    self.p85 = p85
  }

  /// Percentiles of every column of `z` (rows are examples, columns are units).
  public static func ofColumns(_ z: Matrix<Float>) -> [Percentiles] {
    (0..<z.cols).map { unit in
      let column = (0..<z.rows).map { z.storage[$0 * z.cols + unit] }.sorted()
      return Percentiles(
        p15: quantile(column, 0.15), p50: quantile(column, 0.50), p85: quantile(column, 0.85))
    }
  }

  /// The `q`-quantile (0...1) of sorted values, interpolating linearly between neighbours.
  static func quantile(_ sorted: [Float], _ q: Double) -> Double {
    let position = q * Double(sorted.count - 1)
    let below = Int(position.rounded(.down))
    let above = min(below + 1, sorted.count - 1)
    let fraction = position - Double(below)
    return Double(sorted[below]) * (1 - fraction) + Double(sorted[above]) * fraction
  }
}
