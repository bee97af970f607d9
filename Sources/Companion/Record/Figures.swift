import Foundation
import Plot

extension Chapter {
  /// Writes `figure` into the output directory (`.dat`, `.gp`, and `.png`/`.svg` when gnuplot
  /// is installed), records it in the results and prints where it went. Without gnuplot the
  /// data and script are still written and the install hint is printed once.
  ///
  /// A figure that cannot be written (the disk filled up during the run: the directory was
  /// checked before any work) ends the run with a line naming the figure and the file, and
  /// the checkpoint is kept, so the same command finishes the run once there is room.
  public func save(_ figure: Figure, gnuplot: GnuplotLocator = .fromPath) {
    let rendered: RenderedFigure
    do {
      rendered = try figure.write(to: outputDirectory, gnuplot: gnuplot)
    } catch {
      fail(CompanionError(Chapter.oneLine(error) + spaceNote + checkpointKeptNote))
    }
    let files = [rendered.png, rendered.svg, rendered.script, rendered.dat].compactMap { $0 }
    recordFigure(name: figure.name, files: files)
    say("figure: \(displayPath(rendered.png ?? rendered.script))")
    if !rendered.gnuplotMessages.isEmpty {
      say(
        "gnuplot said about \(figure.name): \(rendered.gnuplotMessages.trimmingCharacters(in: .whitespacesAndNewlines))"
      )
    }
    if let warning = rendered.warning { showOnce(warning) }
  }
}

extension Chapter {
  /// "; N KB free on …" when the output directory's file system is (nearly) full: the reason
  /// a tool such as gnuplot may fail without saying so.
  var spaceNote: String {
    guard
      let attributes = try? FileManager.default.attributesOfFileSystem(
        forPath: outputDirectory.path),
      let free = (attributes[.systemFreeSize] as? NSNumber)?.int64Value, free < 1 << 20
    else { return "" }
    return
      "; the disk holding \(displayPath(outputDirectory)) is nearly full (\(free / 1024) KB free)"
  }
}
