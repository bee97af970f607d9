import Testing

@testable import Companion

@Suite("Progress bar")
struct ProgressTests {
  @Test func inALogItPrintsPeriodicPlainLines() {
    let output = TextCollector()
    let clock = ManualClock()
    var progress = ProgressBar(
      "train", total: 1000, sink: ProgressSink(isTerminal: false, write: output.write),
      clock: { clock.now })
    for step in 1...1000 {
      clock.advance(0.125)  // 125 s in all (exact in binary): every tenth takes 12.5 s
      progress.update(step, ["loss": 1.0 / Double(step), "acc": 0.5])
    }
    progress.finish()
    let lines = output.lines
    #expect(!output.text.contains("\r"))
    #expect(lines.allSatisfy { $0.hasSuffix("\n") })
    #expect(lines.count == 10)  // 10%, ..., 90%, and the final line
    #expect(lines[0] == "train  100/1000  10%  8 steps/s  ETA 1:53  loss 0.01  acc 0.5\n")
    #expect(lines[9] == "train  1000/1000  100%  8 steps/s  took 2:05  loss 0.001  acc 0.5\n")
  }

  @Test func inALogAFastLoopPrintsOnlyItsLastLine() {
    let output = TextCollector()
    let clock = ManualClock()
    var progress = ProgressBar(
      "eval", total: 64, sink: ProgressSink(isTerminal: false, write: output.write),
      clock: { clock.now })
    for step in 1...64 {
      clock.advance(1.0 / 64)
      progress.update(step, ["loss": Float(0.25)])
    }
    progress.finish()
    progress.finish()
    #expect(output.lines == ["eval  64/64  100%  64 steps/s  took 0:01  loss 0.25\n"])
  }

  @Test func onATerminalItRedrawsInPlace() {
    let output = TextCollector()
    let clock = ManualClock()
    var progress = ProgressBar(
      "train", total: 20, sink: ProgressSink(isTerminal: true, write: output.write),
      clock: { clock.now })
    for step in 1...20 {
      clock.advance(step <= 10 ? 0.0625 : 0.25)
      progress.update(step)
    }
    progress.finish()
    // Steps 1-10 come faster than ten a second, so only every other one is drawn; the rest
    // are each drawn; then the finished line.
    #expect(output.lines.count == 5 + 10 + 1)
    #expect(output.lines.allSatisfy { $0.hasPrefix("\r") })
    #expect(output.lines.last == "\rtrain  20/20  100%  6.4 steps/s  took 0:03\u{1B}[K\n")
  }

  @Test func quietMeansNothing() {
    var progress = ProgressBar("train", total: 10, sink: nil)
    for step in 1...10 { progress.update(step) }
    progress.finish()  // nothing to observe but that it does not crash or print
  }

  @Test func durationsReadLikeAClock() {
    #expect(formatDuration(7) == "0:07")
    #expect(formatDuration(754) == "12:34")
    #expect(formatDuration(3723) == "1:02:03")
    #expect(formatDuration(.infinity) == "?")
  }
}
