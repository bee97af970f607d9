/// Splits a chapter's `main.swift` into prose and code, the way Xcode playgrounds read it.
///
/// Prose is written in playground markup: `/*: ... */` blocks and `//:` line comments.
/// Everything else is code. Within a block the common leading indentation is removed (so a
/// block may be indented with the code around it); blank lines at either end of a segment
/// are dropped, and code that is only blank lines disappears.
public enum Markup {
  public static func segments(of source: String) -> [LiterateSegment] {
    var segments: [LiterateSegment] = []
    var code: [Substring] = []
    var prose: [Substring] = []
    var inBlock = false

    func flushCode() {
      let text = trimBlankLines(code).joined(separator: "\n")
      if !text.isEmpty { segments.append(.code(text)) }
      code = []
    }
    func flushProse() {
      let text = trimBlankLines(dedent(prose)).joined(separator: "\n")
      prose = []
      guard !text.isEmpty else { return }
      if case .prose(let previous) = segments.last {
        segments[segments.count - 1] = .prose(previous + "\n\n" + text)
      } else {
        segments.append(.prose(text))
      }
    }

    for rawLine in source.split(separator: "\n", omittingEmptySubsequences: false) {
      let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
      let trimmed = line.drop { $0 == " " || $0 == "\t" }
      if inBlock {
        if let end = line.range(of: "*/") {
          prose.append(line[..<end.lowerBound])
          inBlock = false
          flushProse()
        } else {
          prose.append(line)
        }
      } else if trimmed.hasPrefix("/*:") {
        flushCode()
        flushProse()  // a new block is a new paragraph, even right after `//:` lines
        var rest = trimmed.dropFirst(3).drop { $0 == " " || $0 == "\t" }
        if let end = rest.range(of: "*/") {
          rest = rest[..<end.lowerBound]
          while rest.last == " " || rest.last == "\t" { rest = rest.dropLast() }
          prose.append(rest)
          flushProse()
        } else {
          // Text on the opening line has lost its indentation; it joins the block unindented.
          if !rest.isEmpty { prose.append(rest) }
          inBlock = true
        }
      } else if trimmed.hasPrefix("//:") {
        flushCode()
        var rest = trimmed.dropFirst(3)
        if rest.first == " " { rest = rest.dropFirst() }
        prose.append(rest)
      } else {
        if !prose.isEmpty { flushProse() }
        code.append(line)
      }
    }
    if inBlock || !prose.isEmpty { flushProse() }
    flushCode()
    return segments
  }

  /// Removes the indentation every non-blank line shares.
  static func dedent(_ lines: [Substring]) -> [Substring] {
    let indents = lines.filter { !isBlank($0) }.map { $0.prefix { $0 == " " || $0 == "\t" }.count }
    let common = indents.min() ?? 0
    return lines.map { isBlank($0) ? "" : $0.dropFirst(common) }
  }

  static func trimBlankLines(_ lines: [Substring]) -> [Substring] {
    guard let first = lines.firstIndex(where: { !isBlank($0) }),
      let last = lines.lastIndex(where: { !isBlank($0) })
    else { return [] }
    return Array(lines[first...last])
  }

  static func isBlank(_ line: Substring) -> Bool { line.allSatisfy { $0 == " " || $0 == "\t" } }
}
