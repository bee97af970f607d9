import Engine
import Foundation
import Randomness

// The chapter's small tools: random matrices, a relative difference, number formatting.

/// A matrix of independent standard normal entries, times `scale`, plus `offset`.
func gaussianMatrix(
  _ rows: Int, _ cols: Int, scale: Double = 1, offset: Double = 0,
  using generator: inout RandomGenerator
) -> Matrix<Double> {
  Matrix(rows: rows, cols: cols) { x in
    for k in x.indices { x[k] = offset + scale * generator.nextGaussian() }
  }
}

/// ‖a − b‖∞ / ‖b‖∞.
func relativeDifference(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Double {
  (a - b).maxAbs / b.maxAbs
}

func formatted(_ value: Double, _ format: String) -> String { String(format: format, value) }
