import Foundation
import Testing

@testable import Datasets

/// `count` 2x2 images whose pixels encode their index, with labels cycling through classes.
private func indexedSet(count: Int, classes: [Int]) -> ImageSet {
  ImageSet(
    count: count, rows: 2, cols: 2,
    pixels: (0..<count).flatMap { i in [Float](repeating: Float(i), count: 4) },
    labels: (0..<count).map { classes[$0 % classes.count] })
}

@Suite struct ImageViewsTests {
  @Test func validationSplitIsDeterministicAndDisjoint() throws {
    let set = indexedSet(count: 100, classes: Array(0..<10))
    let a = try set.split(validationCount: 20, seed: 7)
    let b = try set.split(validationCount: 20, seed: 7)
    let c = try set.split(validationCount: 20, seed: 8)
    #expect(a.validation.pixels == b.validation.pixels && a.train.pixels == b.train.pixels)
    #expect(a.validation.pixels != c.validation.pixels)
    #expect(a.train.count == 80 && a.validation.count == 20)
    let ids = Set(a.train.pixels.enumerated().filter { $0.offset % 4 == 0 }.map { Int($0.element) })
    let held = Set(
      a.validation.pixels.enumerated().filter { $0.offset % 4 == 0 }.map { Int($0.element) })
    #expect(ids.isDisjoint(with: held) && ids.union(held) == Set(0..<100))
  }

  @Test func stratifiedSubsampleBalancesClasses() throws {
    // Unbalanced input: class 0 is four times as common as classes 1...9.
    let labels = (0..<1300).map { $0 < 400 ? 0 : 1 + ($0 % 9) }
    let set = ImageSet(
      count: 1300, rows: 2, cols: 2, pixels: [Float](repeating: 0, count: 5200), labels: labels)
    let sample = try set.stratifiedSubsample(200, seed: 3)
    #expect(sample.count == 200)
    #expect(sample.classCounts == [Int](repeating: 20, count: 10))
    let again = try set.stratifiedSubsample(205, seed: 3)
    #expect(again.classCounts == [21, 21, 21, 21, 21, 20, 20, 20, 20, 20])
    #expect(try set.stratifiedSubsample(200, seed: 3).labels == sample.labels)
  }

  @Test func stratifiedSubsampleDependsOnSeed() throws {
    let set = indexedSet(count: 500, classes: Array(0..<10))
    let a = try set.stratifiedSubsample(50, seed: 1)
    let b = try set.stratifiedSubsample(50, seed: 2)
    #expect(a.pixels != b.pixels)
    #expect(try set.stratifiedSubsample(50, seed: 1).pixels == a.pixels)
  }

  @Test func downsamplingAveragesTwoByTwoBlocks() {
    // One 4x4 image:        becomes 2x2:
    //  0  1  2  3           (0+1+4+5)/4=2.5   (2+3+6+7)/4=4.5
    //  4  5  6  7           (8+9+12+13)/4=10.5 (10+11+14+15)/4=12.5
    //  8  9 10 11
    // 12 13 14 15
    let image = ImageSet(count: 1, rows: 4, cols: 4, pixels: (0..<16).map(Float.init), labels: [3])
    let small = image.downsampled2x2()
    #expect(small.rows == 2 && small.cols == 2 && small.imageSize == 4)
    #expect(small.pixels == [2.5, 4.5, 10.5, 12.5])
    #expect(small.labels == [3])
  }

  @Test func permutationIsSeededBijection() {
    let a = PixelPermutation(count: 784, seed: 42)
    #expect(a.isBijection)
    #expect(Set(a.order) == Set(0..<784))
    #expect(a == PixelPermutation(count: 784, seed: 42))
    #expect(a != PixelPermutation(count: 784, seed: 43))
    #expect(a.order != Array(0..<784))
    let roundTrip = a.order.map { a.inverse.order[$0] }
    #expect(roundTrip == Array(0..<784))
  }

  @Test func permutationRejectsDuplicates() {
    #expect(
      throws: DatasetError.invalidPermutation(file: "p", reason: "value 1 appears twice (entry 2)")
    ) {
      try PixelPermutation(order: [0, 1, 1], file: "p")
    }
  }

  @Test func permutationSavesAndLoads() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let permutation = PixelPermutation(count: 196, seed: 9)
    let path = try permutation.save(toDirectory: dir.file("run"))
    #expect(path == dir.file("run/pixel-permutation.txt"))
    #expect(try PixelPermutation.load(path: path) == permutation)
    try dir.write("bad.txt", "0\n2\n2\n")
    #expect(throws: DatasetError.self) { try PixelPermutation.load(path: dir.file("bad.txt")) }
  }

  @Test func permutedImagesAndSequences() {
    let set = ImageSet(
      count: 2, rows: 2, cols: 2, pixels: [0, 1, 2, 3, 10, 11, 12, 13], labels: [4, 5])
    let permutation = try! PixelPermutation(order: [2, 0, 3, 1])
    #expect(set.permuted(by: permutation).pixels == [2, 0, 3, 1, 12, 10, 13, 11])
    var inputs: [Float] = []
    var labels: [Int] = []
    set.fillSequences(indices: [1, 0], permutation: permutation, inputs: &inputs, labels: &labels)
    // Time-major: inputs[t * B + b].
    #expect(inputs == [12, 2, 10, 0, 13, 3, 11, 1])
    #expect(labels == [5, 4])
    set.fillSequences(indices: [0], inputs: &inputs, labels: &labels)
    #expect(inputs == [0, 1, 2, 3])
  }

  /// Filling a batch indexes raw pointers; an example index outside the set must stop the
  /// program rather than read past the pixels.
  @Test func fillingRejectsAnIndexOutsideTheSet() async {
    let images = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      var inputs: [Float] = []
      var labels: [Int] = []
      indexedSet(count: 3, classes: [0]).fill(indices: [0, 3], inputs: &inputs, labels: &labels)
    }
    let sequences = await #expect(
      processExitsWith: .failure, observing: [\.standardErrorContent]
    ) {
      var inputs: [Float] = []
      var labels: [Int] = []
      indexedSet(count: 3, classes: [0]).fillSequences(
        indices: [-1], inputs: &inputs, labels: &labels)
    }
    for (result, message) in [(images, "example 3 of a set of 3"), (sequences, "example -1 of")] {
      let standardError = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
      #expect(standardError.contains(message), "\(standardError)")
    }
  }

  /// A stream saved part-way and restored hands out exactly the batches the original does,
  /// across an epoch boundary.
  @Test func miniBatchStreamResumesExactly() throws {
    var stream = MiniBatchStream(count: 10, batchSize: 3, seed: 4)
    for _ in 0..<4 { _ = stream.next() }  // into the second epoch (3 batches per epoch)
    let saved = try JSONEncoder().encode(stream)
    var restored = try JSONDecoder().decode(MiniBatchStream.self, from: saved)
    #expect(restored == stream)
    for _ in 0..<7 { #expect(Array(restored.next()) == Array(stream.next())) }
    // The epochs are MiniBatches' seeded orders, 3 batches each.
    var fresh = MiniBatchStream(count: 10, batchSize: 3, seed: 4)
    let epoch1 = MiniBatches(count: 10, batchSize: 3, seed: 4, epoch: 1).order
    for _ in 0..<3 { _ = fresh.next() }
    #expect(Array(fresh.next()) == Array(epoch1[0..<3]))
  }

  @Test func miniBatchesShuffleSeededPerEpoch() {
    let epoch0 = Array(MiniBatches(count: 10, batchSize: 3, seed: 5, epoch: 0))
    #expect(epoch0.count == 3 && epoch0.allSatisfy { $0.count == 3 })
    #expect(epoch0 == Array(MiniBatches(count: 10, batchSize: 3, seed: 5, epoch: 0)))
    #expect(epoch0 != Array(MiniBatches(count: 10, batchSize: 3, seed: 5, epoch: 1)))
    let all = Array(MiniBatches(count: 10, batchSize: 3, seed: 5, epoch: 0, dropLast: false))
    #expect(all.map(\.count) == [3, 3, 3, 1])
    #expect(all.flatMap { $0 }.sorted() == Array(0..<10))
  }

  @Test func filledBatchesMatchTheirExamples() {
    let set = indexedSet(count: 10, classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    for batch in set.batches(size: 4, seed: 1, epoch: 2) {
      #expect(batch.inputs.count == 16 && batch.size == 4)
      for row in 0..<4 {
        let index = Int(batch.inputs[row * 4])
        #expect(batch.labels[row] == index % 10)
        #expect(Array(batch.inputs[row * 4..<row * 4 + 4]) == Array(set.image(index)))
      }
    }
  }
}
