/*:
 # Chapter 4 — Normalising the input of a recurrent network

 Chapters 1-3 made batch normalization work in a feed-forward network. The obvious next
 step is a recurrent one, and the first paper to try it carefully found the twist of this
 book:

 > "we show that applying batch normalization to the hidden-to-hidden transitions of our
 > RNNs doesn't help the training procedure. We also show that when applied to the
 > input-to-hidden transitions, batch normalization can lead to a faster convergence of the
 > training criterion but doesn't seem to improve the generalization performance on both our
 > language modelling and speech recognition tasks." — Laurent et al. 2016, abstract

 Faster training, no better generalization: the network overfits more. This chapter builds
 the paper's normalizations on the engine's LSTM, trains a character-level language model
 with each, and measures both halves of that sentence. It also shows what the paper's two
 ways of computing the statistics — *frame-wise* and *sequence-wise* — do with sequences of
 different lengths, and why normalizing the hidden-to-hidden transition the naive way fails.
 Chapter 5 is the paper that made that last one work.

 We quote the paper only from its abstract (the text we had at hand); where we describe its
 experiments beyond that, we say so and say what we did instead.
 */

import Companion
import Datasets
import Engine
import Foundation
import Plot
import Randomness

let chapter = Chapter(number: 4)

/*:
 ## The model and where the normalization goes

 An LSTM reads one symbol $x_t$ per step. Its four gates come from one pre-activation,

 $$a_t = W_x x_t + W_h h_{t-1} + b, \qquad (i, f, o, g) = (\sigma, \sigma, \sigma, \tanh)(a_t),$$
 $$c_t = f \odot c_{t-1} + i \odot g, \qquad h_t = o \odot \tanh(c_t),$$

 and a softmax on $h_t$ predicts $x_{t+1}$. Laurent et al. consider two places for BN:

 * **hidden-to-hidden** (their "naive" version): $a_t = \mathrm{BN}(W_x x_t + W_h h_{t-1})$,
   normalising the whole pre-activation, with one set of population statistics for all
   steps and the usual $\gamma = 1$;
 * **input-to-hidden** (their proposal): $a_t = \mathrm{BN}(W_x x_t) + W_h h_{t-1}$. The
   normalised term does not depend on $h$, so it is computed for every step of the batch at
   once — one matrix product over all (batch × time) rows, then BN — before the recurrence
   runs. BN's $\beta$ takes the bias's place (the forget gate's part starts at 1).

 For the input term there are two ways to define "the batch" over which $\mu$ and
 $\sigma^2$ are computed. With $x_{b,t}$ the term at step $t$ of sequence $b$:

 * **frame-wise**: statistics per time step, over the sequences of the batch,
   $\mu_t = \frac1{B}\sum_b x_{b,t}$ — which needs every sequence to have a step $t$;
 * **sequence-wise**: statistics over every frame of every sequence together,
   $\mu = \frac1n\sum_b\sum_{t \le T_b} x_{b,t}$ with $n = \sum_b T_b$ the number of real
   (unpadded) frames — the paper's choice for variable-length sequences.

 In the engine all of these are one value of `RecurrentNormalization` on the same
 `RecurrentLayer` (`.frameWise`, `.sequenceWise`, `.naiveHidden`), built from the three BN
 kernels of Chapters 1-2; padded frames count in no statistic and in no loss. The backward
 passes through time are written out by hand and checked against finite differences and
 against PyTorch (`Tests/EngineTests`).
 */

/// What the population statistics track during training, for the curves: a moving average
/// with PyTorch's momentum 0.1 (a tenth of each new batch).
let tracking = BatchNormConvention.pytorch

/// The normalizations compared, by the names the figures use.
enum Variant: String, CaseIterable {
  case baseline = "LSTM"
  case sequenceWise = "input BN, sequence-wise"
  case frameWise = "input BN, frame-wise"
  case naiveHidden = "naive hidden BN"

  func normalization(maxSteps: Int) -> RecurrentNormalization {
    switch self {
    case .baseline: return .none
    case .sequenceWise: return .sequenceWise(convention: tracking)
    case .frameWise: return .frameWise(maxSteps: maxSteps, convention: tracking)
    case .naiveHidden: return .naiveHidden(convention: tracking)
    }
  }

  var role: Role {
    switch self {
    case .baseline: return .baseline
    case .sequenceWise: return .batchNorm
    case .frameWise: return .color(2)
    case .naiveHidden: return .color(3)
    }
  }
}

/*:
 ## The experiment: a character-level language model

 The paper's language model is word-level: Penn Treebank with two-layer LSTMs trained the way
 Zaremba et al. 2014 trained them (SGD at rate 1, batch 20, 20–35 unrolled steps, the gradient
 norm clipped). We train at the **character** level instead, with the settings of Chapter 5's
 character model — Adam at $2\cdot10^{-3}$, independent sequences of 100 characters cut
 at a random offset each epoch, batches of 64, the gradient norm clipped at 1 — so that this
 chapter's curves and Chapter 5's can be read side by side. The text is English from Debian's
 `fortunes` (Penn Treebank's character files with `--corpus DIR`), {{scalar "vocabulary size (symbols)" | %d}} symbols. The paper
 preset runs the word-level experiment when `--corpus` holds Penn Treebank's word files.

 *The regime.* Laurent et al.'s finding is about models trained to convergence: early in
 training, a network that learns faster is also better on held-out text. To see the whole
 story within the book's budget (a few minutes), we make convergence come early: a
 deliberately small training text (the first 30,000 characters of the training split, about
 {{scalar "documents in the training text" | %d}} fortunes) and an LSTM of 64 units that can fit it. The baseline's validation curve
 then flattens within the run and turns up again, and the gap between training and
 validation opens. Validation bits per character stay far from what a large model reaches on
 all the text — this regime is the one where generalization, not optimisation, limits the
 model, which is exactly where the claim is about.

 Every network starts from the same weights (the BN layers' $\gamma = 1$, $\beta$ = the
 usual bias) and sees the same batches in the same order. At about 25 points of the run we
 measure bits per character on a fixed sample of the *training* text (3 batches, 19,200
 characters) and of the *validation* text (3 batches), as the model is used: BN layers
 normalise with their population statistics (moving averages tracked during training). We
 also record the running mean of the training batches' own loss (batch statistics), what the
 optimiser sees.
 */

let corpus = chapter.attempt { try chapter.loadCorpus() }
/// The character model Chapter 5 trains too (`CharacterModels`): batches of 64 sequences
/// of 100 characters (the smoke preset uses 30: it only has to run every line, fast), Adam at
/// 2·10⁻³, clipping at 1, the same initial weights and batches for every variant.
let characters = CharacterModels(
  chapter: chapter, corpus: corpus, hidden: chapter.pick(smoke: 16, book: 64, paper: 256))
let (vocabulary, hidden, batch, length) = (
  characters.vocabulary, characters.hidden, characters.batch, characters.length
)
let sampleBatches = characters.sampleBatches
let steps = chapter.steps(default: chapter.pick(smoke: 20, book: 2_500, paper: 20_000))
let trainingCharacters = chapter.pick(smoke: 20_000, book: 30_000, paper: corpus.train.count)
let trainingText = Array(corpus.train.prefix(trainingCharacters))
let trainingSample = characters.sample(of: trainingText)
let validationSample = characters.validationSample
chapter.say(
  "training text: \(trainingText.count) characters; samples: \(trainingSample.characters) training, \(validationSample.characters) validation characters"
)
chapter.log.scalar("vocabulary size (symbols)", Double(vocabulary))
chapter.log.scalar(
  "documents in the training text", Double(corpus.documents(of: trainingText).count))

// A long run says how long it will take and how to resume it.
if chapter.preset == .paper || chapter.options.checkpointInterval != nil {
  characters.announceLongRun(
    "Chapter 4's four character models", steps: 4 * steps, normalization: .none,
    text: trainingText, in: chapter)
}

/*:
 ## The paper preset: Penn Treebank at the word level

 Given Penn Treebank's word files (`--corpus DIR` with `ptb.{train,valid,test}.txt`; `companion
 fetch ptb` downloads them), the paper preset runs the paper's own kind of model instead of
 the character models above: Zaremba et al. 2014's small configuration — word embeddings of
 200, two LSTM layers of 200, 20 unrolled steps, batches of 20 streams whose state carries
 from one window to the next, SGD at rate 1 halved every epoch after the fourth, 13 epochs,
 the gradient norm clipped at 5, every weight uniform on [−0.1, 0.1]. Curves are in bits per
 *word* (log₂ of the perplexity), so the same measures apply. It runs for hours and resumes
 from its checkpoints.
 */

/// The word files, when the paper preset is given them.
let wordCorpus: WordCorpus? = {
  let directory = chapter.options.corpus ?? ProcessInfo.processInfo.environment["CORPUS_DIR"]
  guard chapter.preset == .paper, let directory, WordCorpus.available(in: directory) else {
    return nil
  }
  let words = chapter.attempt { try WordCorpus.load(directory: directory) }
  chapter.recordData(
    kind: "corpus", name: words.source.name, location: words.source.location,
    summary: words.source.summary)
  return words
}()
/// What the curves' unit is called.
let symbolUnit = wordCorpus == nil ? "bpc" : "bits per word"

/// The paper preset's word-level run of one variant, resumable.
func trainWords(_ variant: Variant, corpus words: WordCorpus) -> LanguageModelCurve {
  let (streams, window, width, epochs) = (20, 20, 200, 13)
  let streamLength = (words.train.count - 1) / streams
  let windowsPerEpoch = streamLength / window
  let totalSteps = chapter.steps(default: chapter.epochs(default: epochs) * windowsPerEpoch)
  var generator = chapter.makeGenerator("word weights")
  let configuration = RecurrentLayerConfiguration(
    cell: .lstm, inputs: width, hidden: width,
    normalization: variant.normalization(maxSteps: window),
    inputWeights: .uniform(limit: 0.1), recurrentWeights: .uniform(limit: 0.1))
  let model = SequenceModel<Float>(
    layers: [configuration, configuration], head: .everyStep(classes: words.vocabularySize),
    embedding: (words.vocabularySize, width), readoutWeights: .uniform(limit: 0.1),
    using: &generator)
  /// Window k of a token stream cut into `streams` rows: time-major inputs and targets.
  func windowAt(_ k: Int, of tokens: [Int]) -> (inputs: [Int], targets: [Int]) {
    let rows = (tokens.count - 1) / streams
    var inputs = [Int](repeating: 0, count: streams * window)
    var targets = inputs
    for b in 0..<streams {
      for t in 0..<window {
        inputs[t * streams + b] = tokens[b * rows + k * window + t]
        targets[t * streams + b] = tokens[b * rows + k * window + t + 1]
      }
    }
    return (inputs, targets)
  }
  /// Bits per word over the first `windows` windows of `tokens`, the state carried through.
  func bitsPerWord(_ tokens: [Int], windows: Int) -> Double {
    var nats = 0.0
    let count = min(windows, (tokens.count - 1) / streams / window)
    for k in 0..<count {
      let (inputs, targets) = windowAt(k, of: tokens)
      nats += Double(
        model.evaluate(
          .tokens(inputs), targets: targets, steps: window, batch: streams,
          start: k == 0 ? .fresh : .continuing
        ).loss)
    }
    return nats / Double(count) / log(2)
  }
  // The state carries from one window to the next (the model's carried states are part of
  // its checkpointed state); SGD keeps none of its own, its rate follows from the step.
  let run = TrainingRun(
    name: "\(variant.rawValue), words", steps: totalSteps,
    schedule: EvaluationSchedule(total: totalSteps, points: 2 * epochs), model: model,
    record: LanguageModelCurve(name: variant.rawValue, log: chapter.log, unit: "bits per word"),
    step: { step in
      let (epoch, k) = ((step - 1) / windowsPerEpoch, (step - 1) % windowsPerEpoch)
      // Rate 1, halved every epoch after the fourth.
      var optimizer = SGD<Float>(learningRate: pow(0.5, Double(max(0, epoch - 3))))
      let (inputs, targets) = windowAt(k, of: words.train)
      return Double(
        model.trainStep(
          .tokens(inputs), targets: targets, steps: window, batch: streams,
          optimizer: &optimizer, clipNorm: 5, start: k == 0 ? .fresh : .continuing
        ).loss)
    },
    measure: { step, meanLoss, curve in
      // Measuring runs its own windows: the training stream's state is put back after.
      let carried = model.carriedStates
      let (training, validation) = (
        bitsPerWord(words.train, windows: 200), bitsPerWord(words.valid, windows: .max)
      )
      model.carriedStates = carried
      curve.record(
        step: step, trainingBatches: meanLoss / log(2), training: training,
        validation: validation)
      return [("valid ppl", pow(2, validation))]
    })
  let record = chapter.attempt { try run.run(in: chapter) { $0 } }
  let best = record.bestValidation
  chapter.say(
    String(
      format: "%@ (words): best validation perplexity %.1f at step %d", variant.rawValue,
      pow(2, best.bpc), best.step))
  return record
}

/// The four variants train independently: side by side, one per core (`--jobs`).
let curves: [Variant: LanguageModelCurve] = chapter.phase("fixed-length runs") {
  let trained = chapter.attempt {
    try chapter.independently("fixed-length runs", Variant.allCases) { variant in
      guard let wordCorpus else {
        return characters.train(
          variant.rawValue, variant.normalization(maxSteps: length),
          source: .crops(trainingText), steps: steps, trainingSample: trainingSample, in: chapter
        ).curve
      }
      return trainWords(variant, corpus: wordCorpus)
    }
  }
  return Dictionary(uniqueKeysWithValues: zip(Variant.allCases, trained))
}

/*:
 ## Reading the claims off the curves

 We fixed these measures before the book run.

 * **Faster training.** The baseline's *final training bpc* is the mean of the training
   batches' loss over its last measurement interval. For each input-BN variant we find the
   first measurement at which its own training-batch curve is at or below that value, and
   divide by the baseline's run length: below 1 means the BN network got there in fewer
   steps.
 * **No better generalization.** Each run's *best validation bpc* is the lowest point of its
   validation curve. The paper says BN "doesn't seem to improve" it; we count an improvement
   of up to 0.1 bits per character (about {{scalar "generalization margin, % of the baseline's best validation bpc" | %.0f}}% here) as "not better", and require in addition that the
   BN network's final gap — validation minus training bpc on the fixed samples, at the end of
   the run — is larger than the baseline's.
 * **Hidden-to-hidden BN does not help**: the naive variant reaches the baseline's final
   training bpc no sooner than the baseline (ratio ≥ 1, the same measure as above), and its
   best validation bpc is not below the baseline's. *We added the first of these two after
   the first book run*, having seen its curves: it is the half of the paper's sentence — "doesn't
   help the training procedure" — that we had not yet made a number, and leaving it out
   because it fails would have hidden the result.
 */

/// The first measured step at which `curve`'s training-batch bpc is at or below `target`.
func firstStep(_ curve: LanguageModelCurve, atOrBelow target: Double) -> Int? {
  zip(curve.steps, curve.trainingBatches).first { $0.1 <= target }?.0
}

/// Validation minus training bpc at the end of the run (on the fixed samples).
func finalGap(_ curve: LanguageModelCurve) -> Double {
  (curve.validation.last ?? .nan) - (curve.training.last ?? .nan)
}

let baselineCurve = curves[.baseline]!
let baselineFinalTraining = baselineCurve.trainingBatches.last ?? .nan
let baselineBest = baselineCurve.bestValidation
/// How much lower a validation bpc may be and still count as "not better".
let generalizationMargin = 0.1
chapter.log.scalar(
  "generalization margin, % of the baseline's best validation bpc",
  100 * generalizationMargin / baselineBest.bpc)

var variantRows: [[String]] = []
for variant in Variant.allCases {
  let curve = curves[variant]!
  let best = curve.bestValidation
  variantRows.append([
    variant.rawValue, cell("%.3f", best.bpc) + " (" + grouped(best.step) + ")",
    cell("%.3f", curve.training.last ?? .nan), cell("%.3f", curve.validation.last ?? .nan),
    cell("%+.3f", finalGap(curve)),
  ])
  chapter.log.scalar("best validation bpc, \(variant.rawValue)", best.bpc)
  chapter.log.scalar("step of best validation bpc, \(variant.rawValue)", Double(best.step))
  chapter.log.scalar("final training bpc, \(variant.rawValue)", curve.training.last ?? .nan)
  chapter.log.scalar("final gap, \(variant.rawValue)", finalGap(curve))
  chapter.log.scalar(
    "rise of validation bpc from its best to the end, \(variant.rawValue)",
    (curve.validation.last ?? .nan) - best.bpc)
}
chapter.table(
  "fixed-length runs",
  header: [
    "variant", "best validation \(symbolUnit) (step)", "final training \(symbolUnit)",
    "final validation \(symbolUnit)", "final gap",
  ], rows: variantRows)
/// Where the baseline's validation curve flattens: its first measurement within 0.01 of its
/// best.
let baselinePlateauStep = zip(baselineCurve.steps, baselineCurve.validation).first {
  $0.1 - baselineBest.bpc <= 0.01
}?.0
chapter.log.scalar(
  "first step with the baseline's validation bpc within 0.01 of its best",
  baselinePlateauStep.map(Double.init) ?? .nan)

/// How many of the four input-BN claims hold, and the later of the two variants' steps to the
/// baseline's final training bpc (nil if either never got there).
var inputClaimsHeld = 0
var slowerInputReached: Int? = 0
for variant in [Variant.sequenceWise, .frameWise] {
  let curve = curves[variant]!
  let reached = firstStep(curve, atOrBelow: baselineFinalTraining)
  let runLength = baselineCurve.steps.last ?? steps
  let ratio = Double(reached ?? runLength) / Double(max(runLength, 1))
  let faster = reached != nil && ratio < 1
  chapter.claim(
    "\(variant.rawValue) reaches the baseline's final training \(symbolUnit) (\(String(format: "%.3f", baselineFinalTraining))) in fewer steps (steps / baseline's)",
    paper: "Laurent et al. 2016, abstract", measured: ratio, format: "%.3f",
    unit: reached == nil ? "× (not reached)" : "×", threshold: "< 1",
    holds: faster
  )
  let improvement = baselineBest.bpc - curve.bestValidation.bpc
  let gapGrows = finalGap(curve) > finalGap(baselineCurve)
  let noBetter = improvement <= generalizationMargin && gapGrows
  chapter.claim(
    "\(variant.rawValue): best validation \(symbolUnit) no better than the baseline's by more than \(generalizationMargin) (baseline − BN), and a larger final gap (\(String(format: "%+.3f", finalGap(curve))) against \(String(format: "%+.3f", finalGap(baselineCurve))))",
    paper: "Laurent et al. 2016, abstract", measured: improvement, format: "%+.3f",
    unit: " \(symbolUnit)", threshold: "≤ \(generalizationMargin), gap larger",
    holds: noBetter)
  inputClaimsHeld += (faster ? 1 : 0) + (noBetter ? 1 : 0)
  slowerInputReached = reached.flatMap { step in slowerInputReached.map { max($0, step) } }
  chapter.log.scalar(
    "step reaching the baseline's final training bpc, \(variant.rawValue)",
    reached.map(Double.init) ?? .nan)
}
chapter.log.scalar("input-BN claims that hold (of 4)", Double(inputClaimsHeld))
chapter.log.scalar(
  "baseline's steps / input BN's to the baseline's final training bpc (the slower variant)",
  slowerInputReached.map { Double(baselineCurve.steps.last ?? steps) / Double(max($0, 1)) }
    ?? .nan)
chapter.log.scalar(
  "final gap, input BN, sequence-wise − frame-wise",
  finalGap(curves[.sequenceWise]!) - finalGap(curves[.frameWise]!))

let naiveCurve = curves[.naiveHidden]!
let naiveReached = firstStep(naiveCurve, atOrBelow: baselineFinalTraining)
chapter.log.scalar(
  "step reaching the baseline's final training bpc, naive hidden BN",
  naiveReached.map(Double.init) ?? .nan)
/// The first measurement at which the naive variant's training-batch bpc is below the
/// baseline's, and the one before it (the end of its start above, or level with, the baseline).
let naiveComparable = min(naiveCurve.trainingBatches.count, baselineCurve.trainingBatches.count)
let naiveFirstBelow = (0..<naiveComparable).first {
  naiveCurve.trainingBatches[$0] < baselineCurve.trainingBatches[$0]
}
chapter.log.scalar(
  "first step with naive hidden BN's training batches bpc below the baseline's",
  naiveFirstBelow.map { Double(naiveCurve.steps[$0]) } ?? .nan)
chapter.log.scalar(
  "last step before naive hidden BN's training batches bpc is first below the baseline's",
  naiveFirstBelow.flatMap { $0 > 0 ? Double(naiveCurve.steps[$0 - 1]) : nil } ?? .nan)
let naiveRatio =
  Double(naiveReached ?? (baselineCurve.steps.last ?? steps))
  / Double(max(baselineCurve.steps.last ?? steps, 1))
chapter.claim(
  "naive hidden-to-hidden BN does not speed up training (steps to the baseline's final training \(symbolUnit) / baseline's)",
  paper: "Laurent et al. 2016, abstract", measured: naiveRatio, format: "%.3f",
  unit: naiveReached == nil ? "× (not reached)" : "×", threshold: "≥ 1", holds: naiveRatio >= 1)
let naiveDifference = naiveCurve.bestValidation.bpc - baselineBest.bpc
chapter.claim(
  "naive hidden-to-hidden BN does not beat the baseline's best validation \(symbolUnit) (naive − baseline)",
  paper: "Laurent et al. 2016, abstract", measured: naiveDifference, format: "%+.3f",
  unit: " \(symbolUnit)", threshold: "≥ 0", holds: naiveDifference >= 0)

/*:
 ## Why the naive hidden-to-hidden normalization fails

 Normalising $W_x x_t + W_h h_{t-1}$ at every step looks like the feed-forward case, but two
 things differ. First, the statistics: a training step normalises step $t$ with the batch's
 statistics *at step $t$*, yet one population is kept for all steps, and the first steps of a
 sequence — where $h_0 = 0$ and the state is still building up — are distributed differently
 from the later ones; at inference every step is normalised with an average that fits none
 of them well. Second, the gain: with $\gamma = 1$ every pre-activation has unit variance, so
 the gates spend much of their time in the flat parts of $\sigma$ and $\tanh$, and a gradient
 travelling back through many steps is multiplied by many small derivatives. Laurent et al.
 offer a third reading — the repeated rescaling through time makes the gradients explode —
 and Cooijmans et al. 2017 show that the first two are what matters: with statistics per time
 step and $\gamma = 0.1$ normalising the hidden-to-hidden transition works, and that is
 Chapter 5.

 *What our run shows (our reading).* On this task the paper's two findings for the naive
 variant, as our claims: that it does not beat the baseline's best validation bpc
 **{{verdict "naive hidden-to-hidden BN does not beat"}}**, that it does not speed up training
 **{{verdict "naive hidden-to-hidden BN does not speed up"}}** (the numbers are under *Reading
 the figures*). Three differences from the paper's setting bear on its training. We train with Adam, which rescales each parameter's step by its own
 gradient history and so partly undoes a gradient shrunk by saturated gates; Laurent et al.
 trained their language model with plain SGD. Our sequences are 100 characters with a loss at
 every step, so little of the gradient has to cross many steps — the regime where γ = 1
 hurts, by Cooijmans et al.'s analysis, is long-range dependency (their permuted MNIST, 784
 steps). And during training each step is normalised with its own batch statistics; only
 inference uses the one shared population, so the mismatch between early and late steps
 costs nothing while the network learns. What we see of the paper's finding is at the
 start: up to step {{scalar "last step before naive hidden BN's training batches bpc is first below the baseline's" | %,d}} the naive network's training loss is *above* (or level with) the
 baseline's; it is first below it at step {{scalar "first step with naive hidden BN's training batches bpc below the baseline's" | %,d}}.
 */

/*:
 ## Frame-wise or sequence-wise: sequences of different lengths

 Frame-wise statistics need a step $t$ in every sequence of the batch. With real text the
 sequences have different lengths, and a padded batch runs for as long as its longest one:
 at late steps only a few sequences are still running, and the step's statistics are
 estimated from those few. Sequence-wise statistics pool every real frame of the batch and do
 not have that problem — which is why the paper uses them for variable-length sequences.

 To see it we train on whole fortunes, each one sequence (at most 200 characters; longer ones
 are cut), 64 to a batch, padded and masked, from the first 1,500 fortunes of the training
 split; validation uses the first 192 fortunes of the validation split. The two input-BN
 variants are trained for a shorter run. Then, on 40 batches of training fortunes, we measure
 what the two normalizations see: for four units of the frame-wise network's input term
 $W_x x_t$, the spread across batches (standard deviation) of the frame-wise batch mean and
 variance at each step $t$, against the spread of the sequence-wise batch statistics of the
 same units on the same batches — both relative to the unit's mean and variance over all the
 frames, so that units compare.
 */

/// What one document of the corpus is: a fortune, or a Penn Treebank sentence.
let documentName = corpus.source.kind == .fortunes ? "fortunes" : "sentences"
let cap = chapter.pick(smoke: 40, book: 200, paper: 300)
let documentCount = chapter.pick(smoke: 200, book: 1_500, paper: 15_000)
let trainingDocuments = Array(corpus.documents(of: corpus.train).prefix(documentCount))
let validationDocuments = corpus.documents(of: corpus.valid)
let variableSteps = min(
  chapter.pick(smoke: 10, book: 600, paper: 5_000), chapter.options.steps ?? .max)
let documentTrainingSample = TextSample(
  documents: trainingDocuments, batch: batch, cap: cap, maxBatches: sampleBatches)
let documentValidationSample = TextSample(
  documents: validationDocuments, batch: batch, cap: cap, maxBatches: sampleBatches)

let variableRecords: [Variant: LanguageModelRecord] = chapter.phase("variable-length runs") {
  let variants = [Variant.sequenceWise, .frameWise]
  let records = chapter.attempt {
    try chapter.independently("variable-length runs", variants) { variant in
      characters.train(
        "\(variant.rawValue), whole \(documentName)", variant.normalization(maxSteps: cap),
        source: .documents(trainingDocuments, cap: cap), steps: variableSteps,
        trainingSample: documentTrainingSample, validationSample: documentValidationSample,
        length: cap, keepsModel: variant == .frameWise, in: chapter)
    }
  }
  return Dictionary(uniqueKeysWithValues: zip(variants, records))
}
let variableCurves = variableRecords.mapValues(\.curve)

/// For each step t < cap: how many of a batch's sequences are still running (on average over
/// the batches), and for each probed unit the spread across batches of the frame-wise mean
/// and variance at t, relative to the unit's mean and variance over all frames; beside them the
/// spread of the sequence-wise batch mean and variance.
struct StatisticsSpread {
  var running: [Double]
  var frameMean: [[Double]]
  var frameVariance: [[Double]]
  var sequenceMean: [Double]
  var sequenceVariance: [Double]
}

let probedUnits = [0, 1, 2, 3]
let spreadBatches = chapter.pick(smoke: 4, book: 40, paper: 80)

/// The input term W_x x_t of the trained frame-wise network is row x_t of its W_x, so its
/// per-step and pooled batch statistics follow from the tokens alone; we compute them in
/// Double.
func statisticsSpread() -> StatisticsSpread {
  let weights = variableRecords[.frameWise]!.parameters!["layer1.Wx"]!
  var stream = DocumentStream(batchSize: batch, cap: cap, seed: chapter.seed(for: "spread"))
  var running = [Double](repeating: 0, count: cap)
  // Per unit, per step: the batch means and variances seen, one per batch.
  var frameMeans = [[[Double]]](
    repeating: [[Double]](repeating: [], count: cap), count: probedUnits.count)
  var frameVariances = frameMeans
  var sequenceMeans = [[Double]](repeating: [], count: probedUnits.count)
  var sequenceVariances = sequenceMeans
  var allValues = [[Double]](repeating: [], count: probedUnits.count)
  for _ in 0..<spreadBatches {
    let padded = stream.next(from: trainingDocuments)
    for t in 0..<cap { running[t] += Double(padded.lengths.filter { $0 > t }.count) }
    for (k, unit) in probedUnits.enumerated() {
      var pooled: [Double] = []
      for t in 0..<padded.steps {
        let values = (0..<batch).filter { padded.mask[t * batch + $0] != 0 }.map {
          Double(weights[padded.inputs[t * batch + $0], unit])
        }
        pooled += values
        guard values.count >= 1 else { continue }
        let mean = values.reduce(0, +) / Double(values.count)
        frameMeans[k][t].append(mean)
        frameVariances[k][t].append(
          values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count))
      }
      let mean = pooled.reduce(0, +) / Double(pooled.count)
      sequenceMeans[k].append(mean)
      sequenceVariances[k].append(
        pooled.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(pooled.count))
      allValues[k] += pooled
    }
  }
  func spread(_ values: [Double]) -> Double {
    guard values.count >= 2 else { return .nan }
    let mean = values.reduce(0, +) / Double(values.count)
    return (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1))
      .squareRoot()
  }
  var result = StatisticsSpread(
    running: running.map { $0 / Double(spreadBatches) }, frameMean: [], frameVariance: [],
    sequenceMean: [], sequenceVariance: [])
  for k in probedUnits.indices {
    let all = allValues[k]
    let mean = all.reduce(0, +) / Double(all.count)
    let variance = all.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(all.count)
    let scale = (mean: variance.squareRoot(), variance: variance)
    result.frameMean.append(frameMeans[k].map { spread($0) / scale.mean })
    result.frameVariance.append(frameVariances[k].map { spread($0) / scale.variance })
    result.sequenceMean.append(spread(sequenceMeans[k]) / scale.mean)
    result.sequenceVariance.append(spread(sequenceVariances[k]) / scale.variance)
  }
  return result
}

let spread = chapter.phase("statistics spread") { statisticsSpread() }

/*:
 The claim, made a number: over the last quarter of the steps (where, with our lengths, few
 sequences are left; the steps end where fewer than 4 of a batch still run on average, or at
 the cap of 200; for fortunes they cover {{scalar "steps the spread measure covers" | %d}} steps), the frame-wise batch mean's spread across batches, averaged over the
 probed units and steps, divided by the sequence-wise batch mean's spread. Above 1: the
 frame-wise statistics at late steps vary more from batch to batch.
 */

/// The steps the measure covers: up to the last one at which at least 4 sequences of a
/// batch are still running on average (a spread needs a few), at most the cap. With fortunes
/// that is the cap; Penn Treebank's sentences mostly end well before it.
let measuredSteps = (spread.running.lastIndex { $0 >= 4 } ?? (cap - 1)) + 1
let lateSteps = (measuredSteps * 3 / 4)..<measuredSteps
func meanOfFinite(_ values: [Double]) -> Double {
  let finite = values.filter(\.isFinite)
  return finite.isEmpty ? .nan : finite.reduce(0, +) / Double(finite.count)
}
let lateFrameSpread = meanOfFinite(spread.frameMean.flatMap { Array($0[lateSteps]) })
let sequenceSpread = meanOfFinite(spread.sequenceMean)
let spreadRatio = lateFrameSpread / sequenceSpread
let earlySteps = 0..<max(measuredSteps / 4, 1)
let earlyFrameSpread = meanOfFinite(spread.frameMean.flatMap { Array($0[earlySteps]) })
let lateRunning = meanOfFinite(Array(spread.running[lateSteps]))
/// Real frames in a batch, which sequence-wise statistics pool; frame-wise ones at step t
/// pool `running[t]`. A mean over n frames has a spread ∝ 1/√n, so pooling alone predicts a
/// ratio of √(frames / B) at step 0 and √(frames / running) later.
let framesPerBatch = spread.running.reduce(0, +)
chapter.log.scalar("real frames per batch, mean", framesPerBatch)
chapter.log.scalar("early frame-wise mean spread (relative)", earlyFrameSpread)
chapter.log.scalar("sequences still running, mean over the last quarter of steps", lateRunning)
chapter.log.scalar("late frame-wise mean spread (relative)", lateFrameSpread)
chapter.log.scalar("sequence-wise mean spread (relative)", sequenceSpread)
/// What pooling alone predicts for the ratio of the spreads, at full batches and with the
/// late steps' sequences, and what was measured in the first quarter.
let pooledRatioFull = (framesPerBatch / Double(batch)).squareRoot()
let pooledRatioLate = (framesPerBatch / lateRunning).squareRoot()
let earlySpreadRatio = earlyFrameSpread / sequenceSpread
chapter.say(
  String(
    format:
      "\nlast quarter of steps (t ≥ %d): %.1f of %d sequences running on average; batch-mean spread %.3f frame-wise (%.3f in the first quarter), %.3f sequence-wise (relative to each unit's σ)",
    lateSteps.lowerBound, lateRunning, batch, lateFrameSpread, earlyFrameSpread, sequenceSpread))
chapter.say(
  String(
    format:
      "%.0f real frames per batch: pooling alone predicts frame-wise / sequence-wise spreads of %.1f× at full batches and %.1f× with %.1f sequences running; measured %.1f× (first quarter) and %.1f× (last quarter)",
    framesPerBatch, pooledRatioFull, pooledRatioLate, lateRunning, earlySpreadRatio,
    lateFrameSpread / sequenceSpread))
// For the page: how the batches run out, the variance's spreads beside the mean's, and the
// ratios against what pooling predicts.
chapter.log.scalar(
  "steps at which every sequence of every batch is still running",
  Double(spread.running.prefix { $0 == Double(batch) }.count))
chapter.log.scalar(
  "sequences still running at step 100, mean",
  spread.running.count > 100 ? spread.running[100] : .nan)
chapter.log.scalar("steps the spread measure covers", Double(measuredSteps))
chapter.log.scalar("first step of the last quarter of steps", Double(lateSteps.lowerBound))
chapter.log.scalar("last step of the last quarter of steps", Double(lateSteps.upperBound - 1))
chapter.log.scalar(
  "sequences still running over the last quarter of steps, % of the batch",
  100 * lateRunning / Double(batch))
chapter.log.scalar(
  "early frame-wise variance spread (relative)",
  meanOfFinite(spread.frameVariance.flatMap { Array($0[earlySteps]) }))
chapter.log.scalar(
  "late frame-wise variance spread (relative)",
  meanOfFinite(spread.frameVariance.flatMap { Array($0[lateSteps]) }))
chapter.log.scalar(
  "sequence-wise variance spread (relative)", meanOfFinite(spread.sequenceVariance))
chapter.log.scalar("spread ratio predicted by pooling, full batches", pooledRatioFull)
chapter.log.scalar("spread ratio predicted by pooling, last quarter", pooledRatioLate)
chapter.log.scalar("spread ratio, first quarter (frame-wise / sequence-wise)", earlySpreadRatio)
chapter.log.scalar(
  "spread ratio measured / predicted by pooling, first quarter",
  earlySpreadRatio / pooledRatioFull)
chapter.log.scalar(
  "spread ratio measured / predicted by pooling, last quarter", spreadRatio / pooledRatioLate)
chapter.log.scalar(
  "frame-wise mean spread, last quarter / first quarter", lateFrameSpread / earlyFrameSpread)
chapter.log.scalar(
  "frame-wise spread rise predicted by pooling (√(batch / sequences running late))",
  (Double(batch) / lateRunning).squareRoot())
chapter.claim(
  "frame-wise statistics at late steps vary more across batches than sequence-wise ones (spread of the batch mean, late frame-wise / sequence-wise)",
  paper: "Laurent et al. 2016, §3 (sequence-wise normalization)", measured: spreadRatio,
  format: "%.2f", unit: "×", threshold: "> 1", holds: spreadRatio > 1)
for variant in [Variant.sequenceWise, .frameWise] {
  let best = variableCurves[variant]!.bestValidation
  chapter.log.scalar("best validation bpc on whole documents, \(variant.rawValue)", best.bpc)
}
chapter.log.scalar(
  "best validation bpc on whole documents, frame-wise − sequence-wise",
  variableCurves[.frameWise]!.bestValidation.bpc
    - variableCurves[.sequenceWise]!.bestValidation.bpc)

/*:
 ## The speech experiment

 The paper's second task is acoustic modelling on the Wall Street Journal corpus: stacked
 (bidirectional) LSTMs predicting frame-level phonetic states, trained with and without BN on
 the input-to-hidden transitions. Its abstract reports the same pattern there as on Penn
 Treebank. The corpus is licensed and the models far too large for this book's CPU budget,
 so we do not run it. Two of our figures play its role: the learning curves (the pattern of
 faster training without better generalization) and the variable-length experiment (speech
 utterances differ in length far more than our fortunes, which is why the paper normalises
 sequence-wise there).
 */

// MARK: - Figures

let roleOf = Dictionary(uniqueKeysWithValues: Variant.allCases.map { ($0.rawValue, $0.role) })

/// A variant's training (dashed) and validation (solid) curves.
func curveSeries(_ curve: LanguageModelCurve, label: String, role: Role) -> [Series] {
  let x = curve.steps.map(Double.init)
  return [
    Series.line("\(label), training", x: x, y: curve.training, role: role).dashed(),
    .line("\(label), validation", x: x, y: curve.validation, role: role),
  ]
}

let bpcAxis =
  wordCorpus == nil
  ? "bits per character (fixed samples, population statistics)"
  : "bits per word (population statistics)"
let stepsAxis =
  wordCorpus == nil
  ? "training steps (batches of 64 sequences of \(length) characters)"
  : "training steps (windows of 20 words in 20 streams)"
let dataLabel = corpus.source.name

let figureCurves = Figure(
  name: "04-curves",
  title: "Input-to-hidden BN: training (dashed) and validation (solid), \(dataLabel)",
  panel: Panel(
    xLabel: stepsAxis, yLabel: bpcAxis, legend: .topRight,
    series: [Variant.baseline, .sequenceWise, .frameWise].flatMap {
      curveSeries(curves[$0]!, label: $0.rawValue, role: $0.role)
    }))

let figureHidden = Figure(
  name: "04-hidden",
  title: "Naive hidden-to-hidden BN (γ = 1, one population for all steps), \(dataLabel)",
  panel: Panel(
    xLabel: stepsAxis, yLabel: bpcAxis, legend: .topRight,
    series: [Variant.baseline, .naiveHidden].flatMap {
      curveSeries(curves[$0]!, label: $0.rawValue, role: $0.role)
    }))

let stepAxis = (0..<cap).map(Double.init)

/// The frame-wise spreads of the probed units at every step, and the sequence-wise spread as
/// a flat line, for one panel.
func spreadSeries(frameWise: [[Double]], sequenceWise: Double) -> [Series] {
  var series: [Series] = []
  for k in probedUnits.indices {
    // One colour and one legend entry for the units: the contrast is frame-wise against
    // sequence-wise, and the units agree.
    let label = k == 0 ? "frame-wise, units \(probedUnits.first!)-\(probedUnits.last!)" : ""
    series.append(.line(label, x: stepAxis, y: frameWise[k], role: .color(2)))
  }
  series.append(
    .line(
      "sequence-wise (mean of the units)", x: [0, Double(cap - 1)],
      y: [sequenceWise, sequenceWise], role: .batchNorm))
  return series
}

let runningPanel = Panel(
  title: "(a) sequences of a batch still running at step t", xLabel: "time step t",
  yLabel: "sequences (of \(batch))", legend: .none,
  series: [.line("running", x: stepAxis, y: spread.running, role: .color(6))])
let meanSpreadPanel = Panel(
  title: "(b) spread across batches of the batch mean", xLabel: "time step t",
  yLabel: "std across batches / unit's σ", yLog: true, yRange: 0.005...5, legend: .topLeft,
  series: spreadSeries(frameWise: spread.frameMean, sequenceWise: sequenceSpread))
let varianceSpreadPanel = Panel(
  title: "(c) spread across batches of the batch variance", xLabel: "time step t",
  yLabel: "std across batches / unit's σ²", yLog: true, yRange: 0.005...5, legend: .topLeft,
  series: spreadSeries(
    frameWise: spread.frameVariance, sequenceWise: meanOfFinite(spread.sequenceVariance)))
let wholeFortunesPanel = Panel(
  title: "(d) training on whole \(documentName)",
  xLabel: "training steps (batches of 64 \(documentName))",
  yLabel: bpcAxis, yRange: 2.2...4.0, legend: .bottomLeft,
  series: [Variant.sequenceWise, .frameWise].flatMap {
    curveSeries(
      variableCurves[$0]!, label: $0 == .frameWise ? "frame-wise" : "sequence-wise",
      role: $0.role)
  })
var figureVariable = Figure(
  name: "04-variable-length",
  title: "Whole \(documentName) as sequences (at most \(cap) characters, 64 per batch)",
  panels: [runningPanel, meanSpreadPanel, varianceSpreadPanel, wholeFortunesPanel], columns: 2)
figureVariable.height = 1000

for figure in [figureCurves, figureHidden, figureVariable] {
  chapter.attempt { try chapter.save(figure) }
}

/*:
 ## Reading the figures

 The figures and numbers here come from the book preset (seed 1, one BLAS thread) on
 Debian's fortunes; regenerate them with `ch04-recurrentinput` (or `companion run 4`), on
 Penn Treebank's character files with `--corpus DIR`. The chapter took {{total | duration}} of wall
 time on the two cores of a quiet machine in the book's own run (`make`), two runs at a time
 (6 min 2 s on one core, one after another, with the same numbers bit for bit):
 {{phase "fixed-length runs" | %.0f}} s for the four fixed-length runs,
 {{phase "variable-length runs" | %.0f}} s for the two variable-length runs,
 {{phase "statistics spread" | %.2f}} s for the statistics.

 {{table "fixed-length runs"}}

 ![Training and validation bits per character, LSTM and input-BN LSTMs](Figures/04-curves.png)

 *Input-to-hidden BN.* **Paper:** on Penn Treebank (words) and on WSJ, the training
 criterion falls faster with input BN, the validation result is no better. **Ours:** the
 regime we aimed for is there — the baseline's validation curve flattens (within 0.01 of its
 best) from step {{scalar "first step with the baseline's validation bpc within 0.01 of its best" | %,d}},
 has its best, {{scalar "best validation bpc, LSTM" | %.3f}}, at step
 {{scalar "step of best validation bpc, LSTM" | %,d}} and ends
 {{scalar "rise of validation bpc from its best to the end, LSTM" | %.3f}} above it
 ({{series "validation bpc" "LSTM" last | %.3f}}), while its training bpc keeps falling to
 {{scalar "final training bpc, LSTM" | %.3f}}. Training: the training batches' bpc reaches the
 baseline's final {{series "training batches bpc" "LSTM" last | %.3f}} at step
 {{scalar "step reaching the baseline's final training bpc, input BN, sequence-wise" | %,d}}
 with sequence-wise and step
 {{scalar "step reaching the baseline's final training bpc, input BN, frame-wise" | %,d}} with
 frame-wise input BN, {{claim "input BN, sequence-wise reaches" | %.3f}}× and
 {{claim "input BN, frame-wise reaches" | %.3f}}× of the baseline's 2,500 steps (at step 100
 the training batches are at {{series "training batches bpc" "input BN, sequence-wise" at 100 | %.2f}}
 and {{series "training batches bpc" "input BN, frame-wise" at 100 | %.2f}} with BN against
 {{series "training batches bpc" "LSTM" at 100 | %.2f}} without). Generalization: the BN
 variants reach their best validation bpc,
 {{scalar "best validation bpc, input BN, sequence-wise" | %.3f}} at step
 {{scalar "step of best validation bpc, input BN, sequence-wise" | %,d}} and
 {{scalar "best validation bpc, input BN, frame-wise" | %.3f}} at step
 {{scalar "step of best validation bpc, input BN, frame-wise" | %,d}},
 {{claim "input BN, sequence-wise: best validation" | %+.3f}} and
 {{claim "input BN, frame-wise: best validation" | %+.3f}} from the baseline's best (baseline −
 BN; our margin is 0.1), and then overfit: by the end their validation bpc has risen by
 {{scalar "rise of validation bpc from its best to the end, input BN, sequence-wise" | %.2g}}
 and {{scalar "rise of validation bpc from its best to the end, input BN, frame-wise" | %.2g}}
 bits while their training bpc fell to
 {{scalar "final training bpc, input BN, sequence-wise" | %.2f}} and
 {{scalar "final training bpc, input BN, frame-wise" | %.2f}}, final gaps of
 {{scalar "final gap, input BN, sequence-wise" | %+.2f}} and
 {{scalar "final gap, input BN, frame-wise" | %+.2f}} against the baseline's
 {{scalar "final gap, LSTM" | %+.2f}}. The BN networks fit the 30,000 training characters
 {{scalar "baseline's steps / input BN's to the baseline's final training bpc (the slower variant)" | %.1f}}
 times faster (the slower of the two); on held-out text that buys a minimum reached early,
 and a much steeper climb after it. The final gaps of sequence-wise and frame-wise statistics
 differ by {{scalar "final gap, input BN, sequence-wise − frame-wise" | %+.2f}} bits here
 (sequence-wise − frame-wise; with fixed-length crops the two see the same frames and differ
 only in pooling them). {{scalar "input-BN claims that hold (of 4)" | %d}} of 4 input-BN claims
 **hold**.

 ![Naive hidden-to-hidden BN against the baseline](Figures/04-hidden.png)

 *Naive hidden-to-hidden BN.* **Paper:** it does not help training. **Ours:** its best
 validation bpc is {{scalar "best validation bpc, naive hidden BN" | %.3f}} at step
 {{scalar "step of best validation bpc, naive hidden BN" | %,d}},
 {{claim "naive hidden-to-hidden BN does not beat" | %+.3f}} from the baseline's (naive −
 baseline; the claim that it does not beat the baseline
 **{{verdict "naive hidden-to-hidden BN does not beat"}}**), and its gap opens like input BN's
 ({{scalar "final gap, naive hidden BN" | %+.2f}} at the end). Its training batches are at
 {{series "training batches bpc" "naive hidden BN" at 100 | %.2f}} against
 {{series "training batches bpc" "LSTM" at 100 | %.2f}} at step 100 and
 {{series "training batches bpc" "naive hidden BN" at 200 | %.2f}} against
 {{series "training batches bpc" "LSTM" at 200 | %.2f}} at step 200; they are first below the
 baseline's at step
 {{scalar "first step with naive hidden BN's training batches bpc below the baseline's" | %,d}},
 and reach the baseline's final training bpc at step
 {{scalar "step reaching the baseline's final training bpc, naive hidden BN" | %,d}},
 {{claim "naive hidden-to-hidden BN does not speed up" | %.3f}}× the steps — the claim that it
 does not speed up training **{{verdict "naive hidden-to-hidden BN does not speed up"}}**. Why
 it may differ from the paper is discussed under *Why the naive hidden-to-hidden normalization
 fails* above: Adam instead of SGD, short sequences with a loss at every step, and batch
 statistics per step during training.

 ![Whole fortunes: sequences running, spread of the batch statistics, training](Figures/04-variable-length.png)

 *Frame-wise and sequence-wise statistics on whole fortunes.* Panel (a): a batch of 64 whole
 fortunes has all 64 running for the first
 {{scalar "steps at which every sequence of every batch is still running" | %d}} steps; at
 step 100, {{scalar "sequences still running at step 100, mean" | %.1f}} are on average, and
 over the last quarter (steps {{scalar "first step of the last quarter of steps" | %d}}-{{scalar "last step of the last quarter of steps" | %d}})
 {{scalar "sequences still running, mean over the last quarter of steps" | %.1f}} — the
 step-$t$ statistics there come from
 {{scalar "sequences still running over the last quarter of steps, % of the batch" | %.0f}}% of
 the batch. Panels (b) and (c): the spread across 40 batches of the frame-wise batch mean of
 four units of $W_x x_t$ is {{scalar "early frame-wise mean spread (relative)" | %.3f}} of the
 unit's standard deviation over the first quarter of the steps and
 {{scalar "late frame-wise mean spread (relative)" | %.3f}} over the last, and the batch
 variance's {{scalar "early frame-wise variance spread (relative)" | %.2f}} and
 {{scalar "late frame-wise variance spread (relative)" | %.2f}} of the unit's variance; the
 sequence-wise statistics of the same units on the same batches spread by
 {{scalar "sequence-wise mean spread (relative)" | %.3f}} and
 {{scalar "sequence-wise variance spread (relative)" | %.3f}}. The claim's ratio, late
 frame-wise over sequence-wise mean spread, is
 {{claim "frame-wise statistics at late steps" | %.2f}}×
 (**{{verdict "frame-wise statistics at late steps"}}**). Most of that ratio is pooling, not
 lateness: sequence-wise statistics average over every real frame of the batch —
 {{scalar "real frames per batch, mean" | %,.0f}} on average — frame-wise ones over at most 64,
 and a mean of $n$ independent samples spreads as $1/\sqrt{n}$: pooling predicts
 {{scalar "spread ratio predicted by pooling, full batches" | %.1f}}× at full batches
 (measured {{scalar "spread ratio, first quarter (frame-wise / sequence-wise)" | %.1f}}× in the
 first quarter) and {{scalar "spread ratio predicted by pooling, last quarter" | %.1f}}× with
 {{scalar "sequences still running, mean over the last quarter of steps" | %.1f}} sequences
 running (measured {{claim "frame-wise statistics at late steps" | %.1f}}×); the measured
 ratios are {{scalar "spread ratio measured / predicted by pooling, first quarter" | %.2f}} and
 {{scalar "spread ratio measured / predicted by pooling, last quarter" | %.2f}} of the predicted
 ones, because neighbouring characters of one fortune are not independent, so the pooled
 frames count for less than their number. The late steps' own contribution is the rise
 within the frame-wise curves, {{scalar "early frame-wise mean spread (relative)" | %.3f}} →
 {{scalar "late frame-wise mean spread (relative)" | %.3f}}, a factor
 {{scalar "frame-wise mean spread, last quarter / first quarter" | %.2f}} where
 $\sqrt{64/{{scalar "sequences still running, mean over the last quarter of steps" | %.1f}}}$ =
 {{scalar "frame-wise spread rise predicted by pooling (√(batch / sequences running late))" | %.2f}}
 predicts. Panel (d): trained on whole fortunes, the two variants reach a best validation bpc
 of {{scalar "best validation bpc on whole documents, input BN, sequence-wise" | %.3f}}
 sequence-wise and
 {{scalar "best validation bpc on whole documents, input BN, frame-wise" | %.3f}} frame-wise
 after 600 steps, a difference of
 {{scalar "best validation bpc on whole documents, frame-wise − sequence-wise" | %+.3f}} bpc
 (frame-wise − sequence-wise). Our lengths are at most 200 characters, with
 {{scalar "sequences still running over the last quarter of steps, % of the batch" | %.0f}}% of
 each batch still running over the last quarter of the steps; the paper's speech utterances
 vary far more in length, which is where sequence-wise statistics matter.

 ## Summary

 Batch normalization of the input-to-hidden transition — one BN over all the batch's frames
 before the recurrence runs — makes a character-level LSTM fit its training text
 {{scalar "baseline's steps / input BN's to the baseline's final training bpc (the slower variant)" | %.1f}}
 times faster. That it does not make it generalise better is the paper's twist, and our
 claims test it with the overfitting plain to see
 ({{scalar "input-BN claims that hold (of 4)" | %d}} of 4 input-BN claims hold).
 Normalising the hidden-to-hidden transition the naive way (γ = 1, one population for all
 steps): the paper's finding that it generalises no better
 **{{verdict "naive hidden-to-hidden BN does not beat"}}** on our task, and that it trains no
 faster **{{verdict "naive hidden-to-hidden BN does not speed up"}}**. Frame-wise statistics are
 estimated from fewer and fewer sequences as a padded batch runs on; sequence-wise ones pool
 every frame. Chapter 5 makes the hidden-to-hidden normalization work: statistics per time
 step, and a small γ.
 */

chapter.finish()
