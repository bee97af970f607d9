import Foundation
import Testing

@testable import Datasets

/// Three 2x2 images and their labels: small enough to check every value by hand.
private let pixelBytes: [UInt8] = [0, 255, 51, 102, 255, 0, 0, 0, 10, 20, 30, 40]
private let labelBytes: [UInt8] = [7, 0, 9]
private let images = idxBytes(sizes: [3, 2, 2], payload: pixelBytes)
private let labels = idxBytes(sizes: [3], payload: labelBytes)

@Suite struct IDXTests {
  @Test(arguments: [false, true])
  func roundTrip(gzipped: Bool) throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let suffix = gzipped ? ".gz" : ""
    try dir.write("img" + suffix, gzipped ? gzip(images) : images)
    try dir.write("lbl" + suffix, gzipped ? gzip(labels) : labels)
    let set = try ImageDataset.loadPair(
      images: dir.file("img" + suffix), labels: dir.file("lbl" + suffix))
    #expect(set.count == 3 && set.rows == 2 && set.cols == 2)
    #expect(set.pixels == pixelBytes.map { Float($0) / 255 })
    #expect(set.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
    #expect(set.labels == [7, 0, 9])
  }

  @Test func gzipSniffedWithoutSuffix() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    try dir.write("labels-idx1-ubyte", gzip(labels))
    #expect(try IDX.readLabels(path: dir.file("labels-idx1-ubyte")) == [7, 0, 9])
  }

  /// Writes `bytes` and expects reading them as images to fail with exactly `expected`.
  private func expectImages(_ bytes: [UInt8], fail expected: (String) -> DatasetError) throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    try dir.write("images", bytes)
    #expect(throws: expected(dir.file("images"))) { try IDX.readImages(path: dir.file("images")) }
  }

  @Test func badMagic() throws {
    let bytes = idxBytes(sizes: [3, 2, 2], payload: pixelBytes, magicPrefix: [0x1F, 0x00])
    try expectImages(bytes) { .badMagic(file: $0, expected: 0x0803, found: 0x1F00_0803) }
  }

  @Test func badElementType() throws {
    try expectImages(idxBytes(type: 0x0D, sizes: [3, 2, 2], payload: pixelBytes)) {
      .badElementType(file: $0, expected: 0x08, found: 0x0D)
    }
  }

  @Test func wrongDimensionCount() throws {
    try expectImages(idxBytes(sizes: [3, 4], payload: pixelBytes)) {
      .wrongDimensionCount(file: $0, expected: 3, found: 2)
    }
  }

  @Test func truncated() throws {
    try expectImages(Array(images.dropLast())) {
      .truncated(file: $0, expectedBytes: images.count, foundBytes: images.count - 1)
    }
  }

  @Test func truncatedInsideHeader() throws {
    try expectImages(Array(images.prefix(9))) {
      .truncated(file: $0, expectedBytes: 16, foundBytes: 9)
    }
  }

  @Test func overlong() throws {
    try expectImages(images + [0]) {
      .overlong(file: $0, expectedBytes: images.count, foundBytes: images.count + 1)
    }
  }

  @Test func labelOutOfRange() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    try dir.write("labels", idxBytes(sizes: [3], payload: [1, 10, 2]))
    #expect(throws: DatasetError.labelOutOfRange(file: dir.file("labels"), index: 1, label: 10)) {
      try IDX.readLabels(path: dir.file("labels"))
    }
  }

  @Test func countMismatch() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    try dir.write("images", images)
    try dir.write("labels", idxBytes(sizes: [2], payload: [1, 2]))
    #expect(
      throws: DatasetError.countMismatch(
        images: dir.file("images"), imageCount: 3, labels: dir.file("labels"), labelCount: 2)
    ) { try ImageDataset.loadPair(images: dir.file("images"), labels: dir.file("labels")) }
  }

  @Test func badGzip() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    var damaged = gzip(images)
    damaged[damaged.count / 2] ^= 0xFF  // corrupt the deflate data (or the CRC over it)
    try dir.write("corrupt.gz", damaged)
    try dir.write("cut.gz", Array(gzip(images).prefix(12)))
    for name in ["corrupt.gz", "cut.gz"] {
      let error = #expect(throws: DatasetError.self) { try IDX.readImages(path: dir.file(name)) }
      guard case .badGzip(let file, _) = error else {
        Issue.record("expected badGzip for \(name), got \(String(describing: error))")
        continue
      }
      #expect(file == dir.file(name))
    }
  }

  @Test func missingFileIsUnreadable() throws {
    let error = #expect(throws: DatasetError.self) {
      try IDX.readImages(path: "/nonexistent/images")
    }
    guard case .unreadable(let file, _) = error else {
      Issue.record("expected unreadable, got \(String(describing: error))")
      return
    }
    #expect(file == "/nonexistent/images")
  }

  @Test func messagesNameFileAndExpectation() {
    let message = DatasetError.truncated(
      file: "/d/train-images-idx3-ubyte", expectedBytes: 47_040_016, foundBytes: 1024
    )
    .description
    #expect(message.contains("/d/train-images-idx3-ubyte"))
    #expect(message.contains("47040016") && message.contains("1024"))
    #expect(
      DatasetError.badMagic(file: "f", expected: 0x803, found: 0x1234).description.contains(
        "0x00000803"))
  }
}

@Suite struct ImageSourceTests {
  private func writeMNIST(in dir: TemporaryDirectory, gzipped: Bool, testCount: Int = 3) throws {
    let suffix = gzipped ? ".gz" : ""
    func put(_ name: String, _ bytes: [UInt8]) throws {
      try dir.write(name + suffix, gzipped ? gzip(bytes) : bytes)
    }
    try put("train-images-idx3-ubyte", images)
    try put("train-labels-idx1-ubyte", labels)
    try put(
      "t10k-images-idx3-ubyte",
      idxBytes(sizes: [testCount, 2, 2], payload: Array(pixelBytes.prefix(4 * testCount))))
    try put(
      "t10k-labels-idx1-ubyte",
      idxBytes(sizes: [testCount], payload: Array(labelBytes.prefix(testCount))))
  }

  @Test func explicitDirectoryWinsOverEnvironmentAndDefault() throws {
    let explicit = try TemporaryDirectory()
    let fromEnv = try TemporaryDirectory()
    defer {
      explicit.cleanUp()
      fromEnv.cleanUp()
    }
    try writeMNIST(in: explicit, gzipped: true, testCount: 1)
    try writeMNIST(in: fromEnv, gzipped: false, testCount: 2)
    let a = try ImageDataset.load(
      mnistDirectory: explicit.path, environment: ["MNIST_DIR": fromEnv.path],
      fashionDirectory: "/nonexistent")
    #expect(a.test.count == 1)
    #expect(a.source.kind == .mnist && a.source.label == "MNIST (\(explicit.path))")
    #expect(a.source.summary == "3 train + 1 test images, 2x2")
    let b = try ImageDataset.load(
      environment: ["MNIST_DIR": fromEnv.path], fashionDirectory: "/nonexistent")
    #expect(b.test.count == 2)
  }

  @Test func defaultIsFashionMNISTDirectory() throws {
    let fashion = try TemporaryDirectory()
    defer { fashion.cleanUp() }
    try writeMNIST(in: fashion, gzipped: true)
    let data = try ImageDataset.load(environment: [:], fashionDirectory: fashion.path)
    #expect(data.source.kind == .fashionMNIST && data.source.name == "Fashion-MNIST")
    #expect(data.source.description.hasPrefix("Fashion-MNIST (\(fashion.path)): 3 train + 3 test"))
  }

  @Test func missingDataSaysWhatToInstallOrPass() throws {
    let error = #expect(throws: DatasetError.self) {
      try ImageDataset.load(environment: [:], fashionDirectory: "/nonexistent/fashion")
    }
    let message = error?.description ?? ""
    #expect(
      message.contains("apt-get install dataset-fashion-mnist") && message.contains("--mnist"))
  }

  @Test func incompleteDirectoryListsMissingFiles() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    try dir.write("train-images-idx3-ubyte", images)
    let error = #expect(throws: DatasetError.self) {
      try ImageDataset.load(mnistDirectory: dir.path, environment: [:])
    }
    guard case .missingFiles(_, let missing, _) = error else {
      Issue.record("expected missingFiles, got \(String(describing: error))")
      return
    }
    #expect(
      missing == ["train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"])
  }
}
