import Foundation
import Testing

@testable import Datasets

/// The sequence data of the recurrent chapters: Penn Treebank's word files, time-major
/// batches, endless streams that a checkpoint can continue, and whole documents padded and
/// masked into batches.
@Suite struct SequenceDataTests {
  let vocabulary = Vocabulary.standard

  // MARK: Word-level Penn Treebank

  @Test func wordCorpusNumbersWordsByFrequencyWithSentenceEnds() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    try dir.write("ptb.train.txt", " the cat sat \n the dog \n\n a cat \n")
    try dir.write("ptb.valid.txt", " the cat \n")
    try dir.write("ptb.test.txt", " a dog sat \n")
    #expect(WordCorpus.available(in: dir.path))
    let corpus = try WordCorpus.load(directory: dir.path)
    // <eos> first; then by count (cat 2, the 2 → alphabetical), then the singletons.
    #expect(corpus.words == ["<eos>", "cat", "the", "a", "dog", "sat"])
    let id = { (word: String) in corpus.words.firstIndex(of: word)! }
    // The blank line is no sentence; every sentence ends in <eos>.
    #expect(
      corpus.train
        == ["the", "cat", "sat", "<eos>", "the", "dog", "<eos>", "a", "cat", "<eos>"].map(id))
    #expect(corpus.valid == ["the", "cat", "<eos>"].map(id))
    #expect(corpus.test == ["a", "dog", "sat", "<eos>"].map(id))
    #expect(corpus.vocabularySize == 6)
    #expect(corpus.source.kind == .pennTreebankWords)
    #expect(corpus.source.summary.contains("6 words, 10 train, 3 valid, 4 test words"))
  }

  @Test func wordCorpusNamesAnUnknownWordAndItsFile() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    try dir.write("ptb.train.txt", " the cat \n")
    try dir.write("ptb.valid.txt", " the cat \n")
    try dir.write("ptb.test.txt", " the zebra \n")
    let error = #expect(throws: DatasetError.self) { try WordCorpus.load(directory: dir.path) }
    #expect(error?.description.contains("ptb.test.txt") == true)
    #expect(error?.description.contains("\"zebra\"") == true)
  }

  @Test func wordCorpusNamesMissingAndEmptyFiles() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    try dir.write("ptb.train.txt", " the cat \n")
    #expect(!WordCorpus.available(in: dir.path))
    let missing = #expect(throws: DatasetError.self) { try WordCorpus.load(directory: dir.path) }
    #expect(missing?.description.contains("ptb.valid.txt") == true)
    #expect(missing?.description.contains("ptb.test.txt") == true)

    try dir.write("ptb.valid.txt", "\n\n")
    try dir.write("ptb.test.txt", " the \n")
    let empty = #expect(throws: DatasetError.self) { try WordCorpus.load(directory: dir.path) }
    #expect(empty?.description.contains("ptb.valid.txt") == true)
  }

  // MARK: Time-major batches and streams

  @Test func timeMajorOrderTransposesBatchAndTime() {
    let tokens = Array(0..<60).map { UInt8($0 % 50) }
    let batch = CroppedSequences(tokens: tokens, batchSize: 3, length: 4, seed: 7, epoch: 0)
      .batch(0)
    let inputs = batch.timeMajorInputs
    let targets = batch.timeMajorTargets
    #expect(inputs.count == 12 && targets.count == 12)
    for b in 0..<3 {
      for t in 0..<4 {
        #expect(inputs[t * 3 + b] == batch.inputs[b * 4 + t])
        #expect(targets[t * 3 + b] == batch.targets[b * 4 + t])
        // The target is the next character of the same sequence.
        if t < 3 { #expect(targets[t * 3 + b] == inputs[(t + 1) * 3 + b]) }
      }
    }
  }

  @Test func sequenceStreamWrapsToANewEpochAndResumesFromItsCodedPosition() throws {
    let tokens = (0..<500).map { UInt8($0 % 50) }
    var stream = SequenceStream(batchSize: 4, length: 10, seed: 3)
    let perEpoch = CroppedSequences(tokens: tokens, batchSize: 4, length: 10, seed: 3, epoch: 0)
      .batchCount
    #expect(perEpoch > 1)
    var first: [[Int]] = []
    for _ in 0..<perEpoch { first.append(stream.next(from: tokens).inputs) }
    #expect(stream.epoch == 0 && stream.index == perEpoch)
    let wrapped = stream.next(from: tokens)
    #expect(stream.epoch == 1 && stream.index == 1)
    #expect(
      wrapped.inputs
        == CroppedSequences(tokens: tokens, batchSize: 4, length: 10, seed: 3, epoch: 1)
        .batch(0).inputs)
    #expect(wrapped.inputs != first[0], "a new epoch is a new crop and order")

    // A stream decoded from JSON continues exactly where the original does.
    let saved = try JSONDecoder().decode(
      SequenceStream.self, from: try JSONEncoder().encode(stream))
    #expect(saved == stream)
    var restored = saved
    for _ in 0..<(perEpoch + 2) {
      #expect(restored.next(from: tokens).inputs == stream.next(from: tokens).inputs)
    }
  }

  // MARK: Whole documents

  @Test func documentBatchPadsMasksAndCaps() {
    // Token ids stand for characters; each document predicts its next token.
    let documents: [ArraySlice<UInt8>] = [[5, 6, 7, 0], [8, 0], [9, 10, 11, 12, 13, 0]].map {
      ArraySlice($0)
    }
    let batch = DocumentBatch(documents: documents, cap: 4)
    #expect(batch.batchSize == 3)
    #expect(batch.lengths == [3, 1, 4])
    #expect(batch.steps == 4)
    let at = { (t: Int, b: Int) in t * 3 + b }
    #expect((0..<3).map { batch.inputs[at($0, 0)] } == [5, 6, 7])
    #expect((0..<3).map { batch.targets[at($0, 0)] } == [6, 7, 0])
    #expect(batch.inputs[at(0, 1)] == 8 && batch.targets[at(0, 1)] == 0)
    // The capped document keeps its first four steps.
    #expect((0..<4).map { batch.targets[at($0, 2)] } == [10, 11, 12, 13])
    // The mask is 1 exactly on the real steps, and padding is the newline symbol, 0.
    for b in 0..<3 {
      for t in 0..<4 {
        let real = t < batch.lengths[b]
        #expect(batch.mask[at(t, b)] == (real ? 1 : 0))
        if !real { #expect(batch.inputs[at(t, b)] == 0 && batch.targets[at(t, b)] == 0) }
      }
    }
    #expect(batch.mask.reduce(0, +) == 8)
  }

  @Test func documentStreamVisitsEveryDocumentOncePerEpochAndResumes() throws {
    let documents: [ArraySlice<UInt8>] = (0..<10).map { ArraySlice([UInt8($0 + 1), 0]) }
    var stream = DocumentStream(batchSize: 3, cap: 5, seed: 11)
    var seen: [Int] = []
    for _ in 0..<3 { seen += stream.next(from: documents).inputs }
    // Three batches of three: nine distinct documents, the tenth dropped this epoch.
    #expect(Set(seen).count == 9)
    #expect(stream.epoch == 0)
    var restored = try JSONDecoder().decode(
      DocumentStream.self, from: try JSONEncoder().encode(stream))
    let next = stream.next(from: documents)
    #expect(stream.epoch == 1 && stream.index == 1)
    #expect(restored.next(from: documents).inputs == next.inputs)
  }

  @Test func fortunesSplitOnBlankLinesAndSentencesOnNewlines() {
    let text = vocabulary.encode("one\nline two\n\nthree\n\nfour")
    let source = { (kind: DataSource.Kind) in
      DataSource(name: "t", location: "t", summary: "t", kind: kind)
    }
    let fortunes = CharCorpus(
      train: text, valid: [], test: [], vocabulary: vocabulary, source: source(.fortunes))
    let fortuneTexts = fortunes.documents(of: text).map { vocabulary.decode(Array($0)) }
    #expect(fortuneTexts == ["one\nline two\n", "three\n", "four"])

    let sentences = CharCorpus(
      train: text, valid: [], test: [], vocabulary: vocabulary,
      source: source(.pennTreebankCharacters))
    let sentenceTexts = sentences.documents(of: text).map { vocabulary.decode(Array($0)) }
    #expect(sentenceTexts == ["one\n", "line two\n", "three\n", "four"])
  }
}
