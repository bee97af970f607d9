import Foundation

/// An error with a message meant for the reader, shown as one line.
public struct CompanionError: Error, CustomStringConvertible, LocalizedError {
  public let description: String
  public init(_ description: String) { self.description = description }
  public var errorDescription: String? { description }
}
