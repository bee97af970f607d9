import Randomness
import Testing

@testable import Engine

/// One LSTM step's element-wise kernels against central finite differences in Double.
private let batch = 3
private let hidden = 4

@Suite("LSTM step kernels")
struct LSTMKernelTests {

  /// ℓ = Σ R_h ⊙ h_t + Σ R_c ⊙ c_t for fixed random R (c_t also flows to the next step).
  struct Step {
    let a = Parameter("ã", randomMatrix(batch, 4 * hidden, seed: 1, scale: 1.5) as Matrix<Double>)
    let previousCell = Parameter("c_{t−1}", randomMatrix(batch, hidden, seed: 2) as Matrix<Double>)
    let readoutH: Matrix<Double> = randomMatrix(batch, hidden, seed: 3)
    let readoutC: Matrix<Double> = randomMatrix(batch, hidden, seed: 4)
    let gates = Buffer<Double>(rows: batch, cols: 4 * hidden)
    let cell = Buffer<Double>(rows: batch, cols: hidden)
    let tanhCell = Buffer<Double>(rows: batch, cols: hidden)
    let h = Buffer<Double>(rows: batch, cols: hidden)

    func forward() -> Double {
      LSTMKernels.gatesAndCell(
        preactivation: a.valueView, previousCell: previousCell.valueView, gates: gates.view,
        cell: cell.view)
      LSTMKernels.output(
        gates: gates.view, cellOutput: cell.view, tanhCell: tanhCell.view, hidden: h.view)
      return h.matrix.dot(readoutH) + cell.matrix.dot(readoutC)
    }

    func backward() {
      _ = forward()
      let dc = Buffer<Double>(rows: batch, cols: hidden)
      readoutH.withView { dh in
        LSTMKernels.outputBackward(
          hiddenGradient: dh, gates: gates.view, tanhCell: tanhCell.view,
          gateGradient: a.gradientView, cellOutputGradient: dc.view)
      }
      // ∂ℓ/∂c_t = ∂ℓ/∂ĉ (through h) + R_c (directly)
      readoutC.withView { add($0, to: dc.view) }
      LSTMKernels.cellBackward(
        cellGradient: dc.view, gates: gates.view, previousCell: previousCell.valueView,
        gateGradient: a.gradientView, previousCellGradient: previousCell.gradientView)
    }
  }

  @Test("∂ℓ/∂ã (all four gates) and ∂ℓ/∂c_{t−1} match finite differences to 1e-8")
  func gradients() {
    let step = Step()
    let checks = checkGradients(
      of: [step.a, step.previousCell], loss: step.forward, gradients: step.backward)
    #expect(worst(checks) <= 1e-8, "\(checks)")
  }

  @Test("gate order i, f, o, g and c_t = f ⊙ c_{t−1} + i ⊙ g, h_t = o ⊙ tanh(c_t)")
  func forwardFormulas() {
    let step = Step()
    _ = step.forward()
    let (a, c0) = (step.a.value, step.previousCell.value)
    let h = hidden
    for b in 0..<batch {
      for j in 0..<h {
        let i = 1 / (1 + Double.exp(-a[b, j]))
        let f = 1 / (1 + Double.exp(-a[b, h + j]))
        let o = 1 / (1 + Double.exp(-a[b, 2 * h + j]))
        let g = Double.tanh(a[b, 3 * h + j])
        let c = f * c0[b, j] + i * g
        #expect(abs(step.cell.matrix[b, j] - c) < 1e-14)
        #expect(abs(step.h.matrix[b, j] - o * Double.tanh(c)) < 1e-14)
      }
    }
  }
}

@Suite("The authors' LSTM initialisation")
struct RecurrentInitializationTests {
  @Test("W_h: identity on the chosen gate, the other three blocks one orthogonal H×3H")
  func recurrentWeight() {
    var generator = RandomGenerator(seed: 8)
    let h = 5
    let w: Matrix<Double> = RecurrentInitialization.recurrentWeight(
      hidden: h, identityGate: .candidate, using: &generator)
    for r in 0..<h {
      for c in 0..<h { #expect(w[r, 3 * h + c] == (r == c ? 1 : 0)) }
    }
    // The i, f, o blocks side by side have orthonormal rows: W Wᵀ = I (H×H).
    let others = Matrix<Double>(
      rows: h, cols: 3 * h, (0..<h).flatMap { r in (0..<(3 * h)).map { w[r, $0] } })
    let gram = matmul(others, others, transposeB: true)
    for r in 0..<h {
      for c in 0..<h { #expect(abs(gram[r, c] - (r == c ? 1 : 0)) < 1e-12) }
    }
  }

  @Test("the bias is 1 on the forget gate only")
  func forgetBias() {
    let b: Matrix<Float> = RecurrentInitialization.bias(hidden: 3, forgetBias: 1)
    #expect(b == Matrix(row: [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]))
  }
}
