import Foundation

/// The book's table of contents, shared by the chapters, the runner, the page renderer (which
/// also writes the README's table of chapters from it) and the tests, so that what the harness
/// needs to know of a chapter is written once, in its entry: number, directory, title, paper
/// sections, whether it has a long tier, which training step dominates its time, whether its
/// runs train side by side, and the knobs it reads. The CLI's help, the time estimate and the
/// long-tier check read these declarations; none of them names a chapter. Package.swift finds
/// the same chapters on disk; a test checks that the two agree.
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
  /// The training step that dominates the chapter's time: the estimate scales the last
  /// timed run's time for the chapter by this step here against there.
  public let timedStep: TimedStep
  /// Whether its independent runs train side by side (`--jobs`): the estimate then also
  /// scales by the runs side by side there against here.
  public let trainsSideBySide: Bool
  /// The chapter-specific knobs it reads (`--rates`, `--training-characters`, `--gamma`),
  /// with what each does in it: the CLI's help says them.
  public let knobs: [Knob]

  public init(
    number: Int, directory: String, title: String, paper: String, hasLongTier: Bool = false,
    timedStep: TimedStep = .mlp, trainsSideBySide: Bool = false, knobs: [Knob] = []
  ) {
    self.number = number
    self.directory = directory
    self.title = title
    self.paper = paper
    self.hasLongTier = hasLongTier
    self.timedStep = timedStep
    self.trainsSideBySide = trainsSideBySide
    self.knobs = knobs
  }

  enum CodingKeys: String, CodingKey {
    case number, directory, title, paper, hasLongTier, timedStep, trainsSideBySide, knobs
  }

  /// Entries written before chapters declared these read as declaring nothing.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    number = try c.decode(Int.self, forKey: .number)
    directory = try c.decode(String.self, forKey: .directory)
    title = try c.decode(String.self, forKey: .title)
    paper = try c.decode(String.self, forKey: .paper)
    hasLongTier = try c.decodeIfPresent(Bool.self, forKey: .hasLongTier) ?? false
    timedStep = try c.decodeIfPresent(TimedStep.self, forKey: .timedStep) ?? .mlp
    trainsSideBySide = try c.decodeIfPresent(Bool.self, forKey: .trainsSideBySide) ?? false
    knobs = try c.decodeIfPresent([Knob].self, forKey: .knobs) ?? []
  }

  /// The chapter's declaration of `flag`, if it reads it.
  public func knob(_ flag: Knob.Flag) -> Knob? { knobs.first { $0.flag == flag } }

  /// The two-digit prefix used in file names: `01`, `02`, ...
  public var prefix: String { number < 10 ? "0\(number)" : "\(number)" }

  /// `Chapter 1 — The transform`.
  public var heading: String { "Chapter \(number) — \(title)" }
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
