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

 It is what recurrent networks and transformers have used since. This chapter derives it from
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
 ε; the authors' code adds $10^{-5}$ inside the square root, and so do we.

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
 the recurrent term, the input term and the cell separately, where Chapter 5's BN-LSTM does.
 **The authors' code** normalises $x_t W_x + b$ and $h_{t-1} W_h$ each over all $4H$ gate
 pre-activations together (one mean and variance across the four gates, not one per gate),
 each with a gain and a bias of its own, adds $b$ again, and normalises $c_t$ over its $H$
 units before its tanh, carrying $c_t$ itself on unnormalised; every gain starts at 1.

 **Ours:** Chapter 5's BN-LSTM with the other axis and nothing else changed —

 $$(\tilde f_t, \tilde i_t, \tilde o_t, \tilde g_t) = \mathrm{LN}(W_h h_{t-1}; \gamma_h, 0) + \mathrm{LN}(W_x x_t; \gamma_x, 0) + b, \qquad h_t = \sigma(\tilde o_t) \odot \tanh(\mathrm{LN}(c_t; \gamma_c, \beta_c)),$$

 each LN over all $4H$ (or $H$) units of one example at one step, one bias $b$ after the two
 normalised terms (the authors' three biases are one bias written three times, and the $b$
 inside their input term's LN is left out), the same initial weights and initial-state noise
 as the BN-LSTM, so that the two models differ only in the axis of their statistics. Gains
 start at 1, the authors' value, unless a comparison says otherwise. In the engine it is the
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
      ? "Ba et al. 2016, §5 (PAPERS.md)" : "our derivation (BN's row of Ba et al.'s §5 table)",
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

chapter.finish()
