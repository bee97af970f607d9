import RealModule

/// Updates parameters from their gradients. Each optimizer keeps its per-parameter state
/// (velocities, squared-gradient averages) in the order the parameters are given, so pass
/// the same list, in the same order, at every step.
public protocol Optimizer<Element> {
  associatedtype Element: Scalar
  mutating func step(_ parameters: [Parameter<Element>])
  var learningRate: Double { get set }
}

/// Plain stochastic gradient descent: θ ← θ − η·g.
public struct SGD<Element: Scalar>: Optimizer {
  public var learningRate: Double

  public init(learningRate: Double) { self.learningRate = learningRate }

  @inlinable
  public mutating func step(_ parameters: [Parameter<Element>]) {
    let eta = Element(learningRate)
    for p in parameters {
      p.gradient.withUnsafeBufferPointer { g in
        p.value.withUnsafeMutableBufferPointer { w in
          // θ ← θ − η·g
          for i in w.indices { w[i] -= eta * g[i] }
        }
      }
    }
  }
}

/// SGD with (heavy-ball) momentum, PyTorch's form: v ← μ·v + g, θ ← θ − η·v.
public struct Momentum<Element: Scalar>: Optimizer {
  public var learningRate: Double
  public var momentum: Double
  @usableFromInline var velocity: [Matrix<Element>] = []

  public init(learningRate: Double, momentum: Double = 0.9) {
    self.learningRate = learningRate
    self.momentum = momentum
  }

  @inlinable
  public mutating func step(_ parameters: [Parameter<Element>]) {
    if velocity.isEmpty {
      velocity = parameters.map { Matrix(rows: $0.value.rows, cols: $0.value.cols) }
    }
    let (eta, mu) = (Element(learningRate), Element(momentum))
    for (k, p) in parameters.enumerated() {
      p.gradient.withUnsafeBufferPointer { g in
        velocity[k].withUnsafeMutableBufferPointer { v in
          p.value.withUnsafeMutableBufferPointer { w in
            for i in w.indices {
              // v ← μ·v + g
              v[i] = mu * v[i] + g[i]
              // θ ← θ − η·v
              w[i] -= eta * v[i]
            }
          }
        }
      }
    }
  }
}

/// RMSProp (Tieleman & Hinton 2012) with optional momentum on the scaled step, the form
/// Cooijmans et al. 2017 trained with (Blocks' RMSProp followed by Momentum):
/// s ← ρ·s + (1 − ρ)·g²,  v ← μ·v + η·g/(√s + ε),  θ ← θ − v.
public struct RMSProp<Element: Scalar>: Optimizer {
  public var learningRate: Double
  public var decay: Double
  public var momentum: Double
  public var epsilon: Double
  @usableFromInline var meanSquare: [Matrix<Element>] = []
  @usableFromInline var velocity: [Matrix<Element>] = []

  public init(
    learningRate: Double, decay: Double = 0.9, momentum: Double = 0, epsilon: Double = 1e-8
  ) {
    self.learningRate = learningRate
    self.decay = decay
    self.momentum = momentum
    self.epsilon = epsilon
  }

  @inlinable
  public mutating func step(_ parameters: [Parameter<Element>]) {
    if meanSquare.isEmpty {
      meanSquare = parameters.map { Matrix(rows: $0.value.rows, cols: $0.value.cols) }
      velocity = meanSquare
    }
    let (eta, rho, mu, eps) = (
      Element(learningRate), Element(decay), Element(momentum), Element(epsilon)
    )
    for (k, p) in parameters.enumerated() {
      p.gradient.withUnsafeBufferPointer { g in
        meanSquare[k].withUnsafeMutableBufferPointer { s in
          velocity[k].withUnsafeMutableBufferPointer { v in
            p.value.withUnsafeMutableBufferPointer { w in
              for i in w.indices {
                // s ← ρ·s + (1 − ρ)·g²
                s[i] = rho * s[i] + (1 - rho) * g[i] * g[i]
                // v ← μ·v + η·g/(√s + ε)
                v[i] = mu * v[i] + eta * g[i] / (s[i].squareRoot() + eps)
                // θ ← θ − v
                w[i] -= v[i]
              }
            }
          }
        }
      }
    }
  }
}

/// Adam (Kingma & Ba 2015) with bias correction:
/// m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  θ ← θ − η·m̂/(√v̂ + ε),
/// m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ).
public struct Adam<Element: Scalar>: Optimizer {
  public var learningRate: Double
  public var beta1: Double
  public var beta2: Double
  public var epsilon: Double
  @usableFromInline var firstMoment: [Matrix<Element>] = []
  @usableFromInline var secondMoment: [Matrix<Element>] = []
  @usableFromInline var t = 0

  public init(
    learningRate: Double, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8
  ) {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
  }

  @inlinable
  public mutating func step(_ parameters: [Parameter<Element>]) {
    if firstMoment.isEmpty {
      firstMoment = parameters.map { Matrix(rows: $0.value.rows, cols: $0.value.cols) }
      secondMoment = firstMoment
    }
    t += 1
    let b1 = Element(beta1)
    let b2 = Element(beta2)
    let eps = Element(epsilon)
    // The bias corrections fold into one step size: η·√(1−β₂ᵗ)/(1−β₁ᵗ) would change ε's
    // meaning, so we correct m and v separately, as the paper's Algorithm 1 does.
    let correction1 = Element(1 - Double.pow(beta1, Double(t)))
    let correction2 = Element(1 - Double.pow(beta2, Double(t)))
    let eta = Element(learningRate)
    for (k, p) in parameters.enumerated() {
      p.gradient.withUnsafeBufferPointer { g in
        firstMoment[k].withUnsafeMutableBufferPointer { m in
          secondMoment[k].withUnsafeMutableBufferPointer { v in
            p.value.withUnsafeMutableBufferPointer { w in
              for i in w.indices {
                m[i] = b1 * m[i] + (1 - b1) * g[i]
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                let mHat = m[i] / correction1
                let vHat = v[i] / correction2
                w[i] -= eta * mHat / (vHat.squareRoot() + eps)
              }
            }
          }
        }
      }
    }
  }
}

/// Rescales all gradients together so that their joint norm √(Σ‖g‖²) is at most `maxNorm`
/// (Pascanu et al. 2013), which keeps one exploding step from wrecking a recurrent net.
/// Returns the norm before clipping, worth logging.
@inlinable
@discardableResult
public func clipGradientNorm<T: Scalar>(_ parameters: [Parameter<T>], maxNorm: Double) -> Double {
  var total: Double = 0
  for p in parameters { total += Double(p.gradient.dot(p.gradient)) }
  let norm = total.squareRoot()
  if norm > maxNorm && norm.isFinite {
    let scale = T(maxNorm / norm)
    for p in parameters {
      p.gradient.withUnsafeMutableBufferPointer { g in for i in g.indices { g[i] *= scale } }
    }
  }
  return norm
}
