import Invariants

/// Batch normalization of one term of a recurrent layer, at every time step of a batch of
/// sequences: Cooijmans et al.'s BN_x, BN_h and BN_c, Laurent et al.'s input-to-hidden BN
/// and their naive normalization of the whole pre-activation all compose from it.
///
/// γ (and β, if any) are shared by all time steps; what differs between the variants is which
/// rows a set of statistics is computed over, and which population inference uses:
///
/// | `Statistics`     | training: statistics of              | inference: population     |
/// |------------------|--------------------------------------|---------------------------|
/// | `.perStep`       | step t's B rows                      | step t's (T_max's beyond) |
/// | `.shared`        | step t's B rows                      | one for all steps         |
/// | `.sequenceWise`  | all T·B rows at once (input term)    | one for all steps         |
///
/// Rows whose mask entry is 0 (padding past the end of a shorter sequence) count in no
/// statistic and get no gradient. The forward pass keeps x̂ and 1/√(σ² + ε) of every step
/// (its tape) for the backward pass, in buffers sized on the first batch.
///
/// A recurrent layer calls it through `RecurrentNormalizer`, i.e. unspecialised; the entry
/// points carry specialisations for `Float` and `Double` (`@_specialize`), so those calls
/// still run the kernels compiled for the type — without them a BN-LSTM trained ten times
/// slower, its kernels going through value witnesses element by element.
public final class RecurrentBatchNorm<T: Scalar> {
  public typealias Statistics = RecurrentStatistics

  public let name: String
  public let statistics: Statistics
  public let features: Int
  public let gamma: Parameter<T>
  /// nil for Cooijmans et al.'s recurrent and input terms, whose shift the LSTM's bias gives.
  public let beta: Parameter<T>?
  /// Per step (T_max of them) for `.perStep`, one otherwise. Assigning is noticed.
  public var population: TimeStepStatistics {
    didSet { populationScalarsAreStale = true }
  }

  // The tape: x̂ of every row, and the statistics each step was normalised with.
  @usableFromInline let normalized = Buffer<T>()
  @usableFromInline let stepMeans = Buffer<T>()
  @usableFromInline let stepVariances = Buffer<T>()
  @usableFromInline let stepInverseStd = Buffer<T>()
  @usableFromInline let populationMeans = Buffer<T>()
  @usableFromInline let populationInverseStd = Buffer<T>()
  @usableFromInline var populationScalarsAreStale = true
  @usableFromInline let workspace: Normalization.Workspace<T>
  @usableFromInline var policy = StatisticsPolicy.batch
  @usableFromInline var batch = 0

  public init(
    name: String, features: Int, statistics: Statistics, maxSteps: Int,
    initialGamma: T, hasBeta: Bool, convention: BatchNormConvention
  ) {
    self.name = name
    self.features = features
    self.statistics = statistics
    gamma = Parameter("\(name).γ", Matrix(rows: 1, cols: features, repeating: initialGamma))
    beta = hasBeta ? Parameter("\(name).β", Matrix(rows: 1, cols: features)) : nil
    population = TimeStepStatistics(
      features: features, maxSteps: statistics == .perStep ? maxSteps : 1,
      convention: convention)
    workspace = Normalization.Workspace(features: features)
  }

  public var parameters: [Parameter<T>] { [gamma] + (beta.map { [$0] } ?? []) }
  @inlinable var epsilon: T { T(population.convention.epsilon) }

  /// Sizes the tape for `steps` steps of `batch` rows and fixes the policy for this sequence.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  @inlinable
  public func begin(steps: Int, batch: Int, statistics policy: StatisticsPolicy) {
    self.policy = policy
    self.batch = batch
    normalized.reshape(rows: steps * batch, cols: features)
    let statisticRows = statistics == .sequenceWise ? 1 : steps
    stepMeans.reshape(rows: statisticRows, cols: features)
    stepVariances.reshape(rows: statisticRows, cols: features)
    stepInverseStd.reshape(rows: statisticRows, cols: features)
    if !policy.usesBatchStatistics { refreshPopulationScalars() }
  }

  /// Normalises step t's rows `x` (B × n) into `y` (which may be `x`): statistics of these
  /// rows, or the population's for step t.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  @inlinable
  public func forward(
    step t: Int, _ x: MatrixView<T>, into y: MatrixView<T>, mask: UnsafeBufferPointer<T>? = nil
  ) {
    require(statistics != .sequenceWise, "sequence-wise statistics cover all steps at once")
    require(
      x.rows == batch && x.cols == features,
      "\(name): step \(t) given \(x.rows)×\(x.cols), expected \(batch)×\(features)")
    let rows = t * batch..<(t + 1) * batch
    normalize(x, into: y, tape: rows, statisticRow: t, populationStep: t, mask: mask)
  }

  /// Normalises all `steps` steps at once: per step (frame-wise) or, for `.sequenceWise`,
  /// over all unmasked frames together. `x` and `y` are (steps · B) × n, time-major.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  @inlinable
  public func forwardAll(
    _ x: MatrixView<T>, into y: MatrixView<T>, mask: UnsafeBufferPointer<T>? = nil
  ) {
    let steps = x.rows / Swift.max(batch, 1)
    require(
      x.rows == normalized.rows && x.cols == features && y.rows == x.rows && y.cols == features,
      "\(name): all steps given \(x.rows)×\(x.cols) into \(y.rows)×\(y.cols), expected \(normalized.rows)×\(features) (\(tapeSteps) steps of \(batch))"
    )
    // page-span: input term's statistics
    if statistics == .sequenceWise {
      // Sequence-wise: μ = (1/n) Σ_b Σ_{t ≤ T_b} x_{b,t} over every real frame, one statistic
      normalize(x, into: y, tape: 0..<x.rows, statisticRow: 0, populationStep: 0, mask: mask)
      return
    }
    // Frame-wise: μ_t = (1/B) Σ_b x_{b,t}, one statistic per step
    for t in 0..<steps {
      let rows = t * batch..<(t + 1) * batch
      forward(
        step: t, x.rows(rows), into: y.rows(rows),
        mask: mask.map { UnsafeBufferPointer(rebasing: $0[rows]) })
    }
    // end page-span: input term's statistics
  }

  @inlinable
  func normalize(
    _ x: MatrixView<T>, into y: MatrixView<T>, tape rows: Range<Int>, statisticRow: Int,
    populationStep: Int, mask: UnsafeBufferPointer<T>?
  ) {
    let (mean, s) = statistics(
      of: x, statisticRow: statisticRow, populationStep: populationStep, mask: mask)
    Normalization.normalize(
      x, mean: mean, inverseStd: s, gamma: gamma.valueView, beta: beta?.valueView,
      normalized: normalized.view.rows(rows), output: y)
  }

  /// The μ and s = 1/√(σ² + ε) that normalise `x`, the rows of one statistic: this batch's
  /// (kept on the tape, and tracked into the population if the policy says so) or the
  /// population's for `populationStep`.
  @inlinable
  func statistics(
    of x: MatrixView<T>, statisticRow: Int, populationStep: Int, mask: UnsafeBufferPointer<T>?
  ) -> (mean: MatrixView<T>, inverseStd: MatrixView<T>) {
    let s = stepInverseStd.view.rows(statisticRow..<statisticRow + 1)
    guard policy.usesBatchStatistics else {
      let stored = statistics == .perStep ? population.index(populationStep) : 0
      let populationS = populationInverseStd.view.rows(stored..<stored + 1)
      s.copy(from: populationS)
      return (populationMeans.view.rows(stored..<stored + 1), populationS)
    }
    let (mu, sigma2) = (
      stepMeans.view.rows(statisticRow..<statisticRow + 1),
      stepVariances.view.rows(statisticRow..<statisticRow + 1)
    )
    let counted = Normalization.moments(
      of: x, mask: mask, mean: mu, variance: sigma2, workspace: workspace)
    Normalization.inverseStandardDeviation(of: sigma2, epsilon: epsilon, into: s)
    if policy == .batchAndTrack && counted > 0 {
      population.update(
        step: statistics == .perStep ? populationStep : 0, batchMean: mu, batchVariance: sigma2,
        batchSize: counted)
    }
    return (mu, s)
  }

  /// ∂ℓ/∂x of step t from ∂ℓ/∂y (B × n) into `dx` (which may be `dy`), adding this step's
  /// ∂ℓ/∂γ and ∂ℓ/∂β into the parameters' gradients (zero them once per sequence).
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  @inlinable
  public func backward(
    step t: Int, _ dy: MatrixView<T>, into dx: MatrixView<T>,
    mask: UnsafeBufferPointer<T>? = nil
  ) {
    require(statistics != .sequenceWise, "sequence-wise statistics cover all steps at once")
    require(
      t >= 0 && (t + 1) * batch <= normalized.rows,
      "\(name): backward of step \(t), but the forward pass ran \(tapeSteps) steps")
    require(
      dy.rows == batch && dy.cols == features && dx.rows == batch && dx.cols == features,
      "\(name): step \(t) backward given \(dy.rows)×\(dy.cols) ∂ℓ/∂y into \(dx.rows)×\(dx.cols), expected \(batch)×\(features)"
    )
    let rows = t * batch..<(t + 1) * batch
    backward(dy, into: dx, tape: rows, statisticRow: t, mask: mask)
  }

  /// The backward pass of `forwardAll`.
  @_specialize(where T == Float)
  @_specialize(where T == Double)
  @inlinable
  public func backwardAll(
    _ dy: MatrixView<T>, into dx: MatrixView<T>, mask: UnsafeBufferPointer<T>? = nil
  ) {
    // ∂ℓ/∂y must cover the whole tape: fewer rows would take γ's gradient from part of it.
    require(
      dy.rows == normalized.rows && dy.cols == features && dx.rows == dy.rows
        && dx.cols == features,
      "\(name): all steps' backward given \(dy.rows)×\(dy.cols) ∂ℓ/∂y into \(dx.rows)×\(dx.cols) for a forward pass of \(normalized.rows)×\(features) (\(tapeSteps) steps of \(batch))"
    )
    if let mask {
      require(mask.count == dy.rows, "\(name): a mask of \(mask.count) for \(dy.rows) rows")
    }
    if statistics == .sequenceWise {
      backward(dy, into: dx, tape: 0..<dy.rows, statisticRow: 0, mask: mask)
      return
    }
    for t in 0..<dy.rows / Swift.max(batch, 1) {
      let rows = t * batch..<(t + 1) * batch
      backward(
        step: t, dy.rows(rows), into: dx.rows(rows),
        mask: mask.map { UnsafeBufferPointer(rebasing: $0[rows]) })
    }
  }

  /// Steps on the tape of the last forward pass.
  @inlinable var tapeSteps: Int { normalized.rows / Swift.max(batch, 1) }

  @inlinable
  func backward(
    _ dy: MatrixView<T>, into dx: MatrixView<T>, tape rows: Range<Int>, statisticRow: Int,
    mask: UnsafeBufferPointer<T>?
  ) {
    Normalization.backward(
      dy, normalized: normalized.view.rows(rows),
      inverseStd: stepInverseStd.view.rows(statisticRow..<statisticRow + 1),
      gamma: gamma.valueView, mask: mask, batchStatistics: policy.usesBatchStatistics,
      inputGradient: dx, gammaGradient: gamma.gradientView, betaGradient: beta?.gradientView,
      workspace: workspace)
  }

  /// μ and 1/√(σ² + ε) of every stored step in `T`, converted once per change.
  @usableFromInline
  func refreshPopulationScalars() {
    guard populationScalarsAreStale else { return }
    let steps = population.maxSteps
    let (mean, s) = (
      populationMeans.reshape(rows: steps, cols: features),
      populationInverseStd.reshape(rows: steps, cols: features)
    )
    for t in 0..<steps {
      let step = population[t]
      for j in 0..<features {
        mean[t, j] = T(step.mean[j])
        s[t, j] = 1 / (T(step.variance[j]) + epsilon).squareRoot()
      }
    }
    populationScalarsAreStale = false
  }

  /// The statistics of step t of the last forward pass (for a figure of how they settle).
  public func lastStatistics(step t: Int) -> (mean: [T], variance: [T]) {
    let row = statistics == .sequenceWise ? 0 : t
    return (
      stepMeans.view.rows(row..<row + 1).matrix.storage,
      stepVariances.view.rows(row..<row + 1).matrix.storage
    )
  }
}

/// Which rows a recurrent batch normalization's statistics cover.
public enum RecurrentStatistics: String, Codable, Sendable, CaseIterable {
  /// Separate statistics for every time step (Cooijmans et al. 2017, §3; Laurent et al.'s
  /// frame-wise normalization of the input term).
  case perStep
  /// Batch statistics at every step in training, but one population for all steps at
  /// inference (Laurent et al.'s naive hidden-to-hidden normalization).
  case shared
  /// One set of statistics over all frames of all sequences (Laurent et al.'s sequence-wise
  /// normalization; only for a term that can be computed for all steps before the loop).
  case sequenceWise
}

extension RecurrentBatchNorm: RecurrentNormalizer {
  public typealias Value = T

  public var shift: Parameter<T>? { beta }

  /// The population: per step up to T_max, or one for all steps.
  public var inferenceStatistics: TimeStepStatistics? {
    get { population }
    set {
      guard let newValue else { return }
      require(
        newValue.features == features && newValue.maxSteps == population.maxSteps,
        "population of \(name) has the wrong shape")
      population = newValue
    }
  }
}
