import Invariants

/// A window onto scalars that someone else owns: `rows × cols` elements, row-major, with
/// row r starting `stride` elements after row r − 1.
///
/// Views are how the hot paths avoid copies. One time step of a recurrent layer is a row
/// range of the (time × batch)-row matrix that holds every step; one gate of an LSTM is a
/// column range of its 4H-wide pre-activation; a mini-batch is a row range of a data set.
/// None of these is copied: each is a pointer, a shape and the distance between rows (BLAS's
/// "leading dimension"), and every kernel takes views.
///
/// A view owns nothing and keeps nothing alive. It is valid while the storage it was cut
/// from is: a `Buffer` (which never moves its memory while it lives), or a `Matrix` inside
/// `withView`. Writing through a view obtained from `Matrix.withView` is not allowed; use
/// `withMutableView` for that.
public struct MatrixView<Element: Scalar> {
  public let base: UnsafeMutablePointer<Element>
  public let rows: Int
  public let cols: Int
  /// Elements from the start of one row to the start of the next; `cols` when contiguous.
  public let stride: Int

  @inlinable
  public init(base: UnsafeMutablePointer<Element>, rows: Int, cols: Int, stride: Int? = nil) {
    let stride = stride ?? cols
    require(
      rows >= 0 && cols >= 0 && stride >= cols,
      "a view cannot have shape \(rows)×\(cols) with row stride \(stride)")
    self.base = base
    self.rows = rows
    self.cols = cols
    self.stride = stride
  }

  @inlinable public var count: Int { rows &* cols }
  /// Whether the elements are one unbroken block (row r + 1 starts where row r ends).
  @inlinable public var isContiguous: Bool { stride == cols || rows <= 1 }

  /// Element (r, c). Bounds are checked in debug builds only: views live in hot loops.
  @inlinable
  public subscript(r: Int, c: Int) -> Element {
    get {
      assert(r >= 0 && r < rows && c >= 0 && c < cols, "(\(r), \(c)) outside \(rows)×\(cols)")
      return base[r &* stride &+ c]
    }
    nonmutating set {
      assert(r >= 0 && r < rows && c >= 0 && c < cols, "(\(r), \(c)) outside \(rows)×\(cols)")
      base[r &* stride &+ c] = newValue
    }
  }

  /// The start of row `r`.
  @inlinable
  public func row(_ r: Int) -> UnsafeMutablePointer<Element> {
    assert(r >= 0 && r < rows, "row \(r) outside 0..<\(rows)")
    return base + r &* stride
  }

  /// Rows `range`, sharing this view's memory (a time step, a mini-batch).
  @inlinable
  public func rows(_ range: Range<Int>) -> MatrixView {
    require(
      range.lowerBound >= 0 && range.upperBound <= rows,
      "rows \(range) of a view with \(rows) rows")
    return MatrixView(
      base: base + range.lowerBound &* stride, rows: range.count, cols: cols, stride: stride)
  }

  /// Columns `range` of every row, sharing this view's memory (one gate's block of an LSTM).
  @inlinable
  public func columns(_ range: Range<Int>) -> MatrixView {
    require(
      range.lowerBound >= 0 && range.upperBound <= cols,
      "columns \(range) of a view with \(cols) columns")
    return MatrixView(base: base + range.lowerBound, rows: rows, cols: range.count, stride: stride)
  }

  /// Sets every element to `value`.
  @inlinable
  public func fill(_ value: Element) {
    for r in 0..<rows { row(r).update(repeating: value, count: cols) }
  }

  /// Copies `source` (same shape) into this view.
  @inlinable
  public func copy(from source: MatrixView) {
    require(
      source.rows == rows && source.cols == cols,
      "copy of a \(source.rows)×\(source.cols) view into a \(rows)×\(cols) one")
    for r in 0..<rows { row(r).update(from: source.row(r), count: cols) }
  }

  /// The elements as a new `Matrix` (for readable code, tests and results; allocates).
  @inlinable
  public var matrix: Matrix<Element> {
    Matrix(rows: rows, cols: cols) { target in
      for r in 0..<rows {
        (target.baseAddress! + r &* cols).update(from: row(r), count: cols)
      }
    }
  }

  /// The largest absolute element.
  @inlinable
  public var maxAbs: Element {
    var largest: Element = 0
    for r in 0..<rows {
      let p = row(r)
      for c in 0..<cols { largest = Swift.max(largest, Swift.abs(p[c])) }
    }
    return largest
  }
}

/// Where a view of nothing points: some valid, aligned address, never read or written.
@usableFromInline
nonisolated(unsafe) let emptyViewStorage = UnsafeMutableRawPointer.allocate(
  byteCount: 64, alignment: 64)

extension MatrixView {
  /// A 0×`cols` view (an empty batch).
  @inlinable
  public static func empty(cols: Int = 0) -> MatrixView {
    MatrixView(base: emptyViewStorage.assumingMemoryBound(to: Element.self), rows: 0, cols: cols)
  }
}
