#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Checks that a caller kept its side of a contract — a shape, a count, a range — and stops
/// the program with the message when it did not, in every build.
///
/// Why not `precondition`: in an optimised build (the book runs release builds) a failed
/// `precondition` stops the program with SIGILL and prints nothing, so "layer1: 4 steps of 5
/// need a 20×2 input, got 20×3" is lost and the reader sees only "Illegal instruction".
/// `require` costs the same on the happy path (the condition is one branch, the message is
/// built only on failure) and on failure prints
///
///     ch05-recurrentbn: error: layer1: 4 steps of 5 need a 20×2 input, got 20×3 (Engine/RecurrentLayer.swift:226)
///
/// on standard error and exits with status 70 (`EX_SOFTWARE`: a bug in the program, not in its
/// input). Input a user gave (a file, an option) is reported by throwing, never through this.
@inlinable
@inline(__always)
public func require(
  _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
  file: StaticString = #fileID, line: UInt = #line
) {
  if _slowPath(!condition()) { requirementFailed(message(), file: file, line: line) }
}

/// `require(false, message)`, for a branch that must never be reached.
@inlinable
public func requirementFailure(
  _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line
) -> Never {
  requirementFailed(message(), file: file, line: line)
}

/// The exit status of a failed requirement (`EX_SOFTWARE` in sysexits.h).
public let requirementExitStatus: Int32 = 70

/// Prints `<program>: error: <message> (<file>:<line>)` on stderr and exits with status 70.
@usableFromInline
@inline(never)
func requirementFailed(_ message: String, file: StaticString, line: UInt) -> Never {
  let program = CommandLine.arguments.first.map { path in
    path.split(separator: "/").last.map(String.init) ?? path
  }
  let text = "\(program ?? "program"): error: \(message) (\(file):\(line))\n"
  // Whatever the program printed before goes out first, then the reason it stops.
  fflush(nil)
  Array(text.utf8).withUnsafeBytes { bytes in
    var offset = 0
    while offset < bytes.count {
      let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
      if written <= 0 { break }
      offset += written
    }
  }
  exit(requirementExitStatus)
}
