import Foundation

/// How far a record had got: point counts per series, the scalars, tables, figures and
/// claims (which a later one of the same name replaces), and the lengths of the lists that
/// only grow.
struct RecordMark: Sendable {
  let pointCounts: [String: Int]
  let scalars: [String: Double]
  let tables: [Results.Table]
  let figures: [Results.FigureRecord]
  let claims: [Claim]
  let divergences, data: Int

  static func key(_ series: MetricSeries) -> String { series.metric + "\u{1F}" + series.run }
}
