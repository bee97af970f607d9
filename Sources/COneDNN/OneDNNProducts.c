#include "OneDNNProducts.h"

#include <dlfcn.h>
#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

// One planned shape: the primitive, memory objects whose data pointers are set per product,
// and the scratch memory oneDNN would otherwise allocate on every execution.
typedef struct {
  int used;
  int transpose_a, transpose_b;
  long m, n, k, lda, ldb, ldc;
  float beta;
  dnnl_primitive_t primitive;
  dnnl_memory_t a, b, c, scratchpad;
  void *scratch;
} plan_t;

// A run uses a handful of shapes (a few dozen at most); past this many, products go back to
// the caller's library rather than grow the table.
enum { capacity = 512 };
static plan_t plans[capacity];
static int plan_count = 0;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static dnnl_engine_t engine = NULL;
static dnnl_stream_t stream = NULL;

static void start(void) {
  if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success) {
    engine = NULL;
    return;
  }
  if (dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) != dnnl_success) {
    dnnl_engine_destroy(engine);
    engine = NULL;
  }
}

int companion_onednn_available(void) {
  pthread_once(&once, start);
  return engine != NULL;
}

static unsigned long hash(int ta, int tb, long m, long n, long k, long lda, long ldb, long ldc,
                          float beta) {
  unsigned long h = 1469598103934665603ul;
  long values[] = {ta, tb, m, n, k, lda, ldb, ldc, beta != 0};
  for (int i = 0; i < 9; i++) h = (h ^ (unsigned long)values[i]) * 1099511628211ul;
  return h;
}

// Builds the plan for one shape into `p`; 0 on success.
static int plan(plan_t *p, int ta, int tb, long m, long n, long k, long lda, long ldb,
                long ldc, float beta) {
  // Row-major A (m×k) is stored with strides (lda, 1); Aᵀ stored as k×m is A with (1, lda).
  dnnl_dims_t a_dims = {m, k}, b_dims = {k, n}, c_dims = {m, n};
  dnnl_dims_t a_strides = {ta ? 1 : lda, ta ? lda : 1};
  dnnl_dims_t b_strides = {tb ? 1 : ldb, tb ? ldb : 1};
  dnnl_dims_t c_strides = {ldc, 1};
  dnnl_memory_desc_t a_md, b_md, c_md;
  if (dnnl_memory_desc_init_by_strides(&a_md, 2, a_dims, dnnl_f32, a_strides) != dnnl_success ||
      dnnl_memory_desc_init_by_strides(&b_md, 2, b_dims, dnnl_f32, b_strides) != dnnl_success ||
      dnnl_memory_desc_init_by_strides(&c_md, 2, c_dims, dnnl_f32, c_strides) != dnnl_success)
    return 1;
  dnnl_matmul_desc_t desc;
  if (dnnl_matmul_desc_init(&desc, &a_md, &b_md, NULL, &c_md) != dnnl_success) return 1;
  dnnl_primitive_attr_t attr;
  if (dnnl_primitive_attr_create(&attr) != dnnl_success) return 1;
  int failed = dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user) !=
               dnnl_success;
  dnnl_post_ops_t post_ops = NULL;
  if (!failed && beta != 0) {
    // C <- A·B + 1·C: oneDNN's "sum" post-operation reads C before writing it.
    failed = dnnl_post_ops_create(&post_ops) != dnnl_success ||
             dnnl_post_ops_append_sum(post_ops, beta) != dnnl_success ||
             dnnl_primitive_attr_set_post_ops(attr, post_ops) != dnnl_success;
  }
  dnnl_primitive_desc_t pd = NULL;
  if (!failed) failed = dnnl_primitive_desc_create(&pd, &desc, attr, engine, NULL) != dnnl_success;
  if (post_ops) dnnl_post_ops_destroy(post_ops);
  dnnl_primitive_attr_destroy(attr);
  if (failed) return 1;
  // The scratchpad's description belongs to `pd`: copied before `pd` goes.
  dnnl_memory_desc_t scratch_md =
      *dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
  size_t bytes = dnnl_memory_desc_get_size(&scratch_md);
  p->scratch = aligned_alloc(64, bytes > 0 ? (bytes + 63) / 64 * 64 : 64);
  failed = p->scratch == NULL || dnnl_primitive_create(&p->primitive, pd) != dnnl_success;
  dnnl_primitive_desc_destroy(pd);
  if (!failed) {
    failed = dnnl_memory_create(&p->a, &a_md, engine, DNNL_MEMORY_NONE) != dnnl_success ||
             dnnl_memory_create(&p->b, &b_md, engine, DNNL_MEMORY_NONE) != dnnl_success ||
             dnnl_memory_create(&p->c, &c_md, engine, DNNL_MEMORY_NONE) != dnnl_success ||
             dnnl_memory_create(&p->scratchpad, &scratch_md, engine, p->scratch) != dnnl_success;
  }
  if (failed) {
    // (A half-made plan is abandoned, not freed piece by piece: it does not happen in
    // practice, and the products fall back to OpenBLAS.)
    free(p->scratch);
    return 1;
  }
  p->transpose_a = ta, p->transpose_b = tb;
  p->m = m, p->n = n, p->k = k, p->lda = lda, p->ldb = ldb, p->ldc = ldc;
  p->beta = beta;
  p->used = 1;
  return 0;
}

int companion_onednn_sgemm(int ta, int tb, long m, long n, long k, const float *a, long lda,
                           const float *b, long ldb, float beta, float *c, long ldc) {
  if ((beta != 0 && beta != 1) || !companion_onednn_available()) return 1;
  pthread_mutex_lock(&lock);
  // Open addressing: the slot of the shape's hash, or the next ones.
  unsigned long start_slot = hash(ta, tb, m, n, k, lda, ldb, ldc, beta) % capacity;
  plan_t *p = NULL;
  for (unsigned long probe = 0; probe < capacity; probe++) {
    plan_t *q = &plans[(start_slot + probe) % capacity];
    if (!q->used) {
      if (plan_count < capacity / 2 && plan(q, ta, tb, m, n, k, lda, ldb, ldc, beta) == 0) {
        plan_count++;
        p = q;
      }
      break;
    }
    if (q->transpose_a == ta && q->transpose_b == tb && q->m == m && q->n == n && q->k == k &&
        q->lda == lda && q->ldb == ldb && q->ldc == ldc && q->beta == beta) {
      p = q;
      break;
    }
  }
  int status = 1;
  if (p) {
    dnnl_memory_set_data_handle(p->a, (void *)a);
    dnnl_memory_set_data_handle(p->b, (void *)b);
    dnnl_memory_set_data_handle(p->c, c);
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, p->a},
                               {DNNL_ARG_WEIGHTS, p->b},
                               {DNNL_ARG_DST, p->c},
                               {DNNL_ARG_SCRATCHPAD, p->scratchpad}};
    status = dnnl_primitive_execute(p->primitive, stream, 4, args) != dnnl_success;
  }
  pthread_mutex_unlock(&lock);
  return status;
}

void companion_onednn_set_threads(int count) {
  // oneDNN runs on OpenMP here; found at run time, so the build needs no OpenMP headers.
  void (*set)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
  if (set) set(count);
}

const char *companion_onednn_version(void) {
  static char text[32];
  const dnnl_version_t *v = dnnl_version();
  snprintf(text, sizeof text, "oneDNN %d.%d.%d", v->major, v->minor, v->patch);
  return text;
}

const char *companion_onednn_instruction_set(void) {
  switch (dnnl_get_effective_cpu_isa()) {
  case dnnl_cpu_isa_avx512_core:
  case dnnl_cpu_isa_avx512_core_vnni:
  case dnnl_cpu_isa_avx512_core_bf16:
  case dnnl_cpu_isa_avx512_core_amx:
  case dnnl_cpu_isa_avx512_mic:
  case dnnl_cpu_isa_avx512_mic_4ops:
    return "AVX-512";
  case dnnl_cpu_isa_avx2:
  case dnnl_cpu_isa_avx2_vnni:
    return "AVX2+FMA";
  case dnnl_cpu_isa_avx:
    return "AVX";
  default:
    return "SSE";
  }
}

int companion_onednn_plans(void) {
  pthread_mutex_lock(&lock);
  int count = plan_count;
  pthread_mutex_unlock(&lock);
  return count;
}
