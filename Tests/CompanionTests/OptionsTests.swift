import ArgumentParser
import Foundation
import Testing

@testable import Companion

@Suite("Options and presets")
struct OptionsTests {
  @Test func defaultsAreTheBookRunWithSeedOneOnOneThread() throws {
    let options = try ChapterOptions.parse([])
    #expect(options.preset == .book)
    #expect(options.seed == 1)
    #expect(options.threads == 1)
    #expect(options.steps == nil && options.epochs == nil && options.out == nil)
    #expect(options.mnist == nil && options.corpus == nil && !options.quiet)
  }

  @Test func everyOptionCanBeOverridden() throws {
    let options = try ChapterOptions.parse([
      "--preset", "smoke", "--seed", "42", "--threads", "2", "--steps", "100", "--epochs", "3",
      "--out", "/tmp/x", "--mnist", "/data/mnist", "--corpus", "/data/ptb", "--quiet",
    ])
    #expect(options.preset == .smoke)
    #expect(options.seed == 42)
    #expect(options.threads == 2)
    #expect(options.steps == 100 && options.epochs == 3)
    #expect(
      options.out == "/tmp/x" && options.mnist == "/data/mnist" && options.corpus == "/data/ptb")
    #expect(options.quiet)
  }

  @Test func anUnknownPresetIsAnError() {
    #expect(throws: (any Error).self) { try ChapterOptions.parse(["--preset", "huge"]) }
    do {
      _ = try ChapterOptions.parse(["--preset", "huge"])
    } catch {
      #expect(ChapterOptions.exitCode(for: error).rawValue == 64)
      #expect(ChapterOptions.message(for: error).contains("smoke"))
    }
  }

  @Test(
    arguments: [
      ["--threads", "0"], ["--steps", "0"], ["--epochs", "-1"], ["--seed", "-3"], ["--jobs", "0"],
    ])
  func nonsenseNumbersAreErrors(arguments: [String]) {
    #expect(throws: (any Error).self) { try ChapterOptions.parse(arguments) }
  }

  @Test func jobsDefaultToOnePerCoreLeftByTheBLASThreads() throws {
    let cores = ProcessInfo.processInfo.activeProcessorCount
    #expect(try ChapterOptions.parse([]).parallelJobs == cores)
    #expect(try ChapterOptions.parse(["--threads", "2"]).parallelJobs == max(1, cores / 2))
    #expect(try ChapterOptions.parse(["--jobs", "5"]).parallelJobs == 5)
    // The runner passes --jobs on to its chapters.
    #expect(try ChapterOptions.parse(["--jobs", "3"]).arguments.contains("--jobs"))
  }

  @Test func aLongRunsEstimateCountsTheRunsSideBySide() throws {
    let output = TextCollector()
    let chapter = try TestChapter.make(["--jobs", "2"], output: output)
    // 7,200 steps of 1 s: 2 h in order, 1 h two at a time.
    chapter.announceLongRun("runs", steps: 7_200, secondsPerStep: 1)
    chapter.announceLongRun("runs", steps: 7_200, secondsPerStep: 1, sideBySide: true)
    #expect(output.text.contains("1 s each: about 2 h 0 min on this machine"))
    #expect(output.text.contains("1 s each, 2 runs at a time: about 1 h 0 min on this machine"))
  }

  @Test func argumentsRoundTripForTheRunner() throws {
    let original = try ChapterOptions.parse([
      "--preset", "paper", "--seed", "7", "--steps", "5", "--quiet",
    ])
    #expect(
      original.arguments == [
        "--preset", "paper", "--seed", "7", "--threads", "1", "--steps", "5", "--quiet",
      ])
    let reparsed = try ChapterOptions.parse(original.arguments)
    #expect(reparsed.arguments == original.arguments)
  }

  @Test func presetsPickTheirOwnValue() {
    #expect(Preset.smoke.pick(smoke: 1, book: 2, paper: 3) == 1)
    #expect(Preset.book.pick(smoke: 1, book: 2, paper: 3) == 2)
    #expect(Preset.paper.pick(smoke: 1, book: 2, paper: 3) == 3)
  }

  @Test func stepsAndEpochsOverridesWinOverThePreset() throws {
    let plain = try TestChapter.make(["--preset", "smoke"])
    #expect(plain.steps(default: plain.pick(smoke: 200, book: 50_000, paper: 60_000)) == 200)
    #expect(plain.epochs(default: 4) == 4)
    let overridden = try TestChapter.make(["--preset", "smoke", "--steps", "7", "--epochs", "2"])
    #expect(overridden.steps(default: 200) == 7)
    #expect(overridden.epochs(default: 4) == 2)
  }

  @Test func generatorsDependOnSeedAndPurposeOnly() throws {
    var first = Seeds.generator(seed: 1, purpose: "init")
    var again = Seeds.generator(seed: 1, purpose: "init")
    var other = Seeds.generator(seed: 1, purpose: "shuffle")
    var otherSeed = Seeds.generator(seed: 2, purpose: "init")
    let a = (0..<4).map { _ in first.next() }
    #expect(a == (0..<4).map { _ in again.next() })
    #expect(a != (0..<4).map { _ in other.next() })
    #expect(a != (0..<4).map { _ in otherSeed.next() })
    // FNV-1a is fixed, so this number is the same in every process and on every machine.
    #expect(Seeds.fnv1a(seed: 0, purpose: "") == 0xA8C7_F832_281A_39C5)
  }

  /// The chapter-specific knobs: parsed, validated, passed on, and a run that sets one is a
  /// custom run (it never writes over the committed figures).
  @Test func knobsParseValidateAndMarkTheRunCustom() throws {
    let options = try ChapterOptions.parse([
      "--rates", "1e-3, 4e-3", "--training-characters", "5000", "--gamma", "0.1",
    ])
    #expect(options.rates?.rates == [1e-3, 4e-3])
    #expect(options.trainingCharacters == 5000)
    #expect(options.gamma == 0.1)
    #expect(options.isCustomised)
    #expect(options.givenKnobs == ["--rates", "--training-characters", "--gamma"])
    let again = try ChapterOptions.parse(options.arguments)
    #expect(again.rates?.rates == [1e-3, 4e-3] && again.gamma == 0.1)
    #expect(!(try ChapterOptions.parse([])).isCustomised)
    for bad in [
      ["--rates", "fast"], ["--rates", "1e-3,-2"], ["--rates", ""], ["--gamma", "0"],
      ["--training-characters", "10"],
    ] {
      #expect(throws: (any Error).self, "\(bad)") { try ChapterOptions.parse(bad) }
    }
  }

  /// What a chapter declares in its catalog entry reaches `--help` without the help naming
  /// the chapter: the knobs it reads, what they set in it, their defaults, its long tier.
  @Test func theHelpIsMadeFromTheChaptersDeclarations() {
    let help = ChapterOptions.helpMessage(columns: 1_000)
    for chapter in Catalog.chapters {
      for knob in chapter.knobs {
        #expect(help.contains(knob.help(chapter: chapter.number)), "\(knob.flag): \(help)")
      }
    }
    #expect(help.contains("chapter 4: its input BN's, default 1"))
    #expect(help.contains("long (\(Catalog.longTierChapters()):"))
    let newcomer = ChapterInfo(
      number: 9, directory: "09-Newcomer", title: "", paper: "", hasLongTier: true,
      knobs: [Knob(.gamma, "its layer norm's gain", defaultValue: 0.5)])
    #expect(
      Catalog.knobHelp(.gamma, in: [newcomer]) == " (chapter 9: its layer norm's gain, default 0.5)"
    )
    #expect(Catalog.knobHelp(.rates, in: [newcomer]) == "")
    #expect(Catalog.longTierChapters(in: [newcomer]) == "chapter 9")
  }
}
