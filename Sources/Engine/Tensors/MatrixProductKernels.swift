import COpenBLAS
import Foundation

/// Which kernels compute this process's matrix products, as OpenBLAS reports them.
///
/// OpenBLAS picks its kernels by CPU when it loads (or as `OPENBLAS_CORETYPE` tells it), and
/// each family blocks and accumulates its products differently: the same seed gives the same
/// bits on two machines only if both ran the same family. A run records this beside its
/// results, so a reader can tell whether their numbers should equal the book's.
public struct MatrixProductKernels: Codable, Sendable, Equatable, CustomStringConvertible {
  /// "OpenBLAS 0.3.21".
  public var library: String
  /// OpenBLAS's name of the kernel family, e.g. "Haswell", "Cooperlake", "Zen".
  public var family: String
  /// The widest vector instructions those kernels use, e.g. "AVX2+FMA", "AVX-512".
  public var instructionSet: String

  public init(library: String, family: String, instructionSet: String) {
    self.library = library
    self.family = family
    self.instructionSet = instructionSet
  }

  /// The kernels this process's Float products use: oneDNN's where `MatrixProducts` routes
  /// them there (--native), else OpenBLAS's (fixed when OpenBLAS loaded).
  public static var current: MatrixProductKernels {
    if MatrixProducts.floatProductsUseOneDNN {
      return MatrixProductKernels(
        library: MatrixProducts.oneDNNVersion, family: "matmul",
        instructionSet: MatrixProducts.oneDNNInstructionSet)
    }
    return openBLAS
  }

  /// OpenBLAS's kernels (fixed when it loaded).
  public static var openBLAS: MatrixProductKernels {
    let config = String(cString: openblas_get_config())
    let family = String(cString: openblas_get_corename())
    // "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64"
    let library = config.split(separator: " ").prefix(2).joined(separator: " ")
    return MatrixProductKernels(
      library: library, family: family, instructionSet: instructionSet(of: family))
  }

  /// The book's reproducible choice: OpenBLAS's Haswell kernels, which every x86-64 CPU
  /// with AVX2 and FMA runs (Intel since 2013, AMD since 2015).
  public static let reproducibleFamily = "Haswell"

  /// The instruction set of an OpenBLAS kernel family (its `DYNAMIC_ARCH` core names).
  public static func instructionSet(of family: String) -> String {
    switch family.lowercased() {
    case "skylakex", "cooperlake", "sapphirerapids": "AVX-512"
    case "haswell", "zen": "AVX2+FMA"
    case "sandybridge": "AVX"
    case "prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "barcelona",
      "bulldozer", "piledriver", "steamroller", "excavator", "bobcat", "opteron", "katmai",
      "coppermine", "northwood", "banias", "athlon":
      "SSE"
    default: family
    }
  }

  /// "OpenBLAS 0.3.21, Haswell kernels (AVX2+FMA)".
  public var description: String { "\(library), \(family) kernels (\(instructionSet))" }
}
