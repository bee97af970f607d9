import Companion
import Engine
import Foundation
import Plot

// The table of claims per repetition: each claim's measure in each repetition and the verdict
// that repetition alone would give.

/// One claim's measure in each repetition, and the test each must pass.
struct RepetitionRow {
  var claim: String
  var values: [Double]
  var format: String
  var holds: (Double) -> Bool
}
/// Prints and records the table, and how many of its rows agree across repetitions.
@MainActor func tabulateClaimsPerRepetition() {
  let worstRatios = (0..<replicates).map { r in speedRows.map { $0.ratios.values[r] }.max() ?? .nan
  }
  var perRepetition = [
    RepetitionRow(
      claim: "fewer steps (largest ratio over the \(targetOffsets.count) targets)",
      values: worstRatios, format: "%.3f×",
      holds: { $0 < 1 }),
    RepetitionRow(
      claim: "ends higher (BN − baseline)", values: finalGaps.values, format: "%+.2f",
      holds: { $0 > 0 }),
    RepetitionRow(
      claim: "smaller train − test gap (BN − baseline)", values: gapDifference.values,
      format: "%+.2f", holds: { $0 < 0 }),
    RepetitionRow(
      claim: "sigmoid inputs travel less (path ratio)", values: pathRatios.values,
      format: "%.3f", holds: { $0 < 0.5 }),
    RepetitionRow(
      claim: "trains at 30× (BN ×30 − baseline ×30)", values: trainsAt30.values, format: "%+.2f",
      holds: { $0 >= 20 }),
  ]
  for (name, advantage) in decayAdvantages {
    perRepetition.append(
      RepetitionRow(
        claim: "\(name) faster than BN (mean accuracy)", values: advantage.values,
        format: "%+.2f", holds: { $0 > 0 }))
  }
  chapter.say("\nClaims per repetition (the verdict each repetition alone would give):")
  chapter.table(
    "claims per repetition", header: ["claim"] + (1...replicates).map { "repetition \($0)" },
    rows: perRepetition.map { row in
      [row.claim]
        + row.values.map {
          cell(row.format, $0) + ($0.isFinite && row.holds($0) ? " holds" : " fails")
        }
    })
  chapter.log.scalar(
    "claims per repetition, rows whose repetitions agree (count)",
    Double(
      perRepetition.filter { row in
        Set(row.values.map { $0.isFinite && row.holds($0) }).count == 1
      }.count))
}
