import Foundation
import Invariants

/// A set of grey-scale images with their class labels, as plain row-major Float buffers.
public struct ImageSet: Sendable {
  public let count: Int
  public let rows: Int
  public let cols: Int
  /// `count * rows * cols` values in [0, 1]; image `i` starts at `i * rows * cols`.
  public var pixels: [Float]
  /// `count` class indices in 0...9.
  public var labels: [Int]

  public init(count: Int, rows: Int, cols: Int, pixels: [Float], labels: [Int]) {
    require(pixels.count == count * rows * cols, "pixels must hold count*rows*cols values")
    require(labels.count == count, "labels must hold count values")
    self.count = count
    self.rows = rows
    self.cols = cols
    self.pixels = pixels
    self.labels = labels
  }

  /// Pixels per image (784 for MNIST): the width of the flat input vector.
  public var imageSize: Int { rows * cols }
}

/// Training and test images plus where they came from.
public struct ImageDataset: Sendable {
  public let train: ImageSet
  public let test: ImageSet
  public let source: DataSource

  public init(train: ImageSet, test: ImageSet, source: DataSource) {
    self.train = train
    self.test = test
    self.source = source
  }

  /// Where Debian's `dataset-fashion-mnist` installs its files.
  public static let debianFashionMNISTDirectory = "/usr/share/datasets/fashion-mnist"

  /// The four files every MNIST-format directory holds (each may also end in `.gz`).
  public static let standardFiles = [
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
  ]

  /// Loads images from, in order of precedence:
  /// 1. `mnistDirectory` (the `--mnist DIR` option),
  /// 2. the `MNIST_DIR` environment variable,
  /// 3. Fashion-MNIST from Debian's `dataset-fashion-mnist` (`fashionDirectory`).
  ///
  /// An explicitly named directory that is missing or incomplete is an error, never a silent
  /// fall-back to Fashion-MNIST: the reader asked for MNIST and must get MNIST or a reason.
  public static func load(
    mnistDirectory: String? = nil,
    environment: [String: String] = ProcessInfo.processInfo.environment,
    fashionDirectory: String = debianFashionMNISTDirectory
  ) throws -> ImageDataset {
    if let directory = nonEmpty(mnistDirectory) ?? nonEmpty(environment["MNIST_DIR"]) {
      return try load(directory: directory, name: "MNIST", location: directory, kind: .mnist)
    }
    guard FileManager.default.fileExists(atPath: fashionDirectory) else {
      throw DatasetError.noDataSource(
        what: "image data",
        tried: ["--mnist (not given)", "MNIST_DIR (not set)", fashionDirectory],
        hint:
          "Install the default with `apt-get install dataset-fashion-mnist`, or pass --mnist DIR "
          + "(or set MNIST_DIR) to a directory with the four MNIST files; "
          + "`companion fetch mnist --to DIR` downloads them.")
    }
    let location =
      fashionDirectory == debianFashionMNISTDirectory
      ? "Debian dataset-fashion-mnist, \(fashionDirectory)" : fashionDirectory
    return try load(
      directory: fashionDirectory, name: "Fashion-MNIST", location: location, kind: .fashionMNIST)
  }

  /// Loads the four standard files from one directory and checks that they fit together.
  public static func load(
    directory: String, name: String, location: String, kind: DataSource.Kind
  ) throws -> ImageDataset {
    let hint =
      "Expected \(standardFiles.joined(separator: ", ")) (each raw or .gz); "
      + "`companion fetch mnist --to \(directory)` downloads them."
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory),
      isDirectory.boolValue
    else {
      throw DatasetError.missingFiles(
        directory: directory, missing: ["the directory itself"], hint: hint)
    }
    var paths: [String] = []
    var missing: [String] = []
    for file in standardFiles {
      if let path = locate(file, in: directory) { paths.append(path) } else { missing.append(file) }
    }
    guard missing.isEmpty else {
      throw DatasetError.missingFiles(directory: directory, missing: missing, hint: hint)
    }
    let train = try loadPair(images: paths[0], labels: paths[1])
    let test = try loadPair(images: paths[2], labels: paths[3])
    guard train.rows == test.rows, train.cols == test.cols else {
      throw DatasetError.shapeMismatch(
        file: paths[2], expected: "\(train.rows)x\(train.cols) like \(paths[0])",
        found: "\(test.rows)x\(test.cols)")
    }
    let summary = "\(train.count) train + \(test.count) test images, \(train.rows)x\(train.cols)"
    return ImageDataset(
      train: train, test: test,
      source: DataSource(name: name, location: location, summary: summary, kind: kind))
  }

  /// One image file and its label file, checked to hold the same number of examples.
  public static func loadPair(images: String, labels: String) throws -> ImageSet {
    let decoded = try IDX.readImages(path: images)
    let classes = try IDX.readLabels(path: labels)
    guard decoded.count == classes.count else {
      throw DatasetError.countMismatch(
        images: images, imageCount: decoded.count, labels: labels, labelCount: classes.count)
    }
    return ImageSet(
      count: decoded.count, rows: decoded.rows, cols: decoded.cols, pixels: decoded.pixels,
      labels: classes)
  }

  /// `name` or `name.gz`, whichever exists (raw preferred: it needs no inflating).
  static func locate(_ name: String, in directory: String) -> String? {
    for candidate in [name, name + ".gz"] {
      let path = (directory as NSString).appendingPathComponent(candidate)
      if FileManager.default.fileExists(atPath: path) { return path }
    }
    return nil
  }
}

func nonEmpty(_ value: String?) -> String? {
  guard let value, !value.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
  return value
}
