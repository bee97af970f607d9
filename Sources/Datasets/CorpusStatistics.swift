/// The numbers a reader wants before trusting a language-model result: how much text, over
/// how many symbols, from where. Printed at the start of a run and stored in `results.json`.
public struct CorpusStatistics: Codable, CustomStringConvertible, Equatable, Sendable {
  public let source: DataSource
  public let vocabularySize: Int
  public let trainCharacters: Int
  public let validCharacters: Int
  public let testCharacters: Int
  /// Fraction of training characters that map to the unknown symbol.
  public let unknownFraction: Double
  /// How many distinct symbols actually occur in the training split.
  public let symbolsUsed: Int

  public var description: String {
    let percent = (unknownFraction * 10000).rounded() / 100
    return """
      \(source.label)
        vocabulary: \(vocabularySize) symbols (\(symbolsUsed) occur in train), unknown: \(percent)% of train
        characters: \(trainCharacters) train, \(validCharacters) valid, \(testCharacters) test
      """
  }
}

extension CharCorpus {
  public var statistics: CorpusStatistics {
    var used = [Bool](repeating: false, count: vocabulary.size)
    var unknowns = 0
    for id in train {
      used[Int(id)] = true
      if id == vocabulary.unknown { unknowns += 1 }
    }
    return CorpusStatistics(
      source: source, vocabularySize: vocabulary.size, trainCharacters: train.count,
      validCharacters: valid.count, testCharacters: test.count,
      unknownFraction: train.isEmpty ? 0 : Double(unknowns) / Double(train.count),
      symbolsUsed: used.filter { $0 }.count)
  }
}
