import COpenBLAS
import Invariants
import Randomness

/// A tanh RNN or an LSTM run over a batch of sequences, with backpropagation through time
/// written out by hand, and every batch normalization of the two recurrent papers.
///
/// Sequences are time-major: row t·B + b of an input, output or gradient holds step t of
/// sequence b. The forward pass keeps a tape (gate activations, cells, hidden states and the
/// normalizations' x̂ of every step) in buffers sized once; the backward pass walks it from
/// the last step to the first. The matrix products that do not depend on the recurrence are
/// done for all steps at once — W_x x_t before the loop, ∂ℓ/∂W_h and ∂ℓ/∂W_x after it — and
/// only h_{t−1} W_h and its transpose run step by step.
///
/// Forward, step t (an LSTM; a tanh RNN has h_t = tanh(a_t) and no cell):
///
///     a_t = [BN](x_t W_x) + [BN](h_{t−1} W_h) + b     (where `normalization` says)
///     i, f, o = σ(a_i, a_f, a_o),  g = tanh(a_g)
///     c_t = f ⊙ c_{t−1} + i ⊙ g
///     h_t = o ⊙ tanh([BN](c_t))
///
/// Backward, step t, from ∂ℓ/∂h_t (the head's, plus what flows back from step t + 1) and
/// ∂ℓ/∂c_t from step t + 1: through the output, the cell and the gates to ∂ℓ/∂a_t; through the
/// normalizations; then ∂ℓ/∂h_{t−1} = ∂ℓ/∂(h_{t−1} W_h) · W_hᵀ and ∂ℓ/∂c_{t−1} = ∂ℓ/∂c_t ⊙ f.
public final class RecurrentLayer<T: Scalar> {
  /// How a forward pass begins.
  public enum Start: Sendable {
    /// From the initial state (zero or learned, plus noise if configured).
    case fresh
    /// From where the previous forward pass ended, `carriedState` (truncated BPTT over
    /// consecutive windows of a text: the state carries over, the gradient does not).
    case continuing
  }

  public let configuration: RecurrentLayerConfiguration
  public let name: String
  public let inputWeight: Parameter<T>
  public let recurrentWeight: Parameter<T>
  /// The gate bias b; nil where a normalization's β provides it.
  public let bias: Parameter<T>?
  public let initialHidden: Parameter<T>?
  public let initialCell: Parameter<T>?
  /// The normalization of the input term: Laurent et al.'s BN (with β) or Cooijmans et al.'s
  /// BN_x (without).
  public let inputNorm: (any RecurrentNormalizer<T>)?
  /// Of the recurrent term: Cooijmans et al.'s BN_h (no β).
  public let recurrentNorm: (any RecurrentNormalizer<T>)?
  /// Of the whole pre-activation (Laurent et al.'s naive BN; Cooijmans et al.'s Fig. 1 RNN).
  public let preactivationNorm: (any RecurrentNormalizer<T>)?
  /// Of the cell before its tanh: Cooijmans et al.'s BN_c.
  public let cellNorm: (any RecurrentNormalizer<T>)?
  /// Every parameter, each with its own name.
  public let parameters: [Parameter<T>]
  /// The normalizations this layer has.
  public let norms: [any RecurrentNormalizer<T>]
  /// The BN-LSTM's batch normalizations where the step runs them fused with what surrounds
  /// them (`BNLSTMKernels`): BN_x and BN_h added in one pass, BN_c with the output, and the
  /// backward step through h_t, BN_c, c_t and BN_h. nil where a term has another normaliser.
  @usableFromInline let fusedTerms:
    (input: RecurrentBatchNorm<T>, recurrent: RecurrentBatchNorm<T>)?
  @usableFromInline let fusedCellNorm: RecurrentBatchNorm<T>?
  /// Whether x_t W_x is computed step by step, where it is read, instead of for all steps
  /// before the loop: where it is read only in the loop (no normalization of it over all
  /// steps first, or BN_x fused with BN_h) and x_t W_x is a row of W_x (token inputs) or a
  /// row of W_x scaled by x_t (one input, as the pixel-by-pixel models have).
  /// Then the (T·B) × 4H input term (80 MB at T = 784) is never written to memory, nor read
  /// back from it twice; the rows are the same bits (a one-term product is rounded once).
  @usableFromInline let stepwiseInputTerm: Bool
  /// Its normalizations that are batch normalizations (all of them, in this book), for what
  /// only BN has: per-step populations, the last batch's statistics.
  public var batchNorms: [RecurrentBatchNorm<T>] {
    norms.compactMap { $0 as? RecurrentBatchNorm<T> }
  }
  /// Draws the initial-state noise; part of a checkpoint.
  public var noiseGenerator: RandomGenerator
  /// Record ‖∂ℓ/∂h_t‖ for every t in `hiddenGradientNorms` during the backward pass.
  public var recordsHiddenGradientNorms = false
  /// ‖∂ℓ/∂h_t‖ (Frobenius, over the batch), t = 1…T, of the last backward pass.
  public var hiddenGradientNorms: [Double] { gradientNorms }
  @usableFromInline var gradientNorms: [Double] = []

  // Shape of the current sequence batch.
  @usableFromInline var steps = 0
  @usableFromInline var batch = 0
  @usableFromInline var policy = StatisticsPolicy.batch
  @usableFromInline var mask: UnsafeBufferPointer<T>?
  @usableFromInline var startedFresh = true
  /// Whether a backward pass has written its gradients over this forward pass's tape.
  @usableFromInline var tapeSpent = false
  // The input: a dense view, or token ids.
  @usableFromInline var denseInput: MatrixView<T>?
  @usableFromInline var tokens: [Int] = []
  // The tape. States hold T + 1 steps: rows 0..<B are h_0, c_0.
  @usableFromInline let inputTerm = Buffer<T>()  // (T·B) × G: [BN](x_t W_x); B × G if stepwise
  @usableFromInline let gates = Buffer<T>()  // (T·B) × G: activations (LSTM) or pre-act.
  @usableFromInline let hiddens = Buffer<T>()  // ((T+1)·B) × H
  @usableFromInline let cells = Buffer<T>()  // ((T+1)·B) × H
  @usableFromInline let tanhCells = Buffer<T>()  // (T·B) × H: tanh(ĉ_t)
  @usableFromInline let preactivation = Buffer<T>()  // B × G, one step's a_t
  @usableFromInline let cellOutput = Buffer<T>()  // B × H, one step's ĉ_t
  // The state the last forward pass ended in, which a `.continuing` pass starts from.
  @usableFromInline let carriedHidden = Buffer<T>()
  @usableFromInline let carriedCell = Buffer<T>()
  // Backward buffers.
  // (The BN-LSTM's training writes these two over `gates` and BN_h's x̂.)
  @usableFromInline let preactivationGradient = Buffer<T>()  // (T·B) × G: ∂ℓ/∂a_t
  @usableFromInline let recurrentTermGradient = Buffer<T>()  // (T·B) × G: ∂ℓ/∂(h W_h)
  @usableFromInline let hiddenGradient = Buffer<T>()  // B × H: ∂ℓ/∂h_t
  @usableFromInline let nextHiddenGradient = Buffer<T>()  // B × H: from step t + 1
  @usableFromInline let cellGradient = Buffer<T>()  // B × H
  @usableFromInline let nextCellGradient = Buffer<T>()  // B × H
  @usableFromInline let inputGradient = Buffer<T>()  // (T·B) × I

  /// - Parameter makeNormalizer: makes the normaliser of each term the configuration
  ///   places one at; by default the configuration's kind (`Normalizer.make`).
  public init(
    _ configuration: RecurrentLayerConfiguration, name: String,
    using generator: inout RandomGenerator,
    makeNormalizer: ((RecurrentNormalizerRequest) -> any RecurrentNormalizer<T>)? = nil
  ) {
    self.configuration = configuration
    self.name = name
    let (h, g, n) = (configuration.hidden, configuration.gateWidth, configuration.normalization)
    let lstm = configuration.cell == .lstm
    inputWeight = Parameter(
      "\(name).Wx",
      configuration.inputWeights.matrix(rows: configuration.inputs, cols: g, using: &generator))
    let recurrent: Matrix<T> =
      switch (configuration.cell, configuration.recurrentWeights) {
      case (.lstm, .identity):
        RecurrentInitialization.recurrentWeight(
          hidden: h, identityGate: .candidate, using: &generator)
      case (.lstm, .orthogonal):
        RecurrentInitialization.recurrentWeight(hidden: h, identityGate: nil, using: &generator)
      case (.tanh, .identity): Initializer.identity.matrix(rows: h, cols: h, using: &generator)
      case (.tanh, .orthogonal):
        Initializer.orthogonal(gain: 1).matrix(rows: h, cols: h, using: &generator)
      case (_, .uniform(let limit)):
        Initializer.uniform(limit: limit).matrix(rows: h, cols: g, using: &generator)
      }
    recurrentWeight = Parameter("\(name).Wh", recurrent)
    let gateBias: Matrix<T> =
      lstm
      ? RecurrentInitialization.bias(hidden: h, forgetBias: configuration.forgetBias)
      : Matrix(rows: 1, cols: h)
    // A term's normaliser is named for its place (x, h, c; none for the whole
    // pre-activation) after its kind: "layer1.bn_h" for batch normalization.
    func norm(_ place: String?, features: Int, statistics: RecurrentStatistics, beta: Bool)
      -> any RecurrentNormalizer<T>
    {
      let term = n.normalizer.abbreviation + (place.map { "_" + $0 } ?? "")
      let request = RecurrentNormalizerRequest(
        name: "\(name).\(term)", features: features, statistics: statistics, hasShift: beta,
        normalization: n)
      return makeNormalizer?(request) ?? n.normalizer.make(request)
    }
    switch n.placement {
    case .none:
      (inputNorm, recurrentNorm, preactivationNorm) = (nil, nil, nil)
    case .input:
      inputNorm = norm("x", features: g, statistics: n.statistics, beta: true)
      (recurrentNorm, preactivationNorm) = (nil, nil)
    case .wholePreactivation:
      preactivationNorm = norm(nil, features: g, statistics: n.statistics, beta: true)
      (inputNorm, recurrentNorm) = (nil, nil)
    case .separate:
      inputNorm = norm("x", features: g, statistics: .perStep, beta: false)
      recurrentNorm = norm("h", features: g, statistics: .perStep, beta: false)
      preactivationNorm = nil
    }
    cellNorm =
      n.placement == .separate && lstm
      ? norm("c", features: h, statistics: .perStep, beta: true) : nil
    // Where a β follows the pre-activation's terms, it is the bias (and gets the forget bias).
    let betaCarriesBias = n.placement == .input || n.placement == .wholePreactivation
    bias = betaCarriesBias ? nil : Parameter("\(name).b", gateBias)
    if betaCarriesBias {
      let shift = (inputNorm ?? preactivationNorm)!.shift
      require(shift != nil, "\(name): the normaliser in the bias's place has no shift")
      shift!.value = gateBias
    }
    let learned = configuration.initialState == .learned
    initialHidden = learned ? Parameter("\(name).h0", Matrix(rows: 1, cols: h)) : nil
    initialCell = learned && lstm ? Parameter("\(name).c0", Matrix(rows: 1, cols: h)) : nil
    norms = [inputNorm, recurrentNorm, preactivationNorm, cellNorm].compactMap { $0 }
    if let input = inputNorm as? RecurrentBatchNorm<T>, input.beta == nil,
      input.statistics != .sequenceWise, let recurrent = recurrentNorm as? RecurrentBatchNorm<T>,
      preactivationNorm == nil, bias != nil
    {
      fusedTerms = (input, recurrent)
    } else {
      fusedTerms = nil
    }
    fusedCellNorm = cellNorm as? RecurrentBatchNorm<T>
    stepwiseInputTerm =
      (fusedTerms != nil || inputNorm == nil)
      && (configuration.tokenInput || configuration.inputs == 1)
    parameters =
      [inputWeight, recurrentWeight] + [bias, initialHidden, initialCell].compactMap { $0 }
      + norms.flatMap { $0.parameters }
    noiseGenerator = RandomGenerator(seed: generator.next())
  }

  @inlinable public var hidden: Int { configuration.hidden }
  @inlinable public var gateWidth: Int { configuration.gateWidth }
  @inlinable var isLSTM: Bool { configuration.cell == .lstm }

  // MARK: Forward

  /// Runs the layer over `steps` steps of a batch of `batch` sequences of dense inputs
  /// (`x` is (steps·batch) × inputs, time-major) and returns h_1 … h_T, (steps·batch) × H,
  /// a view into the layer's tape valid until the next forward. `x` and `mask` (one entry
  /// per row, 1 = a real frame, 0 = padding) must stay valid until `backward`.
  @inlinable
  @discardableResult
  public func forward(
    _ x: MatrixView<T>, steps: Int, batch: Int, mask: UnsafeBufferPointer<T>? = nil,
    statistics: StatisticsPolicy, start: Start = .fresh
  ) -> MatrixView<T> {
    require(!configuration.tokenInput, "\(name) takes token ids, not dense inputs")
    require(
      x.rows == steps * batch && x.cols == configuration.inputs,
      "\(name): \(steps) steps of \(batch) need a \(steps * batch)×\(configuration.inputs) input, got \(x.rows)×\(x.cols)"
    )
    denseInput = x
    begin(steps: steps, batch: batch, mask: mask, statistics: statistics, start: start)
    // W_x x_t for all steps in one product (or step by step, in the loop).
    if !stepwiseInputTerm { gemm(x, inputWeight.valueView, into: inputTerm.view) }
    return run()
  }

  /// The same for token inputs (one id per row, in 0..<inputs): W_x x_t is row x_t of W_x.
  @inlinable
  @discardableResult
  public func forward(
    tokens: [Int], steps: Int, batch: Int, mask: UnsafeBufferPointer<T>? = nil,
    statistics: StatisticsPolicy, start: Start = .fresh
  ) -> MatrixView<T> {
    require(configuration.tokenInput, "\(name) takes dense inputs, not token ids")
    require(
      tokens.count == steps * batch,
      "\(name): \(steps) steps of \(batch) need \(steps * batch) tokens, got \(tokens.count)")
    self.tokens = tokens
    denseInput = nil
    begin(steps: steps, batch: batch, mask: mask, statistics: statistics, start: start)
    for token in tokens {
      require(
        token >= 0 && token < configuration.inputs,
        "\(name): token \(token) outside 0..<\(configuration.inputs)")
    }
    if !stepwiseInputTerm { computeInputTerm(rows: 0..<steps * batch, into: inputTerm.view) }
    return run()
  }

  /// x_t W_x for the given rows of the input, into `out`: row x_t of W_x for a token, the
  /// product otherwise (by BLAS, or by hand for one input, where it is one multiplication).
  @inlinable
  func computeInputTerm(rows: Range<Int>, into out: MatrixView<T>) {
    let (w, g) = (inputWeight.valueView, gateWidth)
    if configuration.tokenInput {
      for (k, r) in rows.enumerated() { out.row(k).update(from: w.row(tokens[r]), count: g) }
      return
    }
    let x = denseInput!.rows(rows)
    guard configuration.inputs == 1 else { return gemm(x, w, into: out) }
    let w0 = w.row(0)
    for r in 0..<x.rows {
      let (xr, o) = (x.row(r)[0], out.row(r))
      // x_t W_x = x_t · (row 0 of W_x), one input
      for j in 0..<g { o[j] = xr * w0[j] }
    }
  }

  @inlinable
  func begin(
    steps: Int, batch: Int, mask: UnsafeBufferPointer<T>?, statistics: StatisticsPolicy,
    start: Start
  ) {
    require(steps >= 1 && batch >= 1, "\(name): \(steps) steps of batch \(batch)")
    if let mask {
      require(mask.count == steps * batch, "a mask of \(mask.count) for \(steps * batch) rows")
    }
    let continues = start == .continuing
    require(
      !continues || carriedHidden.rows == batch,
      "\(name) can continue only from a state of the same batch (\(carriedHidden.rows) rows, not \(batch))"
    )
    let (h, g) = (hidden, gateWidth)
    self.steps = steps
    self.batch = batch
    self.mask = mask
    policy = statistics
    startedFresh = !continues
    tapeSpent = false
    inputTerm.reshape(rows: stepwiseInputTerm ? batch : steps * batch, cols: g)
    gates.reshape(rows: steps * batch, cols: g)
    hiddens.reshape(rows: (steps + 1) * batch, cols: h)
    cells.reshape(rows: (steps + 1) * batch, cols: isLSTM ? h : 0)
    tanhCells.reshape(rows: steps * batch, cols: isLSTM ? h : 0)
    preactivation.reshape(rows: batch, cols: g)
    cellOutput.reshape(rows: batch, cols: h)
    for bn in norms { bn.begin(steps: steps, batch: batch, statistics: statistics) }
    if continues {
      // h_0, c_0 = where the last pass ended.
      hiddens.view.rows(0..<batch).copy(from: carriedHidden.view)
      if isLSTM { cells.view.rows(0..<batch).copy(from: carriedCell.view) }
    } else {
      setInitialState()
    }
  }

  /// h_0, c_0: zero or the learned rows, broadcast over the batch; noise on h_0 if asked.
  @inlinable
  func setInitialState() {
    let (h0, c0) = (hiddens.view.rows(0..<batch), cells.view.rows(0..<batch))
    for r in 0..<batch {
      if let initialHidden {
        h0.row(r).update(from: initialHidden.valueView.base, count: hidden)
      } else {
        h0.row(r).update(repeating: 0, count: hidden)
      }
      guard isLSTM else { continue }
      if let initialCell {
        c0.row(r).update(from: initialCell.valueView.base, count: hidden)
      } else {
        c0.row(r).update(repeating: 0, count: hidden)
      }
    }
    let noise = configuration.initialStateNoise
    if noise > 0 {
      for r in 0..<batch {
        let row = h0.row(r)
        for j in 0..<hidden { row[j] += T(noise * noiseGenerator.nextGaussian()) }
      }
    }
  }

  /// The time loop, once W_x x_t is in `inputTerm` for every step.
  @inlinable
  func run() -> MatrixView<T> {
    let b = batch
    // page-span: input term
    // The input term's normalization covers all steps before the loop, except where BN_h's
    // pass adds it: that pass takes its statistics and normalises x_t W_x step by step.
    // BN(x_t W_x; γ, β) for every t at once (x_t W_x is already in `inputTerm`)
    if fusedTerms == nil {
      inputNorm?.forwardAll(inputTerm.view, into: inputTerm.view, mask: mask)
    }
    // end page-span: input term
    let a = preactivation.view
    // page-span: forward step
    for t in 0..<steps {
      let rows = t * b..<(t + 1) * b
      let stepMask = mask.map { UnsafeBufferPointer(rebasing: $0[rows]) }
      let hPrevious = hiddens.view.rows(rows)
      // The rows step t writes into its tape: in cache by the end of the product below.
      if isLSTM { prefetchTape(step: t) }
      // a_t = h_{t−1} W_h
      gemm(hPrevious, recurrentWeight.valueView, into: a)
      // a_t ← [BN](h_{t−1} W_h; γ_h) + [BN](x_t W_x) + b
      addTerms(step: t, a, rows: rows, mask: stepMask)
      // a_t ← BN(a_t; γ, β)
      preactivationNorm?.forward(step: t, a, into: a, mask: stepMask)
      let hNext = hiddens.view.rows(rows.lowerBound + b..<rows.upperBound + b)
      if isLSTM {
        let (cPrevious, cNext) = (
          cells.view.rows(rows), cells.view.rows(rows.lowerBound + b..<rows.upperBound + b)
        )
        // i, f, o, g and c_t = f ⊙ c_{t−1} + i ⊙ g
        LSTMKernels.gatesAndCell(
          preactivation: a, previousCell: cPrevious, gates: gates.view.rows(rows), cell: cNext)
        // h_t = o ⊙ tanh(ĉ_t), ĉ_t = BN(c_t; γ_c, β_c) or c_t itself
        output(step: t, cell: cNext, rows: rows, hidden: hNext, mask: stepMask)
      } else {
        // h_t = tanh(a_t)
        activate(.tanh, a, into: hNext)
      }
    }
    // end page-span: forward step
    carriedHidden.reshape(rows: b, cols: hidden).copy(from: lastHidden)
    if isLSTM {
      carriedCell.reshape(rows: b, cols: hidden).copy(
        from: cells.view.rows(steps * b..<(steps + 1) * b))
    }
    return output
  }

  /// The state the last forward pass ended in (h_T, and c_T for an LSTM): what a
  /// `.continuing` pass starts from. Setting it (from a checkpoint) makes the next
  /// `.continuing` pass start there.
  public var carriedState: RecurrentState<T> {
    get {
      RecurrentState(hidden: carriedHidden.matrix, cell: isLSTM ? carriedCell.matrix : nil)
    }
    set {
      // A layer that has not run yet carries nothing (0 rows), and may be given nothing back.
      let empty = newValue.hidden.rows == 0 && (newValue.cell?.rows ?? 0) == 0
      require(
        empty || (newValue.hidden.cols == hidden && (newValue.cell == nil) == !isLSTM),
        "\(name): a carried state of \(newValue.hidden.cols) units for a layer of \(hidden)")
      if empty {
        carriedHidden.reshape(rows: 0, cols: 0)
        carriedCell.reshape(rows: 0, cols: 0)
        return
      }
      newValue.hidden.withView {
        carriedHidden.reshape(rows: $0.rows, cols: hidden).copy(from: $0)
      }
      newValue.cell?.withView { carriedCell.reshape(rows: $0.rows, cols: hidden).copy(from: $0) }
    }
  }

  /// a_t ← [BN](a_t; γ_h) + [BN](x_t W_x) + b, where `a` holds h_{t−1} W_h: one pass
  /// (`BNLSTMKernels.addNormalizedTerms`) where BN_x and BN_h are both batch normalizations,
  /// else BN_h's forward and then `addInputTermAndBias`.
  @inlinable
  func addTerms(step t: Int, _ a: MatrixView<T>, rows: Range<Int>, mask: UnsafeBufferPointer<T>?) {
    if let (input, recurrent) = fusedTerms {
      let term = stepInputTerm(rows)
      BNLSTMKernels.addNormalizedTerms(
        step: t, a, recurrent: recurrent, input: input, inputTerm: term,
        bias: bias?.valueView, mask: mask)
      return
    }
    recurrentNorm?.forward(step: t, a, into: a, mask: mask)
    addInputTermAndBias(stepInputTerm(rows), into: a, width: gateWidth)
  }

  /// x_t W_x of the given rows: computed now into the B × G buffer if stepwise, else a view
  /// of the rows computed before the loop.
  @inlinable
  func stepInputTerm(_ rows: Range<Int>) -> MatrixView<T> {
    guard stepwiseInputTerm else { return inputTerm.view.rows(rows) }
    computeInputTerm(rows: rows, into: inputTerm.view)
    return inputTerm.view
  }

  /// h_t = o ⊙ tanh(ĉ_t) from step t's gates and cells, with ĉ_t = BN(c_t; γ_c, β_c) (in one
  /// pass with the output, `BNLSTMKernels.normalizedOutput`, where BN_c is a batch
  /// normalization) or c_t itself.
  @inlinable
  func output(
    step t: Int, cell c: MatrixView<T>, rows: Range<Int>, hidden hNext: MatrixView<T>,
    mask: UnsafeBufferPointer<T>?
  ) {
    let (gatesT, tanhCell) = (gates.view.rows(rows), tanhCells.view.rows(rows))
    if let fusedCellNorm {
      BNLSTMKernels.normalizedOutput(
        step: t, cell: c, cellNorm: fusedCellNorm, gates: gatesT, cellOutput: cellOutput.view,
        tanhCell: tanhCell, hidden: hNext, mask: mask)
      return
    }
    var cHat = c
    if let cellNorm {
      cHat = cellOutput.view
      cellNorm.forward(step: t, c, into: cHat, mask: mask)
    }
    LSTMKernels.output(gates: gatesT, cellOutput: cHat, tanhCell: tanhCell, hidden: hNext)
  }

  /// a += x_term (+ b), one pass.
  @inlinable
  func addInputTermAndBias(_ term: MatrixView<T>, into a: MatrixView<T>, width g: Int) {
    if let bias {
      let b = bias.valueView.base
      for r in 0..<a.rows {
        let (out, x) = (a.row(r), term.row(r))
        for j in 0..<g { out[j] += x[j] + b[j] }
      }
    } else {
      add(term, to: a)
    }
  }

  /// h_1 … h_T of the last forward pass, (T·B) × H.
  @inlinable
  public var output: MatrixView<T> { hiddens.view.rows(batch..<(steps + 1) * batch) }

  /// h_T of the last forward pass, B × H (a classifier reads it).
  @inlinable
  public var lastHidden: MatrixView<T> { hiddens.view.rows(steps * batch..<(steps + 1) * batch) }

  /// c_t of the last forward pass, t = 1…T, (T·B) × H (LSTM only).
  public var cellStates: Matrix<T> { cells.view.rows(batch..<(steps + 1) * batch).matrix }

  // MARK: Backward

  /// Backpropagates through time from `hiddenGradient`, ∂ℓ/∂h_t for t = 1…T ((T·B) × H; zero
  /// where the loss does not read h_t), writing every parameter's gradient (overwriting).
  /// Returns ∂ℓ/∂x ((T·B) × inputs) if `computesInputGradient` (dense inputs only).
  @inlinable
  @discardableResult
  public func backward(_ outputGradient: MatrixView<T>, computesInputGradient: Bool = false)
    -> MatrixView<T>?
  {
    let (b, h, g) = (batch, hidden, gateWidth)
    require(
      outputGradient.rows == steps * b && outputGradient.cols == h,
      "\(name): ∂ℓ/∂h of \(outputGradient.rows)×\(outputGradient.cols), expected \(steps * b)×\(h)"
    )
    for p in parameters { p.zeroGradient() }
    // The BN-LSTM's step in three passes (training's batch statistics only), writing ∂ℓ/∂a_t
    // over the gates' tape and ∂ℓ/∂(h_{t−1} W_h) over BN_h's x̂ (`BNLSTMKernels.backwardStep`).
    var fusedStep:
      (
        cell: RecurrentBatchNorm<T>, recurrent: RecurrentBatchNorm<T>,
        input: RecurrentBatchNorm<T>, bias: Parameter<T>
      )?
    if policy.usesBatchStatistics, let fusedCellNorm, let (input, recurrent) = fusedTerms,
      let bias
    {
      fusedStep = (fusedCellNorm, recurrent, input, bias)
      require(!tapeSpent, "\(name): one backward pass per forward pass (the first spent the tape)")
      tapeSpent = true
    }
    let da =
      fusedStep != nil ? gates.view : preactivationGradient.reshape(rows: steps * b, cols: g)
    // ∂ℓ/∂(h_{t−1} W_h) is ∂ℓ/∂a_t (after the whole pre-activation's BN, if any) unless
    // BN_h stands between them.
    let dRecurrent =
      if let recurrent = fusedStep?.recurrent {
        recurrent.normalized.view
      } else {
        recurrentNorm != nil ? recurrentTermGradient.reshape(rows: steps * b, cols: g) : da
      }
    let dh = hiddenGradient.reshape(rows: b, cols: h)
    let dhNext = nextHiddenGradient.reshape(rows: b, cols: h)
    let dc = cellGradient.reshape(rows: b, cols: h)
    let dcNext = nextCellGradient.reshape(rows: b, cols: h)
    dhNext.fill(0)
    dcNext.fill(0)
    if recordsHiddenGradientNorms {
      gradientNorms = Array(repeating: 0, count: steps)
    }
    // page-span: backward step
    for t in stride(from: steps - 1, through: 0, by: -1) {
      let rows = t * b..<(t + 1) * b
      let stepMask = mask.map { UnsafeBufferPointer(rebasing: $0[rows]) }
      let daT = da.rows(rows)
      // ∂ℓ/∂h_t = what the loss reads + what step t + 1 sends back
      dh.copy(from: outputGradient.rows(rows))
      add(dhNext, to: dh)
      if recordsHiddenGradientNorms { gradientNorms[t] = Double(frobeniusNorm(dh)) }
      let dRecurrentT = dRecurrent.rows(rows)
      if let (cellNorm, recurrent, input, bias) = fusedStep {
        // the five lines below, then BN_h's and BN_x's backward, fused into three passes
        BNLSTMKernels.backwardStep(
          step: t, hiddenGradient: dh, gates: daT, tanhCell: tanhCells.view.rows(rows),
          previousCell: cells.view.rows(rows), cellNorm: cellNorm, recurrent: recurrent,
          input: input, inputTerm: stepInputTerm(rows), biasGradient: bias.gradientView,
          mask: stepMask, cellGradient: dc, nextCellGradient: dcNext)
      } else if isLSTM {
        let gatesT = gates.view.rows(rows)
        // through h_t = o ⊙ tanh(ĉ_t): ∂ℓ/∂ã_o and ∂ℓ/∂ĉ_t
        LSTMKernels.outputBackward(
          hiddenGradient: dh, gates: gatesT, tanhCell: tanhCells.view.rows(rows),
          gateGradient: daT, cellOutputGradient: dc)
        // through ĉ_t = BN(c_t)
        cellNorm?.backward(step: t, dc, into: dc, mask: stepMask)
        // ∂ℓ/∂c_t = through h_t + through c_{t+1}
        add(dcNext, to: dc)
        // through c_t = f ⊙ c_{t−1} + i ⊙ g: ∂ℓ/∂ã_{i,f,g} and ∂ℓ/∂c_{t−1}
        LSTMKernels.cellBackward(
          cellGradient: dc, gates: gatesT, previousCell: cells.view.rows(rows),
          gateGradient: daT, previousCellGradient: dcNext)
      } else {
        // through h_t = tanh(a_t)
        activationBackward(
          .tanh, dh, output: hiddens.view.rows(rows.lowerBound + b..<rows.upperBound + b),
          into: daT)
      }
      // through a_t = BN(a_t): ∂ℓ/∂(x_t W_x + h_{t−1} W_h), the same for both terms
      preactivationNorm?.backward(step: t, daT, into: daT, mask: stepMask)
      // through BN(h_{t−1} W_h; γ_h)
      if fusedStep == nil {
        recurrentNorm?.backward(step: t, daT, into: dRecurrentT, mask: stepMask)
      }
      // Step t − 1's tape comes from memory (the forward pass wrote it long ago): ask for
      // it now, to arrive during the product below.
      if isLSTM, t > 0 { prefetchTape(step: t - 1) }
      // ∂ℓ/∂h_{t−1} = ∂ℓ/∂(h_{t−1} W_h) · W_hᵀ
      gemm(dRecurrentT, recurrentWeight.valueView, into: dhNext, transposeB: true)
    }
    // end page-span: backward step
    // ∂ℓ/∂W_h = Σ_t h_{t−1}ᵀ ∂ℓ/∂(h_{t−1} W_h), all steps in one product
    gemm(
      hiddens.view.rows(0..<steps * b), dRecurrent, into: recurrentWeight.gradientView,
      transposeA: true)
    // The initial state (only when this pass started from it; a continued one is detached).
    if startedFresh {
      if let initialHidden { columnSums(of: dhNext, into: initialHidden.gradientView) }
      if let initialCell { columnSums(of: dcNext, into: initialCell.gradientView) }
    }
    // ∂ℓ/∂b and ∂ℓ/∂(x_t W_x) for all steps, unless the fused step took them in the loop:
    // through the input term's BN, or ∂ℓ/∂a itself. In place: ∂ℓ/∂a is not read again, and
    // writing over rows already in cache spares the memory traffic of a second (T·B) × 4H
    // buffer.
    let dInput = da
    if fusedStep == nil {
      if let input = fusedTerms?.input, let bias {
        // Where BN_h's pass normalised x_t W_x (here with population statistics), BN_x's
        // backward recomputes x̂_x from it, and takes ∂ℓ/∂b in the same pass over ∂ℓ/∂a. A
        // stepwise input term is computed for all steps for it.
        if stepwiseInputTerm {
          computeInputTerm(
            rows: 0..<steps * b, into: inputTerm.reshape(rows: steps * b, cols: g))
        }
        input.backwardAllInPlace(
          da, input: inputTerm.view, mask: mask, columnSums: bias.gradientView)
      } else {
        // ∂ℓ/∂b = Σ_{t, rows} ∂ℓ/∂a_t
        if let bias { columnSums(of: da, into: bias.gradientView) }
        inputNorm?.backwardAll(da, into: dInput, mask: mask)
      }
    }
    if let x = denseInput {
      // ∂ℓ/∂W_x = Xᵀ · ∂ℓ/∂(X W_x)
      gemm(x, dInput, into: inputWeight.gradientView, transposeA: true)
      guard computesInputGradient else { return nil }
      let dx = inputGradient.reshape(rows: steps * b, cols: configuration.inputs)
      gemm(dInput, inputWeight.valueView, into: dx, transposeB: true)
      return dx
    }
    // Token inputs: each row of ∂ℓ/∂(X W_x) adds into the row of W_x it read.
    let dw = inputWeight.gradientView
    for (r, token) in tokens.enumerated() {
      let (source, target) = (dInput.row(r), dw.row(token))
      for j in 0..<g { target[j] += source[j] }
    }
    return nil
  }
}

extension RecurrentLayer {
  /// Prefetches step t's rows of an LSTM's tape (its gates, tanh(ĉ_t), c_{t−1}, and BN_h's
  /// and BN_c's x̂ where the step is fused): the forward pass writes them, the backward pass
  /// reads them.
  @inlinable
  func prefetchTape(step t: Int) {
    let rows = t * batch..<(t + 1) * batch
    prefetch(gates.view.rows(rows))
    prefetch(tanhCells.view.rows(rows))
    prefetch(cells.view.rows(rows))
    if let fusedCellNorm { prefetch(fusedCellNorm.normalized.view.rows(rows)) }
    if let (_, recurrent) = fusedTerms { prefetch(recurrent.normalized.view.rows(rows)) }
  }

  @inlinable
  func prefetch(_ view: MatrixView<T>) {
    companion_prefetch(view.base, view.rows * view.stride * MemoryLayout<T>.stride)
  }
}

/// A recurrent layer's state between two passes: h (and c for an LSTM), one row per sequence.
public struct RecurrentState<T: Scalar>: Codable, Equatable, Sendable {
  public var hidden: Matrix<T>
  public var cell: Matrix<T>?

  public init(hidden: Matrix<T>, cell: Matrix<T>?) {
    self.hidden = hidden
    self.cell = cell
  }
}
