import Foundation

/// The training steps `companion` times for its estimate (`StepCalibration`).
public enum TimedStep: String, Codable, Sendable, CaseIterable {
  /// Chapter 3's MLP with BN, batch 60.
  case mlp
  /// The BN-LSTM over 196 pixels, batch 64.
  case pixelLSTM
  /// The character BN-LSTM over 100 characters, batch 64.
  case characterLSTM
}
