import Foundation

/// Code shown on a page by reference: a chapter's prose names a span of the book's source,
/// and `companion render` puts the span itself on the page, so the page shows the code that
/// runs and cannot drift from it.
///
/// In the source, a span is marked by two comment lines:
///
///     // page-span: lstm-forward-step
///     ... the lines the page shows ...
///     // end page-span: lstm-forward-step
///
/// In a chapter's prose, a line of its own includes it:
///
///     @include Sources/Engine/Recurrent/RecurrentLayer.swift#lstm-forward-step
///
/// A reference to a file or span that does not exist is an error naming both.
public enum SourceSpans {
  /// The directive that includes a span.
  public static let directive = "@include "

  /// The lines of span `name` in `text` (the marker lines left out, common indentation
  /// removed), or nil if `text` has no such span.
  public static func span(_ name: String, in text: String) -> String? {
    let lines = text.components(separatedBy: "\n")
    let begin = "// page-span: \(name)"
    let end = "// end page-span: \(name)"
    guard let start = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == begin }),
      let stop = lines[(start + 1)...].firstIndex(where: {
        $0.trimmingCharacters(in: .whitespaces) == end
      })
    else { return nil }
    let body = Array(lines[(start + 1)..<stop])
    let indent =
      body.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
      .map { $0.prefix(while: { $0 == " " }).count }.min() ?? 0
    return body.map { $0.count >= indent ? String($0.dropFirst(indent)) : "" }
      .joined(separator: "\n")
  }

  /// Replaces every `@include PATH#NAME` line of `prose` by the span, fenced as Swift, with
  /// the file it comes from; `read(path)` gives a file's text (relative to the package root).
  public static func expand(_ prose: String, read: (String) throws -> String) throws -> String {
    var lines: [String] = []
    for line in prose.components(separatedBy: "\n") {
      let trimmed = line.trimmingCharacters(in: .whitespaces)
      guard trimmed.hasPrefix(directive) else {
        lines.append(line)
        continue
      }
      let reference = String(trimmed.dropFirst(directive.count))
      let parts = reference.split(separator: "#", maxSplits: 1).map(String.init)
      guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
        throw CompanionError("\(trimmed): an include names a file and a span, FILE#NAME")
      }
      let text: String
      do {
        text = try read(parts[0])
      } catch {
        throw CompanionError("\(trimmed): cannot read \(parts[0]) (\(error.localizedDescription))")
      }
      guard let span = span(parts[1], in: text) else {
        throw CompanionError(
          "\(trimmed): \(parts[0]) has no span \(parts[1]) (marked // page-span: \(parts[1]) … // end page-span: \(parts[1]))"
        )
      }
      lines.append("From [`\(parts[0])`](\(parts[0])), the code that runs:")
      lines.append("")
      lines.append("```swift\n" + span + "\n```")
    }
    return lines.joined(separator: "\n")
  }
}
