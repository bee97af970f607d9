import Foundation

/// A run's curves as a view of the chapter's record: the points live once, in the record's
/// series (where the results file, the figures and the page read them), and a curve holds
/// only the run's name and the metrics' names.
///
/// So a curve that crosses a process (the result of a run in a child of `independently`) or
/// a checkpoint (a finished unit's result, a unit in progress) carries no points of its own:
/// it is decoded against the reader's record (`Chapter.decoder`), which holds them.
public struct RecordedCurves: Codable, Sendable {
  /// The run whose series these are.
  public let run: String
  let log: TrainingLog

  public init(run: String, log: TrainingLog) {
    self.run = run
    self.log = log
  }

  /// The steps at which `metric` was measured.
  public func steps(_ metric: String) -> [Int] { log.series(metric, run: run).steps }
  /// The values of `metric`, one per step.
  public func values(_ metric: String) -> [Double] { log.series(metric, run: run).values }
  /// Records `value` of `metric` at `step`.
  public func record(_ metric: String, step: Int, value: Double) {
    log.record(metric, run: run, step: step, value: value)
  }

  enum CodingKeys: String, CodingKey { case run }

  public init(from decoder: any Decoder) throws {
    run = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .run)
    guard let log = decoder.userInfo[.chapterLog] as? TrainingLog else {
      throw CompanionError("the curves of \(run) can only be read back beside a chapter's record")
    }
    self.log = log
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(run, forKey: .run)
  }
}

extension CodingUserInfoKey {
  /// The chapter's log that `RecordedCurves` are decoded against.
  static let chapterLog = CodingUserInfoKey(rawValue: "companion.chapterLog")!
}

extension Chapter {
  /// A decoder for what a run saved or sent back: its curves read this chapter's record.
  var decoder: JSONDecoder {
    let decoder = ResumableUnit.makeDecoder()
    decoder.userInfo[.chapterLog] = log
    return decoder
  }
}
