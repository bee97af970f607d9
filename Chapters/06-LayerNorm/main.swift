/*:
 # Chapter 6 — Layer normalization

 Chapters 4 and 5 ended on a list of what batch statistics cost a recurrent network:
 statistics for every time step, up to a $T_{max}$ past which the last step's are repeated; a
 batch whose examples are coupled through time; moving averages that lag and population
 estimates that must be re-estimated; a batch of one that outputs β. Ba, Kiros & Hinton
 removed all of it by taking the same transform over the other axis:

 > "[T]he effect of batch normalization is dependent on the mini-batch size and it is not
 > obvious how to apply it to recurrent neural networks. In this paper, we transpose batch
 > normalization into layer normalization by computing the mean and variance used for
 > normalization from all of the summed inputs to the neurons in a layer on a single training
 > case. Like batch normalization, we also give each neuron its own adaptive bias and gain
 > which are applied after the normalization but before the non-linearity. Unlike batch
 > normalization, layer normalization performs exactly the same computation at training and
 > test times." — Ba, Kiros & Hinton 2016, abstract

 (Our aside: it is what recurrent networks and transformers have used since.) This chapter derives it from
 Chapters 1 and 2, checks the paper's table of invariances as identities, and sets it beside
 batch normalization on the book's own tasks: Chapter 3's network at a batch of 128 and of 4,
 and Chapter 5's LSTMs on text and on pixels — each model at its own best learning rate, three
 fresh repetitions, every claim decided by the rules of `../shared/REFEREE.md`.

 *What we could read.* Of the paper, only its abstract is reachable to us; what the page says
 about its sections comes from `PAPERS.md`'s summary and is marked so. The authors' code
 (ryankiros/layer-norm, `layers.py`) we read, and where it decides what the summary leaves
 open we say so.
 */

import Companion
import Datasets
import Engine
import Foundation
import Plot

let chapter = Chapter(number: 6)

/*:
 ## The transform over the other axis

 Chapter 1's batch normalization of a $B \times n$ matrix $z$ (one row per example, one
 column per unit) takes each column's mean and variance over the rows. Layer normalization
 takes each row's over its columns (`PAPERS.md`, §3 of the paper):

 $$\mu_i = \frac1n \sum_j z_{ij}, \qquad \sigma_i^2 = \frac1n \sum_j (z_{ij} - \mu_i)^2, \qquad \hat z_{ij} = \frac{z_{ij} - \mu_i}{\sqrt{\sigma_i^2 + \epsilon}}, \qquad y_{ij} = \gamma_j \hat z_{ij} + \beta_j .$$

 The gain γ and bias β stay per unit, as in BN: they are what the layer learns. The
 statistics are per example: nothing depends on the rest of the batch, training and inference
 are one computation, and there is nothing to keep for inference. The paper's equation has no
 ε (`PAPERS.md`); the authors' code adds $10^{-5}$ inside the square root, and so do we. (The
 paper writes $g$ and $b$ for γ and β, $a$ for $z$ and $H$ for $n$.)

 In the engine this is not a second implementation. The three kernels every normalization is
 built from — moments, normalize, backward — take the axis as a parameter
 ([NormalizationKernels.swift](../../Sources/Engine/Normalization/NormalizationKernels.swift)):
 over the batch, a statistic is a $1 \times n$ vector and the loops run down the columns; over
 the features, it is a $B \times 1$ vector and each row is summed where it lies in memory:

 @include Sources/Engine/Normalization/NormalizationKernels.swift#row moments

 ## The backward pass, derived

 *(Our derivation.)* Chapter 2's six equations hold as they are, with every sum taken over
 the units of one example instead of over the batch. One thing changes: there, γ was constant
 along each sum (one feature, many examples) and factored out of it; here the sum runs across
 the units, each with its own $\gamma_j$, so γ stays inside. With $\hat g_{ij} = \gamma_j\,
 \partial\ell/\partial y_{ij}$ and $s_i = 1/\sqrt{\sigma_i^2+\epsilon}$:

 $$\frac{\partial\ell}{\partial\sigma_i^2} = -\frac{s_i^3}{2} \sum_j \hat g_{ij}(z_{ij}-\mu_i), \qquad \frac{\partial\ell}{\partial\mu_i} = -s_i \sum_j \hat g_{ij} + \frac{\partial\ell}{\partial\sigma_i^2}\cdot\frac{-2}{n}\sum_j (z_{ij}-\mu_i),$$
 $$\frac{\partial\ell}{\partial z_{ij}} = s_i\,\hat g_{ij} + \frac{\partial\ell}{\partial\sigma_i^2}\cdot\frac{2(z_{ij}-\mu_i)}{n} + \frac1n\frac{\partial\ell}{\partial\mu_i},$$

 and, as in Chapter 2, the middle sum vanishes and the rest folds into one line:

 $$\frac{\partial\ell}{\partial z_{ij}} = \frac{s_i}{n}\Big(n\,\hat g_{ij} - \sum_k \hat g_{ik} - \hat z_{ij}\sum_k \hat g_{ik}\hat z_{ik}\Big), \qquad \frac{\partial\ell}{\partial\gamma_j} = \sum_i \frac{\partial\ell}{\partial y_{ij}}\hat z_{ij}, \qquad \frac{\partial\ell}{\partial\beta_j} = \sum_i \frac{\partial\ell}{\partial y_{ij}} .$$

 The gradients of γ and β are sums over the examples on both axes — they are per unit either
 way. The staged form is written equation by equation in
 [LayerNormalization.swift](../../Sources/Engine/Normalization/LayerNormalization.swift); the
 kernel runs the folded one, per row:

 @include Sources/Engine/Normalization/NormalizationKernels.swift#row gradient

 We check both against central differences in Double, and the staged form against the fused,
 on a 5 × 7 batch with γ and β away from 1 and 0 ([GradientCheck.swift](GradientCheck.swift)).
 One more identity ties the two axes together exactly: with γ = 1 and β = 0, LN of a matrix
 is BN of its transpose, transposed back, and so is the gradient.
 */

let transformChecks = chapter.phase("gradient checks") { checkTheTransform() }
recordTransformChecks()
chapter.claim(
  "layer normalization's fused backward matches central differences in Double (worst relative error over x, γ, β)",
  paper: "our derivation (§ above)", measured: transformChecks.finiteDifference, format: "%.1e",
  threshold: "≤ 1e-8", holds: transformChecks.finiteDifference <= 1e-8, kind: .check)
chapter.claim(
  "the staged six equations over the features and the fused kernel agree (largest difference of ∂ℓ/∂z, relative)",
  paper: "our code", measured: transformChecks.stagedAgainstFused, format: "%.1e",
  threshold: "≤ 1e-13", holds: transformChecks.stagedAgainstFused <= 1e-13, kind: .check)
chapter.claim(
  "LN(z) = BN(zᵀ)ᵀ with γ = 1, β = 0: one transform over two axes, output and gradient (largest difference)",
  paper: "our derivation", measured: transformChecks.transpose, format: "%.1e",
  threshold: "≤ 1e-13", holds: transformChecks.transpose <= 1e-13, kind: .check)

/*:
 {{table "gradient check of the transform"}}

 ## The LN-LSTM

 **Paper (`PAPERS.md`, §3.1):** in a recurrent network the statistics are computed at each
 time step over that step's units, the gain and bias shared over time; the LN-LSTM normalises
 the recurrent term, the input term and the cell separately, where Chapter 5's BN-LSTM does
 (`PAPERS.md` asks for the exact form to be checked against the paper's supplementary
 material, which we could not read; we follow the authors' code).
 **The authors' code** normalises $x_t W_x + b$ and $h_{t-1} W_h$ each over all $4H$ gate
 pre-activations together (one mean and variance across the four gates, not one per gate),
 each with a gain and a bias of its own, adds $b$ again, and normalises $c_t$ over its $H$
 units before its tanh, carrying $c_t$ itself on unnormalised; every gain starts at 1.

 **Ours:** Chapter 5's BN-LSTM with the other axis and nothing else changed —

 $$(\tilde f_t, \tilde i_t, \tilde o_t, \tilde g_t) = \mathrm{LN}(W_h h_{t-1}; \gamma_h, 0) + \mathrm{LN}(W_x x_t; \gamma_x, 0) + b, \qquad h_t = \sigma(\tilde o_t) \odot \tanh(\mathrm{LN}(c_t; \gamma_c, \beta_c)),$$

 each LN over all $4H$ (or $H$) units of one example at one step, one bias $b$ after the two
 normalised terms (as a function the authors' three biases are one bias written three times,
 though Adam updates each of them on its own; the $b$ inside their input term's LN is left
 out), the same initial weights and initial-state noise as the BN-LSTM. The two models then
 differ in the axis of their statistics and in one more thing: the LN-LSTM's gains start at
 1, the authors' value, the BN-LSTM's at 0.1, Cooijmans et al.'s — every LN-against-BN
 comparison below compares both at once. In the engine it is the
 BN-LSTM's configuration with `normalizer: .layer`
 ([RecurrentLayerNorm.swift](../../Sources/Engine/Recurrent/RecurrentLayerNorm.swift)): the
 layer calls it through the same protocol, at the same three places.

 Its backward through time is Chapter 5's derivation with this chapter's per-row backward at
 steps 2 and 4, and one thing gone: the batch is no longer coupled — neither within a step
 nor through time. We check it against central differences in Double, every parameter, on
 Chapter 5's tiny problem (5 steps, batch 4, 3 inputs, 3 units, a loss at every step); the
 engine's tests also hold it against PyTorch's autograd on shared weights (to 10⁻⁹).
 */

let lnLSTMChecks = chapter.phase("gradient checks") { gradientCheckOfTheLNLSTM() }
recordLNLSTMChecks()
let worstLNLSTM = lnLSTMChecks.map(\.maxRelativeError).max() ?? .nan
chapter.claim(
  "the LN-LSTM's BPTT matches central differences on every tensor (worst relative error)",
  paper: "our derivation (§ above)", measured: worstLNLSTM, format: "%.1e", unit: "",
  threshold: "≤ 1e-6", holds: worstLNLSTM <= 1e-6, kind: .check)

/*:
 {{table "gradient check of the LN-LSTM"}}

 ## The paper's table of invariances, as identities

 **Paper (`PAPERS.md`, §5):** a table of what each normalization is invariant to. For one
 layer $y = N(xW)$ with $W$ the $d \times n$ weights (column $j$ is unit $j$'s weight vector)
 and $x$ a batch of examples, six transformations:

 * **weight matrix re-scaling** $W \to \delta W$; **re-centring** $W \to W + v\mathbf 1^\top$
   (the same vector $v$ added to every unit's weights: every unit of example $i$ gets the same
   $x_i v$ added);
 * **weight vector re-scaling**: one unit's weights $w_j \to \delta w_j$;
 * **data set re-scaling** $x \to \delta x$ and **re-centring** $x \to x + \mathbf 1 c^\top$
   (the same $c$ added to every example: every example's unit $j$ gets $c\,w_j$ added);
 * **single training case re-scaling**: one example $x_i \to \delta x_i$.

 Each cell is a one-line argument: a transformation that multiplies, or shifts, every value a
 statistic is taken over by the same amount is removed by the normalization; one that does
 not is not. BN's statistics run down a unit's column, LN's along an example's row, so each
 is invariant where the other is not — except to re-scaling the whole weight matrix or the
 whole data set, which multiplies everything. We measure every cell in Double, with ε = 0 (ε
 breaks every invariance by an amount of its own size, Chapter 1's measurement), as the
 largest change of the output relative to its largest value ([Invariances.swift](Invariances.swift)).
 `PAPERS.md` states LN's row (invariant to re-scaling and re-centring the weight matrix and to
 re-scaling a single case, not to re-scaling one weight vector or re-centring the data set) and
 says BN's goes "the other way round in several columns"; BN's cells are our derivation above,
 not the paper's text, and are marked so.
 */

let invarianceCells = chapter.phase("invariances") { measureInvariances() }
recordInvariances()
for normalizer in [InvarianceNormalizer.batch, .layer] {
  let row = invarianceCells.filter { $0.normalizer == normalizer }
  let wrong = row.filter { !$0.agrees }.count
  chapter.claim(
    "\(normalizer.rawValue): every cell of its row of the invariance table is as stated — a change ≤ 1e-12 where invariant, ≥ 1e-2 where not (cells that disagree)",
    paper: normalizer == .layer
      ? "Ba et al. 2016, §5 (PAPERS.md; the data-set re-scaling cell ours)"
      : "our derivation (BN's row of Ba et al.'s §5 table)",
    measured: Double(wrong), format: "%.0f", unit: " of \(row.count)",
    threshold: "0", holds: wrong == 0, kind: .check)
}

/*:
 {{table "invariances"}}

 Every cell is as stated, and the table reads as the two axes: BN is invariant to what acts on
 a unit (one weight vector re-scaled, the data set shifted, which moves every example's unit
 $j$ by the same amount), LN to what acts on an example (one case re-scaled, every unit's
 weights shifted by the same vector, which moves every unit of example $i$ by the same
 amount). What LN gives up is in the same table: one unit's weights growing changes what
 every other unit of the layer is normalised by.
 */

/*:
 ## A feed-forward network: the batch of 4

 **Paper (`PAPERS.md`, §6):** on permutation-invariant MNIST, trained with batches of 128 and
 of 4, layer normalization is robust to the batch size and batch normalization is not; LN is
 applied to the hidden layers, not to the softmax layer. (For convolutional networks the paper
 reports BN doing better than LN — a feed-forward case where LN does not match BN.)

 **Ours:** Chapter 3's network — three hidden layers of 100 sigmoids, Gaussian initial weights
 of standard deviation 0.1, plain SGD — on Fashion-MNIST, plain, with BN (Chapter 3's, on the
 hidden layers) and with LN (on the hidden layers), each trained on the same number of
 examples ({{scalar "feed-forward training examples" | %,d}}, two passes over the
 training images) in batches of 128 and of 4. Every (model, batch size) gets its own rate from
 a factor-of-three grid (one step past its edge where its best was there), chosen on 10,000
 training images held out for the purpose, by its final held-out accuracy (the mean of its
 last 5 of {{scalar "feed-forward evaluation points" | %d}} measurements, Chapter 3's reading);
 then three fresh repetitions at that rate, measured on the test images. BN is evaluated as
 it would be used, with population statistics re-estimated at the current weights over 20
 fixed training batches of 128 (Alg. 2's average; for the batch-4 network that is better
 than its own batches of 4 could give it); LN needs none. The claims, fixed before the runs:

 * **at a batch of 4, LN ends above BN** (test accuracy, every repetition of LN above every
   repetition of BN, by more than the standard error of an accuracy on the test images);
 * **LN is robust to the batch size**: its accuracy at 4 minus its accuracy at 128 (repetition
   by repetition, the same seeds) is above BN's, by the same rule.
 */

let images = chapter.attempt { try chapter.loadImages() }
let imageData = images.source.name
let heldOut = chapter.attempt {
  try images.train.split(
    validationCount: chapter.pick(smoke: 500, book: 10_000, paper: 10_000),
    seed: chapter.seed(for: "held-out"))
}
let feedForwardTest = chapter.pick(
  smoke: images.test.subset(Array(0..<500)), book: images.test, paper: images.test)
let feedForwardExamples = chapter.pick(smoke: 4_000, book: 100_000, paper: 300_000)
let feedForwardPoints = chapter.pick(smoke: 5, book: 20, paper: 50)
let feedForwardRates: [Int: [Double]] = [
  128: chapter.pick(smoke: [0.3, 1], book: [0.1, 0.3, 1, 3], paper: [0.1, 0.3, 1, 3]),
  4: chapter.pick(
    smoke: [0.03, 0.1], book: [0.01, 0.03, 0.1, 0.3], paper: [0.01, 0.03, 0.1, 0.3]),
]
let repetitions = chapter.pick(smoke: 2, book: 3, paper: 3)
recordFeedForwardSettings()

let feedForward = FeedForwardExperiment(
  chapter: chapter, evaluationPoints: feedForwardPoints, smoothingWindow: 5,
  probeX: matrix(of: heldOut.validation.subset(Array(0..<60))),
  trainingSampleX: matrix(of: heldOut.validation.subset(Array(0..<60))),
  trainingSampleLabels: Array(heldOut.validation.labels.prefix(60)),
  curvePopulation: fixedBatches(
    heldOut.train, count: chapter.pick(smoke: 2, book: 20, paper: 20), size: 128,
    seed: chapter.seed(for: "population batches")))

/// Each batch size's runs: every model tuned on the held-out images (the grid is repetition
/// 1), then measured on the test images (the fresh repetitions).
let feedForwardRuns: [Int: TunedRuns<FeedForwardModel, FeedForwardRunResult>] =
  Dictionary(
    uniqueKeysWithValues: [128, 4].map { batch in
      (
        batch,
        chapter.attempt {
          try chapter.tuneAndRepeat(
            models: FeedForwardModel.all(batch: batch), rates: feedForwardRates[batch]!,
            repetitions: repetitions, gridPhase: "feed-forward grid, batch \(batch)",
            repetitionsPhase: "feed-forward repetitions, batch \(batch)",
            score: { -$0.finalAccuracy },
            train: { model, rate, repetition in
              try feedForward.run(feedForwardSpec(model, rate: rate, repetition: repetition))
            })
        }
      )
    })
recordFeedForwardTables()

let (bn4, ln4) = (
  FeedForwardModel(normalizer: .batch, batch: 4), FeedForwardModel(normalizer: .layer, batch: 4)
)
let testResolution = Resolution.binomial(
  accuracy: feedForwardAccuracy(ln4).mean / 100, count: feedForwardTest.count)
let smallBatchComparison = Comparison(
  feedForwardAccuracy(ln4), "LN", against: feedForwardAccuracy(bn4), "BN",
  resolution: testResolution, format: "%.2f")
chapter.claim(
  "\(imageData), batches of 4: LN's test accuracy is above BN's (LN − BN, mean of \(repetitions))",
  paper: "Ba et al. 2016, §6 (PAPERS.md)", comparison: smallBatchComparison, expected: .above,
  measured: smallBatchComparison.difference, format: "%+.2f", unit: " points",
  undecidedBecause: [feedForwardEdgeNote([bn4, ln4])])
// A change is a difference of two accuracies and the comparison a difference of two changes:
// four accuracies, so twice the standard error of one (√4).
let robustness = Comparison(
  batchSizeChange(.layer), "LN", against: batchSizeChange(.batch), "BN",
  resolution: Resolution(
    2 * testResolution.value,
    "twice the standard error of an accuracy over \(feedForwardTest.count) examples: four accuracies"
  ),
  format: "%+.2f")
chapter.claim(
  "\(imageData): LN is robust to the batch size — at an equal budget of examples, its accuracy at 4 minus at 128 is above BN's (LN's change − BN's, mean of \(repetitions))",
  paper: "Ba et al. 2016, §6 (PAPERS.md)", comparison: robustness, expected: .above,
  measured: robustness.difference, format: "%+.2f", unit: " points",
  undecidedBecause: [
    feedForwardEdgeNote([
      bn4, ln4, FeedForwardModel(normalizer: .batch, batch: 128),
      FeedForwardModel(normalizer: .layer, batch: 128),
    ])
  ])

/*:
 {{table "feed-forward grid, batch 128"}}

 {{table "feed-forward grid, batch 4"}}

 {{table "feed-forward repetitions"}}

 At a batch of 128, after its 781 steps and still climbing, BN ends at
 {{scalar "feed-forward test accuracy, BN, batch 128" | %.2f}}%, LN at {{scalar "feed-forward test accuracy, LN, batch 128" | %.2f}}% and the plain network
 at {{scalar "feed-forward test accuracy, plain, batch 128" | %.2f}}% (figure 06-feedforward
 below): LN helps, but in this network it does not match BN, and it wants a rate thirty times
 smaller (its held-out accuracy falls from 0.1 upwards). At a batch of 4: BN
 {{scalar "feed-forward test accuracy, BN, batch 4" | %.2f}}%, LN
 {{scalar "feed-forward test accuracy, LN, batch 4" | %.2f}}%, plain
 {{scalar "feed-forward test accuracy, plain, batch 4" | %.2f}}%. That LN ends above BN at a
 batch of 4 is **{{verdict "Fashion-MNIST, batches of 4"}}**
 ({{claim "Fashion-MNIST, batches of 4" | %+.2f}} points, inside the standard error of an
 accuracy on 10,000 images). That LN is robust to the batch size, as the claim was fixed
 (its change from 128 to 4 above BN's), **{{verdict "Fashion-MNIST: LN is robust"}}**
 ({{claim "Fashion-MNIST: LN is robust" | %+.2f}} points: LN gains
 {{scalar "feed-forward accuracy change from batch 128 to 4, LN" | %+.2f}} points and BN loses
 {{scalar "feed-forward accuracy change from batch 128 to 4, BN" | abs | %.2f}}, in every
 repetition, at an equal budget of 100,000 examples).

 The verdict is narrower than its words (*our reading, after the run*). An equal budget of
 examples is 781 steps at a batch of 128 and 25,000 at 4, and the networks at 128 are still
 climbing when it ends (the figure); every network can use the extra steps, the plain one most
 ({{scalar "feed-forward accuracy change from batch 128 to 4, plain" | %+.2f}} points). So the
 test passes with LN gaining, consistent with its use of the extra steps (untested: the
 control would be runs of equal steps at both batch sizes), and LN's accuracy moves *more*
 with the batch size than BN's does; what the run does show is the paper's point about BN — the only network that loses at
 a batch of 4 is the one whose statistics come from 4 examples. A test of robustness in the
 plain sense (runs to convergence at each batch size, the size of the change compared) is not
 what was fixed before this run, and would be post hoc now.

 ## An LSTM on text: LN against BN and against nothing

 **Paper (abstract):** "Layer normalization is very effective at stabilizing the hidden state
 dynamics in recurrent networks. Empirically, we show that layer normalization can
 substantially reduce the training time compared with previously published techniques."
 (`PAPERS.md`: on the CNN question-answering task the paper sets the LN-LSTM against an LSTM
 and against Cooijmans et al.'s BN-LSTM.)

 **Ours:** Chapter 5's character model and rules, unchanged — 64 units, the first
 {{scalar "training characters" | %,d}} characters of the fortunes' training text, Adam,
 batches of 64 crops of 100 characters, every model at its best rate from Chapter 5's grid (one
 step past its edge where needed), three fresh repetitions, every run measured every 10 steps
 over its first 300 and every 50 after and stopped when its validation bpc has not improved
 for 800 steps (any improvement counting: a tolerance of 0, Chapter 5's rule; at most 5,000),
 read at its best point. Three models, one repetition's three
 from the same initial weights and batches: the **LSTM**, Chapter 5's **BN-LSTM** (γ = 0.1,
 population statistics re-estimated over 5 training batches) and the **LN-LSTM** (gains 1; it
 has no statistics to estimate). The claims, fixed before the runs, by Chapter 5's rules
 (every repetition of one model on the same side of every repetition of the other, beyond the
 resolution; speed at every matched rate of the grids and at each model's fastest):

 * **LN trains faster than the LSTM**: it reaches the LSTM's training-batch bpc at its best
   (the highest of the LSTM's repetitions) in fewer steps;
 * **LN trains faster than the BN-LSTM** ("compared with previously published techniques"):
   the same level, fewer steps.

 The abstract makes no claim about generalisation; we read best validation bpc and
 validation at equal fit (Chapter 4's frontier: where a model's training-sample bpc first falls
 to the LSTM's at its best) for each pair by the same rule, and report what it says, with no
 verdict.
 */

let corpus = chapter.attempt { try chapter.loadCorpus() }
/// Chapter 5's character models and settings, preset by preset (`CharacterExperiment`).
let textExperiment = CharacterExperiment(.cooijmans, in: chapter, corpus: corpus)
let characters = textExperiment.models(in: chapter, corpus: corpus)
let trainingText = Array(corpus.train.prefix(textExperiment.trainingCharacters))
let trainingSample = characters.sample(of: trainingText)
chapter.log.scalar("training characters", Double(trainingText.count))

/// The character models this chapter compares.
enum CharacterModel: String, CaseIterable {
  case lstm = "LSTM"
  case bnLSTM = "BN-LSTM"
  case lnLSTM = "LN-LSTM"
}

func characterNormalization(_ model: CharacterModel) -> RecurrentNormalization {
  switch model {
  case .lstm: .none
  case .bnLSTM: .cooijmans(maxSteps: characters.length, convention: .pytorch)
  case .lnLSTM: layerNormalization(initialGain: 1)
  }
}

/// The LN-LSTM's normalization with every gain starting at `initialGain` (its own: 1).
func layerNormalization(initialGain: Double) -> RecurrentNormalization {
  .cooijmans(
    maxSteps: characters.length, initialGamma: initialGain, convention: .pytorch,
    normalizer: .layer)
}
announceCharacterRuns()

/// One character model's run on the training text, by Chapter 5's settings for this preset.
func trainText(
  _ name: String, _ normalization: RecurrentNormalization, rate: Double, repetition: Repetition,
  comparesMovingAverages: Bool = false
) -> LanguageModelRecord {
  characters.train(
    "\(name), rate \(rateText(rate))" + (repetition.index > 1 ? " #\(repetition.index)" : ""),
    normalization, source: .crops(trainingText), steps: textExperiment.steps,
    trainingSample: trainingSample,
    settings: CharacterModels.RunSettings(
      learningRate: rate, repetition: repetition, evaluationInterval: textExperiment.measureEvery,
      convergence: textExperiment.convergence, keepsBest: true,
      comparesMovingAverages: comparesMovingAverages,
      denseEvaluation: textExperiment.denseEvaluation),
    in: chapter)
}

let textRuns: TunedRuns<CharacterModel, LanguageModelRecord> = chapter.attempt {
  try chapter.tuneAndRepeat(
    models: CharacterModel.allCases, rates: textExperiment.rates, repetitions: repetitions,
    gridPhase: "character learning-rate grid", repetitionsPhase: "character repetitions",
    score: { $0.curve.bestValidation.bpc },
    train: { model, rate, repetition in
      trainText(
        model.rawValue, characterNormalization(model), rate: rate, repetition: repetition,
        comparesMovingAverages: model == .bnLSTM)
    })
}
let charReadings = textRuns.readings(reference: .lstm, convergence: textExperiment.convergence)
let charResolution = Resolution(
  textRuns.protocolGap([.bnLSTM]),
  "the largest gap between the BN-LSTM's two evaluation protocols on these runs")
for (model, reference) in [(CharacterModel.lnLSTM, CharacterModel.lstm), (.lnLSTM, .bnLSTM)] {
  let reading = textRuns.speedToTarget(model, against: reference, reference: .lstm)
  chapter.speedClaim(
    "text (fortunes): the LN-LSTM reaches the LSTM's training bpc at its best in fewer steps than the \(reference.rawValue) (steps / \(reference.rawValue)'s, at the largest matched rate)",
    paper: "Ba et al. 2016, abstract", reading: reading,
    names: (model.rawValue, reference.rawValue), expected: .below,
    undecidedBecause: [textRuns.edgeNote([model, reference], name: \.rawValue)])
}
recordCharacterTables()

/*:
 {{table "character learning-rate grid"}}

 {{table "character models at their rates"}}

 {{table "character repetitions"}}

 {{table "text comparisons"}}

 The LN-LSTM trains faster than the LSTM by the book's rule for speed (matched rates decide,
 each model's fastest rate can only undecide): it reaches the LSTM's training-batch level at
 its best (the dashed line of figure 06-characters, panel a) first at every one of the four
 matched rates, in
 {{claim "text (fortunes): the LN-LSTM reaches the LSTM's training bpc at its best in fewer steps than the LSTM" | %.2f}}×
 the steps at the largest
 (**{{verdict "text (fortunes): the LN-LSTM reaches the LSTM's training bpc at its best in fewer steps than the LSTM"}}**).
 One seed a rate; crossings are read where the runs are measured, every 10 steps up to 300.
 The LSTM's fastest rate is its largest, 0.016 (220 steps, LN's fastest 110 at 0.008), and its
 steps have roughly halved with each doubling of the rate (1,900, 950, 550, 220), which
 points to about 110 at 0.032 — LN's own fastest: one step past that edge it might tie, and
 the reading at the fastest rates is not bracketed.

 Against the BN-LSTM it is **{{verdict "text (fortunes): the LN-LSTM reaches the LSTM's training bpc at its best in fewer steps than the BN-LSTM"}}**:
 LN gets there first at 0.002 and 0.004, they tie at 0.008, the BN-LSTM is first at 0.016 (LN
 needs {{claim "text (fortunes): the LN-LSTM reaches the LSTM's training bpc at its best in fewer steps than the BN-LSTM" | %.2f}}×
 its steps there), and the BN-LSTM's fastest, 60 steps, is at 0.032, its grid's extension
 past the edge and still its best there. "Faster than previously published techniques" is
 not what this run decides on fortunes; faster than no normalization, it is, by the book's
 speed rule, the same in Chapters 4 and 5: matched rates decide, and a fastest rate can
 only undecide a claim where it goes the other way. The LSTM at 0.032 was never run, so that
 it does not is untested; a rule that extends each model's fastest edge as the grids' best
 edges are would settle it, and would apply to every chapter.

 At their best points the LN-LSTM is ahead of both in the means — validation bpc
 {{scalar "best validation bpc, LN-LSTM, mean" | %.3f}} against the BN-LSTM's
 {{scalar "best validation bpc, BN-LSTM, mean" | %.3f}} and the LSTM's
 {{scalar "best validation bpc, LSTM, mean" | %.3f}} — and below the LSTM in every repetition,
 at its best and at equal fit. Against the BN-LSTM the order is not distinguishable: its two
 evaluation protocols differ by
 {{scalar "resolution of a validation bpc (protocols' largest gap)" | %.3f}} bpc on these runs,
 more than the gap, and its rate is at an edge. *(A pair without a BN-LSTM is read with the
 resolution of one protocol, 0 — both models are measured on the same validation text, so its
 sampling error is shared — plus, at equal fit, the largest validation step the reading
 interpolates across; the first run of this chapter used the BN-LSTM's gap for every pair, and
 we changed it after seeing that run: "LN below the LSTM in every repetition" is a post hoc
 reading. No verdict rests on the table.)*
 */

/*:
 ## The initial gain: does Cooijmans et al.'s argument apply?

 Chapter 5's Figure 1: with BN the input to a tanh has standard deviation γ, so a large γ
 saturates it and the gradient through 784 steps vanishes; hence γ = 0.1. LN's output has
 standard deviation γ across the units of each example instead of across the batch — the same
 argument, over the other axis. *(Our question; the authors' code starts its gains at 1, `PAPERS.md`.)* We repeat
 Chapter 5's measurement with LN in place of BN: the authors' tanh-RNN (100 units, $W_h = I$,
 $W_x$ orthogonal, learned $h_0$ with priming noise 0.1) with one LN over the whole
 pre-activation, $h_t = \tanh(\mathrm{LN}(W_h h_{t-1} + W_x x_t; \gamma, \beta))$, at
 initialisation, on 784-pixel sequences of the image data, {{scalar "Figure 1 batches" | %d}}
 batches of 64, in Double, for γ from 0.1 to 1.0: $\|\partial\ell/\partial h_t\|$ at
 every step ([GradientFlow.swift](GradientFlow.swift)). The claim, Chapter 5's (post hoc
 there, and carried over as it stands): one γ separates a gradient that survives (the first
 step receives at least 1% of the last step's) from one that vanishes, and it lies inside the
 range.
 */

let gradientNorms = chapter.phase("gradient through time") { layerNormGradientNorms() }
let gradientRatios = gradientNorms.map(firstOverLast)
recordGradientFlow()
let survivingUpTo = zip(gammas, gradientRatios).prefix { $0.1 >= 1e-2 }.last?.0 ?? 0
let cleanSplit = zip(gammas, gradientRatios).allSatisfy { gamma, ratio in
  gamma <= survivingUpTo ? ratio >= 1e-2 : ratio < 1e-2
}
chapter.claim(
  "with LN in place of BN, the gradient survives (‖∂ℓ/∂h_1‖/‖∂ℓ/∂h_T‖ ≥ 1%) for every γ up to some value and vanishes for every γ above it (the separating γ)",
  paper: "ours: Cooijmans et al. 2017's §4 argument, for LN", measured: survivingUpTo,
  format: "%.1f", unit: cleanSplit ? "" : " (no single γ separates them)",
  threshold: "one γ separates them, 0.1 ≤ γ < 1.0",
  holds: cleanSplit && survivingUpTo >= 0.1 && survivingUpTo < 1.0, kind: .postHoc)

/*:
 {{table "gradient through time"}}

 In this measurement, no — not in the form the argument takes for BN. With LN the first of 784 steps
 receives at least 1% of the last step's gradient only at γ = 0.5
 ({{scalar "gradient ratio h_1/h_T, γ 0.5" | %.3f}}), and the gradient vanishes on *both*
 sides: to {{scalar "gradient ratio h_1/h_T, γ 1.0" | %.0t}} at γ = 1, as saturation predicts,
 and to {{scalar "gradient ratio h_1/h_T, γ 0.1" | %.0t}} at γ = 0.1, where Chapter 5's BN RNN
 kept almost all of it. So the claim carried over from Chapter 5 — one γ below which the
 gradient survives — **{{verdict "with LN in place of BN, the gradient survives"}}**. *A
 suspicion we have not tested:* LN's backward divides by each example's spread across its
 units, to which the recurrent term and the input term both contribute; with a small γ the
 state is small and at every bright pixel the input term's share of that spread dominates, so
 such a step passes back only a fraction of the gradient. BN divides by each unit's spread over
 the batch instead, a different mix.

 **And in training?** The LN-LSTM above trains with gains of 1, the authors' value. *Ours:*
 we train it once more with every gain starting at Cooijmans et al.'s 0.1 — at the rate
 chosen for gain 1, on the same three repetitions (the same initial weights and batches; only
 the gains' start differs) — and read it as the text models are read
 ([GainInTraining.swift](GainInTraining.swift)). No claim: 0.1 is not tuned (its own best
 rate may differ, and `../shared/REFEREE.md` compares models each at its best), so this says
 what 0.1 does at gain 1's rate, not which gain trains better.
 */

let smallGainRuns = chapter.phase("LN-LSTM, initial gain 0.1") { trainSmallGainLN() }
recordSmallGain()

/*:
 {{table "LN-LSTM's initial gain"}}

 At gain 1's rate, starting every gain at 0.1 made the LN-LSTM slower to the LSTM's level —
 {{scalar "LN-LSTM gain 0.1 − gain 1, steps to the target, mean" | %.0f}} steps more on
 average, and each repetition slower than its gain-1 twin — and its best validation bpc worse
 in each, by {{scalar "LN-LSTM gain 0.1 − gain 1, best validation bpc, lowest" | %+.3f}} to
 {{scalar "LN-LSTM gain 0.1 − gain 1, best validation bpc, highest" | %+.3f}}. On the long
 preset's ten times the text it was again slower in each repetition (by
 {{long scalar "LN-LSTM gain 0.1 − gain 1, steps to the target, lowest" | %.0f}} to
 {{long scalar "LN-LSTM gain 0.1 − gain 1, steps to the target, highest" | %.0f}} steps) but
 ended better, by {{long scalar "LN-LSTM gain 0.1 − gain 1, best validation bpc, highest" | %+.3f}}
 to {{long scalar "LN-LSTM gain 0.1 − gain 1, best validation bpc, lowest" | %+.3f}} bpc (the
 long preset's table, in its section below). *(These are differences between twins that share
 their weights and batches, read with no resolution beyond that: a reading after the run, not
 a verdict.)* The two presets differ in text, rate and stopping rule, so the sign of where it
 ends is not something we can attribute. Nor is text where Cooijmans et al.'s argument would
 show: they chose 0.1 for the gradient's flow through many steps (§4), and their appendix B
 found the effect of γ disappears on Penn Treebank, where a loss at every step gives a
 learning signal without long-range flow (`PAPERS.md`). The test that would bear on it is
 pixel by pixel, where the long preset's LN-LSTM has a problem of its own (below).

 ## What layer normalization removes

 **A batch of one.** "Layer normalization performs exactly the same computation at training
 and test times" (abstract). We evaluate every trained text model, every repetition at its best
 point, on the same 256 test sequences of 100 characters, in batches of 64 and one sequence at
 a time, both as at inference (the BN-LSTM with its re-estimated population statistics) and as
 in training (each batch's own statistics). A batch of one has no spread across the batch: in
 training mode BN subtracts each unit's own value and outputs β (Chapter 1's pitfall); LN's
 statistics are the example's own, so all four of its numbers should be one number, up to the
 rounding of matrix products of a different shape.
 */

let modelsAtBest = textModelsAtBest()
let batchOfOne = chapter.phase("batch of one") {
  batchOfOneRows(sequences: chapter.pick(smoke: 64, book: 256, paper: 256))
}
recordBatchOfOne()
let lnBatchOfOne = batchOfOne.first { $0.model == .lnLSTM }!
let lnSpread =
  zip(
    zip(lnBatchOfOne.inference64.values, lnBatchOfOne.inference1.values),
    zip(lnBatchOfOne.training64.values, lnBatchOfOne.training1.values)
  ).map { inference, training in
    [inference.0, inference.1, training.0, training.1].max()!
      - [inference.0, inference.1, training.0, training.1].min()!
  }.max() ?? .nan
chapter.claim(
  "the LN-LSTM's test bpc is the same in training mode and at inference, in batches of 64 and of 1 (largest spread of the four, over the repetitions)",
  paper: "Ba et al. 2016, abstract", measured: lnSpread, format: "%.1e", unit: " bpc",
  threshold: "≤ 1e-4 (rounding)", holds: lnSpread <= 1e-4, kind: .check)

/*:
 {{table "batch of one"}}

 The LN-LSTM's four numbers are one number (they differ by
 {{claim "the LN-LSTM's test bpc is the same" | %.0t}} bpc: matrix products of another shape
 round differently), and so are the LSTM's. The BN-LSTM's two inference numbers agree (its
 population statistics do not care how the test is batched), but in training mode even a batch
 of 64 costs it {{scalar "batch of one: test bpc, BN-LSTM, training 64" | %.3f}} against
 {{scalar "batch of one: test bpc, BN-LSTM, inference 64" | %.3f}} bpc, and one sequence at
 a time {{scalar "batch of one: test bpc, BN-LSTM, training 1" | %.2f}}: every normalised term
 is its own mean, so BN outputs β and the model predicts from the bias alone. (These 256
 sequences are the test text's first 25,600 characters; the length table below reads its
 first 64,000, so the two tables' numbers at length 100 differ.)

 **Sequences longer than in training.** Chapter 5's BN-LSTM has statistics for steps 1 to
 $T_{max} = 100$ and repeats step 100's past it; the LN-LSTM has no $T_{max}$. We read each
 model's bits per character at every position of 1,000-character test sequences (64 of them)
 and compare positions past 100 with positions up to 100, against the LSTM, which has no
 statistics either: the rise past the training length (mean bpc past 100 minus mean bpc up to
 100), every repetition.
 */

let lengths = chapter.pick(
  smoke: [30, 60], book: [100, 200, 500, 1000], paper: [100, 200, 500, 1000])
let (lengthRows, positions) = chapter.phase("longer sequences") {
  measureLongerSequences(lengths: lengths)
}
recordLongerSequences()

/*:
 {{table "test bpc against sequence length"}}

 Every model's bits per character are lower past position 100 than up to it, in the mean:
 the LSTM's by {{scalar "rise past the training length, LSTM, mean" | abs | %.3f}} bpc, the
 LN-LSTM's by {{scalar "rise past the training length, LN-LSTM, mean" | abs | %.3f}} and the
 BN-LSTM's, repeating step 100's statistics, by
 {{scalar "rise past the training length, BN-LSTM, mean" | abs | %.3f}} (why later positions
 are easier on this text we have not tested; more context is a guess). The LSTM, which has no
 statistics, is the control: against it, the BN-LSTM's rise is
 {{scalar "rise past the training length − LSTM's, BN-LSTM, mean" | %+.3f}} bpc
 ({{scalar "rise past the training length − LSTM's, BN-LSTM, lowest" | %+.3f}} to
 {{scalar "rise past the training length − LSTM's, BN-LSTM, highest" | %+.3f}} over the
 repetitions) and the LN-LSTM's
 {{scalar "rise past the training length − LSTM's, LN-LSTM, mean" | %+.3f}}
 ({{scalar "rise past the training length − LSTM's, LN-LSTM, lowest" | %+.3f}} to
 {{scalar "rise past the training length − LSTM's, LN-LSTM, highest" | %+.3f}}): both lose
 some of their early lead over the LSTM past the training length in every repetition, the
 BN-LSTM with repeat-last more in the means (the ranges overlap), and the LN-LSTM, which has
 no $T_{max}$ to run out of, by as little as a thousandth of a bit in one repetition (figure
 06-long-sequences). These are directions with no resolution stated; three repetitions, no
 claim, and no cause named.
 */

/*:
 ## The long preset: ten times the text, and pixels

 The book preset's text models overfit 30,000 characters within a few hundred steps, and its
 budget holds no second recurrent task. The long preset (`companion run 6 --preset long`,
 resumable; its results in `Figures/long/`) trains the three text models at Chapter 5's long
 settings — {{long scalar "training characters" | %,d}} characters, 64 units, Chapter 5's
 long grid of rates (0.002 to 0.008, one step past an edge), measured every 25 steps over the
 first 1,000 and every 100 after, each run stopped 2,000 steps past its best (improvements
 under 0.002 bpc not counting), at most 10,000 — and adds Chapter 5's permuted pixel-by-pixel
 task with the LN-LSTM beside the LSTM and the BN-LSTM ([PixelRuns.swift](PixelRuns.swift)):
 14×14 Fashion-MNIST, 196 steps, 64 units, batches of 64, RMSProp with the gradient clipped
 at norm 1, each run stopped when its validation accuracy has not improved by 0.2 points for
 2,000 steps, at most 10,000, each model at its best rate from Chapter 5's grid (0.003 to
 0.03, one step past an edge), three fresh repetitions. Everything else — the feed-forward
 networks, the measurements at initialisation, the batch of one and the longer sequences —
 runs as in the book preset, on the long preset's text models. The claims were fixed before
 the run: on text, the book preset's two; on pixels, the LN-LSTM reaches the LSTM's best
 validation accuracy (the lowest of its repetitions) in fewer steps than the LSTM, and than the
 BN-LSTM. That is the abstract's headline ("substantially reduce the training time") carried
 to a task the paper did not run (`PAPERS.md` lists none pixel by pixel). Test accuracy at
 the best validation point is read for every pair by the same rule, with no verdict.
 *Two limits of the rules, Chapter 5's:* both stopping tolerances are below their measure's
 noise (0.2 points against a standard error of about 0.85 on 2,000 validation images; 0.002
 bpc against the 0.004 at which two evaluation protocols differ here), so "converged" in the
 tables below means the curve had flattened to within its noise, not that it had stopped
 moving, and every "in every repetition" below rests on runs stopped that way; and the LSTM's
 three text repetitions all reached the 10,000-step limit unconverged.
 */

if trainsPixelModels { pixelSection() }

/*:
 **The text, to convergence.**

 {{long table "character learning-rate grid"}}

 {{long table "character models at their rates"}}

 {{long table "character repetitions"}}

 {{long table "text comparisons"}}

 ![The text models' curves, long preset](Figures/long/06-characters.png)

 With ten times the text the LN-LSTM reaches the LSTM's training-batch level first at every
 matched rate, against the LSTM (3 of 3) and against the BN-LSTM (4 of 4 — on the book
 preset's text it was first at only two of four, and the BN-LSTM was fastest of all), in
 {{long claim "text (fortunes): the LN-LSTM reaches the LSTM's training bpc at its best in fewer steps than the BN-LSTM" | %.2f}}×
 the BN-LSTM's steps at 0.008
 (**{{long verdict "text (fortunes): the LN-LSTM reaches the LSTM's training bpc at its best in fewer steps than the BN-LSTM"}}**)
 and {{long claim "text (fortunes): the LN-LSTM reaches the LSTM's training bpc at its best in fewer steps than the LSTM" | %.2f}}×
 the LSTM's. Against the LSTM the book's speed rule asks for four matched rates, one seed a
 rate; the LSTM's best rate lies inside its grid, so its grid was not extended and the two
 share three: **{{long verdict "text (fortunes): the LN-LSTM reaches the LSTM's training bpc at its best in fewer steps than the LSTM"}}**
 by the rule we fixed, however one-sided the three are. (The level is the LSTM's
 training-batch bpc at its best, the highest of its repetitions: a level every LSTM run
 reached. That those runs had not converged moves where the level is, not how the steps to it
 are read, so unlike the best-validation readings the speed claims do not undecide for it.
 One BN-LSTM repetition never reached the level before its rule stopped it.)

 Where they end is another matter. The BN-LSTM's best validation bpc,
 {{long scalar "best validation bpc, BN-LSTM, mean" | %.3f}}, is below the LN-LSTM's
 {{long scalar "best validation bpc, LN-LSTM, mean" | %.3f}} in every repetition, by more than
 the resolution (the LSTM's {{long scalar "best validation bpc, LSTM, mean" | %.3f}} is above
 both, unconverged); at equal fit the gap,
 {{long scalar "LN-LSTM − BN-LSTM, validation bpc at equal fit" | %+.3f}}, is not
 distinguishable. On the book preset's text the two were not distinguishable either way, so
 this is not a reversal of an order but an order the long preset finds and the book's could
 not. In the means the direction turned: on the book preset's text the LN-LSTM was ahead,
 {{scalar "best validation bpc, LN-LSTM, mean" | %.3f}} against
 {{scalar "best validation bpc, BN-LSTM, mean" | %.3f}}; here the BN-LSTM is, by
 {{long scalar "LN-LSTM − BN-LSTM, best validation bpc" | %.3f}}. The comparison sets two
 differences against each other, the axis and the initial gain (LN's 1, BN's 0.1). The
 LN-LSTM with its gains started at 0.1 (below; untuned, at gain 1's rate) ends at 2.587 in
 the mean, 0.037 above the BN-LSTM, its range (2.578 to 2.595) touching the BN-LSTM's (2.533
 to 2.576) only through one BN-LSTM repetition stopped 200 steps after its best — a reading
 after the run, not decided either way. What would decide it is a tuned LN-LSTM at gain 0.1,
 or a BN-LSTM with gains of 1. The long preset also differs from the book's in more than the
 amount of text (rates, stopping tolerance, schedule), so we do not name a cause. The LN-LSTM
 reaches its best within 2,600 steps and its validation bpc rises after it (figure
 06-characters, panel b); the BN-LSTM's best comes at 5,100 to 8,100.

 **The initial gain, again.**

 {{long table "LN-LSTM's initial gain"}}

 **Batch of one and longer sequences, on the long preset's models.**

 {{long table "batch of one"}}

 {{long table "test bpc against sequence length"}}

 The LN-LSTM's four numbers are again one number. Past the training length both normalised
 models now *gain* on the LSTM, in every repetition: their rise minus the LSTM's is
 {{long scalar "rise past the training length − LSTM's, BN-LSTM, mean" | %+.3f}} bpc for the
 BN-LSTM and {{long scalar "rise past the training length − LSTM's, LN-LSTM, mean" | %+.3f}}
 for the LN-LSTM, where the book preset's models lost part of their lead. So the book preset's
 reading — LN gives up part of its lead past the training length, and repeat-last is not the
 whole of the BN-LSTM's cost — does not hold for models trained on ten times the text: on
 these, neither model pays for sequences ten times longer than it trained on, and the
 BN-LSTM with repeat-last and the LN-LSTM without it are not told apart (their ranges
 overlap; three repetitions, no claim).

 **Pixels.**

 {{long table "pixel learning-rate grid"}}

 {{long table "pixel models at their rates"}}

 {{long table "pixel comparisons"}}

 (A `*` marks a run that did not converge by the rule before the 10,000-step limit.)

 ![Permuted pixels, long preset](Figures/long/06-pixels.png)

 On permuted pixels our LN-LSTM did not train as the other two do. At every rate of Chapter
 5's grid its loss became NaN — at step 5,050 of 10,000 at 0.003 (after reaching 77.7%), at
 679 at 0.01, at 223 at 0.03 (figure 06-pixels, panel c) — so the grid went one step below
 it, to 0.0009, the one rate at which it trained to the end; a diverged run is never chosen
 (its best before the divergence does not count). At 0.0009 two repetitions reached 76.3%
 (at the 10,000-step limit) and 76.8% (at 9,500, then 75.4% at the limit), and the third
 peaked at 26.8%, fell to between 14% and 26%, and was stopped by the rule. Both speed claims
 are **{{long verdict "permuted Fashion-MNIST: the LN-LSTM reaches the LSTM's best validation accuracy (the lowest of its repetitions) in fewer steps than the LSTM"}}**
 and **{{long verdict "permuted Fashion-MNIST: the LN-LSTM reaches the LSTM's best validation accuracy (the lowest of its repetitions) in fewer steps than the BN-LSTM"}}**
 by the book's rules (its rate at an edge, runs unconverged, no matched rate where both
 reach the target), and that is all the rules let us say. No LN-LSTM run reached the target,
 {{long scalar "pixels: speed target, the LSTM's lowest best validation accuracy" | %.2f}}%;
 the closest, 77.7% at 0.003 before its loss became NaN, was 4.6 points short. These runs
 test *our* LN-LSTM, which lacks the bias inside the input's normalization that the authors'
 code has — the difference we suspect below — so they give the claim no support without
 testing the paper's model. At 0.0009 the runs are unconverged and at an edge: their 76-77%
 is what this model reached at these rates, not its level. The LSTM's and the BN-LSTM's runs
 are Chapter 5's long ones, bit for bit (the same names, seeds and batches: their test
 accuracies, {{long scalar "pixels: test accuracy, LSTM, mean" | %.2f}}% and
 {{long scalar "pixels: test accuracy, BN-LSTM, mean" | %.2f}}%, are Chapter 5's); one LSTM
 repetition fell from 83.5% to 22.7% at step 9,750, after its best.

 *Why, in our reading (derived, not tested):* a pixel sequence has one input per step, so the
 input term $W_x x_t$ is one row of weights times a scalar, and LN over its $4H$ units divides
 the scalar out: $\mathrm{LN}(x_t w) = \mathrm{sign}(x_t)\,\mathrm{LN}(w)$ once $|x_t|\,
 \sigma_w \gg \sqrt\epsilon$. With the orthogonal initial row ($\sigma_w \approx 1/16$) the
 normalised input is within about 3% of that limit for every pixel brighter than 0.2 — the
 model sees, in effect, whether a pixel is lit, not how brightly. The authors' code
 normalises $x_t W_x + b$, the bias inside, which keeps the pixel's value; we left that bias
 out (see "The LN-LSTM" above), which costs nothing with one-hot characters — each
 character's column of $W_x$ is its own to learn — but here costs the pixel's value. Why the
 loss became NaN we have not measured; a candidate is LN's recurrent term, whose gradient with
 respect to $h_{t-1}$ grows as $1/\lVert h_{t-1}\rVert$ (it is invariant to $h$'s scale), so
 a step with a small state can amplify the gradient past what clipping at norm 1 can catch
 once it has overflowed single precision. The LN-LSTM with the bias inside the input's
 normalization is the next experiment, not this chapter's.

 **Claims of the long preset** (the book preset's, with the long preset's models):

 {{long claims}}
 */

/*:
 ## Figures
 */

drawFigures()

/*:
 ![Chapter 3's network at batches of 128 and 4](Figures/06-feedforward.png)

 ![The text models' curves](Figures/06-characters.png)

 ![Bits per character by position past the training length](Figures/06-long-sequences.png)

 ![The gradient through time with LN, for every initial gain](Figures/06-gradient-flow.png)

 The figures and numbers here come from the book preset (seed 1, one BLAS thread), except
 those marked as the long preset's, on
 Fashion-MNIST and Debian's fortunes, drawn by [Figures.swift](Figures.swift) (the tables by
 [Tables.swift](Tables.swift)); regenerate them with `ch06-layernorm` (or `companion run 6`).
 The chapter took {{total | duration}} on the two cores of this machine, two runs at a time,
 most of it the text models ({{phase "character learning-rate grid" | %.0f}} s for the grid,
 {{phase "character repetitions" | %.0f}} s for the repetitions); the feed-forward networks
 took {{phase "feed-forward grid, batch 4" | %.0f}} s for the batch-4 grid.

 ## Claims

 {{claims}}

 ## Try this

 Each is one command; each writes to its own `runs/` directory, never over the book's figures.

 * A wider grid for the text models, where the BN-LSTM's best rate still is:
   `swift run -c release ch06-layernorm --rates 0.004,0.016,0.064`
 * More text, where a model of 64 units overfits later:
   `swift run -c release ch06-layernorm --training-characters 300000`
 * The long preset, ten times the text and permuted pixels (about {{long total | duration}} on
   two cores here; resumable): `swift run -c release ch06-layernorm --preset long`

 ## What the LN-LSTM costs

 *Measured with `companion bench`, not by this chapter (so these numbers are not in its
 results), on the machine that ran it: pinned Haswell kernels, one thread, the fastest of five
 repeats, sgemm at 97 GFLOP/s on the MLP's shapes.* A training step of the LN-LSTM on
 sequential MNIST's shape (784 steps, batch 64, 100 units) took 236.2 ms, against the
 BN-LSTM's 205.3 and the LSTM's 177.4 (58%, 67% and 79% of each step's matrix-product
 bound); on the character model's (100 steps, batch 64, 256 units) 140.5 ms against 132.5 and
 128.2 (77%, 81%, 88%). LN costs a little more than BN here: its sums run along a row, one
 chain per example, where BN's run down the columns and vectorise across them; the kernel
 keeps eight partial sums per row so the chains overlap. No step allocates. PyTorch 2.15's per-step
 LN-LSTM cell (`nn.LayerNorm` in the same places, a Python loop over time as public ports
 write it; `Benchmarks/pytorch_reference.py`) took 640.7 ms and 209.4 ms on the same machine
 and thread count, and its BN-LSTM cell 675.9 and 230.3.

 ## Summary

 Layer normalization is batch normalization over the other axis, and in this book it is the
 same three kernels with the axis as a parameter; its backward is Chapter 2's with the sums
 along a row and γ inside them, and it passes the same checks (finite differences, staged
 against fused, and exactly BN of the transpose). The paper's table of invariances, as
 `PAPERS.md` summarises it (BN's row and some cells are our own derivation), holds cell
 by cell as identities: BN is invariant to what acts on a unit, LN to what acts on an example.

 What LN removes, it removes exactly: the LN-LSTM computes the same numbers one sequence at a
 time as 64 at a time, in training and at test, and needs no $T_{max}$ for sequences ten times
 longer than it trained on — though past the training length of the book preset's text it
 gives up part of its lead over the LSTM (three repetitions, no claim; on the long preset's it
 gains). On fortunes it reaches the LSTM's training level first at every
 matched rate (**{{verdict "text (fortunes): the LN-LSTM reaches the LSTM's training bpc at its best in fewer steps than the LSTM"}}**
 by the book's speed rule; the LSTM's fastest rate is at an edge, and its trend points to a tie one step past it, which the rule leaves untested) and its best validation bpc is below the LSTM's in every
 repetition (a post hoc reading); against Chapter 5's BN-LSTM neither its speed
 (**{{verdict "text (fortunes): the LN-LSTM reaches the LSTM's training bpc at its best in fewer steps than the BN-LSTM"}}**,
 LN first at two matched rates, BN at one) nor its lead in the means is decided. In Chapter 3's
 network on Fashion-MNIST it does not match BN at a batch of 128
 ({{scalar "feed-forward test accuracy, LN, batch 128" | %.1f}}% against
 {{scalar "feed-forward test accuracy, BN, batch 128" | %.1f}}% after 781 steps, still
 climbing); at a batch of 4 the plain network, LN and BN end within 0.6 points in that order
 of the means, and LN against BN, the one pair compared, is not decided; the robustness claim
 **{{verdict "Fashion-MNIST: LN is robust"}}** as fixed: at an equal budget of examples BN loses at a
 batch of 4 and LN does not — LN gains, consistent with its use of the extra steps (untested),
 and its own accuracy moves more than BN's. And in this one measurement at initialisation (a tanh-RNN on 784 pixels of
 Fashion-MNIST, ten batches), no single γ separates a surviving gradient from a vanishing one
 with LN: it vanishes at γ = 0.1 as well as at 1 and passes the 1% line only at 0.5, and there
 barely (1.3%, a mean of ten batches)
 (**{{verdict "with LN in place of BN, the gradient survives"}}**, our question, post hoc), so
 Cooijmans et al.'s reason for a small γ does not carry over as it stands.

 The long preset (ten times the text, and permuted pixels) changes several of these
 readings. On its text the LN-LSTM is first to the LSTM's level at every matched rate against
 both: against the BN-LSTM
 **{{long verdict "text (fortunes): the LN-LSTM reaches the LSTM's training bpc at its best in fewer steps than the BN-LSTM"}}**
 (not decided on the book preset), against the LSTM
 **{{long verdict "text (fortunes): the LN-LSTM reaches the LSTM's training bpc at its best in fewer steps than the LSTM"}}**
 (three matched rates where the rule asks for four; it held on the book preset). It stops
 improving sooner than the BN-LSTM, and its best validation bpc is above the BN-LSTM's in
 every repetition (means 2.601 against 2.550), where on the book preset the LN-LSTM was ahead
 in the means (3.228 against 3.284) without the order being decided. The two differ in their
 initial gains as well as their axis, and which of the two (or the longer text, or the long
 preset's other settings) makes the difference is untested. Past the training length
 both normalised models gain on the LSTM there, where on the book preset they lost part of
 their lead. On permuted pixels our LN-LSTM, which normalises a scalar input's term without
 the authors' inner bias, diverged at every rate of Chapter 5's grid; no run of it at any
 rate reached the LSTM's level (the closest was 4.6 points short), so both speed claims are
 not decided and these runs give them no support. Our reading, derived and not tested, is
 that without that bias the normalised input keeps only whether a pixel is lit.

 *What the data could change.* Every verdict here is on Fashion-MNIST and Debian's fortunes,
 not the paper's data: Fashion-MNIST is harder than MNIST (accuracies in the 80s, not the
 high 90s), and 30,000 characters of fortunes overfit a 64-unit model within a few hundred
 steps (the long preset's 300,000, within a few thousand). The pixel task is ours, not the
 paper's: 14×14 images (196 steps, not 784), the LN-LSTM in our form without the authors'
 inner bias. `companion fetch` downloads real MNIST and Penn Treebank (checksummed), and
 `--mnist DIR` and `--corpus DIR` run the chapter on them.
 */

chapter.finish()
