import Foundation
import Testing

@testable import Companion

@Suite("How long the book takes here")
struct BookTimingTests {
  static let reference = BookTiming(
    date: "2026-12-05T11:00:00Z", preset: "book", jobs: 2,
    calibration: StepCalibration(mlp: 0.4, pixelLSTM: 40, characterLSTM: 20),
    chapters: [
      .init(number: 1, seconds: 2), .init(number: 3, seconds: 600), .init(number: 4, seconds: 180),
      .init(number: 5, seconds: 500),
    ])

  @Test("each chapter scales by its own model's step, and by the runs side by side")
  func estimateScales() {
    // Twice as slow an MLP, the same LSTMs, half the cores.
    let here = StepCalibration(mlp: 0.8, pixelLSTM: 40, characterLSTM: 10)
    let estimate = Dictionary(
      uniqueKeysWithValues: Self.reference.estimate(
        [1, 3, 4, 5].compactMap(Catalog.chapter(number:)), here: here, jobs: 1))
    func expectNear(_ value: Double?, _ expected: Double) {
      #expect(
        abs((value ?? .nan) - expected) < 1e-9, "\(String(describing: value)) against \(expected)")
    }
    expectNear(estimate[1], 4)  // Chapter 1 runs nothing side by side
    expectNear(estimate[3], 600 * 2 * 2)
    expectNear(estimate[4], 180 * 0.5 * 2)
    expectNear(estimate[5], 500 * 1 * 2)
  }

  /// A chapter the harness has never heard of: its entry alone says which step times it and
  /// whether its runs go side by side.
  @Test("the estimate reads a chapter's declaration, not its number")
  func estimateReadsTheDeclaration() {
    let newcomer = ChapterInfo(
      number: 9, directory: "09-Newcomer", title: "A new normaliser", paper: "",
      timedStep: .characterLSTM, trainsSideBySide: true)
    let reference = BookTiming(
      date: "", preset: "book", jobs: 2, calibration: Self.reference.calibration,
      chapters: [.init(number: 9, seconds: 100)])
    let here = StepCalibration(mlp: 0.4, pixelLSTM: 40, characterLSTM: 30)
    let estimate = reference.estimate([newcomer], here: here, jobs: 1)
    #expect(estimate.count == 1 && estimate[0].0 == 9)
    #expect(abs(estimate[0].1 - 100 * 1.5 * 2) < 1e-9)
    let alone = ChapterInfo(number: 9, directory: "09-Newcomer", title: "", paper: "")
    #expect(reference.estimate([alone], here: here, jobs: 1)[0].1 == 100)
  }

  @Test("a timing written beside a run's results reads back; none is nil")
  func roundTrip() throws {
    let directory = try TemporaryDirectory()
    #expect(BookTiming.read(from: directory.url) == nil)
    try Self.reference.write(to: directory.url)
    let read = try #require(BookTiming.read(from: directory.url))
    #expect(read.calibration == Self.reference.calibration && read.totalSeconds == 1282)
    #expect(durationText(40) == "40 s" && durationText(1282) == "21 min")
    #expect(durationText(4000) == "1 h 07 min")
  }
}
