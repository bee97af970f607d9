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
      paper: "Ioffe & Szegedy 2015, §3.1-3.4, §4.1-4.2", trainsSideBySide: true),
    ChapterInfo(
      number: 4, directory: "04-RecurrentInput",
      title: "Normalising the input of a recurrent network", paper: "Laurent et al. 2016",
      hasLongTier: true, timedStep: .characterLSTM, trainsSideBySide: true,
      knobs: [
        Knob(.rates, "its five models' grid"),
        Knob(.trainingCharacters, "the first N of the training split"),
        Knob(.gamma, "its input BN's", defaultValue: 1),
      ]),
    ChapterInfo(
      number: 5, directory: "05-RecurrentBN", title: "Recurrent batch normalization",
      paper: "Cooijmans et al. 2017, §3-5", hasLongTier: true, timedStep: .pixelLSTM,
      trainsSideBySide: true,
      knobs: [
        Knob(.rates, "its character models' grid"),
        Knob(.trainingCharacters, "the first N of the training split"),
        Knob(.gamma, "its BN-LSTM's on text", defaultValue: 0.1),
      ]),
  ]

  /// The chapter with this number, or nil if the book has no such chapter.
  public static func chapter(number: Int) -> ChapterInfo? {
    chapters.first { $0.number == number }
  }
}

/// The training steps `companion` times for its estimate (`StepCalibration`).
public enum TimedStep: String, Codable, Sendable, CaseIterable {
  /// Chapter 3's MLP with BN, batch 60.
  case mlp
  /// The BN-LSTM over 196 pixels, batch 64.
  case pixelLSTM
  /// The character BN-LSTM over 100 characters, batch 64.
  case characterLSTM
}

/// A chapter-specific option a chapter reads, declared in its catalog entry.
public struct Knob: Codable, Equatable, Sendable {
  public enum Flag: String, Codable, Sendable, CaseIterable {
    case rates = "--rates"
    case trainingCharacters = "--training-characters"
    case gamma = "--gamma"
  }

  public let flag: Flag
  /// What the knob sets in this chapter ("its five models' grid").
  public let use: String
  /// The value when the flag is not given, where one value serves every preset (γ); knobs
  /// whose default depends on the preset (a grid, a text's length) keep it in the chapter's
  /// preset table.
  public let defaultValue: Double?

  public init(_ flag: Flag, _ use: String, defaultValue: Double? = nil) {
    self.flag = flag
    self.use = use
    self.defaultValue = defaultValue
  }

  /// "chapter 4: its input BN's, default 1".
  func help(chapter: Int) -> String {
    let value = defaultValue.map { ", default \(String(format: "%g", $0))" } ?? ""
    return "chapter \(chapter): \(use)\(value)"
  }
}

extension Catalog {
  /// "(chapter 4: …; chapter 5: …)" for `flag`, from the chapters that declare it; empty if
  /// none does.
  public static func knobHelp(_ flag: Knob.Flag, in chapters: [ChapterInfo] = chapters) -> String {
    let uses = chapters.compactMap { chapter in chapter.knob(flag)?.help(chapter: chapter.number) }
    return uses.isEmpty ? "" : " (" + uses.joined(separator: "; ") + ")"
  }

  /// "chapters 4, 5", the chapters with a long tier, for the help of `--preset`.
  public static func longTierChapters(in chapters: [ChapterInfo] = chapters) -> String {
    let numbers = chapters.filter(\.hasLongTier).map { String($0.number) }
    switch numbers.count {
    case 0: return "no chapter"
    case 1: return "chapter \(numbers[0])"
    default: return "chapters " + numbers.joined(separator: ", ")
    }
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
