import ArgumentParser
import Companion

/// `companion`: the whole book from one command.
///
/// With no subcommand it runs every chapter in order (book preset unless told otherwise) and
/// ends with a summary table; `list`, `run`, `render`, `fetch` and `bench` do one thing each.
@main
struct CompanionCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "companion",
    abstract: "The Batch Normalization companion: run, list and render the book's chapters.",
    discussion: """
      Each chapter is its own executable (ch01-transform, ...), built beside this one by
      `swift build -c release`. Options given here are passed on to every chapter.
      """,
    subcommands: [
      AllCommand.self, ListCommand.self, RunCommand.self, RenderCommand.self,
      FetchCommand.self, BenchCommand.self, KernelsCommand.self,
    ],
    defaultSubcommand: AllCommand.self)
}

/// `companion [options]` / `companion all [options]`: every chapter, in order.
struct AllCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "all", abstract: "Run every chapter in order (the default).")

  @OptionGroup var options: ChapterOptions

  func run() throws {
    KernelChoice.apply(options.kernelMode)
    try ChapterSession(options: options).run(Catalog.chapters)
  }
}

/// `companion run N...`: the chapters with these numbers.
struct RunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run", abstract: "Run the chapters with the given numbers, in the order given.")

  @Argument(help: "Chapter numbers, e.g. `1 3`.")
  var numbers: [Int]

  @OptionGroup var options: ChapterOptions

  func validate() throws {
    guard !numbers.isEmpty else {
      throw ValidationError("Name at least one chapter number (see `companion list`).")
    }
    for number in numbers where Catalog.chapter(number: number) == nil {
      throw ValidationError("There is no chapter \(number); `companion list` shows the chapters.")
    }
  }

  func run() throws {
    KernelChoice.apply(options.kernelMode)
    try ChapterSession(options: options).run(numbers.compactMap(Catalog.chapter(number:)))
  }
}

/// `companion list`: the table of contents.
struct ListCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "list", abstract: "List the chapters: number, executable, title and paper section."
  )

  func run() {
    let root = PackageRoot.find()
    let rows = Catalog.chapters.map { chapter in
      [
        String(chapter.number), chapter.executable, chapter.title,
        chapter.paper + (chapter.isWritten(in: root) ? "" : "  (not written yet)"),
      ]
    }
    let widths = (0..<4).map { column in rows.map { $0[column].count }.max() ?? 0 }
    for row in rows {
      let cells = zip(row, widths).map { $0 + String(repeating: " ", count: $1 - $0.count) }
      var line = cells.joined(separator: "  ")
      while line.last == " " { line.removeLast() }
      print(line)
    }
  }
}

/// `companion render [N...]`: the chapters' README.md pages.
struct RenderCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "render",
    abstract:
      "Render Chapters/NN-Name/README.md from each chapter's main.swift and last book results, and the README's table of chapters."
  )

  @Argument(help: "Chapter numbers to render (default: all).")
  var numbers: [Int] = []

  func run() throws {
    let root = PackageRoot.find()
    let chapters = numbers.isEmpty ? Catalog.chapters : numbers.compactMap(Catalog.chapter(number:))
    for chapter in chapters {
      if let page = try PageRenderer.renderChapter(chapter, root: root) {
        print("rendered \(page.path.replacingOccurrences(of: root.path + "/", with: ""))")
      } else {
        print("skipped \(chapter.directory): no main.swift yet")
      }
    }
    if try PageRenderer.renderReadme(root: root) {
      print("rendered README.md's table of chapters and summary of findings")
    }
  }
}
