import RealModule

/// Softmax over each row of logits followed by the cross-entropy with integer labels,
/// averaged over the batch: ℓ = −(1/m) Σ_i log softmax(z_i)[y_i].
///
/// Fused because the gradient of the pair is simple where each part alone is not:
/// ∂ℓ/∂z_ij = (softmax(z_i)_j − [j = y_i]) / m.
/// Stable: log softmax(z)_j = z_j − max(z) − log Σ_k e^(z_k − max(z)), so no e^z overflows.
public struct SoftmaxCrossEntropy<T: Scalar> {
  public var probabilities = Matrix<T>(rows: 0, cols: 0)
  @usableFromInline var labels: [Int] = []

  @inlinable public init() {}

  /// The mean loss over the batch; keeps the softmax for `backward` and `accuracy`.
  @inlinable
  public mutating func forward(logits: Matrix<T>, labels: [Int]) -> T {
    precondition(labels.count == logits.rows, "\(labels.count) labels for \(logits.rows) rows")
    self.labels = labels
    let classes = logits.cols
    var loss: T = 0
    probabilities = logits.withUnsafeBufferPointer { z in
      Matrix(rows: logits.rows, cols: classes) { p in
        for i in 0..<logits.rows {
          let row = i * classes
          var largest = z[row]
          for j in 1..<classes { largest = Swift.max(largest, z[row + j]) }
          var total: T = 0
          for j in 0..<classes {
            let e = T.exp(z[row + j] - largest)
            p[row + j] = e
            total += e
          }
          for j in 0..<classes { p[row + j] /= total }
          let label = labels[i]
          precondition(label >= 0 && label < classes, "label \(label) outside 0..<\(classes)")
          // −log softmax(z)[y] = log Σ e^(z−max) − (z_y − max)
          loss += T.log(total) - (z[row + label] - largest)
        }
      }
    }
    return loss / T(logits.rows)
  }

  /// ∂ℓ/∂logits = (softmax − onehot(labels)) / m.
  @inlinable
  public func backward() -> Matrix<T> {
    var dz = probabilities
    let classes = dz.cols
    let scale = 1 / T(dz.rows)
    dz.withUnsafeMutableBufferPointer { d in
      for i in 0..<labels.count {
        d[i * classes + labels[i]] -= 1
      }
      for k in d.indices { d[k] *= scale }
    }
    return dz
  }

  /// The fraction of rows whose largest probability is at the label.
  @inlinable
  public func accuracy() -> Double {
    Double(correctCount()) / Double(Swift.max(labels.count, 1))
  }

  /// How many rows have their largest probability at the label.
  @inlinable
  public func correctCount() -> Int {
    let classes = probabilities.cols
    return probabilities.withUnsafeBufferPointer { p in
      var correct = 0
      for i in 0..<labels.count {
        var best = 0
        for j in 1..<classes where p[i * classes + j] > p[i * classes + best] { best = j }
        if best == labels[i] { correct += 1 }
      }
      return correct
    }
  }
}
