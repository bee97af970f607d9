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

/// Which statistics a batch-normalising layer uses, and whether it learns the population.
///
/// One explicit choice per forward pass, instead of a mode plus a flag that a caller toggles
/// and must remember to restore: a probe or an evaluation cannot leave tracking switched on
/// or off by accident, because it never switches anything.
public enum StatisticsPolicy: String, Sendable, Codable, CaseIterable {
  /// Normalise with this batch's statistics and fold them into the population statistics
  /// (training, Ioffe & Szegedy 2015, Alg. 2's moving averages or averages).
  case batchAndTrack
  /// Normalise with this batch's statistics and leave the population alone (a gradient check,
  /// a probe, a full pass that estimates the population elsewhere, "training-mode" evaluation).
  case batch
  /// Normalise with the population statistics: inference, a fixed affine map per feature.
  case population

  /// Whether the statistics come from the batch itself (and so gradients flow through them).
  @inlinable public var usesBatchStatistics: Bool { self != .population }
}

/// A layer with a hand-derived backward pass, working on views.
///
/// `forward` writes its output into the layer's own buffer and returns a view of it, valid
/// until the next `forward`; it remembers its input view, which must stay valid and unchanged
/// until `backward`. `backward` takes ∂ℓ/∂output, writes ∂ℓ/∂parameter into each parameter's
/// gradient (overwriting it) and returns ∂ℓ/∂input, again a view into the layer's buffer.
/// Calls alternate: forward, backward, forward, backward. In the steady state — the same
/// batch size step after step — neither allocates.
public protocol Layer<Element>: AnyObject {
  associatedtype Element: Scalar
  func forward(_ x: MatrixView<Element>, statistics: StatisticsPolicy) -> MatrixView<Element>
  func backward(_ dy: MatrixView<Element>) -> MatrixView<Element>
  var parameters: [Parameter<Element>] { get }
  /// Where `forward(_: Matrix)` keeps its copy of the input until `backward`.
  var matrixInput: Buffer<Element> { get }
}

extension Layer {
  /// Readable code's entry point: the layer on a matrix, its output as a new matrix. The input
  /// is copied into `matrixInput`, so the caller need not keep it alive for `backward`.
  public func forward(_ x: Matrix<Element>, statistics: StatisticsPolicy) -> Matrix<Element> {
    let input = matrixInput.reshape(rows: x.rows, cols: x.cols)
    x.withView { input.copy(from: $0) }
    return forward(input, statistics: statistics).matrix
  }

  /// ∂ℓ/∂input as a new matrix, from ∂ℓ/∂output as a matrix.
  public func backward(_ dy: Matrix<Element>) -> Matrix<Element> {
    dy.withView { backward($0).matrix }
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
