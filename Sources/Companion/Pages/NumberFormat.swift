import Foundation

/// How a number is written on a page: a `printf` conversion with two additions (`,` groups
/// thousands; `t` writes a power of ten, 3.1·10⁻⁵), or `duration`.
struct NumberFormat {
  let spec: String

  init(_ spec: String) throws {
    let valid =
      spec == "duration"
      || spec.range(of: #"^%[-+ 0#,]*[0-9]*(\.[0-9]+)?[fegdt]$"#, options: .regularExpression)
        != nil
    guard valid else {
      throw CompanionError(
        "\"\(spec)\" is not a format (%.3f, %+.2f, %.2e, %.3g, %d, %,d, %.1t, duration)")
    }
    self.spec = spec
  }

  func text(_ value: Double) throws -> String {
    if spec == "duration" { return Self.duration(value) }
    guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "∞" : "−∞") }
    let grouped = spec.contains(",")
    var printf = spec.replacingOccurrences(of: ",", with: "")
    let conversion = printf.removeLast()
    var text: String
    switch conversion {
    case "d":
      let whole = value.rounded()
      guard abs(value - whole) <= 1e-9 * max(1, abs(value)) else {
        throw CompanionError("\(value) is not a whole number; give a format with decimals")
      }
      text = String(format: printf + "lld", Int64(whole))
    case "t":
      text = Self.powerOfTen(value, printf: printf)
    default:
      text = String(format: printf + String(conversion), value)
    }
    if grouped { text = Self.groupThousands(text) }
    return text.replacingOccurrences(of: "-", with: "−")
  }

  /// 3.1·10⁻⁵ (the mantissa as `printf` + "f" writes it; a mantissa that rounds to 10 moves
  /// the exponent up).
  static func powerOfTen(_ value: Double, printf: String) -> String {
    guard value != 0 else { return String(format: printf + "f", 0.0) }
    var exponent = Int(floor(log10(abs(value))))
    var mantissa = String(format: printf + "f", value / pow(10, Double(exponent)))
    if let m = Double(mantissa), abs(m) >= 10 {
      exponent += 1
      mantissa = String(format: printf + "f", value / pow(10, Double(exponent)))
    }
    if exponent == 0 { return mantissa }
    let superscripts: [Character: Character] = [
      "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸",
      "9": "⁹", "-": "⁻",
    ]
    return mantissa + "·10" + String(String(exponent).map { superscripts[$0]! })
  }

  /// 45750 → 45,750 (the integer part of the first number in `text`).
  static func groupThousands(_ text: String) -> String {
    guard let start = text.firstIndex(where: \.isNumber) else { return text }
    let digits = text[start...].prefix(while: \.isNumber)
    var grouped = ""
    for (k, digit) in digits.enumerated() {
      if k > 0 && (digits.count - k) % 3 == 0 { grouped.append(",") }
      grouped.append(digit)
    }
    return text[..<start] + grouped + text[digits.endIndex...]
  }

  /// 615 s → "10 min 15 s"; under a minute "45 s"; from an hour "1 h 5 min".
  static func duration(_ seconds: Double) -> String {
    let total = Int(seconds.rounded())
    if total < 60 { return "\(total) s" }
    if total < 3600 { return "\(total / 60) min \(total % 60) s" }
    return "\(total / 3600) h \(total % 3600 / 60) min"
  }
}
