/*:
 # Chapter 3 — A feed-forward network on MNIST

 Chapters 1 and 2 built the transform and its gradient on a single layer. This chapter puts
 it into a whole network and asks the question the paper's first experiment asks: does a
 network with batch normalization train *faster* and *better*, and is it because the inputs
 of its nonlinearities stop wandering?

 > "Batch Normalization allows us to use much higher learning rates and be less careful
 > about initialization." — Ioffe & Szegedy 2015, abstract

 We reproduce §4.1 and its Figure 1 with the paper's own network and schedule, in three
 repetitions, with training curves beside the test curves; then a CPU-sized analogue of the
 learning-rate experiments of §4.2 (BN-x5, BN-x30, with the paper's faster decay and without)
 and why their weights grow; then how inference uses population statistics (Alg. 2) and
 folds BN away; then §4.2.2's sigmoid result as a ten-layer sigmoid network, with the
 gradient reaching each layer; and last two experiments a reader will ask for: the initial
 weights' scale, and small batches.

 **Data.** The paper used MNIST. This book runs on Fashion-MNIST by default (it ships as a
 Debian package; MNIST does not), which has the same format — 60,000 training and 10,000
 test images of 28×28 grey levels, 10 classes — but is harder: the paper's little sigmoid
 network reaches about 98% on MNIST and about 87–89% on Fashion-MNIST. Every claim below is
 *relative* (BN against no BN, one learning rate against another), so it still applies. To
 run on real MNIST: `companion fetch mnist --to DIR`, then
 `ch03-feedforward --mnist DIR` (or `companion run 3 --mnist DIR`). Every figure title says
 which data set produced it.
 */

import Companion
import Datasets
import Engine
import Foundation
import Plot

let chapter = Chapter(number: 3)
let images = chapter.attempt { try chapter.loadImages() }
let dataName = images.source.name

/*:
 ## The experiment of §4.1

 > "We trained the network for 50000 steps, with 60 examples per mini-batch."
 > — Ioffe & Szegedy 2015, §4.1

 The network: the 784 pixels, three fully connected hidden layers of 100 sigmoid units,
 a 10-way softmax with cross-entropy loss. Each hidden layer computes $y = g(Wu + b)$ with
 $g$ the logistic sigmoid; with batch normalization it computes $y = g(\mathrm{BN}(Wu))$:
 BN goes right before the nonlinearity and the bias is dropped, because the mean subtraction
 cancels any constant added to $Wu$ and $\beta$ takes its place (§3.2).

 What the paper leaves open, and what we chose:

 * *Input.* The paper speaks of a "binary image"; we feed the grey levels scaled to $[0, 1]$.
 * *Initial weights.* "small random Gaussian values", scale not given: we draw every weight
   from $\mathcal N(0, 0.1^2)$ and the biases start at 0. Both networks start from the same
   weights (the BN network simply has no biases) and see the same mini-batches in the same
   order, so the two curves differ only by batch normalization.
 * *Optimizer.* Not given. Plain SGD, $\theta \leftarrow \theta - \eta\, \partial\ell/\partial\theta$,
   on the mean loss of the batch, with the learning rate $\eta$ picked by a small sweep on the
   baseline (below).
 * *ε* is $10^{-5}$ (the paper gives none).

 A hidden layer with BN is the engine's `BatchNorm` layer with the sigmoid fused in: it takes
 the batch's moments (or, at inference, the population's), then writes $\hat x$ and
 $g(\gamma \hat x + \beta)$ in one pass over the batch. The network asks only the normaliser
 protocol of it, so another normalisation would be another case of the configuration.

 @include Sources/Engine/Normalization/BatchNorm.swift#forward

 The book preset runs the paper's full 50,000 steps; the engine does one step of this network
 in under half a millisecond on one core.
 */

let steps = chapter.steps(default: chapter.pick(smoke: 200, book: 50_000, paper: 50_000))
let batchSize = 60
let initialStandardDeviation = 0.1
let hiddenWidths = [100, 100, 100]
/// How many test images the curves are measured on (all 10,000 except in the smoke run).
let testCount = chapter.pick(smoke: 500, book: 10_000, paper: 10_000)
/// The fixed images whose sigmoid inputs Figure 1(b, c) tracks.
let probeCount = chapter.pick(smoke: 200, book: 1_000, paper: 1_000)
/// Training batches of the population-statistics pass at every point of a curve.
let curvePopulationBatches = chapter.pick(smoke: 5, book: 100, paper: 100)
/// Measurements per curve after the first 1%: about 100 in the book, a few in the smoke run.
let evaluationPoints = chapter.pick(smoke: 25, book: 100, paper: 100)
/// Training batches of the final population-statistics pass: all 1,000 except in the smoke run.
let fullPassBatches = chapter.pick(
  smoke: 50, book: images.train.count / 60, paper: images.train.count / 60)

/*:
 Images become matrices with one example per row. The test set is one big matrix; training
 batches are filled from a seeded shuffle, fresh every epoch (1,000 batches of 60), so that
 every run of one repetition sees exactly the same sequence of batches (each repetition has
 its own shuffle and its own initial weights). The helpers are in [Support.swift](Support.swift).
 */

let trainingSet = images.train
let testSet = prefix(images.test, testCount)
let testX = matrix(of: testSet)
let probeX = matrix(of: prefix(images.test, probeCount))

let batchSeed = chapter.seed(for: "mini-batch order")
/// A fixed sample of training images, as many as the test images, for training curves.
let trainingSample = prefix(trainingSet, testCount)
let trainingSampleX = matrix(of: trainingSample)

let populationSeed = chapter.seed(for: "population batches")
let curvePopulation = fixedBatches(
  trainingSet, count: curvePopulationBatches, size: batchSize, seed: populationSeed)

/*:
 ## Measuring a network while it trains

 At each point of a curve we measure the network *as it would be used*: for the BN network
 that means Alg. 2, inference with population statistics.

 > Alg. 2, step 10: $\mathrm E[x] \leftarrow \mathrm E_{\mathcal B}[\mu_{\mathcal B}]$,
 > $\mathrm{Var}[x] \leftarrow \frac{m}{m-1}\mathrm E_{\mathcal B}[\sigma^2_{\mathcal B}]$
 > — Ioffe & Szegedy 2015, §3.1

 The expectation is over training mini-batches of size $m$ *of the trained network*, so
 after training one runs the frozen network over the training set once in training mode,
 averaging the batch means and the (Bessel-corrected) batch variances. That costs a full
 pass; doing it at every one of the ~100 points of a curve would cost more than the training,
 so the curves use a pass over a fixed set of 100 training batches of 60 (6,000 images,
 drawn once), and the final numbers use the whole training set. The engine's `BatchNorm`
 layer does the averaging when a forward pass asks for the `.batchAndTrack` statistics policy
 and its convention is `.paper` (average, unbiased); training steps ask for `.batch` instead
 (normalise with the batch, track nothing) — the weights change at every step, so an average
 over all of training would mix statistics of many different networks (§ Inference below
 measures exactly how much that costs).
 */

/// Alg. 2, step 10: resets each BN layer's population statistics and averages the batch
/// means and unbiased batch variances of `batches` (forward passes only; nothing learns).
func estimatePopulation(of network: FeedForwardNetwork<Float>, over batches: [Matrix<Float>]) {
  for norm in network.batchNorms { norm.population.reset() }
  for x in batches { _ = network.forward(x, statistics: .batchAndTrack) }
}

/*:
 For Figure 1(b, c) we record, at every point of the curves, the input of each sigmoid of
 the last hidden layer for a fixed probe set — the first 1,000 test images — fed through the
 network in its current state (inference mode, so the BN network uses the population
 statistics just estimated). The drift claim below uses all 100 units; the "typical sigmoid"
 the figure shows is the unit whose drift is the median of its network's 100 (the units are
 exchangeable, so nothing else singles one out). We also record the last BN layer's $\gamma$
 and $\beta$, and for the training curves the accuracy on a fixed sample of training images
 and the mean training loss between points.
 */

/*:
 ## Reading a noisy curve

 A single evaluation on the 10,000 test images is a noisy number: between two neighbouring
 points of a curve, 500 steps apart, the accuracy of either network jumps in the second half
 of training by
 {{scalar "test accuracy jump between neighbouring points, second half, median (points)" | %.2f}}
 points in the median, and by more than
 {{scalar "test accuracy jump between neighbouring points, second half, 90th percentile (points)" | %.2f}}
 points one time in ten — against a difference of
 {{scalar "final gap BN − baseline, mean (points)" | %+.2f}} points between the two
 networks' final accuracies (BN − baseline, mean over three repetitions). Claims read off
 single evaluations — "the first measured step at which the curve reaches $X$", "the best
 single evaluation" — flipped, in an earlier version of this chapter, with a change of
 *rounding only* in the engine. So every claim reads curves the same way, fixed before
 looking at the results (in code: [Measures.swift](Measures.swift)):

 * **Smoothing.** Each run's accuracy curve is smoothed by a *trailing* moving average over
   5 evaluation points: in the book run, each point with the four before it, i.e. over the
   last 2,000 steps of training (the first 1,000 steps are measured more densely, so there
   the window is shorter; at the start it is over the points that exist). Trailing, not
   centred: a centred average at step $t$ already contains evaluations after $t$, so "the
   first step at which the smoothed curve reaches $X$" would look ahead. The same smoothing is
   applied to every run.
 * **Steps to reach $X$**: the first evaluation step at which the *smoothed* curve is $\ge X$.
 * **Final accuracy**: the mean of the last 5 evaluations (the last 2,000 steps).
 * **Best accuracy**: the maximum of the smoothed curve. The maximum of ~100 raw evaluations
   is biased upwards — it picks the luckiest draw of the noise — and is a target no other run
   is likely to hit.

 The page prints the single-evaluation numbers beside the smoothed ones, so nothing is hidden.
 */

/// Points averaged by the trailing moving average of every curve (the point and 4 before it).
let smoothingWindow = 5

/*:
 ## A training run

 One function trains every network of the chapter, `FeedForwardExperiment`'s in the library
 ([FeedForwardExperiment.swift](../../Sources/Companion/Experiments/FeedForward/FeedForwardExperiment.swift),
 for any normaliser; `runSpec` in [Support.swift](Support.swift) describes one run): build
 it from the seed, then for each step fill a batch, run `trainStep` (forward, loss,
 hand-derived backward, SGD update — Chapter 2's gradient inside), and at each scheduled step
 measure test accuracy and, if asked, the probe percentiles. A loss that stops being a number
 ends the run; `checkFinite` records where.

 For the inference table we also keep, for each BN layer, two running summaries of the batch
 statistics seen *during* training, fed from the layer's `lastBatchStatistics` (the $\mu_\mathcal B$
 and biased $\sigma^2_\mathcal B$ of the step just taken): exponential moving averages with
 PyTorch's momentum 0.1 and Keras's 0.01 (what libraries use at inference), and the plain
 average over all of training (Alg. 2's formula, but applied to a moving target).
 */

let experiment = FeedForwardExperiment(
  chapter: chapter, evaluationPoints: evaluationPoints, smoothingWindow: smoothingWindow,
  probeX: probeX, trainingSampleX: trainingSampleX, trainingSampleLabels: trainingSample.labels,
  curvePopulation: curvePopulation)

/*:
 ## Choosing the learning rate

 The paper does not give its optimizer settings for MNIST. We choose the baseline's rate the
 way one would: a short sweep over a factor-of-three grid, each rate trained for a tenth of the
 run, judged on a sixth of the training images held out for the purpose — 10,000 of the
 60,000 — and trained on the rest (not on the test set, which the figures report; with a
 smaller MNIST-format set given by `--mnist`, the held-out share is still a sixth). Each rate
 is scored by the mean held-out accuracy over its last 5 evaluations (the last 200 of its
 5,000 steps; evaluations are 50 steps apart in the sweep), not by one final evaluation.
 Rates whose scores are within 0.3 points of the best are within the noise of each other;
 among those we take the **smallest**: the paper compares BN against the baseline at the
 baseline's working rate, and a larger rate that is not clearly better is not that. We fixed
 this rule before running it. The chosen rate becomes the base
 rate $\eta$ for both networks in Figure 1; the learning-rate experiment multiplies it. (The
 sweep's table, like every table of the chapter, is built in [Tables.swift](Tables.swift).)
 */

let sweepRates: [Double] = chapter.pick(
  smoke: [0.3, 1], book: [0.1, 0.3, 1, 3], paper: [0.1, 0.3, 1, 3])
let sweepSteps = chapter.pick(smoke: 50, book: 5_000, paper: 5_000)
/// Steps of each ten-layer run (the last section).
let deepSteps = chapter.pick(smoke: 100, book: 20_000, paper: 50_000)

/// Repetitions of Figure 1 and of the learning-rate runs (below).
let replicates = chapter.pick(smoke: 2, book: 3, paper: 3)
/// The paper's accelerated decay: 4% every 8/6 epochs of 1,000 steps of 60.
let decayEvery = 8.0 / 6 * Double(trainingSet.count / batchSize)

/// The networks of Figure 1 and of the learning-rate runs: with BN or not, a multiple of the
/// base rate, decayed or not.
let figureVariants = [
  Variant(name: "baseline", batchNorm: false, multiplier: 1),
  Variant(name: "BN", batchNorm: true, multiplier: 1),
]
let rateVariants = [
  Variant(name: "BN ×5", batchNorm: true, multiplier: 5),
  Variant(name: "BN ×30", batchNorm: true, multiplier: 30),
  Variant(name: "baseline ×5", batchNorm: false, multiplier: 5),
  Variant(name: "baseline ×30", batchNorm: false, multiplier: 30),
  Variant(name: "BN ×5, decay", batchNorm: true, multiplier: 5, decays: true),
  Variant(name: "BN ×30, decay", batchNorm: true, multiplier: 30, decays: true),
]

/// The initial weight scales of the initialisation sweep (below).
let initialScales: [Double] = [0.01, 0.1, 1, 3]
// A long run says how long it will take, where its checkpoints go and how to resume it.
announceIfLong()

/// The sweep's held-out share of the training images: a sixth, 10,000 of the 60,000 of
/// (Fashion-)MNIST, and as many in proportion for a smaller MNIST-format set.
let sweepHeldOutFraction = 1.0 / 6
let sweepData = chapter.attempt {
  try trainingSet.split(
    validationCount: Int((Double(trainingSet.count) * sweepHeldOutFraction).rounded()),
    seed: chapter.seed(for: "sweep"))
}
let sweepValidation = prefix(sweepData.validation, testCount)

let sweepRuns = chapter.phase("learning-rate sweep") {
  experiment.train(
    "learning-rate sweep",
    sweepRates.map { rate in
      runSpec(
        name: "sweep η=\(rate)", batchNorm: false, learningRate: rate, steps: sweepSteps,
        training: sweepData.train, evaluationX: matrix(of: sweepValidation),
        evaluationLabels: sweepValidation.labels, evaluationName: "held-out")
    })
}
let sweep = sweepScores(sweepRates, sweepRuns.map(\.result))
/// Points within which two sweep scores count as the same (the noise of the score).
let sweepTolerance = 0.3
let bestSweepScore = sweep.map(\.accuracy).filter(\.isFinite).max() ?? .nan
/// The smallest rate whose score is within `sweepTolerance` of the best.
let baseRate =
  sweep.filter { $0.accuracy.isFinite && $0.accuracy >= bestSweepScore - sweepTolerance }
  .map(\.rate).min() ?? sweepRates[0]
recordSweep()

/*:
 ## Figure 1 and the learning-rate runs, three times over

 One seed stands behind nothing below. Every network of Figure 1 and of the learning-rate
 experiment is trained three times, each repetition with its own initial weights and its own
 mini-batch order (repetition 1 uses the chapter's seed; repetitions 2 and 3 draw from
 generators named after them), and every claim is decided on all three. The runs train side
 by side, one per core (`--jobs`); the harness merges their results in a fixed order, so the
 numbers are the same bit for bit whatever the number of jobs.

 The networks, each at 50,000 steps:

 * **baseline** and **BN** at the base rate $\eta$: Figure 1. Both also record, at every
   point, their accuracy on a fixed sample of 10,000 *training* images and their mean
   training loss, so that the test curves can be read beside the training curves.
 * **BN ×5**, **BN ×30**, **baseline ×5**, **baseline ×30**: the rate multiplied, nothing
   else changed.
 * **BN ×5, decay** and **BN ×30, decay**: the multiplied rate *with the paper's decay*. The
   Inception schedule lowered the rate by 4% every 8 epochs; for BN-x5 and BN-x30 the paper
   "lower[s] the learning rate 6 times faster" (§4.2.1), i.e. by 4% every 1⅓ epochs. An epoch
   here is 1,000 steps, so $\eta_t = \eta_0 \cdot 0.96^{\,t/1333}$, and the rate ends at 0.22
   of its start. (We keep none of §4.2.1's other changes: there is no dropout, L2, LRN or
   augmentation in this network to remove.)
 */

let mainSpecs = (1...replicates).flatMap { replicate in
  (figureVariants + rateVariants).map { variant in
    let isFigure = figureVariants.contains(variant)
    return runSpec(
      name: runName(variant, replicate: replicate), batchNorm: variant.batchNorm,
      learningRate: variant.multiplier * baseRate, steps: steps, replicate: replicate,
      decayEvery: variant.decays ? decayEvery : nil, recordsProbe: isFigure,
      recordsTraining: isFigure, keepsNetwork: variant.name == "BN" && replicate == 1)
  }
}
let mainRuns = chapter.phase("Figure 1 and learning-rate runs") {
  experiment.train("Figure 1 and learning-rate runs", mainSpecs)
}
/// Every variant's runs, repetition 1 first.
let runs = runsByVariant(mainSpecs, mainRuns)
let baselineRuns = runs["baseline"]!
let bnRuns = runs["BN"]!
/// The BN network of repetition 1, kept for the inference table and BN folding.
let batchNormed = mainRuns[mainSpecs.firstIndex(where: \.keepsNetwork)!]
let baseline = baselineRuns[0]

/*:
 ### Figure 1(a): fewer steps, at more than one target

 The claim of Figure 1(a), made precise. The paper's figure shows the BN network ahead
 nearly throughout; it gives no factor (the "fewer steps" numbers of the paper are §4.2.2's,
 for Inception on ImageNet). We take as targets the baseline's own final accuracy (the
 mean of its last 5 evaluations) and levels 0.25, 0.5, 1 and 2 points below it, and for each
 the ratio (BN's first step at the target) / (the baseline's first step), on the trailing
 smoothed curves, per repetition. The claim: at every target, the mean ratio is below 1.
 A single target at the baseline's own plateau is fragile — the baseline creeps over its
 last points, and "first at or above" then depends on the plateau's shape — so the table
 shows all of them, and how many ratios are at most one half.
 */

recordCurveNoise()
let targetOffsets: [Double] = [0, 0.25, 0.5, 1, 2]
/// Per target: BN's steps / the baseline's in each repetition, and how many BN reached.
let speedRows: [(offset: Double, ratios: Spread, reached: Int)] = targetOffsets.map { offset in
  let pairs = zip(baselineRuns, bnRuns).map { base, bn in
    let target = base.finalAccuracy - offset
    return multiple(
      stepsToReach(target, bn), of: stepsToReach(target, base) ?? steps, runLength: steps)
  }
  return (offset, Spread(values: pairs.map(\.value)), pairs.filter(\.reached).count)
}
recordSpeed()
let worstSpeedRatio = speedRows.map(\.ratios.mean).max() ?? .nan
chapter.claim(
  "BN reaches the baseline's final accuracy, and each level up to 2 points below it, in fewer steps (largest mean ratio over the targets, \(replicates) repetitions)",
  paper: "Ioffe & Szegedy 2015, §4.1, Fig. 1(a)", measured: worstSpeedRatio, format: "%.3f",
  unit: "×", threshold: "< 1 at every target",
  holds: speedRows.allSatisfy { $0.ratios.mean < 1 && $0.reached == replicates })

let finalGaps = Spread(
  values: zip(baselineRuns, bnRuns).map { $1.finalAccuracy - $0.finalAccuracy })
recordFinalAccuracies()
chapter.claim(
  "BN ends with a higher test accuracy than the baseline (mean of the last 5 evaluations, BN − baseline, mean over \(replicates) repetitions; must hold in each)",
  paper: "Ioffe & Szegedy 2015, §4.1, Fig. 1(a)", measured: finalGaps.mean, format: "%+.2f",
  unit: " points", threshold: "> 0 in every repetition", holds: finalGaps.low > 0)

/*:
 ### Training curves beside the test curves, and §3.4's regularisation

 If the small network is limited by its capacity rather than by its optimisation, both
 networks should fit their training images about equally well late in training, and the
 test curves should follow the training curves. The training accuracy below is measured the
 way the test accuracy is (population statistics, on a fixed sample of 10,000 training
 images), and the training loss is the mean loss of the mini-batches between two points.

 > "When training with Batch Normalization, a training example is seen in conjunction with
 > other examples in the mini-batch, and the training network no longer producing
 > deterministic values for a given training example. In our experiments, we found this
 > effect to be advantageous to the generalization of the network." — §3.4

 Our measure of that: the final gap between training and test accuracy. The claim: BN's gap
 is smaller than the baseline's, in every repetition.
 */

let baselineGaps = Spread(values: baselineRuns.map(generalisationGap))
let bnGaps = Spread(values: bnRuns.map(generalisationGap))
let gapDifference = Spread(values: zip(bnGaps.values, baselineGaps.values).map { $0 - $1 })
recordTrainingFit()
chapter.claim(
  "BN generalises better: its final train − test accuracy gap is smaller than the baseline's (BN gap − baseline gap, mean; must hold in each repetition)",
  paper: "Ioffe & Szegedy 2015, §3.4", measured: gapDifference.mean, format: "%+.2f",
  unit: " points", threshold: "< 0 in every repetition", holds: gapDifference.high < 0)

/*:
 ### Figure 1(b, c): how far the sigmoid inputs travel

 The paper: without BN the distributions of a sigmoid's input "change significantly over
 time, both in their mean and the variance", with BN they are "much more stable as training
 progresses" (§4.1). A measure of that must cover all of training (the baseline moves most
 at the start) and all units (no hand-picked one), and must be in each unit's own scale. For
 each of the 100 units of the last hidden layer, with its median $m_t$ and its 15–85 spread $s_t$ over the probe set at
 the evaluation points $t_0 = 0, t_1, \dots$:

 $$\text{path} = \frac{\sum_k |m_{t_k} - m_{t_{k-1}}|}{\overline{s}}, \qquad
   \text{net drift} = \frac{|m_{t_K} - m_{t_0}|}{\overline{s}},$$

 with $\overline s$ the unit's spread averaged over training: how many of its own widths the
 median travels in all (the path, which also counts jitter back and forth) and from start to
 end. We take the median over the 100 units, the ratio BN / baseline per repetition, and
 read "much more stable" as a ratio of path lengths below 0.5 on average over repetitions.
 Beside it, the same for $\hat x$, the BN layer's normalised value before $\gamma$ and $\beta$.
 $\hat x$ is standardised by construction — mean 0 and variance 1 over the population at every
 point — so its stability is no evidence for the claim: it only shows where any movement of
 the sigmoid input comes from ($\gamma$ and $\beta$, which are learned). The measure is
 computed in [Drift.swift](Drift.swift).
 */

/// Per repetition: the baseline's sigmoid inputs, BN's, and BN's x̂.
let driftTable = zip(baselineRuns, bnRuns).map { base, bn in
  (base: medianDrift(base.probe), bn: medianDrift(bn.probe), xhat: medianDrift(bn.probeNormalized))
}
let pathRatios = Spread(values: driftTable.map { $0.bn.path / $0.base.path })
let netRatios = Spread(values: driftTable.map { $0.bn.net / $0.base.net })
tabulateDrift()
chapter.claim(
  "With BN the sigmoid inputs' distributions move less than without: path length of each unit's median in its own spreads, median over units, BN / baseline (mean of \(replicates) repetitions)",
  paper: "Ioffe & Szegedy 2015, §4.1, Fig. 1(b, c)", measured: pathRatios.mean, format: "%.3f",
  threshold: "< 0.5", holds: pathRatios.mean < 0.5)

/*:
 ## The learning-rate experiment (§4.2.1–4.2.2, analogue)

 > "In traditional deep networks, too-high learning rate may result in the gradients that
 > explode or vanish, as well as getting stuck in poor local minima." — Ioffe & Szegedy 2015, §3.3

 Batch normalization makes a layer's output invariant to the scale of its weights,
 $\mathrm{BN}((aW)u) = \mathrm{BN}(Wu)$ for $a > 0$, and so
 $$\frac{\partial\, \mathrm{BN}((aW)u)}{\partial (aW)} = \frac 1a \cdot \frac{\partial\, \mathrm{BN}(Wu)}{\partial W}:$$
 if a large learning rate inflates the weights, their gradients shrink in proportion and the
 effective step size settles down by itself (§3.3). The paper's ImageNet experiment trained
 BN-Inception at the base rate, at 5× (BN-x5) and at 30× (BN-x30), and reports the steps each
 needed to reach the plain Inception's best accuracy (72.2%): 31.0M for Inception, 13.3M for
 BN-Baseline, 2.1M for BN-x5 and 2.7M for BN-x30 (§4.2.2, Figure 2–3).

 Our analogue on the MNIST net is the runs listed above, with the control the paper could not
 afford on ImageNet: the baseline at 5× and 30×.

 *Measures.* A target picked as the maximum of one run's curve (the baseline's best accuracy)
 favours that run's luck, a winner's curse. So the claims here use a measure with no target
 to pick: the **mean test accuracy over the whole run** — the area under the
 accuracy curve divided by its length — which rewards a run for every step it spends higher.
 Beside it, the steps each run needs to reach fixed levels, from 4 to 0.5 points below the
 baseline's final accuracy (mean over the repetitions). The robust finding is the first
 claim: at 30× the base rate the plain network does not train at all, the BN network does.
 */

let trainsAt30 = Spread(
  values: zip(runs["BN ×30"]!, runs["baseline ×30"]!).map { $0.finalAccuracy - $1.finalAccuracy })
chapter.claim(
  "At 30× the base rate BN trains where the baseline does not: final accuracy, BN ×30 − baseline ×30 (mean; must hold in each repetition)",
  paper: "Ioffe & Szegedy 2015, §3.3, §4.2.2", measured: trainsAt30.mean, format: "%+.2f",
  unit: " points", threshold: "≥ 20 in every repetition", holds: trainsAt30.low >= 20)

let rateNames = ["baseline", "BN"] + rateVariants.map(\.name)
let meanBaselineFinal = Spread(values: baselineRuns.map(\.finalAccuracy)).mean
/// The fixed levels: the baseline's mean final accuracy minus 4, 2, 1 and 0.5 points.
let fixedTargets = [4.0, 2, 1, 0.5].map { meanBaselineFinal - $0 }
/// Mean accuracy over the run of each decayed multiple, minus BN's, per repetition.
let decayAdvantages = ["BN ×5, decay", "BN ×30, decay"].map { name in
  (name, Spread(values: zip(runs[name]!, bnRuns).map { $0.areaUnderCurve - $1.areaUnderCurve }))
}
recordLearningRates()
for (name, advantage) in decayAdvantages {
  chapter.claim(
    "\(name) (higher rate, faster decay) trains faster than BN at the base rate: mean test accuracy over the run, difference (mean; must hold in each repetition)",
    paper: "Ioffe & Szegedy 2015, §4.2.2, Fig. 2", measured: advantage.mean, format: "%+.2f",
    unit: " points", threshold: "> 0 in every repetition", holds: advantage.low > 0)
}

/*:
 ### Would one seed have decided differently?

 Each claim above is decided on all repetitions. Here is each repetition's own measure and
 the verdict it alone would have given ([PerRepetition.swift](PerRepetition.swift)).
 */

tabulateClaimsPerRepetition()

/*:
 ### Why BN ×5 ends where BN does: the weights grow

 Chapter 2 derived that a weight vector feeding a BN layer is orthogonal to its own gradient,
 $w \cdot \partial\ell/\partial w = 0$ (per unit: BN of $u\,w$ is invariant to the scale of
 $w$). Plain SGD then can only lengthen it:
 $$\|w - \eta g\|^2 = \|w\|^2 - 2\eta\, w\cdot g + \eta^2 \|g\|^2 = \|w\|^2 + \eta^2\|g\|^2.$$
 This is §3.3's "stabilize the parameter growth" made exact: a large rate inflates
 $\|w\|$ quickly, and since the gradient scales as $1/\|w\|$, the step *in direction* is
 $\eta\,\|g\|/\|w\| \propto \eta/\|w\|^2$ — the effective learning rate. A run at 5× the rate
 grows its weights until its effective rate comes down towards the base run's. We record
 $\|W\|$ of every BN layer at every point: the check is that it never shrinks (in `Float`, up
 to rounding), and the figure shows $\eta/\|W\|^2$ over training.
 */

let growthVariants = [figureVariants[1]] + rateVariants.filter(\.batchNorm)
let largestShrink =
  growthVariants.flatMap { runs[$0.name]! }.flatMap { run in
    zip(run.weightNorms.dropFirst(), run.weightNorms).flatMap { now, before in
      zip(now, before).map { ($1 - $0) / $1 }
    }
  }.max() ?? .nan
recordWeightGrowth()
chapter.claim(
  "The weights feeding a BN layer only grow under SGD (largest relative decrease of ‖W‖ between points, every BN run)",
  paper: "follows from Ioffe & Szegedy 2015, §3.3", measured: largestShrink, format: "%.1e",
  threshold: "≤ 1e-5", holds: largestShrink <= 1e-5, kind: .check)

/*:
 ## Inference: population statistics against the alternatives (Alg. 2)

 After training, the BN network of Figure 1 is evaluated on the test set five ways:

 1. **Population statistics, full pass** (Alg. 2): the frozen network run over all 1,000
    training batches of 60, averaging batch means and $\frac{m}{m-1}$-corrected variances.
 2. **Population statistics, 100 batches** — what the curves use.
 3. **Moving averages** tracked during training, with momentum 0.1 (PyTorch) and 0.01
    (Keras). The two tell apart the two costs a moving average can have: *noise* (momentum
    0.1 remembers about the last 10 batches; 0.01 about 100, so less noise) and *lag* (0.01
    remembers batches from further back, taken with older weights, so more lag).
 4. **Plain average over all of training**: Alg. 2's formula taken during training instead of
    after it.
 5. **Batch statistics of the test batch**, for batches of 60 (as in training), 1,000 and the
    whole test set ("large-batch evaluation": with 10,000 images the batch statistics are
    essentially the test set's population statistics).

 The paper's claim is that inference with population statistics gives the deterministic
 network the training-mode network approximates; we check that it lands within half a
 percentage point of large-batch evaluation. The evaluations and the table are in
 [Inference.swift](Inference.swift).
 */

let inferenceRows = inferenceTable()
let populationGap = abs(inferenceRows[0].accuracy - inferenceRows.last!.accuracy)
chapter.claim(
  "Population-statistics accuracy is within 0.5 points of large-batch evaluation",
  paper: "Ioffe & Szegedy 2015, §3.1, Alg. 2", measured: populationGap, format: "%.2f",
  unit: " points", threshold: "≤ 0.5", holds: populationGap <= 0.5)

/*:
 ### Folding BN into the layer before it

 With its population statistics frozen, a BN layer is a fixed affine map of each feature,
 $y = s \odot (z - \mathrm{E}[z]) + \beta$ with $s = \gamma / \sqrt{\mathrm{Var}[z] + \epsilon}$ —
 the last line of Alg. 2 ("replace the transform with $y = \frac{\gamma}{\sqrt{\mathrm{Var}[x]+\epsilon}}\cdot x + \big(\beta - \frac{\gamma\,\mathrm{E}[x]}{\sqrt{\mathrm{Var}[x]+\epsilon}}\big)$").
 Since $z = uW + b$ is affine too, the two merge into one layer with no BN left:
 $W' = W\,\mathrm{diag}(s)$ and $b' = s \odot (b - \mathrm{E}[z]) + \beta$. A deployed BN
 network costs nothing extra at inference. We fold the trained network (with the full-pass
 statistics) and check that the folded one, run with plain matrix products, gives the same
 logits up to `Float` rounding and the same test accuracy ([Folding.swift](Folding.swift)).
 */

let foldingCheck = checkFolding()
chapter.claim(
  "BN folded into the preceding layer gives the same logits (max |Δlogit| on the test set, Float) and accuracy",
  paper: "Ioffe & Szegedy 2015, Alg. 2 (last line)", measured: foldingCheck.maxDifference,
  format: "%.1e", threshold: "≤ 1e-3, same accuracy",
  holds: foldingCheck.maxDifference <= 1e-3 && foldingCheck.accuracyDifference == 0,
  kind: .check)

/*:
 ## Ten sigmoid layers: §4.2.2's BN-x5-Sigmoid on MNIST

 > "We also attempted to train the original Inception with sigmoid, but the model remained
 > at the accuracy equivalent to chance." ... "Indeed, BN-x5-Sigmoid achieves the accuracy
 > of 69.8%. Without Batch Normalization, Inception with sigmoid never achieves better than
 > 1/1000 accuracy." — Ioffe & Szegedy 2015, §4.2.2

 The paper's evidence that BN makes saturating nonlinearities trainable is an Inception
 with sigmoids. Our analogue: ten hidden layers of 100 sigmoids, the same initialisation and
 base rate, 20,000 steps, with and without BN. Why the plain one cannot train, and why BN
 fixes it — derived, then measured per layer.

 *Without BN*, backpropagation through one layer multiplies the gradient by the sigmoid's
 slope and by the weights: $\partial\ell/\partial h_{l-1} = (\sigma'(z_l) \odot \partial\ell/\partial h_l)\,W_l^\top$.
 With $\sigma' \le \tfrac14$ and weights of standard deviation 0.1 over 100 inputs (a gain of
 about $0.1\sqrt{100} = 1$), each layer shrinks the gradient by at least 4: ten layers, by
 $4^{10} \approx 10^6$ or more.

 *With BN* (Chapter 2's backward pass), $\partial\ell/\partial z = \frac{\gamma}{\sigma_\mathcal B}\,
 \big(g - \overline{g} - \hat x\,\overline{g\hat x}\big)$ for $g = \partial\ell/\partial y$: a
 projection times the gain $\gamma/\sigma_\mathcal B$. Now look at what sets $\sigma_\mathcal B$.
 The layer's input is $h = \sigma(y)$ with $y = \gamma\hat x + \beta$; to first order its
 spread over the batch is $\sigma'(\beta)\,\gamma$ per unit, and $z = hW$ has
 $\sigma_\mathcal B \approx \sigma'\gamma\cdot\|W\|_{\text{gain}}$. The backward gain of one
 layer is therefore
 $$\sigma' \cdot \|W\|_{\text{gain}} \cdot \frac{\gamma}{\sigma_\mathcal B} \approx
   \sigma' \cdot \|W\|_{\text{gain}} \cdot \frac{\gamma}{\sigma'\gamma\,\|W\|_{\text{gain}}} = 1:$$
 the sigmoid's squeeze of the forward signal *is* what shrinks $\sigma_\mathcal B$, and BN's
 backward gain divides it out again, whatever the slope and the weight scale. It is not that
 BN keeps each sigmoid "in its steep middle" (the $\beta$s are free to move it anywhere);
 it is that the gradient is rescaled by the same factor the signal was. We record
 $\|\partial\ell/\partial W_l\|$ for every layer in the first training step and throughout.
 */

let deepSpecs = [false, true].map { usesBN in
  runSpec(
    name: usesBN ? "BN, 10 layers" : "baseline, 10 layers",
    hidden: Array(repeating: 100, count: 10), batchNorm: usesBN, learningRate: baseRate,
    steps: deepSteps)
}
let deepRuns: [FeedForwardRunResult] = chapter.phase("deep runs") {
  experiment.train("ten-layer runs", deepSpecs).map(\.result)
}
recordDeepRuns()
let deepGap = deepRuns[1].finalAccuracy - deepRuns[0].finalAccuracy
chapter.claim(
  "With ten sigmoid layers, BN trains and the plain network does not (final accuracy, BN − baseline)",
  paper: "Ioffe & Szegedy 2015, §4.2.2 (BN-x5-Sigmoid)", measured: deepGap, format: "%+.2f",
  unit: " points", threshold: "≥ 20", holds: deepGap >= 20)
chapter.claim(
  "BN's backward gain keeps the first-step gradient the same order in all ten layers (layer 10 / layer 1 ‖∂ℓ/∂W‖ with BN)",
  paper: "follows from Ioffe & Szegedy 2015, §3.3 (our derivation above)",
  measured: gradientDecay(deepRuns[1]), format: "%.2f", threshold: "between 0.1 and 10",
  holds: (0.1...10).contains(gradientDecay(deepRuns[1])), kind: .check)

/*:
 ## Initialisation: "be less careful"

 The abstract's other promise. We train both networks for 5,000 steps (a tenth of the run,
 like the sweep) from Gaussian weights of standard deviation 0.01, 0.1 (ours), 1 and 3:
 too small, the signal dies in the sigmoids' linear middle and symmetry is slow to break;
 too large, the sigmoids saturate. With BN, a layer's output does not depend on its weights'
 scale at all (Chapter 1), so only the direction of the initial weights should matter. The
 claim: the spread (largest − smallest) of BN's final accuracies over the four scales is
 less than half the baseline's.
 */

let initialisationSpecs = [false, true].flatMap { usesBN in
  initialScales.map { scale in
    runSpec(
      name: "\(usesBN ? "BN" : "baseline"), init σ \(scale)", batchNorm: usesBN,
      learningRate: baseRate, steps: sweepSteps, initialStandardDeviation: scale)
  }
}
let initialisationFinals = trainPairs("initialisation sweep", initialisationSpecs)
recordInitialisation()
let initialisationRatio = range(initialisationFinals.bn) / range(initialisationFinals.baseline)
chapter.claim(
  "BN is less sensitive to the initial weights' scale: spread of final accuracy over σ ∈ {0.01, 0.1, 1, 3}, BN / baseline",
  paper: "Ioffe & Szegedy 2015, abstract, §3.3", measured: initialisationRatio, format: "%.3f",
  threshold: "< 0.5", holds: initialisationRatio < 0.5)

/*:
 ## Small batches: what the batch's noise does to training

 Chapter 1 measured the noise of a batch's statistics, falling as $m^{-1/2}$. Here is what
 it does to training: both networks trained on the same 300,000 examples (5 epochs) in
 batches of $m$ = 4, 8, 16 and 60, with the rate scaled in proportion to $m$ (η·m/60, so that
 a step per example is the same size and only the batch's own noise differs), evaluated with
 population statistics as always. The paper only ever uses its own $m$; this is a limit
 of the method it does not discuss (and the subject of later work, Batch Renormalization
 among it), so there is no claim here, only the measurement.
 */

let smallBatchSizes = chapter.pick(smoke: [8, 60], book: [4, 8, 16, 60], paper: [4, 8, 16, 60])
let smallBatchExamples = chapter.pick(smoke: 6_000, book: 300_000, paper: 300_000)
let smallBatchSpecs = [false, true].flatMap { usesBN in
  smallBatchSizes.map { size in
    runSpec(
      name: "\(usesBN ? "BN" : "baseline"), batches of \(size)", batchNorm: usesBN,
      learningRate: baseRate * Double(size) / Double(batchSize),
      steps: smallBatchExamples / size, batchSize: size)
  }
}
let smallBatchFinals = trainPairs("batch-size runs", smallBatchSpecs)
recordBatchSizes()

/*:
 ## Figures

 Six figures, drawn from the runs above; their panels, axes and colours are
 [plumbing of their own](Plots.swift), and what they show is read below.
 */

drawFigures()

/*:
 ## Reading the figures

 The figures below come from the book preset (seed 1, one BLAS thread per run) on
 **Fashion-MNIST** (for real MNIST, see the start of the chapter); the numbers quoted in this
 section are from that run. The whole chapter took {{total | duration}} of wall time on the
 two cores of a quiet machine, two runs at a time,
 {{phase "Figure 1 and learning-rate runs" | %.0f}} s of it for the 24 runs of Figure 1 and
 the learning rates.

 **The sweep.** Scores after 5,000 steps (mean held-out accuracy of the last 5 evaluations;
 the last single evaluation beside it):

 {{table "learning-rate sweep"}}

 The best score is η = {{scalar "sweep best-scoring rate" | %g}}'s, and η = 3 is
 {{scalar "sweep score below the best (points), η=3.0" | %.2f}} points below it; the rates
 within the 0.3-point tolerance of the best are
 {{scalar "sweep rates within the tolerance of the best (count)" | %d}} of the 4, and the rule
 takes the smallest of them: η = {{scalar "base learning rate" | %g}}. (The last single
 evaluations minus the means range from
 {{scalar "sweep last single evaluation − score, lowest (points)" | %+.1f}} to
 {{scalar "sweep last single evaluation − score, highest (points)" | %+.1f}} points: every
 rate sees the same batches in the same order, so they share the luck of the last few
 batches. That is the noise the score averages away.)

 ![Figure 1(a): test accuracy, training accuracy and training loss, with and without BN](Figures/03-accuracy.png)

 *Figure 1(a).* **Paper:** test accuracy of the MNIST network with and without BN over
 50,000 steps; the BN network is above the baseline nearly throughout and ends higher (the
 paper's axis runs from 0.7 to 1.0). **Ours:** the same network and schedule on
 Fashion-MNIST, three repetitions of each network, measured every 500 steps on all 10,000
 test images; the lines are the trailing 5-point averages the claims read (one per
 repetition), the dots repetition 1's single evaluations. Panel (a) shows all of training on
 a log axis: early on, the single evaluations after 500 steps are
 {{series "test accuracy (%)" "BN" at 500 | %.1f}}% with BN against
 {{series "test accuracy (%)" "baseline" at 500 | %.1f}}% without, and the trailing
 averages, which lag, show the difference from the first points on. Panel (b) zooms in:
 averaged over the three repetitions, BN's smoothed curve minus the baseline's is
 {{scalar "smoothed gap BN − baseline at step 1000, mean (points)" | %+.1f}} points at 1,000
 steps, {{scalar "smoothed gap BN − baseline at step 5000, mean (points)" | %+.2f}} at 5,000,
 {{scalar "smoothed gap BN − baseline at step 20000, mean (points)" | %+.2f}} at 20,000,
 {{scalar "smoothed gap BN − baseline at step 40000, mean (points)" | %+.2f}} at 40,000 and
 {{scalar "final gap BN − baseline, mean (points)" | %+.2f}} at the end.

 {{table "steps to target"}}

 The claim that BN trains faster (at every target, a mean ratio below 1)
 **{{verdict "BN reaches the baseline's final accuracy"}}**: on average BN needs
 {{scalar "BN steps / baseline steps, smallest mean over the targets" | %.2f}}–{{claim "BN reaches the baseline's final accuracy" | %.2f}}
 of the baseline's steps, and the largest ratio of any target in any repetition is
 {{scalar "BN steps / baseline steps, largest of any target and repetition" | %.3f}}.
 {{scalar "BN steps / baseline steps, ratios at most one half (count)" | %d}} of the 15
 ratios are at most one half: a factor two is §4.2.2's kind of number, for Inception, not
 Figure 1(a)'s. At the baseline's own
 final accuracy the mean ratio is
 {{scalar "BN steps / baseline steps, target final − 0.00, mean" | %.3f}}, and that target is
 the fragile one: the baseline creeps up to it, its smoothed curve first reaching it at step
 {{scalar "baseline steps to its own final accuracy, mean" | %,.0f}} on average.
 The final accuracies (mean of the last 5 evaluations) are
 {{scalar "final test accuracy (%), baseline" | %.2f}},
 {{scalar "final test accuracy (%), baseline #2" | %.2f}} and
 {{scalar "final test accuracy (%), baseline #3" | %.2f}}% without BN and
 {{scalar "final test accuracy (%), BN" | %.2f}}, {{scalar "final test accuracy (%), BN #2" | %.2f}}
 and {{scalar "final test accuracy (%), BN #3" | %.2f}}% with it: BN − baseline is
 {{scalar "final gap BN − baseline, mean (points)" | %+.2f}} points on average (each
 repetition's is in the table at the end). The claim that BN ends higher
 **{{verdict "BN ends with a higher test accuracy"}}**.

 Panels (c) and (d) are what the reader needs to explain this. On the *training* images, at
 the end, BN fits {{scalar "final training accuracy (%), BN, mean" | %.2f}}% of the
 10,000-image training sample against the baseline's
 {{scalar "final training accuracy (%), baseline, mean" | %.2f}}% (means over the
 repetitions), with a training loss of {{scalar "final training loss, BN, mean" | %.3f}}
 against {{scalar "final training loss, baseline, mean" | %.3f}} — and the training curves are
 still rising at 50,000 steps, for both. So this small network is *not* limited by its
 capacity: BN optimises faster all along, and what it gains on the training images it does not keep on
 the test images. That is the next claim.

 *Generalisation (§3.4).* The final gap between training and test accuracy is
 {{scalar "train − test gap, BN, mean" | %.2f}} points with BN and
 {{scalar "train − test gap, baseline, mean" | %.2f}} without: BN's gap minus the baseline's
 is {{claim "BN generalises better" | %+.2f}} points on average (each repetition's is in the
 table at the end). The paper found BN's noise "advantageous to the generalization of the
 network" (with dropout removed in §4.2.1 as a consequence); here the claim
 **{{verdict "BN generalises better"}}**. The baseline is not regularised by anything either
 (no dropout, no L2); both simply fit the training set, BN sooner. BN's regularisation,
 whatever its size, is smaller than the overfitting that its faster optimisation brings in
 50,000 steps of a 60,000-image set. (Chapter 4 measures the recurrent case at equal
 training fit instead of at a fixed step, and there input BN trains faster and generalises at
 least as well.)

 ![Figure 1(b, c): 15/50/85th percentiles of a typical sigmoid's input over training](Figures/03-sigmoid-inputs.png)

 *Figure 1(b, c).* **Paper:** for one typical sigmoid of the last hidden layer, the 15th,
 50th and 85th percentiles of its input over training: without BN (b) they move in mean and
 spread; with BN (c) they stay nearly fixed. **Ours:** each network's typical unit (above), at
 each point of the curves (same axes in both). Without BN (b) the median goes from
 {{scalar "typical sigmoid, baseline: median input at step 0" | %+.1f}} to
 {{scalar "typical sigmoid, baseline: median input at step 125" | %+.1f}} by the first
 measurement, at step 125, ends at
 {{scalar "typical sigmoid, baseline: median input at the end" | %+.1f}}, and jumps by
 {{scalar "typical sigmoid, baseline: jump of the median between points, 25th percentile" | %.2f}} to
 {{scalar "typical sigmoid, baseline: jump of the median between points, 75th percentile" | %.2f}}
 of a unit from one point to the next (the middle half of its jumps) for all of training.
 With BN (c) the median moves from {{scalar "typical sigmoid, BN: median input at step 0" | %.1f}}
 to {{scalar "typical sigmoid, BN: median input at the end" | %.1f}}, smoothly, and the band
 goes steadily from {{scalar "typical sigmoid, BN: 15–85 spread at step 0" | %.1f}} to
 {{scalar "typical sigmoid, BN: 15–85 spread at the end" | %.1f}} units wide. Per repetition,
 the median over units of the distance each unit's median travels, in units of its own
 15–85 spread:

 {{table "drift"}}

 The ratio of path lengths, BN / baseline, is
 {{claim "With BN the sigmoid inputs' distributions" | %.3f}} on average (each repetition's
 is in the table at the end): the claim
 **{{verdict "With BN the sigmoid inputs' distributions"}}** by a measure that covers all of
 training and all units, each in its own scale. The two parts of the
 paper's picture separate cleanly: the baseline's units travel far because they *jitter* (a
 path {{scalar "drift, baseline path / net drift, lowest of the repetitions" | %.1f}}–{{scalar "drift, baseline path / net drift, highest of the repetitions" | %.1f}}
 times their net drift); the net drift itself, BN / baseline, is
 {{scalar "drift net ratio BN / baseline, mean" | %.3f}}
 ({{scalar "drift net ratio BN / baseline, lowest of the repetitions" | %.3f}}–{{scalar "drift net ratio BN / baseline, highest of the repetitions" | %.3f}}),
 to set beside the threshold of one half we hold the path to. Panels (c′) and (d) say where
 BN's movement comes from. $\hat x$ (c′) stays at median ≈ 0 with a band of about ±1, by
 construction; its path
 ({{scalar "drift path, BN x̂, repetition 1" | %.2f}}) is nearly all of the sigmoid input's
 ({{scalar "drift path, BN, repetition 1" | %.2f}}), i.e. what jitter remains with BN is the
 normalised value's, and its net drift is {{scalar "drift net, BN x̂, repetition 1" | %.2f}}.
 The net drift of the sigmoid input is $\gamma$ and $\beta$ (d) *learning*: $\beta$ goes from
 0 to {{scalar "typical sigmoid, BN: β at the end" | %.1f}} and $\gamma$ from 1 to
 {{scalar "typical sigmoid, BN: γ at the end" | %.1f}} over the run, steadily. BN holds
 the distribution of $\hat x$ fixed and lets the network move the sigmoid input slowly, on
 purpose. Whether that is the *reason* BN trains faster is the question Santurkar et al.
 (2018, "How Does Batch Normalization Help Optimization?") put to the test: they injected
 noise after BN to make the "internal covariate shift" *larger* and found BN networks still
 trained as fast, and argued that BN's benefit is a smoother loss landscape (better-behaved
 gradients) rather than stable input distributions. Our measurements cannot settle that; they
 do show that the stability the paper points to is real and that it is $\hat x$'s by design,
 while what moves is learned.

 ![Learning-rate multipliers: mean test accuracy over three repetitions vs steps](Figures/03-learning-rates.png)

 *Learning rates (analogue of Figure 2 and the table of §4.2.2).* **Paper:** BN-x5 and BN-x30
 (the rate decayed 6× faster, with §4.2.1's other changes) reach Inception's best accuracy in
 far fewer steps than BN-Baseline (the numbers above); Inception is not run at the higher
 rates. **Ours:**
 each line is the mean of three repetitions' trailing curves; panel (b) zooms in on the
 second half, with the levels of the table.

 {{table "learning rates"}}

 (Levels: the baseline's mean final accuracy,
 {{scalar "baseline final test accuracy (%), mean of repetitions" | %.2f}}%, minus 4, 2, 1
 and 0.5 points; steps are the mean over the repetitions that reach the level.)

 The robust finding, which must hold in every repetition,
 **{{verdict "At 30× the base rate BN trains"}}**: at 30× the base rate the plain network's
 sigmoids and softmax saturate within the first measurements and its accuracy stays at
 chance for all 50,000 steps
 ({{scalar "mean accuracy over the run, baseline ×30, mean" | %.2f}}% on average over the
 run; no loss ever becomes non-finite; it *stalls*), while the BN network trains, to
 {{scalar "final test accuracy (%), BN ×30, mean of repetitions" | %.1f}}% at the end without
 decay and {{scalar "final test accuracy (%), BN ×30, decay, mean of repetitions" | %.1f}}% with
 it: BN ×30 − baseline ×30 = {{claim "At 30× the base rate BN trains" | %+.2f}} points. At 5×
 the plain network's mean accuracy over the run changes by
 {{scalar "mean accuracy over the run, baseline ×5 − baseline (points)" | %+.1f}} points and
 its final accuracy by {{scalar "final test accuracy, baseline ×5 − baseline (points)" | %+.1f}};
 BN's at 5× by {{scalar "mean accuracy over the run, BN ×5 − BN (points)" | %+.1f}} and
 {{scalar "final test accuracy, BN ×5 − BN (points)" | %+.1f}}. That is §3.3's promise, that
 BN makes training robust to the rate. The paper's *speed* claim for the higher rates
 **{{verdict "BN ×5, decay"}}** for BN ×5 and **{{verdict "BN ×30, decay"}}** for BN ×30: BN
 ×5 with the paper's faster decay reaches the lower levels in
 {{scalar "steps to baseline final − 4.0, BN ×5, decay, mean" | %,.0f}} and
 {{scalar "steps to baseline final − 2.0, BN ×5, decay, mean" | %,.0f}} steps, against BN's
 {{scalar "steps to baseline final − 4.0, BN, mean" | %,.0f}} and
 {{scalar "steps to baseline final − 2.0, BN, mean" | %,.0f}}, but its mean accuracy over the
 run minus BN's is {{claim "BN ×5, decay" | %+.2f}} points, and BN ×30 with decay's is
 {{claim "BN ×30, decay" | %+.2f}} (means; each repetition's is in the table at the end).
 The decay helps the high rates a great deal (BN ×30's final accuracies above), but no
 multiple beats the base rate: the best of them, by mean accuracy over the run, is
 {{scalar "mean accuracy over the run, best BN multiple − BN (points)" | %+.2f}} points from
 BN at the base rate. Two reasons we can see. First, our base rate is not the paper's kind
 of base rate: it was chosen by a sweep for the baseline, the smallest of the rates within
 0.3 points of the best (η = {{scalar "base learning rate" | %g}}; η = 3, the largest tried, scored
 {{scalar "sweep score below the best (points), η=3.0" | %.2f}} points below the best), so 5×
 here is 5× a rate already near the top of the useful range, beyond the largest we tried (the
 paper does not say how Inception's rate was chosen).
 Second, the weights grow, which is the next figure.

 ![BN layers' weight norms and effective learning rates over training](Figures/03-weight-growth.png)

 *Weights grow; the effective rate comes down.* The check
 **{{verdict "The weights feeding a BN layer"}}**: over every layer of every BN run of every
 repetition, the largest relative decrease of $\|W\|$ between two points is
 {{claim "The weights feeding a BN layer" | %.1t}} (a negative decrease is an increase), as
 $w\cdot\nabla_w\ell = 0$ demands. The size of the growth is the point: over the run the
 mean $\|W\|$ of the three layers goes from
 {{scalar "weight norm ‖W‖ (mean of the layers) at the start, BN" | %.1f}} to
 {{scalar "weight norm ‖W‖ (mean of the layers) at the end, BN" | %.0f}} at the base rate,
 {{scalar "weight norm ‖W‖ (mean of the layers) at the end, BN ×5" | %.0f}} at 5×,
 {{scalar "weight norm ‖W‖ (mean of the layers) at the end, BN ×30" | %.0f}} at 30×
 ({{scalar "weight norm ‖W‖ (mean of the layers) at the end, BN ×5, decay" | %.0f}} and
 {{scalar "weight norm ‖W‖ (mean of the layers) at the end, BN ×30, decay" | %.0f}} with
 decay). The effective rate $\eta/\|W\|^2$ starts 5 and 30 times BN's; BN ×5's is
 {{scalar "effective rate at step 500 / BN's, BN ×5" | %.2f}}× BN's after 500 steps and
 {{scalar "effective rate at the end / BN's, BN ×5" | %.2f}}× at the end; BN ×30's is
 {{scalar "effective rate at step 500 / BN's, BN ×30" | %.2f}}× and
 {{scalar "effective rate at the end / BN's, BN ×30" | %.2f}}× respectively (with decay:
 {{scalar "effective rate at the end / BN's, BN ×5, decay" | %.2f}}× and
 {{scalar "effective rate at the end / BN's, BN ×30, decay" | %.2f}}× at the end). A BN
 network given a large rate inflates its weights until its step is the size the base rate
 would have given — §3.3's "stabilize the parameter growth", seen from the other side, and
 why BN ×5 ends where BN does rather than ahead of it. (This is also why weight decay, which
 the paper kept at a fifth of Inception's, matters for BN networks: it is what keeps $\|W\|$
 and so the effective rate from drifting.)

 **Inference.** The trained BN network of Figure 1 (repetition 1) on the test set:

 {{table "inference"}}

 Alg. 2 is within {{claim "Population-statistics accuracy" | %.2f}} points of large-batch
 evaluation, and 100 batches are within
 {{scalar "inference accuracy, distance of the curves' batches from the full pass (points)" | %.2f}} points of
 the full pass, so the curves lose nothing by using them. Against the full pass, moving
 averages cost
 {{scalar "inference accuracy, full pass − moving averages (momentum 0.1) (points)" | %.1f}}
 points with momentum 0.1 and
 {{scalar "inference accuracy, full pass − moving averages (momentum 0.01) (points)" | %.1f}}
 with 0.01: the slower average has less noise and more lag, and it costs more, so what a
 moving average costs here is *lag* — statistics of batches taken with older weights — not
 the noise of too few batches; Alg. 2's average taken *during* training instead of after it
 costs
 {{scalar "inference accuracy, full pass − average over all training steps (points)" | %.1f}}
 points, because it mixes in the statistics of the early, very different networks.
 Normalising each test batch of 60 with its own statistics costs
 {{scalar "inference accuracy, full pass − batch statistics of 60 (points)" | %.1f}} points:
 the prediction for one image then depends on the other 59, the noise BN adds in training,
 harmless there and a defect at inference. Folded into the weights before them (Alg. 2's
 last line, above), the three BN layers disappear: the folded network's logits differ from
 the BN network's by at most {{claim "BN folded into the preceding layer" | %.1t}} over the
 test set (`Float` rounding) and its test accuracy by
 {{scalar "BN folding, test accuracy difference (points)" | %.2f}} points.

 ![Ten sigmoid layers: test accuracy, and the gradient reaching each layer](Figures/03-depth.png)

 *Ten sigmoid layers (§4.2.2's BN-x5-Sigmoid, analogue).* Without BN the network never
 leaves chance (at most {{series "test accuracy (%)" "baseline, 10 layers" max | %.2f}}% in
 all 20,000 steps); with BN it reaches
 {{scalar "final test accuracy (%), BN, 10 layers" | %.2f}}% (mean of the last 5
 evaluations),
 {{scalar "ten layers, BN final accuracy − the three-layer BN network's (repetition 1, points)" | %+.2f}}
 points from the three-layer network's. The claim **{{verdict "With ten sigmoid layers"}}**
 ({{claim "With ten sigmoid layers" | %+.2f}} points), as the paper's does for Inception with
 sigmoids (69.8% with BN; without it, chance throughout). Panel (b) is the derivation above,
 measured. In the first step, the plain network's gradient falls from
 {{scalar "ten layers, first-step gradient norm, layer 10, baseline" | %.2f}} at layer 10 to
 {{scalar "ten layers, first-step gradient norm, layer 1, baseline" | %.1t}} at layer 1 — a
 factor of
 {{scalar "ten layers, first-step gradient norm layer 10 / layer 1, baseline" | %.1t}}, about
 {{scalar "ten layers, first-step gradient shrink per layer, baseline" | %.1f}} per layer (the
 sigmoid's at most ¼ times weights of gain about 1) — and by the end of training layer 1
 gets
 {{scalar "ten layers, gradient norm at the end (mean of the last 5 points), layer 1, baseline" | %.1t}}:
 the lower layers never move, and the layers above them see inputs that carry nothing. With
 BN the gradient is {{scalar "ten layers, first-step gradient norm, layer 1, BN" | %.2f}} at
 layer 1 and {{scalar "ten layers, first-step gradient norm, layer 10, BN" | %.2f}} at layer
 10, a ratio of {{claim "BN's backward gain" | %.2f}} across ten layers (the check
 **{{verdict "BN's backward gain"}}**), and at the end of training it is
 {{scalar "ten layers, gradient norm at the end (mean of the last 5 points), smallest layer, BN" | %.2f}}–{{scalar "ten layers, gradient norm at the end (mean of the last 5 points), largest layer, BN" | %.2f}}
 across the layers (mean of the last 5 points). BN's backward gain $\gamma/\sigma_\mathcal B$
 cancels the factor the sigmoid took off the signal on the way up.

 ![Initial weights' scale and batch size, with and without BN](Figures/03-initialisation-and-batch-size.png)

 *Initialisation (abstract: "be less careful about initialization").* After 5,000 steps
 from $\mathcal N(0, \sigma^2)$ weights:

 {{table "initialisation"}}

 The spread over the four scales is
 {{scalar "initialisation, spread of final accuracy over scales, baseline (points)" | %.1f}}
 points without BN and
 {{scalar "initialisation, spread of final accuracy over scales, BN (points)" | %.1f}} with
 it, a ratio of {{claim "BN is less sensitive" | %.3f}}: the claim
 **{{verdict "BN is less sensitive"}}**. BN's own spread is not zero, though the layers'
 outputs do not depend on their weights' scale: the *step* does (the effective rate
 $\eta/\|W\|^2$ of the figure above), so at σ = 3 a BN network starts with a step 900 times
 smaller than at σ = 0.1, and 5,000 steps are not enough to make up for it. The output layer
 has no BN and feels σ directly.

 *Small batches.* Both networks on the same 300,000 examples, the rate scaled with the batch
 (η·m/60):

 {{table "batch size"}}

 BN − baseline goes from {{scalar "batch size 60, BN − baseline (points)" | %+.2f}} points at
 m = 60 to {{scalar "batch size 4, BN − baseline (points)" | %+.2f}} at m = 4. The baseline
 does not care ({{scalar "batch size 4, final accuracy, baseline" | %.1f}}% at m = 4,
 {{scalar "batch size 60, final accuracy, baseline" | %.1f}}% at m = 60: with the rate
 scaled, its steps per example are the same size at every m); BN does, in two ways that
 Chapter 1 measured: with 4 examples the batch mean and variance are too noisy (their
 standard error is half the feature's spread), and the network trained on those noisy
 normalisations is then evaluated with population statistics it never saw in training. This
 is the limitation Batch Renormalization (Ioffe 2017) and, for recurrent nets, Layer
 Normalization (Ba et al. 2016) address; the paper does not discuss it.

 **One repetition at a time.** The verdict each repetition alone would have given:

 {{table "claims per repetition"}}

 {{scalar "claims per repetition, rows whose repetitions agree (count)" | %d}} of the 7 rows
 agree across repetitions; "ends higher" is the one a single seed decides by luck.
 */

chapter.finish()
