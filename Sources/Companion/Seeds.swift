import Randomness

/// Named random streams derived from one seed.
///
/// Each purpose ("init", "shuffle", "noise") gets its own generator, so adding a draw in
/// one place does not shift the numbers everywhere else. The purpose string is hashed with
/// FNV-1a, a fixed function, because Swift's `Hasher` is randomly seeded per process and
/// would make runs unrepeatable.
public enum Seeds {
  /// A generator determined by `seed` and `purpose` alone.
  public static func generator(seed: UInt64, purpose: String) -> RandomGenerator {
    RandomGenerator(seed: fnv1a(seed: seed, purpose: purpose))
  }

  /// 64-bit FNV-1a over the seed's eight little-endian bytes followed by the purpose's UTF-8.
  public static func fnv1a(seed: UInt64, purpose: String) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    let prime: UInt64 = 0x0000_0100_0000_01B3
    for shift in stride(from: 0, to: 64, by: 8) {
      hash = (hash ^ ((seed >> UInt64(shift)) & 0xFF)) &* prime
    }
    for byte in purpose.utf8 {
      hash = (hash ^ UInt64(byte)) &* prime
    }
    return hash
  }
}
