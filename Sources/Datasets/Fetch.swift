import Foundation

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// What went wrong while fetching, with the URL and what was expected versus received.
public enum FetchError: Error, Equatable, Sendable {
  case httpStatus(url: String, status: Int)
  case checksumMismatch(url: String, expected: String, actual: String, bytes: Int)
  case transport(url: String, reason: String)
  case io(path: String, reason: String)
  case badBaseURL(String)
}

extension FetchError: CustomStringConvertible, LocalizedError {
  public var description: String {
    switch self {
    case .httpStatus(let url, let status):
      return "\(url): HTTP status \(status) (expected 200); nothing was written"
    case .checksumMismatch(let url, let expected, let actual, let bytes):
      return
        "\(url): SHA-256 mismatch: expected \(expected), got \(actual) (\(bytes) bytes); the download was discarded"
    case .transport(let url, let reason):
      return "\(url): download failed: \(reason); nothing was written"
    case .io(let path, let reason):
      return "\(path): \(reason)"
    case .badBaseURL(let text):
      return "\(text): not a usable base URL (expected e.g. https://host/path/ or file:///dir/)"
    }
  }

  public var errorDescription: String? { description }
}

/// Gets the bytes behind a URL. A protocol so the fetch logic (atomic writes, checksums,
/// skipping) can be tested without a network.
public protocol DataTransport: Sendable {
  func data(from url: URL) throws -> Data
}

/// URLSession for http(s); plain file reads for file:// (which URLSession on Linux does not
/// serve reliably). Synchronous on purpose: the command downloads a handful of files in
/// order and has nothing else to do meanwhile.
public struct URLSessionTransport: DataTransport {
  public var timeout: TimeInterval

  public init(timeout: TimeInterval = 120) { self.timeout = timeout }

  public func data(from url: URL) throws -> Data {
    if url.isFileURL {
      do {
        return try Data(contentsOf: url)
      } catch {
        throw FetchError.transport(url: url.absoluteString, reason: describe(error))
      }
    }
    let configuration = URLSessionConfiguration.ephemeral
    configuration.timeoutIntervalForRequest = timeout
    configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
    let session = URLSession(configuration: configuration)
    defer { session.finishTasksAndInvalidate() }
    let result = ResultBox()
    let done = DispatchSemaphore(value: 0)
    let task = session.dataTask(with: url) { data, response, error in
      result.set(data: data, response: response, error: error)
      done.signal()
    }
    task.resume()
    done.wait()
    let (data, response, error) = result.get()
    let link = url.absoluteString
    if let error { throw FetchError.transport(url: link, reason: describe(error)) }
    guard let http = response as? HTTPURLResponse else {
      throw FetchError.transport(url: link, reason: "no HTTP response")
    }
    guard http.statusCode == 200 else {
      throw FetchError.httpStatus(url: link, status: http.statusCode)
    }
    guard let data else { throw FetchError.transport(url: link, reason: "empty response") }
    let announced = http.expectedContentLength
    if announced >= 0 && Int64(data.count) != announced {
      throw FetchError.transport(
        url: link, reason: "connection closed after \(data.count) of \(announced) bytes")
    }
    return data
  }
}

/// Carries the completion handler's values back to the waiting thread.
private final class ResultBox: @unchecked Sendable {
  private let lock = NSLock()
  private var value: (Data?, URLResponse?, Error?) = (nil, nil, nil)
  func set(data: Data?, response: URLResponse?, error: Error?) {
    lock.lock()
    value = (data, response, error)
    lock.unlock()
  }
  func get() -> (Data?, URLResponse?, Error?) {
    lock.lock()
    defer { lock.unlock() }
    return value
  }
}

/// Downloads the files of a `FetchPlan` into a directory, verifying each one's SHA-256.
///
/// Each file is written to a temporary name in the target directory, hashed from disk, and
/// only then renamed into place (an atomic step on one file system). So an interrupted or
/// corrupted download never leaves a file under the real name, and a file already present
/// with the right digest is left alone.
public struct Fetcher: Sendable {
  public enum Outcome: Equatable, Sendable {
    case alreadyPresent(path: String)
    case downloaded(path: String, bytes: Int)
  }

  public var transport: DataTransport
  public var log: @Sendable (String) -> Void

  public init(
    transport: DataTransport = URLSessionTransport(),
    log: @escaping @Sendable (String) -> Void = { _ in }
  ) {
    self.transport = transport
    self.log = log
  }

  /// The environment variable that overrides every plan's base URL.
  public static let baseURLVariable = "COMPANION_FETCH_BASE_URL"

  /// The base URL to use: an explicit option wins, then `COMPANION_FETCH_BASE_URL`, then the
  /// plan's canonical location. A plain path is taken as a local directory.
  public static func baseURL(
    option: String?, environment: [String: String], default fallback: URL
  ) throws -> URL {
    guard let text = nonEmpty(option) ?? nonEmpty(environment[baseURLVariable]) else {
      return fallback
    }
    let withSlash = text.hasSuffix("/") ? text : text + "/"
    if text.hasPrefix("/") { return URL(fileURLWithPath: text, isDirectory: true) }
    guard let url = URL(string: withSlash), let scheme = url.scheme,
      ["http", "https", "file"].contains(scheme.lowercased())
    else { throw FetchError.badBaseURL(text) }
    return url
  }

  /// Fetches every file of `plan` into `directory` (created if needed). Stops at the first
  /// failure; files completed before it stay, verified.
  @discardableResult
  public func fetch(_ plan: FetchPlan, to directory: String) throws -> [Outcome] {
    let fm = FileManager.default
    do {
      try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
    } catch {
      throw FetchError.io(path: directory, reason: "cannot create directory: \(describe(error))")
    }
    var outcomes: [Outcome] = []
    for file in plan.files {
      let path = (directory as NSString).appendingPathComponent(file.name)
      if fm.fileExists(atPath: path), (try? Checksums.sha256(file: path)) == file.sha256 {
        log("\(file.name): already present, SHA-256 verified")
        outcomes.append(.alreadyPresent(path: path))
        continue
      }
      if fm.fileExists(atPath: path) {
        log("\(file.name): present but its SHA-256 is wrong; downloading again")
      }
      let url = plan.baseURL.appendingPathComponent(file.name)
      log("\(file.name): downloading \(url.absoluteString) (\(file.bytes) bytes)")
      let bytes = try download(url, expecting: file.sha256, to: path)
      log("\(file.name): \(bytes) bytes, SHA-256 verified")
      outcomes.append(.downloaded(path: path, bytes: bytes))
    }
    return outcomes
  }

  /// One file: temp file in the target directory, verify, rename. Returns the byte count.
  func download(_ url: URL, expecting sha256: String, to path: String) throws -> Int {
    let data = try transport.data(from: url)
    let directory = (path as NSString).deletingLastPathComponent
    let name = (path as NSString).lastPathComponent
    let temporary = (directory as NSString).appendingPathComponent(
      ".\(name).partial-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(atPath: temporary) }
    do {
      try data.write(to: URL(fileURLWithPath: temporary))
    } catch {
      throw FetchError.io(path: temporary, reason: "cannot write download: \(describe(error))")
    }
    let actual: String
    do {
      actual = try Checksums.sha256(file: temporary)
    } catch {
      throw FetchError.io(path: temporary, reason: "cannot read back download: \(describe(error))")
    }
    guard actual == sha256 else {
      throw FetchError.checksumMismatch(
        url: url.absoluteString, expected: sha256, actual: actual, bytes: data.count)
    }
    guard rename(temporary, path) == 0 else {
      let reason = String(cString: strerror(errno))
      throw FetchError.io(path: path, reason: "cannot move verified download into place: \(reason)")
    }
    return data.count
  }
}
