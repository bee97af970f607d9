import Foundation

/// Models compared each at its own best learning rate, the way Chapters 4 and 5 tune every
/// baseline (`../shared/REFEREE.md`, "Tuned means tuned"):
///
/// 1. every model at every rate of a grid (repetition 1's seeds);
/// 2. a model whose best rate is at the grid's edge is trained one step past that edge, so
///    that a best beyond the grid is found rather than assumed away; if the extended rate is
///    best again, the model is still `isAtEdge` and a claim that rests on it is not decided;
/// 3. each model's rate is the one with the best score — whether or not that run converged:
///    a claim over runs that did not is undecided, but a baseline is not made weaker by
///    choosing a worse, finished run;
/// 4. fresh repetitions at that rate, on seeds the grid never used: the grid's winning run is
///    the luckiest of several draws (the winner's curse), and does not count as one of them.
public struct TunedRuns<Model: Hashable, Record> {
  public let models: [Model]
  /// The grid every model was trained on first.
  public let rates: [Double]
  /// Each model's rates: the grid's, and the one step past its edge where it needed one.
  public let modelRates: [Model: [Double]]
  /// Every model at every one of its rates (repetition 1), extensions included.
  public let grid: [Trial<Model, Record>]
  public let chosenRate: [Model: Double]
  /// Each model's fresh repetitions at its chosen rate (repetitions 2, 3, …: none is a grid
  /// run).
  public let trials: [Model: [Trial<Model, Record>]]

  /// Every run trained: the grid's, its extensions' and the repetitions'.
  public var allTrials: [Trial<Model, Record>] {
    grid + models.flatMap { trials[$0]! }
  }

  /// Every rate any model was trained at, in increasing order: the grid and its extensions.
  public var allRates: [Double] { Array(Set(modelRates.values.joined())).sorted() }

  /// The grid's run of `model` at `rate`, or nil where the model was not trained at it.
  public func gridTrial(_ model: Model, rate: Double) -> Trial<Model, Record>? {
    grid.first { $0.model == model && $0.rate == rate }
  }

  /// Whether `model`'s chosen rate is the smallest or largest it was trained at, after the
  /// extension: its best may lie beyond, and a claim resting on it is not decided.
  public func isAtEdge(_ model: Model) -> Bool {
    chosenRate[model].map { isEdge($0, of: model) } ?? false
  }

  /// Whether `rate` is the smallest or largest of `model`'s rates (extensions included): not
  /// bracketed by a rate beyond it.
  public func isEdge(_ rate: Double, of model: Model) -> Bool {
    let own = modelRates[model] ?? rates
    return own.count > 1 && (rate == own.min() || rate == own.max())
  }

  /// Whether the grid was extended past its edge for `model`.
  public func wasExtended(_ model: Model) -> Bool { (modelRates[model]?.count ?? 0) > rates.count }

  /// The grid as table rows: one per model (`name`), one cell per rate of `allRates` — `text`
  /// of that run, "not converged" where it did not, "–" where the model was not trained at
  /// it — the rate the model keeps in bold, with "(edge)" where it is still the smallest or
  /// largest of its rates.
  public func gridRows(
    name: (Model) -> String, text: (Record) -> String, converged: (Record) -> Bool
  ) -> [[String]] {
    models.map { model in
      [name(model)]
        + allRates.map { rate in
          guard let record = gridTrial(model, rate: rate)?.record else { return "–" }
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
      for rate in modelRates[model]! {
        chapter.log.scalar(
          "\(metric), \(name(model)), rate \(rateText(rate))",
          value(gridTrial(model, rate: rate)!.record))
      }
      chapter.log.scalar("chosen learning rate, \(name(model))", chosenRate[model]!)
    }
    chapter.log.scalar(
      "models whose grid was extended past its edge", Double(models.filter(wasExtended).count))
    chapter.log.scalar(
      "models whose rate is at an edge of the grid", Double(models.filter(isAtEdge).count))
  }

  /// "rate at the edge of the extended grid: LSTM": why a claim over `compared` models is
  /// not decided by the edge rule, or "" when none of them is at an edge.
  public func edgeNote(_ compared: [Model], name: (Model) -> String) -> String {
    let atEdge = compared.filter(isAtEdge)
    guard !atEdge.isEmpty else { return "" }
    return "rate at the edge of the extended grid: " + atEdge.map(name).joined(separator: ", ")
  }

  /// The records of `model`'s repetitions, for bands and spreads.
  public func repeated(_ model: Model) -> Repeated<Record> {
    Repeated(results: trials[model]!.map(\.record))
  }
}

/// The rate one step past `rates`' edge on the side `rate` is at — the grid's own ratio on a
/// geometric grid (its first two rates), ×2 for a grid of one — or nil when `rate` is inside.
func rateOneStepPast(_ rates: [Double], from rate: Double) -> Double? {
  guard let low = rates.min(), let high = rates.max() else { return nil }
  let sorted = rates.sorted()
  let ratio = sorted.count > 1 ? sorted[1] / sorted[0] : 2
  if rate == high { return high * ratio }
  if rate == low { return low / ratio }
  return nil
}

extension Chapter {
  /// Trains every model at every rate (the phase `gridPhase`), extends the grid one step past
  /// its edge for every model whose best (by `score`, lower is better; a run that diverged,
  /// or a score that is not a number, is worst) is at an edge (the phase "`gridPhase`, one
  /// step past the edge"), picks each model's rate, then trains `repetitions` fresh
  /// repetitions of each at its rate (the phase `repetitionsPhase`: repetitions
  /// 2…`repetitions` + 1, seeds the grid did not use); every phase side by side over
  /// `--jobs`, resumable run by run.
  public func tuneAndRepeat<Model: Hashable, Record: TrainingRecord>(
    models: [Model], rates: [Double], repetitions: Int, gridPhase: String,
    repetitionsPhase: String, score: (Record) -> Double,
    train: (Model, Double, Repetition) throws -> Record
  ) throws -> TunedRuns<Model, Record> {
    /// Trains `cells` in one phase, as repetition 1.
    func trainGrid(_ label: String, _ cells: [(Model, Double)]) throws -> [Trial<Model, Record>] {
      guard !cells.isEmpty else { return [] }
      let records = try phase(label) {
        try independently(label, cells) { model, rate in try train(model, rate, Repetition(1)) }
      }
      return zip(cells, records).map { cell, record in
        Trial(model: cell.0, rate: cell.1, repetition: Repetition(1), record: record)
      }
    }
    // A run whose loss stopped being a number is worst whatever its score reached before:
    // a best validation accuracy taken before the divergence would otherwise choose a rate
    // at which the model blows up, and its fresh repetitions would blow up too.
    func scoreOf(_ trial: Trial<Model, Record>) -> Double {
      let value = score(trial.record)
      return value.isNaN || trial.record.divergedAt != nil ? .infinity : value
    }
    func best(_ model: Model, in grid: [Trial<Model, Record>]) -> Double {
      grid.filter { $0.model == model }.min { scoreOf($0) < scoreOf($1) }!.rate
    }
    var grid = try trainGrid(gridPhase, models.flatMap { model in rates.map { (model, $0) } })
    var modelRates = Dictionary(uniqueKeysWithValues: models.map { ($0, rates) })
    let extensions: [(Model, Double)] = models.compactMap { model in
      guard rates.count > 1, let next = rateOneStepPast(rates, from: best(model, in: grid))
      else { return nil }
      return (model, next)
    }
    grid += try trainGrid("\(gridPhase), one step past the edge", extensions)
    for (model, rate) in extensions { modelRates[model]!.append(rate) }
    for model in models { modelRates[model]!.sort() }
    let chosenRate = Dictionary(uniqueKeysWithValues: models.map { ($0, best($0, in: grid)) })
    let fresh = models.flatMap { model in (0..<max(repetitions, 1)).map { (model, $0 + 2) } }
    let records = try phase(repetitionsPhase) {
      try independently(repetitionsPhase, fresh) { model, repetition in
        try train(model, chosenRate[model]!, Repetition(repetition))
      }
    }
    var trials: [Model: [Trial<Model, Record>]] = [:]
    for ((model, repetition), record) in zip(fresh, records) {
      trials[model, default: []].append(
        Trial(
          model: model, rate: chosenRate[model]!, repetition: Repetition(repetition),
          record: record))
    }
    return TunedRuns(
      models: models, rates: rates, modelRates: modelRates, grid: grid, chosenRate: chosenRate,
      trials: trials)
  }
}

/// Helpers the claims over repetitions use; the rule itself is `Spread.order(against:resolution:)`
/// in Comparison.swift.
extension Spread {
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
