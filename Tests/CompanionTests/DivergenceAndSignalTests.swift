import Testing

@testable import Companion

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@Suite("Divergence")
struct DivergenceTests {
  @Test func aNonFiniteLossIsRecordedOnceAndTheChapterCarriesOn() throws {
    let output = TextCollector()
    let chapter = try TestChapter.make(["--preset", "smoke"], output: output)
    var finiteSteps = 0
    for step in 1...10 {
      let loss: Float = step >= 4 ? .nan : 1 / Float(step)
      if chapter.checkFinite(loss, step: step, run: "no BN, lr 5") { finiteSteps += 1 }
    }
    #expect(chapter.checkFinite(Double.infinity, step: 7, run: "BN, lr 30") == false)
    #expect(chapter.checkFinite(-Double.infinity, step: 8, run: "BN, lr 30") == false)
    #expect(chapter.checkFinite(0.5, step: 9, run: "BN") == true)
    #expect(finiteSteps == 3)
    #expect(
      chapter.diverged("no BN, lr 5") && chapter.diverged("BN, lr 30") && !chapter.diverged("BN"))

    let divergences = chapter.results(status: .complete).divergences
    #expect(divergences.map(\.run) == ["no BN, lr 5", "BN, lr 30"])
    #expect(divergences.map(\.step) == [4, 7])
    #expect(divergences[0].value.isNaN && divergences[1].value == .infinity)
    #expect(
      output.text.contains("no BN, lr 5: diverged at step 4 (value nan); recorded, carrying on."))
  }
}

/// Touches the process-wide interruption flag, so these run one at a time and leave it clear.
@Suite("Ctrl-C", .serialized)
struct SignalTests {
  @Test func theFirstSignalAsksLoopsToStopWithTheRightExitStatus() throws {
    defer { Interruption.reset() }
    let chapter = try TestChapter.make(["--preset", "smoke"])
    #expect(!chapter.shouldStop)
    #expect(Interruption.handleSignal(SIGINT))
    #expect(chapter.shouldStop)
    #expect(Interruption.stoppingSignal == SIGINT)
    #expect(Interruption.exitStatus == 130)
    // A loop polling the flag finishes the step it is on and leaves.
    var stepsDone = 0
    for _ in 1...100 {
      if chapter.shouldStop { break }
      stepsDone += 1
    }
    #expect(stepsDone == 0)
    #expect(chapter.results(status: .interrupted).status == .interrupted)
  }

  @Test func aSecondSignalIsReportedAsSuchAndSIGTERMGives143() {
    defer { Interruption.reset() }
    #expect(Interruption.handleSignal(SIGTERM))
    #expect(Interruption.exitStatus == 143)
    #expect(!Interruption.handleSignal(SIGINT))  // the real handler exits here
    #expect(Interruption.stoppingSignal == SIGTERM)
    #expect(Interruption.signalCount == 2)
  }
}
