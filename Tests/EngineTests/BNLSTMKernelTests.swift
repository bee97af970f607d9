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
  static let (steps, batch, inputs, hidden) = (5, 4, 3, 6)

  @Test(
    "forward, population statistics and every gradient are bitwise the staged ones",
    arguments: [false, true], [false, true])
  func fusedEqualsStaged(double: Bool, masked: Bool) {
    if double {
      compare(Double.self, masked: masked)
    } else {
      compare(Float.self, masked: masked)
    }
  }

  func compare<T: Scalar>(_: T.Type, masked: Bool) {
    let (steps, batch) = (Self.steps, Self.batch)
    func makeLayer(staged: Bool) -> RecurrentLayer<T> {
      var generator = RandomGenerator(seed: 3)
      let configuration = RecurrentLayerConfiguration(
        cell: .lstm, inputs: Self.inputs, hidden: Self.hidden,
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
    let x: Matrix<T> = randomMatrix(steps * batch, Self.inputs, seed: 7)
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
            let h = layer.forward(
              xv, steps: steps, batch: batch, mask: masked ? m : nil, statistics: policy
            ).matrix
            tapes.append(
              layer.norms.map {
                ($0 as? StagedBatchNorm<T>)?.base ?? ($0 as! RecurrentBatchNorm<T>)
              }
              .filter { !$0.name.hasSuffix("bn_x") }.map(\.normalized.matrix))
            let dx = dy.withView { layer.backward($0, computesInputGradient: true) }!.matrix
            return [h, dx] + layer.parameters.map(\.gradient)
          }
        }
      }
      for (k, (a, b)) in zip(results[0], results[1]).enumerated() {
        #expect(bits(a) == bits(b), "\(policy), tensor \(k) differs")
      }
      #expect(tapes[0].count == 2 && tapes[1].count == 2)
      for (k, (a, b)) in zip(tapes[0], tapes[1]).enumerated() {
        #expect(bits(a) == bits(b), "\(policy), x̂ \(k) differs")
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
