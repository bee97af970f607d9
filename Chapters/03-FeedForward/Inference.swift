import Companion
import Engine
import Foundation
import Plot

// Chapter 3's inference table: the trained BN network of Figure 1 evaluated five ways, the
// table the page shows, and what each alternative costs against Alg. 2's full pass.

/// Test accuracy (percent) of `network` using `statistics` as every BN layer's population.
func accuracy(
  _ network: FeedForwardNetwork<Float>, with statistics: [PopulationStatistics]
) -> Double {
  let bnLayers = network.batchNorms
  let saved = bnLayers.map(\.population)
  for (norm, population) in zip(bnLayers, statistics) { norm.population = population }
  defer { for (norm, population) in zip(bnLayers, saved) { norm.population = population } }
  return 100
    * network.accuracy(testX, labels: testSet.labels, batchSize: 1000, statistics: .population)
}

/// Evaluates the kept BN network every way of the table, records the table and the costs, and
/// returns each way's name (in the scalars' names), the page's wording and the accuracy.
@MainActor func inferenceTable() -> [(method: String, page: String, accuracy: Double)] {
  /// Each way of inference: its name (in the scalars' names), the page's wording, the accuracy.
  let rows: [(method: String, page: String, accuracy: Double)] = chapter.phase(
    "inference table"
  ) {
    let network = batchNormed.network!
    let bnLayers = network.batchNorms
    let fullPass = fixedBatches(
      trainingSet, count: fullPassBatches, size: batchSize, seed: populationSeed)
    estimatePopulation(of: network, over: fullPass)
    let full = bnLayers.map(\.population)
    estimatePopulation(of: network, over: curvePopulation)
    let subset = bnLayers.map(\.population)
    let batchStatistics = { (size: Int) in
      100 * network.accuracy(testX, labels: testSet.labels, batchSize: size, statistics: .batch)
    }
    let fullPassName =
      fullPass.count == trainingSet.count / batchSize
      ? "population statistics, full training pass (Alg. 2)"
      : "population statistics, \(fullPass.count) batches (Alg. 2; smoke run)"
    let rows = [
      (fullPassName, fullPassName, accuracy(network, with: full)),
      (
        "population statistics, \(curvePopulation.count) batches (the curves)",
        "population statistics, \(curvePopulation.count) training batches (the curves)",
        accuracy(network, with: subset)
      ),
      (
        "moving averages during training (momentum 0.1)",
        "moving averages during training (momentum 0.1)",
        accuracy(network, with: batchNormed.movingAverages)
      ),
      (
        "moving averages during training (momentum 0.01)",
        "moving averages during training (momentum 0.01)",
        accuracy(network, with: batchNormed.slowMovingAverages)
      ),
      (
        "average over all training steps",
        "plain average over all \(grouped(Double(steps))) training steps",
        accuracy(network, with: batchNormed.trainingAverages)
      ),
      (
        "batch statistics, test batches of 60", "batch statistics, test batches of 60",
        batchStatistics(60)
      ),
      (
        "batch statistics, test batches of 1000", "batch statistics, test batches of 1,000",
        batchStatistics(1000)
      ),
      (
        "batch statistics, whole test set (\(testSet.count))",
        "batch statistics, the whole test set", batchStatistics(testSet.count)
      ),
    ]
    // Leave the network with the statistics Alg. 2 prescribes.
    for (norm, population) in zip(bnLayers, full) { norm.population = population }
    return rows
  }
  chapter.say("\nInference with the trained BN network (test accuracy):")
  chapter.table(
    "inference", header: ["statistics used at inference", "test accuracy"],
    rows: rows.map { [$0.page, cell("%.2f%%", $0.accuracy)] })
  for (method, _, value) in rows {
    chapter.log.scalar("inference accuracy (%), \(method)", value)
  }
  // What each alternative costs against Alg. 2's full pass (a positive number is a loss).
  let fullPassAccuracy = rows[0].accuracy
  chapter.log.scalar(
    "inference accuracy, distance of the curves' batches from the full pass (points)",
    abs(fullPassAccuracy - rows[1].accuracy))
  for (k, name) in [
    (2, "moving averages (momentum 0.1)"), (3, "moving averages (momentum 0.01)"),
    (4, "average over all training steps"), (5, "batch statistics of 60"),
  ] {
    chapter.log.scalar(
      "inference accuracy, full pass − \(name) (points)",
      fullPassAccuracy - rows[k].accuracy)
  }
  return rows
}
