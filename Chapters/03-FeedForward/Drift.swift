import Companion
import Engine
import Foundation
import Plot

// The drift of Figure 1(b, c): how far each unit's median input travels, in its own spreads,
// and the table and numbers the page reads.

/// Per unit: (path length, net drift), each in units of the unit's mean 15–85 spread.
func unitDrifts(_ probe: [[Percentiles]]) -> [(path: Double, net: Double)] {
  guard probe.count >= 2 else { return [] }
  return probe[0].indices.map { unit in
    let medians = probe.map { $0[unit].p50 }
    let spread = mean(probe.map { $0[unit].p85 - $0[unit].p15 })
    let path = zip(medians.dropFirst(), medians).map { abs($0 - $1) }.reduce(0, +)
    return (path / spread, abs(medians.last! - medians[0]) / spread)
  }
}
/// The median over units of a drift measure.
func medianOverUnits(_ values: [Double]) -> Double {
  let sorted = values.filter(\.isFinite).sorted()
  return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
}
/// A probe's drift: the median over units of path length and of net drift.
func medianDrift(_ probe: [[Percentiles]]) -> (path: Double, net: Double) {
  let drifts = unitDrifts(probe)
  return (medianOverUnits(drifts.map(\.path)), medianOverUnits(drifts.map(\.net)))
}

/// Prints and records the drift table and its ratios (the claim is on the page).
@MainActor func tabulateDrift() {
  chapter.say(
    "\nFigure 1(b, c): median over the last layer's units of the distance the median input "
      + "travels, in units of its own 15–85 spread (path; net drift):")
  chapter.table(
    "drift",
    header: [
      "repetition", "path: without BN", "path: with BN", "path: BN's $\\hat x$",
      "net drift: without BN", "net drift: with BN", "net drift: $\\hat x$",
    ],
    rows: driftTable.enumerated().map { r, row in
      ["\(r + 1)"]
        + [row.base.path, row.bn.path, row.xhat.path, row.base.net, row.bn.net, row.xhat.net].map {
          cell("%.2f", $0)
        }
    })
  for (r, row) in driftTable.enumerated() {
    chapter.log.scalar("drift path, baseline, repetition \(r + 1)", row.base.path)
    chapter.log.scalar("drift path, BN, repetition \(r + 1)", row.bn.path)
    chapter.log.scalar("drift path, BN x̂, repetition \(r + 1)", row.xhat.path)
    chapter.log.scalar("drift net, baseline, repetition \(r + 1)", row.base.net)
    chapter.log.scalar("drift net, BN, repetition \(r + 1)", row.bn.net)
    chapter.log.scalar("drift net, BN x̂, repetition \(r + 1)", row.xhat.net)
    chapter.log.scalar("drift path ratio BN / baseline, repetition \(r + 1)", pathRatios.values[r])
  }
  chapter.say(
    "  BN / baseline: path " + pathRatios.text("%.3f") + ", net drift " + netRatios.text("%.3f"))
  chapter.log.scalar("drift net ratio BN / baseline, mean", netRatios.mean)
  chapter.log.scalar("drift net ratio BN / baseline, lowest of the repetitions", netRatios.low)
  chapter.log.scalar("drift net ratio BN / baseline, highest of the repetitions", netRatios.high)
  /// Per repetition, the baseline's path over its net drift: how much of its travel is jitter.
  let baselineJitter = Spread(values: driftTable.map { $0.base.path / $0.base.net })
  chapter.log.scalar(
    "drift, baseline path / net drift, lowest of the repetitions", baselineJitter.low)
  chapter.log.scalar(
    "drift, baseline path / net drift, highest of the repetitions", baselineJitter.high)
}
