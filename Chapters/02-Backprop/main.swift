/*:
 # Chapter 2 — Backpropagation through the batch

 > "During training we need to backpropagate the gradient of loss ℓ through this
 > transformation, as well as compute the gradients with respect to the parameters of the
 > BN transform." — Ioffe & Szegedy 2015, §3

 In an ordinary layer each example's output depends on that example's input only. In a
 batch-normalised layer every output depends on *every* input of the batch, through
 $\mu_\mathcal{B}$ and $\sigma^2_\mathcal{B}$. The gradient has to flow back through the
 statistics too, and that is what makes the backward pass interesting. This chapter derives it
 the paper's way (the chain rule node by node, six equations), simplifies it to the form
 production libraries compute (two reductions), checks both against finite differences, reads
 off the properties the algebra implies, and times the two forms.

 All gradient checks run in `Double`, where central differences are accurate to about
 $10^{-10}$; the engine's code is generic, so the very same kernels run in `Float` in training.
 The chapter needs no data set and runs in seconds (`swift run -c release ch02-backprop`).

 This page is `main.swift`: the derivation, the experiments and the claims. The tools it
 calls live beside it, off the page: random matrices and formatting in
 [Support.swift](Support.swift), the finite-difference check in
 [GradientCheck.swift](GradientCheck.swift), the two identities of §4 in
 [Properties.swift](Properties.swift), the timing loop in [Timing.swift](Timing.swift), the
 printed tables in [Report.swift](Report.swift) and the figures in
 [Figures.swift](Figures.swift).
 */
import Companion
import Engine
import Foundation
import Invariants
import Plot
import Randomness

let chapter = Chapter(number: 2)

/*:
 ## 1. The computation graph and the chain rule, node by node

 For one feature over a batch of $m$ examples, Algorithm 1 is a small graph. Every arrow is a
 dependency, drawn for one example $i$ (the batch's other $x_j$ feed $\mu_\mathcal{B}$ and
 $\sigma^2_\mathcal{B}$ the same way, and $\mu_\mathcal{B}$, $\sigma^2_\mathcal{B}$, $\gamma$,
 $\beta$ feed every $\hat x_j$ and $y_j$); the loss $\ell$ sees only the outputs $y_i$.

 ```
 x_i ─────────────────────────────────────┐
  │                                       ▼
  ├─────────► μ_B ─────────────────────► x̂_i ─────► y_i = γ x̂_i + β ─────► ℓ
  │            │                          ▲                ▲   ▲
  │            ▼                          │                γ   β
  └─────────► σ²_B ───────────────────────┘
 ```

 Five arrows touch the statistics: $x_i \to \mu_\mathcal{B}$,
 $x_i \to \sigma^2_\mathcal{B}$ and $\mu_\mathcal{B} \to \sigma^2_\mathcal{B}$ (the variance
 is taken around the mean), then $\mu_\mathcal{B} \to \hat x_i$ and
 $\sigma^2_\mathcal{B} \to \hat x_i$, beside the direct $x_i \to \hat x_i$.

 $x_i$ reaches the loss along three paths: directly through $x_i - \mu_\mathcal{B}$ in
 $\hat x_i$; through $\mu_\mathcal{B}$ (which every $\hat x_j$ uses); and through
 $\sigma^2_\mathcal{B}$ (which every $\hat x_j$ uses). Backpropagation visits the nodes in
 reverse order and, at each node, sums over the arrows leaving it.

 **Node $y_i = \gamma\hat x_i + \beta$.** $\partial y_i/\partial \hat x_i = \gamma$, and
 $\gamma$, $\beta$ are shared by all $i$, so their gradients sum over the batch:

 $$\frac{\partial \ell}{\partial \hat x_i} = \frac{\partial \ell}{\partial y_i}\,\gamma, \qquad
   \frac{\partial \ell}{\partial \gamma} = \sum_{i=1}^m \frac{\partial \ell}{\partial y_i}\,\hat x_i, \qquad
   \frac{\partial \ell}{\partial \beta} = \sum_{i=1}^m \frac{\partial \ell}{\partial y_i}.$$

 **Node $\sigma^2_\mathcal{B}$.** Every $\hat x_i = (x_i-\mu_\mathcal{B})(\sigma^2_\mathcal{B}+\epsilon)^{-1/2}$
 depends on it, with $\partial \hat x_i/\partial\sigma^2_\mathcal{B} = (x_i - \mu_\mathcal{B})\cdot(-\tfrac12)(\sigma^2_\mathcal{B}+\epsilon)^{-3/2}$:

 $$\frac{\partial \ell}{\partial \sigma^2_\mathcal{B}} = \sum_{i=1}^m \frac{\partial \ell}{\partial \hat x_i}\,(x_i - \mu_\mathcal{B})\cdot\frac{-1}{2}\,(\sigma^2_\mathcal{B}+\epsilon)^{-3/2}.$$

 **Node $\mu_\mathcal{B}$.** It feeds every $\hat x_i$ (derivative $-1/\sqrt{\sigma^2_\mathcal{B}+\epsilon}$)
 and $\sigma^2_\mathcal{B} = \frac1m\sum_i (x_i-\mu_\mathcal{B})^2$ (derivative $\frac1m\sum_i -2(x_i-\mu_\mathcal{B})$):

 $$\frac{\partial \ell}{\partial \mu_\mathcal{B}} = \left(\sum_{i=1}^m \frac{\partial \ell}{\partial \hat x_i}\cdot\frac{-1}{\sqrt{\sigma^2_\mathcal{B}+\epsilon}}\right) + \frac{\partial \ell}{\partial \sigma^2_\mathcal{B}}\cdot\frac{\sum_{i=1}^m -2(x_i-\mu_\mathcal{B})}{m}.$$

 **Node $x_i$.** Three arrows leave it: into $\hat x_i$ (derivative $1/\sqrt{\sigma^2_\mathcal{B}+\epsilon}$),
 into $\sigma^2_\mathcal{B}$ (derivative $2(x_i-\mu_\mathcal{B})/m$) and into $\mu_\mathcal{B}$ (derivative $1/m$):

 $$\frac{\partial \ell}{\partial x_i} = \frac{\partial \ell}{\partial \hat x_i}\cdot\frac{1}{\sqrt{\sigma^2_\mathcal{B}+\epsilon}} + \frac{\partial \ell}{\partial \sigma^2_\mathcal{B}}\cdot\frac{2(x_i-\mu_\mathcal{B})}{m} + \frac{\partial \ell}{\partial \mu_\mathcal{B}}\cdot\frac1m .$$

 These are the six equations of §3 of the paper, in its order. Here they are as code, for one
 feature (a column of the batch), one line per equation, written for reading rather than speed.
 The engine's `BatchNormalization.backwardStaged` is the same computation over all features at
 once, on raw buffers; we check below that the two agree.
 */

/// The paper's backward pass for one feature: x is the batch's column, dy = ∂ℓ/∂y.
func paperBackward(x: [Double], dy: [Double], gamma: Double, epsilon: Double) -> (
  dx: [Double], dGamma: Double, dBeta: Double
) {
  let m = Double(x.count)
  // Forward quantities: μ_B, σ²_B, x̂
  let mu = x.reduce(0, +) / m
  let sigma2 = x.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / m
  let xhat = x.map { ($0 - mu) / (sigma2 + epsilon).squareRoot() }
  // ∂ℓ/∂x̂_i = ∂ℓ/∂y_i · γ
  let dxhat = dy.map { $0 * gamma }
  // ∂ℓ/∂σ²_B = Σ_i ∂ℓ/∂x̂_i · (x_i − μ_B) · (−1/2)(σ²_B + ε)^(−3/2)
  let dsigma2 =
    zip(dxhat, x).map { $0 * ($1 - mu) }.reduce(0, +) * (-0.5)
    * pow(sigma2 + epsilon, -1.5)
  // ∂ℓ/∂μ_B = (Σ_i ∂ℓ/∂x̂_i · (−1/√(σ²_B + ε))) + ∂ℓ/∂σ²_B · (Σ_i −2(x_i − μ_B)) / m
  let dmu =
    dxhat.map { $0 * (-1 / (sigma2 + epsilon).squareRoot()) }.reduce(0, +)
    + dsigma2 * x.map { -2 * ($0 - mu) }.reduce(0, +) / m
  // ∂ℓ/∂x_i = ∂ℓ/∂x̂_i / √(σ²_B + ε) + ∂ℓ/∂σ²_B · 2(x_i − μ_B)/m + ∂ℓ/∂μ_B / m
  let dx = zip(dxhat, x).map { dxh, xi in
    dxh / (sigma2 + epsilon).squareRoot() + dsigma2 * 2 * (xi - mu) / m + dmu / m
  }
  // ∂ℓ/∂γ = Σ_i ∂ℓ/∂y_i · x̂_i,  ∂ℓ/∂β = Σ_i ∂ℓ/∂y_i
  let dGamma = zip(dy, xhat).map { $0 * $1 }.reduce(0, +)
  let dBeta = dy.reduce(0, +)
  return (dx, dGamma, dBeta)
}

/*:
 A batch to work on: $m = 32$ examples of 6 features with very different means and spreads,
 γ and β away from their initial values, and an upstream gradient $\partial\ell/\partial y$
 drawn at random (any values will do: the backward pass is linear in them).
 */
var dataRNG = chapter.makeGenerator("batch")
let m = 32
let n = 6
let spreads: [Double] = [0.3, 1, 2, 5, 0.05, 10]
let batch = Matrix<Double>(rows: m, cols: n) { x in
  for i in 0..<m {
    for j in 0..<n { x[i * n + j] = Double(j) - 2 + spreads[j] * dataRNG.nextGaussian() }
  }
}
let gamma = gaussianMatrix(1, n, scale: 0.5, offset: 1, using: &dataRNG)
let beta = gaussianMatrix(1, n, using: &dataRNG)
let upstream = gaussianMatrix(m, n, using: &dataRNG)
let epsilon = BatchNormConvention.paper.epsilon

let (_, cache) = BatchNormalization.forward(
  training: batch, gamma: gamma, beta: beta, epsilon: epsilon)
let staged = BatchNormalization.backwardStaged(upstream, cache: cache, gamma: gamma)
let fused = BatchNormalization.backwardFused(upstream, cache: cache, gamma: gamma)

// The chapter's per-feature version, column by column, assembled into a matrix.
var literate = Matrix<Double>(rows: m, cols: n)
for j in 0..<n {
  let result = paperBackward(
    x: batch.column(j), dy: upstream.column(j), gamma: gamma[0, j], epsilon: epsilon)
  for i in 0..<m { literate[i, j] = result.dx[i] }
}
let literateVsStaged = relativeDifference(literate, staged.input)
chapter.say(
  "chapter's six equations vs engine backwardStaged: max relative difference \(formatted(literateVsStaged, "%.2e"))"
)
chapter.claim(
  "the six equations above and the engine's staged backward agree (Double, max relative difference)",
  paper: "Ioffe & Szegedy 2015, §3", measured: literateVsStaged, format: "%.1e",
  threshold: "≤ 1e-12", holds: literateVsStaged <= 1e-12, kind: .check)

/*:
 ## 2. Simplify: two reductions

 The staged form makes five passes over the batch and computes $\partial\ell/\partial\mu_\mathcal{B}$
 with a term that is always zero. Write $s = \sqrt{\sigma^2_\mathcal{B}+\epsilon}$, so
 $x_i - \mu_\mathcal{B} = s\,\hat x_i$, and simplify each equation in turn.

 *Step 1, $\partial\ell/\partial\sigma^2_\mathcal{B}$.* Substituting $x_i-\mu_\mathcal{B} = s\hat x_i$:
 $$\frac{\partial \ell}{\partial \sigma^2_\mathcal{B}} = -\frac{1}{2s^3}\sum_j \frac{\partial \ell}{\partial \hat x_j}\, s\,\hat x_j = -\frac{1}{2s^2}\sum_j \frac{\partial \ell}{\partial \hat x_j}\,\hat x_j .$$

 *Step 2, $\partial\ell/\partial\mu_\mathcal{B}$.* The deviations from the mean sum to zero,
 $\sum_i (x_i-\mu_\mathcal{B}) = 0$, so the second term vanishes (the paper keeps it; it is
 exactly zero up to rounding):
 $$\frac{\partial \ell}{\partial \mu_\mathcal{B}} = -\frac{1}{s}\sum_j \frac{\partial \ell}{\partial \hat x_j}.$$

 *Step 3, $\partial\ell/\partial x_i$.* Substitute both and factor out $1/s$:
 $$\frac{\partial \ell}{\partial x_i} = \frac{1}{s}\left(\frac{\partial \ell}{\partial \hat x_i} - \frac1m\sum_j \frac{\partial \ell}{\partial \hat x_j} - \hat x_i\,\frac1m\sum_j \frac{\partial \ell}{\partial \hat x_j}\,\hat x_j\right),$$
 using $\frac{2 s\hat x_i}{m}\cdot\left(-\frac{1}{2s^2}\right) = -\frac{\hat x_i}{ms}$.

 *Step 4, in terms of $\partial\ell/\partial y$.* With $\partial\ell/\partial\hat x_j = \gamma\,\partial\ell/\partial y_j$
 the two sums are exactly the parameter gradients, $\sum_j \partial\ell/\partial y_j = \partial\ell/\partial\beta$
 and $\sum_j (\partial\ell/\partial y_j)\hat x_j = \partial\ell/\partial\gamma$:
 $$\boxed{\;\frac{\partial \ell}{\partial x_i} = \frac{\gamma}{m\sqrt{\sigma^2_\mathcal{B}+\epsilon}}\left(m\,\frac{\partial \ell}{\partial y_i} - \frac{\partial \ell}{\partial \beta} - \hat x_i\,\frac{\partial \ell}{\partial \gamma}\right)\;}$$

 So the whole backward pass is two reductions over the batch (which we need anyway for γ and β)
 and one element-wise pass. This is what the engine's `backwardFused` computes, and the form
 found in production kernels. The bracket has a geometric reading: $m\,\partial\ell/\partial y$
 minus its projection on the constant vector and on $\hat x$ (for $\epsilon = 0$, where
 $\sum_i\hat x_i^2 = m$, it is exactly the orthogonal projection). Section 4 makes use of it.
 */
let fusedVsStaged = max(
  relativeDifference(fused.input, staged.input),
  relativeDifference(fused.gamma, staged.gamma), relativeDifference(fused.beta, staged.beta))
let fusedVsStagedAbsolute = (fused.input - staged.input).maxAbs
chapter.say(
  "engine backwardFused vs backwardStaged: max |Δ ∂ℓ/∂x| = \(formatted(fusedVsStagedAbsolute, "%.2e")), max relative \(formatted(fusedVsStaged, "%.2e"))"
)
chapter.claim(
  "fused (two-reduction) and staged backward agree (Double, max |difference| in ∂ℓ/∂x)",
  paper: "Ioffe & Szegedy 2015, §3", measured: fusedVsStagedAbsolute, format: "%.1e",
  threshold: "≤ 1e-12", holds: fusedVsStagedAbsolute <= 1e-12, kind: .check)

/*:
 ## 3. Check against finite differences

 Algebra can be wrong in ways that still "look right". The definitive check is numerical: for
 a scalar loss, perturb each input by $\pm h$ and compare
 $\frac{\ell(\theta + h) - \ell(\theta - h)}{2h}$ with the analytic gradient. We use a loss that
 mixes all outputs nonlinearly, $\ell = \sum_{ij} R_{ij}\tanh(y_{ij})$ with a fixed random $R$,
 and check $\partial\ell/\partial x$, $\partial\ell/\partial\gamma$ and $\partial\ell/\partial\beta$ in
 both modes:

 - **training**: batch statistics, so $\mu_\mathcal{B}$ and $\sigma^2_\mathcal{B}$ move when
   any $x_i$ is perturbed — all six equations are exercised;
 - **inference**: population statistics (Alg. 2, here accumulated from 20 batches), which are
   constants; BN is an affine map and
   $\partial\ell/\partial x_i = \gamma\,\partial\ell/\partial y_i / \sqrt{\mathrm{Var}[x]+\epsilon}$.

 The error reported is $\|\text{analytic}-\text{numeric}\|_\infty / \max(\|\text{analytic}\|_\infty, \|\text{numeric}\|_\infty)$ per tensor.
 */
let checkRows = chapter.pick(smoke: 8, book: 16, paper: 32)
let checkFeatures = 4
var checkRNG = chapter.makeGenerator("gradient check")
let readout = gaussianMatrix(checkRows, checkFeatures, using: &checkRNG)
var accumulatedPopulation = PopulationStatistics(features: checkFeatures, convention: .paper)
for _ in 0..<20 {
  let sample = gaussianMatrix(checkRows, checkFeatures, scale: 2, offset: 1, using: &checkRNG)
  let (_, sampleCache) = BatchNormalization.forward(
    training: sample, gamma: Matrix(rows: 1, cols: checkFeatures, repeating: 1),
    beta: Matrix(rows: 1, cols: checkFeatures), epsilon: epsilon)
  accumulatedPopulation.update(
    batchMean: sampleCache.mean, batchVariance: sampleCache.variance, batchSize: checkRows)
}
let inferencePopulation = accumulatedPopulation

printGradientCheckHeader()
for (training, name) in [(true, "training"), (false, "inference")] {
  let checks = gradientCheck(training: training, generator: &checkRNG)
  printGradientChecks(checks, mode: name)
  for check in checks {
    chapter.claim(
      "finite differences confirm ∂ℓ/∂\(check.name) in \(name) mode (max relative error)",
      paper: training ? "Ioffe & Szegedy 2015, §3" : "Ioffe & Szegedy 2015, Alg. 2",
      measured: check.maxRelativeError, format: "%.1e", threshold: "≤ 1e-6",
      holds: check.maxRelativeError <= 1e-6, kind: .check)
  }
}

/*:
 ## 4. Properties that fall out of the algebra

 **The gradient sums to zero.** Summing the boxed formula over $i$ and using $\sum_i \hat x_i = 0$:
 $$\sum_{i=1}^m \frac{\partial\ell}{\partial x_i} = \frac{\gamma}{ms}\left(m\frac{\partial\ell}{\partial\beta} - m\frac{\partial\ell}{\partial\beta} - \frac{\partial\ell}{\partial\gamma}\sum_i\hat x_i\right) = 0 .$$
 Adding a constant to every $x_i$ of a feature does not change the output (the mean absorbs
 it), so the loss has no gradient along that direction. This holds for any ε.

 **The gradient is orthogonal to $\hat x$ — but only when ε = 0.** Multiply by $\hat x_i$ and sum:
 $$\sum_{i=1}^m \hat x_i\frac{\partial\ell}{\partial x_i} = \frac{\gamma}{ms}\frac{\partial\ell}{\partial\gamma}\left(m - \sum_i \hat x_i^2\right),
   \qquad \sum_i \hat x_i^2 = \frac{m\,\sigma^2_\mathcal{B}}{\sigma^2_\mathcal{B}+\epsilon},$$
 so the sum is
 $$\gamma\,\frac{\partial\ell}{\partial\gamma}\,\frac{\epsilon}{(\sigma^2_\mathcal{B}+\epsilon)^{3/2}} ,$$
 zero exactly when $\epsilon = 0$. That is the algebraic form of scale invariance: with $\epsilon = 0$,
 stretching a feature about its mean changes nothing, so there is no gradient along the
 stretch; with $\epsilon > 0$ it changes the output slightly, and the gradient has a small
 component along it. (While testing the engine we first expected this sum to vanish at the
 default $\epsilon = 10^{-5}$ and found a small residual instead; the formula above explains
 it.) Relative to the size of the terms the residual is of order $\epsilon/\sigma^2_\mathcal{B}$:
 about $10^{-5}$ for a unit-variance feature, but {{scalar "orthogonality residual at ε = 1e-5 (largest over features, relative)" | %.1t}} for this batch's feature
 with standard deviation 0.05. We check the property at $\epsilon = 0$, and at
 $\epsilon = 10^{-5}$ we check that the residual is exactly the predicted one.
 */

let exact = gradientProperties(epsilon: 0)
let withEpsilon = gradientProperties(epsilon: epsilon)
printGradientProperties(exact: exact, withEpsilon: withEpsilon)
chapter.log.scalar(
  "orthogonality residual at ε = 1e-5 (largest over features, relative)",
  withEpsilon.largestResidual)
let sumResidual = max(exact.sumResidual, withEpsilon.sumResidual)
chapter.claim(
  "Σ_i ∂ℓ/∂x_i = 0 per feature in training mode (ε = 0 and 1e-5; relative)",
  paper: "follows from Ioffe & Szegedy 2015, §3", measured: sumResidual, format: "%.1e",
  threshold: "≤ 1e-12", holds: sumResidual <= 1e-12, kind: .check)
chapter.claim(
  "Σ_i x̂_i·∂ℓ/∂x_i = 0 per feature in training mode at ε = 0 (relative)",
  paper: "follows from Ioffe & Szegedy 2015, §3", measured: exact.orthogonalityResidual,
  format: "%.1e", threshold: "≤ 1e-12", holds: exact.orthogonalityResidual <= 1e-12, kind: .check)
chapter.claim(
  "at ε = 1e-5, Σ_i x̂_i·∂ℓ/∂x_i is the predicted γ·∂ℓ/∂γ·ε/(σ²+ε)^(3/2) (relative error of prediction; residual itself \(formatted(withEpsilon.largestResidual, "%.1e")))",
  paper: "follows from Ioffe & Szegedy 2015, §3", measured: withEpsilon.predictedResidualError,
  format: "%.1e", threshold: "≤ 1e-12", holds: withEpsilon.predictedResidualError <= 1e-12,
  kind: .check)

/*:
 **Scale invariance of the gradients.** Chapter 1 showed $\mathrm{BN}((aW)u) = \mathrm{BN}(Wu)$
 (for $\epsilon = 0$). The paper draws the consequence for backpropagation:

 > "$\frac{\partial \mathrm{BN}((aW)u)}{\partial u} = \frac{\partial \mathrm{BN}(Wu)}{\partial u}$,
 > $\frac{\partial \mathrm{BN}((aW)u)}{\partial (aW)} = \frac{1}{a} \cdot \frac{\partial \mathrm{BN}(Wu)}{\partial W}$"
 > — Ioffe & Szegedy 2015, §3.3

 > "Moreover, larger weights lead to smaller gradients, and Batch Normalization will
 > stabilize the parameter growth." — Ioffe & Szegedy 2015, §3.3

 The first identity follows because the output, and so the loss, is the same function of $u$ for every
 $a$. For the second, write $W' = aW$: the loss $L(W') = \ell(\mathrm{BN}(W'u))$ satisfies
 $L(aW) = L(W)$, and differentiating $L(aW)$ with respect to $W$ gives
 $a\,\nabla L(aW) = \nabla L(W)$ (for $a > 0$; a negative $a$ flips the signs of $\hat x$).
 Larger weights get proportionally smaller gradients: on log-log axes the gradient norm
 against $a$ is a line of slope $-1$. Where the $1/a$ comes from is visible in the backward
 formula of section 2: $\partial\ell/\partial x$ carries the prefactor
 $\gamma/\sqrt{\sigma^2_\mathcal{B}+\epsilon}$, and $\sigma_\mathcal{B}$ grows with $a$.
 The *direction* of the gradient is a separate fact: the bracket of that formula removes
 the components along the constant vector and along $\hat x$ (the projection of section 2),
 so $\nabla L(W)$ is orthogonal to $W$ column by column ($W \cdot \nabla_W L = 0$ at
 $\epsilon = 0$) and a gradient step can only lengthen $W$, never shorten it: for a column
 $w$ and its gradient $g$,
 $$\|w - \eta g\|^2 = \|w\|^2 - 2\eta\, w\cdot g + \eta^2\|g\|^2 = \|w\|^2 + \eta^2\|g\|^2 .$$
 With the $1/a$, this is what lets the paper argue that BN "will stabilize the parameter
 growth": a step that is too large lengthens $w$, which shrinks the next gradients as
 $1/\|w\|$ and the change of *direction* per step as $\eta/\|w\|^2$, the effective learning
 rate. Chapter 3 measures both in a trained network (its BN layers' $\|W\|$ never shrinks, and
 5× the rate ends with 1.15× the base run's effective rate).
 Without BN the opposite happens: for a loss such as $\frac12\|Wu - t\|^2$ the gradient
 grows with the weights.

 We check both identities on a layer $h = uW$ (64 examples, 20 inputs, 10 units) under the loss
 $\ell = \frac12\|\mathrm{BN}(h) - t\|^2$ for a fixed random target $t$, at $\epsilon = 0$, for
 $a$ from $10^{-2}$ to $10^{2}$, and plot the gradient norm with and without BN (without BN:
 the same loss on $h$ itself). The engine's `BatchNorm` layer is driven through its
 `forward`/`backward`, as in a network.
 */
let layerBatch = 64
let layerInputs = 20
let layerUnits = 10
var layerRNG = chapter.makeGenerator("scale layer")
let layerU = gaussianMatrix(layerBatch, layerInputs, using: &layerRNG)
let layerW = gaussianMatrix(
  layerInputs, layerUnits, scale: 1 / Double(layerInputs).squareRoot(), using: &layerRNG)
let layerTarget = gaussianMatrix(layerBatch, layerUnits, using: &layerRNG)

/// ∂ℓ/∂u and ∂ℓ/∂W' at W' = aW, for ℓ = ½‖out − t‖² with out = BN(uW') (or uW' without BN).
func layerGradients(a: Double, withBN: Bool, epsilon: Double) -> (
  du: Matrix<Double>, dW: Matrix<Double>
) {
  let weight = a * layerW
  let linear = Linear<Double>(weight: weight, bias: nil)
  let h = linear.forward(layerU, statistics: .batch)
  var out = h
  var norm: BatchNorm<Double>? = nil
  if withBN {
    var convention = BatchNormConvention.paper
    convention.epsilon = epsilon
    let layer = BatchNorm<Double>(features: layerUnits, convention: convention)
    out = layer.forward(h, statistics: .batch)
    norm = layer
  }
  // ∂ℓ/∂out = out − t
  let dOut = out - layerTarget
  let dh = norm?.backward(dOut) ?? dOut
  let du = linear.backward(dh)
  return (du, linear.weight.gradient)
}

// The claims use a ∈ [1e-2, 1e2]; the figure extends to 1e-3 to show where ε takes over.
let gradientScales = (0...20).map { pow(10, -3 + Double($0) / 4) }
let claimedScales = gradientScales.indices.filter { gradientScales[$0] >= 1e-2 * 0.999 }
let reference = layerGradients(a: 1, withBN: true, epsilon: 0)
var inputGradientChange = 0.0
var weightGradientChange = 0.0
var normsBN: [Double] = []
var normsBNEpsilon: [Double] = []
var normsBaseline: [Double] = []
for (k, a) in gradientScales.enumerated() {
  let scaled = layerGradients(a: a, withBN: true, epsilon: 0)
  if claimedScales.contains(k) {
    // ∂BN((aW)u)/∂u = ∂BN(Wu)/∂u
    inputGradientChange = max(inputGradientChange, relativeDifference(scaled.du, reference.du))
    // ∂BN((aW)u)/∂(aW) = (1/a)·∂BN(Wu)/∂W
    weightGradientChange = max(
      weightGradientChange, relativeDifference(a * scaled.dW, reference.dW))
  }
  normsBN.append(scaled.dW.norm)
  normsBNEpsilon.append(layerGradients(a: a, withBN: true, epsilon: epsilon).dW.norm)
  normsBaseline.append(layerGradients(a: a, withBN: false, epsilon: 0).dW.norm)
}
let slopeBN = logLogSlope(
  x: claimedScales.map { gradientScales[$0] }, y: claimedScales.map { normsBN[$0] })
let largeScales = gradientScales.indices.filter { gradientScales[$0] >= 1 }
let slopeBaseline = logLogSlope(
  x: largeScales.map { gradientScales[$0] }, y: largeScales.map { normsBaseline[$0] })
let slopeBNEpsilon = logLogSlope(
  x: claimedScales.map { gradientScales[$0] }, y: claimedScales.map { normsBNEpsilon[$0] })
printGradientScaling(
  inputChange: inputGradientChange, weightChange: weightGradientChange,
  slopes: (slopeBN, slopeBNEpsilon, slopeBaseline))
chapter.log.scalar("gradient-norm log-log slope without BN, a ≥ 1", slopeBaseline)
chapter.claim(
  "∂BN((aW)u)/∂u = ∂BN(Wu)/∂u for a ∈ [1e-2, 1e2] (ε = 0; max relative difference)",
  paper: "Ioffe & Szegedy 2015, §3.3", measured: inputGradientChange, format: "%.1e",
  threshold: "≤ 1e-10", holds: inputGradientChange <= 1e-10)
chapter.claim(
  "∂BN((aW)u)/∂(aW) = (1/a)·∂BN(Wu)/∂W for a ∈ [1e-2, 1e2] (ε = 0; max relative difference)",
  paper: "Ioffe & Szegedy 2015, §3.3", measured: weightGradientChange, format: "%.1e",
  threshold: "≤ 1e-10", holds: weightGradientChange <= 1e-10)
chapter.claim(
  "with BN, ‖∂ℓ/∂(aW)‖ ∝ a^(−1) (fitted log-log slope, ε = 0); without BN the slope is \(formatted(slopeBaseline, "%+.2f")) for a ≥ 1",
  paper: "Ioffe & Szegedy 2015, §3.3", measured: slopeBN, format: "%.4f",
  threshold: "|slope + 1| ≤ 0.01", holds: abs(slopeBN + 1) <= 0.01)

chapter.save(
  gradientScaleFigure(
    scales: gradientScales, withBN: normsBN, withBNEpsilon: normsBNEpsilon,
    without: normsBaseline, slopes: (slopeBN, slopeBaseline)))

/*:
 ![Gradient norm vs weight scale](Figures/02-gradient-scale.png)

 *Figure 2.1.* The paper states this property in §3.3 without a figure. Ours shows the norm of
 the weight gradient of one layer as its weights are scaled by $a$ (synthetic Gaussian inputs;
 no data set). With BN (blue) the points lie on a line of slope $-1$ (fitted:
 {{claim "with BN, ‖∂ℓ/∂(aW)‖ ∝ a^(−1)" | %+.4f}}; the dashed guide, drawn
 at half the height so that it does not hide them): ten times larger weights
 get ten times smaller gradients, so a gradient step changes the weights' *direction* by an
 amount that shrinks as they grow — a self-stabilising effect. Without BN (vermilion) the
 gradient is flat for small $a$ (the loss is dominated by the target) and grows in proportion
 to $a$ for large $a$ (fitted slope {{scalar "gradient-norm log-log slope without BN, a ≥ 1" | %+.2f}} for $a \ge 1$): large weights get large gradients, the feedback loop behind the "model
 explosion" the paper mentions. With $\epsilon = 10^{-5}$ (green line) the BN curve is the same
 except where $\epsilon$ is no longer small against $a^2\sigma^2$, at the far left.

 ## 5. Cost: staged vs fused

 Both forms do $O(m)$ work per feature, so any difference is in constants: the staged form
 makes five passes over the batch (and calls `pow` and a square root per feature in its
 loops), the fused form two reductions and one element-wise pass. We time both on `Float`
 batches of 256 features, median of many repetitions per batch size, on one core.
 */
let timingFeatures = 256
let timingSizes = chapter.pick(
  smoke: [16, 64, 256], book: [16, 32, 64, 128, 256, 512, 1024, 2048, 4096],
  paper: [16, 32, 64, 128, 256, 512, 1024, 2048, 4096])
let timingRepetitions = chapter.pick(smoke: 7, book: 41, paper: 101)
// Median times of both forms at each m, on the same batches (see Timing.swift).
var timingRNG = chapter.makeGenerator("timing")
let timings = timeBackwardForms(
  sizes: timingSizes, features: timingFeatures, repetitions: timingRepetitions,
  generator: &timingRNG)
let speedUps = zip(timings.staged, timings.fused).map { $0 / $1 }
recordTimings(timings, sizes: timingSizes, speedUps: speedUps)
let largeBatches = timingSizes.indices.filter { timingSizes[$0] >= 64 }
let smallestSpeedUp = largeBatches.map { speedUps[$0] }.min()!
chapter.claim(
  "fused backward is faster than staged at every batch size ≥ 64 (smallest speed-up, median timings, 1 core, \(buildKind) build; the book's numbers are from a release build)",
  paper: "production kernels", measured: smallestSpeedUp, format: "%.2f", unit: "x",
  threshold: "> 1", holds: smallestSpeedUp > 1, kind: .check, wallClock: true)
chapter.save(backwardCostFigure(timings, sizes: timingSizes, speedUps: speedUps))

/*:
 ![Backward cost](Figures/02-backward-cost.png)

 *Figure 2.2.* Not in the paper. The median time of one backward call over a batch of $m$
 examples and 256 features, for the engine's two forms, in a release build on one core; both
 grow about linearly in $m$ up to $m = 2048$ (slope 1 on the log-log axes), and the staged form's
 last point can jump (below), which lifts its fitted slope (fitted from $m = 256$ on,
 {{scalar "log-log slope of staged backward seconds against m, m ≥ 256" | %.2f}} staged and {{scalar "log-log slope of fused backward seconds against m, m ≥ 256" | %.2f}} fused). The staged form takes about
 {{scalar "median speed-up fused over staged, m ≥ 256" | %.1f}} times as long as the fused one from $m = 256$ on ({{scalar "smallest speed-up fused over staged, m ≥ 256" | %.1f}} to {{scalar "largest speed-up fused over staged, m ≥ 256" | %.1f}} times in the
 run shown, the most at $m =$ {{scalar "batch size of the largest speed-up, m ≥ 256" | %d}}; timings on a shared machine jitter from run
 to run), and {{scalar "smallest speed-up fused over staged, m ≤ 64" | %.1f}} to {{scalar "largest speed-up fused over staged, m ≤ 64" | %.1f}} times as long at $m = 16$–$64$, where
 the fixed cost of a call (allocating its result matrices and a little scratch for the two
 sums) is a visible share of a few microseconds ({{series "fused backward seconds" "fused" at 16 | *1000000 | %.1f}} µs for a fused call at $m = 16$). Both forms run on raw buffers with
 the same per-feature constants precomputed, so the factor is the algorithm: two reductions and
 one element-wise pass, against five passes over the batch and an $m\times n$ temporary for
 $\partial\ell/\partial\hat x$. That temporary can widen the gap at large
 batches: at $m = 4096$ it is 4 MB and no longer fits in cache. (An earlier version of the staged form
 indexed Swift arrays and looked about 5 times slower at every batch size, small ones included; we fixed the comparison, not the
 claim.) The saving is a constant factor, not an asymptotic one, and in a network the matrix
 products around BN cost far more than either form; the engine trains with the fused form, and the staged one is
 the better thing to *read*.

 ## Summary

 The chain rule through Algorithm 1's graph gives the paper's six equations; they simplify to
 one line with two batch reductions, which are $\partial\ell/\partial\beta$ and
 $\partial\ell/\partial\gamma$ themselves. Both forms agree to rounding and with finite
 differences, in training and in inference mode. The simplified form shows at a glance what
 BN's backward pass does: it removes from the incoming gradient its mean and (for
 $\epsilon = 0$) its component along $\hat x$, which is why the gradient is blind to shifting a
 feature and to rescaling the weights in front of it — and why, with BN, larger weights get
 smaller gradients. Chapter 3 puts the layer in a network and trains it.
 */
chapter.finish()
