#ifndef COMPANION_ONEDNN_PRODUCTS_H
#define COMPANION_ONEDNN_PRODUCTS_H

// Float matrix products through oneDNN's matmul primitive, for the chapters' --native mode:
// each shape is planned once (a primitive, its memory descriptions, its scratch memory) and
// reused for every later product of that shape.

// Whether oneDNN's CPU engine could be created (1) or not (0).
int companion_onednn_available(void);

// C <- A·B + beta·C on row-major storage, op(A) = Aᵀ if transpose_a (likewise B), beta 0 or 1.
// Returns 0 when oneDNN computed it; a nonzero value when this shape cannot be planned (beta
// neither 0 nor 1, the plan table full, oneDNN refused): the caller computes it otherwise.
int companion_onednn_sgemm(int transpose_a, int transpose_b, long m, long n, long k,
                           const float *a, long lda, const float *b, long ldb, float beta,
                           float *c, long ldc);

// The number of threads oneDNN's OpenMP runtime uses for later products.
void companion_onednn_set_threads(int count);

// "oneDNN 2.6.3".
const char *companion_onednn_version(void);

// The widest instruction set oneDNN dispatches to on this CPU, e.g. "AVX-512", "AVX2+FMA".
const char *companion_onednn_instruction_set(void);

// How many shapes have been planned so far.
int companion_onednn_plans(void);

#endif
