import Invariants
import RealModule

/// The book's single source of randomness: xoshiro256** seeded through splitmix64.
///
/// Why not `SystemRandomNumberGenerator`: a reader must be able to rerun a chapter and
/// get the same numbers, on any machine. xoshiro256** is small, fast and well studied
/// (Blackman & Vigna 2018); splitmix64 turns one 64-bit seed into a well-mixed state.
/// It lives in a module of its own so that the engine (initial weights, noise) and the data
/// layer (splits, shuffles, permutations), which do not depend on each other, share it.
public struct RandomGenerator: RandomNumberGenerator, Sendable, Codable, Equatable {
  @usableFromInline var state: (UInt64, UInt64, UInt64, UInt64)

  /// The four state words: a checkpoint stores them, and a restored generator continues the
  /// stream exactly where the saved one was.
  public init(from decoder: any Decoder) throws {
    var words = try decoder.unkeyedContainer()
    state = (
      try words.decode(UInt64.self), try words.decode(UInt64.self),
      try words.decode(UInt64.self), try words.decode(UInt64.self)
    )
  }

  public func encode(to encoder: any Encoder) throws {
    var words = encoder.unkeyedContainer()
    try words.encode(state.0)
    try words.encode(state.1)
    try words.encode(state.2)
    try words.encode(state.3)
  }

  public static func == (a: RandomGenerator, b: RandomGenerator) -> Bool {
    a.state == b.state
  }

  public init(seed: UInt64) {
    var mixer = seed
    func splitmix() -> UInt64 {
      mixer &+= 0x9E37_79B9_7F4A_7C15
      var z = mixer
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    state = (splitmix(), splitmix(), splitmix(), splitmix())
  }

  @inlinable
  public mutating func next() -> UInt64 {
    @inline(__always) func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
    let result = rotl(state.1 &* 5, 7) &* 9
    let t = state.1 << 17
    state.2 ^= state.0
    state.3 ^= state.1
    state.1 ^= state.2
    state.0 ^= state.3
    state.2 ^= t
    state.3 = rotl(state.3, 45)
    return result
  }

  /// A uniform Double in [0, 1) from the top 53 bits.
  @inlinable
  public mutating func nextUnit() -> Double {
    Double(next() >> 11) * 0x1.0p-53
  }

  /// A standard normal sample (Box-Muller; one of the pair is discarded for simplicity,
  /// which keeps the stream position easy to reason about).
  @inlinable
  public mutating func nextGaussian() -> Double {
    var u1 = nextUnit()
    while u1 <= .leastNonzeroMagnitude { u1 = nextUnit() }
    let u2 = nextUnit()
    return (-2 * _log(u1)).squareRoot() * _cos(2 * .pi * u2)
  }

  /// A generator for one named sub-task (an epoch, a class) derived from a seed without
  /// consuming draws of any other generator.
  public init(seed: UInt64, stream: UInt64) {
    self.init(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03) &+ 0x632B_E59B_D9B4_E019)
  }

  /// A uniform integer in `0..<bound`, without modulo bias (Lemire's multiply-and-reject).
  /// Written out rather than `Int.random(in:using:)`, whose algorithm the standard library
  /// does not promise to keep: a seed must give the same draws on every Swift version.
  public mutating func next(below bound: Int) -> Int {
    require(bound > 0, "bound must be positive")
    let range = UInt64(bound)
    var product = next().multipliedFullWidth(by: range)
    if product.low < range {
      let threshold = (0 &- range) % range
      while product.low < threshold { product = next().multipliedFullWidth(by: range) }
    }
    return Int(product.high)
  }

  /// Fisher-Yates: every one of the n! orders is equally likely, and each element is used
  /// exactly once (a permutation, never sampling with replacement).
  public mutating func shuffle<T>(_ array: inout [T]) {
    guard array.count > 1 else { return }
    for i in stride(from: array.count - 1, to: 0, by: -1) {
      let j = next(below: i + 1)
      if i != j { array.swapAt(i, j) }
    }
  }

  /// `0..<count` in a seeded random order.
  public mutating func permutation(of count: Int) -> [Int] {
    var order = Array(0..<count)
    shuffle(&order)
    return order
  }
}

@usableFromInline func _log(_ x: Double) -> Double { Double.log(x) }
@usableFromInline func _cos(_ x: Double) -> Double { Double.cos(x) }
