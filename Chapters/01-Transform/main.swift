/*:
 # Chapter 1 — The transform

 > "we make the second simplification: since we use mini-batches in stochastic gradient
 > training, each mini-batch produces estimates of the mean and variance of each
 > activation." — Ioffe & Szegedy 2015, §3

 This chapter is Algorithm 1 of the paper (the *Batch Normalizing Transform*) and the
 inference half of Algorithm 2, taken apart one line at a time. Every line of the algorithm
 gets a measurement: the engine's `BatchNormalization.forward` is run, and what the paper says
 about it is checked with a number, a printed table or a figure. Chapter 2 does the same for
 the backward pass.

 Keep §3 of the paper open beside this page. Quotations from the paper are marked as such;
 everything else is our commentary.

 The chapter runs in a few seconds (`swift run -c release ch01-transform`); every number on
 this page comes from that run with the default seed, on Fashion-MNIST (Debian's
 `dataset-fashion-mnist`) unless stated otherwise. To use real MNIST instead, run
 `companion fetch mnist` and pass `--mnist DIR`.

 This page is `main.swift`: the transform, the experiments and the claims. The tools it
 calls live beside it, off the page: moments, shapes and batches drawn from a set in
 [Support.swift](Support.swift), the measured and predicted deviation from scale invariance
 in [ScaleInvariance.swift](ScaleInvariance.swift), the batch-noise study of §3 in
 [BatchNoise.swift](BatchNoise.swift), the printed tables and recorded numbers in
 [Report.swift](Report.swift), and the figures in [Figures.swift](Figures.swift).
 */
import Companion
import Engine
import Foundation
import Plot
import Randomness

let chapter = Chapter(number: 1)

/*:
 ## Some helpers

 The engine computes in `Float`, as a network would. To *measure* what it computed we
 accumulate in `Double`, so that the measurement does not add its own rounding to the
 numbers we are checking.
 */

/*:
 ## 1. Normalise, then scale and shift

 The paper's Algorithm 1, for one activation $x$ over a mini-batch
 $\mathcal{B} = \{x_1, \dots, x_m\}$:

 $$\mu_\mathcal{B} = \frac{1}{m}\sum_{i=1}^m x_i, \qquad
   \sigma^2_\mathcal{B} = \frac{1}{m}\sum_{i=1}^m (x_i - \mu_\mathcal{B})^2,$$

 $$\hat{x}_i = \frac{x_i - \mu_\mathcal{B}}{\sqrt{\sigma^2_\mathcal{B} + \epsilon}}, \qquad
   y_i = \gamma\,\hat{x}_i + \beta \equiv \mathrm{BN}_{\gamma,\beta}(x_i).$$

 Every feature (column) is normalised on its own, with its own $\mu_\mathcal{B}$ and
 $\sigma^2_\mathcal{B}$: the paper's first simplification is to "normalize each scalar feature
 independently" (§3) instead of whitening the layer's inputs jointly. Note that
 $\sigma^2_\mathcal{B}$ divides by $m$, not $m-1$: it is the *biased* variance of the batch,
 and that is what training uses. (Section 4 below is where $m-1$ appears.)

 From the definition, for each feature,
 $\frac1m\sum_i \hat{x}_i = 0$ exactly and
 $\frac1m\sum_i \hat{x}_i^2 = \sigma^2_\mathcal{B}/(\sigma^2_\mathcal{B}+\epsilon)$, which
 is 1 up to a relative $\epsilon/\sigma^2_\mathcal{B}$. Then $y$ has mean $\beta$ and standard
 deviation $|\gamma|$ (again up to $\epsilon$).

 We check it on a batch of six synthetic features whose means and spreads differ by orders of
 magnitude, so that no feature is "already normalised" by luck.
 */
let featureMeans: [Double] = [-50, -3, 0, 0.5, 7, 200]
let featureSpreads: [Double] = [0.5, 2, 1, 10, 0.7, 30]
let transformBatchSize = 64
var transformRNG = chapter.makeGenerator("transform batch")
let syntheticBatch = Matrix<Float>(rows: transformBatchSize, cols: featureMeans.count) { x in
  for i in 0..<transformBatchSize {
    for j in featureMeans.indices {
      x[i * featureMeans.count + j] =
        Float(featureMeans[j] + featureSpreads[j] * transformRNG.nextGaussian())
    }
  }
}

let epsilon: Float = Float(BatchNormConvention.paper.epsilon)
let (plainGamma, plainBeta) = unitAffine(featureMeans.count)
let (_, transformCache) = BatchNormalization.forward(
  training: syntheticBatch, gamma: plainGamma, beta: plainBeta, epsilon: epsilon)
// The affine step with a γ and β of our choosing: y should have mean β and spread |γ|.
let chosenGamma = Matrix<Float>(row: [2, 0.5, 1, 3, -1, 0.1])
let chosenBeta = Matrix<Float>(row: [-1, 0, 4, 0.5, 2, -3])
let (affineOutput, _) = BatchNormalization.forward(
  training: syntheticBatch, gamma: chosenGamma, beta: chosenBeta, epsilon: epsilon)

let inputMoments = columnMoments(syntheticBatch)
let normalizedMoments = columnMoments(transformCache.normalized)
let affineMoments = columnMoments(affineOutput)
printTransformTable()
let worstMean = normalizedMoments.mean.map(abs).max()!
let worstVariance = normalizedMoments.variance.map { abs($0 - 1) }.max()!
chapter.claim(
  "x̂ has per-feature mean 0 (max |mean|, Float)", paper: "Ioffe & Szegedy 2015, Alg. 1",
  measured: worstMean, format: "%.2e", threshold: "≤ 1e-5", holds: worstMean <= 1e-5, kind: .check)
chapter.claim(
  "x̂ has per-feature variance 1 (max |var − 1|, Float)", paper: "Ioffe & Szegedy 2015, Alg. 1",
  measured: worstVariance, format: "%.2e", threshold: "≤ 1e-3", holds: worstVariance <= 1e-3,
  kind: .check)
recordTransformExtremes()

/*:
 The largest $|\mathrm{var}(\hat x) - 1|$ comes from the feature with the smallest spread
 (feature {{scalar "feature with the largest var(x̂) shortfall" | %d}}, batch standard deviation {{scalar "batch std of the feature with the largest var(x̂) shortfall" | %.2f}}): there
 $\epsilon/\sigma^2_\mathcal{B} \approx$ {{scalar "ε/σ²_B of the feature with the largest var(x̂) shortfall" | %.1t}}, exactly the shortfall the formula
 above predicts. The mean is at most {{claim "x̂ has per-feature mean 0" | %.0t}} off zero, for feature {{scalar "feature with the largest mean(x̂) offset" | %d}} whose mean is
 {{scalar "batch mean of the feature with the largest mean(x̂) offset" | %.0f}}: that is `Float` rounding of $x_i - \mu_\mathcal{B}$ when both are large. A feature with a standard deviation of 0.003 would
 miss variance 1 by half: $\epsilon$ is not negligible for features that barely vary, and we
 will meet that again in section 3.

 ## 2. Why γ and β: the identity is still reachable

 > "Note that simply normalizing each input of a layer may change what the layer can
 > represent." — Ioffe & Szegedy 2015, §3

 Normalising a sigmoid's input would pin it to the sigmoid's near-linear middle. So the
 transform gets two learned parameters per feature, and with
 $\gamma = \sqrt{\sigma^2_\mathcal{B} + \epsilon}$ and $\beta = \mu_\mathcal{B}$,

 $$y_i = \sqrt{\sigma^2_\mathcal{B}+\epsilon}\;\frac{x_i - \mu_\mathcal{B}}{\sqrt{\sigma^2_\mathcal{B}+\epsilon}} + \mu_\mathcal{B} = x_i .$$

 The paper writes $\gamma = \sqrt{\mathrm{Var}[x]}$, $\beta = \mathrm{E}[x]$; the exact identity
 needs the $\epsilon$ inside the square root. We set them from the batch's own statistics and
 measure how far $y$ is from $x$ — only `Float` rounding should remain. *That is true by
 construction* (the same $\mu_\mathcal{B}$, $\sigma_\mathcal{B}$ divide and multiply), so it
 is a check of the code, not evidence for the paper. The paper's γ and β are the
 *population's* values, which a network could learn; with those, training mode recovers
 $x$ only up to the batch's noise, $y - x = (\sigma/\sigma_\mathcal{B} - 1)(x - \mu) + (\mu - \mu_\mathcal{B})\,\sigma/\sigma_\mathcal{B}$
 — that residual we measure too, with the true means and spreads the batch was drawn from.
 */
let identityGamma = Matrix<Float>(row: transformCache.variance.map { ($0 + epsilon).squareRoot() })
let identityBeta = Matrix<Float>(row: transformCache.mean)
let (identityOutput, _) = BatchNormalization.forward(
  training: syntheticBatch, gamma: identityGamma, beta: identityBeta, epsilon: epsilon)
let identityError = Double((identityOutput - syntheticBatch).maxAbs)
let identityRelative = identityError / Double(syntheticBatch.maxAbs)
chapter.say(
  "identity recovery: max |y − x| = \(formatted(identityError, "%.2e")) (max |x| = \(formatted(Double(syntheticBatch.maxAbs), "%.1f")); relative \(formatted(identityRelative, "%.2e")))"
)
chapter.claim(
  "γ = √(σ²+ε), β = μ recovers the identity (max |y − x| / max |x|, Float)",
  paper: "Ioffe & Szegedy 2015, §3", measured: identityRelative, format: "%.2e",
  threshold: "≤ 1e-6 (a few Float ulps)", holds: identityRelative <= 1e-6, kind: .check)

// The paper's γ = √Var[x], β = E[x] with the population values the batch was drawn from.
let populationGamma = Matrix<Float>(
  row: featureSpreads.map { Float(($0 * $0 + Double(epsilon)).squareRoot()) })
let populationBeta = Matrix<Float>(row: featureMeans.map { Float($0) })
let (populationIdentity, _) = BatchNormalization.forward(
  training: syntheticBatch, gamma: populationGamma, beta: populationBeta, epsilon: epsilon)
let residual = populationIdentity - syntheticBatch
/// Per feature, the RMS of y − x in units of the feature's true spread.
let residualInSpreads = featureSpreads.indices.map { j -> Double in
  let values = (0..<transformBatchSize).map { Double(residual[$0, j]) / featureSpreads[j] }
  return (values.map { $0 * $0 }.reduce(0, +) / Double(values.count)).squareRoot()
}
let typicalResidual = residualInSpreads.reduce(0, +) / Double(residualInSpreads.count)
chapter.say(
  "with the population's γ and β in training mode: RMS |y − x| = \(formatted(typicalResidual, "%.3f")) of each feature's spread on average (\(residualInSpreads.map { formatted($0, "%.3f") }.joined(separator: ", ")))"
)
chapter.log.scalar("identity residual with population γ, β (RMS, in spreads)", typicalResidual)
chapter.log.scalar(
  "identity residual with population γ, β (RMS, in spreads), min over features",
  residualInSpreads.min()!)
chapter.log.scalar(
  "identity residual with population γ, β (RMS, in spreads), max over features",
  residualInSpreads.max()!)

/*:
 With the population's γ and β the residual is {{scalar "identity residual with population γ, β (RMS, in spreads), min over features" | %.2f}} to {{scalar "identity residual with population γ, β (RMS, in spreads), max over features" | %.2f}} of each feature's spread, {{scalar "identity residual with population γ, β (RMS, in spreads)" | %.2f}}
 on average, for a batch of 64 — the noise of the batch estimates (section 4), not rounding:
 for Gaussian data the two terms above have variances $1/m$ and about $1/(2m)$, so the RMS
 residual should be $\sqrt{1.5/64} \approx 0.15$ of the spread. The identity the paper
 describes is exact at inference (Alg. 2 normalises with the population statistics), and
 during training only on average.

 The other end of the same fact is a classic bug. In training mode a batch of **one**
 example has $\mu_\mathcal{B} = x$ and $\sigma^2_\mathcal{B} = 0$, so $\hat x = 0$ and the
 output is $\beta$, whatever the input: a network that serves single requests in training
 mode answers every request the same. Inference mode normalises with the population and
 gives each example its own output.
 */
let single = Matrix<Float>(row: (0..<featureMeans.count).map { syntheticBatch[5, $0] })
let (singleTraining, _) = BatchNormalization.forward(
  training: single, gamma: populationGamma, beta: populationBeta, epsilon: epsilon)
let singleError = Double((singleTraining - populationBeta).maxAbs)
// The true means and variances, stored as they are (one "batch", no m/(m−1)).
var truePopulation = PopulationStatistics(
  features: featureMeans.count,
  convention: BatchNormConvention(
    name: "true population", epsilon: Double(epsilon), update: .average,
    storesUnbiasedVariance: false))
truePopulation.update(
  batchMean: featureMeans, batchVariance: featureSpreads.map { $0 * $0 }, batchSize: 1)
let (singleInference, _) = BatchNormalization.forward(
  inference: single, gamma: populationGamma, beta: populationBeta, population: truePopulation)
chapter.say(
  "a batch of one: training mode outputs \(singleTraining.storage.map { formatted(Double($0), "%.2f") }) (= β), inference mode \(singleInference.storage.map { formatted(Double($0), "%.2f") }) (= the input \(single.storage.map { formatted(Double($0), "%.2f") }))"
)
chapter.claim(
  "in training mode a batch of one outputs β whatever the input (max |y − β|, Float)",
  paper: "follows from Ioffe & Szegedy 2015, Alg. 1", measured: singleError, format: "%.1e",
  threshold: "≤ 1e-6", holds: singleError <= 1e-6, kind: .check)

/*:
 ## Real data for the rest of the chapter

 The remaining sections use the pre-activations of a first layer, $z = Wu$, on real images:
 $u$ is a Fashion-MNIST image (784 grey levels in [0, 1]) and $W$ a random $784\times 16$
 matrix with entries from $\mathcal{N}(0, 1/784)$, the usual fan-in scaling. (The engine writes
 a batch as rows, so in code the product is $u\,W$; the math is the same.) Over the 60,000
 training images each of the 16 units has a known *population* mean and variance, which lets
 us compare batch estimates with the truth.
 */
let images = chapter.attempt { try chapter.loadImages() }
let units = 16
var weightRNG = chapter.makeGenerator("first layer")
let firstLayer: Matrix<Float> = Initializer.normal(standardDeviation: (1.0 / 784).squareRoot())
  .matrix(rows: images.train.imageSize, cols: units, using: &weightRNG)
let trainingImages = Matrix<Float>(
  rows: images.train.count, cols: images.train.imageSize, images.train.pixels)
let population = chapter.phase("pre-activations") { matmul(trainingImages, firstLayer) }
let populationMoments = columnMoments(population)
let dataName = images.source.name
chapter.say(
  "pre-activations of \(units) units over \(population.rows) \(dataName) training images: "
    + "population variance from \(formatted(populationMoments.variance.min()!, "%.3f")) "
    + "to \(formatted(populationMoments.variance.max()!, "%.3f"))")
chapter.log.scalar(
  "population variance of the pre-activations, mean over units",
  populationMoments.variance.reduce(0, +) / Double(units))
chapter.log.scalar(
  "population variance of the pre-activations, min over units", populationMoments.variance.min()!)
chapter.log.scalar(
  "population variance of the pre-activations, max over units", populationMoments.variance.max()!)

/*:
 ## 3. Scale invariance, and where ε breaks it

 > "Batch Normalization also makes training more resilient to the parameter scale. [...]
 > $\mathrm{BN}(Wu) = \mathrm{BN}((aW)u)$" — Ioffe & Szegedy 2015, §3.3

 Multiplying $W$ by a scalar $a > 0$ multiplies every pre-activation by $a$, its batch mean by
 $a$ and its batch variance by $a^2$, so

 $$\widehat{ax}_i = \frac{a x_i - a\mu_\mathcal{B}}{\sqrt{a^2\sigma^2_\mathcal{B} + \epsilon}}
   = \frac{x_i - \mu_\mathcal{B}}{\sqrt{\sigma^2_\mathcal{B} + \epsilon/a^2}} .$$

 With $\epsilon = 0$ this is $\hat x_i$ for every $a$: the invariance is exact. With
 $\epsilon > 0$ it is exact only as long as $\epsilon/a^2 \ll \sigma^2_\mathcal{B}$; the
 difference from $a = 1$ is

 $$\widehat{ax}_i - \hat x_i = (x_i - \mu_\mathcal{B})\left(\frac{1}{\sqrt{\sigma^2_\mathcal{B}+\epsilon/a^2}} - \frac{1}{\sqrt{\sigma^2_\mathcal{B}+\epsilon}}\right),$$

 which we call the *predicted* deviation. For large $a$ it saturates at a tiny constant
 (of order $\epsilon/\sigma^2_\mathcal{B}$); for small $a$ it grows until, at
 $a \approx \sqrt{\epsilon/\sigma^2_\mathcal{B}}$, ε dominates the variance and the output
 shrinks towards zero. We compute $\mathrm{BN}((aW)u)$ with the engine in `Float` for $a$ from
 $10^{-4}$ to $10^{2}$, for $\epsilon = 0$, for the paper preset's $10^{-5}$ and for Keras's
 $10^{-3}$, and compare each with $\mathrm{BN}(Wu)$ at the same ε.
 */
let scaleBatchSize = chapter.pick(smoke: 128, book: 256, paper: 256)
var scaleRNG = chapter.makeGenerator("scale batch")
let scaleInputs = gather(
  trainingImages, rows: sampleIndices(scaleBatchSize, from: trainingImages.rows, using: &scaleRNG))
let scales = logSpace(from: -4, to: 2, perDecade: 4).filter { abs($0 - 1) > 1e-9 }
let scaleEpsilons: [Float] = [0, 1e-5, 1e-3]

let scalePreActivations = matmul(scaleInputs, firstLayer)
var deviations: [[Double]] = []
var predictions: [[Double]] = []
for eps in scaleEpsilons {
  deviations.append(
    scales.map {
      measuredScaleDeviation(a: $0, epsilon: eps, inputs: scaleInputs, weight: firstLayer)
    })
  predictions.append(
    scales.map {
      predictedScaleDeviation(a: $0, epsilon: Double(eps), preActivations: scalePreActivations)
    })
}
printScaleTable()

let claimedRange = scales.indices.filter { scales[$0] >= 1e-2 * 0.999 && scales[$0] <= 1e2 * 1.001 }
let exactInvariance = claimedRange.map { deviations[0][$0] }.max()!
chapter.claim(
  "BN((aW)u) = BN(Wu) for a ∈ [1e-2, 1e2] with ε = 0 (max |difference|, Float)",
  paper: "Ioffe & Szegedy 2015, §3.3", measured: exactInvariance, format: "%.2e",
  threshold: "≤ 1e-5 (Float rounding)", holds: exactInvariance <= 1e-5)
// With ε > 0 the deviation is the one the formula predicts: ε is the only thing breaking it.
var worstMismatch = 0.0
for e in 1..<scaleEpsilons.count {
  for k in scales.indices {
    let allowed = 1e-5 + 0.01 * predictions[e][k]
    worstMismatch = max(worstMismatch, abs(deviations[e][k] - predictions[e][k]) / allowed)
  }
}
chapter.claim(
  "with ε > 0, the deviation from invariance is the predicted ε/a² effect, a ∈ [1e-4, 1e2] (worst |measured − predicted| in units of 1e-5 + 1% of predicted)",
  paper: "Ioffe & Szegedy 2015, §3.3", measured: worstMismatch, format: "%.2f",
  threshold: "≤ 1", holds: worstMismatch <= 1, kind: .check)
recordScaleInvariance(exactInvariance: exactInvariance)

chapter.save(scaleInvarianceFigure())

/*:
 ![Scale invariance](Figures/01-scale-invariance.png)

 *Figure 1.1.* The paper states the invariance without a figure. Ours shows the largest
 difference between $\mathrm{BN}((aW)u)$ and $\mathrm{BN}(Wu)$ over a batch of
 Fashion-MNIST pre-activations, against the weight scale $a$. With $\epsilon = 0$ (black) the
 difference is `Float` rounding (at most {{scalar "scale invariance, ε = 0, max deviation on [1e-4, 1e2]" | %.1t}}) at every scale: the invariance is exact.
 With $\epsilon > 0$ every measured point sits on the predicted curve (dashed). For $a > 1$ it
 levels off at about {{scalar "scale invariance, ε = 1e-5, deviation at the largest a" | %.0t}} ($\epsilon = 10^{-5}$) or {{scalar "scale invariance, ε = 1e-3, deviation at the largest a" | %.0t}}
 ($\epsilon = 10^{-3}$): that is the ε effect already present in the reference
 $\mathrm{BN}(Wu)$, which large weights remove. For $a < 1$ it rises as $1/a^2$ and reaches
 order 1 where $\epsilon/a^2$ matches the pre-activations' variance ({{scalar "population variance of the pre-activations, min over units" | %.2f}} to {{scalar "population variance of the pre-activations, max over units" | %.2f}} for these
 units): at $a = 0.1$ the paper preset is off by {{scalar "scale invariance, ε = 1e-5, deviation at a = 0.1" | %.2f}} in units of $\hat x$, at $a = 0.01$ by {{scalar "scale invariance, ε = 1e-5, deviation at a = 0.01" | %.0f}}.
 Keras's larger ε breaks the invariance a decade earlier. Far left, BN no longer normalises at
 all: its output shrinks towards zero and the difference approaches $\max|\hat x| \approx$ {{scalar "scale batch largest absolute x̂, ε = 1e-5" | %.0f}}.
 So the paper's identity is exact for $\epsilon = 0$; with the ε every implementation uses it
 holds as long as the weights do not shrink by orders of magnitude and units do not become
 nearly constant over the batch — there ε, not the data, sets the scale. On these
 pre-activations (variance ≈ {{scalar "population variance of the pre-activations, mean over units" | %.1f}} at a typical $1/\sqrt{\text{fan-in}}$ initialisation), the
 identity holds across the range of scales we test, $a \in [10^{-2}, 10^{2}]$ (our choice
 of range; the paper names none), only with $\epsilon = 0$; the chapter checks that, and
 checks that with $\epsilon > 0$ the deviation is exactly the predicted one.

 ## 4. The batch is a noisy sample

 $\mu_\mathcal{B}$ and $\sigma^2_\mathcal{B}$ are *estimates* of the population statistics from
 $m$ examples. For $m$ independent draws, the spread (standard deviation over batches) of the
 batch mean is $\sigma/\sqrt{m}$ exactly, and that of the batch variance is
 $\sqrt{(\mu_4 - \sigma^4)/m}$ to leading order ($\mu_4$ the fourth central moment). Both fall
 as $m^{-1/2}$: a straight line of slope $-1/2$ on log-log axes. We draw many batches of each
 size from the 60,000 training pre-activations (with replacement, so draws are independent)
 and fit that slope.

 Training uses these noisy estimates; inference, per Alg. 2, uses fixed population statistics:

 $$\mathrm{E}[x] \leftarrow \mathrm{E}_\mathcal{B}[\mu_\mathcal{B}], \qquad
   \mathrm{Var}[x] \leftarrow \frac{m}{m-1}\,\mathrm{E}_\mathcal{B}[\sigma^2_\mathcal{B}],$$

 where the averages $\mathrm{E}_\mathcal{B}$ run over training mini-batches passed through the
 *trained, frozen* network (Alg. 2 computes them after training, with the final weights: a
 batch taken earlier would have been normalised by other weights; Chapter 3 measures what
 averaging during training instead costs).

 > "Using moving averages instead, we can track the accuracy of a model as it trains."
 > — Ioffe & Szegedy 2015, §3.1

 so the *same* input is normalised differently in training and at inference, by an amount that
 also shrinks as $m^{-1/2}$. The factor $m/(m-1)$ is Bessel's correction:
 $\mathrm{E}[\sigma^2_\mathcal{B}] = \frac{m-1}{m}\sigma^2$, so without it the population
 variance would be underestimated and inference outputs would have variance $m/(m-1)$
 instead of 1 — a third too large at $m = 4$. We measure all three.
 */
let batchSizes = chapter.pick(
  smoke: [4, 8, 16, 32, 64, 128, 256], book: [4, 8, 16, 32, 64, 128, 256, 512, 1024],
  paper: [4, 8, 16, 32, 64, 128, 256, 512, 1024])
let repetitions = chapter.pick(smoke: 1500, book: 6000, paper: 20000)

var noiseRNG = chapter.makeGenerator("batch noise")
var studies: [BatchSizeStudy] = []
var noiseProgress = chapter.progress("batch sizes", total: batchSizes.count)
chapter.phase("batch noise") {
  for (k, m) in batchSizes.enumerated() {
    studies.append(
      studyBatchSize(
        m, repetitions: repetitions, population: population, truth: populationMoments,
        epsilon: BatchNormConvention.paper.epsilon, generator: &noiseRNG))
    noiseProgress.update(k + 1)
  }
}
noiseProgress.finish()

recordBatchNoise()

let sizes = batchSizes.map(Double.init)
// The mean's spread is σ/√m at every m; the variance's only asymptotically (finite-m terms of
// order 1/m²), so its slope is fitted over m ≥ 16, as is the gap's.
let asymptotic = batchSizes.indices.filter { batchSizes[$0] >= 16 }
let meanSlope = logLogSlope(x: sizes, y: studies.map(\.meanSpread))
let varianceSlope = logLogSlope(
  x: asymptotic.map { sizes[$0] }, y: asymptotic.map { studies[$0].varianceSpread })
let gapSlope = logLogSlope(
  x: asymptotic.map { sizes[$0] }, y: asymptotic.map { studies[$0].trainInferenceGap })
chapter.say(
  "fitted log-log slopes: batch mean \(formatted(meanSlope, "%.3f")), batch variance (m ≥ 16) \(formatted(varianceSlope, "%.3f")), train/inference gap (m ≥ 16) \(formatted(gapSlope, "%.3f"))"
)
chapter.claim(
  "spread of the batch mean falls as m^(−1/2) (fitted log-log slope)",
  paper: "Ioffe & Szegedy 2015, §3 (mini-batch estimates)", measured: meanSlope, format: "%.3f",
  threshold: "|slope + 0.5| ≤ 0.05", holds: abs(meanSlope + 0.5) <= 0.05, kind: .check)
chapter.claim(
  "spread of the batch variance falls as m^(−1/2) (fitted slope, m ≥ 16)",
  paper: "Ioffe & Szegedy 2015, §3 (mini-batch estimates)", measured: varianceSlope,
  format: "%.3f", threshold: "|slope + 0.5| ≤ 0.05", holds: abs(varianceSlope + 0.5) <= 0.05,
  kind: .check)
chapter.claim(
  "train/inference output gap (batch vs Alg. 2 statistics) falls as m^(−1/2) (fitted slope, m ≥ 16)",
  paper: "Ioffe & Szegedy 2015, Alg. 2", measured: gapSlope, format: "%.3f",
  threshold: "|slope + 0.5| ≤ 0.05", holds: abs(gapSlope + 0.5) <= 0.05, kind: .check)
let worstUnbiased = studies.map { abs($0.unbiasedOutputVariance - 1) }.max()!
recordVarianceSpread(asymptotic: asymptotic)
chapter.claim(
  "with Alg. 2's m/(m−1), inference outputs have variance 1 over the population at every m (max |var − 1|)",
  paper: "Ioffe & Szegedy 2015, Alg. 2", measured: worstUnbiased, format: "%.3f",
  threshold: "≤ 0.03", holds: worstUnbiased <= 0.03, kind: .check)

chapter.save(batchNoiseFigure(slopes: (meanSlope, varianceSlope, gapSlope)))

/*:
 ![Batch noise](Figures/01-batch-noise.png)

 *Figure 1.2.* Not a figure of the paper, which states the estimates are noisy but does not
 measure them. Left: the spread of $\mu_\mathcal{B}$ (relative to $\sigma$) and of
 $\sigma^2_\mathcal{B}$ (relative to $\sigma^2$) over thousands of batches, averaged over 16
 units of Fashion-MNIST pre-activations; both are straight lines of slope $-1/2$ (the dashed
 guides have that slope and run at half the height, so that they do not hide the data). The variance
 estimate's relative spread is {{scalar "spread of batch variance / spread of batch mean, mean over m ≥ 16" | %.2f}} times the mean's (on average for $m \ge 16$); for Gaussian data it is
 $\sqrt2 \approx 1.41$ ($\sqrt{(\mu_4/\sigma^4 - 1)/m}$ with $\mu_4/\sigma^4 = 3$), and these random-sign sums of
 784 pixels have $\mu_4/\sigma^4 \approx$ {{scalar "population kurtosis of the pre-activations, mean over units" | %.2f}} on average. Middle: how differently one input is normalised in
 training (its batch's statistics) and at inference (Alg. 2's population statistics): the RMS
 gap in units of $\hat x$ also falls as $m^{-1/2}$, from about {{series "train-inference RMS gap" "batch" at 4 | %.1f}} at $m = 4$ to {{series "train-inference RMS gap" "batch" at 1024 | %.2f}} at
 $m = 1024$ — the noise behind the regularising effect of §3.4 is large for small batches. Right: the variance of inference outputs over the whole
 population, with Alg. 2's unbiased $\frac{m}{m-1}\mathrm{E}[\sigma^2_\mathcal{B}]$ (≈ 1 at every
 $m$, at most {{claim "with Alg. 2's m/(m−1)" | %.3f}} away) and without the correction (≈ $m/(m-1)$, the dashed curve).

 ## 5. Conventions: one algorithm, three sets of numbers

 Algorithm 2 leaves choices open: the value of ε ("a constant added to the mini-batch variance
 for numerical stability", §3 — never given), how the population averages are tracked (the
 paper describes an average over training mini-batches and mentions moving averages), and
 whether the stored variance carries the $m/(m-1)$ factor. Libraries chose differently, which
 is why "the same" trained network gives different inference outputs in different libraries.
 The engine makes each choice explicit (`BatchNormConvention`):

 | preset | ε | update after each batch | stored variance |
 |---|---|---|---|
 | `paper` | 1e-5 (our choice; the paper gives none) | plain average over all batches seen | unbiased, $\frac{m}{m-1}\sigma^2_\mathcal{B}$ |
 | `pytorch` | 1e-5 | running ← 0.9·running + 0.1·batch | unbiased |
 | `keras` | 1e-3 | moving ← 0.99·moving + 0.01·batch | biased, $\sigma^2_\mathcal{B}$ |

 Both libraries start their running statistics at mean 0 and variance 1. PyTorch calls its
 0.1 `momentum`; Keras calls its 0.99 `momentum` — the same word for opposite weights, which
 the engine normalises to "weight of the new batch" (0.1 and 0.01).

 We feed one stream of 500 batches of 32 pre-activations of one unit through the three
 presets and print the stored statistics after selected updates; the stream does not depend
 on the preset of the run. With the default seed, on Fashion-MNIST, the run prints (unit 0 has
 population mean {{scalar "convention stream: population mean of the unit" | %.4f}} and variance {{scalar "convention stream: population variance of the unit" | %.4f}}):

 {{table "running statistics per update"}}
 */
let conventionBatchSize = 32
let conventionBatches = 500
let conventionUnit = 0
var conventionRNG = chapter.makeGenerator("convention stream")
var trackers = BatchNormConvention.all.map { PopulationStatistics(features: 1, convention: $0) }
var runningMeans = [[Double]](repeating: [], count: trackers.count)
var runningVariances = [[Double]](repeating: [], count: trackers.count)
var firstBatch: (mean: Double, variance: Double) = (0, 0)
for t in 1...conventionBatches {
  let indices = sampleIndices(conventionBatchSize, from: population.rows, using: &conventionRNG)
  let values = indices.map { Double(population[$0, conventionUnit]) }
  let mu = values.reduce(0, +) / Double(conventionBatchSize)
  let sigma2 = values.map { ($0 - mu) * ($0 - mu) }.reduce(0, +) / Double(conventionBatchSize)
  if t == 1 { firstBatch = (mu, sigma2) }
  for k in trackers.indices {
    trackers[k].update(batchMean: [mu], batchVariance: [sigma2], batchSize: conventionBatchSize)
    runningMeans[k].append(trackers[k].mean[0])
    runningVariances[k].append(trackers[k].variance[0])
  }
}
let trueMean = populationMoments.mean[conventionUnit]
let trueVariance = populationMoments.variance[conventionUnit]
recordConventions()

/*:
 After one batch the three disagree completely, and the table shows why. `paper` has
 simply stored the batch's statistics (variance times 32/31). `pytorch` has moved a tenth of
 the way from its initial (0, 1), `keras` a hundredth. The moving averages forget their
 initial values geometrically: after $t$ batches a fraction $(1-\text{weight})^t$ of the
 initial value remains — 0.9^20 ≈ 12% for PyTorch but 0.99^200 ≈ 13% for Keras, so a Keras
 model evaluated early in training is normalised with statistics that are still mostly the
 initial (0, 1) — after 100 batches Keras still stores a variance {{scalar "keras stored variance after 100 updates / population variance" | %.0f}} times the true one.
 At the end the three agree up to noise (PyTorch's estimate, an average over the last ~10
 batches, is the noisiest), except that Keras's variance is the biased one (smaller by 31/32
 on average, hidden in the noise here) and its ε is a hundred times larger. The
 first update of each preset is checked against its rule exactly:
 */
let firstUpdateError = [
  // paper: E ← μ_B, Var ← m/(m−1)·σ²_B
  abs(runningMeans[0][0] - firstBatch.mean),
  abs(runningVariances[0][0] - 32.0 / 31.0 * firstBatch.variance),
  // pytorch: 0.9·(0, 1) + 0.1·(μ_B, m/(m−1)·σ²_B)
  abs(runningMeans[1][0] - 0.1 * firstBatch.mean),
  abs(runningVariances[1][0] - (0.9 + 0.1 * 32.0 / 31.0 * firstBatch.variance)),
  // keras: 0.99·(0, 1) + 0.01·(μ_B, σ²_B)
  abs(runningMeans[2][0] - 0.01 * firstBatch.mean),
  abs(runningVariances[2][0] - (0.99 + 0.01 * firstBatch.variance)),
].max()!
chapter.claim(
  "first update of each preset follows its rule (paper, pytorch, keras; max |error|)",
  paper: "Ioffe & Szegedy 2015, Alg. 2; library docs", measured: firstUpdateError,
  format: "%.1e", threshold: "≤ 1e-12", holds: firstUpdateError <= 1e-12, kind: .check)

chapter.save(conventionsFigure())

/*:
 ![Conventions](Figures/01-conventions.png)

 *Figure 1.3.* The stored mean and variance of one unit after each of 500 training batches,
 under the three presets (log scale of batches). The `paper` average jumps to the first
 batch's values and then settles, ever more slowly, on the population values (dashed). PyTorch's
 moving average reaches them within a few dozen batches and then keeps fluctuating (it
 weights the last ~10 batches); Keras's needs a few hundred batches to forget its initial
 variance of 1, and then fluctuates less (it averages ~100 batches). Here the weights are
 fixed, so the only cost of a moving average is its noise, and the slower one is better. In
 training the weights move, and a slow average also *lags*: Chapter 3 measures that the lag
 wins there (momentum 0.01 costs more test accuracy than 0.1), and Chapter 5 that it can cost
 a recurrent network tens of points. None of this is in the paper's figures; it is the
 reason a port of a model from one library to another must copy ε, the momentum *and* the
 variance convention, not just the weights.

 ## 6. What BN does to a distribution

 Finally, a picture. We take one unit's pre-activations over a batch of real images, before
 and after the transform. BN is an affine map per feature, so it moves and rescales the
 histogram but cannot change its shape: skewness and kurtosis (standardised moments) are
 unchanged. BN standardises; it does not make anything Gaussian.

 The 16 random units above are sums of 784 pixels with random signs, so they already look
 roughly Gaussian and would make the point poorly. For the picture we use a unit whose
 weights are the *absolute values* of the first unit's: it adds up the ink in a random
 pattern, a "how much is drawn" detector, and its input distribution over Fashion-MNIST is far
 from Gaussian (light sandals and dark coats sit at opposite ends). The shape claim is checked
 on it and on all 16 random units.
 */
let histogramBatchSize = chapter.pick(smoke: 500, book: 2000, paper: 2000)
var histogramRNG = chapter.makeGenerator("histogram batch")
let histogramImages = gather(
  trainingImages,
  rows: sampleIndices(histogramBatchSize, from: trainingImages.rows, using: &histogramRNG))
// The ink detector: w_k = |W_k0| ≥ 0, then the 16 random units beside it.
let inkWeights = Matrix<Float>(
  rows: firstLayer.rows, cols: 1, (0..<firstLayer.rows).map { abs(firstLayer[$0, 0]) })
let histogramBatch = matmul(histogramImages, inkWeights)
let randomUnitsBatch = matmul(histogramImages, firstLayer)

let (histogramGamma, histogramBeta) = unitAffine(1)
let (histogramOutput, _) = BatchNormalization.forward(
  training: histogramBatch, gamma: histogramGamma, beta: histogramBeta, epsilon: epsilon)
let before = histogramBatch.column(0)
let after = histogramOutput.column(0)
let shapeBefore = shape(of: before)
let shapeAfter = shape(of: after)
let afterMoments = columnMoments(histogramOutput)
recordInkUnit(before: before, shapeBefore: shapeBefore, shapeAfter: shapeAfter)
let shapeChange = max(
  largestShapeChange(histogramBatch, epsilon: epsilon),
  largestShapeChange(randomUnitsBatch, epsilon: epsilon))
chapter.claim(
  "BN standardises but keeps the shape: skewness and kurtosis unchanged (17 units; max |change|, Float)",
  paper: "Ioffe & Szegedy 2015, Alg. 1 (per-feature affine)", measured: shapeChange,
  format: "%.1e", threshold: "≤ 1e-4", holds: shapeChange <= 1e-4, kind: .check)

chapter.save(distributionFigure(before: before, after: after))

/*:
 ![Distribution before and after BN](Figures/01-distribution.png)

 *Figure 1.4.* A histogram (as a density) of one unit's pre-activation over a batch of
 Fashion-MNIST images, before (left) and after (middle) the transform, and (right) the
 quantiles of $\hat x$ against a standard normal's — on the diagonal if $\hat x$ were
 Gaussian; the unit is the "ink
 detector" described above (skewness {{scalar "ink unit skewness before BN" | %.2f}}, kurtosis {{scalar "ink unit kurtosis before BN" | %.2f}} against a Gaussian's 0 and 3: lopsided,
 with a second bump and short tails). The paper's Figure 1(b, c)
 follows the 15th, 50th and 85th percentiles of a sigmoid's input *over training*; Chapter 3
 reproduces that. Here, at one moment, we see what the transform itself does: the histogram is
 moved to mean 0 and squeezed to variance 1, and the dashed standard normal shows what it does
 *not* do — the skewed shape survives exactly. The Q-Q plot says the same more sharply: the
 lower tail stops at $\hat x \approx$ {{scalar "ink unit smallest x̂" | %.1f}} where a Gaussian would reach {{scalar "normal quantile of the batch's lowest rank" | %.1f}} (the points bend
 far above the diagonal), while the upper tail stays near the diagonal and ends at
 $\hat x \approx$ {{scalar "ink unit largest x̂" | %.1f}} where a Gaussian would reach {{scalar "normal quantile of the batch's lowest rank" | neg | %.1f}}: a lopsided, light-tailed distribution, standardised. That is why γ and β (section 2) and the
 nonlinearity after BN still see a non-Gaussian input. The whitening the paper starts from (§2)
 would go further — zero means, unit variances *and* decorrelated features — and §3's
 simplification gives up the decorrelation: per-feature BN fixes each feature's first two
 moments and nothing else.

 ## Summary

 Algorithm 1 does exactly what it says: zero mean and unit variance per feature (up to
 $\epsilon/\sigma^2$), any mean and spread through γ and β, the identity included. It is
 invariant to the scale of the weights in front of it, exactly when $\epsilon = 0$ and up to a
 predictable $\epsilon/a^2$ effect otherwise. Its statistics are estimates whose noise falls
 as $m^{-1/2}$, which is also the size of the gap between training and inference outputs;
 Algorithm 2's $m/(m-1)$ makes inference outputs have the variance training intended. The
 libraries' conventions differ in ε, averaging and variance bias, and Figure 1.3 shows how much
 that changes the stored numbers. Chapter 2 differentiates all of this.
 */
chapter.finish()
