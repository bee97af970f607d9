import Engine
import Foundation
import Invariants

/// Everything of a training run that changes from one step to the next, each piece by name:
/// the model's parameters, population statistics and generators, the optimizer's moments, the
/// data stream's position. A checkpoint saves every piece and a resumed run puts every piece
/// back, so "the run's state" is exactly what was registered here — not what one loop
/// remembered to list. A checkpoint that lacks a piece, or holds one the run does not have,
/// is refused with the names. (One run's loop uses it, on one thread; it is `Sendable` only to
/// travel in a decoder's `userInfo`.)
public final class RunState: @unchecked Sendable {
  struct Piece {
    let name: String
    let save: (inout KeyedEncodingContainer<PieceName>) throws -> Void
    let restore: (KeyedDecodingContainer<PieceName>) throws -> Void
  }

  struct PieceName: CodingKey {
    let stringValue: String
    init(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
  }

  private var pieces: [Piece] = []

  public init() {}

  /// Registers a piece: `get` reads it for a checkpoint, `set` puts a saved one back.
  public func track<Value: Codable>(
    _ name: String, get: @escaping () -> Value, set: @escaping (Value) throws -> Void
  ) {
    let key = PieceName(stringValue: name)
    add(
      Piece(
        name: name, save: { container in try container.encode(get(), forKey: key) },
        restore: { container in try set(container.decode(Value.self, forKey: key)) }))
  }

  /// Adds every piece of `other` (after this one's).
  public func include(_ other: RunState) {
    for piece in other.pieces { add(piece) }
  }

  private func add(_ piece: Piece) {
    require(
      !names.contains(piece.name), "the run's state already has a piece called \(piece.name)")
    pieces.append(piece)
  }

  /// The pieces' names, in the order they were registered.
  public var names: [String] { pieces.map(\.name) }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: PieceName.self)
    for piece in pieces { try piece.save(&container) }
  }

  /// Puts back every piece from a checkpoint, after checking that it holds exactly the
  /// pieces this run has.
  func restore(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: PieceName.self)
    let saved = Set(container.allKeys.map(\.stringValue))
    let missing = names.filter { !saved.contains($0) }
    let unknown = saved.subtracting(names).sorted()
    guard missing.isEmpty && unknown.isEmpty else {
      throw CompanionError(
        "the checkpoint's state "
          + (missing.isEmpty ? "" : "lacks \(missing.joined(separator: ", "))")
          + (missing.isEmpty || unknown.isEmpty ? "" : " and ")
          + (unknown.isEmpty
            ? "" : "holds pieces this run does not have: \(unknown.joined(separator: ", "))")
          + ". Add --fresh to start over.")
    }
    for piece in pieces { try piece.restore(container) }
  }
}

extension RunState {
  /// Tracks a model's parameters, by name.
  public func trackParameters<T: Scalar>(
    _ parameters: [Parameter<T>], as name: String = "parameters"
  ) {
    track(
      name, get: { NamedValues.of(parameters) },
      set: { try NamedValues.restore(parameters, from: $0) })
  }
}
