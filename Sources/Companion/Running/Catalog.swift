import Engine
import Foundation

/// All chapters, in reading order.
public enum Catalog {
  public static let chapters: [ChapterInfo] = [
    ChapterInfo(
      number: 1, directory: "01-Transform", title: "The transform",
      paper: "Ioffe & Szegedy 2015, §3-3.3, Alg. 1-2"),
    ChapterInfo(
      number: 2, directory: "02-Backprop", title: "Backpropagation through the batch",
      paper: "Ioffe & Szegedy 2015, §3, §3.3, Alg. 2"),
    ChapterInfo(
      number: 3, directory: "03-FeedForward", title: "A feed-forward network on MNIST",
      paper: "Ioffe & Szegedy 2015, §3.1-3.4, §4.1-4.2", trainsSideBySide: true),
    ChapterInfo(
      number: 4, directory: "04-RecurrentInput",
      title: "Normalising the input of a recurrent network", paper: "Laurent et al. 2016",
      hasLongTier: true, timedStep: .characterLSTM, trainsSideBySide: true,
      knobs: [
        Knob(.rates, "its five models' grid"),
        Knob(.trainingCharacters, "the first N of the training split"),
        Knob(.gamma, "its input BN's", defaultValue: 1),
      ]),
    ChapterInfo(
      number: 5, directory: "05-RecurrentBN", title: "Recurrent batch normalization",
      paper: "Cooijmans et al. 2017, §3-5", hasLongTier: true, timedStep: .pixelLSTM,
      trainsSideBySide: true,
      knobs: [
        Knob(.rates, "its character models' grid"),
        Knob(.trainingCharacters, "the first N of the training split"),
        Knob(.gamma, "its BN-LSTM's on text", defaultValue: CooijmansLSTM.initialGamma),
      ]),
    ChapterInfo(
      number: 6, directory: "06-LayerNorm", title: "Layer normalization",
      paper: "Ba, Kiros & Hinton 2016", hasLongTier: true, timedStep: .characterLSTM,
      trainsSideBySide: true,
      knobs: [
        Knob(.rates, "its character models' grid"),
        Knob(.trainingCharacters, "the first N of the training split"),
      ]),
  ]

  /// The chapter with this number, or nil if the book has no such chapter.
  public static func chapter(number: Int) -> ChapterInfo? {
    chapters.first { $0.number == number }
  }
}

extension Catalog {
  /// "(chapter 4: …; chapter 5: …)" for `flag`, from the chapters that declare it; empty if
  /// none does.
  public static func knobHelp(_ flag: Knob.Flag, in chapters: [ChapterInfo] = chapters) -> String {
    let uses = chapters.compactMap { chapter in chapter.knob(flag)?.help(chapter: chapter.number) }
    return uses.isEmpty ? "" : " (" + uses.joined(separator: "; ") + ")"
  }

  /// "chapters 4, 5", the chapters with a long tier, for the help of `--preset`.
  public static func longTierChapters(in chapters: [ChapterInfo] = chapters) -> String {
    let numbers = chapters.filter(\.hasLongTier).map { String($0.number) }
    switch numbers.count {
    case 0: return "no chapter"
    case 1: return "chapter \(numbers[0])"
    default: return "chapters " + numbers.joined(separator: ", ")
    }
  }
}
