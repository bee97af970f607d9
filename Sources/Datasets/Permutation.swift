import Foundation
import Randomness

/// A fixed reordering of the pixels of an image, for permuted MNIST (Le et al. 2015, used by
/// Cooijmans et al. 2017): the same permutation for every image, drawn once from a seed and
/// saved beside the results so the run can be repeated or inspected.
///
/// It is a true permutation, drawn by Fisher-Yates: every pixel appears exactly once.
/// Note: the original authors' script drew the order by sampling pixel indices *with
/// replacement*, so some pixels were shown twice and others never; that is a different
/// (lossy) task. We follow the definition in the papers, a permutation, not that script.
public struct PixelPermutation: Codable, Equatable, Sendable {
  /// `order[t]` is the source pixel shown at sequence step `t`.
  public let order: [Int]

  public var count: Int { order.count }

  /// A seeded uniformly random permutation of `0..<count`.
  public init(count: Int, seed: UInt64) {
    var generator = RandomGenerator(seed: seed, stream: 0x9E4A)
    order = generator.permutation(of: count)
  }

  /// Wraps an explicit order, checking that it is a bijection of `0..<order.count`.
  public init(order: [Int], file: String = "permutation") throws {
    if let problem = PixelPermutation.bijectionProblem(order) {
      throw DatasetError.invalidPermutation(file: file, reason: problem)
    }
    self.order = order
  }

  /// The identity order (plain sequential MNIST).
  public static func identity(count: Int) -> PixelPermutation {
    PixelPermutation(unchecked: Array(0..<count))
  }

  private init(unchecked order: [Int]) { self.order = order }

  /// True when every index in `0..<count` appears exactly once.
  public var isBijection: Bool { PixelPermutation.bijectionProblem(order) == nil }

  /// The permutation that undoes this one.
  public var inverse: PixelPermutation {
    var inverse = [Int](repeating: 0, count: count)
    for (t, source) in order.enumerated() { inverse[source] = t }
    return PixelPermutation(unchecked: inverse)
  }

  /// The file name used inside an output directory.
  public static let defaultFileName = "pixel-permutation.txt"

  /// Writes the order, one integer per line, to `directory/fileName` (atomically) and returns
  /// the path. Plain text so that any tool (numpy.loadtxt, awk) can read it back.
  @discardableResult
  public func save(toDirectory directory: String, fileName: String = defaultFileName) throws
    -> String
  {
    let path = (directory as NSString).appendingPathComponent(fileName)
    let text = order.map(String.init).joined(separator: "\n") + "\n"
    do {
      try FileManager.default.createDirectory(
        atPath: directory, withIntermediateDirectories: true)
      try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
      throw DatasetError.unwritable(file: path, reason: describe(error))
    }
    return path
  }

  /// Reads a file written by `save`, checking that it is still a permutation.
  public static func load(path: String) throws -> PixelPermutation {
    let text: String
    do {
      text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      throw DatasetError.unreadable(file: path, reason: describe(error))
    }
    var order: [Int] = []
    for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
    {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty { continue }
      guard let value = Int(trimmed) else {
        throw DatasetError.invalidPermutation(
          file: path, reason: "line \(number + 1) is \"\(trimmed)\", expected an integer")
      }
      order.append(value)
    }
    return try PixelPermutation(order: order, file: path)
  }

  static func bijectionProblem(_ order: [Int]) -> String? {
    var seen = [Bool](repeating: false, count: order.count)
    for (t, value) in order.enumerated() {
      guard value >= 0 && value < order.count else {
        return "entry \(t) is \(value), expected a value in 0..<\(order.count)"
      }
      guard !seen[value] else { return "value \(value) appears twice (entry \(t))" }
      seen[value] = true
    }
    return nil
  }
}
