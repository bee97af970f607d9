import Foundation

/// The files a figure became.
public struct RenderedFigure: Sendable, Equatable {
  public let dat: URL
  public let script: URL
  /// `nil` when gnuplot is missing.
  public let png: URL?
  public let svg: URL?
  /// The one-line warning to show when gnuplot is missing (see `Gnuplot.missingWarning`), else `nil`.
  public let warning: String?
  /// What gnuplot printed on standard error although it succeeded, e.g. about
  /// points it skipped; empty when it said nothing.
  public let gnuplotMessages: String
}

extension Figure {
  /// Writes `name.dat` and `name.gp` into `directory` (created if needed) and,
  /// when gnuplot is found, renders `name.png` and `name.svg`.
  ///
  /// Every file is replaced atomically. Before rendering, old pictures are
  /// removed: if gnuplot fails, no PNG from an earlier run sits beside the new
  /// data pretending to show it. gnuplot draws to temporary names that are
  /// renamed only after it exited successfully.
  ///
  /// - Throws: `PlotError.invalidFigure` or `.invalidSeries` before anything
  ///   is written; `.gnuplotFailed` with gnuplot's standard error; `.io`.
  @discardableResult
  public func write(to directory: URL, gnuplot: GnuplotLocator = .fromPath) throws -> RenderedFigure
  {
    try validate()
    let files = FigureFiles(directory: directory, name: name)
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    } catch {
      throw PlotError.io(figure: name, path: directory.path, reason: "\(error)")
    }
    try AtomicWrite.write(DataFile.text(for: self), to: files.dat, figure: name)
    try AtomicWrite.write(GnuplotScript.text(for: self), to: files.script, figure: name)

    guard let executable = gnuplot.resolve() else {
      return RenderedFigure(
        dat: files.dat, script: files.script, png: nil, svg: nil,
        warning: Gnuplot.missingWarning(figuresDirectory: Gnuplot.displayPath(of: directory)),
        gnuplotMessages: "")
    }
    try? FileManager.default.removeItem(at: files.png)
    try? FileManager.default.removeItem(at: files.svg)

    let stem = AtomicWrite.temporaryURL(besides: directory.appendingPathComponent(name))
    let drafts = (png: stem.appendingPathExtension("png"), svg: stem.appendingPathExtension("svg"))
    defer {
      try? FileManager.default.removeItem(at: drafts.png)
      try? FileManager.default.removeItem(at: drafts.svg)
    }
    let messages = try Gnuplot.run(
      executable, script: files.script, variables: ["output_stem": stem.path], figure: name)
    for draft in [drafts.png, drafts.svg] where !Self.isNonEmptyFile(draft) {
      throw PlotError.gnuplotFailed(
        figure: name, status: 0,
        stderr: "gnuplot exited successfully but did not write \(draft.lastPathComponent)\n"
          + messages)
    }
    try AtomicWrite.move(drafts.png, over: files.png, figure: name)
    try AtomicWrite.move(drafts.svg, over: files.svg, figure: name)
    return RenderedFigure(
      dat: files.dat, script: files.script, png: files.png, svg: files.svg, warning: nil,
      gnuplotMessages: messages)
  }

  /// Refuses what gnuplot would choke on, before any file is touched.
  func validate() throws {
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
    guard !name.isEmpty, !name.hasPrefix("."), name.allSatisfy(allowed.contains) else {
      throw PlotError.invalidFigure(
        figure: name,
        reason: "the name must be letters, digits, '-', '_' or '.', not starting with '.'")
    }
    guard !panels.isEmpty else {
      throw PlotError.invalidFigure(figure: name, reason: "a figure needs at least one panel")
    }
    guard width > 0, height > 0 else {
      throw PlotError.invalidFigure(figure: name, reason: "size \(width)x\(height) is not positive")
    }
    for (number, panel) in panels.enumerated() {
      guard !panel.series.isEmpty else {
        throw PlotError.invalidSeries(figure: name, reason: "panel \(number + 1) has no series")
      }
      for series in panel.series {
        let subject = "panel \(number + 1), series \"\(series.label)\""
        guard !series.x.isEmpty else {
          throw PlotError.invalidSeries(figure: name, reason: "\(subject) has no points")
        }
        let expected = series.style.valueColumnNames
        guard series.values.count == expected.count else {
          throw PlotError.invalidSeries(
            figure: name,
            reason:
              "\(subject) is a \(series.style) and needs columns \(expected), got \(series.values.count)"
          )
        }
        for (column, values) in zip(expected, series.values) where values.count != series.x.count {
          throw PlotError.invalidSeries(
            figure: name,
            reason: "\(subject) has \(series.x.count) x values but \(values.count) \(column) values"
          )
        }
      }
    }
  }

  private static func isNonEmptyFile(_ url: URL) -> Bool {
    let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)??
      .intValue
    return (size ?? 0) > 0
  }
}

/// The four files of a figure, all named after it, side by side.
struct FigureFiles {
  let dat: URL
  let script: URL
  let png: URL
  let svg: URL

  init(directory: URL, name: String) {
    let stem = directory.appendingPathComponent(name)
    dat = stem.appendingPathExtension("dat")
    script = stem.appendingPathExtension("gp")
    png = stem.appendingPathExtension("png")
    svg = stem.appendingPathExtension("svg")
  }
}
