/// A dense row-major matrix: `rows × cols` scalars in one contiguous array.
///
/// A mini-batch of feature vectors is a matrix with one example per row, so "per feature"
/// means "per column" everywhere in the engine. `Matrix` is a value: copying it is cheap
/// (the array is shared) and writing to a shared copy copies it first, so a layer can keep
/// the input it saw for its backward pass without anyone changing it underneath.
/// Hot loops never index `storage` element by element; they run over raw buffers.
public struct Matrix<Element: Scalar>: Equatable, Sendable {
  public let rows: Int
  public let cols: Int
  public var storage: [Element]

  @inlinable
  public init(rows: Int, cols: Int, repeating value: Element = 0) {
    precondition(rows >= 0 && cols >= 0, "a matrix cannot have shape \(rows)×\(cols)")
    self.rows = rows
    self.cols = cols
    self.storage = Array(repeating: value, count: rows * cols)
  }

  @inlinable
  public init(rows: Int, cols: Int, _ values: [Element]) {
    precondition(
      values.count == rows * cols,
      "a \(rows)×\(cols) matrix needs \(rows * cols) values, got \(values.count)")
    self.rows = rows
    self.cols = cols
    self.storage = values
  }

  /// A matrix whose every element is written by `fill` before it is read: skips zeroing.
  @inlinable
  public init(
    rows: Int, cols: Int,
    filling fill: (UnsafeMutableBufferPointer<Element>) -> Void
  ) {
    self.rows = rows
    self.cols = cols
    self.storage = Array(unsafeUninitializedCapacity: rows * cols) { buffer, count in
      fill(buffer)
      count = rows * cols
    }
  }

  /// A 1×n row, the shape of per-feature parameters (γ, β, biases) and statistics.
  @inlinable
  public init(row values: [Element]) {
    self.init(rows: 1, cols: values.count, values)
  }

  @inlinable public var count: Int { storage.count }
  @inlinable public var shape: (rows: Int, cols: Int) { (rows, cols) }

  @inlinable
  public subscript(row: Int, col: Int) -> Element {
    get { storage[row * cols + col] }
    set { storage[row * cols + col] = newValue }
  }

  /// Converts between scalar types (e.g. a `Float` network's weights to `Double` for checks).
  @inlinable
  public init<Other: Scalar>(_ other: Matrix<Other>) {
    self.init(rows: other.rows, cols: other.cols, other.storage.map { Element($0) })
  }

  @inlinable
  public func withUnsafeBufferPointer<R>(
    _ body: (UnsafeBufferPointer<Element>) throws -> R
  ) rethrows -> R {
    try storage.withUnsafeBufferPointer(body)
  }

  @inlinable
  public mutating func withUnsafeMutableBufferPointer<R>(
    _ body: (inout UnsafeMutableBufferPointer<Element>) throws -> R
  ) rethrows -> R {
    try storage.withUnsafeMutableBufferPointer(body)
  }

  /// The matrix transposed (a copy; matrix products take transposes as flags instead).
  @inlinable
  public var transposed: Matrix {
    let (r, c) = (rows, cols)
    return storage.withUnsafeBufferPointer { source in
      Matrix(rows: c, cols: r) { target in
        for i in 0..<r { for j in 0..<c { target[j * r + i] = source[i * c + j] } }
      }
    }
  }

  /// Rows `range` as a new matrix (a mini-batch cut from a data set, one time step, ...).
  @inlinable
  public func rows(_ range: Range<Int>) -> Matrix {
    Matrix(
      rows: range.count, cols: cols,
      Array(storage[(range.lowerBound * cols)..<(range.upperBound * cols)]))
  }

  /// Column `j`: one feature's values over the batch, converted to `Double` for analysis.
  @inlinable
  public func column(_ j: Int) -> [Double] {
    precondition(j >= 0 && j < cols, "column \(j) of a matrix with \(cols) columns")
    return (0..<rows).map { Double(storage[$0 * cols + j]) }
  }

  /// The largest absolute element, the ∞-norm used by every "max error" in the book.
  @inlinable
  public var maxAbs: Element {
    storage.withUnsafeBufferPointer { values in
      var largest: Element = 0
      for v in values { largest = Swift.max(largest, Swift.abs(v)) }
      return largest
    }
  }
}

extension Matrix: CustomStringConvertible {
  public var description: String {
    let shown = (0..<Swift.min(rows, 6)).map { r in
      (0..<Swift.min(cols, 8)).map { c in "\(self[r, c])" }.joined(separator: " ")
    }
    return "Matrix \(rows)×\(cols)\n" + shown.joined(separator: "\n")
  }
}
