import Foundation

/// Where a run's results and figures go.
///
/// The book's own runs (book preset, default seed, no step or epoch override) produce the
/// committed figures, so they write into `Figures/`. Anything else would overwrite those with
/// other numbers, so it gets its own `runs/NN-preset-seedS/` (with `-custom` when steps or
/// epochs were overridden, `-native` on the CPU's own kernels): `companion --steps 10` must
/// never replace the book's figures.
public enum OutputDirectory {
  public static func resolve(
    explicit: String?, preset: Preset, seed: UInt64, customised: Bool = false,
    native: Bool = false, chapter: ChapterInfo, root: URL
  ) -> URL {
    if let explicit {
      if explicit.hasPrefix("/") { return URL(fileURLWithPath: explicit).standardizedFileURL }
      let base = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
      return base.appendingPathComponent(explicit).standardizedFileURL
    }
    if preset == .book && seed == ChapterOptions.defaultSeed && !customised && !native {
      return root.appendingPathComponent("Figures").standardizedFileURL
    }
    // The long tier's own runs are committed too, beside the book's.
    if preset == .long && seed == ChapterOptions.defaultSeed && !customised && !native {
      return root.appendingPathComponent("Figures/long").standardizedFileURL
    }
    // Runs on the CPU's own kernels are not the book's: never over its committed results.
    let suffix = (customised ? "-custom" : "") + (native ? "-native" : "")
    return root.appendingPathComponent("runs")
      .appendingPathComponent("\(chapter.prefix)-\(preset.rawValue)-seed\(seed)\(suffix)")
      .standardizedFileURL
  }

  /// Where a run keeps its checkpoint: beside its results, except for runs into `Figures/`
  /// (committed), whose checkpoints go to `runs/checkpoints/NN-preset-seedS/`.
  public static func checkpointFile(options: ChapterOptions, chapter: ChapterInfo, root: URL)
    -> URL
  {
    let output = resolve(options: options, chapter: chapter, root: root)
    let committed = ["Figures", "Figures/long"].map {
      root.appendingPathComponent($0).standardizedFileURL
    }
    let directory =
      committed.contains(output)
      ? root.appendingPathComponent("runs/checkpoints")
        .appendingPathComponent("\(chapter.prefix)-\(options.preset.rawValue)-seed\(options.seed)")
      : output
    return directory.appendingPathComponent("\(chapter.prefix)-checkpoint.json")
  }

  /// Where a chapter run with these options writes (the chapter and the runner both ask).
  public static func resolve(options: ChapterOptions, chapter: ChapterInfo, root: URL) -> URL {
    resolve(
      explicit: options.out, preset: options.preset, seed: options.seed,
      customised: options.isCustomised, native: options.native, chapter: chapter, root: root)
  }

  /// `<out>/<NN>-results.json`.
  public static func resultsFile(in directory: URL, chapter: ChapterInfo) -> URL {
    directory.appendingPathComponent("\(chapter.prefix)-results.json")
  }
}

extension URL {
  /// This path relative to `base` when it lies inside it (for short, portable messages and
  /// results), otherwise the absolute path.
  func path(relativeTo base: URL) -> String {
    let full = standardizedFileURL.path
    let prefix = base.standardizedFileURL.path
    if full == prefix { return "." }
    let withSlash = prefix.hasSuffix("/") ? prefix : prefix + "/"
    return full.hasPrefix(withSlash) ? String(full.dropFirst(withSlash.count)) : full
  }
}
