// OpenBLAS's CBLAS interface (Debian: libopenblas-dev), which also declares
// openblas_set_num_threads, used to pin the thread count for reproducibility.
#include <cblas.h>
