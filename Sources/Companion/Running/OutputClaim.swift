import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A chapter's hold on its output directory, taken before any work.
///
/// Two things go wrong late and expensively without it. A `--out` that cannot be written (a
/// file, a path under a file, a full disk) would be found at the first figure, after minutes
/// of training. And two runs of the same chapter in one directory (an orphan of a killed
/// runner and its rerun, or two terminals) would rotate the same checkpoint and overwrite
/// each other's results. So a chapter first makes the directory, writes and removes a probe
/// file there, and takes an exclusive `flock` on `.NN-run.lock`, naming itself inside it. The
/// kernel drops the lock when the process ends, however it ends (`kill -9` included): a lock
/// file left behind never blocks anyone.
public final class OutputClaim {
  /// The directory held.
  public let directory: URL
  /// The lock file inside it.
  public let lockFile: URL
  private var descriptor: Int32
  /// The process that took it (a forked child inherits the descriptor, never the release).
  private let owner = getpid()

  /// `.NN-run.lock`: hidden, and one per chapter (every book chapter writes into Figures/).
  public static func lockFile(in directory: URL, chapter: ChapterInfo) -> URL {
    directory.appendingPathComponent(".\(chapter.prefix)-run.lock")
  }

  /// Makes `directory` if needed, checks a file can be written there and takes chapter
  /// `chapter`'s lock in it; throws a one-line reason naming the path otherwise.
  /// - Parameter holder: what the lock file says about this run (its command line).
  public init(_ directory: URL, chapter: ChapterInfo, holder: String) throws {
    self.directory = directory
    lockFile = Self.lockFile(in: directory, chapter: chapter)
    try Self.makeWritable(directory)
    descriptor = -1
    descriptor = try acquire(chapter: chapter, holder: holder)
  }

  deinit { release() }

  /// Gives the lock up and removes its file (only in the process that took it).
  public func release() {
    guard descriptor >= 0, getpid() == owner else { return }
    unlink(lockFile.path)
    close(descriptor)
    descriptor = -1
  }

  /// The directory exists (or is made) and takes a file: the mistakes a user makes with
  /// `--out` (a file, a path under a file, no permission, no space) said before any work.
  static func makeWritable(_ directory: URL) throws {
    let path = directory.path
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
      guard isDirectory.boolValue else {
        throw CompanionError(
          "the output directory \(path) is a file; pass --out a directory (it is made if missing)")
      }
    } else {
      do {
        try FileManager.default.createDirectory(
          at: directory, withIntermediateDirectories: true)
      } catch {
        throw CompanionError(
          "cannot make the output directory \(path): \(Self.reason(error, creating: directory))")
      }
    }
    let probe = directory.appendingPathComponent(".write-probe-\(getpid())")
    let written = FileManager.default.createFile(
      atPath: probe.path, contents: Data(repeating: 0x20, count: 4096))
    let error = errno
    unlink(probe.path)
    guard written else {
      throw CompanionError(
        "cannot write into the output directory \(path): \(String(cString: strerror(error)))")
    }
  }

  /// Why a directory could not be made: the first existing ancestor that is not a directory,
  /// if that is the reason, else the system's word.
  static func reason(_ error: any Error, creating directory: URL) -> String {
    var ancestor = directory.deletingLastPathComponent()
    while ancestor.path != "/" {
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: ancestor.path, isDirectory: &isDirectory) {
        if !isDirectory.boolValue { return "\(ancestor.path) is a file, not a directory" }
        break
      }
      ancestor = ancestor.deletingLastPathComponent()
    }
    let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
    return underlying.map { String(cString: strerror(Int32($0.code))) }
      ?? Chapter.oneLine(error)
  }

  /// Takes the lock, or says who holds it. The file may be removed by a holder that ends
  /// between our open and our lock; the lock then guards a name nobody else can open, so we
  /// check it is still the file at the path, and try again if not.
  private func acquire(chapter: ChapterInfo, holder: String) throws -> Int32 {
    for _ in 0..<10 {
      let fd = open(lockFile.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
      guard fd >= 0 else {
        throw CompanionError(
          "cannot make the lock file \(lockFile.path): \(String(cString: strerror(errno)))")
      }
      guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
        let busy = errno == EWOULDBLOCK
        let reason = String(cString: strerror(errno))
        close(fd)
        guard busy else {
          throw CompanionError("cannot lock \(lockFile.path): \(reason)")
        }
        throw CompanionError(Self.inUseMessage(directory: directory, lockFile: lockFile))
      }
      var opened = stat()
      var named = stat()
      guard fstat(fd, &opened) == 0, stat(lockFile.path, &named) == 0,
        opened.st_ino == named.st_ino, opened.st_dev == named.st_dev
      else {
        close(fd)
        continue
      }
      let text = "\(getpid())\n\(holder)\n\(Results.timestamp())\n"
      ftruncate(fd, 0)
      _ = text.withCString { write(fd, $0, strlen($0)) }
      return fd
    }
    throw CompanionError("cannot take the lock \(lockFile.path): it keeps being replaced")
  }

  /// "In use by process P (its command line, since when)", read from the holder's file.
  static func inUseMessage(directory: URL, lockFile: URL) -> String {
    let lines =
      (try? String(contentsOf: lockFile, encoding: .utf8))?
      .split(separator: "\n", omittingEmptySubsequences: false).map(String.init) ?? []
    let pid = lines.first.flatMap { Int32($0) }
    let who =
      pid.map { pid in
        "process \(pid)"
          + (lines.count > 2 && !lines[1].isEmpty ? ": \(lines[1]), since \(lines[2])" : "")
      } ?? "another process"
    let stop = pid.map { " or stop it (kill \($0))," } ?? ","
    return
      "the output directory \(directory.path) is in use by another run of this chapter (\(who)); wait for it to end\(stop) or pass another --out"
  }
}
