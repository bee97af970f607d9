import Testing

@testable import Companion

/// Repetitions drawn as a band: cut where the shortest run stops, or going on over the runs
/// still training.
@Suite struct RepeatedBandTests {
  struct Run {
    var steps: [Int]
    var values: [Double]
  }
  let runs = Repeated(results: [
    Run(steps: [0, 10, 20], values: [1, 2, 3]),
    Run(steps: [0, 10, 20, 30, 40], values: [3, 4, 5, 6, 7]),
    Run(steps: [0, 10, 20, 30], values: [2, 3, 4, 5]),
  ])

  @Test func aBandEndsWhereTheShortestRunStops() {
    let band = runs.band(steps: \.steps, values: \.values)
    #expect(band.steps == [0, 10, 20])
    #expect(band.mean == [2, 3, 4] && band.low == [1, 2, 3] && band.high == [3, 4, 5])
  }

  @Test func aContinuingBandGoesOnOverTheRunsStillTraining() {
    let band = runs.band(steps: \.steps, values: \.values, continuing: true)
    #expect(band.steps == [0, 10, 20, 30, 40])
    #expect(band.mean == [2, 3, 4, 5.5, 7])
    #expect(band.low == [1, 2, 3, 5, 7] && band.high == [3, 4, 5, 6, 7])
    // The best-point dots come with the series.
    let series = runs.series(
      "runs", role: .auto, steps: \.steps, values: \.values, best: { ($0.steps.last!, 0) },
      continuing: true)
    #expect(series.count == 3 && series[2].x == [20, 40, 30])
  }
}
