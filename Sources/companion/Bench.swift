import ArgumentParser
import Engine
import Foundation

/// `companion bench`: how fast is one training step of Ioffe & Szegedy's MNIST net, and how
/// close is it to the floor set by its matrix products alone?
///
/// The "GEMM bound" of a step is the time its matrix products take when run back to back
/// with nothing else: the best any implementation on this BLAS could do. The ratio
/// step / bound says how much the element-wise work and bookkeeping cost on top.
struct BenchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Time the MNIST MLP training step (with and without BN) against its GEMM bound.",
    discussion: """
      Runs on one OpenBLAS thread unless --threads says otherwise. Use a release build:
      swift build -c release && .build/release/companion bench
      """)

  @Option(help: "Training steps per timed repeat.") var steps = 2000
  @Option(help: "Timed repeats; the median is reported.") var repeats = 5
  @Option(help: "Mini-batch size (the paper's is 60).") var batch = 60
  @Option(help: "OpenBLAS threads.") var threads = 1
  @Option(help: "Seed for the random weights and data.") var seed: UInt64 = 1
  @Flag(help: "Also time the parts of a step: forward + loss, backward, optimizer update.")
  var breakdown = false

  func validate() throws {
    guard steps > 0, repeats > 0, batch > 1, threads > 0 else {
      throw ValidationError("steps, repeats and threads must be positive and batch at least 2")
    }
  }

  func run() throws {
    BLAS.setThreads(threads)
    #if DEBUG
      print("warning: this is a debug build; timings are meaningless (use swift build -c release)")
    #endif
    let widths = [784, 100, 100, 100, 10]
    var generator = RandomGenerator(seed: seed)
    let x = Matrix<Float>(rows: batch, cols: 784) { v in
      for i in v.indices { v[i] = Float(generator.nextUnit()) }
    }
    let labels = (0..<batch).map { _ in Int(generator.next() % 10) }

    let gemm = measureGEMMBound(widths: widths, batch: batch)
    var rows: [BenchRow] = []
    var parts: [(String, [(String, Double)])] = []
    for (name, convention) in [("plain", nil), ("BN", BatchNormConvention.paper)]
      as [(String, BatchNormConvention?)]
    {
      let network = FeedForwardNetwork<Float>(
        .init(inputs: 784, hidden: [100, 100, 100], outputs: 10, batchNorm: convention),
        using: &generator)
      var optimizer = SGD<Float>(learningRate: 0.01)
      for _ in 0..<200 { network.trainStep(x, labels: labels, optimizer: &optimizer) }
      var times: [Double] = []
      for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<steps { network.trainStep(x, labels: labels, optimizer: &optimizer) }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        times.append(elapsed / Double(steps))
      }
      let median = times.sorted()[times.count / 2]
      rows.append(BenchRow(name: name, milliseconds: median, gemmBound: gemm.milliseconds))
      if breakdown {
        parts.append((name, timeParts(network, x: x, labels: labels, optimizer: &optimizer)))
      }
    }

    print(
      "MNIST MLP 784-100-100-100-10 sigmoid, batch \(batch), \(threads) OpenBLAS thread(s), median of \(repeats)×\(steps) steps"
    )
    print("")
    print("  step    ms/step   GEMM-bound ms   step/bound")
    for row in rows {
      print(
        "  \(row.name.padding(toLength: 6, withPad: " ", startingAt: 0))"
          + String(format: "  %7.4f   %13.4f   %10.2f", row.milliseconds, row.gemmBound, row.ratio))
    }
    print("")
    print(
      String(
        format: "  sgemm on the step's shapes: %.1f GFLOP/s (%.2f MFLOP per step)", gemm.gflops,
        gemm.flops / 1e6))
    for (name, pieces) in parts {
      let text = pieces.map { String(format: "%@ %.4f", $0.0, $0.1) }.joined(separator: ", ")
      print("  \(name) step parts, ms: \(text)")
    }
    let json: [String: Any] = [
      "batch": batch, "threads": threads, "steps": steps, "repeats": repeats,
      "plain_ms": rows[0].milliseconds, "bn_ms": rows[1].milliseconds,
      "gemm_bound_ms": gemm.milliseconds, "sgemm_gflops": gemm.gflops,
      "plain_over_bound": rows[0].ratio, "bn_over_bound": rows[1].ratio,
    ]
    let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
  }
}

/// Times the three parts of a training step separately (medians over repeats of `count`).
func timeParts<O: Optimizer>(
  _ network: FeedForwardNetwork<Float>, x: Matrix<Float>, labels: [Int], optimizer: inout O,
  count: Int = 1000
) -> [(String, Double)] where O.Element == Float {
  var forward: [Double] = []
  var backward: [Double] = []
  var update: [Double] = []
  let parameters = network.parameters
  for _ in 0..<5 {
    var t = [0.0, 0.0, 0.0]
    for _ in 0..<count {
      let t0 = DispatchTime.now().uptimeNanoseconds
      let logits = network.forward(x, mode: .training)
      _ = network.loss.forward(logits: logits, labels: labels)
      let t1 = DispatchTime.now().uptimeNanoseconds
      network.backward(network.loss.backward())
      let t2 = DispatchTime.now().uptimeNanoseconds
      optimizer.step(parameters)
      let t3 = DispatchTime.now().uptimeNanoseconds
      t[0] += Double(t1 - t0)
      t[1] += Double(t2 - t1)
      t[2] += Double(t3 - t2)
    }
    forward.append(t[0] / 1e6 / Double(count))
    backward.append(t[1] / 1e6 / Double(count))
    update.append(t[2] / 1e6 / Double(count))
  }
  func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
  return [
    ("forward+loss", median(forward)), ("backward", median(backward)), ("update", median(update)),
  ]
}

struct BenchRow {
  var name: String
  var milliseconds: Double
  var gemmBound: Double
  var ratio: Double { milliseconds / gemmBound }
}

/// Times exactly the matrix products of one training step, with nothing in between:
/// forward x·W per layer; backward xᵀ·dy per layer and dy·Wᵀ for every layer but the first.
func measureGEMMBound(widths: [Int], batch: Int) -> (
  milliseconds: Double, gflops: Double, flops: Double
) {
  var generator = RandomGenerator(seed: 7)
  func random(_ r: Int, _ c: Int) -> Matrix<Float> {
    Matrix(rows: r, cols: c) { v in for i in v.indices { v[i] = Float(generator.nextUnit()) } }
  }
  let layers = zip(widths, widths.dropFirst()).map { (fanIn: $0, fanOut: $1) }
  let inputs = layers.map { random(batch, $0.fanIn) }
  let weights = layers.map { random($0.fanIn, $0.fanOut) }
  let deltas = layers.map { random(batch, $0.fanOut) }
  var outputs = layers.map { Matrix<Float>(rows: batch, cols: $0.fanOut) }
  var weightGradients = layers.map { Matrix<Float>(rows: $0.fanIn, cols: $0.fanOut) }
  var inputGradients = layers.map { Matrix<Float>(rows: batch, cols: $0.fanIn) }
  var flops = 0.0
  for (l, layer) in layers.enumerated() {
    flops += 2 * Double(batch * layer.fanIn * layer.fanOut) * (l == 0 ? 2 : 3)
  }
  func once() {
    for l in layers.indices {
      gemm(inputs[l], weights[l], into: &outputs[l])
    }
    for l in layers.indices.reversed() {
      gemm(inputs[l], deltas[l], into: &weightGradients[l], transposeA: true)
      if l > 0 { gemm(deltas[l], weights[l], into: &inputGradients[l], transposeB: true) }
    }
  }
  for _ in 0..<200 { once() }
  var best = Double.infinity
  for _ in 0..<5 {
    let count = 2000
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<count { once() }
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(count)
    best = min(best, elapsed)
  }
  return (best, flops / (best * 1e-3) / 1e9, flops)
}
