import Foundation

/// One trained run of a comparison: which model, at which learning rate, in which repetition.
public struct Trial<Model: Hashable, Record> {
  public var model: Model
  public var rate: Double
  public var repetition: Repetition
  public var record: Record

  public init(model: Model, rate: Double, repetition: Repetition, record: Record) {
    self.model = model
    self.rate = rate
    self.repetition = repetition
    self.record = record
  }
}

extension Trial: Sendable where Model: Sendable, Record: Sendable {}
