import Engine
import Foundation

/// Which matrix-product kernels a run uses, and why: the book's pinned family by default, so
/// that any x86-64 machine with AVX2 and FMA reproduces the committed results bit for bit,
/// or, with `--native`, this CPU's widest (oneDNN's matmul for Float products, `MatrixProducts`,
/// and OpenBLAS's own widest kernels for Double; AVX-512 where there is one): faster,
/// deterministic on this machine, but not the book's bits.
///
/// OpenBLAS reads its choice (`OPENBLAS_CORETYPE`) once, when it loads, before any Swift code
/// runs; so a process that needs another choice sets the variable and starts itself again
/// (`KernelChoice.apply`). A choice the user's environment already makes is respected.
public struct KernelChoice: Codable, Sendable, Equatable {
  public enum Mode: String, Codable, Sendable {
    /// The book's kernels, the same bits on every machine that has them.
    case reproducible
    /// The CPU's widest kernels (`--native`).
    case native
  }

  /// How the kernels came to be the ones in use.
  public enum Reason: String, Codable, Sendable {
    /// Set by the book: `OPENBLAS_CORETYPE=Haswell`.
    case pinned
    /// `OPENBLAS_CORETYPE` was set in the environment the run started in.
    case environment
    /// This CPU cannot run the book's kernels (no AVX2 and FMA, or not x86-64).
    case unavailable
    /// `--native`: OpenBLAS chose for this CPU, and Float products go to oneDNN.
    case native
    /// Nobody chose: a tool or a test that runs a chapter's code in its own process, on
    /// whatever kernels OpenBLAS loaded.
    case unchosen
  }

  public var mode: Mode
  public var reason: Reason
  public var kernels: MatrixProductKernels

  public init(mode: Mode, reason: Reason, kernels: MatrixProductKernels) {
    self.mode = mode
    self.reason = reason
    self.kernels = kernels
  }

  /// Whether these are the kernels of the book's committed results.
  public var isTheBooks: Bool { kernels.family == MatrixProductKernels.reproducibleFamily }

  /// One line for a run's header.
  public var summary: String {
    let what = "matrix products: \(kernels)"
    switch reason {
    case .pinned:
      return what
        + ", pinned by the book: its results, bit for bit, on any x86-64 with AVX2 and FMA"
    case .environment where isTheBooks:
      return what + ", as OPENBLAS_CORETYPE says: the book's own kernels"
    case .environment:
      return what
        + ", as this environment's OPENBLAS_CORETYPE says: not the book's kernels, so its numbers may differ from the book's (unset OPENBLAS_CORETYPE to use them)"
    case .unavailable:
      return what
        + ": this CPU cannot run the book's Haswell kernels (AVX2 and FMA), so its numbers may differ from the book's"
    case .native:
      return what
        + ", --native: this CPU's widest; deterministic here, but not the book's bits"
    case .unchosen:
      return what + (isTheBooks ? ": the book's own kernels" : ": not the book's kernels")
    }
  }

  /// The choice in effect in this process, as `apply` made it (or `.unchosen`), without
  /// changing anything.
  public static func inEffect(_ mode: Mode) -> KernelChoice {
    KernelChoice(mode: mode, reason: recordedReason(mode) ?? .unchosen, kernels: .current)
  }

  /// The reason recorded in the environment by whoever chose for `mode`, if anyone did.
  static func recordedReason(_ mode: Mode) -> Reason? {
    let decided = ProcessInfo.processInfo.environment[variable] ?? ""
    guard decided.hasPrefix(mode.rawValue + ":") else { return nil }
    return Reason(rawValue: String(decided.dropFirst(mode.rawValue.count + 1)))
  }

  // MARK: - Choosing before OpenBLAS loads

  /// Set in the environment by the process that made the choice, for itself after it
  /// restarts and for the chapters it starts: "<mode>:<reason>".
  static let variable = "COMPANION_KERNELS"

  /// Makes the choice for `mode` in this process: returns it if OpenBLAS already loaded the
  /// right kernels, else sets `OPENBLAS_CORETYPE` and starts the process again with the same
  /// arguments (this call then does not return). Call it before any matrix product.
  @discardableResult
  public static func apply(_ mode: Mode) -> KernelChoice {
    let environment = ProcessInfo.processInfo.environment
    let reason: Reason
    var restart = false
    if let recorded = recordedReason(mode) {
      // Chosen already: by this process before it restarted, or by the runner that started it.
      reason = recorded
    } else {
      switch mode {
      case .reproducible:
        if environment["OPENBLAS_CORETYPE"] != nil && environment[variable] == nil {
          reason = .environment
        } else if cpuRunsTheBooksKernels() {
          reason = .pinned
          restart = environment["OPENBLAS_CORETYPE"] != MatrixProductKernels.reproducibleFamily
          setenv("OPENBLAS_CORETYPE", MatrixProductKernels.reproducibleFamily, 1)
        } else {
          reason = .unavailable
          restart = environment["OPENBLAS_CORETYPE"] != nil
          unsetenv("OPENBLAS_CORETYPE")
        }
      case .native:
        reason = .native
        restart = environment["OPENBLAS_CORETYPE"] != nil
        unsetenv("OPENBLAS_CORETYPE")
      }
      setenv(variable, "\(mode.rawValue):\(reason.rawValue)", 1)
    }
    if restart { restartSelf() }
    // --native: Float products on oneDNN, the fastest here (`MatrixProducts`).
    if mode == .native { MatrixProducts.useOneDNN() }
    return KernelChoice(mode: mode, reason: reason, kernels: .current)
  }

  /// Whether this CPU has what OpenBLAS's Haswell kernels use: x86-64 with AVX2 and FMA.
  public static func cpuRunsTheBooksKernels() -> Bool {
    #if os(Linux) && arch(x86_64)
      guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
        let flags = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
      else { return false }
      let set = Set(flags.split(separator: " "))
      return set.contains("avx2") && set.contains("fma")
    #else
      return false
    #endif
  }

  /// Replaces this process with a fresh start of its own executable, same arguments, the
  /// environment as set now (so OpenBLAS loads with it). If that fails the run goes on with
  /// the kernels it has, and says so.
  static func restartSelf() {
    #if os(Linux)
      execv("/proc/self/exe", CommandLine.unsafeArgv)
      FileHandle.standardError.write(
        Data(
          "note: could not restart to choose OpenBLAS's kernels (\(String(cString: strerror(errno)))); going on with \(MatrixProductKernels.current)\n"
            .utf8))
    #endif
  }
}
