/// How a noisy accuracy curve is read: a mean, and a trailing moving average that never
/// looks ahead. (Chapter 3 states the rule and why; every run of a feed-forward experiment
/// reads its curves this way.)
enum CurveReading {
  /// The mean of `values` (NaN when empty).
  static func mean<C: Collection>(_ values: C) -> Double where C.Element == Double {
    values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
  }

  /// A trailing moving average over `window` points (the point and the `window − 1` before
  /// it); at the start, over the points that exist.
  static func movingAverage(_ values: [Double], window: Int) -> [Double] {
    values.indices.map { i in mean(values[max(i - window + 1, 0)...i]) }
  }
}
