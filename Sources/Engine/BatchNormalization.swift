import RealModule

/// The Batch Normalizing Transform (Ioffe & Szegedy 2015, Alg. 1) and its backward pass,
/// as pure functions of a mini-batch: one row per example, one column per feature.
///
/// These are the building blocks; the `BatchNorm` layer wraps them with γ, β and population
/// statistics, and a recurrent layer can call them once per time step with the same γ, β
/// but its own statistics for each step (Cooijmans et al. 2017, §3).
///
/// Loop indices are written `i &* n &+ j` (wrapping arithmetic) so the loops vectorise; see
/// Kernels.swift for why.
public enum BatchNormalization {
  /// Which backward implementation to run; both compute the same numbers.
  public enum BackwardForm: String, Sendable, Codable, CaseIterable {
    /// The paper's chain rule node by node: ∂ℓ/∂x̂, ∂ℓ/∂σ², ∂ℓ/∂μ, then ∂ℓ/∂x.
    case staged
    /// Production libraries' simplification: two reductions (Σ dy and Σ dy·x̂), one pass.
    case fused
  }

  /// What the forward pass remembers for the backward pass.
  public struct Cache<T: Scalar> {
    public var mode: Mode
    /// x, needed by the staged form for (x_i − μ_B).
    public var input: Matrix<T>
    /// x̂ = (x − μ)/√(σ² + ε).
    public var normalized: Matrix<T>
    /// μ used to normalise: the batch mean (training) or the population mean (inference).
    public var mean: [T]
    /// σ² used to normalise: the biased batch variance or the population variance.
    public var variance: [T]
    /// 1/√(σ² + ε), per feature.
    public var inverseStd: [T]
    public var epsilon: T

    @inlinable
    public init(
      mode: Mode, input: Matrix<T>, normalized: Matrix<T>, mean: [T], variance: [T],
      inverseStd: [T], epsilon: T
    ) {
      self.mode = mode
      self.input = input
      self.normalized = normalized
      self.mean = mean
      self.variance = variance
      self.inverseStd = inverseStd
      self.epsilon = epsilon
    }
  }

  /// ∂ℓ/∂x, ∂ℓ/∂γ and ∂ℓ/∂β for one application of the transform.
  public struct Gradients<T: Scalar> {
    public var input: Matrix<T>
    public var gamma: Matrix<T>
    public var beta: Matrix<T>

    @inlinable
    public init(input: Matrix<T>, gamma: Matrix<T>, beta: Matrix<T>) {
      self.input = input
      self.gamma = gamma
      self.beta = beta
    }
  }

  // MARK: Forward

  /// Training mode, Alg. 1: normalise each feature with its mini-batch mean and biased
  /// variance, then scale by γ and shift by β.
  @inlinable
  public static func forward<T: Scalar>(
    training x: Matrix<T>, gamma: Matrix<T>, beta: Matrix<T>, epsilon: T
  ) -> (output: Matrix<T>, cache: Cache<T>) {
    let (m, n) = (x.rows, x.cols)
    precondition(m > 0, "batch normalization needs at least one example")
    var mean = [T](repeating: 0, count: n)
    var variance = [T](repeating: 0, count: n)
    x.withUnsafeBufferPointer { xs in
      mean.withUnsafeMutableBufferPointer { mu in
        variance.withUnsafeMutableBufferPointer { sigma2 in
          // μ_B = (1/m) Σ_i x_i
          for i in 0..<m { for j in 0..<n { mu[j] += xs[i &* n &+ j] } }
          for j in 0..<n { mu[j] /= T(m) }
          // σ²_B = (1/m) Σ_i (x_i − μ_B)²   (two passes: no catastrophic cancellation)
          for i in 0..<m {
            for j in 0..<n {
              let d = xs[i &* n &+ j] - mu[j]
              sigma2[j] += d * d
            }
          }
          for j in 0..<n { sigma2[j] /= T(m) }
        }
      }
    }
    return normalize(
      x, mean: mean, variance: variance, gamma: gamma, beta: beta, epsilon: epsilon, mode: .training
    )
  }

  /// Inference mode, Alg. 2: the same transform with fixed population statistics, which
  /// makes it an affine map of each x alone (no dependence on the rest of the batch).
  @inlinable
  public static func forward<T: Scalar>(
    inference x: Matrix<T>, gamma: Matrix<T>, beta: Matrix<T>, population: PopulationStatistics
  ) -> (output: Matrix<T>, cache: Cache<T>) {
    precondition(
      population.features == x.cols,
      "population statistics for \(population.features) features, input has \(x.cols)")
    return normalize(
      x, mean: population.mean.map { T($0) }, variance: population.variance.map { T($0) },
      gamma: gamma, beta: beta, epsilon: T(population.convention.epsilon), mode: .inference)
  }

  @inlinable
  static func normalize<T: Scalar>(
    _ x: Matrix<T>, mean: [T], variance: [T], gamma: Matrix<T>, beta: Matrix<T>, epsilon: T,
    mode: Mode
  ) -> (output: Matrix<T>, cache: Cache<T>) {
    let (m, n) = (x.rows, x.cols)
    precondition(gamma.count == n && beta.count == n, "γ and β need \(n) features")
    let inverseStd = variance.map { 1 / ($0 + epsilon).squareRoot() }
    // Both outputs are written in full by one loop, so neither is zero-filled first.
    var normalized = Matrix<T>(rows: 0, cols: 0)
    let y = x.withUnsafeBufferPointer { xs in
      gamma.withUnsafeBufferPointer { g in
        beta.withUnsafeBufferPointer { b in
          mean.withUnsafeBufferPointer { mu in
            inverseStd.withUnsafeBufferPointer { s in
              Matrix<T>(rows: m, cols: n) { ys in
                normalized = Matrix<T>(rows: m, cols: n) { xh in
                  for i in 0..<m {
                    for j in 0..<n {
                      // x̂_i = (x_i − μ_B) / √(σ²_B + ε)
                      let h = (xs[i &* n &+ j] - mu[j]) * s[j]
                      xh[i &* n &+ j] = h
                      // y_i = γ x̂_i + β
                      ys[i &* n &+ j] = g[j] * h + b[j]
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    let cache = Cache(
      mode: mode, input: x, normalized: normalized, mean: mean, variance: variance,
      inverseStd: inverseStd, epsilon: epsilon)
    return (y, cache)
  }

  // MARK: Backward

  /// Dispatches on the cache's mode: in inference the statistics are constants.
  @inlinable
  public static func backward<T: Scalar>(
    _ dy: Matrix<T>, cache: Cache<T>, gamma: Matrix<T>, form: BackwardForm = .fused
  ) -> Gradients<T> {
    switch (cache.mode, form) {
    case (.inference, _): return backwardInference(dy, cache: cache, gamma: gamma)
    case (.training, .staged): return backwardStaged(dy, cache: cache, gamma: gamma)
    case (.training, .fused): return backwardFused(dy, cache: cache, gamma: gamma)
    }
  }

  /// ∂ℓ/∂γ = Σ_i ∂ℓ/∂y_i · x̂_i and ∂ℓ/∂β = Σ_i ∂ℓ/∂y_i: the two reductions every form needs.
  @inlinable
  static func parameterGradients<T: Scalar>(
    _ dy: Matrix<T>, normalized: Matrix<T>
  ) -> (gamma: Matrix<T>, beta: Matrix<T>) {
    let (m, n) = (dy.rows, dy.cols)
    var dGamma = Matrix<T>(rows: 1, cols: n)
    var dBeta = Matrix<T>(rows: 1, cols: n)
    dy.withUnsafeBufferPointer { d in
      normalized.withUnsafeBufferPointer { xh in
        dGamma.withUnsafeMutableBufferPointer { dg in
          dBeta.withUnsafeMutableBufferPointer { db in
            for i in 0..<m {
              for j in 0..<n {
                dg[j] += d[i &* n &+ j] * xh[i &* n &+ j]
                db[j] += d[i &* n &+ j]
              }
            }
          }
        }
      }
    }
    return (dGamma, dBeta)
  }

  /// The paper's six equations (§3), in the paper's order, one loop each.
  @inlinable
  public static func backwardStaged<T: Scalar>(
    _ dy: Matrix<T>, cache: Cache<T>, gamma: Matrix<T>
  ) -> Gradients<T> {
    let (m, n) = (dy.rows, dy.cols)
    let mT = T(m)
    // Per-feature constants: (σ²_B + ε)^(−1/2) and (σ²_B + ε)^(−3/2).
    let inverseStd = cache.inverseStd
    let inverseStdCubed = inverseStd.map { $0 * $0 * $0 }
    var dxhat = Matrix<T>(rows: m, cols: n)
    var dvar = [T](repeating: 0, count: n)
    var dmean = [T](repeating: 0, count: n)
    var centredSum = [T](repeating: 0, count: n)
    var dx = Matrix<T>(rows: m, cols: n)
    // Raw buffers throughout, like the fused form, so that a timing comparison of the two
    // measures the algorithms (five passes and a temporary vs three passes), not Swift arrays.
    dy.withUnsafeBufferPointer { d in
      cache.input.withUnsafeBufferPointer { x in
        gamma.withUnsafeBufferPointer { g in
          cache.mean.withUnsafeBufferPointer { mu in
            dxhat.withUnsafeMutableBufferPointer { dxh in
              dx.withUnsafeMutableBufferPointer { out in
                // ∂ℓ/∂x̂_i = ∂ℓ/∂y_i · γ
                for i in 0..<m { for j in 0..<n { dxh[i &* n &+ j] = d[i &* n &+ j] * g[j] } }
                // ∂ℓ/∂σ²_B = Σ_i ∂ℓ/∂x̂_i · (x_i − μ_B) · (−1/2)(σ²_B + ε)^(−3/2)
                for i in 0..<m {
                  for j in 0..<n { dvar[j] += dxh[i &* n &+ j] * (x[i &* n &+ j] - mu[j]) }
                }
                for j in 0..<n { dvar[j] *= -inverseStdCubed[j] / 2 }
                // ∂ℓ/∂μ_B = (Σ_i ∂ℓ/∂x̂_i · (−1/√(σ²_B + ε))) + ∂ℓ/∂σ²_B · (Σ_i −2(x_i − μ_B)) / m
                for i in 0..<m {
                  for j in 0..<n {
                    dmean[j] += dxh[i &* n &+ j] * -inverseStd[j]
                    centredSum[j] += -2 * (x[i &* n &+ j] - mu[j])
                  }
                }
                for j in 0..<n { dmean[j] += dvar[j] * centredSum[j] / mT }
                // ∂ℓ/∂x_i = ∂ℓ/∂x̂_i / √(σ²_B + ε) + ∂ℓ/∂σ²_B · 2(x_i − μ_B)/m + ∂ℓ/∂μ_B / m
                for i in 0..<m {
                  for j in 0..<n {
                    let k = i &* n &+ j
                    out[k] =
                      dxh[k] * inverseStd[j] + dvar[j] * 2 * (x[k] - mu[j]) / mT + dmean[j] / mT
                  }
                }
              }
            }
          }
        }
      }
    }
    // ∂ℓ/∂γ = Σ_i ∂ℓ/∂y_i · x̂_i,  ∂ℓ/∂β = Σ_i ∂ℓ/∂y_i
    let (dGamma, dBeta) = parameterGradients(dy, normalized: cache.normalized)
    return Gradients(input: dx, gamma: dGamma, beta: dBeta)
  }

  /// The same gradient after simplification (Chapter 2 derives it):
  /// ∂ℓ/∂x_i = γ/(m·√(σ²_B + ε)) · (m·∂ℓ/∂y_i − Σ_j ∂ℓ/∂y_j − x̂_i · Σ_j ∂ℓ/∂y_j · x̂_j).
  /// The two sums are exactly ∂ℓ/∂β and ∂ℓ/∂γ, so the whole backward is two reductions and
  /// one element-wise pass.
  @inlinable
  public static func backwardFused<T: Scalar>(
    _ dy: Matrix<T>, cache: Cache<T>, gamma: Matrix<T>
  ) -> Gradients<T> {
    let (m, n) = (dy.rows, dy.cols)
    let (dGamma, dBeta) = parameterGradients(dy, normalized: cache.normalized)
    // Per feature: k_j = γ_j / (m·√(σ²_j + ε))
    var scale = [T](repeating: 0, count: n)
    for j in 0..<n { scale[j] = gamma.storage[j] * cache.inverseStd[j] / T(m) }
    let mT = T(m)
    let dx = dy.withUnsafeBufferPointer { d in
      cache.normalized.withUnsafeBufferPointer { xh in
        dGamma.withUnsafeBufferPointer { dg in
          dBeta.withUnsafeBufferPointer { db in
            Matrix<T>(rows: m, cols: n) { out in
              for i in 0..<m {
                for j in 0..<n {
                  let k = i &* n &+ j
                  out[k] = scale[j] * (mT * d[k] - db[j] - xh[k] * dg[j])
                }
              }
            }
          }
        }
      }
    }
    return Gradients(input: dx, gamma: dGamma, beta: dBeta)
  }

  /// Inference: μ and σ² are constants, so BN is y = γ·x̂ + β with x̂ affine in x and
  /// ∂ℓ/∂x_i = ∂ℓ/∂y_i · γ / √(Var[x] + ε).
  @inlinable
  public static func backwardInference<T: Scalar>(
    _ dy: Matrix<T>, cache: Cache<T>, gamma: Matrix<T>
  ) -> Gradients<T> {
    let (m, n) = (dy.rows, dy.cols)
    let (dGamma, dBeta) = parameterGradients(dy, normalized: cache.normalized)
    var scale = [T](repeating: 0, count: n)
    for j in 0..<n { scale[j] = gamma.storage[j] * cache.inverseStd[j] }
    let dx = dy.withUnsafeBufferPointer { d in
      Matrix<T>(rows: m, cols: n) { out in
        for i in 0..<m { for j in 0..<n { out[i &* n &+ j] = d[i &* n &+ j] * scale[j] } }
      }
    }
    return Gradients(input: dx, gamma: dGamma, beta: dBeta)
  }
}
