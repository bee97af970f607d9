import Foundation

/// Which of two tuned models trains faster, read the way `../shared/REFEREE.md` ("Compare like
/// with like") asks: at matched learning rates *and* at each model's fastest rate. A rate
/// chosen for the best validation says nothing about speed — a model run at a rate four times
/// smaller is slower for that reason alone.
///
/// Both readings use the grid's runs (repetition 1 at every rate, extensions included): the
/// matched rates are the rates both models were trained at, and a model's fastest rate is the
/// one whose run reaches the level in the fewest steps. A run that never reaches it (its
/// steps are not a number) is slower than any run that does. The matched rates decide; with
/// one seed per rate, their agreement across the rates is the evidence (every one of four
/// rates the same way: a sign test at p = 1/16). The fastest rates are usually each model's
/// largest, an edge no run went past, so they are not bracketed: their reading is reported,
/// and it can only undecide a claim (when it goes the other way), never decide one. The value
/// reported is the like-for-like ratio at the largest matched rate both models reach.
public struct SpeedReading: Sendable {
  public struct Pair: Sendable {
    public var rate: Double
    /// Steps to the level of A's and B's runs at `rate` (NaN: never reached).
    public var a: Double
    public var b: Double
  }

  public var pairs: [Pair]
  /// Each model's fastest rate and its steps there (NaN when no run got there).
  public var fastestA: (rate: Double, steps: Double)
  public var fastestB: (rate: Double, steps: Double)
  /// Steps below which two counts are not told apart, and why.
  public var resolution: Resolution

  /// The fewest matched rates (where either model gets there) that can decide: one seed a
  /// rate, so only agreement across rates is evidence, and four of four the same way is a sign
  /// test at p = 1/16. Fewer decide nothing, however large the margin.
  public static let minimumMatchedRates = 4

  /// Steps as an order can compare them: a run that never got there is slowest.
  static func comparable(_ steps: Double) -> Double { steps.isNaN ? .infinity : steps }

  /// `.below` (A faster) when A needs fewer steps by more than the resolution at every
  /// matched rate where either got there, and its fastest rate's steps are not more than B's
  /// at B's; `.above` the other way round; not distinguishable otherwise, or when neither
  /// model ever got there.
  public var order: Order {
    let wins = matchedWins
    guard wins.contested >= Self.minimumMatchedRates else { return .notDistinguishable }
    if wins.a == wins.contested && !faster(fastestB.steps, than: fastestA.steps) { return .below }
    if wins.b == wins.contested && !faster(fastestA.steps, than: fastestB.steps) { return .above }
    return .notDistinguishable
  }

  /// Whether `x` steps are fewer than `y` by more than the resolution (a run that never got
  /// there is never faster).
  func faster(_ x: Double, than y: Double) -> Bool {
    Self.comparable(x) + resolution.value < Self.comparable(y)
  }

  /// A's steps over B's at each one's fastest rate (NaN if either never got there): two
  /// different rates, as a rule.
  public var fastestRatio: Double { fastestA.steps / fastestB.steps }

  /// The largest matched rate at which both got there, and A's steps over B's there — the
  /// like-for-like ratio (NaN where no matched rate has both).
  public var matchedRatio: (rate: Double, ratio: Double) {
    guard let pair = pairs.last(where: { $0.a.isFinite && $0.b.isFinite }) else {
      return (.nan, .nan)
    }
    return (pair.rate, pair.a / pair.b)
  }

  /// Whether each model's fastest rate is the largest (or smallest) it was trained at: an
  /// edge, not bracketed by a slower rate beyond it.
  public var fastestAtEdge: (a: Bool, b: Bool)

  /// How many matched rates A got there first (by more than the resolution), of those where
  /// either got there.
  public var matchedWins: (a: Int, b: Int, contested: Int) {
    let contested = pairs.filter { $0.a.isFinite || $0.b.isFinite }
    return (
      contested.filter { faster($0.a, than: $0.b) }.count,
      contested.filter { faster($0.b, than: $0.a) }.count, contested.count
    )
  }

  /// "A first at 4 of 4 matched rates (B at 0); fastest: A 300 steps at 0.008, B 500 at
  /// 0.004; resolution 0 steps (…)".
  public func reading(_ aName: String, _ bName: String) -> String {
    let wins = matchedWins
    func fastest(_ f: (rate: Double, steps: Double)) -> String {
      f.steps.isFinite ? "\(grouped(f.steps)) steps at \(rateText(f.rate))" : "never"
    }
    let matched = matchedRatio
    let atMatched =
      matched.ratio.isFinite
      ? "; at \(rateText(matched.rate)), the largest matched rate both reach, \(cell("%.2f", matched.ratio))× the steps"
      : ""
    let edges =
      fastestAtEdge.a || fastestAtEdge.b
      ? " (not bracketed: the edge of its rates for "
        + [fastestAtEdge.a ? aName : nil, fastestAtEdge.b ? bName : nil].compactMap { $0 }.joined(
          separator: " and ") + ")" : ""
    return
      "\(aName) first at \(wins.a) of \(wins.contested) matched rates (\(bName) at \(wins.b))\(atMatched); fastest: \(aName) \(fastest(fastestA)), \(bName) \(fastest(fastestB))\(edges); resolution \(grouped(resolution.value)) steps (\(resolution.reason))"
  }
}

extension TunedRuns {
  /// `a` against `b` on `steps` (the steps a run needs to reach the level; NaN if never), at
  /// every rate both were trained at and at each one's fastest rate.
  public func speed(
    _ a: Model, against b: Model, steps: (Record) -> Double, resolution: Resolution
  ) -> SpeedReading {
    let shared = allRates.filter {
      gridTrial(a, rate: $0) != nil && gridTrial(b, rate: $0) != nil
    }
    let pairs = shared.map { rate in
      SpeedReading.Pair(
        rate: rate, a: steps(gridTrial(a, rate: rate)!.record),
        b: steps(gridTrial(b, rate: rate)!.record))
    }
    func fastest(_ model: Model) -> (rate: Double, steps: Double) {
      let runs = modelRates[model]!.map { ($0, steps(gridTrial(model, rate: $0)!.record)) }
      let best = runs.min {
        SpeedReading.comparable($0.1) < SpeedReading.comparable($1.1)
      }!
      return (best.0, best.1)
    }
    let (fa, fb) = (fastest(a), fastest(b))
    return SpeedReading(
      pairs: pairs, fastestA: fa, fastestB: fb, resolution: resolution,
      fastestAtEdge: (isEdge(fa.rate, of: a), isEdge(fb.rate, of: b)))
  }
}

extension Chapter {
  /// Declares the claim that `a` trains faster than `b` (`expected: .below`) or that it does
  /// not (`.above`: slower), read at matched rates and each one's fastest rate; the measured
  /// value is the like-for-like ratio of steps at the largest matched rate both reach. Not
  /// decided when the two are not distinguishable, or for any of `undecidedBecause`; an
  /// undecided claim carries its reading.
  public func speedClaim(
    _ text: String, paper: String, reading: SpeedReading, names: (a: String, b: String),
    expected: Order, kind: Claim.Kind = .paper, undecidedBecause: [String] = []
  ) {
    let reasons = undecidedBecause.filter { !$0.isEmpty }
    let order = reading.order
    let decided = reasons.isEmpty && order != .notDistinguishable
    let note =
      " (" + (decided ? "" : "not decided: ")
      + (reasons
      + (order == .notDistinguishable
        ? [
          reading.matchedWins.contested < SpeedReading.minimumMatchedRates
            ? "fewer than \(SpeedReading.minimumMatchedRates) matched rates where either gets there (one seed a rate)"
            : "not distinguishable"
        ] : []))
      .map {
        $0 + "; "
      }.joined() + reading.reading(names.a, names.b) + ")"
    let direction = expected == .below ? "fewer" : "more"
    claim(
      text, paper: paper, measured: reading.matchedRatio.ratio, format: "%.3f", unit: "×" + note,
      threshold:
        "\(direction) steps than the \(names.b) at every matched rate of the grid, by more than \(grouped(reading.resolution.value)) steps, and not contradicted at each one's fastest rate",
      holds: order == expected, kind: kind, decided: decided)
  }
}
