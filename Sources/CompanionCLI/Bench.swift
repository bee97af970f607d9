import ArgumentParser
import CAllocationCounter
import Companion
import Datasets
import Engine
import Foundation
import Randomness

/// `companion bench`: how fast is one training step of each of the book's models, how close
/// is it to the floor set by its matrix products alone, and does it allocate?
///
/// The "GEMM bound" of a step is the time its matrix products take when run back to back
/// with nothing else: the best any implementation on this BLAS could do. The fraction
/// bound / step says how much of the step is matrix products; the rest is element-wise work
/// and bookkeeping. Both are the fastest of several timed repeats: on a shared machine the
/// minimum is the run least disturbed by others, and a median of one against the minimum of
/// the other would charge the noise to the step. Allocations are counted over steady-state
/// steps by interposing malloc (Linux/glibc only).
struct BenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Time the book's training steps against their GEMM bounds; count allocations.",
    discussion: """
      Runs on one OpenBLAS thread unless --threads says otherwise. Use a release build:
      swift build -c release && .build/release/companion bench
      """)

  @Option(help: "Training steps per timed repeat of the MLP rows.") var steps = 100
  @Option(help: "Timed repeats; the fastest is reported, for the step and its bound alike.")
  var repeats = 101
  @Option(help: "Mini-batch size of the MLP rows (the paper's is 60).") var batch = 60
  @Option(help: "Timed repeats of the recurrent rows (one training step each).")
  var recurrentRepeats = 5
  @Option(help: "Matrix-product threads (OpenBLAS's, and oneDNN's in the native table).")
  var threads = 1
  @Option(help: "Seed for the random weights and data.") var seed: UInt64 = 1
  @Option(help: ArgumentHelp("Also write the numbers as JSON to this file.", valueName: "file"))
  var json: String?
  @Flag(help: "Also time the parts of an MLP step: forward + loss, backward, optimizer update.")
  var breakdown = false
  /// Which kernels to time the products on.
  enum Modes: String, ExpressibleByArgument, CaseIterable {
    case reproducible, native, both
  }
  @Option(
    help:
      "Time the steps on the book's pinned OpenBLAS kernels (reproducible), on this CPU's widest (native, the chapters' --native), or both, one table each."
  )
  var mode: Modes = .both
  @Option(
    help: ArgumentHelp(
      "Only the rows whose names contain one of these (comma-separated), e.g. BN-MLP.",
      valueName: "names"))
  var only: String?

  /// Whether the row called `name` is to run.
  func includes(_ name: String) -> Bool {
    guard let only else { return true }
    return only.split(separator: ",").contains { name.contains($0) }
  }

  func validate() throws {
    guard steps > 0, repeats > 0, batch > 1, threads > 0 else {
      throw ValidationError("steps, repeats and threads must be positive and batch at least 2")
    }
  }

  func run() throws {
    // OpenBLAS's kernels are fixed when it loads: the native table comes from a second
    // process, started after this one's table is printed.
    let kernels = KernelChoice.apply(mode == .native ? .native : .reproducible)
    try measure(kernels: kernels)
    if mode == .both { try benchNatively() }
  }

  /// Runs this bench again with `--mode native`, the same options otherwise (its JSON beside
  /// this one's, with "-native" in its name).
  func benchNatively() throws {
    var arguments = Array(CommandLine.arguments.dropFirst())
    if let index = arguments.firstIndex(of: "--mode") {
      arguments.removeSubrange(index...index + 1)
    }
    arguments.removeAll { $0.hasPrefix("--mode=") }
    if let json, let index = arguments.firstIndex(of: json) {
      let url = URL(fileURLWithPath: json)
      arguments[index] =
        url.deletingPathExtension().path + "-native."
        + (url.pathExtension.isEmpty ? "json" : url.pathExtension)
    }
    print("")
    fflush(nil)  // this table first, then the child's
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
    process.arguments = arguments + ["--mode", "native"]
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw ExitCode(process.terminationStatus) }
  }

  func measure(kernels: KernelChoice) throws {
    BLAS.setThreads(threads)
    #if DEBUG
      print("warning: this is a debug build; timings are meaningless (use swift build -c release)")
    #endif
    var rows: [BenchRow] = []
    var notes: [String] = []
    let mlp = MLPBench(batch: batch, seed: seed)
    for batchNorm in [false, true] where includes(batchNorm ? "BN-MLP" : "MLP") {
      let (row, parts) = mlp.measure(
        batchNorm: batchNorm, steps: steps, repeats: repeats, breakdown: breakdown)
      rows.append(row)
      if let parts {
        let text = parts.map { String(format: "%@ %.4f", $0.0, $0.1) }.joined(separator: ", ")
        notes.append("\(row.name) step parts, ms: \(text)")
      }
    }
    if includes("BN-MLP, run loop") {
      let row = try mlp.measureInRunLoop(steps: steps, repeats: max(repeats / 20, 3))
      rows.append(row)
      if let engine = rows.first(where: { $0.name == "BN-MLP" }) {
        notes.append(
          String(
            format:
              "Chapter 3's step in the run loop (a batch gathered from 6,000 images, three population estimates, checks and checkpoints): %.4f ms, %+.1f%% on the engine's BN-MLP step",
            row.millisecondsPerStep,
            100 * (row.millisecondsPerStep / engine.millisecondsPerStep - 1)))
      }
    }
    if let bound = rows.first(where: { $0.name.hasSuffix("MLP") })?.gemmBoundMilliseconds {
      notes.append(
        String(
          format: "sgemm on the MLP step's shapes: %.1f GFLOP/s (%.2f MFLOP per step)",
          mlp.products.flops / (bound * 1e-3) / 1e9, mlp.products.flops / 1e6))
    }
    let recurrent = [nil, RecurrentNormalization.Normalizer.batch, .layer].flatMap { normalizer in
      let prefix = normalizer.map { $0.abbreviation.uppercased() + "-" } ?? ""
      return [
        RecurrentBench(
          name: "\(prefix)LSTM T=784", input: .pixels, steps: 784, batch: 64, hidden: 100,
          normalizer: normalizer, seed: seed),
        RecurrentBench(
          name: "\(prefix)LSTM char", input: .characters(vocabulary: 55), steps: 100, batch: 64,
          hidden: 256, normalizer: normalizer, seed: seed),
      ]
    }
    for bench in recurrent where includes(bench.name) {
      rows.append(bench.measure(repeats: recurrentRepeats).perTimeStep(bench.steps))
    }
    if includes("kernels") { notes += ElementwiseBench.lines(repeats: repeats) }

    print(
      "companion bench: \(threads) matrix-product thread(s), fastest of \(repeats) repeats, seed \(seed)"
    )
    print(kernels.summary)
    print(BenchRow.table(rows))
    for note in notes { print("  " + note) }
    if allocation_counter_available() == 0 {
      print("  (allocations are counted on Linux with glibc only)")
    }
    if let json {
      let report = BenchReport(
        threads: threads, repeats: repeats, seed: seed, kernels: kernels, rows: rows,
        machineLoad: BenchReport.loadAverage())
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      try encoder.encode(report).write(to: URL(fileURLWithPath: json), options: .atomic)
      print("  wrote \(json)")
    }
  }
}

/// One line of the bench table.
struct BenchRow: Codable {
  var name: String
  var shape: String
  var millisecondsPerStep: Double
  var gemmBoundMilliseconds: Double
  /// Heap allocations per step in the steady state (nil where they cannot be counted).
  var allocationsPerStep: Double?
  /// Time steps per training step, for the recurrent rows.
  var timeSteps: Int?
  var millisecondsPerTimeStep: Double? { timeSteps.map { millisecondsPerStep / Double($0) } }

  func perTimeStep(_ steps: Int) -> BenchRow {
    var row = self
    row.timeSteps = steps
    return row
  }
  /// bound / step: the share of the step that is matrix products.
  var fractionOfBound: Double { gemmBoundMilliseconds / millisecondsPerStep }

  static func table(_ rows: [BenchRow]) -> String {
    var lines = [
      "",
      "  step               ms/step   ms/time step   GEMM-bound ms   % of bound   allocations/step   shape",
    ]
    for row in rows {
      let allocations = row.allocationsPerStep.map { String(format: "%.1f", $0) } ?? "-"
      let perTimeStep = row.millisecondsPerTimeStep.map { String(format: "%.4f", $0) } ?? "-"
      lines.append(
        "  " + row.name.padding(toLength: 16, withPad: " ", startingAt: 0)
          + String(format: "  %8.4f", row.millisecondsPerStep) + perTimeStep.leftPadded(to: 15)
          + String(
            format: "   %13.4f   %9.1f%%", row.gemmBoundMilliseconds, 100 * row.fractionOfBound)
          + allocations.leftPadded(to: 19) + "   " + row.shape)
    }
    return lines.joined(separator: "\n") + "\n"
  }

  enum CodingKeys: String, CodingKey {
    case name, shape, millisecondsPerStep, gemmBoundMilliseconds, allocationsPerStep
    case fractionOfBound, timeSteps, millisecondsPerTimeStep
  }

  init(
    name: String, shape: String, millisecondsPerStep: Double, gemmBoundMilliseconds: Double,
    allocationsPerStep: Double?
  ) {
    self.name = name
    self.shape = shape
    self.millisecondsPerStep = millisecondsPerStep
    self.gemmBoundMilliseconds = gemmBoundMilliseconds
    self.allocationsPerStep = allocationsPerStep
  }

  init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    name = try c.decode(String.self, forKey: .name)
    shape = try c.decode(String.self, forKey: .shape)
    millisecondsPerStep = try c.decode(Double.self, forKey: .millisecondsPerStep)
    gemmBoundMilliseconds = try c.decode(Double.self, forKey: .gemmBoundMilliseconds)
    allocationsPerStep = try c.decodeIfPresent(Double.self, forKey: .allocationsPerStep)
    timeSteps = try c.decodeIfPresent(Int.self, forKey: .timeSteps)
  }

  func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(name, forKey: .name)
    try c.encode(shape, forKey: .shape)
    try c.encode(millisecondsPerStep, forKey: .millisecondsPerStep)
    try c.encode(gemmBoundMilliseconds, forKey: .gemmBoundMilliseconds)
    try c.encodeIfPresent(allocationsPerStep, forKey: .allocationsPerStep)
    try c.encode(fractionOfBound, forKey: .fractionOfBound)
    try c.encodeIfPresent(timeSteps, forKey: .timeSteps)
    try c.encodeIfPresent(millisecondsPerTimeStep, forKey: .millisecondsPerTimeStep)
  }
}

/// What `--json` writes.
struct BenchReport: Codable {
  var threads: Int
  var repeats: Int
  var seed: UInt64
  var kernels: KernelChoice
  var rows: [BenchRow]
  /// The 1, 5 and 15 minute load averages when the bench ended: timings on a busy machine
  /// are not comparable.
  var machineLoad: [Double]

  static func loadAverage() -> [Double] {
    var loads = [Double](repeating: 0, count: 3)
    return getloadavg(&loads, 3) == 3 ? loads : []
  }
}

/// Runs `body` `count` times and returns the allocations per call (nil where not countable).
func allocationsPerCall(_ count: Int, _ body: () -> Void) -> Double? {
  guard allocation_counter_available() != 0 else {
    for _ in 0..<count { body() }
    return nil
  }
  allocation_counter_start()
  for _ in 0..<count { body() }
  return Double(allocation_counter_stop()) / Double(count)
}

/// The median over `repeats` of the milliseconds per call of `body`, run `count` times each.
func medianMilliseconds(repeats: Int, count: Int, _ body: () -> Void) -> Double {
  var times: [Double] = []
  for _ in 0..<repeats {
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<count { body() }
    times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(count))
  }
  return times.sorted()[times.count / 2]
}

/// The fastest milliseconds per call of `step` and of `bound` over `repeats` rounds of `count`
/// calls each, the two alternating: on a machine whose speed drifts (other tenants, clocks),
/// both see the same conditions, so their ratio is steadier than that of separate runs.
func interleavedBest(repeats: Int, count: Int, step: () -> Void, bound: () -> Void) -> (
  step: Double, bound: Double
) {
  var best = (step: Double.infinity, bound: Double.infinity)
  for _ in 0..<repeats {
    best.bound = min(best.bound, bestMilliseconds(repeats: 1, count: count, bound))
    best.step = min(best.step, bestMilliseconds(repeats: 1, count: count, step))
  }
  return best
}

/// The best over `repeats` of the milliseconds per call of `body` (for the bounds: the floor).
func bestMilliseconds(repeats: Int, count: Int, _ body: () -> Void) -> Double {
  fastestMilliseconds(repeats: repeats, count: count, body)
}

extension String {
  func leftPadded(to width: Int) -> String {
    count >= width ? self : String(repeating: " ", count: width - count) + self
  }
}

/// A matrix of uniform [0, 1) values, as a buffer.
func randomBuffer(_ rows: Int, _ cols: Int, using generator: inout RandomGenerator) -> Buffer<Float>
{
  let buffer = Buffer<Float>(rows: rows, cols: cols)
  let view = buffer.view
  for r in 0..<rows { for c in 0..<cols { view[r, c] = Float(generator.nextUnit()) } }
  return buffer
}

/// What the bench's training loop records: nothing but the loop's own facts.
struct LoopBenchRecord: TrainingRecord {
  var divergedAt: Int?
  var seconds = 0.0
}

/// Ioffe & Szegedy's MNIST network, 784-100-100-100-10 sigmoid, with and without BN.
struct MLPBench {
  let widths = [784, 100, 100, 100, 10]
  let batch: Int
  let seed: UInt64
  /// The matrix products of one step, back to back; and their FLOPs.
  let products: GEMMBound

  init(batch: Int, seed: UInt64) {
    self.batch = batch
    self.seed = seed
    products = GEMMBound(widths: widths, batch: batch)
  }

  func measure(batchNorm: Bool, steps: Int, repeats: Int, breakdown: Bool) -> (
    BenchRow, [(String, Double)]?
  ) {
    var generator = RandomGenerator(seed: seed)
    let x = Matrix<Float>(rows: batch, cols: 784) { v in
      for i in v.indices { v[i] = Float(generator.nextUnit()) }
    }
    let labels = (0..<batch).map { _ in Int(generator.next() % 10) }
    let network = FeedForwardNetwork<Float>(
      .init(
        inputs: 784, hidden: [100, 100, 100], outputs: 10,
        normalization: batchNorm ? .batch(.paper) : nil),
      using: &generator)
    var optimizer = SGD<Float>(learningRate: 0.01)
    let step = { _ = network.trainStep(x, labels: labels, optimizer: &optimizer) }
    for _ in 0..<200 { step() }
    let allocations = allocationsPerCall(100, step)
    for _ in 0..<200 { products.run() }
    let best = interleavedBest(repeats: repeats, count: steps, step: step, bound: products.run)
    let row = BenchRow(
      name: batchNorm ? "BN-MLP" : "MLP",
      shape: "784-100-100-100-10 sigmoid, batch \(batch), SGD",
      millisecondsPerStep: best.step, gemmBoundMilliseconds: best.bound,
      allocationsPerStep: allocations)
    return (row, breakdown ? parts(network, x: x, labels: labels, optimizer: &optimizer) : nil)
  }

  /// Chapter 3's training step as the chapter runs it: through the book's training loop
  /// (`TrainingRun`), each batch gathered from a set of images by an `ImageBatchStream`, batch
  /// statistics, and after every step the three population estimates the chapter tracks.
  /// Each repeat is one run of 10 × `steps` steps; its bound is timed between repeats.
  func measureInRunLoop(steps: Int, repeats: Int) throws -> BenchRow {
    var generator = RandomGenerator(seed: seed)
    let count = 6_000
    let images = ImageSet(
      count: count, rows: 28, cols: 28,
      pixels: (0..<(count * 784)).map { _ in Float(generator.nextUnit()) },
      labels: (0..<count).map { _ in Int(generator.next() % 10) })
    let chapter = try Chapter(
      number: 3, arguments: ["--quiet", "--out", FileManager.default.temporaryDirectory.path],
      printer: { _ in })
    // One network, stream and set of estimates, warmed up like the engine's row; each
    // repeat is a run of the loop over `loopSteps` steps (its end — the parameters'
    // fingerprint — included), continuing to train the same network.
    var weights = RandomGenerator(seed: seed)
    let network = FeedForwardNetwork<Float>(
      .init(inputs: 784, hidden: [100, 100, 100], outputs: 10, normalization: .batch(.paper)),
      using: &weights)
    var optimizer = SGD<Float>(learningRate: 0.01)
    var batches = ImageBatchStream(images, size: batch, seed: seed)
    let conventions: [BatchNormConvention] = [.pytorch, .keras, .paper]
    var estimates = conventions.map { convention in
      (0..<3).map { _ in PopulationStatistics(features: 100, convention: convention) }
    }
    let loopSteps = 10 * steps
    func makeRun() -> TrainingRun<FeedForwardNetwork<Float>, LoopBenchRecord> {
      let state = RunState()
      state.track("batches", get: { batches.indices }, set: { batches.indices = $0 })
      state.track("estimates", get: { estimates }, set: { estimates = $0 })
      return TrainingRun(
        name: "BN-MLP", steps: loopSteps,
        schedule: EvaluationSchedule(total: loopSteps, steps: []), model: network, state: state,
        record: LoopBenchRecord(),
        step: { _ in
          let batch = batches.next()
          return Double(
            network.trainStep(
              batch.x, labels: batch.labels, optimizer: &optimizer, statistics: .batch))
        },
        afterStep: { _, _ in
          for (l, norm) in network.batchNorms.enumerated() {
            let (mean, variance) = norm.lastBatchStatistics
            for k in estimates.indices {
              estimates[k][l].update(batchMean: mean, batchVariance: variance, batchSize: batch)
            }
          }
        },
        measure: { _, _, _ in [] })
    }
    _ = try makeRun().train(in: chapter, checkpoints: NoCheckpoints())
    var best = (step: Double.infinity, bound: Double.infinity)
    for _ in 0..<200 { products.run() }
    for _ in 0..<repeats {
      let run = makeRun()
      let start = DispatchTime.now().uptimeNanoseconds
      _ = try run.train(in: chapter, checkpoints: NoCheckpoints())
      let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
      best.step = min(best.step, milliseconds / Double(loopSteps))
      best.bound = min(best.bound, bestMilliseconds(repeats: 1, count: steps, products.run))
    }
    return BenchRow(
      name: "BN-MLP, run loop", shape: "Chapter 3's step: stream, loop, estimates",
      millisecondsPerStep: best.step, gemmBoundMilliseconds: best.bound, allocationsPerStep: nil)
  }

  /// Times the three parts of a training step separately (medians).
  func parts<O: Optimizer>(
    _ network: FeedForwardNetwork<Float>, x: Matrix<Float>, labels: [Int], optimizer: inout O,
    count: Int = 1000
  ) -> [(String, Double)] where O.Element == Float {
    x.withView { x in
      var optimizer = optimizer
      let forward = medianMilliseconds(repeats: 5, count: count) {
        let logits = network.forward(x, statistics: .batchAndTrack)
        _ = network.loss.forward(logits: logits, labels: labels)
      }
      let backward = medianMilliseconds(repeats: 5, count: count) {
        network.backward(network.loss.backwardView())
      }
      let update = medianMilliseconds(repeats: 5, count: count) {
        optimizer.step(network.parameters)
      }
      return [("forward+loss", forward), ("backward", backward), ("update", update)]
    }
  }
}

/// Exactly the matrix products of one MLP training step, with nothing in between: forward
/// x·W per layer; backward xᵀ·dy per layer and dy·Wᵀ for every layer but the first.
final class GEMMBound {
  let flops: Double
  private let inputs, weights, deltas, outputs, weightGradients, inputGradients: [Buffer<Float>]

  init(widths: [Int], batch: Int) {
    var generator = RandomGenerator(seed: 7)
    let layers = zip(widths, widths.dropFirst()).map { (fanIn: $0, fanOut: $1) }
    inputs = layers.map { randomBuffer(batch, $0.fanIn, using: &generator) }
    weights = layers.map { randomBuffer($0.fanIn, $0.fanOut, using: &generator) }
    deltas = layers.map { randomBuffer(batch, $0.fanOut, using: &generator) }
    outputs = layers.map { Buffer<Float>(rows: batch, cols: $0.fanOut) }
    weightGradients = layers.map { Buffer<Float>(rows: $0.fanIn, cols: $0.fanOut) }
    inputGradients = layers.map { Buffer<Float>(rows: batch, cols: $0.fanIn) }
    flops = layers.enumerated().reduce(0) { total, layer in
      total + 2 * Double(batch * layer.element.fanIn * layer.element.fanOut)
        * (layer.offset == 0 ? 2 : 3)
    }
  }

  func run() {
    for l in inputs.indices {
      gemm(inputs[l].view, weights[l].view, into: outputs[l].view)
    }
    for l in inputs.indices.reversed() {
      gemm(inputs[l].view, deltas[l].view, into: weightGradients[l].view, transposeA: true)
      if l > 0 {
        gemm(deltas[l].view, weights[l].view, into: inputGradients[l].view, transposeB: true)
      }
    }
  }
}

/// The element-wise functions on a 64×1024 Float block (an LSTM step's gates at hidden 256):
/// the vectorised tanh and sigmoid against libm's scalar tanhf and expf.
enum ElementwiseBench {
  static func lines(repeats: Int) -> [String] {
    var generator = RandomGenerator(seed: 3)
    let x = Buffer<Float>(rows: 64, cols: 1024)
    let y = Buffer<Float>(rows: 64, cols: 1024)
    let (xs, ys, n) = (x.view.base, y.view.base, 64 * 1024)
    for i in 0..<n { xs[i] = Float(generator.nextGaussian() * 3) }
    func time(_ body: () -> Void) -> Double {
      medianMilliseconds(repeats: repeats, count: 200, body) * 1000
    }
    let fastTanh = time { activate(.tanh, x.view, into: y.view) }
    let libmTanh = time { for i in 0..<n { ys[i] = Float.tanh(xs[i]) } }
    let fastSigmoid = time { activate(.sigmoid, x.view, into: y.view) }
    let libmSigmoid = time { for i in 0..<n { ys[i] = 1 / (1 + Float.exp(-xs[i])) } }
    // One BN layer of the MLP, 60×100, forward with batch statistics and backward.
    let bn = BatchNorm<Float>(features: 100, activation: .sigmoid)
    let z = randomBuffer(60, 100, using: &generator)
    let dh = randomBuffer(60, 100, using: &generator)
    let bnForward = time { _ = bn.forward(z.view, statistics: .batch) }
    let bnBackward = time { _ = bn.backward(dh.view) }
    let plain = ActivationLayer<Float>(.sigmoid)
    let sigmoidForward = time { _ = plain.forward(z.view, statistics: .batch) }
    let sigmoidBackward = time { _ = plain.backward(dh.view) }
    return [
      String(
        format:
          "60×100 Float, µs: BN+sigmoid forward %.2f, backward %.2f; sigmoid alone forward %.2f, backward %.2f",
        bnForward, bnBackward, sigmoidForward, sigmoidBackward),
      String(
        format:
          "64×1024 Float, µs: tanh %.1f vectorised / %.1f libm (%.1f×); sigmoid %.1f vectorised / %.1f libm (%.1f×)",
        fastTanh, libmTanh, libmTanh / fastTanh, fastSigmoid, libmSigmoid,
        libmSigmoid / fastSigmoid),
    ]
  }
}
