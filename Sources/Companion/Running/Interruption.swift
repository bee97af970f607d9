#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Ctrl-C without losing the run.
///
/// A training run that took twenty minutes should not vanish because the reader pressed
/// Ctrl-C. The first SIGINT, SIGTERM or SIGHUP (a closed terminal, a lost SSH session) only
/// sets a flag; training loops poll it through `Chapter.shouldStop`, finish the step they are
/// on, and the chapter writes its results with status "interrupted" and keeps its checkpoint.
/// A second signal means "now": the process exits at once.
///
/// A signal handler may only do async-signal-safe work, so the state is a plain global
/// word written by the handler and read by the loops. `nonisolated(unsafe)` is honest about
/// that: it is a single aligned word, written once, read by polling.
public enum Interruption {
  /// The signals that ask a run to stop.
  public static let stoppingSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

  /// The signal that asked us to stop (SIGINT, SIGTERM or SIGHUP), or 0.
  public static var stoppingSignal: Int32 { pendingSignal }

  /// True once a stop was requested.
  public static var requested: Bool { pendingSignal != 0 }

  /// The conventional exit status for the stopping signal: 128 + signal (130, 143, 129).
  public static var exitStatus: Int32 { 128 + pendingSignal }

  /// How many stopping signals arrived so far. The runner forwards each one to the chapter it
  /// is running, so the chapter sees "first" and "second" Ctrl-C just as if run directly.
  public static var signalCount: Int { receivedCount }

  /// Routes SIGINT, SIGTERM and SIGHUP to the flag. With `exitOnSecondSignal` (chapters), a second
  /// signal ends the process at once; without it (the runner, which must stay alive to pass
  /// signals on to its chapter) every signal is only counted. Idempotent.
  public static func installHandlers(exitOnSecondSignal: Bool = true) {
    exitsOnSecondSignal = exitOnSecondSignal
    for number in stoppingSignals { signal(number, companionSignalHandler) }
    // A process inherits its parent's blocked signals: started from a thread that blocks
    // them (a test runner's, say), Ctrl-C would stay pending forever. Unblock them.
    var signals = sigset_t()
    sigemptyset(&signals)
    for number in stoppingSignals { sigaddset(&signals, number) }
    pthread_sigmask(SIG_UNBLOCK, &signals, nil)
  }

  /// What the handler does; also what tests call to simulate Ctrl-C without sending one.
  /// Returns false when this was a second signal (the real handler then may exit at once).
  @discardableResult
  static func handleSignal(_ number: Int32) -> Bool {
    receivedCount += 1
    if pendingSignal != 0 { return false }
    pendingSignal = number
    return true
  }

  /// Whether a second stopping signal ends the process at once (chapters: yes). A chapter
  /// whose runs train in child processes turns it off while they run, so that it can pass
  /// the second signal on to them before it goes.
  static var exitsAtOnceOnSecondSignal: Bool {
    get { exitsOnSecondSignal }
    set { exitsOnSecondSignal = newValue }
  }

  /// Forgets a request; for tests only.
  static func reset() {
    pendingSignal = 0
    receivedCount = 0
  }
}

nonisolated(unsafe) private var pendingSignal: Int32 = 0
nonisolated(unsafe) private var receivedCount = 0
nonisolated(unsafe) private var exitsOnSecondSignal = true

/// The C-convention handler: the first signal sets the flag; a second one exits with
/// 128 + signal when `exitsOnSecondSignal`.
private func companionSignalHandler(_ number: Int32) {
  if !Interruption.handleSignal(number) && exitsOnSecondSignal { _exit(128 + number) }
}
