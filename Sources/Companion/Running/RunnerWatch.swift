import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A chapter started by `companion` never outlives it.
///
/// `companion` starts each chapter in a process group of its own (so that a terminal's Ctrl-C
/// reaches the chapter once, through the runner). The price: a hangup of the terminal, or a
/// `kill -9` of the runner, does not reach the chapter, which would go on training, orphaned,
/// writing into the directory the user's next run writes into. So the runner names itself in
/// the chapter's environment, and the chapter watches it: once its parent is no longer that
/// process, the chapter stops as if it had received SIGHUP — the step it is on finishes, the
/// checkpoint is kept, the results are written as "interrupted" — and a rerun resumes it.
public enum RunnerWatch {
  /// The environment variable in which `companion` gives a chapter its own process id.
  public static let environmentKey = "COMPANION_RUNNER_PID"

  /// How often the watch looks at its parent.
  static let interval: useconds_t = 100_000

  /// The environment for a chapter this process starts.
  public static func environment(
    for runner: pid_t = getpid(), base: [String: String] = ProcessInfo.processInfo.environment
  ) -> [String: String] {
    var environment = base
    environment[environmentKey] = String(runner)
    return environment
  }

  /// The runner named in `environment`, if any.
  static func runner(in environment: [String: String]) -> pid_t? {
    environment[environmentKey].flatMap { pid_t($0) }.flatMap { $0 > 1 ? $0 : nil }
  }

  /// Starts watching the runner named in the environment (nothing without one): a thread
  /// that polls the parent and, when it has changed, asks the chapter to stop. A runner
  /// already gone before the watch began is noticed at its first look.
  static func start(environment: [String: String] = ProcessInfo.processInfo.environment) {
    guard let runner = runner(in: environment) else { return }
    let watcher = Thread {
      while getppid() == runner { usleep(interval) }
      // The same path as a real signal: loops stop, children are told, results are written.
      Interruption.handleSignal(SIGHUP)
    }
    watcher.name = "runner watch"
    watcher.start()
  }
}
