import Invariants
import RealModule

/// Softmax over each row of logits followed by the cross-entropy with integer labels,
/// averaged over the rows that count: ℓ = −(1/m) Σ_i log softmax(z_i)[y_i].
///
/// Fused because the gradient of the pair is simple where each part alone is not:
/// ∂ℓ/∂z_ij = (softmax(z_i)_j − [j = y_i]) / m.
/// Stable: log softmax(z)_j = z_j − max(z) − log Σ_k e^(z_k − max(z)), so no e^z overflows.
///
/// An optional mask (one entry per row, 1 or 0) leaves padded rows — the frames past the end
/// of a shorter sequence — out of the loss, the mean and the gradient; m counts the rest.
/// A class that owns its buffers: the probabilities and the gradient are written in place.
public final class SoftmaxCrossEntropy<T: Scalar> {
  @usableFromInline let probabilityBuffer = Buffer<T>()
  @usableFromInline let gradientBuffer = Buffer<T>()
  @usableFromInline var labels: [Int] = []
  @usableFromInline var mask: UnsafeBufferPointer<T>?
  /// Rows that count (all rows, or the unmasked ones).
  public var countedRows: Int { counted }
  @usableFromInline var counted = 0

  public init() {}

  /// softmax(z) of the last forward pass, one row per example.
  public var probabilities: Matrix<T> { probabilityBuffer.matrix }

  /// The mean loss over the rows that count; keeps the softmax for `backward` and `accuracy`.
  /// `mask`, if given, must stay valid until `backward`.
  @inlinable
  public func forward(
    logits: MatrixView<T>, labels: [Int], mask: UnsafeBufferPointer<T>? = nil
  ) -> T {
    require(labels.count == logits.rows, "\(labels.count) labels for \(logits.rows) rows")
    if let mask {
      require(mask.count == logits.rows, "a mask of \(mask.count) for \(logits.rows) rows")
    }
    self.labels = labels
    self.mask = mask
    let classes = logits.cols
    let p = probabilityBuffer.reshape(rows: logits.rows, cols: classes)
    var loss: T = 0
    var counted = 0
    for i in 0..<logits.rows {
      let (z, row) = (logits.row(i), p.row(i))
      var largest = z[0]
      for j in 1..<classes { largest = Swift.max(largest, z[j]) }
      var total: T = 0
      for j in 0..<classes {
        let e = T.exp(z[j] - largest)
        row[j] = e
        total += e
      }
      for j in 0..<classes { row[j] /= total }
      if let mask, mask[i] == 0 { continue }
      let label = labels[i]
      require(label >= 0 && label < classes, "label \(label) outside 0..<\(classes)")
      // −log softmax(z)[y] = log Σ e^(z−max) − (z_y − max)
      loss += T.log(total) - (z[label] - largest)
      counted += 1
    }
    self.counted = counted
    return counted > 0 ? loss / T(counted) : 0
  }

  /// The same for a matrix of logits (readable code and tests).
  @inlinable
  public func forward(logits: Matrix<T>, labels: [Int]) -> T {
    logits.withView { forward(logits: $0, labels: labels) }
  }

  /// ∂ℓ/∂logits = (softmax − onehot(labels)) / m, zero on masked rows; a view into this
  /// head's buffer, valid until the next call.
  @inlinable
  public func backwardView() -> MatrixView<T> {
    let p = probabilityBuffer.view
    let dz = gradientBuffer.reshape(rows: p.rows, cols: p.cols)
    let scale = 1 / T(Swift.max(countedRows, 1))
    for i in 0..<p.rows {
      let (source, out) = (p.row(i), dz.row(i))
      if let mask, mask[i] == 0 {
        out.update(repeating: 0, count: p.cols)
        continue
      }
      for j in 0..<p.cols { out[j] = source[j] }
      out[labels[i]] -= 1
      for j in 0..<p.cols { out[j] *= scale }
    }
    return dz
  }

  /// ∂ℓ/∂logits as a matrix.
  public func backward() -> Matrix<T> { backwardView().matrix }

  /// The fraction of counted rows whose largest probability is at the label.
  public func accuracy() -> Double {
    Double(correctCount()) / Double(Swift.max(countedRows, 1))
  }

  /// How many counted rows have their largest probability at the label.
  public func correctCount() -> Int {
    let p = probabilityBuffer.view
    var correct = 0
    for i in 0..<p.rows {
      if let mask, mask[i] == 0 { continue }
      let row = p.row(i)
      var best = 0
      for j in 1..<p.cols where row[j] > row[best] { best = j }
      if best == labels[i] { correct += 1 }
    }
    return correct
  }
}
