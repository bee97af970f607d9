import Companion
import Engine
import Foundation
import Invariants
import Randomness

// Section 5's timing of the two backward forms, and what the run records of it.

/// Which build made the timings: a debug build's say little about the kernels.
let buildKind: String = {
  #if DEBUG
    "debug"
  #else
    "release"
  #endif
}()

/// The median seconds per backward call of each form at each batch size.
struct BackwardTimings {
  var features: Int
  var repetitions: Int
  var staged: [Double] = []
  var fused: [Double] = []
}

/// Median wall time in seconds of `body` over `repetitions` runs.
func medianTime(repetitions: Int, _ body: () -> Float) -> (seconds: Double, checksum: Float) {
  let clock = ContinuousClock()
  var times: [Double] = []
  var checksum: Float = 0
  for _ in 0..<repetitions {
    let start = clock.now
    checksum += body()
    let elapsed = clock.now - start
    times.append(
      Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
  }
  times.sort()
  return (times[times.count / 2], checksum)
}

/// Times `backwardStaged` and `backwardFused` on the same `Float` batch of each size (with a
/// progress bar), median of `repetitions` calls each.
func timeBackwardForms(
  sizes timingSizes: [Int], features timingFeatures: Int, repetitions timingRepetitions: Int,
  generator timingRNG: inout RandomGenerator
) -> BackwardTimings {
  if buildKind == "debug" {
    chapter.say(
      "\nWARNING: this is a DEBUG build; timings below are not representative. Build with -c release."
    )
  }
  var timings = BackwardTimings(features: timingFeatures, repetitions: timingRepetitions)
  var timingProgress = chapter.progress("timing", total: timingSizes.count)
  chapter.phase("timing") {
    for (k, size) in timingSizes.enumerated() {
      let x = Matrix<Float>(
        gaussianMatrix(size, timingFeatures, scale: 2, offset: 1, using: &timingRNG))
      let dy = Matrix<Float>(gaussianMatrix(size, timingFeatures, using: &timingRNG))
      let g = Matrix<Float>(rows: 1, cols: timingFeatures, repeating: 1.5)
      let (_, timingCache) = BatchNormalization.forward(
        training: x, gamma: g, beta: Matrix(rows: 1, cols: timingFeatures), epsilon: 1e-5)
      let stagedRun = medianTime(repetitions: timingRepetitions) {
        BatchNormalization.backwardStaged(dy, cache: timingCache, gamma: g).input[0, 0]
      }
      let fusedRun = medianTime(repetitions: timingRepetitions) {
        BatchNormalization.backwardFused(dy, cache: timingCache, gamma: g).input[0, 0]
      }
      // The checksums keep the optimiser from dropping the timed work; finite, they add nothing.
      require(
        stagedRun.checksum.isFinite && fusedRun.checksum.isFinite,
        "a timed backward pass returned \(stagedRun.checksum) and \(fusedRun.checksum)")
      timings.staged.append(stagedRun.seconds)
      timings.fused.append(fusedRun.seconds)
      timingProgress.update(k + 1)
    }
  }
  timingProgress.finish()
  return timings
}

/// Prints the timings and records them, with what the page says about them: the speed-up
/// from m = 256 on (and where it is largest there) and at m ≤ 64, and how the times grow
/// with m from m = 256 on.
func recordTimings(_ timings: BackwardTimings, sizes timingSizes: [Int], speedUps: [Double]) {
  let (stagedTimes, fusedTimes) = (timings.staged, timings.fused)
  chapter.say(
    "\nbackward time per call, \(timings.features) features, Float, median of \(timings.repetitions) (\(buildKind) build):"
  )
  chapter.say("     m    staged (µs)    fused (µs)   speed-up")
  for (k, size) in timingSizes.enumerated() {
    chapter.say(
      "\(String(format: "%6d", size))  \(formatted(stagedTimes[k] * 1e6, "%12.1f"))  \(formatted(fusedTimes[k] * 1e6, "%12.1f"))  \(formatted(speedUps[k], "%8.2f"))x"
    )
    chapter.log.record(
      "staged backward seconds", run: "staged", step: size, value: stagedTimes[k], wallClock: true)
    chapter.log.record(
      "fused backward seconds", run: "fused", step: size, value: fusedTimes[k], wallClock: true)
  }
  let medianSpeedUp = speedUps.sorted()[speedUps.count / 2]
  chapter.log.scalar("median speed-up fused over staged", medianSpeedUp, wallClock: true)
  let fromLarge = timingSizes.indices.filter { timingSizes[$0] >= 256 }
  let upToSmall = timingSizes.indices.filter { timingSizes[$0] <= 64 }
  let largeSpeedUps = fromLarge.map { speedUps[$0] }.sorted()
  let smallSpeedUps = upToSmall.map { speedUps[$0] }
  chapter.log.scalar(
    "median speed-up fused over staged, m ≥ 256", largeSpeedUps[largeSpeedUps.count / 2],
    wallClock: true)
  chapter.log.scalar(
    "smallest speed-up fused over staged, m ≥ 256", largeSpeedUps.first!, wallClock: true)
  chapter.log.scalar(
    "largest speed-up fused over staged, m ≥ 256", largeSpeedUps.last!, wallClock: true)
  chapter.log.scalar(
    "smallest speed-up fused over staged, m ≤ 64", smallSpeedUps.min()!, wallClock: true)
  chapter.log.scalar(
    "largest speed-up fused over staged, m ≤ 64", smallSpeedUps.max()!, wallClock: true)
  let fastestLarge = fromLarge.max { speedUps[$0] < speedUps[$1] }!
  chapter.log.scalar(
    "batch size of the largest speed-up, m ≥ 256", Double(timingSizes[fastestLarge]),
    wallClock: true)
  if fromLarge.count >= 2 {
    for (name, times) in [("staged", stagedTimes), ("fused", fusedTimes)] {
      chapter.log.scalar(
        "log-log slope of \(name) backward seconds against m, m ≥ 256",
        logLogSlope(x: fromLarge.map { Double(timingSizes[$0]) }, y: fromLarge.map { times[$0] }),
        wallClock: true)
    }
  }
}
