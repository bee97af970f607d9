import CZlib
import Foundation

/// A fresh directory under the system temp dir, removed by the caller with `cleanUp`.
struct TemporaryDirectory {
  let path: String

  init() throws {
    path = (NSTemporaryDirectory() as NSString).appendingPathComponent(
      "datasets-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

  func write(_ name: String, _ bytes: [UInt8]) throws {
    let target = file(name)
    try FileManager.default.createDirectory(
      atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(bytes).write(to: URL(fileURLWithPath: target))
  }

  func write(_ name: String, _ text: String) throws { try write(name, Array(text.utf8)) }

  /// Names in the directory, hidden ones included (temp files start with a dot).
  func listing() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: path).sorted()
  }

  func cleanUp() { try? FileManager.default.removeItem(atPath: path) }
}

/// An IDX file: magic `00 00 type rank`, big-endian sizes, then the payload.
func idxBytes(type: UInt8 = 0x08, sizes: [Int], payload: [UInt8], magicPrefix: [UInt8] = [0, 0])
  -> [UInt8]
{
  var bytes = magicPrefix + [type, UInt8(sizes.count)]
  for size in sizes {
    bytes += [
      UInt8(size >> 24 & 0xFF), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF),
      UInt8(size & 0xFF),
    ]
  }
  return bytes + payload
}

/// gzip-compresses with zlib's deflate (windowBits 16 + MAX_WBITS writes a gzip wrapper).
func gzip(_ input: [UInt8]) -> [UInt8] {
  var stream = z_stream()
  let status = deflateInit2_(
    &stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
    zlibVersion(), Int32(MemoryLayout<z_stream>.size))
  precondition(status == Z_OK)
  defer { deflateEnd(&stream) }
  var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 64)
  var input = input
  let produced = input.withUnsafeMutableBufferPointer { src in
    output.withUnsafeMutableBufferPointer { dst in
      stream.next_in = src.baseAddress
      stream.avail_in = uInt(src.count)
      stream.next_out = dst.baseAddress
      stream.avail_out = uInt(dst.count)
      precondition(deflate(&stream, Z_FINISH) == Z_STREAM_END)
      return dst.count - Int(stream.avail_out)
    }
  }
  return Array(output[0..<produced])
}
