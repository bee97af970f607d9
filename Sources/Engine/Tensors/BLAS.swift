import COneDNN
import COpenBLAS
import Invariants

/// The one knob we turn on OpenBLAS: how many threads its kernels may use.
///
/// Different thread counts split a matrix product into different partial sums, and
/// floating-point addition is not associative, so results differ in the last bits.
/// The book pins the count (default 1) so that a seed reproduces a run bit for bit.
public enum BLAS {
  /// Sets the number of threads OpenBLAS uses for every later call.
  public static func setThreads(_ count: Int) {
    require(count >= 1, "OpenBLAS needs at least one thread, got \(count)")
    openblas_set_num_threads(Int32(count))
    // oneDNN's products (`MatrixProducts`, --native) on as many threads.
    companion_onednn_set_threads(Int32(count))
  }

  /// The number of threads OpenBLAS currently uses.
  public static var threads: Int { Int(openblas_get_num_threads()) }
}
