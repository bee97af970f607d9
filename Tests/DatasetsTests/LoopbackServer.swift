import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A tiny HTTP/1.0 server on 127.0.0.1 (an ephemeral port), for testing downloads without a
/// network. Each route answers with a status, a body, and optionally a Content-Length larger
/// than the body, which simulates a connection that drops mid-download. It serves at most
/// `maxConnections` requests and stops by itself; `stop()` ends it early.
final class LoopbackServer: @unchecked Sendable {
  struct Response: Sendable {
    var status: Int
    var body: [UInt8]
    var announcedLength: Int?
  }

  let port: UInt16
  private let listener: Int32
  private let routes: [String: Response]
  private let finished = DispatchSemaphore(value: 0)

  init(routes: [String: Response], maxConnections: Int = 16) throws {
    self.routes = routes
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr = in_addr(s_addr: UInt32(0x7F00_0001).bigEndian)
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard bound == 0, listen(fd, 8) == 0 else {
      close(fd)
      throw POSIXError(.EADDRINUSE)
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    listener = fd
    port = UInt16(bigEndian: address.sin_port)
    let thread = Thread { [self] in
      for _ in 0..<maxConnections {
        let client = accept(listener, nil, nil)
        if client < 0 { break }
        serve(client)
      }
      finished.signal()
    }
    thread.start()
  }

  var baseURL: URL { URL(string: "http://127.0.0.1:\(port)/")! }

  func stop() {
    shutdown(listener, Int32(SHUT_RDWR))
    close(listener)
    _ = finished.wait(timeout: .now() + 5)
  }

  private func serve(_ client: Int32) {
    defer { close(client) }
    var request = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 4096)
    while !request.containsHeaderEnd {
      let n = read(client, &buffer, buffer.count)
      if n <= 0 { return }
      request += buffer[0..<n]
      if request.count > 65536 { return }
    }
    let line = String(decoding: request.prefix { $0 != 0x0D }, as: UTF8.self)
    let parts = line.split(separator: " ")
    let path = parts.count > 1 ? String(parts[1]) : "/"
    let response = routes[path] ?? Response(status: 404, body: Array("not found".utf8))
    let reason = response.status == 200 ? "OK" : "Error"
    let head =
      "HTTP/1.0 \(response.status) \(reason)\r\nContent-Length: \(response.announcedLength ?? response.body.count)\r\n"
      + "Content-Type: application/octet-stream\r\nConnection: close\r\n\r\n"
    let bytes = Array(head.utf8) + response.body
    var sent = 0
    while sent < bytes.count {
      let n = bytes[sent...].withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
      if n <= 0 { return }
      sent += n
    }
  }
}

extension Array where Element == UInt8 {
  fileprivate var containsHeaderEnd: Bool {
    guard count >= 4 else { return false }
    for i in 0...(count - 4)
    where self[i] == 13 && self[i + 1] == 10 && self[i + 2] == 13 && self[i + 3] == 10 {
      return true
    }
    return false
  }
}
