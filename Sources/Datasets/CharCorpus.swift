import Foundation

/// A character-level language-modelling corpus: three splits of token ids over the fixed
/// `Vocabulary`, plus where the text came from.
public struct CharCorpus: Sendable {
  public let train: [UInt8]
  public let valid: [UInt8]
  public let test: [UInt8]
  public let vocabulary: Vocabulary
  public let source: DataSource

  public init(
    train: [UInt8], valid: [UInt8], test: [UInt8], vocabulary: Vocabulary, source: DataSource
  ) {
    self.train = train
    self.valid = valid
    self.test = test
    self.vocabulary = vocabulary
    self.source = source
  }

  /// Where Debian's `fortunes` package installs its text.
  public static let debianFortunesDirectory = "/usr/share/games/fortunes"

  /// Loads text from, in order of precedence:
  /// 1. `corpusDirectory` (the `--corpus DIR` option),
  /// 2. the `CORPUS_DIR` environment variable,
  /// 3. English text from Debian's `fortunes` package (`fortunesDirectory`).
  ///
  /// A corpus directory holds either the Penn Treebank character files
  /// (`ptb.char.train.txt`, `ptb.char.valid.txt`, `ptb.char.test.txt`, preferred) or the word
  /// files (`ptb.train.txt`, `ptb.valid.txt`, `ptb.test.txt`).
  public static func load(
    corpusDirectory: String? = nil,
    environment: [String: String] = ProcessInfo.processInfo.environment,
    fortunesDirectory: String = debianFortunesDirectory
  ) throws -> CharCorpus {
    if let directory = nonEmpty(corpusDirectory) ?? nonEmpty(environment["CORPUS_DIR"]) {
      return try loadPennTreebank(directory: directory)
    }
    guard FileManager.default.fileExists(atPath: fortunesDirectory) else {
      throw DatasetError.noDataSource(
        what: "text corpus",
        tried: ["--corpus (not given)", "CORPUS_DIR (not set)", fortunesDirectory],
        hint:
          "Install the default with `apt-get install fortunes`, or pass --corpus DIR (or set "
          + "CORPUS_DIR) to a directory with the Penn Treebank files; "
          + "`companion fetch ptb --to DIR` downloads them.")
    }
    return try loadFortunes(directory: fortunesDirectory)
  }

  // MARK: Penn Treebank

  public static let pennTreebankCharacterFiles = [
    "ptb.char.train.txt", "ptb.char.valid.txt", "ptb.char.test.txt",
  ]
  public static let pennTreebankWordFiles = ["ptb.train.txt", "ptb.valid.txt", "ptb.test.txt"]

  /// Reads the Penn Treebank from `directory`, preferring the character files.
  public static func loadPennTreebank(directory: String, vocabulary: Vocabulary = .standard) throws
    -> CharCorpus
  {
    let fm = FileManager.default
    let path = { (name: String) in (directory as NSString).appendingPathComponent(name) }
    let kind: DataSource.Kind
    let files: [String]
    let convert: (String) -> [UInt8]
    if pennTreebankCharacterFiles.allSatisfy({ fm.fileExists(atPath: path($0)) }) {
      (kind, files) = (.pennTreebankCharacters, pennTreebankCharacterFiles)
      convert = { pennTreebankCharacterText($0, vocabulary: vocabulary) }
    } else if pennTreebankWordFiles.allSatisfy({ fm.fileExists(atPath: path($0)) }) {
      (kind, files) = (.pennTreebankWords, pennTreebankWordFiles)
      convert = { pennTreebankWordText($0, vocabulary: vocabulary) }
    } else {
      let present = (pennTreebankCharacterFiles + pennTreebankWordFiles).filter {
        fm.fileExists(atPath: path($0))
      }
      throw DatasetError.missingFiles(
        directory: directory,
        missing: [
          "either \(pennTreebankCharacterFiles.joined(separator: ", ")) or \(pennTreebankWordFiles.joined(separator: ", "))"
        ],
        hint: "Found only: \(present.isEmpty ? "none of them" : present.joined(separator: ", ")). "
          + "`companion fetch ptb --to \(directory)` downloads the word files.")
    }
    var splits: [[UInt8]] = []
    for (file, split) in zip(files, ["train", "valid", "test"]) {
      let text = try readCorpusText(path(file))
      let ids = convert(text)
      guard !ids.isEmpty else { throw DatasetError.emptySplit(source: path(file), split: split) }
      try checkAlphabet(of: ids, from: text, file: path(file), vocabulary: vocabulary)
      splits.append(ids)
    }
    let what = kind == .pennTreebankCharacters ? "character files" : "word files as characters"
    let summary =
      "\(what); \(splits[0].count) train, \(splits[1].count) valid, \(splits[2].count) test characters"
    return CharCorpus(
      train: splits[0], valid: splits[1], test: splits[2], vocabulary: vocabulary,
      source: DataSource(name: "Penn Treebank", location: directory, summary: summary, kind: kind))
  }

  /// `ptb.char.*.txt`: one sentence per line, characters separated by spaces, `_` marking a
  /// word boundary. Becomes: the characters, `_` as a space, each line ending in a newline
  /// (so a sentence end is one newline symbol, as in the word-file conversion).
  public static func pennTreebankCharacterText(_ text: String, vocabulary: Vocabulary = .standard)
    -> [UInt8]
  {
    var ids: [UInt8] = []
    ids.reserveCapacity(text.utf8.count / 2 + 1)
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      var sentence: [UInt8] = []
      for token in line.split(separator: " ", omittingEmptySubsequences: true) {
        if token == "_" {
          sentence.append(vocabulary.space)
        } else if token == "<unk>" {
          sentence.append(vocabulary.unknown)
        } else {
          sentence += vocabulary.encode(String(token))
        }
      }
      let trimmed = trimSpaces(sentence, space: vocabulary.space)
      if !trimmed.isEmpty { ids += trimmed + [vocabulary.newline] }
    }
    return ids
  }

  /// `ptb.*.txt` (Mikolov's word-level files): one sentence per line, words separated by
  /// spaces, rare words already replaced by `<unk>` and numbers by `N`. The standard
  /// conversion to characters: words joined by single spaces, each line ending in one newline
  /// (the end-of-sentence symbol); `<unk>` becomes the single unknown symbol rather than five
  /// characters, and `N` is folded to `n` like every upper-case letter.
  public static func pennTreebankWordText(_ text: String, vocabulary: Vocabulary = .standard)
    -> [UInt8]
  {
    var ids: [UInt8] = []
    ids.reserveCapacity(text.utf8.count)
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      let words = line.split(separator: " ", omittingEmptySubsequences: true)
      guard !words.isEmpty else { continue }
      for (position, word) in words.enumerated() {
        if position > 0 { ids.append(vocabulary.space) }
        if word == "<unk>" {
          ids.append(vocabulary.unknown)
        } else {
          ids += vocabulary.encode(String(word))
        }
      }
      ids.append(vocabulary.newline)
    }
    return ids
  }

  private static func trimSpaces(_ ids: [UInt8], space: UInt8) -> [UInt8] {
    guard let first = ids.firstIndex(where: { $0 != space }),
      let last = ids.lastIndex(where: { $0 != space })
    else { return [] }
    return Array(ids[first...last])
  }
}

/// The whole of a corpus file as text, or an error naming the file and what it holds
/// instead: bytes that are not UTF-8, or control characters (other than newline, tab and
/// carriage return). A corpus that is not text is never trained on in silence.
func readCorpusText(_ path: String) throws -> String {
  let data: Data
  do {
    data = try Data(contentsOf: URL(fileURLWithPath: path))
  } catch {
    throw DatasetError.unreadable(file: path, reason: describe(error))
  }
  guard let text = String(data: data, encoding: .utf8) else {
    // Where decoding first had to replace bytes, for the message.
    let offset = zip(data, String(decoding: data, as: UTF8.self).utf8).enumerated().first {
      $0.element.0 != $0.element.1
    }?.offset
    throw DatasetError.notText(
      file: path,
      found:
        "\(data.count) bytes that are not UTF-8 (the first invalid byte at offset \(offset ?? 0))")
  }
  for (offset, scalar) in text.unicodeScalars.enumerated()
  where (scalar.value < 0x20 && !["\n", "\t", "\r"].contains(scalar)) || scalar.value == 0x7F {
    throw DatasetError.notText(
      file: path,
      found: "control character U+\(String(format: "%04X", scalar.value)) at character \(offset)")
  }
  return text
}

/// Refuses a text the vocabulary does not cover: more than `maxUnknownShare` of its
/// characters became the unknown symbol (another script, or bytes that happen to be UTF-8).
/// Penn Treebank's own `<unk>` words are about 1% of its characters.
func checkAlphabet(
  of ids: [UInt8], from text: String, file: String, vocabulary: Vocabulary,
  maxUnknownShare: Double = 0.05
) throws {
  let unknown = ids.lazy.filter { $0 == vocabulary.unknown }.count
  guard Double(unknown) > maxUnknownShare * Double(ids.count) else { return }
  throw DatasetError.notText(
    file: file,
    found:
      "\(Set(text.unicodeScalars).count) distinct characters; \(unknown) of \(ids.count) fall outside the vocabulary of \(vocabulary.size) symbols (at most \(Int(maxUnknownShare * 100))% may)"
  )
}
