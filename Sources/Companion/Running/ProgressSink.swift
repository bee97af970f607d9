import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Where progress goes: standard error in a chapter, a string in tests.
public struct ProgressSink: Sendable {
  /// A terminal can redraw a line in place with `\r`; a CI log or a pipe cannot.
  public var isTerminal: Bool
  public var write: @Sendable (String) -> Void

  public init(isTerminal: Bool, write: @escaping @Sendable (String) -> Void) {
    self.isTerminal = isTerminal
    self.write = write
  }

  /// Standard error, redrawing in place only when it is a terminal.
  public static var standardError: ProgressSink {
    ProgressSink(isTerminal: isatty(2) != 0) { text in
      // stdout is block-buffered when it is a pipe or file; flush it first so that in a log
      // holding both streams the chapter's lines and the progress lines keep their order.
      fflush(nil)
      FileHandle.standardError.write(Data(text.utf8))
    }
  }
}
