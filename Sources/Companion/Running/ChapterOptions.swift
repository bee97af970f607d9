import ArgumentParser
import Engine
import Foundation

/// The options every chapter takes, and the runner passes through unchanged.
///
/// They live in one `ParsableArguments` type so that `ch01-transform --help` and
/// `companion --help` describe the same flags with the same words.
public struct ChapterOptions: ParsableArguments, Sendable {
  @Option(
    help: ArgumentHelp(
      "Run size: smoke (seconds), book (the book's figures), long (\(Catalog.longTierChapters()): to convergence, about an hour) or paper (hours)."
    ))
  public var preset: Preset = .book

  @Option(help: "Seed of every random draw; the same seed and thread count reproduce a run.")
  public var seed: UInt64 = ChapterOptions.defaultSeed

  /// The seed of the book's own runs (the committed figures).
  public static let defaultSeed: UInt64 = 1

  @Option(
    help:
      "Matrix-product threads (OpenBLAS's; oneDNN's too with --native). More is faster but changes rounding; 1 is bitwise reproducible."
  )
  public var threads: Int = 1

  @Option(
    help: ArgumentHelp(
      "Independent training runs at a time, each in its own process (default: one per core, i.e. cores ÷ --threads). Results are bit-identical for any value.",
      valueName: "N"))
  public var jobs: Int?

  /// `--jobs`, or one job per core left by the BLAS threads of each.
  public var parallelJobs: Int {
    jobs ?? max(1, ProcessInfo.processInfo.activeProcessorCount / max(threads, 1))
  }

  @Option(help: "Override the preset's number of training steps.")
  public var steps: Int?

  @Option(help: "Override the preset's number of training epochs.")
  public var epochs: Int?

  @Option(
    help: ArgumentHelp(
      "Output directory (default: Figures/ for the book's own runs — book preset, seed 1, no step or epoch override — else runs/NN-preset-seedS/).",
      valueName: "dir"))
  public var out: String?

  @Option(help: ArgumentHelp("Directory with the four MNIST-format IDX files.", valueName: "dir"))
  public var mnist: String?

  @Option(
    help: ArgumentHelp("Directory with a character corpus (e.g. Penn Treebank).", valueName: "dir"))
  public var corpus: String?

  @Option(
    help: ArgumentHelp(
      "Learning rates a chapter tries, comma-separated, replacing its grid\(Catalog.knobHelp(.rates)).",
      valueName: "r1,r2,…"))
  public var rates: RateList?

  @Option(
    help: ArgumentHelp(
      "Characters of training text\(Catalog.knobHelp(.trainingCharacters)).",
      valueName: "N"))
  public var trainingCharacters: Int?

  @Option(
    help: ArgumentHelp(
      "Initial γ of the normalization layers\(Catalog.knobHelp(.gamma)).",
      valueName: "γ"))
  public var gamma: Double?

  /// The chapter-specific knobs given on the command line, by flag: a chapter that does not
  /// read one says so rather than silently ignoring it.
  public var givenKnobs: [String] {
    [
      rates == nil ? nil : Knob.Flag.rates, trainingCharacters == nil ? nil : .trainingCharacters,
      gamma == nil ? nil : .gamma,
    ].compactMap { $0?.rawValue }
  }

  /// Whether the run differs from its preset's own configuration (it then writes to a
  /// `-custom` directory, never over a committed one).
  public var isCustomised: Bool { steps != nil || epochs != nil || !givenKnobs.isEmpty }

  @Flag(
    help:
      "Matrix products on this CPU's widest kernels (AVX-512 where it has them) instead of the book's pinned AVX2 ones: faster, deterministic on this machine, but not the book's bits, so output goes to runs/…-native/."
  )
  public var native: Bool = false

  /// The kernels this run asks for.
  public var kernelMode: KernelChoice.Mode { native ? .native : .reproducible }

  @Flag(help: "No progress bars.")
  public var quiet: Bool = false

  @Option(
    help: ArgumentHelp(
      "Write a checkpoint every N training steps (and on Ctrl-C), and resume from it when run again. The paper and long presets checkpoint by default.",
      valueName: "N"))
  public var checkpointEvery: Int?

  @Flag(help: "Ignore a checkpoint of an earlier run and start over (it is replaced).")
  public var fresh: Bool = false

  /// Steps between checkpoints when the paper preset does not say.
  public static let defaultCheckpointInterval = 500

  /// Steps between checkpoints, or nil when this run writes none.
  public var checkpointInterval: Int? {
    checkpointEvery
      ?? (preset == .paper || preset == .long ? Self.defaultCheckpointInterval : nil)
  }

  public init() {}

  public mutating func validate() throws {
    guard threads >= 1 else {
      throw ValidationError("--threads must be at least 1, got \(threads).")
    }
    if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1, got \(jobs).") }
    if let steps, steps < 1 { throw ValidationError("--steps must be at least 1, got \(steps).") }
    if let epochs, epochs < 1 {
      throw ValidationError("--epochs must be at least 1, got \(epochs).")
    }
    if let trainingCharacters, trainingCharacters < 1_000 {
      throw ValidationError(
        "--training-characters must be at least 1000 (a few batches), got \(trainingCharacters).")
    }
    if let gamma, !(gamma > 0 && gamma.isFinite) {
      throw ValidationError("--gamma must be a positive number, got \(gamma).")
    }
    if let checkpointEvery, checkpointEvery < 1 {
      throw ValidationError("--checkpoint-every must be at least 1, got \(checkpointEvery).")
    }
  }

  /// The same options as command-line arguments, so the runner can hand them to a chapter.
  /// Defaults are spelled out (except `--out`, whose default depends on the chapter).
  public var arguments: [String] {
    var result = [
      "--preset", preset.rawValue, "--seed", String(seed), "--threads", String(threads),
    ]
    if let jobs { result += ["--jobs", String(jobs)] }
    if let steps { result += ["--steps", String(steps)] }
    if let epochs { result += ["--epochs", String(epochs)] }
    if let out { result += ["--out", out] }
    if let mnist { result += ["--mnist", mnist] }
    if let corpus { result += ["--corpus", corpus] }
    if let rates { result += ["--rates", rates.description] }
    if let trainingCharacters { result += ["--training-characters", String(trainingCharacters)] }
    if let gamma { result += ["--gamma", String(gamma)] }
    if native { result.append("--native") }
    if quiet { result.append("--quiet") }
    if let checkpointEvery { result += ["--checkpoint-every", String(checkpointEvery)] }
    if fresh { result.append("--fresh") }
    return result
  }
}

extension ChapterOptions {
  /// Parses `arguments`; on `--help` prints the help and exits 0, on a bad option prints the
  /// error and usage and exits 64 (EX_USAGE), naming `executable` rather than the type.
  public static func parseOrExit(_ arguments: [String], executable: String?) -> ChapterOptions {
    do {
      return try parse(arguments)
    } catch {
      let code = exitCode(for: error)
      var message = fullMessage(for: error)
      if let executable {
        for (generic, specific) in [
          ("Usage: chapter", "Usage: \(executable)"), ("USAGE: chapter", "USAGE: \(executable)"),
          ("'chapter --help'", "'\(executable) --help'"),
        ] {
          message = message.replacingOccurrences(of: generic, with: specific)
        }
      }
      if code == .success {
        print(message)
      } else {
        FileHandle.standardError.write(Data((message + "\n").utf8))
      }
      Foundation.exit(code.rawValue)
    }
  }
}
