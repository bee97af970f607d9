import Foundation

/// Models compared each at its own best learning rate, the way Chapters 4 and 5 tune every
/// baseline: every model at every rate of a grid (repetition 1), each model's rate the one
/// with the best score — whether or not that run converged: a claim over runs that did not
/// is undecided, but a baseline is not made weaker by choosing a worse, finished run — then
/// the further repetitions of each model at its own rate.
public struct TunedRuns<Model: Hashable, Record> {
  public let models: [Model]
  public let rates: [Double]
  /// Repetition 1 of every model at every rate.
  public let grid: [Trial<Model, Record>]
  public let chosenRate: [Model: Double]
  /// Each model's repetitions at its chosen rate, repetition 1 (from the grid) first.
  public let trials: [Model: [Trial<Model, Record>]]

  /// Every run trained: the grid's and the further repetitions'.
  public var allTrials: [Trial<Model, Record>] {
    grid + models.flatMap { trials[$0]!.dropFirst() }
  }

  /// The grid's run of `model` at `rate`.
  public func gridTrial(_ model: Model, rate: Double) -> Trial<Model, Record> {
    grid.first { $0.model == model && $0.rate == rate }!
  }

  /// Whether `model`'s chosen rate is the grid's smallest or largest: its best may lie beyond.
  public func isAtEdge(_ model: Model) -> Bool {
    rates.count > 1 && (chosenRate[model] == rates.min() || chosenRate[model] == rates.max())
  }

  /// The grid as table rows: one per model (`name`), one cell per rate — `text` of that run,
  /// "not converged" where it did not — the rate the model keeps in bold, with "(edge)"
  /// where it is the grid's smallest or largest.
  public func gridRows(
    name: (Model) -> String, text: (Record) -> String, converged: (Record) -> Bool
  ) -> [[String]] {
    models.map { model in
      [name(model)]
        + rates.map { rate in
          let record = gridTrial(model, rate: rate).record
          let cellText = text(record) + (converged(record) ? "" : " not converged")
          guard rate == chosenRate[model] else { return cellText }
          return "**" + cellText + (isAtEdge(model) ? " (edge)" : "") + "**"
        }
    }
  }

  /// Logs each grid run's `value` as "`metric`, <model>, rate <rate>", and each model's rate
  /// as "chosen learning rate, <model>", for the page to quote.
  public func log(
    in chapter: Chapter, metric: String, name: (Model) -> String, value: (Record) -> Double
  ) {
    for model in models {
      for rate in rates {
        chapter.log.scalar(
          "\(metric), \(name(model)), rate \(rateText(rate))",
          value(gridTrial(model, rate: rate).record))
      }
      chapter.log.scalar("chosen learning rate, \(name(model))", chosenRate[model]!)
    }
  }

  /// The records of `model`'s repetitions, for bands and spreads.
  public func repeated(_ model: Model) -> Repeated<Record> {
    Repeated(results: trials[model]!.map(\.record))
  }
}

extension Chapter {
  /// Trains every model at every rate (the phase `gridPhase`), picks each model's rate by
  /// `score` (lower is better), then trains repetitions
  /// 2…`repetitions` of each at its rate (the phase `repetitionsPhase`); both side by side
  /// over `--jobs`, resumable run by run.
  public func tuneAndRepeat<Model: Hashable, Record: Codable>(
    models: [Model], rates: [Double], repetitions: Int, gridPhase: String,
    repetitionsPhase: String, score: (Record) -> Double,
    train: (Model, Double, Repetition) throws -> Record
  ) throws -> TunedRuns<Model, Record> {
    let cells = models.flatMap { model in rates.map { (model, $0) } }
    let gridRecords = try phase(gridPhase) {
      try independently(gridPhase, cells) { model, rate in
        try train(model, rate, Repetition(1))
      }
    }
    let grid = zip(cells, gridRecords).map { cell, record in
      Trial(model: cell.0, rate: cell.1, repetition: Repetition(1), record: record)
    }
    var chosenRate: [Model: Double] = [:]
    for model in models {
      let runs = grid.filter { $0.model == model }
      let best = runs.min { score($0.record) < score($1.record) }!
      chosenRate[model] = best.rate
    }
    let further = models.flatMap { model in
      (max(repetitions, 1) > 1 ? Array(2...repetitions) : []).map { (model, $0) }
    }
    let furtherRecords = try phase(repetitionsPhase) {
      try independently(repetitionsPhase, further) { model, repetition in
        try train(model, chosenRate[model]!, Repetition(repetition))
      }
    }
    var trials: [Model: [Trial<Model, Record>]] = [:]
    for model in models {
      let first = grid.first { $0.model == model && $0.rate == chosenRate[model]! }!
      trials[model] =
        [first]
        + zip(further, furtherRecords).filter { $0.0.0 == model }.map { cell, record in
          Trial(
            model: model, rate: chosenRate[model]!, repetition: Repetition(cell.1),
            record: record)
        }
    }
    return TunedRuns(
      models: models, rates: rates, grid: grid, chosenRate: chosenRate, trials: trials)
  }
}

/// The rule every claim over repetitions is decided by in Chapters 4 and 5: no fixed margin,
/// only order. "A is below B" needs every repetition of A below every repetition of B — with
/// three against three, a one-sided permutation test at p = 1/20.
extension Spread {
  /// Whether every value is below every value of `other`. A missing value (NaN: a run that
  /// never got there) is never below.
  public func isEntirelyBelow(_ other: Spread) -> Bool {
    values.allSatisfy(\.isFinite) && other.values.allSatisfy { !$0.isNaN }
      && !values.isEmpty && !other.values.isEmpty && high < other.low
  }

  /// Whether every value is a number (every run reached the level it is read at).
  public var isComplete: Bool { !values.isEmpty && values.allSatisfy(\.isFinite) }

  /// "3.232 (3.221–3.240)": the mean and range, each in `format` ("steps": whole numbers,
  /// thousands grouped); the value alone for a single repetition.
  public func meanAndRange(_ format: String) -> String {
    let text = { (value: Double) in
      guard value.isFinite else { return "–" }
      return format == "steps" ? grouped(value) : cell(format, value)
    }
    guard values.count > 1 else { return text(mean) }
    // A run that never got there has no value: list them all rather than a mean.
    guard isComplete else { return values.map(text).joined(separator: ", ") }
    return text(mean) + " (" + text(low) + "–" + text(high) + ")"
  }
}

/// "0.002": a learning rate as tables and run names show it.
public func rateText(_ rate: Double) -> String { String(format: "%g", rate) }

extension TunedRuns: Sendable where Model: Sendable, Record: Sendable {}
