import RealModule

/// The book's single source of randomness: xoshiro256** seeded through splitmix64.
///
/// Why not `SystemRandomNumberGenerator`: a reader must be able to rerun a chapter and
/// get the same numbers, on any machine. xoshiro256** is small, fast and well studied
/// (Blackman & Vigna 2018); splitmix64 turns one 64-bit seed into a well-mixed state.
public struct RandomGenerator: RandomNumberGenerator, Sendable {
  @usableFromInline var state: (UInt64, UInt64, UInt64, UInt64)

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

  /// An independent generator for a sub-task (data shuffling, initialisation, noise),
  /// so adding draws in one place does not shift the numbers of another.
  public mutating func split() -> RandomGenerator {
    RandomGenerator(seed: next())
  }
}

@usableFromInline func _log(_ x: Double) -> Double { Double.log(x) }
@usableFromInline func _cos(_ x: Double) -> Double { Double.cos(x) }
