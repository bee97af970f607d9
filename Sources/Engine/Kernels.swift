/// Element-wise and per-column kernels on raw buffers.
///
/// Each one is a single pass over memory; where two operations always follow each other
/// (add a bias then squash, multiply by the local derivative) they are fused into one loop.
///
/// Indices inside inner loops use wrapping arithmetic (`&+`, `&*`): the overflow check of a
/// plain `i * n + j` on every element stops LLVM from vectorising the loop (measured: the BN
/// statistics loops ran scalar). The indices are bounded by the matrix size, so they cannot
/// overflow, and the buffers' own bounds checks still apply in debug builds.

extension Matrix {
  /// Adds a 1×cols row to every row (a bias, or β).
  @inlinable
  public mutating func addRow(_ row: Matrix<Element>) {
    precondition(row.rows == 1 && row.cols == cols, "row of \(row.cols) added to \(cols) columns")
    let width = cols
    row.withUnsafeBufferPointer { r in
      withUnsafeMutableBufferPointer { m in
        var i = 0
        while i < m.count {
          for j in 0..<width { m[i &+ j] += r[j] }
          i += width
        }
      }
    }
  }

  /// The sum of each column, as a 1×cols row: Σ over the batch, per feature.
  @inlinable
  public func columnSums() -> Matrix<Element> {
    var sums = Matrix<Element>(rows: 1, cols: cols)
    let width = cols
    withUnsafeBufferPointer { m in
      sums.withUnsafeMutableBufferPointer { s in
        var i = 0
        while i < m.count {
          for j in 0..<width { s[j] += m[i &+ j] }
          i += width
        }
      }
    }
    return sums
  }

  /// Element-wise `self + other` (shapes must match).
  @inlinable
  public static func + (lhs: Matrix, rhs: Matrix) -> Matrix {
    lhs.zipped(with: rhs) { $0 + $1 }
  }

  /// Element-wise `self - other`.
  @inlinable
  public static func - (lhs: Matrix, rhs: Matrix) -> Matrix {
    lhs.zipped(with: rhs) { $0 - $1 }
  }

  /// Every element times `scale`.
  @inlinable
  public static func * (scale: Element, matrix: Matrix) -> Matrix {
    matrix.mapped { scale * $0 }
  }

  /// A new matrix with `transform` applied to each element.
  @inlinable
  public func mapped(_ transform: (Element) -> Element) -> Matrix {
    withUnsafeBufferPointer { source in
      Matrix(rows: rows, cols: cols) { target in
        for i in 0..<source.count { target[i] = transform(source[i]) }
      }
    }
  }

  /// A new matrix combining two same-shaped matrices element by element.
  @inlinable
  public func zipped(with other: Matrix, _ combine: (Element, Element) -> Element) -> Matrix {
    precondition(
      rows == other.rows && cols == other.cols,
      "shapes disagree: \(rows)×\(cols) and \(other.rows)×\(other.cols)")
    return withUnsafeBufferPointer { a in
      other.withUnsafeBufferPointer { b in
        Matrix(rows: rows, cols: cols) { target in
          for i in 0..<a.count { target[i] = combine(a[i], b[i]) }
        }
      }
    }
  }

  /// Σ self ⊙ other: the inner product of two same-shaped matrices.
  @inlinable
  public func dot(_ other: Matrix) -> Element {
    precondition(rows == other.rows && cols == other.cols, "dot of different shapes")
    return withUnsafeBufferPointer { a in
      other.withUnsafeBufferPointer { b in
        var sum: Element = 0
        for i in 0..<a.count { sum += a[i] * b[i] }
        return sum
      }
    }
  }

  /// The Frobenius norm, √Σ x².
  @inlinable
  public var norm: Element { dot(self).squareRoot() }
}
