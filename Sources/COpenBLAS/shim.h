// OpenBLAS's CBLAS interface (Debian: libopenblas-dev), which also declares
// openblas_set_num_threads, used to pin the thread count for reproducibility.
#include <cblas.h>

// Asks the CPU to start bringing `bytes` bytes from `start` into its caches, one request per
// 64-byte line, and returns at once: the lines arrive while it computes something else (the
// recurrent layer's backward pass prefetches step t − 1's tape during step t's product).
static inline void companion_prefetch(const void *start, long bytes) {
  const char *p = (const char *)start;
  for (long offset = 0; offset < bytes; offset += 64) __builtin_prefetch(p + offset, 1, 3);
}
