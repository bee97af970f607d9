import Foundation

/// Numbers on a page that come from the run: a chapter's prose names a value of its results,
/// and `companion render` writes the value in, formatted as the reference says. A rerun that
/// moves a digit moves it on the page too; nobody retypes a number.
///
/// A reference is `{{ what | transform | … | format }}`:
///
///     {{scalar "final gap, LSTM" | %+.3f}}          a scalar of the results
///     {{claim "BN reaches the baseline" | %.3f}}     the measured value of the claim whose
///                                                    text starts so (it must be one claim)
///     {{verdict "BN reaches the baseline"}}          "holds", "fails", "not decided" ("passes" for a check)
///     {{series "validation bpc" "LSTM" min | %.3f}}  a point of a series: `at STEP`, `first`,
///                                                    `last`, `min`, `max`, or the step of one
///                                                    of them, `argmin`, `argmax`
///     {{phase "character runs" | duration}}          a phase's wall time, in seconds
///     {{total | duration}}                           the chapter's wall time
///     {{table "inference"}}                          a table the chapter recorded, as Markdown
///     {{long claims}}                                the claims tables with their tally, as
///                                                    the page ends with the book preset's
///     {{held}}, {{passed}}                           "6 of 10": the papers' claims that held,
///                                                    the checks of our own code that passed
///     {{posthoc}}                                    the claims tested after a first run
///                                                    (post hoc) that held, tallied apart
///
/// A reference may read another chapter's results: `{{chapter 3 scalar "…" | %.2f}}`, or the
/// results of the chapter's own long preset (committed in `Figures/long/`):
/// `{{long scalar "…" | %.3f}}`, or another chapter's: `{{chapter 4 long claim "…" | %+.3f}}`.
///
/// Transforms, applied left to right: `abs`, `neg`, `*K`, `/K` (K a number). The last item is
/// the format: a `printf` conversion (`%.3f`, `%+.2f`, `%.2e`, `%.3g`), `%d` for a whole
/// number (a fraction is an error, not rounded away), the flag `,` to group thousands
/// (`%,d` → 45,750), `%.1t` for a power of ten as the pages write it (3.1·10⁻⁵), and
/// `duration` (10 min 15 s). A number always needs a format; minus signs are typeset (−).
///
/// A reference to something the results do not hold is an error naming it, so a page can
/// never show a number its run did not produce.
public enum ProseReferences {
  /// Replaces every reference in `text` with its value from `results`; with no results (the
  /// chapter never ran), with "(not run yet)".
  /// `resultsOfChapter(n)` gives chapter n's results for a reference that names it,
  /// `longResultsOfChapter(n)` those of its long preset; `long` are this chapter's long
  /// preset's.
  public static func expand(
    _ text: String, results: Results?,
    resultsOfChapter: (Int) throws -> Results? = { _ in nil }, long: Results? = nil,
    longResultsOfChapter: (Int) throws -> Results? = { _ in nil }
  ) throws -> String {
    var output = ""
    var rest = text[...]
    while let open = rest.range(of: "{{") {
      output += rest[..<open.lowerBound]
      guard let close = rest[open.upperBound...].range(of: "}}") else {
        throw CompanionError(
          "a reference opened with {{ is never closed: \(rest[open.lowerBound...].prefix(60))")
      }
      let reference = String(rest[open.upperBound..<close.lowerBound])
      var body = reference
      do {
        var source = results
        var words = Words(body)
        let first = try words.word()
        if first == "long" {
          guard let long else {
            throw CompanionError(
              "the chapter's long preset has no results to read (run it with --preset long)")
          }
          source = long
          body = String(words.rest)
        } else if first == "chapter" {
          let number = try words.word()
          guard let n = Int(number) else {
            throw CompanionError("\"chapter\" needs a number, got \"\(number)\"")
          }
          var remaining = words
          if try remaining.word() == "long" {
            guard let other = try longResultsOfChapter(n) else {
              throw CompanionError(
                "chapter \(n)'s long preset has no results to read (run it with --preset long)")
            }
            source = other
            body = String(remaining.rest)
          } else {
            guard let other = try resultsOfChapter(n) else {
              throw CompanionError("chapter \(n) has no results to read (run it first)")
            }
            source = other
            body = String(words.rest)
          }
        }
        output += try source.map { try value(of: body, in: $0) } ?? "(not run yet)"
      } catch {
        throw CompanionError("{{\(reference)}}: \(Chapter.oneLine(error))")
      }
      rest = rest[close.upperBound...]
    }
    return output + rest
  }

  /// The text a reference's body stands for.
  static func value(of body: String, in results: Results) throws -> String {
    let parts = splitOutsideQuotes(body).map { $0.trimmingCharacters(in: .whitespaces) }
    var words = Words(parts[0])
    let kind = try words.word()
    switch kind {
    case "table":
      let name = try words.quoted()
      try words.end()
      guard parts.count == 1 else { throw CompanionError("a table takes no format") }
      guard let table = results.tables.first(where: { $0.name == name }) else {
        throw CompanionError(
          "the results hold no table \"\(name)\"\(known(results.tables.map(\.name)))")
      }
      return table.markdown
    case "claims":
      try words.end()
      guard parts.count == 1 else { throw CompanionError("the claims take no format") }
      return ClaimsTable.markdown(results.claims)
    case "held", "passed", "posthoc":
      try words.end()
      guard parts.count == 1 else { throw CompanionError("a count takes no format") }
      let (count, total): (Int, Int) =
        switch kind {
        case "held": results.claimsHeld
        case "posthoc": results.postHocClaimsHeld
        default: results.checksPassed
        }
      return "\(count) of \(total)"
    case "verdict":
      let claim = try self.claim(try words.quoted(), in: results)
      try words.end()
      guard parts.count == 1 else { throw CompanionError("a verdict takes no format") }
      return claim.verdict
    default:
      break
    }
    var number: Double
    switch kind {
    case "scalar":
      let name = try words.quoted()
      guard let value = results.metrics.scalars[name] else {
        throw CompanionError(
          "the results hold no scalar \"\(name)\"\(known(results.metrics.scalars.keys.sorted(), near: name))"
        )
      }
      number = value
    case "claim":
      number = try claim(try words.quoted(), in: results).measured
    case "series":
      let metric = try words.quoted()
      let run = try words.quoted()
      guard
        let series = results.metrics.series.first(where: { $0.metric == metric && $0.run == run })
      else {
        let runs = results.metrics.series.filter { $0.metric == metric }.map(\.run)
        throw CompanionError(
          "the results hold no series \"\(metric)\" of run \"\(run)\""
            + (runs.isEmpty ? "" : " (that metric's runs: \(runs.joined(separator: ", ")))"))
      }
      number = try point(of: series, &words)
    case "phase":
      let name = try words.quoted()
      guard let phase = results.timings.phases.first(where: { $0.name == name }) else {
        throw CompanionError(
          "the results hold no phase \"\(name)\"\(known(results.timings.phases.map(\.name)))")
      }
      number = phase.seconds
    case "total":
      number = results.timings.totalSeconds
    default:
      throw CompanionError(
        "\"\(kind)\" is not a kind of reference (scalar, claim, verdict, series, phase, total, table, claims, held, passed, posthoc)"
      )
    }
    try words.end()
    guard parts.count >= 2 else {
      throw CompanionError("a number needs a format, e.g. {{\(body) | %.3f}}")
    }
    for transform in parts[1..<(parts.count - 1)] {
      number = try apply(transform, to: number)
    }
    return try NumberFormat(parts[parts.count - 1]).text(number)
  }

  /// The parts of a reference between `|`s, a `|` inside a quoted name left alone (a scalar
  /// may be called "max |mean(x̂)|").
  static func splitOutsideQuotes(_ body: String) -> [String] {
    var parts = [""]
    var quoted = false
    for character in body {
      if character == "\"" { quoted.toggle() }
      if character == "|" && !quoted {
        parts.append("")
      } else {
        parts[parts.count - 1].append(character)
      }
    }
    return parts
  }

  /// The one claim whose text starts with `prefix`.
  static func claim(_ prefix: String, in results: Results) throws -> Claim {
    let matches = results.claims.filter { $0.text.hasPrefix(prefix) }
    guard matches.count == 1 else {
      throw CompanionError(
        matches.isEmpty
          ? "no claim of the results starts with \"\(prefix)\""
          : "\(matches.count) claims start with \"\(prefix)\"; quote more of the one meant")
    }
    return matches[0]
  }

  static func point(of series: MetricSeries, _ words: inout Words) throws -> Double {
    let finite = series.points.filter { $0.value.isFinite }
    let selector = try words.word()
    func required(_ point: MetricPoint?) throws -> MetricPoint {
      guard let point else {
        throw CompanionError(
          "the series \"\(series.metric)\" of \"\(series.run)\" has no finite point")
      }
      return point
    }
    switch selector {
    case "at":
      let text = try words.word()
      guard let step = Int(text) else {
        throw CompanionError("\"at\" needs a step, got \"\(text)\"")
      }
      guard let point = series.points.first(where: { $0.step == step }) else {
        throw CompanionError(
          "the series \"\(series.metric)\" of \"\(series.run)\" has no point at step \(step)")
      }
      return point.value
    case "first": return try required(series.points.first).value
    case "last": return try required(series.points.last).value
    case "min": return try required(finite.min { $0.value < $1.value }).value
    case "max": return try required(finite.max { $0.value < $1.value }).value
    case "argmin": return Double(try required(finite.min { $0.value < $1.value }).step)
    case "argmax": return Double(try required(finite.max { $0.value < $1.value }).step)
    default:
      throw CompanionError(
        "\"\(selector)\" picks no point of a series (at STEP, first, last, min, max, argmin, argmax)"
      )
    }
  }

  static func apply(_ transform: String, to value: Double) throws -> Double {
    switch transform {
    case "abs": return abs(value)
    case "neg": return -value
    default:
      if let factor = Double(transform.dropFirst()) {
        if transform.hasPrefix("*") { return value * factor }
        if transform.hasPrefix("/") { return value / factor }
      }
      throw CompanionError("\"\(transform)\" is not a transform (abs, neg, *K, /K) or misplaced")
    }
  }

  /// ", e.g. …" with a few names, for an error message; the names sharing the most leading
  /// words with `name` first.
  static func known(_ names: [String], near name: String? = nil) -> String {
    guard !names.isEmpty else { return "" }
    var listed = names
    if let name {
      func shared(_ other: String) -> Int {
        zip(name, other).prefix { $0 == $1 }.count
      }
      listed = names.sorted { shared($0) > shared($1) }
    }
    return " (it has e.g. " + listed.prefix(3).map { "\"\($0)\"" }.joined(separator: ", ") + ")"
  }

  /// The words of a reference: bare words and quoted strings.
  struct Words {
    var rest: Substring

    init(_ text: String) { rest = text[...] }

    mutating func skipSpaces() { rest = rest.drop { $0 == " " } }

    mutating func word() throws -> String {
      skipSpaces()
      let word = rest.prefix { $0 != " " }
      guard !word.isEmpty else { throw CompanionError("the reference is empty or cut short") }
      rest = rest.dropFirst(word.count)
      return String(word)
    }

    mutating func quoted() throws -> String {
      skipSpaces()
      guard rest.first == "\"", let close = rest.dropFirst().firstIndex(of: "\"") else {
        throw CompanionError("expected a name in double quotes at \"\(rest)\"")
      }
      let text = rest[rest.index(after: rest.startIndex)..<close]
      rest = rest[rest.index(after: close)...]
      return String(text)
    }

    mutating func end() throws {
      skipSpaces()
      guard rest.isEmpty else { throw CompanionError("unexpected \"\(rest)\"") }
    }
  }
}
