import Datasets
import Foundation

extension Chapter {
  /// The image data for this run: `--mnist DIR`, else `MNIST_DIR`, else Debian's
  /// Fashion-MNIST (see `ImageDataset.load`). Prints and records which one it was, so no
  /// figure is labelled MNIST when it was Fashion-MNIST.
  public func loadImages() throws -> ImageDataset {
    let dataset = try phase("load data") { try ImageDataset.load(mnistDirectory: options.mnist) }
    record(dataset.source, kind: "images")
    return dataset
  }

  /// The text corpus for this run: `--corpus DIR`, else `CORPUS_DIR`, else English text from
  /// Debian's `fortunes` (see `CharCorpus.load`). Prints and records which one it was.
  public func loadCorpus() throws -> CharCorpus {
    let corpus = try phase("load data") { try CharCorpus.load(corpusDirectory: options.corpus) }
    record(corpus.source, kind: "corpus")
    return corpus
  }

  func record(_ source: DataSource, kind: String) {
    recordData(kind: kind, name: source.name, location: source.location, summary: source.summary)
  }
}
