import Foundation

/// The entries a record gained since a mark: what a child of `independently` sends back and
/// a unit that ran side by side saves with its state.
struct RecordChanges: Codable, Sendable {
  /// New points, per series, in the order the series were created.
  var series: [MetricSeries] = []
  var scalars: [String: Double] = [:]
  var tables: [Results.Table] = []
  var claims: [Claim] = []
  var divergences: [Divergence] = []
  var figures: [Results.FigureRecord] = []
  var data: [Results.DataRecord] = []
  var wallClock: [String] = []
}
