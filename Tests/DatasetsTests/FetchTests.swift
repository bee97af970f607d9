import Foundation
import Testing

@testable import Datasets

/// The fetch engine tested against fixture files whose expected digests are computed here,
/// served from a file:// directory or a loopback HTTP server (127.0.0.1 only).
@Suite struct FetchTests {
  let first = Array("first fixture file\n".utf8)
  let second = Array(repeating: UInt8(7), count: 5000)

  private func plan(base: URL, secondDigest: String? = nil) -> FetchPlan {
    FetchPlan(
      name: "fixture", baseURL: base, origin: "test fixtures",
      files: [
        RemoteFile(name: "a.bin", bytes: first.count, sha256: Checksums.sha256(Data(first))),
        RemoteFile(
          name: "b.bin", bytes: second.count, sha256: secondDigest ?? Checksums.sha256(Data(second))
        ),
      ], useWith: "--fixture")
  }

  @Test func sha256MatchesKnownVector() {
    // FIPS 180-2 test vector for "abc".
    #expect(
      Checksums.sha256(Data("abc".utf8))
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
  }

  @Test func embeddedDigestsAreWellFormed() {
    for plan in FetchPlan.all.values {
      for file in plan.files {
        #expect(
          file.sha256.count == 64 && file.sha256.allSatisfy { "0123456789abcdef".contains($0) })
      }
    }
    #expect(
      FetchPlan.mnist.files.map(\.name).map { String($0.dropLast(3)) } == ImageDataset.standardFiles
    )
  }

  @Test func fetchFromFileURLThenSkipValidThenReplaceDamaged() throws {
    let mirror = try TemporaryDirectory()
    let target = try TemporaryDirectory()
    defer {
      mirror.cleanUp()
      target.cleanUp()
    }
    try mirror.write("a.bin", first)
    try mirror.write("b.bin", second)
    let fetcher = Fetcher()
    let plan = plan(base: URL(fileURLWithPath: mirror.path, isDirectory: true))

    let outcomes = try fetcher.fetch(plan, to: target.file("data"))
    #expect(
      outcomes == [
        .downloaded(path: target.file("data/a.bin"), bytes: first.count),
        .downloaded(path: target.file("data/b.bin"), bytes: second.count),
      ])
    #expect(try Data(contentsOf: URL(fileURLWithPath: target.file("data/b.bin"))) == Data(second))

    let again = try fetcher.fetch(plan, to: target.file("data"))
    #expect(
      again == [
        .alreadyPresent(path: target.file("data/a.bin")),
        .alreadyPresent(path: target.file("data/b.bin")),
      ])

    try target.write("data/a.bin", "damaged")
    let repaired = try fetcher.fetch(plan, to: target.file("data"))
    #expect(repaired.first == .downloaded(path: target.file("data/a.bin"), bytes: first.count))
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: target.file("data")).sorted() == [
        "a.bin", "b.bin",
      ])
  }

  @Test func checksumMismatchLeavesNothing() throws {
    let mirror = try TemporaryDirectory()
    let target = try TemporaryDirectory()
    defer {
      mirror.cleanUp()
      target.cleanUp()
    }
    try mirror.write("a.bin", first)
    try mirror.write("b.bin", second)
    let wrong = Checksums.sha256(Data("something else".utf8))
    let base = URL(fileURLWithPath: mirror.path, isDirectory: true)
    #expect(
      throws: FetchError.checksumMismatch(
        url: base.appendingPathComponent("b.bin").absoluteString, expected: wrong,
        actual: Checksums.sha256(Data(second)), bytes: second.count)
    ) { try Fetcher().fetch(plan(base: base, secondDigest: wrong), to: target.path) }
    // a.bin was complete and verified; b.bin left neither itself nor a temp file behind.
    #expect(try target.listing() == ["a.bin"])
  }

  @Test func httpDownloadSucceedsFromLoopback() throws {
    let server = try LoopbackServer(routes: [
      "/a.bin": .init(status: 200, body: first), "/b.bin": .init(status: 200, body: second),
    ])
    defer { server.stop() }
    let target = try TemporaryDirectory()
    defer { target.cleanUp() }
    try Fetcher().fetch(plan(base: server.baseURL), to: target.path)
    #expect(try Data(contentsOf: URL(fileURLWithPath: target.file("a.bin"))) == Data(first))
    #expect(try target.listing() == ["a.bin", "b.bin"])
  }

  @Test func httpErrorStatusLeavesNothing() throws {
    let server = try LoopbackServer(routes: ["/a.bin": .init(status: 200, body: first)])
    defer { server.stop() }
    let target = try TemporaryDirectory()
    defer { target.cleanUp() }
    #expect(
      throws: FetchError.httpStatus(url: server.baseURL.absoluteString + "b.bin", status: 404)
    ) {
      try Fetcher().fetch(plan(base: server.baseURL), to: target.path)
    }
    #expect(try target.listing() == ["a.bin"])
  }

  @Test func interruptedDownloadLeavesNothing() throws {
    // The server promises 5000 bytes of b.bin, sends 100 and closes the connection.
    let server = try LoopbackServer(routes: [
      "/a.bin": .init(status: 200, body: first),
      "/b.bin": .init(status: 200, body: Array(second.prefix(100)), announcedLength: second.count),
    ])
    defer { server.stop() }
    let target = try TemporaryDirectory()
    defer { target.cleanUp() }
    let error = #expect(throws: FetchError.self) {
      try Fetcher().fetch(plan(base: server.baseURL), to: target.path)
    }
    guard case .transport(let url, _) = error else {
      Issue.record("expected a transport error, got \(String(describing: error))")
      return
    }
    #expect(url.hasSuffix("/b.bin"))
    #expect(try target.listing() == ["a.bin"])
  }

  @Test func missingSourceFileIsATransportError() throws {
    let mirror = try TemporaryDirectory()
    let target = try TemporaryDirectory()
    defer {
      mirror.cleanUp()
      target.cleanUp()
    }
    let error = #expect(throws: FetchError.self) {
      try Fetcher().fetch(
        plan(base: URL(fileURLWithPath: mirror.path, isDirectory: true)), to: target.path)
    }
    #expect(error?.description.contains("a.bin") == true)
    #expect(try target.listing().isEmpty)
  }

  @Test func baseURLPrecedence() throws {
    let fallback = URL(string: "https://example.invalid/data/")!
    #expect(try Fetcher.baseURL(option: nil, environment: [:], default: fallback) == fallback)
    let env = [Fetcher.baseURLVariable: "http://127.0.0.1:9/env"]
    #expect(
      try Fetcher.baseURL(option: nil, environment: env, default: fallback).absoluteString
        == "http://127.0.0.1:9/env/")
    #expect(
      try Fetcher.baseURL(option: "file:///srv/mirror/", environment: env, default: fallback)
        .absoluteString
        == "file:///srv/mirror/")
    #expect(
      try Fetcher.baseURL(option: "/srv/mirror", environment: [:], default: fallback).isFileURL)
    #expect(throws: FetchError.badBaseURL("ftp://x")) {
      try Fetcher.baseURL(option: "ftp://x", environment: [:], default: fallback)
    }
  }
}
