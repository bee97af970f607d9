import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What a child of `independently` sends back: its result, the lines it would have printed,
/// what it added to the record, the checkpoint units it finished.
struct IndependentReport: Codable {
  var result: Data
  var lines: [String]
  var record: RecordChanges
  var completed: [CompletedUnit]
}
