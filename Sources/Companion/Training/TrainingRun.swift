import Engine
import Foundation

/// A training run, described rather than written: a model, how one step trains it (its
/// data stream and optimizer live in the step and in `state`), what to measure at the points
/// of a schedule, and the record it fills. The one training loop of the book runs it, the
/// same way for every model:
///
/// - the steps, from 1 (or from where an interrupted run stopped) to `steps`;
/// - a loss that stops being a number ends the run, recorded once (`divergedAt`);
/// - the mean training loss since the previous point, handed to `measure` at each point of
///   the schedule, whose values go on the progress line;
/// - checkpoints of the *whole* state every `--checkpoint-every` steps and on Ctrl-C: the
///   model's registered pieces (`TrainableModel.track`), the run's own (`RunState`: the
///   optimizer, the data stream), the record so far and the loss accumulator, so a resumed
///   run ends bit for bit where an uninterrupted one would;
/// - the final parameters' fingerprint in the log, so two runs compare bit for bit.
public struct TrainingRun<Model: TrainableModel, Record: TrainingRecord> {
  public typealias Measure = (_ step: Int, _ meanLoss: Double, _ record: inout Record) throws
    -> [(String, Double)]
  public typealias AfterStep = (_ step: Int, _ record: inout Record) -> Void

  public let name: String
  public let steps: Int
  public let schedule: EvaluationSchedule
  public let model: Model
  /// The run's own state, beside the model's.
  public let state: RunState
  /// The record before the first step.
  public let record: Record
  let step: (Int) throws -> Double
  let measure: Measure
  /// Step s's bookkeeping once its loss is known to be a number (before any measurement).
  let afterStep: AfterStep?
  /// Asked after every measurement: true ends the run there (it has converged). A resumed
  /// run asks the same question of the same record, so it stops at the same step.
  public var stopsWhen: ((Record) -> Bool)?

  /// - Parameters:
  ///   - step: trains step s (1-based) and returns its loss.
  ///   - measure: measures at step s, given the mean training loss since the previous point
  ///     (NaN at step 0, before training), into the record; returns the values for the
  ///     progress line.
  ///   - afterStep: bookkeeping of step s once its loss is known to be a number.
  public init(
    name: String, steps: Int, schedule: EvaluationSchedule, model: Model,
    state: RunState = RunState(), record: Record, step: @escaping (Int) throws -> Double,
    afterStep: AfterStep? = nil, measure: @escaping Measure
  ) {
    self.name = name
    self.steps = steps
    self.schedule = schedule
    self.model = model
    self.state = state
    self.record = record
    self.step = step
    self.afterStep = afterStep
    self.measure = measure
  }

  /// Trains as the resumable unit `name` of `chapter` (a finished unit's saved result is
  /// returned without training); `finish` makes the unit's result from the final record.
  public func run<Result: Codable>(in chapter: Chapter, finish: (Record) throws -> Result)
    throws -> Result
  {
    try chapter.resumable(name) { unit in
      try finish(train(in: chapter, checkpoints: unit))
    }
  }

  /// The loop itself, with its checkpoints given: `ResumableUnit` in a chapter, a stand-in in
  /// the tests that stop and resume a run at a chosen step.
  public func train(in chapter: Chapter, checkpoints: some StepCheckpoints) throws -> Record {
    // The model's pieces first, then the run's own.
    let whole = RunState()
    model.track(in: whole)
    whole.include(state)
    var record = self.record
    var (lossSum, lossCount) = (0.0, 0)
    if let saved = try checkpoints.restoreProgress(
      into: whole, record: Record.self, decoder: chapter.decoder)
    {
      (record, lossSum, lossCount) = (saved.record, saved.lossSum, saved.lossCount)
    }
    let started = ProcessInfo.processInfo.systemUptime
    let secondsBefore = record.seconds
    var progress = chapter.progress(name, total: steps)
    if checkpoints.resumedStep == 0 && schedule.contains(0) {
      // Before the first step.
      _ = try measure(0, .nan, &record)
    }
    for step in stride(from: checkpoints.resumedStep + 1, through: steps, by: 1) {
      let loss = try self.step(step)
      guard chapter.checkFinite(loss, step: step, run: name) else {
        record.divergedAt = step
        break
      }
      lossSum += loss
      lossCount += 1
      afterStep?(step, &record)
      var converged = false
      if schedule.contains(step) {
        let values = try measure(step, lossSum / Double(lossCount), &record)
        (lossSum, lossCount) = (0, 0)
        progress.update(step, values)
        converged = stopsWhen?(record) ?? false
      }
      record.seconds = secondsBefore + ProcessInfo.processInfo.systemUptime - started
      let continuing = checkpoints.stepDone(step) {
        LoopProgress(
          lossSum: lossSum, lossCount: lossCount, record: record, state: StateSnapshot(whole))
      }
      if !continuing || converged { break }
    }
    progress.finish()
    chapter.log.scalar(
      "parameter fingerprint, \(name)", Double(NamedValues.fingerprint(model.parameters) >> 12))
    return record
  }
}

extension TrainingRun {
  /// About `evaluations` measurements, plus the first and last step.
  public init(
    name: String, steps: Int, evaluations: Int, model: Model, state: RunState = RunState(),
    record: Record, step: @escaping (Int) throws -> Double,
    afterStep: AfterStep? = nil, measure: @escaping Measure
  ) {
    self.init(
      name: name, steps: steps, schedule: EvaluationSchedule(total: steps, points: evaluations),
      model: model, state: state, record: record, step: step, afterStep: afterStep,
      measure: measure)
  }
}
