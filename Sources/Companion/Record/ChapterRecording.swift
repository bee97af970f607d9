import Foundation

/// The calls through which a chapter writes its record: divergences, claims, tables, figures
/// and data sources (measurements go through `log`).
extension Chapter {
  // MARK: - Divergence

  /// Whether `value` (usually a loss) is finite. If not, records that `run` diverged at `step`
  /// (once per run) and says so; the chapter carries on, a diverged run is a result.
  @discardableResult
  public func checkFinite<V: BinaryFloatingPoint>(_ value: V, step: Int, run: String) -> Bool {
    if value.isFinite { return true }
    let first = record.access { $0.add(Divergence(run: run, step: step, value: Double(value))) }
    if first {
      emit("\(run): diverged at step \(step) (value \(Double(value))); recorded, carrying on.")
    }
    return false
  }

  /// Whether `run` has diverged.
  public func diverged(_ run: String) -> Bool {
    record.access { $0.divergences.contains { $0.run == run } }
  }

  /// Every divergence so far.
  public var divergences: [Divergence] { record.access { $0.divergences } }

  // MARK: - Claims

  /// Declares a paper claim and whether it held in this run; printed now and in the table
  /// at the end. A claim that fails is reported, not treated as an error. `decided: false`
  /// marks a claim the measurement could not decide (its unit should say why); `wallClock` a
  /// claim about a time measured on this machine (its value differs run to run).
  public func claim<V: BinaryFloatingPoint>(
    _ text: String, paper: String, measured: V, format: String = "%.4g", unit: String = "",
    threshold: String, holds: Bool, kind: Claim.Kind = .paper, decided: Bool = true,
    wallClock: Bool = false
  ) {
    let claim = Claim(
      text: text, paper: paper, measured: Double(measured), format: format, unit: unit,
      threshold: threshold, holds: holds, kind: kind, decided: decided)
    record.access {
      $0.put(claim)
      if wallClock { $0.markWallClock(text) }
    }
    let verdict =
      !decided
      ? "is NOT decided"
      : kind == .check ? (holds ? "passes" : "does NOT pass") : (holds ? "holds" : "does NOT hold")
    emit(
      "\(kind == .check ? "check" : kind == .postHoc ? "claim (post hoc)" : "claim"): \(text): \(claim.displayedValue) (\(threshold)) \(verdict)"
    )
  }

  /// Every claim so far.
  public var claims: [Claim] { record.access { $0.claims } }

  // MARK: - Tables, figures and data

  /// Records a table in the results (a page shows it with `{{table "name"}}`) and prints it
  /// with aligned columns. Cells are text as the page should show it, `**…**` for bold; a
  /// table of the same name replaces the earlier one.
  public func table(_ name: String, header: [String], rows: [[String]]) {
    let table = Results.Table(name: name, header: header, rows: rows)
    record.access { $0.put(table) }
    for line in table.text { emit("  " + line) }
  }

  /// Records a figure's files in the results (the Plot-facing `save` calls this).
  public func recordFigure(name: String, files: [URL]) {
    let figure = Results.FigureRecord(name: name, files: files.map(displayPath))
    record.access { $0.put(figure) }
  }

  /// Records a data source in the results and prints it.
  public func recordData(kind: String, name: String, location: String, summary: String) {
    record.access {
      $0.data.append(
        Results.DataRecord(kind: kind, name: name, location: location, summary: summary))
    }
    emit("data: \(name) (\(location)): \(summary)")
  }

  /// Prints `hint` the first time it is asked to (e.g. how to install gnuplot).
  func showOnce(_ hint: String) { narrator.sayOnce(hint) }
}
