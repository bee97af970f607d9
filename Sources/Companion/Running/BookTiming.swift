import Engine
import Foundation
import Randomness

/// A complete run of the book: when, with how many runs side by side, each chapter's wall
/// time, and the machine's steps.
public struct BookTiming: Codable, Sendable {
  public struct ChapterTime: Codable, Sendable {
    public var number: Int
    public var seconds: Double

    public init(number: Int, seconds: Double) {
      self.number = number
      self.seconds = seconds
    }
  }

  public var date: String
  public var preset: String
  public var jobs: Int
  public var calibration: StepCalibration
  public var chapters: [ChapterTime]

  public init(
    date: String, preset: String, jobs: Int, calibration: StepCalibration, chapters: [ChapterTime]
  ) {
    self.date = date
    self.preset = preset
    self.jobs = jobs
    self.calibration = calibration
    self.chapters = chapters
  }

  public static let fileName = "book-timing.json"

  public static func read(from directory: URL) -> BookTiming? {
    guard
      let data = FileManager.default.contents(
        atPath: directory.appendingPathComponent(fileName).path)
    else { return nil }
    return try? JSONDecoder().decode(BookTiming.self, from: data)
  }

  public func write(to directory: URL) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    try encoder.encode(self).write(
      to: directory.appendingPathComponent(Self.fileName), options: .atomic)
  }

  public var totalSeconds: Double { chapters.map(\.seconds).reduce(0, +) }

  /// This machine's estimate for `chapters`: each one's reference time scaled by the step
  /// its catalog entry says dominates it, here against there, and, for a chapter whose runs
  /// train side by side, by the runs side by side there against here.
  public func estimate(_ chapters: [ChapterInfo], here: StepCalibration, jobs hereJobs: Int)
    -> [(Int, Double)]
  {
    chapters.compactMap { chapter in
      guard let reference = self.chapters.first(where: { $0.number == chapter.number }) else {
        return nil
      }
      let step = chapter.timedStep
      let speed = here.milliseconds(step) / calibration.milliseconds(step)
      let sideBySide = chapter.trainsSideBySide ? Double(jobs) / Double(max(hereJobs, 1)) : 1
      return (chapter.number, reference.seconds * speed * sideBySide)
    }
  }
}

/// "12 min", "1 h 05 min", "40 s".
public func durationText(_ seconds: Double) -> String {
  if seconds < 90 { return "\(Int(seconds.rounded())) s" }
  let minutes = Int((seconds / 60).rounded())
  return minutes < 60
    ? "\(minutes) min" : "\(minutes / 60) h \(String(format: "%02d", minutes % 60)) min"
}

/// The fastest over `repeats` of the milliseconds per call of `body`, timed over `count` calls
/// at a time: on a shared machine, the repeat least disturbed by others.
public func fastestMilliseconds(repeats: Int, count: Int, _ body: () -> Void) -> Double {
  var best = Double.infinity
  for _ in 0..<repeats {
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<count { body() }
    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(count))
  }
  return best
}
