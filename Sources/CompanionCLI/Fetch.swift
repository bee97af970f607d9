import ArgumentParser
import Datasets
import Foundation

/// `companion fetch mnist|ptb [--to DIR] [--from URL]`: downloads the real data sets that the
/// book otherwise replaces with Debian's Fashion-MNIST and fortunes, checking each file's
/// SHA-256 against digests published by two independent projects (see `FetchPlan`).
struct FetchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fetch", abstract: "Download the real MNIST or Penn Treebank data, checksummed.",
    discussion: """
      mnist: the four MNIST .gz files (origin yann.lecun.com/exdb/mnist, from the mirror \
      torchvision uses). ptb: Mikolov's ptb.{train,valid,test}.txt word files. Files are \
      written atomically and verified; files already present and valid are kept.
      The base URL can be overridden with --from or \(Fetcher.baseURLVariable) (http, https \
      or file://, e.g. a local mirror).
      """)

  @Argument(help: "What to download: mnist or ptb.")
  var dataset: String

  @Option(
    name: .customLong("to"), help: "Directory to download into (default: data/mnist or data/ptb).")
  var directory: String?

  @Option(
    name: .customLong("from"), help: "Base URL to download from instead of the canonical one.")
  var baseURL: String?

  func validate() throws {
    guard FetchPlan.all[dataset] != nil else {
      throw ValidationError("unknown dataset '\(dataset)': expected mnist or ptb")
    }
  }

  func run() throws {
    let canonical = FetchPlan.all[dataset]!
    let directory = self.directory ?? "data/\(canonical.name)"
    do {
      let base = try Fetcher.baseURL(
        option: baseURL, environment: ProcessInfo.processInfo.environment,
        default: canonical.baseURL)
      let plan = canonical.from(base)
      print("Fetching \(plan.name) from \(plan.baseURL.absoluteString) into \(directory)")
      print("Origin: \(plan.origin)")
      let fetcher = Fetcher(log: { print("  " + $0) })
      try fetcher.fetch(plan, to: directory)
      print("Done. Use it with: \(plan.useWith) \(directory)")
    } catch {
      FileHandle.standardError.write(Data("companion fetch: \(error)\n".utf8))
      throw ExitCode.failure
    }
  }
}
