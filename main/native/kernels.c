/*
 * Native CPU kernels for the wasm backend (main/models/nativeKernels.ts): a
 * blocked matrix product and the GRU cell's forward and backward steps fused,
 * reading and writing the wasm backend's own memory in place (no copies).
 *
 * Why: after packing, a training step's time is in its matrix products,
 * which WebAssembly SIMD runs at ~15 GFLOP/s on one core; the CPU's own
 * vector units do several times that. Every product sums each output in
 * the same order on every CPU (no fused multiply-add, fixed blocking), so a
 * seeded run gives the same floats on any x86-64 or arm64 machine whichever
 * instruction set the CPU dispatches to.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MR 6    /* rows of a micro-tile */
#define NR 16   /* columns of a micro-tile */
#define KC 256  /* depth of a block of the sum */
#define MC 96   /* rows of A per pass over B's panels (a multiple of MR) */

/* GCC/Clang vector extensions; SYNTHEHR_PORTABLE builds the plain loops (what other compilers get) to compare. */
#if defined(__GNUC__) && !defined(SYNTHEHR_PORTABLE)
#define VECTORS 1
#else
#define VECTORS 0
#endif

#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && (!defined(__clang__) || __clang_major__ >= 14)
/* One build runs the widest vector unit the CPU has (Linux ifunc dispatch; GCC 6+, Clang 14+). */
#define DISPATCH 1
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define DISPATCH 0
#define CLONES
#endif

/* A matrix read through strides: element (r, c) is at p[r * rs + c * cs]. */
typedef struct {
  const float *p;
  int64_t rs, cs;
} View;

#if VECTORS
typedef float v8 __attribute__((vector_size(32), aligned(4)));

/* acc[MR][NR] = sum over k in order of a(i, k) b(k, j): a read in place, b's rows NR contiguous floats ldb apart. */
CLONES static void micro_tile(int kc, View a, const float *restrict b, int64_t ldb, float *restrict acc) {
  v8 c[MR][2];
  for (int i = 0; i < MR; i++) c[i][0] = c[i][1] = (v8){0};
  for (int k = 0; k < kc; k++, b += ldb) {
    v8 b0 = *(const v8 *)b, b1 = *(const v8 *)(b + 8);
    const float *ak = a.p + k * a.cs;
    for (int i = 0; i < MR; i++) {
      float x = ak[i * a.rs];
      c[i][0] += x * b0;
      c[i][1] += x * b1;
    }
  }
  for (int i = 0; i < MR; i++) {
    *(v8 *)(acc + i * NR) = c[i][0];
    *(v8 *)(acc + i * NR + 8) = c[i][1];
  }
}

/* c[n] = sum over k in order of a(0, k) b[k][n] (b's rows contiguous): a row vector times a matrix. */
CLONES static void row_times(int n, int k, View a, const float *restrict b, float *restrict c) {
  memset(c, 0, sizeof(float) * (size_t)n);
  for (int kk = 0; kk < k; kk++, b += n) {
    float x = a.p[kk * a.cs];
    for (int j = 0; j < n; j++) c[j] += x * b[j];
  }
}
#else
static void micro_tile(int kc, View a, const float *b, int64_t ldb, float *acc) {
  float c[MR * NR] = {0};
  for (int k = 0; k < kc; k++, b += ldb)
    for (int i = 0; i < MR; i++)
      for (int j = 0; j < NR; j++) c[i * NR + j] += a.p[i * a.rs + k * a.cs] * b[j];
  memcpy(acc, c, sizeof c);
}

static void row_times(int n, int k, View a, const float *b, float *c) {
  memset(c, 0, sizeof(float) * (size_t)n);
  for (int kk = 0; kk < k; kk++, b += n)
    for (int j = 0; j < n; j++) c[j] += a.p[kk * a.cs] * b[j];
}
#endif

/* B's rows k0..k0+kc-1, columns j0..j0+NR-1, as [kc][NR], zero-padded past column n. */
static void pack_panel(View b, int k0, int kc, int j0, int n, float *out) {
  for (int k = 0; k < kc; k++)
    for (int j = 0; j < NR; j++, out++)
      *out = j0 + j < n ? b.p[(k0 + k) * b.rs + (int64_t)(j0 + j) * b.cs] : 0.0f;
}

/* A's rows i0..i0+rows-1 (rows < MR), columns k0..k0+kc-1, as [MR][kc], zero-padded. */
static View pack_rows(View a, int i0, int rows, int k0, int kc, float *out) {
  for (int i = 0; i < MR; i++)
    for (int k = 0; k < kc; k++) out[i * kc + k] = i < rows ? a.p[(int64_t)(i0 + i) * a.rs + (k0 + k) * a.cs] : 0.0f;
  return (View){out, kc, 1};
}

/*
 * c[m][n] = a[m][k] b[k][n]. Each output is the sum over k in order within blocks of KC, the blocks
 * added in order, whatever the shapes' transposes: the same floats on every CPU. A is read in
 * place (a micro-tile broadcasts its elements); B's panels are read in place when its rows are
 * contiguous, else (transposed, or the last partial panel) packed first.
 */
static int gemm(View a, View b, float *c, int m, int n, int k) {
  if (k == 0) {
    memset(c, 0, sizeof(float) * (size_t)m * n);
    return 1;
  }
  if (m == 1 && b.cs == 1) {
    row_times(n, k, a, b.p, c);
    return 1;
  }
  int panels = (n + NR - 1) / NR;
  float *packed = malloc(sizeof(float) * ((size_t)KC * panels * NR + (size_t)KC * MR));
  const float **panel = malloc(sizeof(float *) * (size_t)(panels + 1));
  int64_t *ld = malloc(sizeof(int64_t) * (size_t)(panels + 1));
  if (!packed || !panel || !ld) {
    free(packed);
    free(panel);
    free(ld);
    return 0;
  }
  float *edge = packed + (size_t)KC * panels * NR;
  float acc[MR * NR];
  for (int k0 = 0; k0 < k; k0 += KC) {
    int kc = k - k0 < KC ? k - k0 : KC;
    for (int p = 0; p < panels; p++) {
      if (b.cs == 1 && (p + 1) * NR <= n) {
        panel[p] = b.p + (int64_t)k0 * b.rs + p * NR;
        ld[p] = b.rs;
      } else {
        float *dst = packed + (size_t)p * KC * NR;
        pack_panel(b, k0, kc, p * NR, n, dst);
        panel[p] = dst;
        ld[p] = NR;
      }
    }
    for (int i0 = 0; i0 < m; i0 += MC) {
      int mc = m - i0 < MC ? m - i0 : MC;
      for (int p = 0; p < panels; p++) {
        int cols = n - p * NR < NR ? n - p * NR : NR;
        for (int r0 = 0; r0 < mc; r0 += MR) {
          int rows = mc - r0 < MR ? mc - r0 : MR;
          View at = {a.p + (int64_t)(i0 + r0) * a.rs + (int64_t)k0 * a.cs, a.rs, a.cs};
          if (rows < MR) at = pack_rows(a, i0 + r0, rows, k0, kc, edge);
          micro_tile(kc, at, panel[p], ld[p], acc);
          for (int i = 0; i < rows; i++) {
            float *row = c + (size_t)(i0 + r0 + i) * n + p * NR;
            const float *src = acc + i * NR;
            if (k0 == 0) memcpy(row, src, sizeof(float) * cols);
            else for (int j = 0; j < cols; j++) row[j] += src[j];
          }
        }
      }
    }
  }
  free(packed);
  free(panel);
  free(ld);
  return 1;
}

/* ---- the GRU cell (main/models/gru.ts: cellForward, stepFactors and cellBackward, fused) ---- */

/*
 * The elementwise parts work on 8 floats at a time (GCC/Clang vector extensions; a plain loop over
 * lanes elsewhere), the last partial group padded: every element goes through the same operations,
 * so every CPU gives the same floats.
 */
#if VECTORS
typedef int32_t v8i __attribute__((vector_size(32), aligned(4)));
#define SPLAT(x) ((v8){0} + (x))
#else
typedef struct { float v[8]; } v8;
#endif

static inline v8 load8(const float *p, int64_t i, int64_t n) {
  v8 out;
  if (i + 8 <= n) memcpy(&out, p + i, sizeof out);
  else {
    float tmp[8] = {0};
    memcpy(tmp, p + i, sizeof(float) * (size_t)(n - i));
    memcpy(&out, tmp, sizeof out);
  }
  return out;
}

static inline void store8(float *p, int64_t i, int64_t n, v8 v) {
  memcpy(p + i, &v, sizeof(float) * (size_t)(i + 8 <= n ? 8 : n - i));
}

#if VECTORS
/* lanes where mask is set from a, the others from b */
static inline v8 select8(v8i mask, v8 a, v8 b) { return (v8)((mask & (v8i)a) | (~mask & (v8i)b)); }
#endif

/*
 * exp(x) as Cephes' expf computes it: range reduction by ln 2 in two parts (n rounded to nearest
 * by adding and taking away 1.5 * 2^23), a degree-6 polynomial, 2^n made from its exponent bits.
 * Within ~2 ulp. Inputs are clamped to [-87, 88] so that 2^n stays a normal float (n in -126..127):
 * exp(-87) ~ 1.6e-38 and exp(88) ~ 1.7e38, past which a sigmoid is 1 or 0 to float precision.
 * EXP_BODY is the one computation, for a float (the portable build) or a vector of 8.
 */
#define EXP_LO -87.0f
#define EXP_HI 88.0f
#define EXP_BODY(x, n, y)                        \
  n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f; \
  x = x - n * 0.693359375f;                      \
  x = x - n * -2.12194440e-4f;                   \
  y = x * 1.9875691500e-4f + 1.3981999507e-3f;  \
  y = y * x + 8.3334519073e-3f;                  \
  y = y * x + 4.1665795894e-2f;                  \
  y = y * x + 1.6666665459e-1f;                  \
  y = y * x + 5.0000001201e-1f;                  \
  y = y * (x * x) + x + 1.0f;

#if VECTORS
static inline v8 exp8(v8 x) {
  const v8 hi = SPLAT(EXP_HI), lo = SPLAT(EXP_LO);
  x = select8(x > hi, hi, x);
  x = select8(x < lo, lo, x);
  v8 n, y;
  EXP_BODY(x, n, y)
  v8i bits = (__builtin_convertvector(n, v8i) + 127) << 23;
  return y * (v8)bits;
}

static inline v8 sigmoid8(v8 x) { return 1.0f / (1.0f + exp8(-x)); }
#else
static inline float exp1(float x) {
  x = x > EXP_HI ? EXP_HI : x < EXP_LO ? EXP_LO : x;
  float n, y;
  EXP_BODY(x, n, y)
  int32_t bits = ((int32_t)n + 127) << 23;
  float scale;
  memcpy(&scale, &bits, sizeof scale);
  return y * scale;
}
#endif

/* out = σ(a + b) */
CLONES static void sigmoid_sum(int64_t n, const float *a, const float *b, float *out) {
  for (int64_t i = 0; i < n; i += 8) {
#if VECTORS
    store8(out, i, n, sigmoid8(load8(a, i, n) + load8(b, i, n)));
#else
    for (int64_t j = i; j < n && j < i + 8; j++) out[j] = 1.0f / (1.0f + exp1(-(a[j] + b[j])));
#endif
  }
}

/* c' = tanh(c + rhUh) as 2σ(2x) - 1 (in ct, which holds rhUh), u = z' keep, h' = h + u (c' - h). */
CLONES static void cell_tail(int64_t n, int64_t H, const float *c, const float *h, const float *zt, const float *keep,
                             float *ct, float *ut, float *hNew) {
  for (int64_t i = 0; i < n; i += 8) {
#if VECTORS
    v8 cand = sigmoid8((load8(c, i, n) + load8(ct, i, n)) * 2.0f) * 2.0f - 1.0f;
    v8 u = load8(zt, i, n);
    if (keep) {
      v8 k;
      for (int j = 0; j < 8; j++) k[j] = i + j < n ? keep[(i + j) / H] : 0.0f;
      u = u * k;
    }
    v8 hv = load8(h, i, n);
    store8(ct, i, n, cand);
    if (ut) store8(ut, i, n, u);
    store8(hNew, i, n, hv + u * (cand - hv));
#else
    for (int64_t j = i; j < n && j < i + 8; j++) {
      float cand = 1.0f / (1.0f + exp1(-((c[j] + ct[j]) * 2.0f))) * 2.0f - 1.0f;
      float u = keep ? zt[j] * keep[j / H] : zt[j];
      ct[j] = cand;
      if (ut) ut[j] = u;
      hNew[j] = h[j] + u * (cand - h[j]);
    }
#endif
  }
}

static int cell_forward(int64_t rows, int64_t H, const float *z, const float *r, const float *c, const float *h, const float *uz,
                        const float *ur, const float *uh, const float *keep, float *hNew, float *zt, float *rt, float *rht, float *ct, float *ut) {
  int64_t n = rows * H;
  View hv = {h, H, 1};
  if (!gemm(hv, (View){uz, H, 1}, zt, (int)rows, (int)H, (int)H)) return 0;
  sigmoid_sum(n, z, zt, zt);
  if (!gemm(hv, (View){ur, H, 1}, rt, (int)rows, (int)H, (int)H)) return 0;
  sigmoid_sum(n, r, rt, rt);
  for (int64_t i = 0; i < n; i++) rht[i] = rt[i] * h[i];
  if (!gemm((View){rht, H, 1}, (View){uh, H, 1}, ct, (int)rows, (int)H, (int)H)) return 0;
  cell_tail(n, H, c, h, zt, keep, ct, ut, hNew);
  return 1;
}

/*
 * The backward step, from dh (the gradient of the step's new state) and what its forward step made
 * (the state before it p, u, z, r, c): the gradients of the gate pre-activations dz, dr, dc and of
 * the state before, as cellBackward(stepFactors(...)) computes them. uzT, urT, uhT: the recurrent
 * matrices transposed.
 */
CLONES static void back_gates(int64_t n, const float *restrict dh, const float *restrict p, const float *restrict u, const float *restrict z,
                              const float *restrict c, float *restrict dz, float *restrict dc) {
  for (int64_t i = 0; i < n; i++) {
    dc[i] = dh[i] * (u[i] - u[i] * (c[i] * c[i]));
    dz[i] = dh[i] * ((c[i] - p[i]) * (u[i] - u[i] * z[i]));
  }
}

CLONES static void back_reset(int64_t n, const float *restrict dh, const float *restrict p, const float *restrict u, const float *restrict r,
                              const float *restrict dRh, float *restrict dr, float *restrict direct) {
  for (int64_t i = 0; i < n; i++) {
    dr[i] = dRh[i] * (p[i] * (r[i] - r[i] * r[i]));
    direct[i] = dh[i] * (1.0f - u[i]) + dRh[i] * r[i];
  }
}

static int cell_backward(int64_t rows, int64_t H, const float *dh, const float *p, const float *u, const float *z, const float *r,
                         const float *c, const float *uzT, const float *urT, const float *uhT, float *dz, float *dr, float *dc, float *dhPrev) {
  int64_t n = rows * H;
  float *tmp = malloc(sizeof(float) * (size_t)(3 * n > 0 ? 3 * n : 1));
  if (!tmp) return 0;
  float *dRh = tmp, *direct = tmp + n, *viaR = tmp + 2 * n;
  int ok = 1;
  back_gates(n, dh, p, u, z, c, dz, dc);
  ok = ok && gemm((View){dc, H, 1}, (View){uhT, H, 1}, dRh, (int)rows, (int)H, (int)H);
  if (ok) back_reset(n, dh, p, u, r, dRh, dr, direct);
  /* dhPrev = (dh (1 - u) + dRh r) + (dz Uzᵀ + dr Urᵀ), the sums in the JavaScript cell's order. */
  ok = ok && gemm((View){dz, H, 1}, (View){uzT, H, 1}, dhPrev, (int)rows, (int)H, (int)H);
  ok = ok && gemm((View){dr, H, 1}, (View){urT, H, 1}, viaR, (int)rows, (int)H, (int)H);
  if (ok)
    for (int64_t i = 0; i < n; i++) dhPrev[i] = direct[i] + (dhPrev[i] + viaR[i]);
  free(tmp);
  return ok;
}

/* ---- N-API ---- */

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, "native kernel: bad arguments"); return NULL; } } while (0)

static int64_t int_arg(napi_env env, napi_value v, int *ok) {
  int64_t x = 0;
  if (napi_get_value_int64(env, v, &x) != napi_ok) *ok = 0;
  return x;
}

/* Offsets are in bytes, lengths in floats; every range must lie inside the buffer. */
static int in_buffer(size_t bytes, int64_t offset, int64_t floats) {
  return offset >= 0 && floats >= 0 && offset % 4 == 0 && (uint64_t)offset + (uint64_t)floats * 4 <= bytes;
}

/* matMul(buffer, aOffset, bOffset, outOffset, batchA, batchB, m, n, k, transposeA, transposeB) */
static napi_value mat_mul(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 11) { napi_throw_error(env, NULL, "matMul takes 11 arguments"); return NULL; }
  void *data;
  size_t bytes;
  CHECK(napi_get_arraybuffer_info(env, argv[0], &data, &bytes));
  int ok = 1;
  int64_t v[10];
  for (int i = 0; i < 8; i++) v[i] = int_arg(env, argv[i + 1], &ok);
  bool ta, tb;
  CHECK(napi_get_value_bool(env, argv[9], &ta));
  CHECK(napi_get_value_bool(env, argv[10], &tb));
  int64_t aOff = v[0], bOff = v[1], cOff = v[2], batchA = v[3], batchB = v[4], m = v[5], n = v[6], k = v[7];
  int64_t batch = batchA > batchB ? batchA : batchB;
  if (!ok || m < 0 || n < 0 || k < 0 || m > INT32_MAX || n > INT32_MAX || k > INT32_MAX || batchA < 1 || batchB < 1 ||
      (batchA != batchB && batchA != 1 && batchB != 1) || !in_buffer(bytes, aOff, batchA * m * k) ||
      !in_buffer(bytes, bOff, batchB * k * n) || !in_buffer(bytes, cOff, batch * m * n)) {
    napi_throw_range_error(env, NULL, "matMul: shapes or offsets outside the buffer");
    return NULL;
  }
  char *base = data;
  for (int64_t i = 0; i < batch; i++) {
    const float *a = (const float *)(base + aOff) + (batchA == 1 ? 0 : i) * m * k;
    const float *b = (const float *)(base + bOff) + (batchB == 1 ? 0 : i) * k * n;
    View av = ta ? (View){a, 1, m} : (View){a, k, 1};
    View bv = tb ? (View){b, 1, k} : (View){b, n, 1};
    if (!gemm(av, bv, (float *)(base + cOff) + i * m * n, (int)m, (int)n, (int)k)) {
      napi_throw_error(env, NULL, "matMul: out of memory");
      return NULL;
    }
  }
  return NULL;
}

#define MAX_CELL_ARGS 16

/*
 * A cell kernel's arguments: (buffer, rows, H, offsets...), one offset per letter of `sizes`, the
 * floats it spans: n rows x H, u H x H, k rows or -1 (no keep), o rows x H or -1 (none). On success
 * v holds rows, H and the offsets and *base the buffer; else a JavaScript error is thrown.
 */
static int cell_args(napi_env env, napi_callback_info info, const char *name, const char *sizes, int64_t *v, char **base) {
  size_t count = strlen(sizes) + 2, argc = MAX_CELL_ARGS + 1;
  napi_value argv[MAX_CELL_ARGS + 1];
  void *data;
  size_t bytes;
  int ok = napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc == count + 1 &&
           napi_get_arraybuffer_info(env, argv[0], &data, &bytes) == napi_ok;
  for (size_t i = 0; ok && i < count; i++) v[i] = int_arg(env, argv[i + 1], &ok);
  if (!ok) {
    napi_throw_error(env, NULL, name);
    return 0;
  }
  int64_t rows = v[0], H = v[1];
  ok = rows > 0 && H > 0 && rows <= INT32_MAX && H <= INT32_MAX;
  for (size_t i = 0; ok && sizes[i]; i++) {
    char c = sizes[i];
    int64_t off = v[i + 2], floats = c == 'u' ? H * H : c == 'k' ? rows : rows * H;
    ok = ((c == 'k' || c == 'o') && off == -1) || in_buffer(bytes, off, floats);
  }
  if (!ok) {
    napi_throw_range_error(env, NULL, "a cell kernel's shapes or offsets fall outside the buffer");
    return 0;
  }
  *base = data;
  return 1;
}

#define F(off) ((float *)(base + (off)))
#define OPT(off) ((off) < 0 ? NULL : F(off))

/* cellForward(buffer, rows, H, z, r, c, h, uz, ur, uh, keep, hNew, zt, rt, rht, ct, ut): offsets, -1 for no keep / no ut. */
static napi_value cell_forward_js(napi_env env, napi_callback_info info) {
  int64_t v[MAX_CELL_ARGS];
  char *base;
  if (!cell_args(env, info, "cellForward takes a buffer and 16 integers", "nnnnuuuknnnnno", v, &base)) return NULL;
  if (!cell_forward(v[0], v[1], F(v[2]), F(v[3]), F(v[4]), F(v[5]), F(v[6]), F(v[7]), F(v[8]), OPT(v[9]), F(v[10]), F(v[11]), F(v[12]), F(v[13]), F(v[14]), OPT(v[15])))
    napi_throw_error(env, NULL, "cellForward: out of memory");
  return NULL;
}

/* cellBackward(buffer, rows, H, dh, p, u, z, r, c, uzT, urT, uhT, dz, dr, dc, dhPrev): offsets. */
static napi_value cell_backward_js(napi_env env, napi_callback_info info) {
  int64_t v[MAX_CELL_ARGS];
  char *base;
  if (!cell_args(env, info, "cellBackward takes a buffer and 15 integers", "nnnnnnuuunnnn", v, &base)) return NULL;
  if (!cell_backward(v[0], v[1], F(v[2]), F(v[3]), F(v[4]), F(v[5]), F(v[6]), F(v[7]), F(v[8]), F(v[9]), F(v[10]), F(v[11]), F(v[12]), F(v[13]), F(v[14])))
    napi_throw_error(env, NULL, "cellBackward: out of memory");
  return NULL;
}

/* Which vector unit the matrix product uses on this CPU. */
static napi_value isa(napi_env env, napi_callback_info info) {
  (void)info;
  const char *name = "portable C";
#if DISPATCH
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) name = "AVX-512";
  else if (__builtin_cpu_supports("avx2")) name = "AVX2";
  else name = "SSE2";
#elif defined(__aarch64__)
  name = "NEON";
#elif defined(__x86_64__) || defined(_M_X64)
  name = "SSE2";
#endif
  napi_value out;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &out);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"matMul", NULL, mat_mul, NULL, NULL, NULL, napi_default, NULL},
    {"cellForward", NULL, cell_forward_js, NULL, NULL, NULL, napi_default, NULL},
    {"cellBackward", NULL, cell_backward_js, NULL, NULL, NULL, napi_default, NULL},
    {"isa", NULL, isa, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
