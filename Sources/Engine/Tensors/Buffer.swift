import Invariants

/// Owned storage that views are cut from: a layer's outputs and gradients, a recurrent
/// layer's per-step tape, a parameter's value.
///
/// A buffer allocates when a shape first needs more room than it has and keeps that memory
/// for as long as it lives, so the steady state of a training loop — the same shapes, step
/// after step — allocates nothing, and a view of it stays valid while the buffer lives.
/// That is the whole reason it exists beside `Matrix`, whose array may move on any write.
public final class Buffer<Element: Scalar> {
  @usableFromInline var storage: UnsafeMutablePointer<Element>
  /// Elements allocated; grows, never shrinks.
  public var capacity: Int { allocated }
  public var rows: Int { shapeRows }
  public var cols: Int { shapeCols }
  @usableFromInline var allocated: Int
  @usableFromInline var shapeRows: Int
  @usableFromInline var shapeCols: Int

  /// A zero-filled `rows × cols` buffer.
  @inlinable
  public init(rows: Int = 0, cols: Int = 0) {
    require(rows >= 0 && cols >= 0, "a buffer cannot have shape \(rows)×\(cols)")
    shapeRows = rows
    shapeCols = cols
    allocated = Swift.max(rows * cols, 1)
    storage = .allocate(capacity: allocated)
    storage.initialize(repeating: 0, count: allocated)
  }

  /// A buffer holding a copy of `matrix`.
  public convenience init(_ matrix: Matrix<Element>) {
    self.init(rows: matrix.rows, cols: matrix.cols)
    matrix.withUnsafeBufferPointer { source in
      if let from = source.baseAddress { storage.update(from: from, count: source.count) }
    }
  }

  deinit { storage.deallocate() }

  /// The whole buffer as a view.
  @inlinable
  public var view: MatrixView<Element> {
    MatrixView(base: storage, rows: rows, cols: cols)
  }

  /// Gives the buffer the shape `rows × cols` and returns it as a view. Allocates (zero-filled)
  /// only when the new shape needs more than the capacity; otherwise the memory is reused
  /// and its contents are whatever was there: callers write before they read.
  @inlinable
  @discardableResult
  public func reshape(rows: Int, cols: Int) -> MatrixView<Element> {
    if rows != self.rows || cols != self.cols { resize(rows: rows, cols: cols) }
    return view
  }

  @inlinable
  func resize(rows: Int, cols: Int) {
    require(rows >= 0 && cols >= 0, "a buffer cannot have shape \(rows)×\(cols)")
    let needed = rows * cols
    if needed > allocated {
      storage.deallocate()
      allocated = needed
      storage = .allocate(capacity: allocated)
      storage.initialize(repeating: 0, count: allocated)
    }
    shapeRows = rows
    shapeCols = cols
  }

  /// A copy of the contents as a `Matrix`.
  public var matrix: Matrix<Element> { view.matrix }

  /// Sets every element to zero.
  @inlinable
  public func zero() { storage.update(repeating: 0, count: rows * cols) }
}
