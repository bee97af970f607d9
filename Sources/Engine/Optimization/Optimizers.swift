import Invariants
import RealModule

/// Updates parameters from their gradients.
///
/// Optimizers with memory (velocities, squared-gradient averages) keep it per parameter
/// *name*, not per position in a list: passing the parameters in another order cannot mix
/// two parameters' velocities, state of the wrong shape for its parameter is an error that
/// names both, and the state is `Codable`, so a checkpoint saves it and a resumed run
/// continues from exactly where it stopped.
public protocol Optimizer<Element>: Codable, Sendable {
  associatedtype Element: Scalar
  mutating func step(_ parameters: [Parameter<Element>])
  var learningRate: Double { get set }
}

/// One tensor of optimizer state per parameter, by name, created as zeros the first time
/// the parameter is seen.
public struct NamedState<T: Scalar>: Codable, Equatable, Sendable {
  /// The state of each parameter, by name.
  public var tensors: [String: Matrix<T>] { stored }
  @usableFromInline var stored: [String: Matrix<T>] = [:]

  public init() {}

  /// Runs `body` on the raw state of `parameter` (`parameter.count` elements).
  @inlinable
  public mutating func withState<R>(
    for parameter: Parameter<T>, _ body: (UnsafeMutablePointer<T>) -> R
  ) -> R {
    if let existing = stored[parameter.name] {
      require(
        existing.rows == parameter.rows && existing.cols == parameter.cols,
        "optimizer state of \(parameter.name) is \(existing.rows)×\(existing.cols), the parameter is \(parameter.rows)×\(parameter.cols)"
      )
    } else {
      stored[parameter.name] = Matrix(rows: parameter.rows, cols: parameter.cols)
    }
    return stored[parameter.name]!.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
  }
}

/// Plain stochastic gradient descent: θ ← θ − η·g.
public struct SGD<Element: Scalar>: Optimizer {
  public var learningRate: Double

  public init(learningRate: Double) { self.learningRate = learningRate }

  @inlinable
  public mutating func step(_ parameters: [Parameter<Element>]) {
    let eta = Element(learningRate)
    for p in parameters {
      let (w, g) = (p.valueView.base, p.gradientView.base)
      // θ ← θ − η·g
      for i in 0..<p.count { w[i] -= eta * g[i] }
    }
  }
}

/// SGD with (heavy-ball) momentum, PyTorch's form: v ← μ·v + g, θ ← θ − η·v.
public struct Momentum<Element: Scalar>: Optimizer {
  public var learningRate: Double
  public var momentum: Double
  /// Per-parameter state, by name (a checkpoint saves it).
  public var velocity = NamedState<Element>()

  public init(learningRate: Double, momentum: Double = 0.9) {
    self.learningRate = learningRate
    self.momentum = momentum
  }

  @inlinable
  public mutating func step(_ parameters: [Parameter<Element>]) {
    let (eta, mu) = (Element(learningRate), Element(momentum))
    for p in parameters {
      let (w, g) = (p.valueView.base, p.gradientView.base)
      velocity.withState(for: p) { v in
        for i in 0..<p.count {
          // v ← μ·v + g
          v[i] = mu * v[i] + g[i]
          // θ ← θ − η·v
          w[i] -= eta * v[i]
        }
      }
    }
  }
}

/// RMSProp (Tieleman & Hinton 2012): a step scaled by a running root mean square of the
/// gradient, s ← ρ·s + (1 − ρ)·g², then θ ← θ − v with v ← μ·v + η·g/D, where the divisor D
/// comes in two forms that differ only when s is tiny:
/// - `.epsilon(ε)`: D = √s + ε, the form of PyTorch's `RMSprop` and most papers;
/// - `.maxScaling(c)`: D = max(√s, 1/c), the form of Blocks' `RMSProp` (c = 10⁵ by default),
///   which Cooijmans et al. 2017's code trained with (see `cooijmans`).
/// μ = 0 is plain RMSProp; μ > 0 adds momentum on the scaled step (Blocks' `Momentum` after
/// `RMSProp`, as the paper's text describes; the authors' script has it commented out).
public struct RMSProp<Element: Scalar>: Optimizer {
  public enum Divisor: Codable, Equatable, Sendable {
    case epsilon(Double)
    case maxScaling(Double)
  }

  public var learningRate: Double
  public var decay: Double
  public var momentum: Double
  public var divisor: Divisor
  /// Per-parameter state, by name (a checkpoint saves it).
  public var meanSquare = NamedState<Element>()
  /// Per-parameter state, by name (a checkpoint saves it).
  public var velocity = NamedState<Element>()

  public init(
    learningRate: Double, decay: Double = 0.9, momentum: Double = 0,
    divisor: Divisor = .epsilon(1e-8)
  ) {
    self.learningRate = learningRate
    self.decay = decay
    self.momentum = momentum
    self.divisor = divisor
  }

  /// The authors' sequential-MNIST setting (sequential_mnist.py): Blocks' RMSProp at rate
  /// 1e-3 with decay rate 0.5 and its default max_scaling 10⁵, no momentum.
  public static func cooijmans(learningRate: Double = 1e-3) -> RMSProp {
    RMSProp(learningRate: learningRate, decay: 0.5, momentum: 0, divisor: .maxScaling(1e5))
  }

  @inlinable
  public mutating func step(_ parameters: [Parameter<Element>]) {
    let (eta, rho, mu) = (Element(learningRate), Element(decay), Element(momentum))
    let (epsilon, floor): (Element, Element) =
      switch divisor {
      case .epsilon(let e): (Element(e), 0)
      case .maxScaling(let c): (0, Element(1 / c))
      }
    for p in parameters {
      let (w, g) = (p.valueView.base, p.gradientView.base)
      meanSquare.withState(for: p) { s in
        velocity.withState(for: p) { v in
          for i in 0..<p.count {
            // s ← ρ·s + (1 − ρ)·g²
            s[i] = rho * s[i] + (1 - rho) * g[i] * g[i]
            // D = √s + ε, or max(√s, 1/c)
            let d = Swift.max(s[i].squareRoot(), floor) + epsilon
            // v ← μ·v + η·g/D
            v[i] = mu * v[i] + eta * g[i] / d
            // θ ← θ − v
            w[i] -= v[i]
          }
        }
      }
    }
  }
}

/// Adam (Kingma & Ba 2015) with bias correction:
/// m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,  θ ← θ − η·m̂/(√v̂ + ε),
/// m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ). The step count t is part of the state.
public struct Adam<Element: Scalar>: Optimizer {
  public var learningRate: Double
  public var beta1: Double
  public var beta2: Double
  public var epsilon: Double
  /// Per-parameter state, by name (a checkpoint saves it).
  public var firstMoment = NamedState<Element>()
  /// Per-parameter state, by name (a checkpoint saves it).
  public var secondMoment = NamedState<Element>()
  /// Steps taken so far, t.
  public var steps: Int { stepCount }
  @usableFromInline var stepCount = 0

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
    stepCount += 1
    let b1 = Element(beta1)
    let b2 = Element(beta2)
    let eps = Element(epsilon)
    // The bias corrections fold into one step size: η·√(1−β₂ᵗ)/(1−β₁ᵗ) would change ε's
    // meaning, so we correct m and v separately, as the paper's Algorithm 1 does.
    let correction1 = Element(1 - Double.pow(beta1, Double(stepCount)))
    let correction2 = Element(1 - Double.pow(beta2, Double(stepCount)))
    let eta = Element(learningRate)
    for p in parameters {
      let (w, g) = (p.valueView.base, p.gradientView.base)
      firstMoment.withState(for: p) { m in
        secondMoment.withState(for: p) { v in
          for i in 0..<p.count {
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

/// Rescales all gradients together so that their joint norm √(Σ‖g‖²) is at most `maxNorm`
/// (Pascanu et al. 2013), which keeps one exploding step from wrecking a recurrent net.
/// Returns the norm before clipping, worth logging. A non-finite norm (an inf or NaN in some
/// gradient) is returned and nothing is rescaled: scaling by maxNorm/∞ would silently zero
/// every gradient, hiding the problem the caller must see.
@inlinable
@discardableResult
public func clipGradientNorm<T: Scalar>(_ parameters: [Parameter<T>], maxNorm: Double) -> Double {
  var total: Double = 0
  for p in parameters {
    let g = p.gradientView.base
    var sum: T = 0
    for i in 0..<p.count { sum += g[i] * g[i] }
    total += Double(sum)
  }
  let norm = total.squareRoot()
  if norm > maxNorm && norm.isFinite {
    let scale = T(maxNorm / norm)
    for p in parameters {
      let g = p.gradientView.base
      for i in 0..<p.count { g[i] *= scale }
    }
  }
  return norm
}
