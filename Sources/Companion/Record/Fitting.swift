import Foundation
import Invariants

/// The least-squares slope of log y against log x: the exponent k of a power law y ∝ x^k.
///
/// Chapters check scaling claims with it (a batch estimate's spread falls as m^(−1/2); with BN
/// a weight gradient falls as a^(−1)). Every x and y must be positive.
public func logLogSlope(x: [Double], y: [Double]) -> Double {
  require(x.count == y.count && x.count >= 2, "a slope needs at least two points")
  require(
    x.allSatisfy { $0 > 0 } && y.allSatisfy { $0 > 0 }, "log-log fit of non-positive data")
  let lx = x.map { log($0) }
  let ly = y.map { log($0) }
  let n = Double(lx.count)
  let mx = lx.reduce(0, +) / n
  let my = ly.reduce(0, +) / n
  var (sxy, sxx) = (0.0, 0.0)
  for (a, b) in zip(lx, ly) {
    sxy += (a - mx) * (b - my)
    sxx += (a - mx) * (a - mx)
  }
  return sxy / sxx
}
