import Foundation
import Randomness

/// English text from Debian's `fortunes` package, the default corpus when no Penn Treebank is
/// given: a few megabytes of quotations, jokes and verse, freely redistributable.
///
/// Format: each file holds fortunes separated by lines containing only `%`. Beside each text
/// file are a binary index (`name.dat`, for the `fortune` program) and, on Debian, a `name.u8`
/// symlink to the same text; offensive fortunes live in an `off/` subdirectory. We read only
/// the plain text files at the top level: no `.dat`, no `.u8`, no symlinks, no `off/`.
extension CharCorpus {
  /// One fortune per element, in file-name order then file order.
  public static func readFortunes(directory: String) throws -> [String] {
    let fm = FileManager.default
    let names: [String]
    do {
      names = try fm.contentsOfDirectory(atPath: directory).sorted()
    } catch {
      throw DatasetError.unreadable(file: directory, reason: describe(error))
    }
    var fortunes: [String] = []
    for name in names where isFortuneTextFile(name) {
      let path = (directory as NSString).appendingPathComponent(name)
      // Only regular files: skips `off/` and any other directory, and symlinks (`.u8`).
      guard let type = try? fm.attributesOfItem(atPath: path)[.type] as? FileAttributeType,
        type == .typeRegular
      else { continue }
      guard let data = try? Data(contentsOf: URL(fileURLWithPath: path)), !data.contains(0) else {
        continue  // unreadable or binary: not fortune text
      }
      fortunes += splitFortunes(String(decoding: data, as: UTF8.self))
    }
    return fortunes
  }

  static func isFortuneTextFile(_ name: String) -> Bool {
    !name.hasPrefix(".") && !name.hasSuffix(".dat") && !name.hasSuffix(".u8") && name != "off"
  }

  /// Splits one fortune file at its `%` lines and tidies each fortune into plain lines:
  /// overstrikes (`x\bx`, used for bold and underline) keep the last character, whitespace
  /// runs become one space, lines are trimmed, blank lines dropped.
  public static func splitFortunes(_ text: String) -> [String] {
    var fortunes: [String] = []
    var lines: [String] = []
    func finish() {
      if !lines.isEmpty { fortunes.append(lines.joined(separator: "\n")) }
      lines.removeAll()
    }
    for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if rawLine.trimmingCharacters(in: .whitespaces) == "%" {
        finish()
        continue
      }
      var scalars: [Unicode.Scalar] = []
      for scalar in rawLine.unicodeScalars {
        if scalar == "\u{8}" {
          if !scalars.isEmpty { scalars.removeLast() }
        } else if scalar == "\t" || scalar == "\r" {
          scalars.append(" ")
        } else {
          scalars.append(scalar)
        }
      }
      var line = String(String.UnicodeScalarView(scalars))
      line = line.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
      if !line.isEmpty { lines.append(line) }
    }
    finish()
    return fortunes
  }

  /// Which split a fortune belongs to: 90% train, 5% valid, 5% test, decided by a hash of
  /// its text (FNV-1a, 64-bit). Why a hash rather than a shuffle: the assignment does not
  /// depend on file order or on which other fortunes exist, and a fortune repeated in two
  /// files lands in the same split, so no test text leaks into training.
  public static func fortuneSplit(_ fortune: String) -> Int {
    let bucket = FNV1a.hash(fortune) % 100
    return bucket < 90 ? 0 : (bucket < 95 ? 1 : 2)
  }

  /// Loads the fortunes in `directory` as a corpus (each fortune's lines end in newline;
  /// fortunes follow one another with one extra newline between them).
  public static func loadFortunes(directory: String, vocabulary: Vocabulary = .standard) throws
    -> CharCorpus
  {
    let fortunes = try readFortunes(directory: directory)
    var splits: [[UInt8]] = [[], [], []]
    for fortune in fortunes {
      let part = fortuneSplit(fortune)
      splits[part] += vocabulary.encode(fortune)
      splits[part] += [vocabulary.newline, vocabulary.newline]
    }
    for (ids, name) in zip(splits, ["train", "valid", "test"]) where ids.isEmpty {
      throw DatasetError.emptySplit(source: directory, split: name)
    }
    let location =
      directory == debianFortunesDirectory ? "Debian fortunes, \(directory)" : directory
    let summary =
      "\(fortunes.count) fortunes; \(splits[0].count) train, \(splits[1].count) valid, \(splits[2].count) test characters"
    return CharCorpus(
      train: splits[0], valid: splits[1], test: splits[2], vocabulary: vocabulary,
      source: DataSource(name: "fortunes", location: location, summary: summary, kind: .fortunes))
  }
}
