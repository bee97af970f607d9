/// The 64-bit FNV-1a hash, the book's one hash: it derives generators' seeds from their
/// purpose, splits the fortunes into train/valid/test by their text, names checkpoint files
/// and fingerprints parameters. Fast, tiny, and the same on every platform (unlike `Hasher`,
/// which is seeded per process).
public struct FNV1a: Sendable {
  @usableFromInline var state: UInt64 = 0xCBF2_9CE4_8422_2325

  /// The hash so far.
  public var value: UInt64 { state }

  public init() {}

  /// hash ← (hash ⊕ byte) · 1099511628211
  @inlinable
  public mutating func mix(_ byte: UInt8) {
    state = (state ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
  }

  /// The bytes in order.
  @inlinable
  public mutating func mix<Bytes: Sequence<UInt8>>(bytes: Bytes) {
    for byte in bytes { mix(byte) }
  }

  /// A 64-bit word as its eight bytes, least significant first.
  @inlinable
  public mutating func mix(word: UInt64) {
    for shift in stride(from: 0, to: 64, by: 8) {
      mix(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
    }
  }

  /// The hash of a string's UTF-8 bytes.
  public static func hash(_ text: String) -> UInt64 {
    var hash = FNV1a()
    hash.mix(bytes: text.utf8)
    return hash.value
  }
}
