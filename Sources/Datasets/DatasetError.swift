import Foundation

/// Everything that can be wrong with data on disk, each case naming the file and saying what
/// was expected versus what was found.
///
/// Why so many cases: a bad file should be a sentence a reader can act on ("truncated: header
/// promises 47040016 bytes, file has 1024"), never a crash or silent garbage, and the tests
/// check that each kind of damage is recognised as itself.
public enum DatasetError: Error, Equatable, Sendable {
  /// The path does not exist or could not be read.
  case unreadable(file: String, reason: String)
  /// A file the run writes (a pixel permutation) could not be written.
  case unwritable(file: String, reason: String)
  /// The bytes start like gzip but zlib could not inflate them.
  case badGzip(file: String, reason: String)
  /// The IDX magic number (0x0000 followed by type and rank bytes) is wrong.
  case badMagic(file: String, expected: UInt32, found: UInt32)
  /// The IDX element type byte is not 0x08 (unsigned byte).
  case badElementType(file: String, expected: UInt8, found: UInt8)
  /// The IDX file has the wrong number of dimensions (3 for images, 1 for labels).
  case wrongDimensionCount(file: String, expected: Int, found: Int)
  /// The file holds fewer bytes than its header promises.
  case truncated(file: String, expectedBytes: Int, foundBytes: Int)
  /// The file holds more bytes than its header promises.
  case overlong(file: String, expectedBytes: Int, foundBytes: Int)
  /// An image file and its label file disagree on the number of examples.
  case countMismatch(images: String, imageCount: Int, labels: String, labelCount: Int)
  /// Training and test images disagree on their size.
  case shapeMismatch(file: String, expected: String, found: String)
  /// A label is outside 0...9.
  case labelOutOfRange(file: String, index: Int, label: Int)
  /// A data directory lacks files it must hold; `hint` says how to get them.
  case missingFiles(directory: String, missing: [String], hint: String)
  /// No data source could be found at all; `hint` says which package or flag fixes it.
  case noDataSource(what: String, tried: [String], hint: String)
  /// A text corpus produced no characters for a split.
  case emptySplit(source: String, split: String)
  /// A corpus file is not text: `found` says what it holds instead, and where.
  case notText(file: String, found: String)
  /// A saved pixel permutation is not a permutation.
  case invalidPermutation(file: String, reason: String)
  /// A caller asked for something impossible (e.g. more examples than exist).
  case invalidArgument(String)
}

extension DatasetError: CustomStringConvertible, LocalizedError {
  public var description: String {
    switch self {
    case .unreadable(let file, let reason):
      return "\(file): cannot read file: \(reason)"
    case .unwritable(let file, let reason):
      return "\(file): cannot write file: \(reason)"
    case .notText(let file, let found):
      return "\(file): not a text corpus: \(found)"
    case .badGzip(let file, let reason):
      return "\(file): not a valid gzip stream (\(reason))"
    case .badMagic(let file, let expected, let found):
      return "\(file): bad IDX magic number: expected \(hex(expected)), found \(hex(found))"
    case .badElementType(let file, let expected, let found):
      return
        "\(file): unsupported IDX element type: expected \(hex(expected)) (unsigned byte), found \(hex(found))"
    case .wrongDimensionCount(let file, let expected, let found):
      return "\(file): wrong number of IDX dimensions: expected \(expected), found \(found)"
    case .truncated(let file, let expected, let found):
      return "\(file): truncated: header promises \(expected) bytes, file has \(found)"
    case .overlong(let file, let expected, let found):
      return
        "\(file): over-long: header promises \(expected) bytes, file has \(found) (\(found - expected) extra)"
    case .countMismatch(let images, let imageCount, let labels, let labelCount):
      return
        "\(images) holds \(imageCount) images but \(labels) holds \(labelCount) labels; expected equal counts"
    case .shapeMismatch(let file, let expected, let found):
      return "\(file): image size mismatch: expected \(expected), found \(found)"
    case .labelOutOfRange(let file, let index, let label):
      return "\(file): label \(index) is \(label); expected a class in 0...9"
    case .missingFiles(let directory, let missing, let hint):
      return "\(directory): missing \(missing.joined(separator: ", ")). \(hint)"
    case .noDataSource(let what, let tried, let hint):
      return "No \(what) found (looked in \(tried.joined(separator: ", "))). \(hint)"
    case .emptySplit(let source, let split):
      return "\(source): the \(split) split is empty; expected some text"
    case .invalidPermutation(let file, let reason):
      return "\(file): not a valid pixel permutation: \(reason)"
    case .invalidArgument(let message):
      return message
    }
  }

  public var errorDescription: String? { description }
}

private func hex(_ value: UInt32) -> String { "0x" + pad(String(value, radix: 16), 8) }
private func hex(_ value: UInt8) -> String { "0x" + pad(String(value, radix: 16), 2) }
private func pad(_ digits: String, _ width: Int) -> String {
  String(repeating: "0", count: max(0, width - digits.count)) + digits
}
