import Randomness
import Testing

@testable import Engine

/// The BN-LSTM's fused kernels (`BNLSTMKernels`: BN_x's statistics-only forward and in-place
/// backward with ∂ℓ/∂b, BN_h plus the normalised input term, BN_c with the output, the fused
/// backward step) against the staged composition they replace, bit for bit.
///
/// The staged twin is the same layer, from the same seed, whose batch normalizations sit
/// behind a forwarding wrapper (`StagedBatchNorm`): the layer fuses only what it can see is a
/// `RecurrentBatchNorm`, so the twin runs `RecurrentBatchNorm.forward`, `addInputTermAndBias`,
/// `LSTMKernels` and `RecurrentBatchNorm.backward` one after the other, as before the fusion.
@Suite("BN-LSTM: fused kernels against the staged composition, bit for bit")
struct BNLSTMKernelTests {
  static let (steps, batch, hidden) = (5, 4, 6)

  /// Three inputs (x_t W_x by BLAS for all steps before the loop), one input and tokens (x_t
  /// W_x computed step by step in the loop, `stepwiseInputTerm`).
  enum Input: CaseIterable { case dense, single, tokens }

  @Test(
    "forward, population statistics and every gradient are bitwise the staged ones",
    arguments: [false, true], [false, true])
  func fusedEqualsStaged(double: Bool, masked: Bool) {
    for input in Input.allCases {
      if double {
        compare(Double.self, masked: masked, input: input)
      } else {
        compare(Float.self, masked: masked, input: input)
      }
    }
  }

  func compare<T: Scalar>(_: T.Type, masked: Bool, input: Input) {
    let (steps, batch) = (Self.steps, Self.batch)
    let inputs = input == .dense ? 3 : input == .single ? 1 : 5
    func makeLayer(staged: Bool) -> RecurrentLayer<T> {
      var generator = RandomGenerator(seed: 3)
      let configuration = RecurrentLayerConfiguration(
        cell: .lstm, inputs: inputs, hidden: Self.hidden, tokenInput: input == .tokens,
        normalization: .cooijmans(maxSteps: steps - 2), recurrentWeights: .identity,
        initialState: .learned, initialStateNoise: 0.1)
      let wrap: (RecurrentNormalizerRequest) -> any RecurrentNormalizer<T> = { request in
        let made: any RecurrentNormalizer<T> = request.normalization.normalizer.make(request)
        return StagedBatchNorm(made as! RecurrentBatchNorm<T>)
      }
      let layer = RecurrentLayer<T>(
        configuration, name: "layer", using: &generator, makeNormalizer: staged ? wrap : nil)
      // Random γ, β, weights: no term is the identity or zero by construction.
      for (k, p) in layer.parameters.enumerated() {
        let value: Matrix<T> = randomMatrix(
          p.rows, p.cols, seed: 60 + UInt64(k), scale: 0.5,
          offset: p.name.hasSuffix("γ") ? 1 : 0)
        p.value = value
      }
      return layer
    }
    let (fused, staged) = (makeLayer(staged: false), makeLayer(staged: true))
    #expect(fused.fusedTerms != nil && fused.fusedCellNorm != nil)
    #expect(staged.fusedTerms == nil && staged.fusedCellNorm == nil)
    #expect(fused.stepwiseInputTerm == (input != .dense) && !staged.stepwiseInputTerm)
    let x: Matrix<T> = randomMatrix(steps * batch, inputs, seed: 7)
    let tokens = (0..<steps * batch).map { ($0 * 7 + 3) % inputs }
    let dy: Matrix<T> = randomMatrix(steps * batch, Self.hidden, seed: 8)
    // Sequences of lengths 5, 3, 5, 2: padding rows at the ends of the short ones.
    let lengths = [5, 3, 5, 2]
    let mask: [T] = (0..<steps * batch).map { r in r / batch < lengths[r % batch] ? 1 : 0 }
    // Training (batch statistics tracked into the population), then population statistics.
    for policy in [StatisticsPolicy.batchAndTrack, .population] {
      // BN_h's and BN_c's x̂, as the forward pass left them: the fused backward pass writes
      // over BN_h's. (BN_x's is recomputed where it is read, not kept.)
      var tapes: [[Matrix<T>]] = []
      let results = [fused, staged].map { layer in
        mask.withUnsafeBufferPointer { m in
          x.withView { xv in
            let h =
              input == .tokens
              ? layer.forward(
                tokens: tokens, steps: steps, batch: batch, mask: masked ? m : nil,
                statistics: policy
              ).matrix
              : layer.forward(
                xv, steps: steps, batch: batch, mask: masked ? m : nil, statistics: policy
              ).matrix
            tapes.append(
              layer.norms.map {
                ($0 as? StagedBatchNorm<T>)?.base ?? ($0 as! RecurrentBatchNorm<T>)
              }
              .filter { !$0.name.hasSuffix("bn_x") }.map(\.normalized.matrix))
            let dx = dy.withView {
              layer.backward($0, computesInputGradient: input != .tokens)
            }
            return [h, dx?.matrix ?? Matrix(rows: 0, cols: 0)] + layer.parameters.map(\.gradient)
          }
        }
      }
      // Two sums add the same terms in another order: the fused step takes BN_x's backward
      // in the time loop, so ∂ℓ/∂γ_x and ∂ℓ/∂b add the steps from T down to 1, the staged
      // form from 1 up to T. Those two agree to rounding; every other tensor bit for bit.
      let names = ["h", "∂ℓ/∂x"] + fused.parameters.map(\.name)
      var reorderedTensors = 0
      for (k, (a, b)) in zip(results[0], results[1]).enumerated() {
        let reordered =
          policy.usesBatchStatistics && (names[k].hasSuffix("bn_x.γ") || names[k].hasSuffix(".b"))
        if reordered {
          reorderedTensors += 1
          let scale = b.storage.map { abs(Double($0)) }.max() ?? 0
          let worst = zip(a.storage, b.storage).map { abs(Double($0) - Double($1)) }.max() ?? 0
          let tolerance = (T.self == Float.self ? 1e-5 : 1e-13) * max(scale, 1)
          #expect(worst <= tolerance, "\(policy), \(input), \(names[k]) differs by \(worst)")
        } else {
          #expect(bits(a) == bits(b), "\(policy), \(input), \(names[k]) differs")
        }
      }
      #expect(reorderedTensors == (policy.usesBatchStatistics ? 2 : 0))
      #expect(tapes[0].count == 2 && tapes[1].count == 2)
      for (k, (a, b)) in zip(tapes[0], tapes[1]).enumerated() {
        #expect(bits(a) == bits(b), "\(policy), \(input), x̂ \(k) differs")
      }
      for (a, b) in zip(fused.batchNorms, staged.norms) {
        let b = (b as! StagedBatchNorm<T>).base
        #expect(a.population == b.population, "\(a.name)'s population differs")
      }
    }
  }

  func bits<T: Scalar>(_ m: Matrix<T>) -> [UInt8] {
    m.storage.withUnsafeBytes { Array($0) }
  }
}

/// A `RecurrentBatchNorm` behind another type: the layer runs it staged.
final class StagedBatchNorm<T: Scalar>: RecurrentNormalizer {
  let base: RecurrentBatchNorm<T>

  init(_ base: RecurrentBatchNorm<T>) { self.base = base }

  var name: String { base.name }
  var features: Int { base.features }
  var parameters: [Parameter<T>] { base.parameters }
  var shift: Parameter<T>? { base.shift }
  var inferenceStatistics: TimeStepStatistics? {
    get { base.inferenceStatistics }
    set { base.inferenceStatistics = newValue }
  }

  func begin(steps: Int, batch: Int, statistics: StatisticsPolicy) {
    base.begin(steps: steps, batch: batch, statistics: statistics)
  }

  func forward(
    step t: Int, _ x: MatrixView<T>, into y: MatrixView<T>, mask: UnsafeBufferPointer<T>?
  ) {
    base.forward(step: t, x, into: y, mask: mask)
  }

  func forwardAll(_ x: MatrixView<T>, into y: MatrixView<T>, mask: UnsafeBufferPointer<T>?) {
    base.forwardAll(x, into: y, mask: mask)
  }

  func backward(
    step t: Int, _ dy: MatrixView<T>, into dx: MatrixView<T>, mask: UnsafeBufferPointer<T>?
  ) {
    base.backward(step: t, dy, into: dx, mask: mask)
  }

  func backwardAll(_ dy: MatrixView<T>, into dx: MatrixView<T>, mask: UnsafeBufferPointer<T>?) {
    base.backwardAll(dy, into: dx, mask: mask)
  }
}
