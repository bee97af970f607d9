import Foundation

/// Everything a chapter run leaves behind, as `<out>/<NN>-results.json`.
///
/// It is what the runner summarises, what `companion render` puts under a chapter's page and
/// what the chapter tests assert on, so it decodes back into this same type.
public struct Results: Codable, Sendable, Equatable {
  public enum Status: String, Codable, Sendable {
    /// The chapter ran to its end.
    case complete
    /// Ctrl-C or SIGTERM: the numbers are what existed when it stopped.
    case interrupted
  }

  /// How the run was configured: enough to repeat it.
  public struct Config: Codable, Sendable, Equatable {
    public var chapter: Int
    public var name: String
    public var title: String
    public var preset: Preset
    public var seed: UInt64
    public var threads: Int
    public var steps: Int?
    public var epochs: Int?
    public var data: [DataRecord]
    public var commandLine: [String]
    /// Which kernels computed the matrix products, and why (absent in results written before
    /// runs recorded it).
    public var kernels: KernelChoice?

    public init(
      chapter: Int, name: String, title: String, preset: Preset, seed: UInt64, threads: Int,
      steps: Int? = nil, epochs: Int? = nil, data: [DataRecord] = [], commandLine: [String] = [],
      kernels: KernelChoice? = nil
    ) {
      self.chapter = chapter
      self.name = name
      self.title = title
      self.preset = preset
      self.seed = seed
      self.threads = threads
      self.steps = steps
      self.epochs = epochs
      self.data = data
      self.commandLine = commandLine
      self.kernels = kernels
    }
  }

  /// A data set the chapter used, as the Datasets module described it.
  public struct DataRecord: Codable, Sendable, Equatable {
    /// "images" or "corpus".
    public var kind: String
    public var name: String
    public var location: String
    public var summary: String

    public init(kind: String, name: String, location: String, summary: String) {
      self.kind = kind
      self.name = name
      self.location = location
      self.summary = summary
    }
  }

  /// Wall-clock time of a named phase of the chapter.
  public struct Phase: Codable, Sendable, Equatable {
    public var name: String
    public var seconds: Double

    public init(name: String, seconds: Double) {
      self.name = name
      self.seconds = seconds
    }
  }

  public struct Timings: Codable, Sendable, Equatable {
    public var totalSeconds: Double
    public var phases: [Phase]

    public init(totalSeconds: Double, phases: [Phase] = []) {
      self.totalSeconds = totalSeconds
      self.phases = phases
    }
  }

  public struct Metrics: Codable, Sendable, Equatable {
    public var scalars: [String: Double]
    public var series: [MetricSeries]

    public init(scalars: [String: Double] = [:], series: [MetricSeries] = []) {
      self.scalars = scalars
      self.series = series
    }
  }

  /// A figure the chapter wrote; paths relative to the package root when inside it.
  public struct FigureRecord: Codable, Sendable, Equatable {
    public var name: String
    public var files: [String]

    public init(name: String, files: [String]) {
      self.name = name
      self.files = files
    }
  }

  /// A table the chapter printed, kept so the page shows the same rows (`{{table "name"}}`).
  /// Cells are text as the chapter wrote them; `**…**` marks a cell bold on the page.
  public struct Table: Codable, Sendable, Equatable {
    public var name: String
    public var header: [String]
    public var rows: [[String]]

    public init(name: String, header: [String], rows: [[String]]) {
      self.name = name
      self.header = header
      self.rows = rows
    }

    /// As a Markdown table, columns of numbers right-aligned.
    public var markdown: String {
      func line(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |" }
      let alignment = header.indices.map { c in
        rows.allSatisfy { c < $0.count && Self.isNumber($0[c]) } ? "---:" : "---"
      }
      return ([line(header), line(alignment)] + rows.map(line)).joined(separator: "\n")
    }

    /// Whether a cell reads as a number (bold marks aside): a digit, a sign or a minus first.
    static func isNumber(_ cell: String) -> Bool {
      let plain = cell.replacingOccurrences(of: "**", with: "")
      return plain.first.map { $0.isNumber || "+-−".contains($0) } ?? false
    }

    /// As aligned columns for a terminal, bold marks left out, numbers right-aligned.
    public var text: [String] {
      let plain = ([header] + rows).map { $0.map { $0.replacingOccurrences(of: "**", with: "") } }
      let columns = plain.map(\.count).max() ?? 0
      let widths = (0..<columns).map { c in plain.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0
      }
      return plain.map { cells in
        cells.enumerated().map { c, cell in
          let pad = String(repeating: " ", count: widths[c] - cell.count)
          return c > 0 && Self.isNumber(cell) ? pad + cell : cell + pad
        }.joined(separator: "  ").replacingOccurrences(
          of: "\\s+$", with: "", options: .regularExpression)
      }
    }
  }

  public var config: Config
  public var timings: Timings
  public var metrics: Metrics
  public var tables: [Table]
  public var figures: [FigureRecord]
  public var claims: [Claim]
  public var divergences: [Divergence]
  /// The scalars, series metrics and claims that measure wall-clock time (absent if none).
  public var wallClock: [String]?
  public var status: Status
  /// When the run ended, ISO 8601 in UTC, e.g. "2025-03-01T12:00:00Z".
  public var date: String

  public init(
    config: Config, timings: Timings, metrics: Metrics = Metrics(), tables: [Table] = [],
    figures: [FigureRecord] = [],
    claims: [Claim] = [], divergences: [Divergence] = [], wallClock: [String]? = nil,
    status: Status = .complete, date: String
  ) {
    self.config = config
    self.timings = timings
    self.metrics = metrics
    self.tables = tables
    self.figures = figures
    self.claims = claims
    self.divergences = divergences
    self.wallClock = wallClock
    self.status = status
    self.date = date
  }

  enum CodingKeys: String, CodingKey {
    case config, timings, metrics, tables, figures, claims, divergences, wallClock, status, date
  }

  /// Results written before chapters recorded tables read as having none.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    config = try c.decode(Config.self, forKey: .config)
    timings = try c.decode(Timings.self, forKey: .timings)
    metrics = try c.decode(Metrics.self, forKey: .metrics)
    tables = try c.decodeIfPresent([Table].self, forKey: .tables) ?? []
    figures = try c.decode([FigureRecord].self, forKey: .figures)
    claims = try c.decode([Claim].self, forKey: .claims)
    divergences = try c.decode([Divergence].self, forKey: .divergences)
    wallClock = try c.decodeIfPresent([String].self, forKey: .wallClock)
    status = try c.decode(Status.self, forKey: .status)
    date = try c.decode(String.self, forKey: .date)
  }

  /// The papers' claims that held, of those tested (checks of our own code not counted).
  public var claimsHeld: (held: Int, total: Int) {
    let paper = claims.filter { $0.kind == .paper }
    return (paper.filter(\.holds).count, paper.count)
  }
  /// The papers' claims tested after a first run (post hoc) that held, of those tested.
  public var postHocClaimsHeld: (held: Int, total: Int) {
    let postHoc = claims.filter { $0.kind == .postHoc }
    return (postHoc.filter(\.holds).count, postHoc.count)
  }
  /// The checks of our own derivations and code that passed, of those run.
  public var checksPassed: (passed: Int, total: Int) {
    let checks = claims.filter { $0.kind == .check }
    return (checks.filter(\.holds).count, checks.count)
  }

  // MARK: - Files

  /// JSON with sorted keys and indentation, so committed results diff line by line.
  /// NaN and infinities (a diverged loss) are written as the strings "nan", "inf", "-inf".
  public func encoded() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    var data = try encoder.encode(self)
    data.append(0x0A)
    return data
  }

  public static func decode(_ data: Data) throws -> Results {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return try decoder.decode(Results.self, from: data)
  }

  /// Reads a results file, with the file named in the error if it is not one.
  public static func read(from url: URL) throws -> Results {
    let data = try Data(contentsOf: url)
    do {
      return try decode(data)
    } catch {
      throw CompanionError("\(url.path) is not a results file: \(error)")
    }
  }

  /// Writes atomically (temporary file, then rename), so a reader or a killed run never
  /// sees half a file.
  public func write(to url: URL) throws {
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try encoded().write(to: url, options: .atomic)
  }

  /// The current time as ISO 8601 UTC without fractional seconds.
  public static func timestamp(_ date: Date = Date()) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.string(from: date)
  }
}
