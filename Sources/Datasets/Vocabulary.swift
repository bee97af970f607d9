/// The fixed character vocabulary shared by every text corpus in the book.
///
/// Why fixed, not "whatever characters the training text contains": the model's output size
/// must not change with the corpus or the split, and a figure's bits-per-character must mean
/// the same thing for Penn Treebank and for the fortunes text. The set is PTB-like, 55
/// symbols:
///
/// | ids    | symbols                                  |
/// |--------|------------------------------------------|
/// | 0      | newline (end of line / sentence)         |
/// | 1      | space (word boundary; PTB's `_`)         |
/// | 2-27   | `a`-`z` (upper case is folded to lower)  |
/// | 28-37  | `0`-`9`                                  |
/// | 38-53  | `. , ; : ' " ! ? - ( ) & $ % / #`        |
/// | 54     | unknown: anything else, and PTB's `<unk>`|
///
/// Tabs count as spaces; typographic quotes and dashes fold to their ASCII forms.
public struct Vocabulary: Codable, Equatable, Sendable {
  /// The symbol of each id, as printable text (`"\n"` for newline, `"~"` for unknown).
  public let symbols: [String]

  private static let letters = "abcdefghijklmnopqrstuvwxyz"
  private static let digits = "0123456789"
  private static let punctuationMarks = ".,;:'\"!?-()&$%/#"

  public static let standard: Vocabulary = {
    var symbols: [String] = ["\n", " "]
    symbols += letters.map { String($0) }
    symbols += digits.map { String($0) }
    symbols += punctuationMarks.map { String($0) }
    symbols.append("~")
    return Vocabulary(symbols: symbols)
  }()

  public var size: Int { symbols.count }
  public var newline: UInt8 { 0 }
  public var space: UInt8 { 1 }
  public var unknown: UInt8 { UInt8(symbols.count - 1) }

  /// The id of every printable ASCII character, built once from the table above.
  private static let asciiIDs: [UInt8] = {
    var table = [UInt8](repeating: 54, count: 128)
    for (offset, scalar) in letters.unicodeScalars.enumerated() {
      table[Int(scalar.value)] = UInt8(2 + offset)
      table[Int(scalar.value) - 32] = UInt8(2 + offset)  // upper case folds to lower
    }
    for (offset, scalar) in digits.unicodeScalars.enumerated() {
      table[Int(scalar.value)] = UInt8(28 + offset)
    }
    for (offset, scalar) in punctuationMarks.unicodeScalars.enumerated() {
      table[Int(scalar.value)] = UInt8(38 + offset)
    }
    table[0x0A] = 0
    table[0x20] = 1
    table[0x09] = 1
    table[0x60] = table[0x27]  // backquote as apostrophe
    return table
  }()

  /// The id of one Unicode scalar, or `nil` for characters that carry no text (carriage
  /// returns and other control characters are dropped).
  public func id(for scalar: Unicode.Scalar) -> UInt8? {
    let value = scalar.value
    if value < 128 {
      if value == 0x0A || value == 0x09 { return Vocabulary.asciiIDs[Int(value)] }
      if value < 0x20 || value == 0x7F { return nil }
      return Vocabulary.asciiIDs[Int(value)]
    }
    switch value {
    case 0x2018, 0x2019: return Vocabulary.asciiIDs[0x27]  // ‘ ’
    case 0x201C, 0x201D: return Vocabulary.asciiIDs[0x22]  // “ ”
    case 0x2013, 0x2014: return Vocabulary.asciiIDs[0x2D]  // – —
    default: return unknown
    }
  }

  /// Encodes text, dropping characters that carry no text.
  public func encode(_ text: String) -> [UInt8] {
    text.unicodeScalars.compactMap { id(for: $0) }
  }

  /// Decodes ids back to text (lossy: case and unknown characters are gone).
  public func decode<S: Sequence>(_ ids: S) -> String where S.Element: BinaryInteger {
    ids.map { symbols[Int($0)] }.joined()
  }

  private init(symbols: [String]) { self.symbols = symbols }
}
