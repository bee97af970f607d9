import ArgumentParser

/// `companion fetch mnist|ptb`: filled in by the Datasets work.
struct FetchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fetch", abstract: "Download the real MNIST or Penn Treebank data, checksummed.")
  func run() throws { print("fetch: not yet implemented") }
}
