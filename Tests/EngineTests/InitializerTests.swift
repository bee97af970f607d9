import Randomness
import Testing

@testable import Engine

@Suite("Initialisers")
struct InitializerTests {
  @Test(
    "orthogonal: QᵀQ = I for tall, wide and square shapes", arguments: [(8, 8), (10, 4), (3, 9)])
  func orthogonal(rows: Int, cols: Int) {
    var generator = RandomGenerator(seed: 1)
    let q: Matrix<Double> = Initializer.orthogonal(gain: 1).matrix(
      rows: rows, cols: cols, using: &generator)
    // The smaller Gram matrix is the identity.
    let gram = rows >= cols ? matmul(q, q, transposeA: true) : matmul(q, q, transposeB: true)
    var identity = Matrix<Double>(rows: gram.rows, cols: gram.cols)
    for i in 0..<gram.rows { identity[i, i] = 1 }
    #expect((gram - identity).maxAbs < 1e-12)
  }

  @Test("identity pads with zeros; glorot stays inside its limit; normal has its spread")
  func shapes() {
    var generator = RandomGenerator(seed: 2)
    let eye: Matrix<Float> = Initializer.identity.matrix(rows: 2, cols: 3, using: &generator)
    #expect(eye == Matrix(rows: 2, cols: 3, [1, 0, 0, 0, 1, 0]))
    let glorot: Matrix<Double> = Initializer.glorot.matrix(rows: 30, cols: 20, using: &generator)
    #expect(glorot.maxAbs <= (6.0 / 50).squareRoot())
    #expect(glorot.maxAbs > 0.8 * (6.0 / 50).squareRoot())
    let normal: Matrix<Double> = Initializer.normal(standardDeviation: 0.1).matrix(
      rows: 100, cols: 100, using: &generator)
    let std = (normal.dot(normal) / 10_000).squareRoot()
    #expect(abs(std - 0.1) < 0.005)
  }

  @Test("same seed, same weights")
  func deterministic() {
    var a = RandomGenerator(seed: 3)
    var b = RandomGenerator(seed: 3)
    let wa: Matrix<Float> = Initializer.orthogonal(gain: 1).matrix(rows: 6, cols: 6, using: &a)
    let wb: Matrix<Float> = Initializer.orthogonal(gain: 1).matrix(rows: 6, cols: 6, using: &b)
    #expect(wa == wb)
  }
}
