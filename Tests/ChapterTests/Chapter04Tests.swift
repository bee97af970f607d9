import Companion
import Foundation
import Testing

/// Chapter 4 at the smoke preset: the learning-rate grid and repetitions of five models, the
/// claims read off them, the trained models' samples and other lengths, the variable-length
/// runs, the statistics spread and the four figures, on a small generated Penn Treebank
/// character corpus (so the test needs no download), and on Debian's fortunes when
/// installed. It checks that every claim is measured and that the variants really differ, not
/// the paper's numbers (a smoke run is far too short to converge, so its claims are not
/// decided).
@Suite("Chapter 4: BN on an RNN's input")
struct Chapter04Tests {
  static let expectedClaims = [
    "input BN, sequence-wise reaches the LSTM's training",
    "input BN, frame-wise reaches the LSTM's training",
    "input BN, sequence-wise: best validation",
    "input BN, frame-wise: best validation",
    "input BN, sequence-wise: validation bpc at equal training fit",
    "input BN, frame-wise: validation bpc at equal training fit",
    "the speed-up is not only the input term's scale",
    "naive hidden-to-hidden BN does not speed up training",
    "naive hidden-to-hidden BN does not beat the LSTM's best validation",
    "sequence-wise statistics serve sequences of other lengths",
    "frame-wise statistics at late steps vary more across batches",
  ]
  static let models = [
    "LSTM", "LSTM, input at BN's scale", "input BN, sequence-wise", "input BN, frame-wise",
    "naive hidden BN",
  ]

  /// Everything a finished smoke run must have reported, whatever the corpus.
  static func checkComplete(_ results: Results) {
    #expect(results.status == .complete)
    #expect(results.config.chapter == 4)
    #expect(results.claims.count == expectedClaims.count)
    for prefix in expectedClaims {
      let claim = results.claims.first { $0.text.hasPrefix(prefix) }
      #expect(claim != nil, "missing claim: \(prefix)")
    }
    // A difference of best validation bpc needs no convergence to be a number.
    for claim in results.claims where claim.text.contains("best validation") {
      #expect(claim.measured.isFinite, "\(claim.text): \(claim.measured)")
    }
    #expect(
      Set(results.figures.map(\.name))
        == ["04-curves", "04-hidden", "04-frontier", "04-variable-length"])
    #expect(
      Set(results.tables.map(\.name)).isSuperset(of: [
        "learning-rate grid", "models at their rates", "every repetition",
        "statistics at evaluation", "samples", "other lengths",
      ]))

    // Every model was trained at every rate of the grid, and the normalizations really
    // differ: at one rate all five start from the same weights and see the same batches, so a
    // variant whose BN (or scale) were silently off would reproduce the LSTM's curve exactly.
    let validation = results.metrics.series.filter { $0.metric == "validation bpc" }
    for rate in ["0.001", "0.002", "0.004", "0.008"] {
      var curves: [[Double]] = []
      for model in models {
        let curve = validation.first { $0.run == "\(model), rate \(rate)" }
        #expect((curve?.points.count ?? 0) >= 3, "validation curve of \(model) at \(rate)")
        #expect(curve?.values.allSatisfy(\.isFinite) == true, "finite curve of \(model)")
        curves.append(curve?.values ?? [])
      }
      #expect(Set(curves.map { $0.map(\.bitPattern) }).count == models.count)
      // A character model that learnt anything is below log2(55) ≈ 5.8 bits per character.
      for curve in curves { #expect((curve.last ?? .infinity) < 5.78) }
    }
    // The second repetition of each model at its chosen rate: its own weights and batches.
    for model in models {
      #expect(
        validation.contains { $0.run.hasPrefix("\(model), rate ") && $0.run.hasSuffix(" #2") })
    }

    for name in [
      "late frame-wise mean spread (relative)", "sequence-wise mean spread (relative)",
      "sequences still running, mean over the last quarter of steps",
      "best validation bpc on whole documents, input BN, frame-wise",
      "best validation bpc on whole documents, LSTM",
      "input term's scale, BN / LSTM, at initialisation",
    ] {
      #expect(results.metrics.scalars[name]?.isFinite == true, "scalar \(name)")
    }
    // Whole documents have different lengths: fewer sequences run late than at step 0.
    let lateRunning = results.metrics.scalars[
      "sequences still running, mean over the last quarter of steps"]
    #expect((lateRunning ?? .infinity) < 64)
  }

  @Test func smokeRunOnAGeneratedPennTreebankCorpus() throws {
    let corpus = try PennTreebankFixture()
    defer { corpus.remove() }
    let (status, results) = try runChapter(
      "ch04-recurrentinput", arguments: ["--corpus", corpus.path])
    #expect(status == 0)
    Self.checkComplete(results)
    #expect(results.config.data.first?.name == "Penn Treebank")
  }

  /// The harness's promise for `--jobs`: independent runs side by side in child processes
  /// give the chapter exactly what they give one after another — every claim, every point of
  /// every series (in the same order), every scalar — and print the same narration.
  @Test func runsSideBySideGiveTheSameResultsBitForBit() throws {
    let corpus = try PennTreebankFixture()
    defer { corpus.remove() }
    let inOrder = try ChapterHarness.run(
      "ch04-recurrentinput", arguments: ["--corpus", corpus.path, "--jobs", "1"])
    let sideBySide = try ChapterHarness.run(
      "ch04-recurrentinput", arguments: ["--corpus", corpus.path, "--jobs", "3"])
    #expect(inOrder.status == 0 && sideBySide.status == 0, "\(sideBySide.standardError)")
    let (a, b) = (try #require(inOrder.results), try #require(sideBySide.results))
    #expect(a.claims == b.claims)
    #expect(a.metrics.sameBits(as: b.metrics), "every series and scalar, bit for bit")
    // The narration, without the wall times each run prints.
    func narration(_ text: String) -> [String] {
      text.split(separator: "\n").map {
        String($0).replacing(/\(\d+\.\d s\)/, with: "(time)")
      }.filter {
        !$0.hasPrefix("results:") && !$0.hasPrefix("figure:") && !$0.contains("output in")
      }
    }
    #expect(narration(inOrder.standardOutput) == narration(sideBySide.standardOutput))
  }

  @Test(.enabled(if: fortunesAvailable, "needs Debian's fortunes: apt-get install fortunes"))
  func smokeRunOnFortunes() throws {
    let (status, results) = try runChapter("ch04-recurrentinput")
    #expect(status == 0)
    Self.checkComplete(results)
    #expect(results.config.data.first?.name == "fortunes")
  }
}

let fortunesAvailable = FileManager.default.fileExists(atPath: "/usr/share/games/fortunes")

/// A small Penn Treebank in the character files' format (" t h e _ c a t \n"): seeded random
/// sentences of 3-25 words from a fixed word list, so sentence lengths vary like real text.
struct PennTreebankFixture {
  let path: String

  init(trainSentences: Int = 900, validSentences: Int = 250, testSentences: Int = 50) throws {
    path = (NSTemporaryDirectory() as NSString).appendingPathComponent(
      "ptb-fixture-\(UUID().uuidString)")
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    let words = """
      the of and to a in that is was he for it with as his on be at by had are but from or \
      have an they which one you were her all she there would their we him been has when who \
      will more no if out so said what up its about into than them can only other new some \
      could time these two may then do first any my now such like our over man me even most \
      made after also did many before must through back years where much your way well down \
      should because each just those people how too little state good very make world still \
      own see men work long get here between both life being under never day same another \
      know while last might us great old year off come since against go came right used take \
      three bank market stock n shares price
      """.split(separator: " ").map(String.init)
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next(_ bound: Int) -> Int {
      // SplitMix64: a fixed, platform-independent sequence.
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return Int((z ^ (z >> 31)) % UInt64(bound))
    }
    for (split, count) in [
      ("train", trainSentences), ("valid", validSentences), ("test", testSentences),
    ] {
      var lines: [String] = []
      for _ in 0..<count {
        let sentence = (0..<(3 + next(23))).map { _ in words[next(words.count)] }
        let characters = sentence.joined(separator: "_").map(String.init).joined(separator: " ")
        lines.append(" \(characters) ")
      }
      try (lines.joined(separator: "\n") + "\n").write(
        toFile: (path as NSString).appendingPathComponent("ptb.char.\(split).txt"),
        atomically: true, encoding: .utf8)
    }
  }

  func remove() { try? FileManager.default.removeItem(atPath: path) }
}
