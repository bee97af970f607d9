import Companion
import Engine
import Foundation

// What the chapter prints and records beside its claims: tables for the terminal, numbers for
// the page's references. Each function reads what main.swift measured.

/// §1's table: each feature's batch statistics before and after the transform.
@MainActor func printTransformTable() {
  chapter.say("Alg. 1 on a batch of \(transformBatchSize) examples, 6 features, ε = \(epsilon):")
  chapter.say(
    "feature    mean(x)     std(x)   mean(x̂)      var(x̂)      γ       β   mean(y)    std(y)")
  for j in featureMeans.indices {
    chapter.say(
      "\(j)        \(formatted(inputMoments.mean[j])) \(formatted(inputMoments.variance[j].squareRoot()))"
        + " \(formatted(normalizedMoments.mean[j], "%9.1e")) \(formatted(normalizedMoments.variance[j], "%11.8f"))"
        + " \(formatted(Double(chosenGamma[0, j]), "%6.2f")) \(formatted(Double(chosenBeta[0, j]), "%7.2f"))"
        + " \(formatted(affineMoments.mean[j])) \(formatted(affineMoments.variance[j].squareRoot()))"
    )
  }
}

/// The worst features of §1's check, and the batch statistics the prose explains them with.
@MainActor func recordTransformExtremes() {
  chapter.log.scalar("max |mean(x̂)|", worstMean)
  chapter.log.scalar("max |var(x̂) - 1|", worstVariance)
  // Which features those are, and the batch statistics the prose explains them with.
  let shortFeature = featureMeans.indices.max {
    abs(normalizedMoments.variance[$0] - 1) < abs(normalizedMoments.variance[$1] - 1)
  }!
  let offCentreFeature = featureMeans.indices.max {
    abs(normalizedMoments.mean[$0]) < abs(normalizedMoments.mean[$1])
  }!
  chapter.log.scalar("feature with the largest var(x̂) shortfall", Double(shortFeature))
  chapter.log.scalar(
    "batch std of the feature with the largest var(x̂) shortfall",
    inputMoments.variance[shortFeature].squareRoot())
  chapter.log.scalar(
    "ε/σ²_B of the feature with the largest var(x̂) shortfall",
    Double(epsilon) / inputMoments.variance[shortFeature])
  chapter.log.scalar("feature with the largest mean(x̂) offset", Double(offCentreFeature))
  chapter.log.scalar(
    "batch mean of the feature with the largest mean(x̂) offset", inputMoments.mean[offCentreFeature]
  )
}

/// §2's table: the deviation at every other scale, measured and predicted, for the three ε.
@MainActor func printScaleTable() {
  chapter.say("max |BN((aW)u) − BN(Wu)| for a batch of \(scaleBatchSize) images:")
  chapter.say("       a      ε = 0   ε = 1e-5 (predicted)   ε = 1e-3 (predicted)")
  for (k, a) in scales.enumerated() where k % 2 == 0 {
    chapter.say(
      "\(formatted(a, "%8.0e"))  \(formatted(deviations[0][k], "%9.1e"))  \(formatted(deviations[1][k], "%9.1e")) (\(formatted(predictions[1][k], "%8.1e")))"
        + "   \(formatted(deviations[2][k], "%9.1e")) (\(formatted(predictions[2][k], "%8.1e")))")
  }
}

/// Where ε starts to break the invariance, and the deviations the page quotes.
@MainActor func recordScaleInvariance(exactInvariance: Double) {
  let smallestVariance = columnMoments(scalePreActivations).variance.min()!
  let breakingScale = (1e-5 / smallestVariance).squareRoot()
  /// The largest a on the grid at which `deviation` exceeds `level`.
  func largestScale(above level: Double, scales: [Double], deviation: [Double]) -> Double {
    scales.indices.last { deviation[$0] > level }.map { scales[$0] } ?? 0
  }
  chapter.say(
    "with ε = 1e-5 the deviation exceeds 1e-3 for a ≤ \(formatted(largestScale(above: 1e-3, scales: scales, deviation: deviations[1]), "%.2g")) and 0.1 for a ≤ \(formatted(largestScale(above: 0.1, scales: scales, deviation: deviations[1]), "%.2g")); "
      + "√(ε/σ²_min) = \(formatted(breakingScale, "%.2g")) (smallest batch variance \(formatted(smallestVariance, "%.3f")))"
  )
  chapter.log.scalar("scale invariance, ε = 0, max deviation on [1e-2, 1e2]", exactInvariance)
  chapter.log.scalar("scale invariance, ε = 0, max deviation on [1e-4, 1e2]", deviations[0].max()!)
  /// The index of `a` on the grid of scales.
  func scaleIndex(_ a: Double) -> Int { scales.indices.first { abs(scales[$0] / a - 1) < 1e-9 }! }
  for (e, name) in [(1, "1e-5"), (2, "1e-3")] {
    chapter.log.scalar(
      "scale invariance, ε = \(name), deviation at the largest a", deviations[e].last!)
  }
  for a in [0.1, 0.01] {
    chapter.log.scalar(
      "scale invariance, ε = 1e-5, deviation at a = \(a)", deviations[1][scaleIndex(a)])
  }
  // The limit of the deviation as a → 0, where BN((aW)u) → 0: max |x̂| of BN(Wu) at ε = 1e-5.
  let scaleReference = BatchNormalization.forward(
    training: scalePreActivations, gamma: unitAffine(units).gamma, beta: unitAffine(units).beta,
    epsilon: scaleEpsilons[1]
  ).output
  chapter.log.scalar("scale batch largest absolute x̂, ε = 1e-5", Double(scaleReference.maxAbs))
}

/// §3's table of the batch statistics' spread at each m, and its series in the record.
@MainActor func recordBatchNoise() {
  chapter.say("\nbatch statistics vs batch size (\(repetitions) batches per size, \(units) units):")
  chapter.say(
    "    m   spread(μ_B)/σ  spread(σ²_B)/σ²  RMS train−inference  Var(x̂_inf) unbiased  biased")
  for (m, s) in zip(batchSizes, studies) {
    chapter.say(
      "\(String(format: "%5d", m))  \(formatted(s.meanSpread, "%13.4f"))  \(formatted(s.varianceSpread, "%15.4f"))"
        + "  \(formatted(s.trainInferenceGap, "%19.4f"))  \(formatted(s.unbiasedOutputVariance, "%19.4f"))  \(formatted(s.biasedOutputVariance, "%6.4f"))"
    )
    chapter.log.record("spread of batch mean / σ", run: "batch", step: m, value: s.meanSpread)
    chapter.log.record(
      "spread of batch variance / σ²", run: "batch", step: m, value: s.varianceSpread)
    chapter.log.record("train-inference RMS gap", run: "batch", step: m, value: s.trainInferenceGap)
  }
}

/// The variance estimate's spread against the mean's, and the kurtosis that explains it.
@MainActor func recordVarianceSpread(asymptotic: [Int]) {
  // The variance estimate's relative spread against the mean's (√(μ₄/σ⁴ − 1) to leading order),
  // over the sizes where the leading order holds, and the units' μ₄/σ⁴ over the population.
  chapter.log.scalar(
    "spread of batch variance / spread of batch mean, mean over m ≥ 16",
    asymptotic.map { studies[$0].varianceSpread / studies[$0].meanSpread }.reduce(0, +)
      / Double(asymptotic.count))
  chapter.log.scalar(
    "population kurtosis of the pre-activations, mean over units",
    (0..<units).map { shape(of: population.column($0)).kurtosis }.reduce(0, +) / Double(units))
}

/// §4's table: each convention's stored statistics after 1, 2, 5, … updates.
@MainActor func recordConventions() {
  chapter.say(
    "\nrunning statistics of unit \(conventionUnit) (population mean \(formatted(trueMean, "%.4f")), variance \(formatted(trueVariance, "%.4f"))), batches of \(conventionBatchSize):"
  )
  chapter.log.scalar("convention stream: population mean of the unit", trueMean)
  chapter.log.scalar("convention stream: population variance of the unit", trueVariance)
  let conventionNames = BatchNormConvention.all.map(\.name)
  chapter.table(
    "running statistics per update",
    header: ["update", "mean: \(conventionNames[0])"] + conventionNames.dropFirst()
      + ["variance: \(conventionNames[0])"] + conventionNames.dropFirst(),
    rows: [1, 2, 5, 10, 20, 50, 100, 200, 500].filter { $0 <= conventionBatches }.map { t in
      ["\(t)"] + runningMeans.map { formatted($0[t - 1], "%.4f") }
        + runningVariances.map { formatted($0[t - 1], "%.4f") }
    })
  let kerasIndex = conventionNames.firstIndex(of: "keras")!
  chapter.log.scalar(
    "keras stored variance after 100 updates / population variance",
    runningVariances[kerasIndex][99] / trueVariance)
}

/// §5's numbers for the ink unit: its moments and shape before and after BN.
@MainActor func recordInkUnit(
  before: [Double], shapeBefore: (skewness: Double, kurtosis: Double),
  shapeAfter: (skewness: Double, kurtosis: Double)
) {
  chapter.say(
    "\nink unit over \(histogramBatchSize) images: before BN mean \(formatted(before.reduce(0, +) / Double(before.count), "%.4f")), "
      + "skewness \(formatted(shapeBefore.skewness, "%.4f")), kurtosis \(formatted(shapeBefore.kurtosis, "%.4f")); "
      + "after BN mean \(formatted(afterMoments.mean[0], "%.1e")), variance \(formatted(afterMoments.variance[0], "%.6f")), "
      + "skewness \(formatted(shapeAfter.skewness, "%.4f")), kurtosis \(formatted(shapeAfter.kurtosis, "%.4f"))"
  )
  chapter.log.scalar("ink unit skewness before BN", shapeBefore.skewness)
  chapter.log.scalar("ink unit kurtosis before BN", shapeBefore.kurtosis)
}
