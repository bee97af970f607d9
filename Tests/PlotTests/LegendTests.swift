import Testing

@testable import Plot

/// Where a legend goes when the curves rise and level off: the rule reads the second half of
/// the x range only, and every column of a series (a band's low as well as its high).
@Suite struct LegendTests {
  let x: [Double] = [0, 1, 2, 3, 4]

  @Test func curvesThatLevelOffHighLeaveTheBottomRightEmpty() {
    let series: [Series] = [
      .line("a", x: x, y: [10, 40, 70, 80, 85]), .line("b", x: x, y: [10, 20, 60, 75, 78]),
    ]
    // The early values below the floor (10, 20, 40) are in the first half and do not count.
    #expect(LegendPosition.clearOfRisingCurves(series, floor: 50) == .bottomRight)
  }

  @Test func aCurveStillLowOrDippingLateKeepsTheLegendTopLeft() {
    let rising: [Series] = [.line("a", x: x, y: [10, 40, 70, 80, 85])]
    let late = rising + [.line("b", x: x, y: [10, 20, 60, 45, 78])]
    #expect(LegendPosition.clearOfRisingCurves(late, floor: 50) == .topLeft)
    // A band's lower edge counts, though its upper edge and the mean stay high.
    let band = rising + [.band("", x: x, low: [5, 30, 60, 40, 70], high: [20, 50, 80, 90, 95])]
    #expect(LegendPosition.clearOfRisingCurves(band, floor: 50) == .topLeft)
  }

  @Test func nothingToReadKeepsTheLegendTopLeft() {
    #expect(LegendPosition.clearOfRisingCurves([], floor: 50) == .topLeft)
    let gaps: [Series] = [.line("a", x: x, y: [10, 40, .nan, .nan, .nan])]
    #expect(LegendPosition.clearOfRisingCurves(gaps, floor: 50) == .topLeft)
  }
}
