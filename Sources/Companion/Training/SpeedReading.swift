import Foundation

/// Which of two tuned models trains faster, read the way `../shared/REFEREE.md` ("Compare like
/// with like") asks: at matched learning rates *and* at each model's fastest rate. A rate
/// chosen for the best validation says nothing about speed — a model run at a rate four times
/// smaller is slower for that reason alone.
///
/// Both readings use the grid's runs (repetition 1 at every rate, extensions included): the
/// matched rates are the rates both models were trained at, and a model's fastest rate is the
/// one whose run reaches the level in the fewest steps. A run that never reaches it (its
/// steps are not a number) is slower than any run that does.
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

  /// Steps as an order can compare them: a run that never got there is slowest.
  static func comparable(_ steps: Double) -> Double { steps.isNaN ? .infinity : steps }

  /// `.below` (A faster) when A needs fewer steps by more than the resolution at every
  /// matched rate where either got there, and at its fastest rate than B at B's; `.above`
  /// the other way round; not distinguishable otherwise, or when neither model ever got there.
  public var order: Order {
    func faster(_ x: Double, than y: Double) -> Bool {
      let (x, y) = (Self.comparable(x), Self.comparable(y))
      return x.isFinite && x + resolution.value < y
    }
    let contested = pairs.filter { $0.a.isFinite || $0.b.isFinite }
    guard !contested.isEmpty else { return .notDistinguishable }
    if contested.allSatisfy({ faster($0.a, than: $0.b) })
      && faster(fastestA.steps, than: fastestB.steps)
    {
      return .below
    }
    if contested.allSatisfy({ faster($0.b, than: $0.a) })
      && faster(fastestB.steps, than: fastestA.steps)
    {
      return .above
    }
    return .notDistinguishable
  }

  /// A's steps over B's at each one's fastest rate (NaN if either never got there).
  public var fastestRatio: Double { fastestA.steps / fastestB.steps }

  /// How many matched rates A got there first (by more than the resolution), of those where
  /// either got there.
  public var matchedWins: (a: Int, b: Int, contested: Int) {
    let contested = pairs.filter { $0.a.isFinite || $0.b.isFinite }
    let aWins = contested.filter {
      Self.comparable($0.a) + resolution.value < Self.comparable($0.b)
    }.count
    let bWins = contested.filter {
      Self.comparable($0.b) + resolution.value < Self.comparable($0.a)
    }.count
    return (aWins, bWins, contested.count)
  }

  /// "A first at 4 of 4 matched rates (B at 0); fastest: A 300 steps at 0.008, B 500 at
  /// 0.004; resolution 0 steps (…)".
  public func reading(_ aName: String, _ bName: String) -> String {
    let wins = matchedWins
    func fastest(_ f: (rate: Double, steps: Double)) -> String {
      f.steps.isFinite ? "\(grouped(f.steps)) steps at \(rateText(f.rate))" : "never"
    }
    return
      "\(aName) first at \(wins.a) of \(wins.contested) matched rates (\(bName) at \(wins.b)); fastest: \(aName) \(fastest(fastestA)), \(bName) \(fastest(fastestB)); resolution \(grouped(resolution.value)) steps (\(resolution.reason))"
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
    return SpeedReading(
      pairs: pairs, fastestA: fastest(a), fastestB: fastest(b), resolution: resolution)
  }
}

extension Chapter {
  /// Declares the claim that `a` trains faster than `b` (`expected: .below`) or that it does
  /// not (`.above`: slower), read at matched rates and each one's fastest rate; the measured
  /// value is the ratio of steps at the fastest rates. Not decided when the two are not
  /// distinguishable, or for any of `undecidedBecause`; an undecided claim carries its reading.
  public func speedClaim(
    _ text: String, paper: String, reading: SpeedReading, names: (a: String, b: String),
    expected: Order, kind: Claim.Kind = .paper, undecidedBecause: [String] = []
  ) {
    let reasons = undecidedBecause.filter { !$0.isEmpty }
    let order = reading.order
    let decided = reasons.isEmpty && order != .notDistinguishable
    let note =
      " (" + (decided ? "" : "not decided: ")
      + (reasons + (order == .notDistinguishable ? ["not distinguishable"] : [])).map {
        $0 + "; "
      }.joined() + reading.reading(names.a, names.b) + ")"
    let direction = expected == .below ? "fewer" : "more"
    claim(
      text, paper: paper, measured: reading.fastestRatio, format: "%.3f", unit: "×" + note,
      threshold:
        "\(direction) steps than the \(names.b) at every matched rate of the grid and at each one's fastest rate, by more than \(grouped(reading.resolution.value)) steps",
      holds: order == expected, kind: kind, decided: decided)
  }
}
