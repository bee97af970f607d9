import ArgumentParser

/// How big a run is. One knob instead of a dozen, so that "the book's numbers" are a
/// single, named configuration a reader can reproduce.
public enum Preset: String, CaseIterable, Codable, Sendable, ExpressibleByArgument {
  /// Seconds: used by the tests and CI to prove the chapter runs end to end.
  case smoke
  /// The scaled-down reproduction the book's figures come from (the default).
  case book
  /// The papers' own sizes where the data allows; hours.
  case paper

  /// The value for this preset, chosen from one per preset.
  public func pick<T>(smoke: T, book: T, paper: T) -> T {
    switch self {
    case .smoke: smoke
    case .book: book
    case .paper: paper
    }
  }
}
