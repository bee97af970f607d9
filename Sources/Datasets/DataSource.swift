/// Where a data set came from, as a value that is printed at the start of a run and stored
/// in `results.json`, so that no figure is ever labelled "MNIST" when it was Fashion-MNIST.
public struct DataSource: Codable, CustomStringConvertible, Equatable, Sendable {
  /// Which family of data this is; chapters can branch on it (e.g. the paper's MNIST error
  /// rates are only comparable when `kind == .mnist`).
  public enum Kind: String, Codable, Sendable {
    case mnist, fashionMNIST, pennTreebankCharacters, pennTreebankWords, fortunes
  }

  /// Short name: "MNIST", "Fashion-MNIST", "Penn Treebank", "fortunes".
  public let name: String
  /// Where it was read from, e.g. "/data/mnist" or "Debian dataset-fashion-mnist, /usr/share/...".
  public let location: String
  /// Its size in words, e.g. "60000 train + 10000 test images, 28x28".
  public let summary: String
  public let kind: Kind

  public init(name: String, location: String, summary: String, kind: Kind) {
    self.name = name
    self.location = location
    self.summary = summary
    self.kind = kind
  }

  /// The label to put on figures: "MNIST (/data/mnist)".
  public var label: String { "\(name) (\(location))" }

  /// "MNIST (/data/mnist): 60000 train + 10000 test images, 28x28".
  public var description: String { "\(label): \(summary)" }
}
