import Foundation
import Invariants

/// A dense row-major matrix: `rows × cols` scalars in one contiguous array.
///
/// A mini-batch of feature vectors is a matrix with one example per row, so "per feature"
/// means "per column" everywhere in the engine. `Matrix` is a value: copying it is cheap
/// (the array is shared) and writing to a shared copy copies it first. It is the engine's
/// readable currency — what tests compare, what chapters print and plot, what a checkpoint
/// stores. The hot paths work on `MatrixView`s of `Buffer`s instead, which never move.
///
/// The shape is fixed at creation: `storage` can be read but not replaced or resized from
/// outside, so a matrix always has exactly `rows × cols` elements.
public struct Matrix<Element: Scalar>: Equatable, Sendable, Codable {
  public let rows: Int
  public let cols: Int
  /// The elements, row by row (read-only: the shape never changes).
  @inlinable public var storage: [Element] { elements }
  @usableFromInline var elements: [Element]

  @inlinable
  public init(rows: Int, cols: Int, repeating value: Element = 0) {
    require(rows >= 0 && cols >= 0, "a matrix cannot have shape \(rows)×\(cols)")
    self.rows = rows
    self.cols = cols
    self.elements = Array(repeating: value, count: rows * cols)
  }

  @inlinable
  public init(rows: Int, cols: Int, _ values: [Element]) {
    require(
      values.count == rows * cols,
      "a \(rows)×\(cols) matrix needs \(rows * cols) values, got \(values.count)")
    self.rows = rows
    self.cols = cols
    self.elements = values
  }

  /// A matrix whose every element is written by `fill` before it is read: skips zeroing.
  @inlinable
  public init(
    rows: Int, cols: Int,
    filling fill: (UnsafeMutableBufferPointer<Element>) -> Void
  ) {
    require(rows >= 0 && cols >= 0, "a matrix cannot have shape \(rows)×\(cols)")
    self.rows = rows
    self.cols = cols
    self.elements = Array(unsafeUninitializedCapacity: rows * cols) { buffer, count in
      fill(buffer)
      count = rows * cols
    }
  }

  /// Encoded as `{"rows", "cols", "values"}`, the values row by row; or, when the encoder's
  /// `userInfo[.compactMatrices]` is true (checkpoints, whose parameters run to megabytes),
  /// as `{"rows", "cols", "bytes"}` with the raw little-endian scalars in base64.
  enum CodingKeys: String, CodingKey {
    case rows, cols, bytes
    case elements = "values"
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(rows, forKey: .rows)
    try container.encode(cols, forKey: .cols)
    if encoder.userInfo[.compactMatrices] as? Bool == true {
      try container.encode(elements.withUnsafeBytes { Data($0) }, forKey: .bytes)
    } else {
      try container.encode(elements, forKey: .elements)
    }
  }

  /// Decodes either form, checking that the element count fits the shape.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let rows = try container.decode(Int.self, forKey: .rows)
    let cols = try container.decode(Int.self, forKey: .cols)
    guard rows >= 0, cols >= 0 else {
      throw DecodingError.dataCorruptedError(
        forKey: .rows, in: container, debugDescription: "a matrix cannot be \(rows)×\(cols)")
    }
    var values: [Element]
    if container.contains(.bytes) {
      let bytes = try container.decode(Data.self, forKey: .bytes)
      guard bytes.count == rows * cols * MemoryLayout<Element>.stride else {
        throw DecodingError.dataCorruptedError(
          forKey: .bytes, in: container,
          debugDescription:
            "a \(rows)×\(cols) matrix needs \(rows * cols * MemoryLayout<Element>.stride) bytes, got \(bytes.count)"
        )
      }
      values = [Element](repeating: 0, count: rows * cols)
      values.withUnsafeMutableBytes { target in _ = bytes.copyBytes(to: target) }
    } else {
      values = try container.decode([Element].self, forKey: .elements)
    }
    guard values.count == rows * cols else {
      throw DecodingError.dataCorruptedError(
        forKey: .elements, in: container,
        debugDescription:
          "a \(rows)×\(cols) matrix needs \(rows * cols) values, got \(values.count)")
    }
    self.init(rows: rows, cols: cols, values)
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
    set { elements[row * cols + col] = newValue }
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

  /// Writes through a raw buffer of exactly `count` elements (the buffer cannot be resized).
  @inlinable
  public mutating func withUnsafeMutableBufferPointer<R>(
    _ body: (UnsafeMutableBufferPointer<Element>) throws -> R
  ) rethrows -> R {
    try elements.withUnsafeMutableBufferPointer { try body($0) }
  }

  /// The matrix as a read-only view for the duration of `body` (do not write through it).
  @inlinable
  public func withView<R>(_ body: (MatrixView<Element>) throws -> R) rethrows -> R {
    try storage.withUnsafeBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return try body(.empty(cols: cols)) }
      return try body(
        MatrixView(base: UnsafeMutablePointer(mutating: base), rows: rows, cols: cols))
    }
  }

  /// The matrix as a writable view for the duration of `body`.
  @inlinable
  public mutating func withMutableView<R>(_ body: (MatrixView<Element>) throws -> R) rethrows
    -> R
  {
    let (rows, cols) = (self.rows, self.cols)
    return try elements.withUnsafeMutableBufferPointer { buffer in
      guard let base = buffer.baseAddress else { return try body(.empty(cols: cols)) }
      return try body(MatrixView(base: base, rows: rows, cols: cols))
    }
  }

  /// Element `index` of the row-major storage (for code that walks every element, such as
  /// a finite-difference check).
  @inlinable
  public subscript(flat index: Int) -> Element {
    get { storage[index] }
    set { elements[index] = newValue }
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

  /// Column `j`: one feature's values over the batch, converted to `Double` for analysis.
  @inlinable
  public func column(_ j: Int) -> [Double] {
    require(j >= 0 && j < cols, "column \(j) of a matrix with \(cols) columns")
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

extension CodingUserInfoKey {
  /// Set to `true` in an encoder's `userInfo` to write matrices as raw bytes in base64.
  public static let compactMatrices = CodingUserInfoKey(rawValue: "compactMatrices")!
}
