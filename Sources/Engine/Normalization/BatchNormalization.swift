import Invariants
import RealModule

/// The Batch Normalizing Transform (Ioffe & Szegedy 2015, Alg. 1) and its backward pass,
/// as pure functions of a mini-batch: one row per example, one column per feature.
///
/// This file is the readable face: matrices in, matrices out, and the paper's staged
/// backward written equation by equation — the reference twin that the fast kernels
/// (NormalizationKernels.swift: moments, normalize, backward on views) are tested against.
/// Chapters 1 and 2 use these functions; the `BatchNorm` layer and the recurrent layers call
/// the kernels directly on their preallocated buffers.
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

  /// What the forward pass remembers for the backward pass (`Normalization.Cache`).
  public typealias Cache = Normalization.Cache
  /// ∂ℓ/∂x, ∂ℓ/∂γ and ∂ℓ/∂β for one application of the transform.
  public typealias Gradients = Normalization.Gradients

  // MARK: Forward

  /// Training mode, Alg. 1: normalise each feature with its mini-batch mean and biased
  /// variance, then scale by γ and shift by β.
  @inlinable
  public static func forward<T: Scalar>(
    training x: Matrix<T>, gamma: Matrix<T>, beta: Matrix<T>, epsilon: T
  ) -> (output: Matrix<T>, cache: Cache<T>) {
    require(x.rows > 0, "batch normalization needs at least one example")
    var mean = Matrix<T>(rows: 1, cols: x.cols)
    var variance = Matrix<T>(rows: 1, cols: x.cols)
    x.withView { x in
      mean.withMutableView { mean in
        variance.withMutableView { variance in
          _ = Normalization.moments(
            of: x, mean: mean, variance: variance,
            workspace: Normalization.Workspace(features: x.cols))
        }
      }
    }
    return normalizeMatrices(
      x, mean: mean, variance: variance, gamma: gamma, beta: beta, epsilon: epsilon,
      usesBatchStatistics: true)
  }

  /// Inference mode, Alg. 2: the same transform with fixed population statistics, which
  /// makes it an affine map of each x alone (no dependence on the rest of the batch).
  @inlinable
  public static func forward<T: Scalar>(
    inference x: Matrix<T>, gamma: Matrix<T>, beta: Matrix<T>, population: PopulationStatistics
  ) -> (output: Matrix<T>, cache: Cache<T>) {
    require(
      population.features == x.cols,
      "population statistics for \(population.features) features, input has \(x.cols)")
    return normalizeMatrices(
      x, mean: Matrix(row: population.mean.map { T($0) }),
      variance: Matrix(row: population.variance.map { T($0) }),
      gamma: gamma, beta: beta, epsilon: T(population.convention.epsilon),
      usesBatchStatistics: false)
  }

  @inlinable
  static func normalizeMatrices<T: Scalar>(
    _ x: Matrix<T>, mean: Matrix<T>, variance: Matrix<T>, gamma: Matrix<T>, beta: Matrix<T>,
    epsilon: T, usesBatchStatistics: Bool
  ) -> (output: Matrix<T>, cache: Cache<T>) {
    var inverseStd = Matrix<T>(rows: 1, cols: x.cols)
    var normalized = Matrix<T>(rows: x.rows, cols: x.cols)
    var y = Matrix<T>(rows: x.rows, cols: x.cols)
    variance.withView { variance in
      inverseStd.withMutableView { s in
        Normalization.inverseStandardDeviation(of: variance, epsilon: epsilon, into: s)
      }
    }
    x.withView { x in
      mean.withView { mean in
        inverseStd.withView { s in
          gamma.withView { gamma in
            beta.withView { beta in
              normalized.withMutableView { normalized in
                y.withMutableView { y in
                  Normalization.normalize(
                    x, mean: mean, inverseStd: s, gamma: gamma, beta: beta,
                    normalized: normalized, output: y)
                }
              }
            }
          }
        }
      }
    }
    let cache = Cache(
      usesBatchStatistics: usesBatchStatistics, input: x, normalized: normalized,
      mean: mean.storage, variance: variance.storage, inverseStd: inverseStd.storage)
    return (y, cache)
  }

  // MARK: Backward

  /// The backward pass of a forward call: the staged or fused form in training, the
  /// constant-statistics form in inference.
  @inlinable
  public static func backward<T: Scalar>(
    _ dy: Matrix<T>, cache: Cache<T>, gamma: Matrix<T>, form: BackwardForm = .fused
  ) -> Gradients<T> {
    if cache.usesBatchStatistics && form == .staged {
      return backwardStaged(dy, cache: cache, gamma: gamma)
    }
    var dGamma = Matrix<T>(rows: 1, cols: dy.cols)
    var dBeta = Matrix<T>(rows: 1, cols: dy.cols)
    // dx is written in full by the kernel, so it is not zero-filled first.
    let dx = Matrix<T>(rows: dy.rows, cols: dy.cols) { out in
      let dx = MatrixView(
        base: out.baseAddress ?? emptyViewStorage.assumingMemoryBound(to: T.self), rows: dy.rows,
        cols: dy.cols)
      dy.withView { dy in
        cache.normalized.withView { normalized in
          Matrix(row: cache.inverseStd).withView { s in
            gamma.withView { gamma in
              dGamma.withMutableView { dGamma in
                dBeta.withMutableView { dBeta in
                  Normalization.backward(
                    dy, normalized: normalized, inverseStd: s, gamma: gamma,
                    batchStatistics: cache.usesBatchStatistics, inputGradient: dx,
                    gammaGradient: dGamma, betaGradient: dBeta,
                    workspace: Normalization.Workspace(features: dy.cols))
                }
              }
            }
          }
        }
      }
    }
    let gradients = Gradients(input: dx, gamma: dGamma, beta: dBeta)
    return gradients
  }

  /// The simplified gradient (Chapter 2 derives it), one call to the `backward` kernel:
  /// ∂ℓ/∂x_i = γ/(m·√(σ²_B + ε)) · (m·∂ℓ/∂y_i − Σ_j ∂ℓ/∂y_j − x̂_i · Σ_j ∂ℓ/∂y_j · x̂_j).
  /// The two sums are exactly ∂ℓ/∂β and ∂ℓ/∂γ, so the whole backward is two reductions and
  /// one element-wise pass.
  @inlinable
  public static func backwardFused<T: Scalar>(
    _ dy: Matrix<T>, cache: Cache<T>, gamma: Matrix<T>
  ) -> Gradients<T> {
    require(cache.usesBatchStatistics, "the fused form is the training-mode backward")
    return backward(dy, cache: cache, gamma: gamma, form: .fused)
  }

  /// ∂ℓ/∂γ = Σ_i ∂ℓ/∂y_i · x̂_i and ∂ℓ/∂β = Σ_i ∂ℓ/∂y_i, as the staged form computes them.
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
}
