import CZlib
import Foundation

/// gzip decompression through zlib, in memory.
///
/// Why zlib and not `gunzip` in a subprocess: the book must run the same everywhere without
/// shelling out, and zlib is already on every Debian system. `16 + MAX_WBITS` tells
/// `inflateInit2` to expect a gzip header and trailer (and so to check the CRC-32).
enum Gzip {
  /// gzip streams start with the bytes 0x1f 0x8b (RFC 1952).
  static func isGzip(_ bytes: [UInt8]) -> Bool {
    bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
  }

  /// Inflates a whole gzip file (several concatenated members are allowed, as `gzip` writes
  /// them). `file` only labels errors.
  static func inflate(_ compressed: [UInt8], file: String) throws -> [UInt8] {
    guard isGzip(compressed) else {
      throw DatasetError.badGzip(file: file, reason: "missing gzip header bytes 1f 8b")
    }
    // The trailer's ISIZE (uncompressed size mod 2^32) is a good first guess for the output.
    var output = [UInt8]()
    if compressed.count >= 18 {
      let n = compressed.count
      let isize =
        Int(compressed[n - 4]) | Int(compressed[n - 3]) << 8 | Int(compressed[n - 2]) << 16
        | Int(compressed[n - 1]) << 24
      output.reserveCapacity(min(isize, 1 << 30))
    }

    var stream = z_stream()
    var status = inflateInit2_(
      &stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
    guard status == Z_OK else {
      throw DatasetError.badGzip(file: file, reason: "inflateInit2 failed with code \(status)")
    }
    defer { inflateEnd(&stream) }

    let chunkSize = 1 << 20
    var chunk = [UInt8](repeating: 0, count: chunkSize)
    try compressed.withUnsafeBufferPointer { input in
      stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
      stream.avail_in = uInt(input.count)
      while true {
        let produced: Int = chunk.withUnsafeMutableBufferPointer { out in
          stream.next_out = out.baseAddress
          stream.avail_out = uInt(chunkSize)
          status = CZlib.inflate(&stream, Z_NO_FLUSH)
          return chunkSize - Int(stream.avail_out)
        }
        output.append(contentsOf: chunk[0..<produced])
        switch status {
        case Z_OK:
          if stream.avail_in == 0 && produced == 0 {
            throw DatasetError.badGzip(file: file, reason: "stream ends before the gzip trailer")
          }
        case Z_STREAM_END:
          // Another gzip member may follow; anything else after the trailer is damage.
          if stream.avail_in == 0 { return }
          let rest = UnsafeBufferPointer(start: stream.next_in, count: Int(stream.avail_in))
          guard rest.count >= 2, rest[0] == 0x1F, rest[1] == 0x8B else {
            throw DatasetError.badGzip(
              file: file, reason: "\(rest.count) bytes of trailing garbage after the gzip stream")
          }
          inflateReset(&stream)
        case Z_BUF_ERROR:
          throw DatasetError.badGzip(file: file, reason: "stream ends before the gzip trailer")
        default:
          let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
          throw DatasetError.badGzip(file: file, reason: message)
        }
      }
    }
    return output
  }
}

/// Reads a whole file, inflating it when it is gzip. Why sniff the bytes instead of trusting
/// the `.gz` suffix: people gunzip files and keep the name, or the reverse.
func readPossiblyGzipped(_ path: String) throws -> [UInt8] {
  let bytes: [UInt8]
  do {
    bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
  } catch {
    throw DatasetError.unreadable(file: path, reason: describe(error))
  }
  if path.hasSuffix(".gz") || Gzip.isGzip(bytes) {
    return try Gzip.inflate(bytes, file: path)
  }
  return bytes
}

/// Foundation's errors print as "The operation could not be completed"; the underlying POSIX
/// reason ("No such file or directory") is what a reader needs.
func describe(_ error: Error) -> String {
  let ns = error as NSError
  if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError {
    return underlying.localizedDescription
  }
  if ns.domain == NSCocoaErrorDomain, ns.code == NSFileReadNoSuchFileError {
    return "no such file"
  }
  return ns.localizedDescription
}
