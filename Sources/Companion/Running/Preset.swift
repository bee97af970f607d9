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
  /// Between the two, for the chapters whose book preset cannot decide every claim (models
  /// read before they converge, data too small): larger data, runs until they converge, an
  /// hour or so on two cores, resumable. Its results are committed in `Figures/long/`, beside
  /// the book's. A chapter without a long tier refuses it.
  case long

  /// The value for this preset, chosen from one per preset (`long` defaults to `book`'s,
  /// for a value the long tier does not change).
  public func pick<T>(smoke: T, book: T, paper: T, long: T? = nil) -> T {
    switch self {
    case .smoke: smoke
    case .book: book
    case .paper: paper
    case .long: long ?? book
    }
  }
}
