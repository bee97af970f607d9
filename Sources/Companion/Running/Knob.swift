import Foundation

/// A chapter-specific option a chapter reads, declared in its catalog entry.
public struct Knob: Codable, Equatable, Sendable {
  public enum Flag: String, Codable, Sendable, CaseIterable {
    case rates = "--rates"
    case trainingCharacters = "--training-characters"
    case gamma = "--gamma"
  }

  public let flag: Flag
  /// What the knob sets in this chapter ("its five models' grid").
  public let use: String
  /// The value when the flag is not given, where one value serves every preset (γ); knobs
  /// whose default depends on the preset (a grid, a text's length) keep it in the chapter's
  /// preset table.
  public let defaultValue: Double?

  public init(_ flag: Flag, _ use: String, defaultValue: Double? = nil) {
    self.flag = flag
    self.use = use
    self.defaultValue = defaultValue
  }

  /// "chapter 4: its input BN's, default 1".
  func help(chapter: Int) -> String {
    let value = defaultValue.map { ", default \(String(format: "%g", $0))" } ?? ""
    return "chapter \(chapter): \(use)\(value)"
  }
}
