/// The data layer's own source of randomness: xoshiro256** seeded through splitmix64.
///
/// Why a private generator instead of the engine's: Datasets stands on its own (no Engine
/// dependency), and every split, subsample, permutation and shuffle must be reproducible from
/// a `UInt64` seed on any machine and any Swift version. That rules out
/// `SystemRandomNumberGenerator` and also `Array.shuffle(using:)`, whose algorithm the standard
/// library does not promise to keep; we write the Fisher-Yates loop ourselves.
struct SeededGenerator: Sendable {
  private var state: (UInt64, UInt64, UInt64, UInt64)

  init(seed: UInt64) {
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

  /// A generator for one named sub-task (an epoch, a class), so that draws for one purpose
  /// never shift the numbers of another.
  init(seed: UInt64, stream: UInt64) {
    self.init(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03) &+ 0x632B_E59B_D9B4_E019)
  }

  mutating func next() -> UInt64 {
    func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
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

  /// A uniform integer in `0..<bound`, without modulo bias (Lemire's multiply-and-reject).
  mutating func next(below bound: Int) -> Int {
    precondition(bound > 0, "bound must be positive")
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
  mutating func shuffle<T>(_ array: inout [T]) {
    guard array.count > 1 else { return }
    for i in stride(from: array.count - 1, to: 0, by: -1) {
      let j = next(below: i + 1)
      if i != j { array.swapAt(i, j) }
    }
  }

  /// `0..<count` in a seeded random order.
  mutating func permutation(of count: Int) -> [Int] {
    var order = Array(0..<count)
    shuffle(&order)
    return order
  }
}
