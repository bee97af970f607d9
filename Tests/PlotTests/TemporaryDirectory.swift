import Foundation

/// A fresh directory under the system's temporary directory, removed by `remove()`.
/// Tests never write into the repository's Figures/.
struct TemporaryDirectory {
  let url: URL

  init() throws {
    url = FileManager.default.temporaryDirectory
      .appendingPathComponent("PlotTests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  func remove() {
    try? FileManager.default.removeItem(at: url)
  }

  /// The names of the files in the directory, sorted, hidden ones included.
  func fileNames() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
  }

  /// Writes an executable shell script, e.g. a fake gnuplot.
  func executable(named name: String, _ body: String) throws -> URL {
    let file = url.appendingPathComponent(name)
    try Data(("#!/bin/sh\n" + body + "\n").utf8).write(to: file)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file.path)
    return file
  }
}

func contents(_ url: URL) throws -> String {
  try String(decoding: Data(contentsOf: url), as: UTF8.self)
}
