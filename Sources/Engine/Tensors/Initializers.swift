import Randomness

/// Ways to draw initial weights. Each takes the generator explicitly, so a chapter that
/// seeds it gets the same network every run.
public enum Initializer: Sendable, Codable, Equatable {
  /// Uniform on [−limit, limit].
  case uniform(limit: Double)
  /// Gaussian with mean 0 and the given standard deviation (Ioffe & Szegedy's MNIST net:
  /// "small random Gaussian values", scale unstated).
  case normal(standardDeviation: Double)
  /// Glorot & Bengio 2010: uniform with limit √(6/(fan_in + fan_out)).
  case glorot
  /// A random orthogonal matrix (Saxe et al. 2014), times `gain`: preserves norms, which is
  /// why recurrent nets start from it (Cooijmans et al. 2017 use it for all weights).
  case orthogonal(gain: Double)
  /// The identity (Le et al.'s iRNN; Cooijmans et al.'s W_h), padded with zeros if not square.
  case identity

  /// A `rows × cols` matrix drawn from this distribution.
  public func matrix<T: Scalar>(
    rows: Int, cols: Int, using generator: inout RandomGenerator
  ) -> Matrix<T> {
    switch self {
    case .uniform(let limit):
      return Matrix(rows: rows, cols: cols) { w in
        for i in w.indices { w[i] = T((2 * generator.nextUnit() - 1) * limit) }
      }
    case .normal(let std):
      return Matrix(rows: rows, cols: cols) { w in
        for i in w.indices { w[i] = T(generator.nextGaussian() * std) }
      }
    case .glorot:
      let limit = (6 / Double(rows + cols)).squareRoot()
      return Initializer.uniform(limit: limit).matrix(rows: rows, cols: cols, using: &generator)
    case .orthogonal(let gain):
      let q = randomOrthogonal(rows: rows, cols: cols, using: &generator)
      return Matrix(rows: rows, cols: cols, q.map { T($0 * gain) })
    case .identity:
      var m = Matrix<T>(rows: rows, cols: cols)
      for i in 0..<Swift.min(rows, cols) { m[i, i] = 1 }
      return m
    }
  }
}

/// A `rows × cols` matrix with orthonormal rows or columns (whichever are fewer), uniformly
/// distributed (Haar): QR of a Gaussian matrix, with the signs of R's diagonal moved into Q
/// (Mezzadri 2007). QR by modified Gram-Schmidt, run twice for orthogonality to ~1e-15.
func randomOrthogonal(rows: Int, cols: Int, using generator: inout RandomGenerator) -> [Double] {
  // Work on the tall orientation: n vectors of length d, d ≥ n.
  let (d, n) = (Swift.max(rows, cols), Swift.min(rows, cols))
  var vectors = (0..<n).map { _ in (0..<d).map { _ in generator.nextGaussian() } }
  for k in 0..<n {
    let original = vectors[k]
    for _ in 0..<2 {
      for i in 0..<k {
        var projection = 0.0
        for t in 0..<d { projection += vectors[i][t] * vectors[k][t] }
        for t in 0..<d { vectors[k][t] -= projection * vectors[i][t] }
      }
    }
    var norm = 0.0
    for t in 0..<d { norm += vectors[k][t] * vectors[k][t] }
    norm = norm.squareRoot()
    // R's diagonal entry is ⟨q_k, a_k⟩; its sign makes Q Haar-distributed.
    var rkk = 0.0
    for t in 0..<d { rkk += vectors[k][t] * original[t] }
    let sign: Double = rkk < 0 ? -1 : 1
    for t in 0..<d { vectors[k][t] *= sign / norm }
  }
  // The vectors are Q's columns (d × n); lay them out as rows × cols.
  var result = [Double](repeating: 0, count: rows * cols)
  for r in 0..<rows {
    for c in 0..<cols {
      result[r * cols + c] = rows >= cols ? vectors[c][r] : vectors[r][c]
    }
  }
  return result
}
