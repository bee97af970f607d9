import Invariants
import Randomness

/// A learned tensor and the gradient of the loss with respect to it.
///
/// A class, because three parties share one parameter: the layer that uses it, the
/// backward pass that writes its gradient, and the optimizer that updates it. Value and
/// gradient live in `Buffer`s, so the hot paths work on views of them that never move;
/// `value` and `gradient` read and write them as matrices for everything else.
///
/// The shape is fixed: assigning a value or gradient of another shape is an error that names
/// both shapes, so a gradient can never silently stop matching its parameter. The name is
/// how optimizers and checkpoints find the parameter's state; a network gives each of its
/// parameters a distinct one ("hidden1.W", "hidden1.γ", ...).
public final class Parameter<T: Scalar> {
  public let name: String
  public let rows: Int
  public let cols: Int
  @usableFromInline let valueBuffer: Buffer<T>
  @usableFromInline let gradientBuffer: Buffer<T>

  public init(_ name: String, _ value: Matrix<T>) {
    self.name = name
    rows = value.rows
    cols = value.cols
    valueBuffer = Buffer(value)
    gradientBuffer = Buffer(rows: value.rows, cols: value.cols)
  }

  @inlinable public var count: Int { rows * cols }

  /// The value, for kernels: valid as long as the parameter lives.
  @inlinable public var valueView: MatrixView<T> { valueBuffer.view }
  /// ∂ℓ/∂value, for kernels.
  @inlinable public var gradientView: MatrixView<T> { gradientBuffer.view }

  /// The value as a matrix (a copy); assigning copies a same-shaped matrix in.
  public var value: Matrix<T> {
    get { valueBuffer.matrix }
    set { Self.copy(newValue, into: valueBuffer, what: "value", of: name) }
  }

  /// The gradient as a matrix (a copy); assigning copies a same-shaped matrix in.
  public var gradient: Matrix<T> {
    get { gradientBuffer.matrix }
    set { Self.copy(newValue, into: gradientBuffer, what: "gradient", of: name) }
  }

  /// Clears the gradient before a backward pass that accumulates into it.
  @inlinable
  public func zeroGradient() { gradientBuffer.zero() }

  private static func copy(
    _ matrix: Matrix<T>, into buffer: Buffer<T>, what: String, of name: String
  ) {
    require(
      matrix.rows == buffer.rows && matrix.cols == buffer.cols,
      "\(what) of parameter \(name) must be \(buffer.rows)×\(buffer.cols), got \(matrix.rows)×\(matrix.cols)"
    )
    matrix.withView { buffer.view.copy(from: $0) }
  }
}

/// A checkpoint's view of a model: every parameter's value by name.
public enum NamedValues {
  /// The values of `parameters`, by name.
  public static func of<T: Scalar>(_ parameters: [Parameter<T>]) -> [String: Matrix<T>] {
    Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.value) })
  }

  /// Sets each parameter to its value in `values`. Every parameter must be there with its
  /// shape, and nothing else may be: a checkpoint of another model is an error that says
  /// what differs, and nothing is changed.
  public static func restore<T: Scalar>(
    _ parameters: [Parameter<T>], from values: [String: Matrix<T>]
  ) throws {
    var problems: [String] = []
    for p in parameters {
      guard let value = values[p.name] else {
        problems.append("no value for \(p.name)")
        continue
      }
      if value.rows != p.rows || value.cols != p.cols {
        problems.append(
          "\(p.name) is \(value.rows)×\(value.cols), the model's is \(p.rows)×\(p.cols)")
      }
    }
    let known = Set(parameters.map(\.name))
    problems += values.keys.filter { !known.contains($0) }.sorted().map {
      "unknown parameter \($0)"
    }
    guard problems.isEmpty else { throw StateMismatch(problems: problems) }
    for p in parameters { p.value = values[p.name]! }
  }
}

extension NamedValues {
  /// A 64-bit fingerprint of the parameters' names and exact bits (FNV-1a): two runs that
  /// end with the same fingerprint ended with bitwise the same parameters.
  public static func fingerprint<T: Scalar>(_ parameters: [Parameter<T>]) -> UInt64 {
    var hash = FNV1a()
    for p in parameters {
      hash.mix(bytes: p.name.utf8)
      let value = p.valueView.base
      for i in 0..<p.count { hash.mix(word: Double(value[i]).bitPattern) }
    }
    return hash.value
  }
}

/// Saved state that does not fit the model it is restored into.
public struct StateMismatch: Error, CustomStringConvertible {
  public let problems: [String]
  public var description: String {
    "saved state does not match the model: " + problems.joined(separator: "; ")
  }
}
