import Invariants

/// Layer normalization (Ba, Kiros & Hinton 2016) and its backward pass, as pure functions of a
/// B × n matrix: the readable face, like `BatchNormalization`'s, with the staged backward
/// written equation by equation as the reference twin of the fused kernel.
///
/// It is batch normalization's transform over the other axis. Each example (row) is
/// normalised by the mean and variance of its own n features, so nothing depends on the rest
/// of the batch, training and inference are the same computation, and there are no population
/// statistics to keep:
///
///     μ_i = (1/n) Σ_j x_ij,   σ²_i = (1/n) Σ_j (x_ij − μ_i)²,   x̂_ij = (x_ij − μ_i) / √(σ²_i + ε)
///     y_ij = γ_j x̂_ij + β_j
///
/// γ and β stay per feature, as in BN: they are what the layer learns, shared by all examples.
/// The kernels are `Normalization`'s, called with `over: .features`.
public enum LayerNormalization {
  /// What the forward pass remembers: x, x̂ and one μ, σ² and 1/√(σ² + ε) per example.
  public typealias Cache = Normalization.Cache

  /// Normalise each row over its features, then scale by γ and shift by β (both 1×n).
  @inlinable
  public static func forward<T: Scalar>(
    _ x: Matrix<T>, gamma: Matrix<T>, beta: Matrix<T>, epsilon: T
  ) -> (output: Matrix<T>, cache: Cache<T>) {
    require(x.cols > 0, "layer normalization needs at least one feature")
    var mean = Matrix<T>(rows: x.rows, cols: 1)
    var variance = Matrix<T>(rows: x.rows, cols: 1)
    var inverseStd = Matrix<T>(rows: x.rows, cols: 1)
    var normalized = Matrix<T>(rows: x.rows, cols: x.cols)
    var y = Matrix<T>(rows: x.rows, cols: x.cols)
    x.withView { x in
      mean.withMutableView { mean in
        variance.withMutableView { variance in
          inverseStd.withMutableView { s in
            gamma.withView { gamma in
              beta.withView { beta in
                normalized.withMutableView { normalized in
                  y.withMutableView { y in
                    Normalization.layerNormalize(
                      x, epsilon: epsilon, mean: mean, variance: variance, inverseStd: s,
                      gamma: gamma, beta: beta, normalized: normalized, output: y,
                      workspace: Normalization.Workspace())
                  }
                }
              }
            }
          }
        }
      }
    }
    let cache = Cache(
      usesBatchStatistics: true, input: x, normalized: normalized, mean: mean.storage,
      variance: variance.storage, inverseStd: inverseStd.storage)
    return (y, cache)
  }

  /// The fused backward, one call to the kernel:
  /// ∂ℓ/∂x_ij = s_i/n · (n·ĝ_ij − Σ_k ĝ_ik − x̂_ij · Σ_k ĝ_ik x̂_ik), with ĝ_ij = γ_j ∂ℓ/∂y_ij.
  @inlinable
  public static func backwardFused<T: Scalar>(
    _ dy: Matrix<T>, cache: Cache<T>, gamma: Matrix<T>
  ) -> Normalization.Gradients<T> {
    var dGamma = Matrix<T>(rows: 1, cols: dy.cols)
    var dBeta = Matrix<T>(rows: 1, cols: dy.cols)
    var dx = Matrix<T>(rows: dy.rows, cols: dy.cols)
    dy.withView { dy in
      cache.normalized.withView { normalized in
        Matrix(rows: dy.rows, cols: 1, cache.inverseStd).withView { s in
          gamma.withView { gamma in
            dGamma.withMutableView { dGamma in
              dBeta.withMutableView { dBeta in
                dx.withMutableView { dx in
                  Normalization.backward(
                    dy, over: .features, normalized: normalized, inverseStd: s, gamma: gamma,
                    inputGradient: dx, gammaGradient: dGamma, betaGradient: dBeta,
                    workspace: Normalization.Workspace(features: dy.cols))
                }
              }
            }
          }
        }
      }
    }
    return Normalization.Gradients(input: dx, gamma: dGamma, beta: dBeta)
  }

  /// Ioffe & Szegedy's six equations (§3) with every sum taken over the features of one
  /// example instead of over the batch, and γ_j inside the sums (it varies along them):
  ///
  ///     ∂ℓ/∂x̂_ij = ∂ℓ/∂y_ij · γ_j
  ///     ∂ℓ/∂σ²_i = Σ_j ∂ℓ/∂x̂_ij · (x_ij − μ_i) · (−1/2)(σ²_i + ε)^(−3/2)
  ///     ∂ℓ/∂μ_i = Σ_j ∂ℓ/∂x̂_ij · (−1/√(σ²_i + ε)) + ∂ℓ/∂σ²_i · Σ_j −2(x_ij − μ_i) / n
  ///     ∂ℓ/∂x_ij = ∂ℓ/∂x̂_ij / √(σ²_i + ε) + ∂ℓ/∂σ²_i · 2(x_ij − μ_i)/n + ∂ℓ/∂μ_i / n
  ///     ∂ℓ/∂γ_j = Σ_i ∂ℓ/∂y_ij · x̂_ij,   ∂ℓ/∂β_j = Σ_i ∂ℓ/∂y_ij
  @inlinable
  public static func backwardStaged<T: Scalar>(
    _ dy: Matrix<T>, cache: Cache<T>, gamma: Matrix<T>
  ) -> Normalization.Gradients<T> {
    let (m, n) = (dy.rows, dy.cols)
    let nT = T(n)
    var dx = Matrix<T>(rows: m, cols: n)
    var dGamma = Matrix<T>(rows: 1, cols: n)
    var dBeta = Matrix<T>(rows: 1, cols: n)
    for i in 0..<m {
      let (mu, s) = (cache.mean[i], cache.inverseStd[i])
      // ∂ℓ/∂x̂_ij = ∂ℓ/∂y_ij · γ_j
      let dxhat = (0..<n).map { dy[i, $0] * gamma[0, $0] }
      // ∂ℓ/∂σ²_i = Σ_j ∂ℓ/∂x̂_ij · (x_ij − μ_i) · (−1/2)(σ²_i + ε)^(−3/2)
      var dvar: T = 0
      for j in 0..<n { dvar += dxhat[j] * (cache.input[i, j] - mu) }
      dvar *= -s * s * s / 2
      // ∂ℓ/∂μ_i = Σ_j ∂ℓ/∂x̂_ij · (−1/√(σ²_i + ε)) + ∂ℓ/∂σ²_i · Σ_j −2(x_ij − μ_i) / n
      var (dmean, centredSum): (T, T) = (0, 0)
      for j in 0..<n {
        dmean += dxhat[j] * -s
        centredSum += -2 * (cache.input[i, j] - mu)
      }
      dmean += dvar * centredSum / nT
      // ∂ℓ/∂x_ij = ∂ℓ/∂x̂_ij / √(σ²_i + ε) + ∂ℓ/∂σ²_i · 2(x_ij − μ_i)/n + ∂ℓ/∂μ_i / n
      for j in 0..<n {
        dx[i, j] = dxhat[j] * s + dvar * 2 * (cache.input[i, j] - mu) / nT + dmean / nT
      }
      // ∂ℓ/∂γ_j = Σ_i ∂ℓ/∂y_ij · x̂_ij,  ∂ℓ/∂β_j = Σ_i ∂ℓ/∂y_ij
      for j in 0..<n {
        dGamma[0, j] += dy[i, j] * cache.normalized[i, j]
        dBeta[0, j] += dy[i, j]
      }
    }
    return Normalization.Gradients(input: dx, gamma: dGamma, beta: dBeta)
  }
}
