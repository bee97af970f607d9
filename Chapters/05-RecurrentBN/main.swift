/*:
 # Chapter 5 — Recurrent batch normalization

 Chapter 4 ended with two findings: normalising an LSTM's hidden-to-hidden transition the
 naive way did not help its best validation bpc, and input-to-hidden BN trained faster (not
 only through the scale of its term) and, on a small text, generalised better. A year later Cooijmans et al.
 normalised the recurrent transition itself:

 > "We propose a reparameterization of LSTM that brings the benefits of batch normalization
 > to recurrent neural networks. Whereas previous works only apply batch normalization to the
 > input-to-hidden transformation of RNNs, we demonstrate that it is both possible and
 > beneficial to batch-normalize the hidden-to-hidden transition, thereby reducing internal
 > covariate shift between time steps." — Cooijmans et al. 2017, abstract

 Two changes carry it: **separate statistics for every time step**, and **γ initialised
 small** (0.1 instead of 1). This chapter derives the BN-LSTM's backward pass through time,
 checks it, shows why γ matters for the gradient (their Figure 1), and trains what the paper
 trained, at a scale that fits a laptop core: pixel-by-pixel MNIST in order and permuted
 (Figure 2, Table 1), a character-level language model on Chapter 4's text and settings
 (Figure 3a), its bits per character on sequences ten times longer than in training
 (Figure 3b), the population statistics over time (appendix A) and the initial γ (appendix B).

 The paper's summary has two halves — the BN-LSTM converges faster, *and* it generalises
 better — and the second needs more care than the first. Every comparison gives each model
 its own best learning rate from a small grid and runs three repetitions (own initial weights
 and batch order; the models of one repetition share both); a claim is decided only if every
 repetition of one model is on the same side of every repetition of the other. The book
 preset reads MNIST at an equal budget of steps; the `long` preset trains every model until
 its validation stops improving and reads Table 1 there, as the paper does. We quote the
 paper from its abstract and from `PAPERS.md`; where the authors' code decides what the text
 leaves open, we say so.
 */

import Companion
import Datasets
import Engine
import Foundation
import Plot
import Randomness

let chapter = Chapter(number: 5)

/*:
 ## The BN-LSTM

 With $x_t$ the input, $h_{t-1}$ and $c_{t-1}$ the previous state, Cooijmans et al. (§3)
 normalise the recurrent term and the input term *separately*, and the cell before its
 output nonlinearity:

 $$(\tilde f_t, \tilde i_t, \tilde o_t, \tilde g_t) = \mathrm{BN}(W_h h_{t-1}; \gamma_h, 0) + \mathrm{BN}(W_x x_t; \gamma_x, 0) + b$$
 $$c_t = \sigma(\tilde f_t) \odot c_{t-1} + \sigma(\tilde i_t) \odot \tanh(\tilde g_t)$$
 $$h_t = \sigma(\tilde o_t) \odot \tanh(\mathrm{BN}(c_t; \gamma_c, \beta_c))$$

 where $\mathrm{BN}(u; \gamma, \beta) = \beta + \gamma \odot (u - \hat{\mathrm E}[u]) / \sqrt{\widehat{\mathrm{Var}}[u] + \epsilon}$
 with the mean and variance of **this time step** over the batch. The two terms' $\beta$ are 0
 (the bias $b$ covers both); $\gamma_h$ and $\gamma_x$ set the terms' relative weight. γ and
 β are shared by all steps; only the statistics are per step, and at inference each step
 $t \le T_{max}$ uses its own population statistics, later steps those of $T_{max}$. Unlike
 Chapter 4's naive version, the transient of the first steps (where $h_0 = 0$ and the state
 builds up) gets statistics of its own; $\gamma = 0.1$ is Figure 1's subject below.

 The engine's forward step, one layer over a batch of sequences (time-major: rows
 $tB$ to $(t+1)B - 1$ are step $t$). $W_x x_t$ does not depend on $h$: it is one matrix
 product for all steps before the loop, and so are BN_x's statistics. (For this chapter's
 BN-LSTMs, whose $x_t$ is one pixel or one character, $x_t W_x$ is a row of $W_x$, scaled or
 picked: the engine makes it inside the loop where it is read, the same bits, rather than write
 80 MB of it to memory at $T = 784$ and read it back twice.) Inside the loop, each equation
 above is a line, with the equation as its comment:

 @include Sources/Engine/Recurrent/RecurrentLayer.swift#forward step

 `addTerms` and `output` are where the normalizations run: staged, as the equations suggest,
 for every other normalization; for the BN-LSTM each pair runs in one pass over the step's
 rows (`BNLSTMKernels`), the same operations in the same order, bit for bit the same (the
 engine's tests compare the two). The fused sum of the two terms:

 @include Sources/Engine/Recurrent/BNLSTMKernels.swift#fused terms

 ## Backpropagation through time, derived

 *(Our derivation.)* Write $u_t = W_h h_{t-1}$, $v_t = W_x x_t$, $\hat c_t = \mathrm{BN}(c_t)$.
 Going backwards, step $t$ receives $\delta h_t = \partial\ell/\partial h_t$ (from the loss at
 $t$, if any, plus what step $t+1$ sends back through $W_h$) and $\delta c_t^{\to}$, the
 cell's gradient from step $t+1$, $\delta c_{t+1} \odot \sigma(\tilde f_{t+1})$. Then, in order:

 1. the output: $\delta \tilde o_t = \delta h_t \odot \tanh(\hat c_t) \odot \sigma'(\tilde o_t)$ and
    $\delta \hat c_t = \delta h_t \odot \sigma(\tilde o_t) \odot (1 - \tanh^2 \hat c_t)$;
 2. the cell's BN, Chapter 2's backward with this step's statistics:
    $\delta c_t = \delta c_t^{\to} + \frac{\gamma_c}{\sqrt{\sigma_t^2+\epsilon}}\big(\delta\hat c_t - \overline{\delta\hat c_t} - \hat x_t\,\overline{\delta\hat c_t\,\hat x_t}\big)$
    (bars are means over the batch at step $t$), and $\delta\gamma_c \mathrel{+}= \sum_b \delta\hat c_t \hat x_t$, $\delta\beta_c \mathrel{+}= \sum_b \delta\hat c_t$;
 3. the gates: $\delta\tilde f_t = \delta c_t \odot c_{t-1} \odot \sigma'(\tilde f_t)$,
    $\delta\tilde i_t = \delta c_t \odot \tanh(\tilde g_t) \odot \sigma'(\tilde i_t)$,
    $\delta\tilde g_t = \delta c_t \odot \sigma(\tilde i_t) \odot (1-\tanh^2\tilde g_t)$; $\delta b \mathrel{+}= \sum_b \delta\tilde a_t$;
 4. the two BNs, each Chapter 2's backward of the same $\delta \tilde a_t$ with its own step-$t$
    statistics and γ: $\delta u_t$, $\delta v_t$, and $\delta\gamma_h$, $\delta\gamma_x$;
 5. the products: $\delta W_h \mathrel{+}= h_{t-1}^\top \delta u_t$, $\delta W_x \mathrel{+}= x_t^\top \delta v_t$,
    and what goes back to step $t-1$: $\delta h_{t-1} \mathrel{+}= \delta u_t W_h^\top$,
    $\delta c_{t-1}^{\to} = \delta c_t \odot \sigma(\tilde f_t)$.

 What the per-step statistics add is steps 2 and 4: at every step the batch's examples are
 coupled (each one's gradient depends on the others' at that step through the two means),
 exactly as in a feed-forward BN layer. Along time nothing new appears — no step's statistics
 depend on another step's — but the coupling does not stay inside its step: what step $t$'s
 BN mixes across the batch, $\delta u_t W_h^\top$ carries back to step $t-1$, where BN mixes
 it again. After $k$ steps back, example $b$'s gradient depends on every other example's
 through $k$ such projections: the batch is coupled through time, even though the statistics
 are not.

 *Why the first steps need noise (our derivation of the paper's fix).* The backward of a BN
 scales its input gradient by $\gamma/\sqrt{\sigma_t^2+\epsilon}$ (step 2's factor). On
 in-order MNIST the first rows of an image are black: $x_t = 0$ for every example, so if
 $h_0$ is the same row for every sequence, $W_h h_{t-1}$ is identical across the batch for
 all those steps and $\sigma_t^2 = 0$. BN_h's backward then multiplies by
 $\gamma_h/\sqrt{\epsilon} = 0.1/\sqrt{10^{-5}} \approx 32$ at each such step, and back
 through the ~100 black steps of a 784-pixel image those factors compound (the projection
 that removes the batch mean keeps it from being exactly $32^{100}$, but nothing bounds it).
 Gaussian noise on $h_0$ (0.1, the authors' value) gives $W_h h_{t-1}$ a variance of its own
 from the first step, $\sigma_t^2 \gg \epsilon$, and the gain becomes an ordinary one.

 *A dead parameter.* Under batch statistics a learned $h_0$ is worse than useless: it is one
 row broadcast to every sequence, so $W_h h_0$ is the same for every example, and BN_h's mean
 subtraction removes it entirely at the first step. Nothing the network computes depends on
 $h_0$ (its gradient is exactly 0, which the check below confirms); it is a parameter that
 cannot learn. With population statistics at inference it is not removed, so a trained $h_0$
 would even change the outputs — it stays at its initial 0 instead. (With noise, the step-1
 statistics see the noise, not $h_0$.)

 And why the cell update itself is left unnormalised: the path
 $c_{t-1} \to c_t$ is the LSTM's gradient highway, multiplied by $\sigma(\tilde f_t)$ alone
 (step 5). A BN *inside* the recurrence would put a factor $\gamma/\sigma_t$ and a projection
 on that path at every step — the repeated rescaling Laurent et al. blamed. $\mathrm{BN}(c_t)$
 sits only on the branch to $h_t$.

 The engine's backward step, from the last step to the first ($\partial\ell/\partial W_h$ and
 $\partial\ell/\partial W_x$ are each one product over all steps after the loop, and so, in
 the staged branch, is the input term's BN backward). The staged branch is the derivation line
 by line; for the BN-LSTM the engine runs the same arithmetic fused into three passes over the
 step's rows (`BNLSTMKernels.backwardStep`), BN_x's backward included while the step's rows
 are in cache. It is bit for bit the staged arithmetic but for the order of two sums:
 $\partial\ell/\partial\gamma_x$ and $\partial\ell/\partial b$ add the steps from the last to
 the first (the engine's tests bound the difference by rounding):

 @include Sources/Engine/Recurrent/RecurrentLayer.swift#backward step

 We check it against central finite differences in Double, for every parameter, on a tiny
 problem (5 steps, batch 4, 3 inputs, 3 units, a loss at every step; every γ and β set away
 from 1 and 0 so that no term can vanish by accident; set up in
 [GradientCheck.swift](GradientCheck.swift)). Tolerance: a relative error of 10⁻⁶ per tensor
 (or an absolute error of 10⁻¹⁰ where the true gradient is 0: the dead $h_0$ above).
 */

let gradientChecks = chapter.phase("gradient check") { gradientCheckOfTheBNLSTM() }
// The table of every tensor, and its errors as scalars: Tables.swift.
recordGradientChecks()
let worstCheck = worstRelativeError(gradientChecks)
chapter.claim(
  "the BN-LSTM's hand-written BPTT matches central differences on every tensor (worst relative error)",
  paper: "our derivation (§ above)", measured: worstCheck, format: "%.1e", unit: "",
  threshold: "≤ 1e-6", holds: worstCheck <= 1e-6, kind: .check)

/*:
 {{table "gradient check"}}

 Every tensor is within {{claim "the BN-LSTM's hand-written BPTT" | %.1t}} relative ($W_h$,
 whose gradient sums the most paths through time, at
 {{scalar "gradient check relative error, layer1.Wh" | %.1t}}); the learned $h_0$'s gradient
 is 0 to {{scalar "gradient check absolute error, layer1.h0" | %.0t}} absolute, as derived.
 The engine's tests repeat this for every cell, normalization and head, the input's gradient
 included, and compare the BN-LSTM with a PyTorch implementation on shared weights.

 ## Why γ = 0.1: the gradient through time (Figure 1)

 > Figure 1(a) of the paper: a BN tanh-RNN on sequential MNIST at initialisation; the norm of
 > $\partial\ell/\partial h_t$ against $t$, one curve per initial γ from 0.1 to 1.0.

 The argument (§4): BN's output has standard deviation γ, so γ sets the spread of the input to
 $\tanh$. A wide input saturates it, $\tanh'$ is small, and a gradient travelling back through
 many steps is multiplied by many small derivatives. Panel (b) is that in one picture: for
 $x \sim N(0, s^2)$, the expected $\tanh'(x) = 1 - \tanh^2(x)$ falls as $s$ grows.

 The RNN is the one of the authors' code (`PAPERS.md`), run at initialisation on 784-pixel
 sequences of the image data, 100 units, batches of 64, {{scalar "Figure 1 batches" | %d}}
 batches averaged ([GradientFlow.swift](GradientFlow.swift)), **in Double**: at γ = 1 the
 gradient reaching the first step has norm
 {{scalar "gradient norm ‖∂ℓ/∂h_1‖, γ 1.0" | %.0t}}, and a norm squares its entries — any
 entry below about 10⁻¹⁹ squares to less than Float's smallest normal number (1.18·10⁻³⁸),
 so in Float the sum underflows long before the entries do. Double goes down to 2.2·10⁻³⁰⁸.
 */

let fig1Side = chapter.pick(smoke: 14, book: 28, paper: 28)
let fig1Hidden = chapter.pick(smoke: 16, book: 100, paper: 100)
let fig1Batch = chapter.pick(smoke: 16, book: 64, paper: 64)
let fig1Batches = chapter.pick(smoke: 1, book: 10, paper: 20)
let gammas = (1...10).map { Double($0) / 10 }

let images = chapter.attempt { try chapter.loadImages() }
/// The image data's name, which every verdict on it carries: "Fashion-MNIST" in the book.
let imageData = images.source.name
let fig1Images = fig1Side == 28 ? images.train : images.train.downsampled2x2()
let fig1Steps = fig1Images.imageSize

/// The authors' BN tanh-RNN: one BN over the whole pre-activation,
/// h_t = tanh(BN(W_h h_{t-1} + W_x x_t; γ, β)), batch statistics at every step, W_h = I,
/// W_x orthogonal, a learned h_0 with Gaussian priming noise of 0.1, the loss at the last step.
func figure1RNN(gamma: Double) -> SequenceModel<Double> {
  var generator = chapter.makeGenerator("figure 1 weights")
  return SequenceModel<Double>(
    layers: [
      RecurrentLayerConfiguration(
        cell: .tanh, inputs: 1, hidden: fig1Hidden,
        normalization: RecurrentNormalization(
          placement: .wholePreactivation, statistics: .perStep, initialGamma: gamma,
          maxSteps: fig1Steps),
        recurrentWeights: .identity, initialState: .learned,
        initialStateNoise: CooijmansLSTM.initialStateNoise)
    ], head: .lastStep(classes: 10), using: &generator)
}

let gradientNorms = chapter.phase("figure 1") {
  gammas.map { hiddenGradientNorms(of: figure1RNN(gamma: $0)) }
}
let gradientRatios = gradientNorms.map(firstOverLast)
// Each γ's ‖∂ℓ/∂h_T‖, ‖∂ℓ/∂h_1‖ and ratio, as a table and scalars: Tables.swift.
recordGradientFlow()
/*:
 How to read the claim off ten curves. Comparing the two ends (γ = 0.1 against γ = 1.0), as
 the paper's figure invites, would hold for any picture in which the largest γ is the worst —
 a graded decline, or a cliff. Our curves showed a cliff, so the claim is stated the way the
 figure looks (*a test chosen after seeing the figure: tallied apart as post hoc*): **a single
 γ separates them** — below it the first step still receives at least 1% of the last step's
 gradient ("survives"), above it less ("vanishes") — and it lies inside the range. The rank
 correlation between γ and the ratio, which a graded picture and a cliff both make strongly
 negative, is recorded beside it.
 */

let survives = 1e-2
/// The largest γ up to which every γ's gradient survives (0 if γ = 0.1's does not).
let survivingUpTo = zip(gammas, gradientRatios).prefix { $0.1 >= survives }.last?.0 ?? 0
let cleanSplit = zip(gammas, gradientRatios).allSatisfy { gamma, ratio in
  gamma <= survivingUpTo ? ratio >= survives : ratio < survives
}
chapter.claim(
  "the gradient survives (‖∂ℓ/∂h_1‖/‖∂ℓ/∂h_T‖ ≥ 1%) for every γ up to some value and vanishes for every γ above it (the separating γ)",
  paper: "Cooijmans et al. 2017, §4, Fig. 1(a)", measured: survivingUpTo, format: "%.1f",
  unit: cleanSplit ? "" : " (no single γ separates them)",
  threshold: "one γ separates them, 0.1 ≤ γ < 1.0",
  holds: cleanSplit && survivingUpTo >= 0.1 && survivingUpTo < 1.0, kind: .postHoc)
// The ratios on either side, and the rank correlation: Tables.swift.
recordSeparation()

// Figure 1(b): tanh'(x) sampled for x ~ N(0, s²), s from 0 to 1: GradientFlow.swift; its mean
// and quartiles at a few spreads, as scalars: Tables.swift.
let tanhDerivatives = sampleTanhDerivatives()
recordTanhDerivatives()

/*:
 ## Sequential and permuted MNIST (Figure 2, Table 1)

 **Paper:** 784-pixel sequences, 100 units, the class predicted from the last hidden state;
 RMSProp at $10^{-3}$, clipping at 1, batches of 100; $W_h$ initialised with the identity
 (on the candidate block $g$, orthogonal elsewhere: the authors' `--init id`), all other
 weights orthogonal; learned $h_0, c_0$; for the BN-LSTM on in-order MNIST, Gaussian noise
 of 0.1 on $h_0$ (the zero-variance steps derived above). The paper's text says RMSProp with
 momentum 0.9; the authors' script has the momentum commented out and uses Blocks' RMSProp
 with decay 0.5 — we use the script's (`RMSProp.cooijmans`). Table 1 reports test accuracy
 of early-stopped models: trained until their validation accuracy stopped improving.

 **Ours:** images downsampled to 14×14 (196-step sequences), 64 units, batches of 64, so that
 a grid of rates and three repetitions fit. Each model gets its own rate from a grid of three
 (the paper's appendix C searched 10⁻⁴, 10⁻³ and 10⁻²), one step past the grid's edge where
 its best was there, chosen on its first seed by its best validation accuracy, then three
 fresh repetitions at that rate (the rules of `../shared/REFEREE.md`, as in Chapter 4; a
 claim resting on a rate still at an edge is not decided, and an accuracy margin must clear
 the standard error of an accuracy over the images it is measured on). Validation: 1,000 training
 images held out in the book preset (2,000 in the long one); test accuracy is measured once
 per run, at its best validation point, with population statistics.

 * **The book preset** trains every run for the same {{scalar "MNIST step limit" | %,d}} steps
   (about {{scalar "epochs of the MNIST runs" | %.2f}} of an epoch). Its models are still
   learning when it stops, so its "Table 1" is **accuracy at an equal budget of steps**, not
   the paper's measure; the speed claims are what it can decide.
 * **The long preset** trains each run until its validation accuracy has not improved by
   0.2 points for 2,000 steps (measured every 250, at most 10,000 steps) and reads Table 1 at
   the best point — the paper's measure, at our scale. Its results are committed in
   `Figures/long/`, beside the book's, on the same pinned matrix kernels.

 *Changes made after seeing runs.* The book's grid was moved up twice: it first tried
 3·10⁻⁴ to 3·10⁻³, then 3·10⁻⁴ to 10⁻², and both times every model did best at the largest
 rate. No verdict moved, but the book's MNIST claims are tallied as post hoc; the long
 preset's grid was fixed before its run. The speed claims, in both presets, were changed
 after a reader had seen the runs to read speed at matched rates: post hoc too.

 *Which population statistics.* With PyTorch's moving averages the BN-LSTM's validation
 curves jumped by 10-25 points between measurements while its training loss fell smoothly.
 The authors' code re-estimates the statistics for its final numbers — the average of the
 batch statistics over training batches, at the final weights (Alg. 2 of Chapter 1) — and so
 does every measurement here (10 training batches, the same each time); the moving averages
 are measured beside them, for the study below of why they fail.

 The model, the training run and the test are the library's `PixelClassifiers`
 ([PixelClassifiers.swift](../../Sources/Companion/Experiments/Pixels/PixelClassifiers.swift)), the
 models initialised by the engine's `CooijmansLSTM`
 ([CooijmansLSTM.swift](../../Sources/Engine/Recurrent/CooijmansLSTM.swift)). Its settings
 (`PixelClassifiers.cooijmans`, which Chapter 6 uses too):

 @include Sources/Companion/Experiments/Pixels/PixelClassifiers.swift#settings
 */

let pixels = PixelClassifiers.cooijmans(chapter: chapter, images: images)
let mnistSteps = chapter.steps(
  default: chapter.pick(smoke: 12, book: 600, paper: 110_000, long: 10_000))
let mnistRates = chapter.pick(
  smoke: [1e-3, 3e-3], book: [3e-3, 1e-2, 3e-2], paper: [1e-3],
  long: [3e-3, 1e-2, 3e-2])
/// The book's grids were widened after we had seen two runs of them (see the page), so its
/// tuned comparisons are tallied as post hoc; the long preset's were fixed before its run.
let tunedKind: Claim.Kind = chapter.preset == .long || chapter.preset == .paper ? .paper : .postHoc
let repetitions = chapter.pick(smoke: 2, book: 3, paper: 1, long: 3)
// As scalars for the page, and the permutation saved beside the results: Tables.swift.
recordMNISTSettings()
announceMNISTRuns()

/// Every MNIST run: each model at every rate, then its repetitions at its own best rate.
let mnist: TunedRuns<PixelModel, ClassifierRecord> = chapter.attempt {
  try chapter.tuneAndRepeat(
    models: pixelModels, rates: mnistRates, repetitions: repetitions,
    gridPhase: "MNIST learning-rate grid", repetitionsPhase: "MNIST repetitions",
    score: { -$0.curve.bestValidation.accuracy },
    train: { model, rate, repetition in
      pixels.train(
        runName(model.name, rate: rate, repetition: repetition), model, rate: rate,
        repetition: repetition, steps: mnistSteps)
    })
}

/*:
 The claims, made numbers (fixed before the runs; every one needs every repetition on the
 same side; the readings in [Readings.swift](Readings.swift)):

 * **Faster** (Figure 2): the LSTM's repetitions each reach a best validation accuracy; the
   lowest of them is a level every repetition of the LSTM reaches. Each run's steps to that
   level are its first measurement at or above it; the BN-LSTM is faster if every one of its
   repetitions needs fewer steps than every repetition of the LSTM. The value is the ratio of
   the means.
 * **Better on permuted MNIST** (Table 1): each run's test accuracy at its best validation
   point; the BN-LSTM is better if every repetition's is above every repetition of the LSTM's.
   In the long preset a claim over runs that did not all converge is not decided.
 */

let pixelReadings = chapter.phase("test accuracy") { readPixelRuns() }
for task in Task.allCases {
  let (lstm, bn) = (
    PixelModel(task: task, batchNorm: false), PixelModel(task: task, batchNorm: true)
  )
  let reading = mnist.speed(
    bn, against: lstm, steps: { pixelStepsToTarget($0, task: task) },
    resolution: Resolution(0, "crossings read on one measurement schedule"))
  chapter.speedClaim(
    "\(task.rawValue) \(imageData): the BN-LSTM reaches the LSTM's best validation accuracy (\(String(format: "%.2f%%", mnistTarget(task))), the lowest of its repetitions) in fewer steps (BN's steps / LSTM's, at the largest matched rate)",
    paper: "Cooijmans et al. 2017, §5.1, Fig. 2", reading: reading, names: ("BN-LSTM", "LSTM"),
    // Read at matched rates since a reader showed the chosen rates could not decide speed, on
    // runs already seen: post hoc in every preset.
    expected: .below, kind: .postHoc)
}
let (permutedLSTM, permutedBN) = (
  PixelModel(task: .permuted, batchNorm: false), PixelModel(task: .permuted, batchNorm: true)
)
let testComparison = Comparison(
  pixelSpread(permutedBN, \.test), "BN-LSTM", against: pixelSpread(permutedLSTM, \.test), "LSTM",
  resolution: .binomial(
    accuracy: pixelSpread(permutedLSTM, \.test).mean / 100, count: pixels.testImages.count),
  format: "%.2f")
chapter.claim(
  "permuted \(imageData): the BN-LSTM's test accuracy, \(budgetText), is higher (best validation point, population statistics; BN − LSTM, mean of \(repetitions))",
  paper: "Cooijmans et al. 2017, §5.1, Table 1", comparison: testComparison, expected: .above,
  measured: testComparison.difference, format: "%+.2f", unit: " points", kind: tunedKind,
  undecidedBecause: [
    mnistDecided([permutedLSTM, permutedBN]) ? "" : "a run did not converge",
    mnist.edgeNote([permutedLSTM, permutedBN], name: \.name),
  ])
// The grid, Table 1 and every repetition: Tables.swift.
recordMNISTTables()

/*:
 ### Moving averages: lag or noise?

 Two things can make moving averages wrong: their *lag* (the weights move at every step, and
 statistics averaged over past batches describe a network that no longer exists) and their
 *noise* (an average over few batches). The momentum sets both: PyTorch's 0.1 remembers about
 10 batches, the authors' 0.01 (`PAPERS.md`) about 100. We measure them apart on permuted
 MNIST, at the BN-LSTM's best point (repetition 1, its chosen rate;
 [MovingAverages.swift](MovingAverages.swift)):

 * **in training** (lag and noise): the validation accuracy with the moving averages as
   training left them at that step, with momentum 0.1 — and with 0.01, from a second run
   identical in every other respect (the moving averages never touch training, so its
   weights are the same, bit for bit: a check below);
 * **at frozen weights** (no lag): the same weights, fresh averages (mean 0, variance 1, as
   every library starts them), then training batches with the same momentum — as many as the
   run had taken at that point (the start's share is then what it was in training), and
   enough for the start to fade to nothing
   ({{scalar "batches fed at frozen weights, momentum 0.1" | %,d}} with 0.1,
   {{scalar "batches fed at frozen weights, momentum 0.01" | %,d}} with 0.01: the start's
   share below 10⁻⁶);
 * **re-estimated** (the reference): the plain average of 10 training batches' statistics.
 */

/// PyTorch's bookkeeping with the authors' momentum: the moving averages take 1% of each new
/// batch instead of 10%.
let authorsMovingAverage = BatchNormConvention(
  name: "authors' momentum", epsilon: 1e-5, update: .movingAverage(momentum: 0.01),
  storesUnbiasedVariance: true)
let studyModel = PixelModel(task: .permuted, batchNorm: true)
let studyRate = mnist.chosenRate[studyModel]!
let studyTrial = mnist.trials[studyModel]![0]
let studyRun = studyTrial.record
let slowTwin: ClassifierRecord = chapter.phase("moving averages") {
  pixels.train(
    runName(studyModel.name, rate: studyRate, repetition: studyTrial.repetition)
      + ", moving averages 0.01", studyModel, rate: studyRate, repetition: studyTrial.repetition,
    steps: mnistSteps, convention: authorsMovingAverage)
}
let twinDifference =
  zip(studyRun.curve.validation, slowTwin.curve.validation).map { abs($0 - $1) }.max() ?? .nan
chapter.claim(
  "the moving averages do not touch training: the run tracking them with momentum 0.01 has the re-estimated validation curve of the run with 0.1, bit for bit (largest difference)",
  paper: "our code", measured: twinDifference, format: "%g", unit: " points",
  threshold: "= 0, and as many measurements",
  holds: twinDifference == 0 && studyRun.curve.steps == slowTwin.curve.steps, kind: .check)
let studyValues = movingAverageStudy()
// The table, and moving averages − re-estimated over whole runs: Tables.swift.
recordMovingAverageStudy()

/*:
 ## The initial γ in training (appendix B)

 **Paper (appendix B):** training curves for initial γ ∈ {0.1, 0.3, 0.5, 0.7, 1.0}: on
 permuted MNIST a larger γ clearly hurts; on Penn Treebank the effect disappears (a loss at
 every step gives a learning signal that does not have to travel far back). We run the
 permuted-MNIST half here, on permuted Fashion-MNIST — every γ in six repetitions, at the
 BN-LSTM's chosen rate, for
 {{scalar "γ sweep steps" | %,d}} steps — and the text half with the character models below.
 The claim: γ = 1.0's training loss after those steps is above γ = 0.1's in every repetition.
 */

let sweepGammas = [0.1, 0.3, 0.5, 0.7, 1.0]
/// Six repetitions in the book: at three, this claim's verdict reversed with the matrix
/// kernels' rounding (`../shared/REFEREE.md`: a verdict a rounding change reverses was never
/// decided; more repetitions, or not decided).
let sweepRepetitions = chapter.pick(smoke: 2, book: 6, paper: 3, long: 3)
let sweepSteps = min(chapter.pick(smoke: 4, book: 200, paper: 20_000), mnistSteps)
let sweepRate = mnist.chosenRate[studyModel]!
let sweep: [[ClassifierRecord]] = chapter.phase("γ sweep") {
  let cells = sweepGammas.flatMap { gamma in
    (1...sweepRepetitions).map { (gamma, Repetition($0)) }
  }
  let records = chapter.attempt {
    try chapter.independently("γ sweep", cells) { gamma, repetition in
      pixels.train(
        runName(
          String(format: "BN-LSTM γ %.1f, permuted", gamma), rate: sweepRate,
          repetition: repetition),
        studyModel, rate: sweepRate, repetition: repetition, steps: sweepSteps, gamma: gamma,
        stopsAtConvergence: false)
    }
  }
  return sweepGammas.indices.map { g in
    Array(records[g * sweepRepetitions..<(g + 1) * sweepRepetitions])
  }
}
let sweepLoss = sweep.map { runs in
  Spread(values: runs.map { $0.curve.trainingLoss.last ?? .nan })
}
// The table and each γ's means: Tables.swift.
recordGammaSweep()
let (smallGammaLoss, largeGammaLoss) = (sweepLoss.first!, sweepLoss.last!)
// A sweep at the edge rate of the extended grid decides nothing (REFEREE.md: the model's best
// rate may lie beyond it; at the grid's old edge this verdict reversed with the matrix
// kernels' rounding).
let sweepComparison = Comparison(
  smallGammaLoss, "γ 0.1", against: largeGammaLoss, "γ 1.0",
  resolution: Resolution(0, "the same batches and weights for every γ; run-to-run spread only"),
  format: "%.3f")
chapter.claim(
  "permuted \(imageData): with initial γ = 1.0 the BN-LSTM trains slower than with 0.1 (training loss after \(sweepSteps) steps, γ 1.0 − γ 0.1, mean of \(sweepRepetitions))",
  paper: "Cooijmans et al. 2017, appendix B", comparison: sweepComparison, expected: .below,
  measured: -sweepComparison.difference, format: "%+.3f", unit: " nats", kind: tunedKind,
  undecidedBecause: [mnist.edgeNote([studyModel], name: \.name)])

/*:
 ## The character-level language model (Figure 3a)

 **Paper:** Penn Treebank characters, 1000 units, Adam at $2\cdot10^{-3}$, batches of 64
 sequences of 100 characters (a random crop each epoch), clipping at 1, orthogonal
 initialisation: the BN-LSTM converges faster and generalises better; test bits per character
 1.38 (LSTM) and 1.32 (BN-LSTM).

 **Ours:** Chapter 4's character model and rules, with the BN-LSTM in place of Chapter 4's
 input-BN variants: 64 units, the first 30,000 characters of the training text, every model at
 its best rate from a grid of Adam's rate (one step past its edge where needed), three fresh
 repetitions, every run measured every 10 steps over its first 300 and every 50 after, and
 stopped when its validation bpc has not improved for 800 steps (any improvement counting: a
 tolerance of 0; at most 5,000),
 read at its best point, with population statistics re-estimated over 5 training batches
 (and the moving averages measured beside them). A model of 64 units overfits 30,000
 characters: that is what makes it a test of generalisation, read where each model is at its
 best. The long preset trains the LSTM and the BN-LSTM on ten times the text. Three models:
 the **LSTM** (Chapter 4's model, initial weights and batches), the **BN-LSTM** (γ = 0.1),
 and — appendix B's text half — the **BN-LSTM with γ = 1.0**.

 *Changes made after seeing runs.* The book's grid was moved up twice: it first tried 0.0005
 to 0.004 (measuring every 100 steps), then 0.001 to 0.008 (every 50), and the BN-LSTMs did
 best at its largest rate; a verdict moved between those runs (the best-validation claim
 failed in the first). Each change can only help the BN-LSTMs, but a test tuned with the
 results in view is weaker evidence: the book's character claims are tallied as post hoc, the
 long preset's not (except its speed claim, read at matched rates since a reader's second
 reading).

 The claims, by Chapter 4's rules: the BN-LSTM reaches the LSTM's training-batch bpc at its
 best (the highest of its repetitions') in fewer steps, at every matched rate of the grid and
 at each model's fastest rate; its best validation bpc is lower; its validation bpc at equal
 fit (where its training-sample bpc first falls to the LSTM's at its best) is lower — each in
 every repetition against every one, by more than the resolution of a validation bpc (the
 largest gap between the two evaluation protocols on these runs; at equal fit, plus the
 validation step the reading interpolates across). Every run is measured every 10 steps over
 its first 300, where the curves fall fastest, then every 50. And appendix B on text: that
 the initial γ does not matter (γ = 0.1's and γ = 1.0's best validation bpc not told apart) —
 a null, which the rule cannot establish: it fails if either is below the other, and is not
 decided otherwise.
 */

let corpus = chapter.attempt { try chapter.loadCorpus() }
/// Chapter 4's character models (`CharacterModels`); size, step limit, grid and text per preset:
/// `CharacterExperiment`, Cooijmans et al.'s column.
let textExperiment = CharacterExperiment(.cooijmans, in: chapter, corpus: corpus)
let characters = textExperiment.models(in: chapter, corpus: corpus)
let (charBatch, charLength) = (characters.batch, characters.length)
let (charSteps, charEvery, charConvergence, charRates, charReestimation) = (
  textExperiment.steps, textExperiment.measureEvery, textExperiment.convergence,
  textExperiment.rates, textExperiment.reestimationBatches
)
let trainingText = Array(corpus.train.prefix(textExperiment.trainingCharacters))
let trainingSample = characters.sample(of: trainingText)

/// The character models this chapter compares.
enum CharacterModel: String, CaseIterable {
  case lstm = "LSTM"
  case bnLSTM = "BN-LSTM"
  case gammaOne = "BN-LSTM, γ 1.0"
}
/// The long preset keeps the comparison the paper's claim is about.
let characterModels: [CharacterModel] =
  chapter.preset == .long ? [.lstm, .bnLSTM] : CharacterModel.allCases
let bnGamma = chapter.gamma()

func characterNormalization(_ model: CharacterModel) -> RecurrentNormalization {
  switch model {
  case .lstm: .none
  case .bnLSTM: .cooijmans(maxSteps: charLength, initialGamma: bnGamma, convention: .pytorch)
  case .gammaOne: .cooijmans(maxSteps: charLength, initialGamma: 1, convention: .pytorch)
  }
}
announceCharacterRuns()

let textRuns: TunedRuns<CharacterModel, LanguageModelRecord> = chapter.attempt {
  try chapter.tuneAndRepeat(
    models: characterModels, rates: charRates, repetitions: repetitions,
    gridPhase: "character learning-rate grid", repetitionsPhase: "character repetitions",
    score: { $0.curve.bestValidation.bpc },
    train: { model, rate, repetition in
      characters.train(
        runName(model.rawValue, rate: rate, repetition: repetition),
        characterNormalization(model), source: .crops(trainingText), steps: charSteps,
        trainingSample: trainingSample,
        settings: CharacterModels.RunSettings(
          learningRate: rate, repetition: repetition, evaluationInterval: charEvery,
          convergence: charConvergence, keepsBest: true,
          comparesMovingAverages: model != .lstm,
          denseEvaluation: textExperiment.denseEvaluation),
        in: chapter)
    })
}

// Each run read at its best point against the LSTM's targets; the claim's arithmetic:
// Readings.swift.
let charReadings = readCharacterRuns()
/// How far apart two validation bpc must be before a claim reads an order into them: the
/// largest gap between the two evaluation protocols on the same runs (Readings.swift).
let charResolution = Resolution(
  charProtocolGap, "the largest gap between the two evaluation protocols on these runs")
chapter.log.scalar("resolution of a validation bpc (protocols' largest gap)", charResolution.value)
let charSpeed = textRuns.speedToTarget(.bnLSTM, against: .lstm, reference: .lstm)
chapter.speedClaim(
  "text (fortunes): the BN-LSTM reaches the LSTM's training bpc at its best in fewer steps (steps / LSTM's, at the largest matched rate)",
  paper: "Cooijmans et al. 2017, §5.2, Fig. 3(a)", reading: charSpeed,
  names: ("BN-LSTM", "LSTM"), expected: .below, kind: .postHoc)
characterClaim(
  "text (fortunes): the BN-LSTM's best validation bpc is lower than the LSTM's (BN − LSTM, mean of \(repetitions))",
  paper: "Cooijmans et al. 2017, §5.2, Fig. 3(a), Table 2", .bnLSTM, against: .lstm, \.best)
characterClaim(
  "text (fortunes): at equal training fit the BN-LSTM's validation bpc is lower than the LSTM's (BN − LSTM, mean of \(repetitions))",
  paper: "Cooijmans et al. 2017, §5.2, Fig. 3(a)", .bnLSTM, against: .lstm, \.validationAtFit,
  atFit: true)
if characterModels.contains(.gammaOne) {
  characterClaim(
    "text (fortunes): the initial γ does not matter — γ = 0.1's best validation bpc is not below γ = 1.0's by more than the resolution (γ 0.1 − γ 1.0, mean of \(repetitions))",
    paper: "Cooijmans et al. 2017, appendix B", .bnLSTM, against: .gammaOne, \.best,
    expected: .notDistinguishable)
}
// The grid, the models at their rates and every repetition: Tables.swift.
recordCharacterTables()
// What the models write at their best points, for the page: Readings.swift.
recordCharacterSamples()

/*:
 ## Longer sequences than in training (Figure 3b)

 The models were trained on 100 characters; $T_{max} = 100$, so the BN-LSTM has population
 statistics for steps 1 to 100. On test sequences of up to 1,000 characters it uses those of
 step 100 for every later step ("repeat-last"). The alternative is to normalise each step with
 the test batch's own statistics. **Paper:** with population statistics the BN-LSTM
 generalises to the longer sequences; with batch statistics it does worse.

 Whole-sequence averages cannot test this: the LSTM, which has no statistics at all, is just
 as flat, and an average over 1,000 positions dilutes whatever happens past position 100. So
 we look *inside* the long sequences: the bits per character at each position $t$, averaged
 over 64 test sequences of 1,000 characters, comparing positions $t > T_{max}$ with
 $t \le T_{max}$ ([LongerSequences.swift](LongerSequences.swift)). The control is the same
 BN-LSTM, the same run, with the test batch's own statistics at every step: it needs no
 repeat-last, so the difference of the two differences is what repeat-last itself costs, and
 the BN-LSTM's lead over the LSTM at early positions cancels out of it. (An earlier version
 used the LSTM as the control; a reader showed that this reads the BN-LSTM's early lead as a
 cost of repeat-last. The change was made after those runs had been seen: post hoc.) The
 claims, every repetition at its best point:

 * **repeat-last works**: the BN-LSTM's rise past $T_{max}$ (its bpc past $T_{max}$ minus
   its bpc up to $T_{max}$) with population statistics, repeated from step $T_{max}$, is
   below the same rise with batch statistics, in every repetition (a difference of
   differences on the same run);
 * **batch statistics are worse**: at length 1,000 the BN-LSTM with batch statistics has a
   higher bpc than with population statistics, in every repetition.

 And the reason repeat-last can work: if the activations' distribution is stationary, the
 test batch's statistics at step 500 are as close to the population of step 100 as the
 statistics at step 90 are to step 90's own population. We measure that distance — the mean
 over units of $|\mu_t - \mu^{pop}| / \sigma^{pop}$ for BN_h and BN_c — at every step.
 */

let lengths = chapter.pick(
  smoke: [30, 60], book: [100, 200, 300, 500, 750, 1000], paper: [100, 200, 300, 500, 750, 1000])
let longestLength = lengths.max()!
let (lengthRows, positions, statisticsDistance) = chapter.phase("longer sequences") {
  measureLongerSequences()
}
let (lstmPast, bnPast, batchPast) = (
  pastMinusWithin(positions.lstm), pastMinusWithin(positions.population),
  pastMinusWithin(positions.batch)
)
// The table of every length, and these differences as scalars: Tables.swift.
recordLengthTable()
/// Repeat-last's own cost, per repetition: the BN-LSTM's rise past T_max with population
/// statistics (repeat-last) minus its rise with batch statistics (statistics at every step,
/// no repeat-last) — a difference of differences on the same run, so the BN-LSTM's advantage
/// at early positions cancels.
let repeatLastCost = Spread(values: zip(bnPast.values, batchPast.values).map { $0 - $1 })
for (k, cost) in repeatLastCost.values.enumerated() {
  chapter.log.scalar("repeat-last's cost against batch statistics, repetition \(k + 1)", cost)
}
let repeatLastComparison = Comparison(
  repeatLastCost, "population − batch statistics", against: Spread(values: [0]), "zero",
  resolution: Resolution(0, "the same runs on the same text; run-to-run spread only"),
  format: "%+.4f")
chapter.claim(
  "repeat-last works, on fortunes: past T_max the BN-LSTM's per-position bpc (relative to positions up to T_max) rises no more with population statistics, repeated from step T_max, than with batch statistics at every step (population − batch, mean of \(repetitions))",
  paper: "Cooijmans et al. 2017, §5.2, Fig. 3(b)", comparison: repeatLastComparison,
  // Against batch statistics since a reader showed the LSTM control could not separate
  // repeat-last from the BN-LSTM's early lead: post hoc.
  expected: .below, measured: repeatLastCost.mean, format: "%+.4f", unit: " bpc", kind: .postHoc)
chapter.log.scalar("rise past T_max, BN-LSTM (population) − LSTM", bnPast.mean - lstmPast.mean)
let longestRow = lengthRows.last!
chapter.claim(
  "with batch statistics the BN-LSTM is worse at length \(longestRow.length) (batch − population, mean of \(repetitions))",
  paper: "Cooijmans et al. 2017, §5.2, Fig. 3(b)",
  measured: longestRow.batch.mean - longestRow.population.mean, format: "%+.3f", unit: " bpc",
  threshold: "every repetition worse with batch statistics",
  holds: zip(longestRow.batch.values, longestRow.population.values).allSatisfy { $0 > $1 })

/*:
 ## The statistics over time (appendix A)

 Repeat-last works if the activations' distribution stops changing after a few steps.
 **Paper (appendix A):** the per-step population means and variances of a few units of the
 Penn Treebank BN-LSTM converge to stationary values after a short transient. We re-estimate
 the trained BN-LSTM's per-step populations (repetition 1, at its best point) the way the
 authors' final numbers do — the average of the batch statistics over many training batches
 (here 50) — and plot four units of the recurrent term $W_h h_{t-1}$ and of the cell $c_t$.
 The claim, fixed in advance: after step 10, the mean moves by less than 5% of the unit's
 standard deviation per step, and the variance by less than 5% of itself per step (averaged
 over the units and steps; [Measures.swift](Measures.swift)).
 */

let statisticsBatches = chapter.pick(smoke: 4, book: 50, paper: 200)
let reestimated = chapter.phase("statistics over time") {
  reestimatedPopulations(batches: statisticsBatches)
}
let statisticsUnits = [0, 1, 2, 3]
let settledFrom = min(10, charLength / 3)
// Each normalization's drift over the first steps and after settledFrom, as scalars; the worst
// after settling: Tables.swift.
let worstSettledDrift = recordStatisticsDrift()
// When the plotted units reach their plateaus, for the page: Tables.swift.
recordPlateaus()
chapter.claim(
  "the per-step statistics settle: after step \(settledFrom) the population mean and variance change by less than 5% per step (worst of mean/σ and relative variance, over the normalizations)",
  paper: "Cooijmans et al. 2017, appendix A", measured: 100 * worstSettledDrift.perStep,
  format: "%.1f",
  unit: "%", threshold: "< 5%", holds: worstSettledDrift.perStep < 0.05)
// A per-step average passes a steady drift of 1% a step; the net change from step 10 to the
// last does not. Its threshold was chosen after the per-step reading had been seen: post hoc.
chapter.claim(
  "the per-step statistics settle: from step \(settledFrom) to the last step the population mean moves by less than 0.25 σ and the variance by less than 25%, net (worst of the two, over the normalizations, mean over units)",
  paper: "Cooijmans et al. 2017, appendix A", measured: 100 * worstSettledDrift.net,
  format: "%.1f", unit: "%", threshold: "< 25%", holds: worstSettledDrift.net < 0.25,
  kind: .postHoc)

/*:
 ## What we cannot run here

 Two of the paper's experiments need far more than a laptop core; we quote what they showed
 (`PAPERS.md`), not our own numbers. On **text8** (100 million characters, 2000 units,
 sequences of 180) the BN-LSTM reaches 1.36 test bits per character against the LSTM's 1.43.
 On the **CNN question-answering** task (the Attentive Reader) the BN-LSTM and a variant with
 BN everywhere train much faster, and the best variant — with sequence-wise normalisation of
 the inputs and careful handling of padding, Chapter 4's subject — reaches 37.9% / 36.3%
 validation / test error against 45.5% / 45.0% for their LSTM. Figure 3(a) and its long
 preset are the closest we come: the same claim, at a size that fits.

 *Pitfalls of public ports, and what we do instead.* The authors' own script draws its pMNIST
 "permutation" with replacement (some pixels twice, some never); ours is a true seeded
 permutation, saved beside the results (`05-pixel-permutation.txt`). Statistics are per time
 step, never shared; γ starts at 0.1; evaluation uses population statistics, never the test
 batch's own (except where the figure says "batch statistics", on purpose).
 */

drawFigures()

/*:
 ## Reading the figures

 The figures and numbers here come from the book preset (seed 1, one BLAS thread) on
 Fashion-MNIST and Debian's fortunes, drawn by [Figures.swift](Figures.swift) (the tables by
 [Tables.swift](Tables.swift)); regenerate them with `ch05-recurrentbn` (or `companion run 5`).
 The chapter took {{total | duration}} on the two cores of this machine, two runs at a time,
 most of it training (MNIST: {{phase "MNIST learning-rate grid" | %.0f}} s for the grid,
 {{phase "MNIST repetitions" | %.0f}} s for the repetitions; text:
 {{phase "character learning-rate grid" | %.0f}} s and {{phase "character repetitions" | %.0f}} s).

 ![Figure 1: the gradient through time and the derivative of tanh](Figures/05-gradient-flow.png)

 *Figure 1.* **Paper:** the gradient norm stays nearly constant back through time for small
 γ and vanishes quickly for large γ. **Ours:** (a) 784 steps of Fashion-MNIST; six of the ten
 γ drawn, all ten here:

 {{table "gradient through time"}}

 The last step's gradient is {{scalar "gradient norm ‖∂ℓ/∂h_T‖, smallest over γ" | %.3f}} to
 {{scalar "gradient norm ‖∂ℓ/∂h_T‖, largest over γ" | %.3f}} for every γ. What reaches the first
 step is not a graded picture but a cliff: up to γ =
 {{scalar "separating γ, the last that survives" | %.1f}} the first step receives
 {{scalar "gradient ratio, smallest where it survives" | %.2f}} to
 {{scalar "gradient ratio, largest where it survives" | %.2f}} times the last step's gradient
 (the curves are nearly flat across 784 steps, and γ = 0.1 is not the flattest of them);
 above it, at most {{scalar "gradient ratio, largest where it vanishes" | %.0t}}. So the
 claim — one γ separates a gradient that survives from one that vanishes —
 **{{verdict "the gradient survives"}}** (post hoc; the rank correlation of γ with the ratio,
 {{scalar "rank correlation of γ with the gradient ratio" | %.2f}}, says the same without a
 threshold). What the paper's argument predicts is the direction, and the cliff is what a
 product of 784 factors does: once the typical $\tanh'$ drops below what the identity $W_h$
 can make up, the product collapses. (b) matches the paper's picture: the mean of $\tanh'(x)$
 is {{scalar "mean tanh'(x) for x ~ N(0, s²), s 0.1" | %.2f}} at $s = 0.1$ and
 {{scalar "mean tanh'(x) for x ~ N(0, s²), s 1.0" | %.2f}} at $s = 1$, and 784 factors of the
 latter are {{scalar "mean tanh'(x) at s = 1, to the power of Figure 1's sequence length" | %.0t}}.

 ![Figure 2: training loss and validation accuracy on sequential and permuted Fashion-MNIST](Figures/05-mnist.png)

 *Figure 2 and Table 1.* **Paper:** on MNIST and permuted MNIST (784 steps), the BN-LSTM
 converges faster and, on pMNIST, generalises clearly better (test 95.4% against 90.2%).
 **Ours** (14×14 Fashion-MNIST, 196 steps, 64 units, {{scalar "MNIST step limit" | %,d}}
 steps). The grid, best validation accuracy of each model's first seed at each rate (bold: the
 rate each model keeps; "(edge)": still the smallest or largest of its rates after one step
 past the grid's edge, 0.1, for every model whose best was at 0.03):

 {{table "MNIST learning-rate grid"}}

 Every model's best in the grid was its largest rate, 0.03; one step past it, 0.1, three of
 the four do worse, and the BN-LSTM in order does better still — its rate stays at an edge,
 and a claim that rests on it is not decided. In a budget this short the largest rate that
 does not diverge tends to win; the long preset is where rates are really chosen. Table 1 at
 an equal budget (mean, and lowest–highest of three fresh repetitions at each model's rate;
 each run's test accuracy at its best validation point):

 {{table "Table 1"}}

 *Speed*, read on the grid's runs at matched rates and at each model's fastest rate (a rate
 tuned for the best validation says nothing about speed; the fastest rate, each model's
 largest or nearly, is not bracketed and can only undecide): on the images in order the
 BN-LSTM reaches the LSTM's level first at every rate where either gets there, and at the
 largest both reach in {{claim "sequential Fashion-MNIST: the BN-LSTM reaches" | %.2f}}× the
 LSTM's steps
 (**{{verdict "sequential Fashion-MNIST: the BN-LSTM reaches"}}**); on permuted images only
 at 0.03 does either reach it, and there the BN-LSTM needs
 {{claim "permuted Fashion-MNIST: the BN-LSTM reaches" | %.2f}}× the LSTM's steps — one rate,
 one seed each, which decides nothing (**{{verdict "permuted Fashion-MNIST: the BN-LSTM reaches"}}**;
 the fresh repetitions at that rate overlap, in the table below). The curves in Figure 2 are
 each model at its chosen rate, which for the BN-LSTM in order is 0.1 against the LSTM's 0.03:
 they show the models the claims compare at their best, not speed at matched rates — the
 grid's runs read that. *Accuracy*: the BN-LSTM ends
 {{scalar "test accuracy at best validation, BN-LSTM − LSTM, sequential" | %+.1f}} points ahead
 in test accuracy in order, and {{claim "permuted Fashion-MNIST: the BN-LSTM's test accuracy" | %+.1f}}
 on permuted images, where the two ranges touch: the Table 1 claim read at an equal budget
 is **{{verdict "permuted Fashion-MNIST: the BN-LSTM's test accuracy"}}** — a margin must
 clear the standard error of an accuracy over the 10,000 test images, about half a point, and
 these ranges do not. With both models at the paper's 10⁻³, as in our first version, the
 BN-LSTM was far ahead on permuted images; most of that lead was the LSTM's untuned rate. All
 of this is speed: both models are far from trained (Fashion-MNIST, a harder task than the
 paper's MNIST, after less than an epoch). Every run:

 {{table "MNIST repetitions"}}

 The validation curves jump by up to
 {{scalar "largest jump between validation measurements after the first, LSTM" | %.0f}}
 (LSTM) and {{scalar "largest jump between validation measurements after the first, BN-LSTM" | %.0f}}
 (BN-LSTM) points between measurements: the authors' RMSProp (decay 0.5) moves every weight by
 about the learning rate at every step. The training-loss panels tell speed from
 generalisation: the BN-LSTM's training loss falls faster from the first steps, and its
 validation accuracy follows.

 *Moving averages.* At the BN-LSTM's best point on permuted images (repetition 1, step
 {{scalar "step of the study's best point" | %,d}}):

 {{table "moving averages"}}

 With PyTorch's momentum, the averages training left behind cost
 {{scalar "validation accuracy at the best point, moving averages, momentum 0.1, as training left them − re-estimated" | neg | %.1f}}
 points against the re-estimate; at frozen weights, with the start faded,
 {{scalar "validation accuracy at the best point, moving averages, momentum 0.1, at frozen weights, start faded − re-estimated" | neg | %.1f}}:
 that much is noise, and the rest is lag. The authors' 0.01 is worse in a short run for a
 third reason, its start: after $n$ = {{scalar "step of the study's best point" | %,d}} batches
 the starting values (mean 0, variance 1) still carry a share of $0.99^{n}$. *Which unit that
 share hurts, we have not measured (ours).* An earlier version of this page blamed BN_h at the
 first step, dividing an error in the mean by $\sqrt{\epsilon}$; but the start's mean is 0, and
 so, at initialisation, is $W_h h_0$, with no priming noise on permuted images: there is no
 error in the mean to divide there. The likelier cause is the variance: the start's share of
 1 on units whose true variance is small (for $n$ = 560, $0.99^{560} \approx 0.004$, larger
 than such a unit's variance) shrinks their normalised output — untested. That alone (frozen
 weights, as many batches as training had) costs
 {{scalar "validation accuracy at the best point, moving averages, momentum 0.01, at frozen weights, as many batches as training steps − re-estimated" | neg | %.0f}}
 points (one evaluation, like the
 {{scalar "validation accuracy at the best point, moving averages, momentum 0.01, as training left them − re-estimated" | neg | %.0f}}
 the averages cost here as training left them, which over the run cost
 {{scalar "moving averages − re-estimated over the run, momentum 0.01, mean" | neg | %.0f}}
 on average: the parts are not additive); fed long enough for the start to fade, the same momentum is
 {{scalar "validation accuracy at the best point, moving averages, momentum 0.01, at frozen weights, start faded − re-estimated" | %+.1f}}
 from the re-estimate. Over the authors' 110,000-step runs the start fades; in ours it does
 not, and re-estimating is the only sound choice. The check that the second run's training is
 the first's, bit for bit: **{{verdict "the moving averages do not touch training"}}**.

 ![Appendix B: initial γ on permuted Fashion-MNIST](Figures/05-gamma.png)

 *Appendix B, images.* **Paper:** on pMNIST a larger initial γ clearly hurts. **Ours**
 (permuted, {{scalar "γ sweep steps" | %,d}} steps, the BN-LSTM's chosen rate):

 {{table "γ sweep"}}

 Of the 4 pairs of neighbouring γ,
 {{scalar "γ sweep: neighbouring pairs in γ's order, training loss (means)" | %d}} are in γ's
 order in training loss (a larger γ, a higher loss) and
 {{scalar "γ sweep: neighbouring pairs in γ's order, best validation accuracy (means)" | %d}}
 in best validation accuracy; γ = 1.0 ends
 {{claim "permuted Fashion-MNIST: with initial γ = 1.0" | %+.2f}} nats above γ = 0.1 on average, and
 the claim (every repetition of γ = 1.0 above every one of γ = 0.1):
 **{{verdict "permuted Fashion-MNIST: with initial γ = 1.0"}}** on permuted Fashion-MNIST:
 the direction is the paper's, and γ = 1.0 has the highest mean loss and the lowest mean
 accuracy of the sweep, but one of γ = 0.1's six repetitions ends above two of γ = 1.0's (the
 ranges in the table). Training at 0.03 is noisy from one repetition to the next; run at
 3·10⁻³ (our first version), the sweep showed the paper's graded picture, every repetition in
 order: at a rate this large the initial γ matters less than the rate's own noise, except
 perhaps at the sweep's ends. *How this verdict came to be "not decided" (ours).* With three
 repetitions it reversed when the book pinned its matrix-product kernels (on OpenBLAS's
 AVX-512 kernels, γ = 1.0 ended 0.12 nats above γ = 0.1, not in every repetition; on the
 pinned ones 0.27, in every one), and 0.03 was then the grid's edge. Now the grid goes one step
 past it (0.1 does worse, so 0.03 is inside), and the sweep runs six repetitions of every γ
 (seeds 1-6: each γ of one repetition starts from the same weights and batches, so the γ are
 compared like for like; seeds 1-4 are also those of the grid's and Table 1's runs, whose
 first 200 steps γ = 0.1's runs repeat),
 the wider sample a verdict that a rounding change could reverse needs: with six, the ranges
 overlap. What would decide it: the sweep at a rate where training is less noisy, or many more
 repetitions.

 ![Figure 3(a): the character models](Figures/05-characters.png)

 *Figure 3(a) and appendix B, text.* **Paper:** on Penn Treebank the BN-LSTM's validation bpc
 is below the LSTM's throughout; the initial γ does not matter. **Ours** (30,000 characters,
 64 units). The grid, best validation bpc of repetition 1 (step), bold the rate kept:

 {{table "character learning-rate grid"}}

 Each model at its rate, mean (lowest–highest) of three repetitions; the speed target is the
 LSTM's training-batch bpc at its best ({{scalar "speed target: LSTM's training batches bpc at its best" | %.3f}}),
 the level of equal fit its training-sample bpc there
 ({{scalar "equal-fit level: LSTM's training-sample bpc at its best" | %.3f}}):

 {{table "character models at their rates"}}

 {{table "character repetitions"}}

 {{scalar "character runs that converged" | %d}} of {{scalar "character runs" | %d}} runs
 converged. The BN-LSTM fits the text fast: at every rate of the grid it reaches the LSTM's
 training level first, and at the largest rate both reach in
 {{claim "text (fortunes): the BN-LSTM reaches" | %.2f}}× the steps
 (**{{verdict "text (fortunes): the BN-LSTM reaches"}}**); panel (a) shows it fitting the
 training batches far below where the LSTM stops. Its best rate is the extended grid's
 largest, 0.032 — it did better one step past the grid's edge, and might at a larger rate
 still — so every claim over its repetitions is not decided, whatever the numbers. And the
 numbers do not decide it either. At its best its validation bpc is
 {{claim "text (fortunes): the BN-LSTM's best validation bpc" | %+.3f}} from the LSTM's; at
 equal fit {{claim "text (fortunes): at equal training fit" | %+.3f}} (measured every 10 steps
 over the first 300, so the equal-fit reading no longer interpolates across a drop of half a
 bit, as it did when every run was measured every 50 steps). Both margins are far below the
 resolution of a validation bpc on these runs: moving averages and re-estimated statistics
 differ by up to {{scalar "resolution of a validation bpc (protocols' largest gap)" | %.3f}}
 bpc at a best point — at the BN-LSTM's large rate the moving averages lag its weights — so
 the protocol that evaluates a model moves its number several times as much as the choice of
 model does. Both claims: **{{verdict "text (fortunes): the BN-LSTM's best validation bpc"}}**
 and **{{verdict "text (fortunes): at equal training fit"}}**, the direction in the BN-LSTM's
 favour, the ranges in the table above. (An earlier version wrote the best-validation claim up
 as holding by 0.0009 bpc, and the equal-fit one as "it fits further rather than generalising
 better": neither margin was above its resolution.) The BN-LSTM with γ = 1.0 ends
 {{claim "text (fortunes): the initial γ does not matter" | neg | %+.3f}} bpc from γ = 0.1's
 best (γ 1.0 − γ 0.1): that the initial γ does not matter on text is a null, which no order can
 establish — **{{verdict "text (fortunes): the initial γ does not matter"}}**, the two not
 distinguishable at this resolution, with γ = 0.1's rate at the edge of its grid (each at its
 own best rate: γ = 1.0 at 0.008, γ = 0.1 at 0.032). Every text comparison here sets the
 BN-LSTM, best after a few dozen steps at its large rate, against an LSTM best after about a
 thousand: each at its own best rate is the comparison the paper's claim is about, but it is
 not a comparison at equal training time. What the models write at their best points, continuing the first
 {{scalar "prompt length (characters)" | %d}} characters of the validation text at
 temperature 1 (the distribution the bpc measures):

 {{table "samples"}}

 ![Figure 3(b): bits per character on sequences longer than in training](Figures/05-long-sequences.png)

 *Figure 3(b).* Each model's three repetitions at their best points, on the first 64,000
 characters of the test text cut into sequences of each length (whole batches of 64 only, so
 lengths 300 and 750 score fewer of them, 57,600 and 48,000 — which is why their rows move
 with the text, not the length):

 {{table "test bpc against sequence length"}}

 *Beside the paper's Table 2.* At the trained length the test text's bits per character are
 {{scalar "test bpc at length 100, LSTM" | %.3f}} (LSTM) and
 {{scalar "test bpc at length 100, BN-LSTM population" | %.3f}} (BN-LSTM), against the paper's
 1.38 and 1.32 on Penn Treebank with 1,000 units. Ours are more than two bits higher because
 the model is 64 units trained on 30,000 characters of fortunes — a model that has learnt
 letters and short words, not a language — and the gap between the two models,
 {{scalar "test bpc at length 100, BN-LSTM population" | %.3f}} −
 {{scalar "test bpc at length 100, LSTM" | %.3f}}, is a small fraction of the paper's 0.06:
 on a text this small every model stops where it starts to memorise, and the two stop close
 together. (The long preset's gap is larger than the paper's; see there.)

 Whole-sequence averages move with the text each length scores more than with the length,
 the same way for every model. Inside the sequences of
 1,000 (panel a, each BN-LSTM minus the LSTM at the same position): past $T_{max}$ the
 BN-LSTM with repeat-last is
 {{scalar "bpc past T_max − up to T_max, BN-LSTM population, mean" | %+.3f}} bpc from its own
 level up to $T_{max}$, with batch statistics at every step (no repeat-last)
 {{scalar "bpc past T_max − up to T_max, BN-LSTM batch statistics, mean" | %+.3f}}, and the
 LSTM {{scalar "bpc past T_max − up to T_max, LSTM, mean" | %+.3f}}. All three predict better
 past position 100 than before it — a longer context helps. The difference of differences on
 the same runs, repeat-last against batch statistics, is {{claim "repeat-last works" | %+.4f}}
 bpc: repeat-last gains less than statistics taken at every step, in every repetition
 ({{scalar "repeat-last's cost against batch statistics, repetition 1" | %+.4f}},
 {{scalar "repeat-last's cost against batch statistics, repetition 2" | %+.4f}} and
 {{scalar "repeat-last's cost against batch statistics, repetition 3" | %+.4f}}: positive in
 each, though two of them are a thousandth or two, and this paired difference's own noise —
 the same characters, only the statistics differ — is not measured here), so the claim that
 it costs nothing **{{verdict "repeat-last works"}}** on fortunes (post hoc: the
 test was changed to this control after a reader's second reading; against the LSTM, the old
 control, the BN-LSTM's rise is
 {{scalar "rise past T_max, BN-LSTM (population) − LSTM" | %+.3f}} bpc larger, but that
 difference carries the BN-LSTM's lead at early positions). The cost is a few thousandths of a
 bit: normalising steps 101 to 1,000 with step 100's statistics does not break the BN-LSTM,
 and it is not quite free. Over whole sequences population statistics are still the better
 choice: batch statistics at length 1,000 are
 {{claim "with batch statistics the BN-LSTM is worse" | %+.3f}} bpc worse than population
 statistics (**{{verdict "with batch statistics the BN-LSTM is worse"}}**) — but they are
 already {{scalar "test bpc at length 100, BN-LSTM batch statistics" | %.3f}} against
 {{scalar "test bpc at length 100, BN-LSTM population" | %.3f}} at the trained length: batch
 statistics are worse at every length, and the gap does not grow with the length (the table),
 so this says nothing about longer sequences in particular. In panel (b) the
 test batch's statistics past $T_{max}$ are as close to $T_{max}$'s population
 ({{scalar "batch statistics' distance from T_max's population, BN_h, past T_max" | %.3f}} σ
 for BN_h, {{scalar "batch statistics' distance from T_max's population, BN_c, past T_max" | %.3f}}
 for BN_c) as before it to their own step's
 ({{scalar "batch statistics' distance from the population, BN_h, steps 11 to T_max" | %.3f}},
 {{scalar "batch statistics' distance from the population, BN_c, steps 11 to T_max" | %.3f}}):
 the distribution is stationary; a batch of 64 sequences adds its own noise.

 ![Appendix A: per-step population statistics](Figures/05-statistics.png)

 *Appendix A.* The step from which a unit's statistic stays within 10%
 of its plateau (its average from step 10 on; the mean measured in the plateau's σ, the
 variance relative to the plateau's) is, for the latest of the four plotted units, step
 {{scalar "step from which the mean stays on its plateau, layer1.bn_h, latest unit" | %d}} for
 the recurrent term's mean and
 {{scalar "step from which the variance stays on its plateau, layer1.bn_h, latest unit" | %d}}
 for its variance, and
 {{scalar "step from which the mean stays on its plateau, layer1.bn_c, latest unit" | %d}} and
 {{scalar "step from which the variance stays on its plateau, layer1.bn_c, latest unit" | %d}}
 for the cell's. After step 10 the cell's mean moves by
 {{scalar "per-step mean change after settling, layer1.bn_c" | %.3f}}σ per step and its
 variance by {{scalar "per-step variance change after settling, layer1.bn_c" | *100 | %.1f}}%
 (over the first five steps, {{scalar "per-step mean change, first steps, layer1.bn_c" | %.2f}}σ
 and {{scalar "per-step variance change, first steps, layer1.bn_c" | *100 | %.0f}}%) — the
 remaining wiggle is the sampling noise of 50 batches. The claim
 **{{verdict "the per-step statistics settle: after"}}**. *But a per-step average cannot see
 a slow drift (ours):* a steady 1% a step passes a 5%-a-step test, and adds up to about 2.5
 times over 90 steps. So we also read the net change from step 10 to the last: the cell's
 mean moves by {{scalar "net mean change after settling, layer1.bn_c (σ)" | %.3f}}σ and its
 variance by {{scalar "net variance change after settling, layer1.bn_c" | *100 | %.1f}}% in
 all, the recurrent term's by {{scalar "net mean change after settling, layer1.bn_h (σ)" | %.3f}}σ
 and {{scalar "net variance change after settling, layer1.bn_h" | *100 | %.1f}}%. Against a
 threshold of 25% (0.25σ for the mean), chosen after the per-step reading had been seen (post
 hoc), the net claim **{{verdict "the per-step statistics settle: from"}}**.

 ## The long preset: up to 10,000 steps, stopped when they stop improving

 Its Fashion-MNIST runs follow the rule stated above (at most {{long scalar "MNIST step limit" | %,d}}
 steps, {{long scalar "epochs of the MNIST runs" | %.0f}} epochs); its character models train on
 {{long scalar "training characters" | %,d}} characters, still
 {{long scalar "character models' units" | %d}} units — the LSTM and the BN-LSTM on a grid of
 0.002, 0.004 and 0.008, measured every 100 steps (every 25 over the first 1,000), stopped
 after 2,000 steps without an improvement of 0.002 bpc (at most
 {{long scalar "character step limit" | %,d}} steps) — under this page's rules: grids extended
 one step past their edges, three fresh repetitions, speed at matched rates, margins that must
 clear their resolution. *As it happened:* its grids, stopping rules and generalization
 claims were fixed before the first long run (their resolutions, the fresh seeds and the
 extensions past an edge were added after that run had been seen); the rule that a claim over runs that did not
 converge is not decided was written while that first run was under way; the speed claims
 (read at matched rates) and the repeat-last claim (against batch statistics) were revised
 after a reader had seen its results, and are tallied as post hoc (as is Figure 1's claim,
 the same computation as the book's). This page reports the second long run, the first under
 these rules; it took {{long total | duration}} of this machine's two cores.

 ![Figure 2, long preset](Figures/long/05-mnist.png)

 {{long table "MNIST learning-rate grid"}}

 {{long table "Table 1"}}

 {{long table "MNIST repetitions"}}

 Every rate is bracketed: the LSTMs and the permuted BN-LSTM chose 10⁻², inside the grid; the
 sequential BN-LSTM chose 3·10⁻³, the grid's smallest, and one step past it (about 9·10⁻⁴)
 was worse (both of those runs reached the step limit unconverged, so the bracket is weak).
 The rule we fixed stopped only half the runs (6 of 12):
 {{long scalar "runs converged, LSTM, sequential" | %d}},
 {{long scalar "runs converged, BN-LSTM, sequential" | %d}},
 {{long scalar "runs converged, LSTM, permuted" | %d}} and
 {{long scalar "runs converged, BN-LSTM, permuted" | %d}} of the three repetitions converged
 (LSTM and BN-LSTM, in order and permuted). No Fashion-MNIST claim is decided. *Speed:* the level is
 the LSTM's lowest best, so high that few grid runs reach it at all — in order
 **{{long verdict "sequential Fashion-MNIST: the BN-LSTM reaches"}}** (of the two matched rates
 where either gets there, the LSTM first at one, a tie at the other; at each model's fastest
 rate the LSTM, 7,750 steps against 10,000), permuted
 **{{long verdict "permuted Fashion-MNIST: the BN-LSTM reaches"}}** (one rate; the BN-LSTM's
 grid runs never get there): a sign test needs four. *Table 1:* on permuted images, BN − LSTM
 {{long claim "permuted Fashion-MNIST: the BN-LSTM's test accuracy" | %+.2f}} points
 (**{{long verdict "permuted Fashion-MNIST: the BN-LSTM's test accuracy"}}**: runs that did not
 converge, ranges that overlap, 82.8–83.0% against 81.9–83.2%, and a margin below the
 resolution of 0.38 points); in order the *LSTM* is
 ahead in the mean,
 {{long scalar "test accuracy at best validation, BN-LSTM − LSTM, sequential" | %+.2f}} points
 (BN − LSTM), not a claim. (This run's record reads that claim on the negated accuracy, so
 that "below" meant "better": its BN-LSTM's −82.88 is 82.88%; the code now reads it on the
 accuracy itself, from the next run of this preset on.)

 *Why the rule did not stop them (our voice; a suspicion, untested).* A tolerance of 0.2 points is 4 of 2,000
 validation images. The images are the same at every measurement, so their sampling error
 ($\sqrt{0.83 \cdot 0.17 / 2000} \approx 0.84$ points near 83%) is the same for every
 measurement of one run: it is not what makes one measurement differ from the next. We
 suspect the optimiser (the re-estimated statistics are another candidate): RMSProp with the authors' decay of 0.5 moves every weight by about the learning
 rate at every step, and the validation accuracy jumps by whole points between measurements
 (panels b and d). On a plateau, that jitter alone sets a "new best" every few measurements,
 and 2,000 steps is only eight of them. If so, the rule was too strict for its own jitter;
 we report that instead of loosening it after seeing the outcome.

 *What the runs say even so — not a null.* "Not decided" is not "as accurate". Against the
 first long run (commit ccfe0d0: BN − LSTM +0.72 points in order, +0.56 permuted), in order
 the sign reversed (−0.79 here, with the sequential BN-LSTM at another chosen rate); on
 permuted images the BN-LSTM is still ahead in the mean, by less (+0.26), below the
 resolution. Neither run decides it. Nor are the curves flat: LSTM repetitions fall by tens of points late in a
 run (panel b) and recover. What would decide it: runs that stop by a rule whose tolerance is
 above the optimiser's jitter (or a smaller rate late in training), with more repetitions if
 the ranges still touch. The paper's gap on pMNIST (95.4% against 90.2%) is far larger than
 anything seen here — whether it needs 784-step sequences, 100 units and about 18 times the
 training (the authors' scripts run 200 epochs; ours stop by 10,000 steps, about 11), or an
 LSTM less tuned than ours, or MNIST itself rather than Fashion-MNIST, this run cannot tell. The moving-average study agrees with the
 book's — with the training's own moving averages the BN-LSTM loses
 {{long scalar "validation accuracy at the best point, moving averages, momentum 0.1, as training left them − re-estimated" | abs | %.1f}}
 points (momentum 0.1) and
 {{long scalar "validation accuracy at the best point, moving averages, momentum 0.01, as training left them − re-estimated" | abs | %.1f}}
 (0.01), and fresh averages at the frozen weights recover it, even after only as many batches
 as training steps: here it is the lag, the weights moving under the averages —

 {{long table "moving averages"}}

 and with γ = 1.0 the BN-LSTM trains slower than with 0.1 over the first
 {{long scalar "γ sweep steps" | %d}} steps, at the long preset's rate
 ({{long claim "permuted Fashion-MNIST: with initial γ = 1.0" | %+.3f}} nats in three
 repetitions, **{{long verdict "permuted Fashion-MNIST: with initial γ = 1.0"}}**; the book's
 six repetitions at its rate do not decide it — see there):

 {{long table "γ sweep"}}

 ![Figure 3(a), long preset](Figures/long/05-characters.png)

 {{long table "character learning-rate grid"}}

 {{long table "character models at their rates"}}

 {{long table "character repetitions"}}

 On {{long scalar "training characters" | %,d}} characters both rates are bracketed, the
 LSTM's weakly: the BN-LSTM's best is 0.008 (one step past it, 0.016, is worse), the LSTM's
 0.004, by 0.0006 bpc over 0.008 — far below the resolution — and 0.008 is its grid's edge. But the LSTM's three fresh repetitions all ran to the step limit
 with their best within the last 200 steps: they had not converged, and by the rules every
 text claim that needs them is **not decided**. The direction is the paper's in every
 repetition: the BN-LSTM's best validation bpc is
 {{long claim "text (fortunes): the BN-LSTM's best validation bpc" | %+.3f}} from the LSTM's
 (2.533–2.576 against 2.672–2.679, against a resolution of
 {{long scalar "resolution of a validation bpc (protocols' largest gap)" | %.3f}}), and at
 equal fit {{long claim "text (fortunes): at equal training fit" | %+.3f}} (2.599–2.615 against
 2.680–2.682) — every repetition on the same side, by far more than the resolution; what is
 missing is an LSTM trained until it stops, and the LSTM's curves (panel b) were still
 creeping down. What would decide it: a larger step limit for the LSTM. Speed is **{{long verdict "text (fortunes): the BN-LSTM reaches"}}**:
 on the grid the LSTM reaches its own training level first at both matched rates where
 either gets there ({{long claim "text (fortunes): the BN-LSTM reaches" | %.2f}}× the steps at
 0.008; two rates are fewer than a sign test needs), but two of the BN-LSTM's three
 repetitions reach it sooner than any LSTM repetition and the third never does; the BN-LSTM
 levels off on the training batches while the LSTM keeps fitting them (panel a). On 300,000
 characters it is ahead on validation bpc in every repetition, in the paper's direction — the
 claim waits on a converged LSTM.

 *Beside the paper's Table 2.* Test bits per character at the trained length are
 {{long scalar "test bpc at length 100, LSTM" | %.3f}} (LSTM) and
 {{long scalar "test bpc at length 100, BN-LSTM population" | %.3f}} (BN-LSTM), against 1.38 and
 1.32 on Penn Treebank: a gap of about 0.17, nearly three times the paper's 0.06. Our guess
 (not tested): with 64 units on fortunes both models are far from the text's entropy, where
 an optimisation advantage shows as a larger difference than between two near-converged
 1,000-unit models; and our LSTM had not converged, which widens the gap in BN's favour.

 ![Figure 3(b), long preset](Figures/long/05-long-sequences.png)

 {{long table "test bpc against sequence length"}}

 On these models, past $T_{max}$ the BN-LSTM's per-position bpc rises
 {{long claim "repeat-last works" | abs | %.3f}} bpc less with repeat-last than with batch
 statistics at every step (the difference of differences, {{long claim "repeat-last works" | %+.4f}};
 **{{long verdict "repeat-last works"}}**, post hoc — the opposite sign from the book's small
 cost; the repetitions' margins are not compared with the noise of a bpc measured on one test
 text), and batch statistics cost
 {{long claim "with batch statistics the BN-LSTM is worse" | %+.3f}} bpc at length 1,000
 (**{{long verdict "with batch statistics the BN-LSTM is worse"}}**).

 {{long claims}}

 ## The paper's data: real MNIST

 The book runs on Fashion-MNIST because it ships with Debian; the paper's numbers are
 MNIST's. With a network, `companion fetch mnist` downloads the four MNIST files (checked
 against their published checksums) into `data/mnist`, and every chapter reads them when told:

     swift run -c release companion fetch mnist
     swift run -c release ch05-recurrentbn --mnist data/mnist --preset long

 We have not run it (this machine has no network). MNIST is much easier than Fashion-MNIST,
 and a gap like the paper's on pMNIST is the kind the long preset's three repetitions can
 decide — if the runs converge, which here most did not. The paper's own scale, 28×28 and 100
 units for 200 epochs (`--preset paper`), is days of one core.

 ## Try this

 Each is one command; each writes to its own `runs/` directory, never over the book's figures.

 * Appendix B on text, further: is γ = 0.01 (which the paper found unstable) worse still?
   `swift run -c release ch05-recurrentbn --gamma 0.01`
 * A wider grid for the character models, up to twice the book's largest rate (0.016):
   `swift run -c release ch05-recurrentbn --rates 0.008,0.016,0.032`
 * More text: `swift run -c release ch05-recurrentbn --training-characters 300000`
 * The long preset (about an hour and three quarters on two cores, resumable):
   `swift run -c release ch05-recurrentbn --preset long`

 ## What the BN-LSTM costs

 *Measured with `companion bench`, not by this chapter (so these numbers are not in its
 results), on the machine that made them: pinned kernels, one thread, the fastest of
 repeats.* A training step of the BN-LSTM on sequential MNIST's shape (784 steps, batch 64,
 100 units) took 181.5 ms against the LSTM's 155.2 ms, 1.17 times; on the character model's
 (100 steps, batch 64, 256 units) 126.4 ms against 113.1 ms, 1.12 times — the statistics, two
 more normalisations a step forward and back, and the per-step populations. PyTorch 2.15's
 per-step BN-LSTM cell, written the way public ports write it, took 531.2 ms and 211.1 ms on
 the same machine and thread count (`Benchmarks/pytorch_reference.py`; the README's Speed
 section says how to rerun both).

 ## Summary

 Normalising an LSTM's recurrent term works when it is done the way Cooijmans et al. do it:
 separate statistics for every time step (they settle within about ten steps: appendix A's
 claim **{{verdict "the per-step statistics settle: after"}}**) and, by the paper's argument, a
 small initial γ, which keeps $\tanh$ in its linear range: at initialisation the gradient of
 the authors' tanh-RNN crosses 784 steps for every γ up to
 {{scalar "separating γ, the last that survives" | %.1f}} and vanishes above it. Our trained
 models do not decide whether that matters in training: the book's permuted γ sweep is not
 decided (the long preset's, three repetitions at its own rate, holds),
 and on text γ = 1.0's best validation bpc is, if anything, the lower. The
 backward pass adds nothing new through time — Chapter 2's coupling within each step's batch,
 carried back step by step — and the cell update stays unnormalised.

 What this chapter adds is a fair baseline, and a referee's reading of it. With every model at
 its own best rate from a grid and three fresh repetitions there, and speed read on the
 grid's single runs at matched rates (post hoc), the BN-LSTM is **faster** on
 Fashion-MNIST's pixels in order ({{claim "sequential Fashion-MNIST: the BN-LSTM reaches" | %.2f}}×
 the steps at the largest rate both reach, first at every rate) and on text
 ({{claim "text (fortunes): the BN-LSTM reaches" | %.2f}}×); on permuted pixels only one rate
 reaches the level at all, which decides nothing
 (**{{verdict "permuted Fashion-MNIST: the BN-LSTM reaches"}}**). Whether it
 **generalises** better, the book preset cannot say: on 30,000 characters of fortunes its
 margins at its best ({{claim "text (fortunes): the BN-LSTM's best validation bpc" | %+.3f}}
 bpc) and at equal fit ({{claim "text (fortunes): at equal training fit" | %+.3f}}) are in its
 favour but far inside the gap between two ways of evaluating the same run, and its rate sits
 at the edge of its extended grid; on permuted pixels at an equal budget the test accuracies'
 ranges touch. On ten times the text (the long preset) it is ahead at its best and at equal
 fit in every repetition ({{long claim "text (fortunes): at equal training fit" | %+.3f}} bpc at
 equal fit), by far more than the resolution, but the LSTM's repetitions had not converged,
 so the claim is not decided, and its speed is not decided either. Trained up to 10,000 steps,
 the Fashion-MNIST models do not decide it either way: with fresh seeds the BN-LSTM is a quarter of a
 point ahead on permuted images and behind in order, the ranges overlap, and only runs that
 stop by a rule above the optimiser's jitter would decide it. Repeat-last statistics serve
 sequences ten times longer than training at a cost of a few thousandths of a bit against
 statistics taken at every step (on the long preset's models, a gain of a hundredth); a batch's own statistics are worse overall. And one lesson
 the paper leaves in its code:
 evaluate with statistics re-estimated for the current weights — moving averages lag the
 weights, and with the authors' momentum a short run still remembers their start.
 */

chapter.finish()
