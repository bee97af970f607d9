import ArgumentParser
import Companion
import Engine
import Foundation
import Randomness

/// `companion kernels`: which matrix-product kernels a run would use here, and why; with
/// `--product FILE`, one product on them, written out so two choices can be compared.
struct KernelsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "kernels",
    abstract:
      "Say which matrix-product kernels a run uses on this machine (with --native: its widest).")

  @Flag(help: "The kernels of --native runs: this CPU's widest.")
  var native = false

  @Option(
    help: ArgumentHelp(
      "Also compute a 64×256 · 256×1024 Float product of seeded matrices on them and write its entries to this file as JSON.",
      valueName: "file"))
  var product: String?

  func run() throws {
    let choice = KernelChoice.apply(native ? .native : .reproducible)
    print(choice.summary)
    guard let product else { return }
    var generator = RandomGenerator(seed: 7)
    let a = randomBuffer(64, 256, using: &generator).matrix
    let b = randomBuffer(256, 1024, using: &generator).matrix
    let c = matmul(a, b)
    try JSONEncoder().encode(c.storage).write(to: URL(fileURLWithPath: product), options: .atomic)
    print("wrote \(product)")
  }
}
