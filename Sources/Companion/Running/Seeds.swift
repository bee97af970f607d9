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
    var hash = FNV1a()
    hash.mix(word: seed)
    hash.mix(bytes: purpose.utf8)
    return hash.value
  }
}
