import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A progress bar for a long loop: label, step/total, rate, ETA and the latest metrics.
///
/// On a terminal it redraws one line in place (at most ten times a second). In a log, where
/// `\r` would pile up into one unreadable line, it prints plain lines instead: one when a new
/// tenth of the work is done, at most one every `plainInterval` seconds, and always a last one.
/// It is a value type owned by the loop that drives it; `--quiet` makes every call a no-op.
public struct ProgressBar {
  public let label: String
  public let total: Int
  /// Minimum seconds between plain (non-terminal) lines.
  public var plainInterval: Double = 5
  /// Minimum seconds between in-place redraws on a terminal.
  public var redrawInterval: Double = 0.1

  private let sink: ProgressSink?
  private let clock: @Sendable () -> Double
  private let start: Double
  private var step = 0
  private var values: [(name: String, value: Double)] = []
  private var lastLine: Double
  private var lastTenth = 0
  private var finished = false

  /// - Parameters:
  ///   - sink: where to draw; nil draws nothing (`--quiet`).
  ///   - clock: seconds on a monotonic clock; injectable so tests need not sleep.
  public init(
    _ label: String, total: Int, sink: ProgressSink?,
    clock: @escaping @Sendable () -> Double = { ProcessInfo.processInfo.systemUptime }
  ) {
    self.label = label
    self.total = max(total, 1)
    self.sink = sink
    self.clock = clock
    self.start = clock()
    self.lastLine = start
  }

  /// Reports that `step` (1-based) of `total` is done, with the latest metric values.
  public mutating func update(_ step: Int, _ values: KeyValuePairs<String, Double> = [:]) {
    record(step, values.map { (name: $0.key, value: $0.value) })
  }

  /// Reports that `step` (1-based) of `total` is done, with the latest metric values.
  public mutating func update(_ step: Int, _ values: [(String, Double)]) {
    record(step, values.map { (name: $0.0, value: $0.1) })
  }

  /// Reports that `step` (1-based) of `total` is done, with the latest metric values.
  public mutating func update(_ step: Int, _ values: KeyValuePairs<String, Float>) {
    record(step, values.map { (name: $0.key, value: Double($0.value)) })
  }

  /// Draws the final state and ends the line. Safe to call more than once.
  public mutating func finish() {
    guard let sink, !finished else { return }
    finished = true
    let line = describe(now: clock(), final: true)
    sink.write(sink.isTerminal ? "\r" + line + "\u{1B}[K\n" : line + "\n")
  }

  private mutating func record(_ step: Int, _ values: [(name: String, value: Double)]) {
    guard let sink, !finished else { return }
    self.step = step
    if !values.isEmpty { self.values = values }
    let now = clock()
    if sink.isTerminal {
      guard now - lastLine >= redrawInterval || step >= total else { return }
      lastLine = now
      sink.write("\r" + describe(now: now, final: false) + "\u{1B}[K")
    } else {
      let tenth = min(10, step * 10 / total)
      guard tenth > lastTenth, now - lastLine >= plainInterval, step < total else { return }
      lastTenth = tenth
      lastLine = now
      sink.write(describe(now: now, final: false) + "\n")
    }
  }

  /// `train  1200/5000  24%  312 steps/s  ETA 0:12  loss 0.4312`.
  private func describe(now: Double, final: Bool) -> String {
    let elapsed = max(now - start, 1e-9)
    let rate = Double(step) / elapsed
    var parts = [label, "\(step)/\(total)", "\(min(100, step * 100 / total))%"]
    parts.append(String(format: rate >= 100 ? "%.0f steps/s" : "%.3g steps/s", rate))
    if final {
      parts.append("took \(formatDuration(elapsed))")
    } else if rate > 0 {
      parts.append("ETA \(formatDuration(Double(total - step) / rate))")
    }
    for (name, value) in values { parts.append("\(name) \(String(format: "%.4g", value))") }
    return parts.joined(separator: "  ")
  }
}

/// `0:07`, `12:34`, `1:02:03`.
func formatDuration(_ seconds: Double) -> String {
  guard seconds.isFinite else { return "?" }
  let total = Int(seconds.rounded())
  let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
  let twoDigits = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
  return hours > 0
    ? "\(hours):\(twoDigits(minutes)):\(twoDigits(secs))" : "\(minutes):\(twoDigits(secs))"
}
