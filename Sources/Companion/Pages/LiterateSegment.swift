/// A piece of a literate chapter: Markdown prose or Swift code.
public enum LiterateSegment: Sendable, Equatable {
  case prose(String)
  case code(String)
}
