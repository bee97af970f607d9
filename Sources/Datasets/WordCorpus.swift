import Foundation

/// Penn Treebank at the word level — Mikolov's `ptb.{train,valid,test}.txt`, a 10,000-word
/// vocabulary with rare words already `<unk>` — as Zaremba et al. 2014 train on it, and
/// Laurent et al. 2016 after them. Each line is a sentence; its end is the word `<eos>`.
public struct WordCorpus: Sendable {
  /// Word of each id: `<eos>` first, then the training words by falling frequency (ties in
  /// alphabetical order), so ids do not depend on file order.
  public let words: [String]
  public let train: [Int]
  public let valid: [Int]
  public let test: [Int]
  public let source: DataSource

  public var vocabularySize: Int { words.count }

  public static let endOfSentence = "<eos>"

  /// Reads the three word files from `directory`. A word of the validation or test text that
  /// the training text lacks is an error naming it (Mikolov's files have none).
  public static func load(directory: String) throws -> WordCorpus {
    let path = { (name: String) in (directory as NSString).appendingPathComponent(name) }
    let missing = CharCorpus.pennTreebankWordFiles.filter {
      !FileManager.default.fileExists(atPath: path($0))
    }
    guard missing.isEmpty else {
      throw DatasetError.missingFiles(
        directory: directory, missing: missing,
        hint: "`companion fetch ptb --to \(directory)` downloads them.")
    }
    var splits: [[String]] = []
    for (file, split) in zip(CharCorpus.pennTreebankWordFiles, ["train", "valid", "test"]) {
      let words = tokens(of: try readCorpusText(path(file)))
      guard !words.isEmpty else { throw DatasetError.emptySplit(source: path(file), split: split) }
      splits.append(words)
    }
    var counts: [String: Int] = [:]
    for word in splits[0] { counts[word, default: 0] += 1 }
    counts[endOfSentence] = nil
    let vocabulary =
      [endOfSentence]
      + counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
    let ids = Dictionary(uniqueKeysWithValues: vocabulary.enumerated().map { ($1, $0) })
    var encoded: [[Int]] = []
    for (words, file) in zip(splits, CharCorpus.pennTreebankWordFiles) {
      var split: [Int] = []
      split.reserveCapacity(words.count)
      for word in words {
        guard let id = ids[word] else {
          throw DatasetError.invalidArgument(
            "\(path(file)): the word \"\(word)\" is not in the training text's vocabulary")
        }
        split.append(id)
      }
      encoded.append(split)
    }
    let summary =
      "word files; \(vocabulary.count) words, \(encoded[0].count) train, \(encoded[1].count) valid, \(encoded[2].count) test words"
    return WordCorpus(
      words: vocabulary, train: encoded[0], valid: encoded[1], test: encoded[2],
      source: DataSource(
        name: "Penn Treebank", location: directory, summary: summary, kind: .pennTreebankWords))
  }

  /// The words of each line, then `<eos>`.
  static func tokens(of text: String) -> [String] {
    var words: [String] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      let lineWords = line.split(separator: " ", omittingEmptySubsequences: true)
      guard !lineWords.isEmpty else { continue }
      words += lineWords.map(String.init)
      words.append(endOfSentence)
    }
    return words
  }

  /// Whether `directory` holds the word files (and so a word-level model can be trained).
  public static func available(in directory: String) -> Bool {
    CharCorpus.pennTreebankWordFiles.allSatisfy {
      FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent($0))
    }
  }
}
