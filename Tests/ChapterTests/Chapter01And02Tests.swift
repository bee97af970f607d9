import Companion
import Foundation
import Testing

/// Chapters 1 and 2 at the smoke preset: they run to the end and every claim holds.
@Suite("Chapters 1-2: the transform and its backpropagation")
struct Chapter01And02Tests {
  /// The claim whose text starts with `prefix`, or a test failure naming it.
  func claim(_ prefix: String, in results: Results) throws -> Claim {
    try #require(
      results.claims.first { $0.text.hasPrefix(prefix) }, "no claim starting \"\(prefix)\"")
  }

  @Test(
    "Chapter 1: every claim of the transform holds at the smoke preset",
    .enabled(if: imageDataAvailable, imageDataMissing))
  func chapter1() throws {
    let (status, results) = try runChapter("ch01-transform")
    #expect(status == 0)
    #expect(results.status == .complete)
    #expect(results.claims.count >= 10)
    for claim in results.claims {
      #expect(claim.holds, "\(claim.text): \(claim.displayedValue) (\(claim.threshold))")
    }
    // The numbers, checked here independently of the chapter's own thresholds.
    #expect(try claim("x̂ has per-feature mean 0", in: results).measured <= 1e-5)
    // The checks true by construction are tallied apart from the paper's one claim here.
    #expect(
      results.claims.filter { $0.kind == .paper }.map(\.text).allSatisfy {
        $0.hasPrefix("BN((aW)u) = BN(Wu)")
      })
    #expect(try claim("x̂ has per-feature mean 0", in: results).kind == .check)
    #expect(try claim("in training mode a batch of one outputs β", in: results).measured == 0)
    #expect(try claim("x̂ has per-feature variance 1", in: results).measured <= 1e-3)
    #expect(abs(try claim("spread of the batch mean", in: results).measured + 0.5) <= 0.05)
    #expect(abs(try claim("spread of the batch variance", in: results).measured + 0.5) <= 0.05)
    let figures = Set(results.figures.map(\.name))
    #expect(
      figures.isSuperset(of: [
        "01-scale-invariance", "01-batch-noise", "01-conventions", "01-distribution",
      ]))
  }

  @Test("Chapter 2: every claim of backpropagation holds at the smoke preset")
  func chapter2() throws {
    let (status, results) = try runChapter("ch02-backprop")
    #expect(status == 0)
    #expect(results.status == .complete)
    #expect(results.claims.count >= 14)
    for claim in results.claims {
      #expect(claim.holds, "\(claim.text): \(claim.displayedValue) (\(claim.threshold))")
    }
    #expect(try claim("fused (two-reduction) and staged", in: results).measured <= 1e-12)
    let gradientChecks = results.claims.filter { $0.text.hasPrefix("finite differences confirm") }
    #expect(gradientChecks.count == 6)
    #expect(gradientChecks.allSatisfy { $0.measured <= 1e-6 && $0.kind == .check })
    #expect(results.claims.filter { $0.kind == .paper }.count == 3)
    #expect(abs(try claim("with BN, ‖∂ℓ/∂(aW)‖ ∝ a^(−1)", in: results).measured + 1) <= 0.01)
    let figures = Set(results.figures.map(\.name))
    #expect(figures.isSuperset(of: ["02-gradient-scale", "02-backward-cost"]))
  }
}
