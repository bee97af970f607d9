import Invariants

/// Element-wise and per-column kernels on views, each a single pass over memory.
///
/// Indices inside inner loops use wrapping arithmetic (`&+`, `&*`): the overflow check of a
/// plain `i * n + j` on every element stops LLVM from vectorising the loop (measured: the BN
/// statistics loops ran scalar). The indices are bounded by the matrix size, so they cannot
/// overflow.

/// Adds the 1×n `row` to every row of `m` (a bias, or β).
@inlinable
public func addRow<T: Scalar>(_ row: MatrixView<T>, to m: MatrixView<T>) {
  require(
    row.rows == 1 && row.cols == m.cols, "a 1×\(m.cols) row is needed, got \(row.rows)×\(row.cols)")
  let (n, r) = (m.cols, row.base)
  for i in 0..<m.rows {
    let out = m.row(i)
    for j in 0..<n { out[j] += r[j] }
  }
}

/// sums ← Σ_rows m (or sums += Σ_rows m with `accumulating`): per-feature sums over a batch,
/// e.g. ∂ℓ/∂b = Σ_i ∂ℓ/∂y_i.
@inlinable
public func columnSums<T: Scalar>(
  of m: MatrixView<T>, into sums: MatrixView<T>, accumulating: Bool = false
) {
  require(
    sums.rows == 1 && sums.cols == m.cols,
    "column sums of \(m.rows)×\(m.cols) need a 1×\(m.cols) row, got \(sums.rows)×\(sums.cols)")
  let (n, s) = (m.cols, sums.base)
  if !accumulating { s.update(repeating: 0, count: n) }
  for i in 0..<m.rows {
    let row = m.row(i)
    for j in 0..<n { s[j] += row[j] }
  }
}

/// y += x element by element (same shapes): the sum of two paths of a gradient.
@inlinable
public func add<T: Scalar>(_ x: MatrixView<T>, to y: MatrixView<T>) {
  require(
    x.rows == y.rows && x.cols == y.cols,
    "adding a \(x.rows)×\(x.cols) view to a \(y.rows)×\(y.cols) one")
  for i in 0..<y.rows {
    let (source, target) = (x.row(i), y.row(i))
    for j in 0..<y.cols { target[j] += source[j] }
  }
}

extension Matrix {
  /// Adds a 1×cols row to every row (a bias, or β).
  @inlinable
  public mutating func addRow(_ row: Matrix<Element>) {
    row.withView { row in withMutableView { Engine.addRow(row, to: $0) } }
  }

  /// The sum of each column, as a 1×cols row: Σ over the batch, per feature.
  @inlinable
  public func columnSums() -> Matrix<Element> {
    var sums = Matrix<Element>(rows: 1, cols: cols)
    withView { m in sums.withMutableView { Engine.columnSums(of: m, into: $0) } }
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
    require(
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
    require(
      rows == other.rows && cols == other.cols,
      "dot of a \(rows)×\(cols) and a \(other.rows)×\(other.cols) matrix")
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

/// ‖M‖, the Frobenius norm √Σ x², accumulated in Double in row order.
@inlinable
public func frobeniusNorm<T: Scalar>(_ m: MatrixView<T>) -> Double {
  var sum = 0.0
  for r in 0..<m.rows {
    let row = m.row(r)
    for j in 0..<m.cols { sum += Double(row[j]) * Double(row[j]) }
  }
  return sum.squareRoot()
}

/// ‖M‖ of a matrix.
@inlinable
public func frobeniusNorm<T: Scalar>(_ m: Matrix<T>) -> Double { m.withView(frobeniusNorm) }
