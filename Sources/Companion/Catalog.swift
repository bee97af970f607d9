import Foundation

/// The book's table of contents, shared by the chapters, the runner, the page renderer (which
/// also writes the README's table of chapters from it) and the tests, so that a chapter's
/// number, directory, title and paper sections are written once. Package.swift finds the same
/// chapters on disk; a test checks that the two agree.
public struct ChapterInfo: Sendable, Equatable, Codable {
  /// 1-based position in the book; also the `NN` prefix of every file the chapter writes.
  public let number: Int
  /// Directory under `Chapters/`, e.g. `01-Transform`.
  public let directory: String
  /// Executable product name, e.g. `ch01-transform`: "ch" and the directory in lower case,
  /// the rule Package.swift builds the products by (it finds the chapters on disk).
  public var executable: String { "ch" + directory.lowercased() }
  /// Human title, e.g. `The transform`.
  public let title: String
  /// Where in the papers the chapter's material comes from.
  public let paper: String
  /// Whether the chapter has a `long` preset (models trained to convergence on more data),
  /// whose results are committed in `Figures/long/` beside the book's.
  public let hasLongTier: Bool

  public init(
    number: Int, directory: String, title: String, paper: String, hasLongTier: Bool = false
  ) {
    self.number = number
    self.directory = directory
    self.title = title
    self.paper = paper
    self.hasLongTier = hasLongTier
  }

  enum CodingKeys: String, CodingKey { case number, directory, title, paper, hasLongTier }

  /// Entries written before chapters had long tiers read as having none.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    number = try c.decode(Int.self, forKey: .number)
    directory = try c.decode(String.self, forKey: .directory)
    title = try c.decode(String.self, forKey: .title)
    paper = try c.decode(String.self, forKey: .paper)
    hasLongTier = try c.decodeIfPresent(Bool.self, forKey: .hasLongTier) ?? false
  }

  /// The two-digit prefix used in file names: `01`, `02`, ...
  public var prefix: String { number < 10 ? "0\(number)" : "\(number)" }

  /// `Chapter 1 — The transform`.
  public var heading: String { "Chapter \(number) — \(title)" }
}

/// All chapters, in reading order.
public enum Catalog {
  public static let chapters: [ChapterInfo] = [
    ChapterInfo(
      number: 1, directory: "01-Transform", title: "The transform",
      paper: "Ioffe & Szegedy 2015, §3-3.3, Alg. 1-2"),
    ChapterInfo(
      number: 2, directory: "02-Backprop", title: "Backpropagation through the batch",
      paper: "Ioffe & Szegedy 2015, §3, §3.3, Alg. 2"),
    ChapterInfo(
      number: 3, directory: "03-FeedForward", title: "A feed-forward network on MNIST",
      paper: "Ioffe & Szegedy 2015, §3.1-3.4, §4.1-4.2"),
    ChapterInfo(
      number: 4, directory: "04-RecurrentInput",
      title: "Normalising the input of a recurrent network", paper: "Laurent et al. 2016",
      hasLongTier: true),
    ChapterInfo(
      number: 5, directory: "05-RecurrentBN", title: "Recurrent batch normalization",
      paper: "Cooijmans et al. 2017, §3-5", hasLongTier: true),
  ]

  /// The chapter with this number, or nil if the book has no such chapter.
  public static func chapter(number: Int) -> ChapterInfo? {
    chapters.first { $0.number == number }
  }
}

extension ChapterInfo {
  /// The chapter's literate source, `Chapters/NN-Name/main.swift` under the package root.
  public func source(in root: URL) -> URL {
    root.appendingPathComponent("Chapters/\(directory)/main.swift")
  }

  /// Whether the chapter exists yet (the catalog also lists the chapters still to come).
  public func isWritten(in root: URL) -> Bool {
    FileManager.default.fileExists(atPath: source(in: root).path)
  }
}
