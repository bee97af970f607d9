import Foundation

/// What a chapter's run established, kept once: every measurement (series and scalars), the
/// tables it printed, its claims, the runs that diverged, its figures' files, its data
/// sources and its phases' wall times.
///
/// Everything else is a view of it: the training log is its metric half
/// (`Chapter.log`), the results file is it plus the run's configuration, a checkpoint holds a
/// snapshot of it, the page quotes it (`ProseReferences`). A child process of
/// `independently` sends back what it added (`RecordChanges`), which the chapter merges
/// exactly once.
public struct ChapterRecord: Codable, Sendable, Equatable {
  public var scalars: [String: Double] = [:]
  public var series: [MetricSeries] = []
  public var tables: [Results.Table] = []
  public var claims: [Claim] = []
  public var divergences: [Divergence] = []
  public var figures: [Results.FigureRecord] = []
  public var data: [Results.DataRecord] = []
  /// The wall time of the phases *this process* ran (a phase that forks runs counts their
  /// time once, in the chapter's own process; children send back no phases).
  public var phases: [Results.Phase] = []
  /// The scalars, series metrics and claims (by text) that measure wall-clock time: they
  /// differ from run to run, so a comparison with the book's results counts them apart.
  /// (Optional so that checkpoints written before it still read.)
  public var wallClock: Set<String>?
  /// On a resumed run, the wall time of the processes before this one, as the last checkpoint
  /// saved it (nil: the run has not been resumed, or its checkpoint predates this field).
  public var secondsBeforeResuming: Double?

  public init() {}

  /// Marks `name` as a wall-clock measurement.
  mutating func markWallClock(_ name: String) {
    wallClock = (wallClock ?? []).union([name])
  }

  /// Appends a point to the series `metric` of `run` (created on first use).
  mutating func append(_ metric: String, run: String, point: MetricPoint) {
    if let index = series.firstIndex(where: { $0.metric == metric && $0.run == run }) {
      series[index].points.append(point)
    } else {
      series.append(MetricSeries(metric: metric, run: run, points: [point]))
    }
  }

  /// Records that `divergence.run` diverged, unless it already did; returns whether it is new.
  @discardableResult
  mutating func add(_ divergence: Divergence) -> Bool {
    guard !divergences.contains(where: { $0.run == divergence.run }) else { return false }
    divergences.append(divergence)
    return true
  }

  /// Records `table`, replacing an earlier one of the same name.
  mutating func put(_ table: Results.Table) {
    tables.removeAll { $0.name == table.name }
    tables.append(table)
  }

  /// Records `claim`, replacing an earlier claim of the same text. A run resumed from a
  /// checkpoint starts from the record the checkpoint saved, claims included, and then makes
  /// again the claims that follow its last finished unit: each must stand once.
  mutating func put(_ claim: Claim) {
    claims.removeAll { $0.text == claim.text }
    claims.append(claim)
  }

  /// Records `figure`'s files, replacing an earlier record of the same name.
  mutating func put(_ figure: Results.FigureRecord) {
    figures.removeAll { $0.name == figure.name }
    figures.append(figure)
  }

  /// Adds `seconds` to the phase `name` (phases of one name add up).
  mutating func addTime(_ seconds: Double, to name: String) {
    if let index = phases.firstIndex(where: { $0.name == name }) {
      phases[index].seconds += seconds
    } else {
      phases.append(Results.Phase(name: name, seconds: seconds))
    }
  }

  /// Where the record stands, for `changes(since:)`.
  func mark() -> RecordMark {
    var counts: [String: Int] = [:]
    for series in series { counts[RecordMark.key(series)] = series.points.count }
    return RecordMark(
      pointCounts: counts, scalars: scalars, tables: tables, figures: figures, claims: claims,
      divergences: divergences.count, data: data.count)
  }

  /// What was added since `mark` (a scalar counts as changed unless its bits are the same,
  /// so a NaN written again is no change).
  func changes(since mark: RecordMark) -> RecordChanges {
    let newPoints: [MetricSeries] = series.compactMap { series in
      let old = mark.pointCounts[RecordMark.key(series)] ?? 0
      guard series.points.count > old else { return nil }
      return MetricSeries(
        metric: series.metric, run: series.run, points: Array(series.points[old...]))
    }
    return RecordChanges(
      series: newPoints,
      scalars: scalars.filter { name, value in
        mark.scalars[name].map { $0.bitPattern != value.bitPattern } ?? true
      },
      // Tables, figures and claims are replaced by name (a claim's name is its text), so a new
      // one may stand where an old one did:
      // what differs from the mark is what changed.
      tables: tables.filter { !mark.tables.contains($0) },
      claims: claims.filter { !mark.claims.contains($0) },
      divergences: Array(divergences.dropFirst(mark.divergences)),
      figures: figures.filter { !mark.figures.contains($0) },
      data: Array(data.dropFirst(mark.data)), wallClock: (wallClock ?? []).sorted())
  }

  /// Takes in what another process added, as if this process had done it.
  mutating func merge(_ changes: RecordChanges) {
    for series in changes.series {
      for point in series.points { append(series.metric, run: series.run, point: point) }
    }
    for (name, value) in changes.scalars { scalars[name] = value }
    for table in changes.tables { put(table) }
    for claim in changes.claims { put(claim) }
    for divergence in changes.divergences { add(divergence) }
    for figure in changes.figures { put(figure) }
    data += changes.data
    for name in changes.wallClock { markWallClock(name) }
  }
}
