import Foundation

/// Everything that can go wrong while writing or rendering a figure.
///
/// Each case names the figure, because a chapter writes several figures and
/// "gnuplot failed" alone does not tell the reader which one to look at.
public enum PlotError: Error, Equatable, CustomStringConvertible {
  /// gnuplot ran and exited non-zero (or produced no output); `stderr` is what it said.
  case gnuplotFailed(figure: String, status: Int32, stderr: String)
  /// A series cannot be drawn: columns of different lengths, no points, a panel without series.
  case invalidSeries(figure: String, reason: String)
  /// The figure itself cannot be written: a file stem that is not a safe file name, no panels.
  case invalidFigure(figure: String, reason: String)
  /// Creating the directory, writing a file or starting gnuplot failed.
  case io(figure: String, path: String, reason: String)

  public var description: String {
    switch self {
    case .gnuplotFailed(let figure, let status, let stderr):
      let said = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
      return "figure \(figure): gnuplot exited with status \(status)"
        + (said.isEmpty ? "" : ":\n\(said)")
    case .invalidSeries(let figure, let reason):
      return "figure \(figure): invalid series: \(reason)"
    case .invalidFigure(let figure, let reason):
      return "figure \(figure): \(reason)"
    case .io(let figure, let path, let reason):
      return "figure \(figure): cannot write \(path): \(reason)"
    }
  }
}
