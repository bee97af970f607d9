import Foundation

/// `value` in the `printf` format `format`, with the page's minus sign (−): a cell of a table a
/// chapter records (`Chapter.table`), e.g. `cell("%+.3f", gap)`.
public func cell(_ format: String, _ value: Double) -> String {
  String(format: format, value).replacingOccurrences(of: "-", with: "−")
}

/// A whole number as the page writes it, thousands grouped: 45750 → "45,750" (rounded to the
/// nearest whole; a value that is not a number as `printf` writes it).
public func grouped(_ value: Double) -> String {
  guard value.isFinite else { return cell("%f", value) }
  return (value < 0 ? "−" : "") + NumberFormat.groupThousands(String(format: "%.0f", abs(value)))
}

/// `grouped(_:)` for a count or a step.
public func grouped(_ value: Int) -> String { grouped(Double(value)) }
