import Datasets
import Foundation
import Plot
import Testing

@testable import Companion

@Suite("Figures and data")
struct FiguresAndDataTests {
  static func figure(_ name: String) -> Figure {
    Figure(
      name: name, title: "Loss",
      panel: Panel(
        xLabel: "step", yLabel: "loss", series: [.line("BN", x: [1, 2, 3], y: [2, 1, 0.5])]))
  }

  @Test func withoutGnuplotTheDataAndScriptAreWrittenAndTheHintShownOnce() throws {
    let temporary = try TemporaryDirectory()
    let output = TextCollector()
    let chapter = try TestChapter.make(["--out", temporary.url.path], output: output)
    chapter.save(Self.figure("01-loss"), gnuplot: .none)
    chapter.save(Self.figure("01-accuracy"), gnuplot: .none)
    let figures = chapter.results(status: .complete).figures
    #expect(figures.map(\.name) == ["01-loss", "01-accuracy"])
    #expect(
      figures[0].files.map { URL(fileURLWithPath: $0).lastPathComponent } == [
        "01-loss.gp", "01-loss.dat",
      ])
    for file in figures.flatMap(\.files) { #expect(FileManager.default.fileExists(atPath: file)) }
    #expect(output.text.components(separatedBy: "gnuplot not found").count == 2)
    #expect(output.text.contains("figure: \(temporary.url.path)/01-loss.gp"))
  }

  @Test func aMissingMNISTDirectoryIsAClearError() throws {
    let chapter = try TestChapter.make(["--mnist", "/nonexistent/mnist"])
    #expect {
      try chapter.loadImages()
    } throws: { error in
      Chapter.oneLine(error).contains("/nonexistent/mnist")
    }
    #expect(chapter.results(status: .complete).config.data.isEmpty)
  }

  @Test(
    .enabled(if: FileManager.default.fileExists(atPath: ImageDataset.debianFashionMNISTDirectory)))
  func theDefaultImagesAreRecordedWithTheirSource() throws {
    let output = TextCollector()
    let chapter = try TestChapter.make([], output: output)
    let images = try chapter.loadImages()
    let recorded = try #require(chapter.results(status: .complete).config.data.first)
    #expect(recorded.kind == "images")
    #expect(recorded.name == images.source.name)
    #expect(recorded.summary == images.source.summary)
    #expect(output.text.contains("data: \(images.source.name)"))
  }

  @Test func errorsBecomeOneLine() {
    struct Multiline: Error, CustomStringConvertible { var description: String { "first\nsecond" } }
    #expect(Chapter.oneLine(Multiline()) == "first second")
    #expect(Chapter.oneLine(CompanionError("plain")) == "plain")
  }
}
