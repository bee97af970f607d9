import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A checkpoint unit a child finished: its name and encoded result.
struct CompletedUnit: Codable {
  var unit: String
  var result: Data
}
