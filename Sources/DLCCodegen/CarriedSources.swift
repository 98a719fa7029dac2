// Generated from dlc's Sources/ by the CarriedSources test (DLC_BLESS=1 swift test);
// do not edit. See CarriedSources+Manifest.swift.

/// The sources an emitted trainer package carries.
enum CarriedSources {
  /// (path relative to the repository root, text), sorted by path.
  static let files: [(path: String, text: String)] = [
    ("Sources/CInt8GEMM/include/int8_gemm.h", ##########"""
// The integer GEMM of dlc's quantized kernels: uint8 activations × int8 weights with exact
// int32 sums, in C with intrinsics and a kernel chosen once at run time from the CPU
// (AVX-512 VNNI, AVX-512BW, AVX2, portable C). Every kernel gives the same exact result.
//
//   C[r][o] = Σ_k A[r][k] · B[o][k]
//
// A is uint8 [m][k] (row stride lda). B is int8 [n][k] row-major (a weight [out, in], or a
// conv weight [OC, C·KH·KW]), packed once by dlc_u8s8_pack_b into blocks of 16 columns:
// block j holds columns 16j..16j+15 as ceil(k/4) groups of 64 bytes, group g holding, for
// each of the 16 columns in turn, B[col][4g..4g+3]; columns ≥ n and k ≥ K are zero. That is
// the operand order of vpdpbusd (one zmm of B per group), and the zero padding makes the
// tails exact. Block j starts at packed + j · dlc_u8s8_packed_size(16, k).
//
// An epilogue finishes each sum (the scheme of Sources/DLCKernels/Quantized.swift):
//   acc = C[r][o] − a_zero_point · b_row_sums[o]                  (wrapping int32)
//   y   = (a_scale · b_scales[o]) · (float)acc + bias[o]          (bias 0 when NULL; no FMA)
//   q   = clamp(round_half_even(y / y_scale), lo, hi) + y_zero_point   (NaN gives lo)
// and stores the raw C (INT32), y (FLOAT) or q (UINT8) at
//   offset(r, o) = (r / group_rows) · group_stride + (r % group_rows) · row_stride + o · column_stride
// (group_rows 0: r · row_stride + o · column_stride). Dense is row-major (row_stride n,
// column_stride 1); a convolution over N samples of P positions writes NCHW planes
// (group_rows P, group_stride OC·P, row_stride 1, column_stride P).
#ifndef DLC_INT8_GEMM_H
#define DLC_INT8_GEMM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// What the epilogue stores.
#define DLC_U8S8_INT32 0
#define DLC_U8S8_FLOAT 1
#define DLC_U8S8_UINT8 2

/// How sums are finished and where they go (see the formulas above).
typedef struct dlc_u8s8_epilogue {
  /// DLC_U8S8_INT32, DLC_U8S8_FLOAT or DLC_U8S8_UINT8.
  int kind;
  /// int32_t *, float * or uint8_t *, by kind.
  void *y;
  ptrdiff_t group_rows, group_stride, row_stride, column_stride;
  /// FLOAT and UINT8: the activation's zero point and scale, the weight's per-column scales
  /// and row sums Σ_k B[o][k], bias (NULL for none).
  int32_t a_zero_point;
  float a_scale;
  const float *b_scales;
  const int32_t *b_row_sums;
  const float *bias;
  /// UINT8: the output's scale and zero point, and the bounds on round(y / y_scale) before
  /// the zero point is added (−y_zero_point and 255 − y_zero_point; 0 for a fused ReLU).
  float y_scale;
  int32_t y_zero_point;
  float lo, hi;
} dlc_u8s8_epilogue;

/// Bytes of B [n][k] packed: ceil(n/16) · 16 · ceil(k/4) · 4.
size_t dlc_u8s8_packed_size(int n, int k);

/// Packs int8 B [n][k] (row-major, k contiguous) into `packed` (dlc_u8s8_packed_size bytes,
/// any alignment; 64 is best). Done once per weight, not per product.
void dlc_u8s8_pack_b(const int8_t *b, int n, int k, int8_t *packed);

/// C[r][o] = Σ_k A[r][k] · B[o][k] into c [m][ldc], exact int32 (no saturation: k up to
/// 66 000 keeps |C| below 2³¹ for any bytes).
void dlc_u8s8_gemm(int m, int n, int k, const uint8_t *a, int lda, const int8_t *packed_b, int32_t *c, int ldc);

/// Rows [row_begin, row_end) and columns [column_begin, column_end) of the product, finished
/// by `e`. column_begin must be a multiple of 16. Indices (r, o) are those of the whole
/// product, so disjoint parts can run on different threads with identical results.
void dlc_u8s8_gemm_part(
  int k, const uint8_t *a, int lda, const int8_t *packed_b, const dlc_u8s8_epilogue *e,
  int row_begin, int row_end, int column_begin, int column_end);

/// Widens [*lo, *hi] to cover the finite values of x[0..<count] (NaN and ±∞ are ignored).
void dlc_f32_finite_range(const float *x, size_t count, float *lo, float *hi);

/// q[i] = clamp(round_half_even(x[i] / scale), −zero_point, 255 − zero_point) + zero_point
/// (NaN gives 0).
void dlc_f32_quantize_u8(const float *x, size_t count, float scale, int32_t zero_point, uint8_t *q);

/// The kernel in use: "avx512vnni", "avx512bw", "avx2" or "portable". The best the CPU
/// supports is chosen on first use, unless the environment variable DLC_INT8_KERNEL names
/// another one the CPU supports.
const char *dlc_u8s8_kernel_name(void);

/// Selects a kernel by name (NULL: the default choice). Returns 1 if it was selected, 0 if
/// the CPU lacks it or the name is unknown (the kernel in use is then unchanged). For tests
/// and benchmarks. Safe while products run (each part reads the choice once, atomically),
/// and harmless, since every kernel gives the same results.
int dlc_u8s8_select_kernel(const char *name);

#ifdef __cplusplus
}
#endif

#endif

"""##########),
    ("Sources/CInt8GEMM/include/module.modulemap", ##########"""
module CInt8GEMM {
  header "int8_gemm.h"
  export *
}

"""##########),
    ("Sources/CInt8GEMM/int8_gemm.c", ##########"""
// The integer GEMM (see include/int8_gemm.h): packing, four kernels that give the same
// exact sums, the shared epilogue, the run-time choice of kernel, and the vectorized range
// scan and quantization of the dynamic path.
//
// Kernels (register tiles of rows × 16-column blocks, one k group of 4 bytes per step):
// - avx512vnni: 6 rows × 4 blocks = 24 zmm sums; per step 4 zmm of B, 6 broadcasts of 4
//   bytes of A, 24 vpdpbusd (64 exact u8·s8 multiply-adds each). The form of MLAS's and
//   oneDNN's VNNI kernels.
// - avx512bw: 4 rows × 4 blocks. vpmaddubsw would saturate (255·127·2 > 32767), so bytes
//   are split into even and odd int16 lanes (zero-extended A, sign-extended B) and
//   multiplied with vpmaddwd, whose pair sums are exact in int32.
// - avx2: the same on ymm, 4 rows × 1 block.
// - portable: plain C over the packed layout, the only kernel on other architectures.
// Partial k groups read only the bytes that exist (the packed B is zero there), partial
// row tiles use smaller tiles, partial column blocks store under a mask.
#include "int8_gemm.h"

#include <stdlib.h>
#include <string.h>

// y = s · acc + bias must round twice, as the Swift reference does.
#pragma STDC FP_CONTRACT OFF

#if defined(__x86_64__)
#include <immintrin.h>
#endif

// MARK: Packing

/// Bytes of one packed 16-column block: ceil(k/4) groups of 64 bytes.
static size_t block_bytes(int k) { return k > 0 ? (size_t)((k + 3) / 4) * 64 : 0; }

size_t dlc_u8s8_packed_size(int n, int k) {
  return n > 0 ? (size_t)((n + 15) / 16) * block_bytes(k) : 0;
}

void dlc_u8s8_pack_b(const int8_t *b, int n, int k, int8_t *packed) {
  size_t groups = block_bytes(k) / 64;
  for (int block = 0; block < (n + 15) / 16; block++) {
    for (size_t g = 0; g < groups; g++) {
      for (int c = 0; c < 16; c++) {
        int column = block * 16 + c;
        for (size_t t = 0; t < 4; t++) {
          size_t kk = 4 * g + t;
          *packed++ = column < n && kk < (size_t)k ? b[(size_t)column * (size_t)k + kk] : 0;
        }
      }
    }
  }
}

// MARK: The epilogue, one value at a time

/// round(v) half to even for |v| ≤ 2²²: adding 1.5 · 2²³ leaves the integer in the low
/// mantissa bits (Quantized.roundToEven in Swift).
static inline int32_t round_half_even(float v) {
  float t = v + 12582912.0f;
  int32_t bits;
  memcpy(&bits, &t, sizeof bits);
  return bits - 0x4B400000;
}

/// The offset of row r's result for column 0.
static inline ptrdiff_t row_offset(const dlc_u8s8_epilogue *e, int r) {
  if (e->group_rows > 0) return (r / e->group_rows) * e->group_stride + (r % e->group_rows) * e->row_stride;
  return (ptrdiff_t)r * e->row_stride;
}

/// Finishes and stores the sum of (r, o), r's offset being `at`.
static inline void finish_one(const dlc_u8s8_epilogue *e, int32_t raw, ptrdiff_t at, int o) {
  at += (ptrdiff_t)o * e->column_stride;
  if (e->kind == DLC_U8S8_INT32) {
    ((int32_t *)e->y)[at] = raw;
    return;
  }
  int32_t acc = (int32_t)((uint32_t)raw - (uint32_t)e->a_zero_point * (uint32_t)e->b_row_sums[o]);
  float scale = e->a_scale * e->b_scales[o];
  float product = scale * (float)acc;
  float y = product + (e->bias ? e->bias[o] : 0.0f);
  if (e->kind == DLC_U8S8_FLOAT) {
    ((float *)e->y)[at] = y;
    return;
  }
  float v = y / e->y_scale;
  float clamped = v > e->lo ? (v < e->hi ? v : e->hi) : e->lo;
  ((uint8_t *)e->y)[at] = (uint8_t)(round_half_even(clamped) + e->y_zero_point);
}

// MARK: Portable kernel

static void part_portable(
  int k, const uint8_t *a, int lda, const int8_t *pb, const dlc_u8s8_epilogue *e, int r0, int r1, int c0, int c1
) {
  size_t stride = block_bytes(k);
  for (int r = r0; r < r1; r++) {
    const uint8_t *x = a + (size_t)r * (size_t)lda;
    ptrdiff_t at = row_offset(e, r);
    for (int o = c0; o < c1; o++) {
      const int8_t *w = pb + (size_t)(o / 16) * stride + (size_t)(o % 16) * 4;
      int32_t sum = 0;
      for (int i = 0; i < k; i++) sum += (int32_t)x[i] * (int32_t)w[(size_t)(i / 4) * 64 + (size_t)(i % 4)];
      finish_one(e, sum, at, o);
    }
  }
}

static void range_portable(const float *x, size_t count, float *lo, float *hi) {
  float l = *lo, h = *hi;
  for (size_t i = 0; i < count; i++) {
    float v = x[i];
    int finite = v - v == 0;  // false for NaN and ±∞
    if (finite && v < l) l = v;
    if (finite && v > h) h = v;
  }
  *lo = l;
  *hi = h;
}

static void quantize_portable(const float *x, size_t count, float scale, int32_t zero_point, uint8_t *q) {
  float lo = (float)-zero_point, hi = (float)(255 - zero_point);
  for (size_t i = 0; i < count; i++) {
    float v = x[i] / scale;
    float clamped = v > lo ? (v < hi ? v : hi) : lo;
    q[i] = (uint8_t)(round_half_even(clamped) + zero_point);
  }
}

#if defined(__x86_64__)

#define AVX512 "avx512f,avx512bw"
#define VNNI "avx512f,avx512bw,avx512vnni"
#define INLINE static inline __attribute__((always_inline))

/// The 4 bytes of A at p as one int32, reading only the first `count` (the rest 0).
static inline int32_t load_a(const uint8_t *p, int count) {
  int32_t v = 0;
  memcpy(&v, p, (size_t)count);
  return v;
}

// MARK: AVX-512 epilogue

/// Stores 16 finished values, lanes in `mask`, strided one by one when column_stride ≠ 1.
#define STORE16(type, vector, store)                                                       \
  do {                                                                                     \
    if (e->column_stride == 1) {                                                           \
      store;                                                                               \
    } else {                                                                               \
      type lanes[16];                                                                      \
      memcpy(lanes, &(vector), sizeof lanes);                                              \
      for (int j = 0; j < 16; j++)                                                         \
        if (mask >> j & 1) ((type *)e->y)[at + (ptrdiff_t)(o + j) * e->column_stride] = lanes[j]; \
    }                                                                                      \
  } while (0)

/// finish_one for columns o..o+15 (lanes in `mask`) of a row at offset `at`.
INLINE __attribute__((target(AVX512)))
void finish16(const dlc_u8s8_epilogue *e, __m512i raw, ptrdiff_t at, int o, __mmask16 mask) {
  if (e->kind == DLC_U8S8_INT32) {
    STORE16(int32_t, raw, _mm512_mask_storeu_epi32((int32_t *)e->y + at + o, mask, raw));
    return;
  }
  __m512i sums = _mm512_maskz_loadu_epi32(mask, e->b_row_sums + o);
  __m512i acc = _mm512_sub_epi32(raw, _mm512_mullo_epi32(_mm512_set1_epi32(e->a_zero_point), sums));
  __m512 scale = _mm512_mul_ps(_mm512_set1_ps(e->a_scale), _mm512_maskz_loadu_ps(mask, e->b_scales + o));
  __m512 bias = e->bias ? _mm512_maskz_loadu_ps(mask, e->bias + o) : _mm512_setzero_ps();
  __m512 y = _mm512_add_ps(_mm512_mul_ps(scale, _mm512_cvtepi32_ps(acc)), bias);
  if (e->kind == DLC_U8S8_FLOAT) {
    STORE16(float, y, _mm512_mask_storeu_ps((float *)e->y + at + o, mask, y));
    return;
  }
  __m512 v = _mm512_div_ps(y, _mm512_set1_ps(e->y_scale));
  __m512 lo = _mm512_set1_ps(e->lo);
  // v > lo ? min(v, hi) : lo, NaN failing the comparison (finish_one's order).
  __mmask16 above = _mm512_cmp_ps_mask(v, lo, _CMP_GT_OQ);
  __m512 clamped = _mm512_mask_min_ps(lo, above, v, _mm512_set1_ps(e->hi));
  __m512i q = _mm512_sub_epi32(
    _mm512_castps_si512(_mm512_add_ps(clamped, _mm512_set1_ps(12582912.0f))),
    _mm512_set1_epi32(0x4B400000 - e->y_zero_point));
  if (e->column_stride == 1) {
    _mm512_mask_cvtepi32_storeu_epi8((uint8_t *)e->y + at + o, mask, q);
  } else {
    int32_t lanes[16];
    memcpy(lanes, &q, sizeof lanes);
    for (int j = 0; j < 16; j++)
      if (mask >> j & 1) ((uint8_t *)e->y)[at + (ptrdiff_t)(o + j) * e->column_stride] = (uint8_t)lanes[j];
  }
}

/// Finishes an mr × nb tile of sums at (r, o); `cols` columns exist from o.
#define FINISH_TILE(mr, nb)                                                                  \
  for (int i = 0; i < (mr); i++) {                                                           \
    ptrdiff_t at = row_offset(e, r + i);                                                     \
    for (int j = 0; j < (nb); j++) {                                                         \
      int left = cols - 16 * j;                                                              \
      finish16(e, acc[i][j], at, o + 16 * j, left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1)); \
    }                                                                                        \
  }

// MARK: AVX-512 VNNI kernel

enum { VNNI_ROWS = 6, VNNI_BLOCKS = 4 };

/// One k group for an mr × nb tile: acc[i][j] += A[r+i][4g..4g+3] · block j (vpdpbusd).
#define VNNI_STEP(A_OF)                                                                     \
  do {                                                                                      \
    __m512i bv[VNNI_BLOCKS];                                                                \
    for (int j = 0; j < nb; j++) bv[j] = _mm512_loadu_si512(bp + (size_t)j * stride + g * 64); \
    for (int i = 0; i < mr; i++) {                                                          \
      __m512i av = _mm512_set1_epi32(A_OF(x + (size_t)i * (size_t)lda + 4 * g));            \
      for (int j = 0; j < nb; j++) acc[i][j] = _mm512_dpbusd_epi32(acc[i][j], av, bv[j]);   \
    }                                                                                       \
  } while (0)

#define LOAD4(p) load_a(p, 4)
#define LOAD_TAIL(p) load_a(p, k % 4)

INLINE __attribute__((target(VNNI)))
void tile_vnni(
  const int mr, const int nb, int k, const uint8_t *a, int lda, const int8_t *bp, size_t stride,
  const dlc_u8s8_epilogue *e, int r, int o, int cols
) {
  __m512i acc[VNNI_ROWS][VNNI_BLOCKS];
  for (int i = 0; i < mr; i++)
    for (int j = 0; j < nb; j++) acc[i][j] = _mm512_setzero_si512();
  const uint8_t *x = a + (size_t)r * (size_t)lda;
  size_t full = (size_t)(k / 4), g = 0;
  for (; g < full; g++) VNNI_STEP(LOAD4);
  if (k % 4) VNNI_STEP(LOAD_TAIL);
  FINISH_TILE(mr, nb)
}

#define VNNI_CASE(M, N) case (M) * 8 + (N): tile_vnni(M, N, k, a, lda, bp, stride, e, r, o, cols); break;
#define VNNI_ROW(M) VNNI_CASE(M, 1) VNNI_CASE(M, 2) VNNI_CASE(M, 3) VNNI_CASE(M, 4)

__attribute__((target(VNNI)))
static void part_avx512vnni(
  int k, const uint8_t *a, int lda, const int8_t *pb, const dlc_u8s8_epilogue *e, int r0, int r1, int c0, int c1
) {
  size_t stride = block_bytes(k);
  // A panel of 4 blocks (64 columns) stays in L1/L2 while every row tile runs over it.
  for (int o = c0; o < c1; o += 16 * VNNI_BLOCKS) {
    int cols = c1 - o < 16 * VNNI_BLOCKS ? c1 - o : 16 * VNNI_BLOCKS, nb = (cols + 15) / 16;
    const int8_t *bp = pb + (size_t)(o / 16) * stride;
    for (int r = r0; r < r1; r += VNNI_ROWS) {
      int mr = r1 - r < VNNI_ROWS ? r1 - r : VNNI_ROWS;
      switch (mr * 8 + nb) {
        VNNI_ROW(1) VNNI_ROW(2) VNNI_ROW(3) VNNI_ROW(4) VNNI_ROW(5) VNNI_ROW(6)
      }
    }
  }
}

// MARK: AVX-512BW kernel (no VNNI)

enum { BW_ROWS = 4, BW_BLOCKS = 4 };

/// One k group: B split into sign-extended even and odd int16 lanes, A into zero-extended
/// ones, two exact vpmaddwd per tile entry.
#define BW_STEP(A_OF)                                                                       \
  do {                                                                                      \
    __m512i even[BW_BLOCKS], odd[BW_BLOCKS];                                                \
    for (int j = 0; j < nb; j++) {                                                          \
      __m512i b = _mm512_loadu_si512(bp + (size_t)j * stride + g * 64);                     \
      even[j] = _mm512_srai_epi16(_mm512_slli_epi16(b, 8), 8);                              \
      odd[j] = _mm512_srai_epi16(b, 8);                                                     \
    }                                                                                       \
    for (int i = 0; i < mr; i++) {                                                          \
      __m512i av = _mm512_set1_epi32(A_OF(x + (size_t)i * (size_t)lda + 4 * g));            \
      __m512i ae = _mm512_and_si512(av, _mm512_set1_epi16(0xFF)), ao = _mm512_srli_epi16(av, 8); \
      for (int j = 0; j < nb; j++) {                                                        \
        acc[i][j] = _mm512_add_epi32(acc[i][j], _mm512_madd_epi16(ae, even[j]));            \
        acc[i][j] = _mm512_add_epi32(acc[i][j], _mm512_madd_epi16(ao, odd[j]));             \
      }                                                                                     \
    }                                                                                       \
  } while (0)

INLINE __attribute__((target(AVX512)))
void tile_avx512bw(
  const int mr, const int nb, int k, const uint8_t *a, int lda, const int8_t *bp, size_t stride,
  const dlc_u8s8_epilogue *e, int r, int o, int cols
) {
  __m512i acc[BW_ROWS][BW_BLOCKS];
  for (int i = 0; i < mr; i++)
    for (int j = 0; j < nb; j++) acc[i][j] = _mm512_setzero_si512();
  const uint8_t *x = a + (size_t)r * (size_t)lda;
  size_t full = (size_t)(k / 4), g = 0;
  for (; g < full; g++) BW_STEP(LOAD4);
  if (k % 4) BW_STEP(LOAD_TAIL);
  FINISH_TILE(mr, nb)
}

#define BW_CASE(M, N) case (M) * 8 + (N): tile_avx512bw(M, N, k, a, lda, bp, stride, e, r, o, cols); break;
#define BW_ROW(M) BW_CASE(M, 1) BW_CASE(M, 2) BW_CASE(M, 3) BW_CASE(M, 4)

__attribute__((target(AVX512)))
static void part_avx512bw(
  int k, const uint8_t *a, int lda, const int8_t *pb, const dlc_u8s8_epilogue *e, int r0, int r1, int c0, int c1
) {
  size_t stride = block_bytes(k);
  for (int o = c0; o < c1; o += 16 * BW_BLOCKS) {
    int cols = c1 - o < 16 * BW_BLOCKS ? c1 - o : 16 * BW_BLOCKS, nb = (cols + 15) / 16;
    const int8_t *bp = pb + (size_t)(o / 16) * stride;
    for (int r = r0; r < r1; r += BW_ROWS) {
      int mr = r1 - r < BW_ROWS ? r1 - r : BW_ROWS;
      switch (mr * 8 + nb) {
        BW_ROW(1) BW_ROW(2) BW_ROW(3) BW_ROW(4)
      }
    }
  }
}

// MARK: AVX2 kernel

enum { AVX2_ROWS = 4 };

/// One k group of a mr × 16 tile: the block's two halves (8 columns each) split as in BW_STEP.
#define AVX2_STEP(A_OF)                                                                     \
  do {                                                                                      \
    __m256i even[2], odd[2];                                                                \
    for (int j = 0; j < 2; j++) {                                                           \
      __m256i b = _mm256_loadu_si256((const __m256i *)(bp + g * 64 + 32 * (size_t)j));      \
      even[j] = _mm256_srai_epi16(_mm256_slli_epi16(b, 8), 8);                              \
      odd[j] = _mm256_srai_epi16(b, 8);                                                     \
    }                                                                                       \
    for (int i = 0; i < mr; i++) {                                                          \
      __m256i av = _mm256_set1_epi32(A_OF(x + (size_t)i * (size_t)lda + 4 * g));            \
      __m256i ae = _mm256_and_si256(av, _mm256_set1_epi16(0xFF)), ao = _mm256_srli_epi16(av, 8); \
      for (int j = 0; j < 2; j++) {                                                         \
        acc[i][j] = _mm256_add_epi32(acc[i][j], _mm256_madd_epi16(ae, even[j]));            \
        acc[i][j] = _mm256_add_epi32(acc[i][j], _mm256_madd_epi16(ao, odd[j]));             \
      }                                                                                     \
    }                                                                                       \
  } while (0)

INLINE __attribute__((target("avx2")))
void tile_avx2(const int mr, int k, const uint8_t *a, int lda, const int8_t *bp, const dlc_u8s8_epilogue *e, int r, int o, int cols) {
  __m256i acc[AVX2_ROWS][2];
  for (int i = 0; i < mr; i++) acc[i][0] = acc[i][1] = _mm256_setzero_si256();
  const uint8_t *x = a + (size_t)r * (size_t)lda;
  size_t full = (size_t)(k / 4), g = 0;
  for (; g < full; g++) AVX2_STEP(LOAD4);
  if (k % 4) AVX2_STEP(LOAD_TAIL);
  for (int i = 0; i < mr; i++) {
    int32_t sums[16];
    _mm256_storeu_si256((__m256i *)sums, acc[i][0]);
    _mm256_storeu_si256((__m256i *)(sums + 8), acc[i][1]);
    ptrdiff_t at = row_offset(e, r + i);
    for (int c = 0; c < cols; c++) finish_one(e, sums[c], at, o + c);
  }
}

__attribute__((target("avx2")))
static void part_avx2(
  int k, const uint8_t *a, int lda, const int8_t *pb, const dlc_u8s8_epilogue *e, int r0, int r1, int c0, int c1
) {
  size_t stride = block_bytes(k);
  for (int o = c0; o < c1; o += 16) {
    int cols = c1 - o < 16 ? c1 - o : 16;
    const int8_t *bp = pb + (size_t)(o / 16) * stride;
    for (int r = r0; r < r1; r += AVX2_ROWS) {
      switch (r1 - r < AVX2_ROWS ? r1 - r : AVX2_ROWS) {
        case 1: tile_avx2(1, k, a, lda, bp, e, r, o, cols); break;
        case 2: tile_avx2(2, k, a, lda, bp, e, r, o, cols); break;
        case 3: tile_avx2(3, k, a, lda, bp, e, r, o, cols); break;
        default: tile_avx2(4, k, a, lda, bp, e, r, o, cols); break;
      }
    }
  }
}

// MARK: AVX-512 range scan and quantization

__attribute__((target(AVX512)))
static void range_avx512(const float *x, size_t count, float *lo, float *hi) {
  __m512 l = _mm512_set1_ps(*lo), h = _mm512_set1_ps(*hi);
  const __m512i magnitude = _mm512_set1_epi32(0x7FFFFFFF), infinity = _mm512_set1_epi32(0x7F800000);
  for (size_t i = 0; i < count; i += 16) {
    __mmask16 live = count - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (count - i)) - 1);
    __m512 v = _mm512_maskz_loadu_ps(live, x + i);
    // Finite: |bits| below those of ∞ (NaN and ±∞ are not).
    __mmask16 finite = live & _mm512_cmplt_epi32_mask(_mm512_and_si512(_mm512_castps_si512(v), magnitude), infinity);
    l = _mm512_mask_min_ps(l, finite, v, l);
    h = _mm512_mask_max_ps(h, finite, v, h);
  }
  float ls[16], hs[16];
  _mm512_storeu_ps(ls, l);
  _mm512_storeu_ps(hs, h);
  for (int j = 0; j < 16; j++) {
    if (ls[j] < *lo) *lo = ls[j];
    if (hs[j] > *hi) *hi = hs[j];
  }
}

__attribute__((target(AVX512)))
static void quantize_avx512(const float *x, size_t count, float scale, int32_t zero_point, uint8_t *q) {
  const __m512 s = _mm512_set1_ps(scale), lo = _mm512_set1_ps((float)-zero_point);
  const __m512 hi = _mm512_set1_ps((float)(255 - zero_point)), magic = _mm512_set1_ps(12582912.0f);
  const __m512i bias = _mm512_set1_epi32(0x4B400000 - zero_point);
  for (size_t i = 0; i < count; i += 16) {
    __mmask16 live = count - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (count - i)) - 1);
    __m512 v = _mm512_div_ps(_mm512_maskz_loadu_ps(live, x + i), s);
    __m512 clamped = _mm512_mask_min_ps(lo, _mm512_cmp_ps_mask(v, lo, _CMP_GT_OQ), v, hi);
    __m512i r = _mm512_sub_epi32(_mm512_castps_si512(_mm512_add_ps(clamped, magic)), bias);
    _mm512_mask_cvtepi32_storeu_epi8(q + i, live, r);
  }
}

#endif  // __x86_64__

// MARK: Dispatch

typedef void (*part_fn)(int, const uint8_t *, int, const int8_t *, const dlc_u8s8_epilogue *, int, int, int, int);

/// A kernel, whether the CPU runs it, and the range scan and quantization that go with it.
struct kernel {
  const char *name;
  part_fn part;
  int (*supported)(void);
  void (*range)(const float *, size_t, float *, float *);
  void (*quantize)(const float *, size_t, float, int32_t, uint8_t *);
};

static int always(void) { return 1; }

#if defined(__x86_64__)
static int has_vnni(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vnni");
}
static int has_avx512bw(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
}
static int has_avx2(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
}
#endif

/// Best first.
static const struct kernel kernels[] = {
#if defined(__x86_64__)
  {"avx512vnni", part_avx512vnni, has_vnni, range_avx512, quantize_avx512},
  {"avx512bw", part_avx512bw, has_avx512bw, range_avx512, quantize_avx512},
  {"avx2", part_avx2, has_avx2, range_portable, quantize_portable},
#endif
  {"portable", part_portable, always, range_portable, quantize_portable},
};
enum { kernel_count = sizeof kernels / sizeof kernels[0] };

/// The index of the kernel in use; −1 until first use.
static int current = -1;

/// The supported kernel named `name`, or −1.
static int find(const char *name) {
  for (int i = 0; i < kernel_count; i++)
    if (strcmp(kernels[i].name, name) == 0 && kernels[i].supported()) return i;
  return -1;
}

static int default_kernel(void) {
  const char *wanted = getenv("DLC_INT8_KERNEL");
  int i = wanted ? find(wanted) : -1;
  if (i >= 0) return i;
  for (i = 0; !kernels[i].supported(); i++) {}
  return i;
}

static const struct kernel *kernel(void) {
  int i = __atomic_load_n(&current, __ATOMIC_ACQUIRE);
  if (i < 0) {
    i = default_kernel();
    __atomic_store_n(&current, i, __ATOMIC_RELEASE);
  }
  return &kernels[i];
}

const char *dlc_u8s8_kernel_name(void) { return kernel()->name; }

int dlc_u8s8_select_kernel(const char *name) {
  int i = name ? find(name) : default_kernel();
  if (i < 0) return 0;
  __atomic_store_n(&current, i, __ATOMIC_RELEASE);
  return 1;
}

// MARK: Entry points

void dlc_u8s8_gemm_part(
  int k, const uint8_t *a, int lda, const int8_t *packed_b, const dlc_u8s8_epilogue *e,
  int row_begin, int row_end, int column_begin, int column_end
) {
  if (row_begin >= row_end || column_begin >= column_end) return;
  kernel()->part(k < 0 ? 0 : k, a, lda, packed_b, e, row_begin, row_end, column_begin, column_end);
}

void dlc_u8s8_gemm(int m, int n, int k, const uint8_t *a, int lda, const int8_t *packed_b, int32_t *c, int ldc) {
  dlc_u8s8_epilogue e;
  memset(&e, 0, sizeof e);
  e.kind = DLC_U8S8_INT32;
  e.y = c;
  e.row_stride = ldc;
  e.column_stride = 1;
  dlc_u8s8_gemm_part(k, a, lda, packed_b, &e, 0, m, 0, n);
}

void dlc_f32_finite_range(const float *x, size_t count, float *lo, float *hi) {
  kernel()->range(x, count, lo, hi);
}

void dlc_f32_quantize_u8(const float *x, size_t count, float scale, int32_t zero_point, uint8_t *q) {
  kernel()->quantize(x, count, scale, zero_point, q);
}

"""##########),
    ("Sources/COpenBLAS/module.modulemap", ##########"""
module COpenBLAS [system] {
  header "shim.h"
  link "openblas"
  export *
}

"""##########),
    ("Sources/COpenBLAS/shim.h", ##########"""
#include <cblas.h>
// Declared by OpenBLAS; repeated here so the shim does not depend on which cblas.h wins.
char *openblas_get_corename(void);
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

"""##########),
    ("Sources/DLCBasics/CSVFastRows.swift", ##########"""
/// The fast path of CSV loading: runs of plain rows of numbers, parsed in one pass over
/// the file's bytes.
///
/// Most rows of a data file are plain: no quotes, every cell a finite number, the right
/// number of fields. This reads such rows straight into the feature and target arrays
/// and stops at the first row that is not plain (a quote, a blank line, a missing or
/// extra field, a cell that is not a finite number, a target that is not a class index
/// when one is wanted). The caller re-reads that row with the general scanner, which
/// reports the problem at its place. So the fast path never decides about errors and
/// needs no positions. It lives here rather than in the training module so that it is
/// always compiled with optimization.

/// Where each column's value goes, and what the targets must be.
public struct CSVRowLayout: Sendable {
  /// Per column: `slot ≥ 0` a feature, `-1 - k` target `k`, `Int32.min` unused.
  public var slots: [Int32]
  public var featureCount: Int
  public var targetCount: Int
  /// When set, every target must be an integer in `0..<classLimit` (class indices).
  public var classLimit: Float?

  public init(slots: [Int32], featureCount: Int, targetCount: Int, classLimit: Float?) {
    self.slots = slots
    self.featureCount = featureCount
    self.targetCount = targetCount
    self.classLimit = classLimit
  }
}

/// The plain-row reader.
public enum CSVFastRows {
  /// Reads plain rows of `b` from byte `start` on, appending each row's features to `x`
  /// and its targets to `y`. Returns the byte after the last row read and the number of
  /// rows read (each is one line); stops before the first row that is not plain.
  public static func read(
    _ b: UnsafeBufferPointer<UInt8>, from start: Int, layout: CSVRowLayout, x: inout [Float], y: inout [Float]
  ) -> (end: Int, rows: Int) {
    guard let p = b.baseAddress, !layout.slots.isEmpty else { return (start, 0) }
    let width = layout.featureCount + layout.targetCount
    var row = [Float](repeating: 0, count: width)
    var position = start
    var rows = 0
    layout.slots.withUnsafeBufferPointer { slots in
      row.withUnsafeMutableBufferPointer { out in
        while let end = parseRow(p, count: b.count, from: position, slots: slots, out: out, featureCount: layout.featureCount) {
          if let limit = layout.classLimit, !areClassIndices(out, from: layout.featureCount, limit: limit) { break }
          x.append(contentsOf: UnsafeBufferPointer(rebasing: out[0..<layout.featureCount]))
          y.append(contentsOf: UnsafeBufferPointer(rebasing: out[layout.featureCount...]))
          position = end
          rows += 1
        }
      }
    }
    return (position, rows)
  }

  /// Parses the row at `start` into `out` (features, then targets) and returns the
  /// position after its line break, or nil if the row is not plain.
  @inline(__always)
  static func parseRow(
    _ p: UnsafePointer<UInt8>, count n: Int, from start: Int, slots: UnsafeBufferPointer<Int32>,
    out: UnsafeMutableBufferPointer<Float>, featureCount: Int
  ) -> Int? {
    var i = start
    if i >= n || p[i] == 0x0A || p[i] == 0x0D { return nil }
    let columns = slots.count
    for c in 0..<columns {
      let cellStart = i
      let last = c == columns - 1
      var result = decimal(p, n, &i)
      // Only the last column may end at the end of the file: a short last row must not
      // step past it (found by fuzzing).
      let atEnd = last ? (i == n || p[i] == 0x0A || p[i] == 0x0D) : (i < n && p[i] == 0x2C)
      if result == nil || !atEnd {
        // Not the common form (spaces, many digits, a tie, an exponent beyond 10^±22, or
        // not a number at all): find the cell's end and let the general parser decide.
        while i < n, p[i] != 0x2C, p[i] != 0x0A, p[i] != 0x0D {
          if p[i] == 0x22 { return nil }
          i += 1
        }
        if last ? (i < n && p[i] == 0x2C) : (i == n || p[i] != 0x2C) { return nil }
        guard case .value(let v) = NumberParsing.parse(p, cellStart, i) else { return nil }
        result = v
      }
      let slot = slots[c]
      if slot >= 0 {
        out[Int(slot)] = result!
      } else if slot != Int32.min {
        out[featureCount + Int(-1 - slot)] = result!
      }
      i += 1  // the comma, or the first byte of the line break
    }
    // Past a CRLF's LF; `i` may be n + 1 when the file ends without a line break.
    if i <= n, i - 1 < n, p[i - 1] == 0x0D, i < n, p[i] == 0x0A { i += 1 }
    return min(i, n)
  }

  /// The number `[+-]digits[.digits][(e|E)[+-]digits]` starting at `i`, when Clinger's
  /// fast path gives its correctly rounded Float (see `NumberParsing`); `i` is left after
  /// the last byte of that form. Nil for anything else, which the caller re-reads.
  @inline(__always)
  static func decimal(_ p: UnsafePointer<UInt8>, _ n: Int, _ i: inout Int) -> Float? {
    var negative = false
    if i < n, p[i] == 0x2D || p[i] == 0x2B {
      negative = p[i] == 0x2D
      i &+= 1
    }
    var mantissa: UInt64 = 0
    var digits = 0  // significant digits (leading zeros are not)
    var exponent = 0
    let integerStart = i
    while i < n, p[i] &- 0x30 < 10 {
      if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(p[i] &- 0x30) } else { exponent &+= 1 }
      if mantissa != 0 { digits &+= 1 }
      i &+= 1
    }
    var sawDigit = i > integerStart
    if i < n, p[i] == 0x2E {
      i &+= 1
      let fractionStart = i
      while i < n, p[i] &- 0x30 < 10 {
        if digits < 19 {
          mantissa = mantissa &* 10 &+ UInt64(p[i] &- 0x30)
          exponent &-= 1
        }
        if mantissa != 0 { digits &+= 1 }
        i &+= 1
      }
      sawDigit = sawDigit || i > fractionStart
    }
    guard sawDigit else { return nil }
    if i < n, p[i] | 0x20 == 0x65 {
      i &+= 1
      var expNegative = false
      if i < n, p[i] == 0x2D || p[i] == 0x2B {
        expNegative = p[i] == 0x2D
        i &+= 1
      }
      guard i < n, p[i] &- 0x30 < 10 else { return nil }
      var written = 0
      while i < n, p[i] &- 0x30 < 10 {
        if written < 100_000 { written = written * 10 + Int(p[i] &- 0x30) }
        i &+= 1
      }
      exponent += expNegative ? -written : written
    }
    guard digits <= 19, mantissa <= 1 << 53, exponent >= -22, exponent <= 22,
          let f = NumberParsing.fastFloat(mantissa, exponent) else { return nil }
    return negative ? -f : f
  }

  /// Whether `out[from...]` are integers in `0..<limit`.
  @inline(__always)
  static func areClassIndices(_ out: UnsafeMutableBufferPointer<Float>, from: Int, limit: Float) -> Bool {
    for k in from..<out.count {
      let v = out[k]
      guard v >= 0, v == v.rounded(.towardZero), v < limit else { return false }
    }
    return true
  }
}

"""##########),
    ("Sources/DLCBasics/CSVScanner.swift", ##########"""
/// Splits CSV bytes into records of fields without copying (RFC 4180).
///
/// In: the bytes of a file. Out: one record at a time, each field a byte range with the
/// line it starts on. Fields may be quoted; in a quoted field commas and line breaks are
/// data and `""` stands for one `"`. Records end at LF, CRLF or a lone CR; a UTF-8
/// byte-order mark at the start is skipped; empty lines are skipped (as pandas does).
/// The checker's header probe and the data loader both read CSV through this scanner, so
/// they agree on line breaks, quotes and line numbers.

/// One field of a record: its bytes (inside the quotes, if quoted) and where it starts.
public struct CSVField: Sendable {
  /// The first byte of the content.
  public var start: Int
  /// One past the last byte of the content.
  public var end: Int
  /// Whether the field was quoted (its content may then hold `""` pairs).
  public var quoted: Bool
}

/// A syntax problem found while scanning: what, and the line it is on.
public struct CSVSyntaxError: Error, Sendable {
  public var line: Int
  public var field: Int
  public var message: String
}

/// A cursor over CSV bytes that hands out records.
public struct CSVScanner {
  public let bytes: UnsafeBufferPointer<UInt8>
  public private(set) var position: Int
  /// The 1-based line of `position`.
  public private(set) var line = 1

  public init(_ bytes: UnsafeBufferPointer<UInt8>) {
    self.bytes = bytes
    let bom = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
    position = bom ? 3 : 0
  }

  /// Reads the next non-empty record into `fields` (cleared first) and returns the line
  /// it starts on, or nil at the end of the file.
  public mutating func next(into fields: inout [CSVField]) throws(CSVSyntaxError) -> Int? {
    fields.removeAll(keepingCapacity: true)
    let n = bytes.count
    // Skip empty lines.
    while position < n, bytes[position] == 0x0A || bytes[position] == 0x0D { skipBreak() }
    guard position < n else { return nil }
    let recordLine = line
    while true {
      if position < n, bytes[position] == 0x22 {
        fields.append(try quotedField(fieldNumber: fields.count + 1))
      } else {
        let start = position
        while position < n {
          let b = bytes[position]
          if b == 0x2C || b == 0x0A || b == 0x0D { break }
          position += 1
        }
        fields.append(CSVField(start: start, end: position, quoted: false))
      }
      // After a field: a comma, a line break, or the end of the file.
      if position < n, bytes[position] == 0x2C {
        position += 1
        continue
      }
      if position < n { skipBreak() }
      return recordLine
    }
  }

  /// Moves past `rows` one-line rows that were read elsewhere, ending at `end`.
  public mutating func skipRows(to end: Int, count rows: Int) {
    position = end
    line += rows
  }

  /// A quoted field starting at `position` (on its opening quote).
  private mutating func quotedField(fieldNumber: Int) throws(CSVSyntaxError) -> CSVField {
    let n = bytes.count
    let openLine = line
    position += 1
    let start = position
    while position < n {
      let b = bytes[position]
      if b == 0x22 {
        if position + 1 < n, bytes[position + 1] == 0x22 {
          position += 2
          continue
        }
        let end = position
        position += 1
        if position < n, bytes[position] != 0x2C, bytes[position] != 0x0A, bytes[position] != 0x0D {
          throw CSVSyntaxError(line: line, field: fieldNumber, message: "text after the closing quote of a quoted field")
        }
        return CSVField(start: start, end: end, quoted: true)
      }
      if b == 0x0A || (b == 0x0D && !(position + 1 < n && bytes[position + 1] == 0x0A)) { line += 1 }
      position += 1
    }
    throw CSVSyntaxError(line: openLine, field: fieldNumber, message: "a quoted field is not closed before the end of the file")
  }

  /// Steps over one LF, CRLF or CR.
  private mutating func skipBreak() {
    if bytes[position] == 0x0D, position + 1 < bytes.count, bytes[position + 1] == 0x0A { position += 1 }
    position += 1
    line += 1
  }

  /// The text of a field, with `""` in quoted fields turned into `"`.
  public func text(_ f: CSVField) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(f.end - f.start)
    var i = f.start
    while i < f.end {
      out.append(bytes[i])
      // In a quoted field every quote is doubled; keep one of the pair.
      i += f.quoted && bytes[i] == 0x22 ? 2 : 1
    }
    return String(decoding: out, as: UTF8.self)
  }
}

"""##########),
    ("Sources/DLCBasics/FileReader.swift", ##########"""
/// Reading files with a size limit and a clear reason when it fails.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file could not be read, in words for a diagnostic.
public struct FileReadError: Error, Sendable {
  public var reason: String
  public init(reason: String) { self.reason = reason }
}

/// Whole-file and prefix reads that never hang on devices or pipes and never read unboundedly.
public enum FileReader {
  /// Reads at most `limit` bytes of the file at `path`; fails if it is larger
  /// (unless `prefixOnly`), a directory, or unreadable.
  public static func read(_ path: String, limit: Int, prefixOnly: Bool = false) -> Result<[UInt8], FileReadError> {
    var st = stat()
    guard stat(path, &st) == 0 else { return .failure(FileReadError(reason: errnoText())) }
    let type = st.st_mode & S_IFMT
    if type == S_IFDIR { return .failure(FileReadError(reason: "it is a directory")) }
    guard type == S_IFREG else { return .failure(FileReadError(reason: "it is not a regular file")) }
    if !prefixOnly, Int(st.st_size) > limit {
      return .failure(FileReadError(reason: "it is \(st.st_size) bytes; the limit is \(limit)"))
    }
    guard let f = fopen(path, "rb") else { return .failure(FileReadError(reason: errnoText())) }
    defer { fclose(f) }
    let want = min(Int(st.st_size), limit)
    var bytes = [UInt8](repeating: 0, count: want)
    let got = bytes.withUnsafeMutableBytes { fread($0.baseAddress, 1, want, f) }
    if got < want, ferror(f) != 0 { return .failure(FileReadError(reason: errnoText())) }
    bytes.removeLast(want - got)
    return .success(bytes)
  }

  /// The size in bytes of the regular file at `path`, or nil when it is not one.
  public static func size(of path: String) -> Int? {
    var st = stat()
    guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return nil }
    return Int(st.st_size)
  }

  /// `errno` as text, lowercased like the rest of dlc's messages.
  static func errnoText() -> String {
    let text = String(cString: strerror(errno))
    guard let first = text.first else { return text }
    return first.lowercased() + text.dropFirst()
  }

  /// `base`'s folder joined with `path`, unless `path` is absolute.
  public static func resolve(_ path: String, relativeTo base: String) -> String {
    if path.hasPrefix("/") { return normalize(path) }
    guard let slash = base.lastIndex(of: "/") else { return normalize(path) }
    let dir = String(base[..<slash])
    return normalize(dir + "/" + path)
  }

  /// Removes `.` components and folds `dir/..` where `dir` is a named folder.
  public static func normalize(_ path: String) -> String {
    var out: [Substring] = []
    for part in path.split(separator: "/", omittingEmptySubsequences: false) {
      if part == "." { continue }
      if part == "..", let last = out.last, last != "..", !last.isEmpty {
        out.removeLast()
        continue
      }
      out.append(part)
    }
    let joined = out.joined(separator: "/")
    return joined.isEmpty ? "." : joined
  }
}

"""##########),
    ("Sources/DLCBasics/JSONText.swift", ##########"""
/// JSON text shared by the diagnostics renderer and the training runtime (checkpoint
/// headers, run logs).
public enum JSONText {
  /// A JSON string literal, with the escapes RFC 8259 requires.
  public static func quote(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if u.value < 0x20 {
          let hex = String(u.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(u)
        }
      }
    }
    return out + "\""
  }
}

"""##########),
    ("Sources/DLCBasics/NPYHeader.swift", ##########"""
/// The header of an NPY file (numpy's format, versions 1.0, 2.0 and 3.0), read the same
/// way by the checker and by the data loader.
///
/// In: the first bytes of a file (at least the header) and the file's size. Out: the dtype,
/// the shape, where the data starts and how many data bytes the shape needs — or a
/// problem with the byte offset in the file where it was found.
///
/// The header is a Python dict literal, `{'descr': '<f4', 'fortran_order': False,
/// 'shape': (3, 4), }`. It is read in one pass without recursion: its length is bounded
/// by numpy's own reading limit, a value is a string, a boolean, an integer or a flat
/// tuple of integers, so hostile nesting is refused at its first extra bracket.
/// See https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html

/// The element types dlc reads.
public enum NPYDtype: String, Sendable, CaseIterable {
  case f4, f8, i1, i2, i4, i8, u1, u2, b1

  /// Bytes per element.
  public var size: Int {
    switch self {
    case .i1, .u1, .b1: return 1
    case .i2, .u2: return 2
    case .f4, .i4: return 4
    case .f8, .i8: return 8
    }
  }

  /// The element at byte `offset` of `raw` as a Double (exact for every type up to 2⁵³).
  @inlinable
  public func double(in raw: UnsafeRawBufferPointer, at offset: Int) -> Double {
    switch self {
    case .f4: return Double(Float(bitPattern: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian))
    case .f8: return Double(bitPattern: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian)
    case .i1: return Double(Int8(bitPattern: raw[offset]))
    case .u1, .b1: return Double(raw[offset])
    case .i2: return Double(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int16.self)))
    case .u2: return Double(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    case .i4: return Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
    case .i8: return Double(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int64.self)))
    }
  }
}

/// Why an NPY header was refused.
public enum NPYHeaderProblem: Error, Sendable, Equatable {
  /// The bytes are not an NPY header; `offset` is the byte of the file where reading stopped.
  case malformed(String, offset: Int?)
  /// A dtype dlc does not read.
  case dtype(String)
  /// A big-endian multi-byte dtype.
  case bigEndian(String)
  /// A multi-dimensional array in Fortran order.
  case fortranOrder
  /// The shape needs more data bytes than the file holds (`needed` nil: more than any file can).
  case truncated(needed: Int?, available: Int)

  /// The problem in words, for a diagnostic.
  public var message: String {
    switch self {
    case .malformed(let text, let offset?): return "\(text) (at byte \(offset) of the file)"
    case .malformed(let text, nil): return text
    case .dtype(let d): return "dtype '\(d)' is not supported (use float32, float64, int8/16/32/64, uint8/16 or bool)"
    case .bigEndian(let d): return "the array is big-endian ('\(d)')"
    case .fortranOrder: return "the array is in Fortran order"
    case .truncated(let needed?, let available):
      return "the file is truncated: its shape needs \(needed) data bytes, it has \(available)"
    case .truncated(nil, let available):
      return "the shape needs more data bytes than any file can hold (the file has \(available))"
    }
  }
}

/// A checked NPY header.
public struct NPYHeader: Sendable, Equatable {
  public var dtype: NPYDtype
  public var shape: [Int]
  /// The byte where the data starts.
  public var dataOffset: Int
  /// The data bytes the shape needs (`dtype.size × ∏ shape`, checked against the file size).
  public var dataBytes: Int

  /// The number of elements (it fits: `dataBytes` does).
  public var count: Int { dataBytes / dtype.size }

  /// numpy refuses to read headers longer than this (`numpy.lib.format._MAX_HEADER_SIZE`).
  public static let maxHeaderLength = 10_000
  /// The most dimensions numpy has (`NPY_MAXDIMS` in numpy 2).
  public static let maxDimensions = 64

  /// Reads the header at the start of `prefix`, the first bytes of a file of `fileSize` bytes.
  public static func parse(_ prefix: [UInt8], fileSize: Int) -> Result<NPYHeader, NPYHeaderProblem> {
    prefix.withUnsafeBufferPointer { parse($0, fileSize: fileSize) }
  }

  /// Reads the header at the start of `b`, the first bytes of a file of `fileSize` bytes.
  public static func parse(_ b: UnsafeBufferPointer<UInt8>, fileSize: Int) -> Result<NPYHeader, NPYHeaderProblem> {
    do {
      return .success(try read(b, fileSize: fileSize))
    } catch {
      return .failure(error)
    }
  }

  /// The steps: magic and version, the dict, its three keys, the data size.
  private static func read(_ b: UnsafeBufferPointer<UInt8>, fileSize: Int) throws(NPYHeaderProblem) -> NPYHeader {
    let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
    guard b.count >= 10, (0..<6).allSatisfy({ b[$0] == magic[$0] }) else {
      throw .malformed("the file does not start with the NPY magic number", offset: nil)
    }
    let length: Int, start: Int
    switch b[6] {
    case 1: (length, start) = (Int(b[8]) | Int(b[9]) << 8, 10)
    case 2, 3:
      guard b.count >= 12 else { throw .malformed("the header is truncated", offset: b.count) }
      (length, start) = (Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24, 12)
    default: throw .malformed("unknown format version \(b[6]).\(b[7])", offset: 6)
    }
    guard length <= maxHeaderLength else {
      throw .malformed("the header is \(length) bytes long; numpy reads at most \(maxHeaderLength)", offset: 8)
    }
    guard start + length <= b.count else { throw .malformed("the header is truncated", offset: b.count) }
    var dict = NPYDictReader(UnsafeBufferPointer(rebasing: b[start..<start + length]), base: start)
    let fields = try dict.read()
    let dtype = try self.dtype(fields.descr)
    if fields.fortranOrder, fields.shape.count > 1 { throw .fortranOrder }
    let dataOffset = start + length
    let available = max(0, fileSize - dataOffset)
    // `bound` counts a zero dimension as one, so every product of dimensions taken later
    // (per-sample sizes, label widths) fits an `Int` too, not only the total (found by fuzzing).
    var needed = dtype.size
    var bound = dtype.size
    for n in fields.shape {
      let (product, overflow) = needed.multipliedReportingOverflow(by: n)
      let (b, boundOverflow) = bound.multipliedReportingOverflow(by: max(n, 1))
      guard !overflow, !boundOverflow else { throw .truncated(needed: nil, available: available) }
      needed = product
      bound = b
    }
    guard needed <= available else { throw .truncated(needed: needed, available: available) }
    return NPYHeader(dtype: dtype, shape: fields.shape, dataOffset: dataOffset, dataBytes: needed)
  }

  /// The dtype for a `descr` such as `<f4`, or why it is not supported.
  private static func dtype(_ descr: String) throws(NPYHeaderProblem) -> NPYDtype {
    let u = Array(descr.utf8)
    guard u.count == 3, let type = NPYDtype(rawValue: String(decoding: u[1...], as: UTF8.self)) else { throw .dtype(descr) }
    if type.size > 1, u[0] == UInt8(ascii: ">") { throw .bigEndian(descr) }
    guard type.size == 1 || u[0] == UInt8(ascii: "<") || u[0] == UInt8(ascii: "=") else {
      throw .dtype(descr)
    }
    return type
  }
}

/// The three entries of an NPY header dict.
struct NPYHeaderFields {
  var descr: String
  var fortranOrder: Bool
  var shape: [Int]
}

/// One pass over the header's dict literal: no recursion, every byte looked at a bounded
/// number of times.
struct NPYDictReader {
  private let b: UnsafeBufferPointer<UInt8>
  /// The file offset of `b[0]`, for positions in problems.
  private let base: Int
  private var i = 0

  init(_ bytes: UnsafeBufferPointer<UInt8>, base: Int) {
    b = bytes
    self.base = base
  }

  /// A literal value of the dict.
  private enum Value {
    case string(String)
    case bool(Bool)
    case int(Int)
    case tuple([Int])
  }

  /// Reads the dict and picks out `descr`, `fortran_order` and `shape`.
  mutating func read() throws(NPYHeaderProblem) -> NPYHeaderFields {
    try expect("{", "the header is not a Python dict literal")
    var descr: String?, fortran: Bool?, shape: [Int]?
    while !take("}") {
      let keyAt = i
      guard case .string(let key) = try value() else { throw fail("a key of the header dict is not a string", at: keyAt) }
      try expect(":", "expected ':' after the key '\(key)'")
      let valueAt = i
      let v = try value()
      switch (key, v) {
      case ("descr", .string(let s)): descr = s
      case ("descr", _): throw fail("'descr' is not a string (structured dtypes are not supported)", at: valueAt)
      case ("fortran_order", .bool(let f)): fortran = f
      case ("fortran_order", _): throw fail("'fortran_order' is not True or False", at: valueAt)
      case ("shape", .tuple(let dims)): shape = dims
      case ("shape", _): throw fail("'shape' is not a tuple of sizes", at: valueAt)
      default: break  // numpy writes no other keys; others are ignored
      }
      if !take(",") {
        try expect("}", "expected ',' or '}' in the header dict")
        break
      }
    }
    skipSpace()
    guard i == b.count else { throw fail("text after the header dict", at: i) }
    guard let descr else { throw fail("the header has no 'descr'", at: nil) }
    guard let fortran else { throw fail("the header has no 'fortran_order'", at: nil) }
    guard let shape else { throw fail("the header has no 'shape'", at: nil) }
    return NPYHeaderFields(descr: descr, fortranOrder: fortran, shape: shape)
  }

  /// One value: a string, `True`, `False`, an integer or a flat tuple of integers.
  private mutating func value() throws(NPYHeaderProblem) -> Value {
    skipSpace()
    guard i < b.count else { throw fail("the header dict is not closed", at: i) }
    switch b[i] {
    case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try string())
    case UInt8(ascii: "("): return .tuple(try tuple())
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return .int(try integer())
    default:
      if word("True") { return .bool(true) }
      if word("False") { return .bool(false) }
      throw fail("expected a string, True, False, a size or a tuple of sizes", at: i)
    }
  }

  /// A tuple of non-negative integers, at most `maxDimensions` of them.
  private mutating func tuple() throws(NPYHeaderProblem) -> [Int] {
    i += 1
    var dims: [Int] = []
    while !take(")") {
      skipSpace()
      guard i < b.count, b[i] >= 0x30, b[i] <= 0x39 else {
        throw fail("expected a size (an integer ≥ 0) in the shape tuple", at: i)
      }
      guard dims.count < NPYHeader.maxDimensions else {
        throw fail("the shape has more than \(NPYHeader.maxDimensions) dimensions", at: i)
      }
      dims.append(try integer())
      if !take(",") {
        try expect(")", "expected ',' or ')' in the shape tuple")
        break
      }
    }
    return dims
  }

  /// A decimal integer that fits in `Int` (numpy 1.x on some platforms wrote `3L`).
  private mutating func integer() throws(NPYHeaderProblem) -> Int {
    let start = i
    var n = 0
    while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
      let (m, o1) = n.multipliedReportingOverflow(by: 10)
      let (s, o2) = m.addingReportingOverflow(Int(b[i] - 0x30))
      guard !o1, !o2 else { throw fail("the size is too large", at: start) }
      n = s
      i += 1
    }
    if i < b.count, b[i] == UInt8(ascii: "L") { i += 1 }
    return n
  }

  /// A quoted string without escapes (numpy writes none).
  private mutating func string() throws(NPYHeaderProblem) -> String {
    let open = i
    let quote = b[i]
    i += 1
    let start = i
    while i < b.count, b[i] != quote {
      if b[i] == UInt8(ascii: "\\") { throw fail("escapes in header strings are not supported", at: i) }
      i += 1
    }
    guard i < b.count else { throw fail("a string in the header is not closed", at: open) }
    i += 1
    return String(decoding: UnsafeBufferPointer(rebasing: b[start..<i - 1]), as: UTF8.self)
  }

  /// Consumes `w` if it is next.
  private mutating func word(_ w: StaticString) -> Bool {
    let n = w.utf8CodeUnitCount
    guard b.count - i >= n else { return false }
    for k in 0..<n where b[i + k] != w.utf8Start[k] { return false }
    i += n
    return true
  }

  /// Skips spaces, then consumes `c` if it is next.
  private mutating func take(_ c: Unicode.Scalar) -> Bool {
    skipSpace()
    guard i < b.count, b[i] == UInt8(ascii: c) else { return false }
    i += 1
    return true
  }

  /// Skips spaces, then consumes `c` or fails with `problem` at the current byte.
  private mutating func expect(_ c: Unicode.Scalar, _ problem: String) throws(NPYHeaderProblem) {
    guard take(c) else { throw fail(problem, at: i) }
  }

  private mutating func skipSpace() {
    while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x09 || b[i] == 0x0D { i += 1 }
  }

  /// A problem at byte `at` of the header (nil: the header as a whole).
  private func fail(_ text: String, at: Int?) -> NPYHeaderProblem { .malformed(text, offset: at.map { base + $0 }) }
}

"""##########),
    ("Sources/DLCBasics/NumberParsing.swift", ##########"""
/// Decimal numbers straight from bytes, without making a String per cell, rounded to
/// Float32 exactly as `strtof` rounds them.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a cell held.
public enum ParsedNumber: Equatable, Sendable {
  case value(Float)
  /// Only spaces, or nothing.
  case empty
  /// `nan`, `inf`, `infinity` (any case, any sign) or a number too large for Float32.
  case nonFinite
  /// Anything else.
  case invalid
}

/// A decimal number parser for `[+-]digits[.digits][(e|E)[+-]digits]`, with spaces
/// around it allowed.
///
/// Most cells take Clinger's fast path (W. D. Clinger, "How to read floating point
/// numbers accurately", PLDI 1990): when the significant digits fit in 2⁵³ and the power
/// of ten is at most 10²², one Double multiplication or division gives the decimal value
/// correctly rounded to Double. Rounding that Double to Float is then the correct Float
/// unless the Double is exactly halfway between two Floats (double rounding can only go
/// wrong at a tie, since every Float midpoint is a Double and rounding is monotonic);
/// that rare case, and every number outside the fast path, goes through `strtof`.
public enum NumberParsing {
  /// Parses bytes `start..<end` of `p`.
  @inlinable
  public static func parse(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> ParsedNumber {
    var i = start
    var e = end
    while i < e, p[i] == 0x20 || p[i] == 0x09 { i += 1 }
    while e > i, p[e - 1] == 0x20 || p[e - 1] == 0x09 { e -= 1 }
    if i == e { return .empty }
    let first = i
    var negative = false
    if p[i] == 0x2D || p[i] == 0x2B {
      negative = p[i] == 0x2D
      i += 1
    }
    var mantissa: UInt64 = 0
    var digits = 0  // significant digits seen (leading zeros are not significant)
    var exponent = 0
    var sawDigit = false
    while i < e, p[i] &- 0x30 < 10 {
      if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(p[i] &- 0x30) } else { exponent += 1 }
      if mantissa != 0 { digits += 1 }
      sawDigit = true
      i += 1
    }
    if i < e, p[i] == 0x2E {
      i += 1
      while i < e, p[i] &- 0x30 < 10 {
        if digits < 19 {
          mantissa = mantissa &* 10 &+ UInt64(p[i] &- 0x30)
          exponent -= 1
        }
        if mantissa != 0 { digits += 1 }
        sawDigit = true
        i += 1
      }
    }
    guard sawDigit else { return isNonFiniteWord(p, first, e) ? .nonFinite : .invalid }
    if i < e, p[i] | 0x20 == 0x65 {
      i += 1
      var expNegative = false
      if i < e, p[i] == 0x2D || p[i] == 0x2B {
        expNegative = p[i] == 0x2D
        i += 1
      }
      guard i < e, p[i] &- 0x30 < 10 else { return .invalid }
      var written = 0
      while i < e, p[i] &- 0x30 < 10 {
        if written < 100_000 { written = written * 10 + Int(p[i] &- 0x30) }
        i += 1
      }
      exponent += expNegative ? -written : written
    }
    guard i == e else { return .invalid }
    if digits <= 19, mantissa <= 1 << 53, exponent >= -22, exponent <= 22, let f = fastFloat(mantissa, exponent) {
      return .value(negative ? -f : f)
    }
    return slowPath(p, first, e)
  }

  /// `mantissa × 10^exponent` as a correctly rounded Float, or nil when the one rounding
  /// through Double may differ from the correct one (a tie, or an overflow).
  @inlinable @inline(__always)
  static func fastFloat(_ mantissa: UInt64, _ exponent: Int) -> Float? {
    let m = Double(mantissa)  // exact: mantissa ≤ 2⁵³
    let d = exponent < 0 ? m / power(-exponent) : m * power(exponent)
    let f = Float(d)
    let back = Double(f)
    if back == d { return f }
    guard f.isFinite else { return nil }
    // The Float on the other side of d; the sum of two adjacent Floats is exact in Double.
    let other = Double(back < d ? f.nextUp : f.nextDown)
    return back + other == 2 * d ? nil : f
  }

  /// 10^k for k in 0...22, all exact in Double (a literal table: no lazy global in the hot path).
  @inlinable @inline(__always)
  static func power(_ k: Int) -> Double {
    let table: (Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double,
                Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double) =
      (1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22)
    return withUnsafeBytes(of: table) { $0.load(fromByteOffset: k * 8, as: Double.self) }
  }

  /// `strtof` on a NUL-terminated copy; the grammar was already checked.
  @usableFromInline
  static func slowPath(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> ParsedNumber {
    let v = withUnsafeTemporaryAllocation(of: CChar.self, capacity: end - start + 1) { buf -> Float in
      for k in 0..<(end - start) { buf[k] = CChar(bitPattern: p[start + k]) }
      buf[end - start] = 0
      return strtof(buf.baseAddress!, nil)
    }
    return v.isFinite ? .value(v) : .nonFinite
  }

  /// `nan`, `inf` or `infinity`, optionally signed, in any case.
  @usableFromInline
  static func isNonFiniteWord(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
    var i = start
    if i < end, p[i] == 0x2D || p[i] == 0x2B { i += 1 }
    let word = String(decoding: UnsafeBufferPointer(start: p + i, count: end - i), as: UTF8.self).lowercased()
    return word == "nan" || word == "inf" || word == "infinity"
  }
}

"""##########),
    ("Sources/DLCBasics/SHA256.swift", ##########"""
/// SHA-256 as FIPS 180-4 (section 6.2) specifies it: the key of cached activations and
/// the checksum of their file. It lives here, not in the training module, because that
/// module is built without optimization and a hash over a data set must be fast.
public struct SHA256 {
  /// The eight working words H0…H7 (FIPS 180-4 §5.3.3 initial values).
  private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
    0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19)
  /// Bytes not yet hashed (fewer than 64).
  private var pending: [UInt8] = []
  /// Bytes seen so far.
  private var length: UInt64 = 0

  public init() {}

  /// Hashes `bytes` after what came before.
  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    guard !bytes.isEmpty else { return }
    length &+= UInt64(bytes.count)
    var rest = bytes[...]
    if !pending.isEmpty {
      let take = min(64 - pending.count, rest.count)
      pending += rest.prefix(take)
      rest = rest.dropFirst(take)
      guard pending.count == 64 else { return }
      pending.withUnsafeBytes { compress(blocks: $0) }
      pending.removeAll(keepingCapacity: true)
    }
    let whole = rest.count / 64 * 64
    if whole > 0 { compress(blocks: UnsafeRawBufferPointer(rebasing: rest.prefix(whole))) }
    pending += rest.dropFirst(whole)
  }

  /// Hashes a byte array.
  public mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

  /// Hashes a string's UTF-8 bytes, preceded by their count, so that consecutive
  /// fields cannot run into each other.
  public mutating func update(field text: String) {
    let utf8 = Array(text.utf8)
    update(integer: UInt64(utf8.count))
    update(utf8)
  }

  /// Hashes an integer as 8 little-endian bytes.
  public mutating func update(integer value: UInt64) {
    withUnsafeBytes(of: value.littleEndian) { update($0) }
  }

  /// The 32-byte digest: pads (a 1 bit, zeros, the bit length; §5.1.1) and compresses.
  public consuming func finalize() -> [UInt8] {
    let bits = length &* 8
    var tail = pending
    tail.append(0x80)
    while tail.count % 64 != 56 { tail.append(0) }
    for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
    tail.withUnsafeBytes { compress(blocks: $0) }
    var out: [UInt8] = []
    out.reserveCapacity(32)
    for word in [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7] {
      out += [UInt8(word >> 24), UInt8(truncatingIfNeeded: word >> 16), UInt8(truncatingIfNeeded: word >> 8), UInt8(truncatingIfNeeded: word)]
    }
    return out
  }

  /// The digest of `bytes`.
  public static func hash(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
    var h = SHA256()
    h.update(bytes)
    return h.finalize()
  }

  /// The digest of `bytes`.
  public static func hash(_ bytes: [UInt8]) -> [UInt8] { bytes.withUnsafeBytes { hash($0) } }

  /// Lower-case hexadecimal.
  public static func hex(_ digest: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for b in digest { out += [digits[Int(b >> 4)], digits[Int(b & 15)]] }
    return String(decoding: out, as: UTF8.self)
  }

  /// The round constants K0…K63 (§4.2.2): the first 32 bits of the fractional parts of
  /// the cube roots of the first 64 primes.
  private static let k: [UInt32] = [
    0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
    0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
    0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
    0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
    0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
    0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
    0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
    0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
  ]

  /// The compression function (§6.2.2) over whole 64-byte blocks.
  private mutating func compress(blocks: UnsafeRawBufferPointer) {
    var (h0, h1, h2, h3, h4, h5, h6, h7) = state
    Self.k.withUnsafeBufferPointer { k in
      withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
        var offset = 0
        while offset + 64 <= blocks.count {
          // The message schedule: W0…W15 from the block (big-endian), then σ0/σ1 mixing.
          for t in 0..<16 {
            w[t] = UInt32(bigEndian: blocks.loadUnaligned(fromByteOffset: offset + 4 * t, as: UInt32.self))
          }
          for t in 16..<64 {
            let s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)
            let s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)
            w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
          }
          var (a, b, c, d, e, f, g, h) = (h0, h1, h2, h3, h4, h5, h6, h7)
          for t in 0..<64 {
            let sum1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
            let ch = (e & f) ^ (~e & g)
            let t1 = h &+ sum1 &+ ch &+ k[t] &+ w[t]
            let sum0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
            let maj = (a & b) ^ (a & c) ^ (b & c)
            let t2 = sum0 &+ maj
            (h, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
          }
          h0 &+= a; h1 &+= b; h2 &+= c; h3 &+= d; h4 &+= e; h5 &+= f; h6 &+= g; h7 &+= h
          offset += 64
        }
      }
    }
    state = (h0, h1, h2, h3, h4, h5, h6, h7)
  }
}

/// ROTR^n(x) (§3.2).
@inline(__always) private func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }

"""##########),
    ("Sources/DLCKernels/Activation.swift", ##########"""
/// The pointwise activations' formulas, one type per row of DLCIR's pointwise table, as
/// PyTorch's `nn.ReLU`, `nn.LeakyReLU`, `nn.Sigmoid`, `nn.Tanh`, `nn.GELU` and `nn.ELU` define them.
/// Parameters arrive in the row's attribute order (`PointwiseParameters`).
///
/// Adding an activation: a type here, its entry in `PointwiseFormulas.all`, a row in the
/// table and a catalog entry.

/// Every formula, registered once: the interpreter finds kernels here by opcode, and a
/// test checks that every row of the table has a formula and every formula a row.
public enum PointwiseFormulas {
  public static let all: [PointwiseKernels] = [
    PointwiseKernels(ReLU.self), PointwiseKernels(LeakyReLU.self), PointwiseKernels(Sigmoid.self),
    PointwiseKernels(Tanh.self), PointwiseKernels(GELU.self), PointwiseKernels(ELU.self),
  ]
}

/// max(x, 0).
public enum ReLU: PointwiseFormula {
  public static let name = "relu"
  @inlinable @inline(__always) public static func forward(_ x: Float, _ p: PointwiseParameters) -> Float { x > 0 ? x : 0 }
  /// dy where x > 0, else 0 (0 at x = 0, as PyTorch).
  @inlinable @inline(__always) public static func derivative(dy: Float, _ x: Float, _ p: PointwiseParameters) -> Float {
    x > 0 ? dy : 0
  }
}

/// x where x > 0, else slope · x. Parameters: slope.
public enum LeakyReLU: PointwiseFormula {
  public static let name = "leaky_relu"
  @inlinable @inline(__always) public static func forward(_ x: Float, _ p: PointwiseParameters) -> Float {
    x > 0 ? x : p.number(0) * x
  }
  /// dy where x > 0, else slope · dy.
  @inlinable @inline(__always) public static func derivative(dy: Float, _ x: Float, _ p: PointwiseParameters) -> Float {
    x > 0 ? dy : p.number(0) * dy
  }
}

/// 1 / (1 + e^(−x)); saturates to exactly 0 or 1 (e^(−x) = +∞ gives 0).
public enum Sigmoid: PointwiseFormula {
  public static let name = "sigmoid"
  @inlinable @inline(__always) public static func forward(_ x: Float, _ p: PointwiseParameters) -> Float {
    1 / (1 + VectorMath.exp(-x))
  }
  /// dy · y · (1 − y), from the forward result y.
  @inlinable @inline(__always) public static func derivative(dy: Float, _ y: Float, _ p: PointwiseParameters) -> Float {
    dy * y * (1 - y)
  }
}

/// tanh(x).
public enum Tanh: PointwiseFormula {
  public static let name = "tanh"
  @inlinable @inline(__always) public static func forward(_ x: Float, _ p: PointwiseParameters) -> Float { VectorMath.tanh(x) }
  /// dy · (1 − y²), from the forward result y.
  @inlinable @inline(__always) public static func derivative(dy: Float, _ y: Float, _ p: PointwiseParameters) -> Float {
    dy * (1 - y * y)
  }
}

/// x · Φ(x) = ½x(1 + erf(x/√2)) (Hendrycks & Gimpel 2016, "Gaussian Error Linear Units");
/// with approximate = "tanh" (choice 1), PyTorch's `nn.GELU(approximate="tanh")`:
/// ½x(1 + tanh(√(2/π)(x + 0.044715x³))). Parameters: approximate.
///
/// The constants are literals (1/√2, 1/√(2π), √(2/π), 0.044715): a static read inside a
/// loop can keep it from vectorizing.
public enum GELU: PointwiseFormula {
  public static let name = "gelu"

  @inlinable @inline(__always) public static func forward(_ x: Float, _ p: PointwiseParameters) -> Float {
    if p.choice(0) == 1 {
      let u = 0.79788456080286536 * (x + 0.044715 * x * x * x)
      return 0.5 * x * (1 + VectorMath.tanh(u))
    }
    return 0.5 * x * (1 + VectorMath.erf(x * 0.70710678118654752))
  }

  /// dy · GELU′(x) = dy · (Φ(x) + x·φ(x)); of the tanh form ½(1 + t) + ½x(1 − t²)·√(2/π)(1 +
  /// 3·0.044715x²) with t = tanh(√(2/π)(x + 0.044715x³)).
  @inlinable @inline(__always) public static func derivative(dy: Float, _ x: Float, _ p: PointwiseParameters) -> Float {
    if p.choice(0) == 1 {
      let t = VectorMath.tanh(0.79788456080286536 * (x + 0.044715 * x * x * x))
      let du = 0.79788456080286536 * (1 + 3 * 0.044715 * x * x)
      return dy * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
    }
    let cdf = 0.5 * (1 + VectorMath.erf(x * 0.70710678118654752))
    let pdf = 0.39894228040143268 * VectorMath.exp(-0.5 * x * x)
    return dy * (cdf + x * pdf)
  }

  /// `approximate` is a choice: one loop per form.
  public static let choiceSlot: Int? = 0
}

/// x where x > 0, else alpha · (eˣ − 1) (Clevert et al. 2015, "Fast and Accurate Deep
/// Network Learning by Exponential Linear Units"; PyTorch `nn.ELU`). Parameters: alpha.
public enum ELU: PointwiseFormula {
  public static let name = "elu"
  @inlinable @inline(__always) public static func forward(_ x: Float, _ p: PointwiseParameters) -> Float {
    x > 0 ? x : p.number(0) * (VectorMath.exp(x) - 1)
  }
  /// dy where y > 0, else dy · (y + alpha): for x ≤ 0, y′ = alpha·eˣ = y + alpha (as PyTorch's
  /// `elu_backward` from the result).
  @inlinable @inline(__always) public static func derivative(dy: Float, _ y: Float, _ p: PointwiseParameters) -> Float {
    y > 0 ? dy : dy * (y + p.number(0))
  }
}

"""##########),
    ("Sources/DLCKernels/Attention.swift", ##########"""
import Glibc

/// The geometry of multi-head self-attention: x [N, L, D], H heads of width D / H.
public struct AttentionShape: Sendable, Hashable {
  public var batch, length, width, heads: Int
  public var causal: Bool

  /// A shape from all its sizes.
  public init(batch: Int, length: Int, width: Int, heads: Int, causal: Bool) {
    (self.batch, self.length, self.width, self.heads, self.causal) = (batch, length, width, heads, causal)
  }

  /// D / H.
  var headWidth: Int { width / heads }
  /// Rows of the projections: N · L.
  var rows: Int { batch * length }
  /// (sample, head) pairs.
  var pairs: Int { batch * heads }
  /// Floats of one score matrix: L · L.
  var square: Int { length * length }
}

/// Multi-head self-attention (Vaswani et al. 2017, "Attention is all you need", §3.2) in
/// PyTorch's `nn.MultiheadAttention` layout with batch_first: qkv = x · W_qkvᵀ + b_qkv
/// split into q, k, v of width D; head h uses columns h·dh..<(h+1)·dh of each;
/// probs = softmax(q·kᵀ / √dh) (future positions masked when causal); dropout on probs;
/// context = probs · v with heads merged; y = context · W_outᵀ + b_out.
///
/// Projections are single GEMMs over all N·L rows; the per-head score and context
/// products are small GEMMs, one (sample, head) pair per task, pairs split over threads.
public enum AttentionKernel {
  public static func workspaceCount(_ s: AttentionShape) -> Int {
    4 * s.rows * s.width + 2 * s.pairs * s.square
  }

  /// y [N,L,D]; saves qkv [N,L,3D] (after bias), probs [N,H,L,L] (softmax, before dropout),
  /// context [N,L,D] (after dropout on probs, heads merged). dropout mask element index = flat index in probs.
  public static func forward(
    x: UnsafePointer<Float>, wQKV: UnsafePointer<Float>, bQKV: UnsafePointer<Float>?,
    wOut: UnsafePointer<Float>, bOut: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>,
    qkv: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>, context: UnsafeMutablePointer<Float>,
    shape s: AttentionShape, dropout: Float, stream: RandomStream, workspace: UnsafeMutablePointer<Float>
  ) {
    let d = s.width
    DenseKernel.forward(x: x, weight: wQKV, bias: bQKV, y: qkv, rows: s.rows, inFeatures: d, outFeatures: 3 * d)
    attend(qkv: qkv, probs: probs, dropped: workspace, context: context, shape: s, dropout: dropout, stream: stream)
    DenseKernel.forward(x: context, weight: wOut, bias: bOut, y: y, rows: s.rows, inFeatures: d, outFeatures: d)
  }

  /// Inference: no dropout, nothing saved except through workspace.
  public static func inference(
    x: UnsafePointer<Float>, wQKV: UnsafePointer<Float>, bQKV: UnsafePointer<Float>?,
    wOut: UnsafePointer<Float>, bOut: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>,
    shape s: AttentionShape, workspace: UnsafeMutablePointer<Float>
  ) {
    let d = s.width
    let qkv = workspace, context = workspace + 3 * s.rows * d, probs = workspace + 4 * s.rows * d
    DenseKernel.forward(x: x, weight: wQKV, bias: bQKV, y: qkv, rows: s.rows, inFeatures: d, outFeatures: 3 * d)
    attend(
      qkv: qkv, probs: probs, dropped: probs, context: context, shape: s, dropout: 0,
      stream: RandomStream(seed: 0, purpose: .dropout))
    DenseKernel.forward(x: context, weight: wOut, bias: bOut, y: y, rows: s.rows, inFeatures: d, outFeatures: d)
  }

  /// The gradients of forward's y with respect to x and the four parameters, from the
  /// tensors forward saved; the dropout mask is drawn again from `stream`.
  public static func backward(
    dy: UnsafePointer<Float>, x: UnsafePointer<Float>, qkv: UnsafePointer<Float>, probs: UnsafePointer<Float>,
    context: UnsafePointer<Float>, wQKV: UnsafePointer<Float>, wOut: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>, dwQKV: UnsafeMutablePointer<Float>, dbQKV: UnsafeMutablePointer<Float>?,
    dwOut: UnsafeMutablePointer<Float>, dbOut: UnsafeMutablePointer<Float>?,
    shape s: AttentionShape, dropout: Float, stream: RandomStream, workspace: UnsafeMutablePointer<Float>
  ) {
    let (d, rows) = (s.width, s.rows)
    let dcontext = workspace, dqkv = workspace + rows * d
    let droppedSlots = workspace + 4 * rows * d, gradSlots = droppedSlots + s.pairs * s.square

    // Output projection.
    DenseKernel.gradWeight(dy: dy, x: context, dweight: dwOut, rows: rows, inFeatures: d, outFeatures: d)
    if let dbOut { DenseKernel.gradBias(dy: dy, dbias: dbOut, rows: rows, outFeatures: d) }
    DenseKernel.gradInput(dy: dy, weight: wOut, dx: dcontext, rows: rows, inFeatures: d, outFeatures: d)

    // Per (sample, head): dV = P̃ᵀ·dC; dP̃ = dC·Vᵀ; dP = dropout⁻¹(dP̃);
    // dS = P ⊙ (dP − rowsum(dP ⊙ P)) (softmax VJP); dQ = dS·K/√dh; dK = dSᵀ·Q/√dh.
    let (l, dh, heads, square) = (s.length, s.headWidth, s.heads, s.square)
    let scale = 1 / Float(dh).squareRoot()
    let keepScale = dropout < 1 ? 1 / (1 - dropout) : 0
    Parallel.forEach(count: s.pairs, minimumPerThread: minimumPairsPerThread(s)) { pairs in
      for t in pairs {
        let n = t / heads, h = t % heads
        let base = qkv + n * l * 3 * d + h * dh, grad = dqkv + n * l * 3 * d + h * dh
        let dc = dcontext + n * l * d + h * dh
        let p = probs + t * square, ds = gradSlots + t * square
        var dropped = p
        if dropout > 0 {
          applyDropout(p, droppedSlots + t * square, count: square, start: t * square, rate: dropout, keepScale: keepScale, stream: stream)
          dropped = UnsafePointer(droppedSlots + t * square)
        }
        BLAS.sgemm(
          transA: true, transB: false, m: l, n: dh, k: l, alpha: 1,
          a: dropped, lda: l, b: dc, ldb: d, beta: 0, c: grad + 2 * d, ldc: 3 * d)
        BLAS.sgemm(
          transA: false, transB: true, m: l, n: l, k: dh, alpha: 1,
          a: dc, lda: d, b: base + 2 * d, ldb: 3 * d, beta: 0, c: ds, ldc: l)
        if dropout > 0 {
          applyDropout(ds, ds, count: square, start: t * square, rate: dropout, keepScale: keepScale, stream: stream)
        }
        softmaxBackwardRows(probs: p, grad: ds, length: l)
        BLAS.sgemm(
          transA: false, transB: false, m: l, n: dh, k: l, alpha: scale,
          a: ds, lda: l, b: base + d, ldb: 3 * d, beta: 0, c: grad, ldc: 3 * d)
        BLAS.sgemm(
          transA: true, transB: false, m: l, n: dh, k: l, alpha: scale,
          a: ds, lda: l, b: base, ldb: 3 * d, beta: 0, c: grad + d, ldc: 3 * d)
      }
    }

    // Input projection.
    DenseKernel.gradWeight(dy: dqkv, x: x, dweight: dwQKV, rows: rows, inFeatures: d, outFeatures: 3 * d)
    if let dbQKV { DenseKernel.gradBias(dy: dqkv, dbias: dbQKV, rows: rows, outFeatures: 3 * d) }
    DenseKernel.gradInput(dy: dqkv, weight: wQKV, dx: dx, rows: rows, inFeatures: d, outFeatures: 3 * d)
  }

  /// Scores, softmax, dropout and context for every (sample, head) pair. `dropped` holds
  /// the dropped-out probabilities ([N, H, L, L]); unused when dropout is 0.
  static func attend(
    qkv: UnsafePointer<Float>, probs: UnsafeMutablePointer<Float>, dropped: UnsafeMutablePointer<Float>,
    context: UnsafeMutablePointer<Float>, shape s: AttentionShape, dropout: Float, stream: RandomStream
  ) {
    let (d, l, dh, heads, square, causal) = (s.width, s.length, s.headWidth, s.heads, s.square, s.causal)
    let scale = 1 / Float(dh).squareRoot()
    let keepScale = dropout < 1 ? 1 / (1 - dropout) : 0
    Parallel.forEach(count: s.pairs, minimumPerThread: minimumPairsPerThread(s)) { pairs in
      for t in pairs {
        let n = t / heads, h = t % heads
        let base = qkv + n * l * 3 * d + h * dh
        let p = probs + t * square
        BLAS.sgemm(
          transA: false, transB: true, m: l, n: l, k: dh, alpha: scale,
          a: base, lda: 3 * d, b: base + d, ldb: 3 * d, beta: 0, c: p, ldc: l)
        softmaxRows(p, length: l, causal: causal)
        var weights = UnsafePointer(p)
        if dropout > 0 {
          applyDropout(p, dropped + t * square, count: square, start: t * square, rate: dropout, keepScale: keepScale, stream: stream)
          weights = UnsafePointer(dropped + t * square)
        }
        BLAS.sgemm(
          transA: false, transB: false, m: l, n: dh, k: l, alpha: 1,
          a: weights, lda: l, b: base + 2 * d, ldb: 3 * d, beta: 0, c: context + n * l * d + h * dh, ldc: d)
      }
    }
  }

  /// Splits pairs over threads once a thread gets ~64k multiply-adds.
  static func minimumPairsPerThread(_ s: AttentionShape) -> Int {
    max(1, 65536 / max(1, s.square * s.headWidth))
  }

  /// Row-wise softmax of an L × L score matrix in place, with max subtraction; when
  /// causal, entries j > i get probability 0.
  static func softmaxRows(_ p: UnsafeMutablePointer<Float>, length l: Int, causal: Bool) {
    for i in 0..<l {
      let row = p + i * l
      let valid = causal ? i + 1 : l
      var top = -Float.infinity
      for j in 0..<valid where row[j] > top { top = row[j] }
      var total: Float = 0
      for j in 0..<valid {
        let e = expf(row[j] - top)
        row[j] = e
        total += e
      }
      let inverse = 1 / total
      for j in 0..<valid { row[j] *= inverse }
      if valid < l { (row + valid).update(repeating: 0, count: l - valid) }
    }
  }

  /// grad ← P ⊙ (grad − rowsum(grad ⊙ P)), the softmax vector-Jacobian product per row.
  static func softmaxBackwardRows(probs p: UnsafePointer<Float>, grad g: UnsafeMutablePointer<Float>, length l: Int) {
    for i in 0..<l {
      let pr = p + i * l, gr = g + i * l
      var dot: Float = 0
      for j in 0..<l { dot += pr[j] * gr[j] }
      for j in 0..<l { gr[j] = pr[j] * (gr[j] - dot) }
    }
  }

  /// dst[i] = src[i] · keepScale when stream.uniform(at: start + i) >= rate, else 0
  /// (inverted dropout, Srivastava et al. 2014; the mask rule of `DropoutKernel`). Each
  /// Philox block serves four consecutive elements. src and dst may be the same.
  static func applyDropout(
    _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int, start: Int,
    rate: Float, keepScale: Float, stream: RandomStream
  ) {
    var i = 0
    while i < count {
      let g = start + i
      let w = stream.block(g >> 2)
      let words = (w.0, w.1, w.2, w.3)
      var lane = g & 3
      while lane < 4 && i < count {
        let bits: UInt32
        switch lane {
        case 0: bits = words.0
        case 1: bits = words.1
        case 2: bits = words.2
        default: bits = words.3
        }
        let u = Float(bits >> 8) * 0x1p-24
        dst[i] = u >= rate ? src[i] * keepScale : 0
        lane += 1
        i += 1
      }
    }
  }
}

"""##########),
    ("Sources/DLCKernels/BLAS.swift", ##########"""
import COpenBLAS

/// GEMM through OpenBLAS: the one file that touches CBLAS.
///
/// OpenBLAS runs on one thread; our own threads (`Parallel`) split the large GEMMs. Two
/// thread pools on the same cores fight: OpenBLAS's idle workers spin in `sched_yield`
/// while our threads run the reorders, pooling and activations between GEMMs (about a
/// fifth of a CNN step went to that). With one pool, every core runs one thread.
public enum BLAS {
  /// C[m×n] = alpha · op(A) · op(B) + beta · C, all row-major; op transposes when asked.
  /// `lda`, `ldb`, `ldc` are the row strides of A, B and C as stored. Runs on the calling
  /// thread, so calls from different threads may run side by side.
  @inline(__always)
  public static func sgemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    _ = singleThreaded
    cblas_sgemm(
      CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
      Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }

  /// Like `sgemm`, split over our threads when large: the longer of m and n is cut into
  /// contiguous blocks (multiples of 16), one single-threaded GEMM each. Each entry of C
  /// comes from one GEMM over the whole of k, so the split adds no reduction.
  public static func sgemmParallel(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    let splitRows = m > n
    let blocks = (max(m, n) + 15) / 16
    let blocksPerThread = max(1, minimumWorkPerThread / max(1, 16 * min(m, n) * k))
    Parallel.forEach(count: blocks, minimumPerThread: blocksPerThread) { range in
      let lo = range.lowerBound * 16, hi = min(range.upperBound * 16, splitRows ? m : n)
      if splitRows {
        sgemm(
          transA: transA, transB: transB, m: hi - lo, n: n, k: k, alpha: alpha,
          a: a + (transA ? lo : lo * lda), lda: lda, b: b, ldb: ldb,
          beta: beta, c: c + lo * ldc, ldc: ldc)
      } else {
        sgemm(
          transA: transA, transB: transB, m: m, n: hi - lo, k: k, alpha: alpha,
          a: a, lda: lda, b: b + (transB ? lo * ldb : lo), ldb: ldb,
          beta: beta, c: c + lo, ldc: ldc)
      }
    }
  }

  /// y[m] = A[m×n] · x[n] + beta · y, A row-major with row stride `lda`, split over our
  /// threads by rows of A when A is large. For one input row (batch 1 inference) this is
  /// what a dense layer is, and it is memory-bound: a matrix too large for one core's L2
  /// cache streams from L3 on every call. Split in two, each core keeps its half in its
  /// own L2 across calls (the folded 784-512-10 MLP: 16.2 µs with sgemm on one thread,
  /// 8.0 µs split; bench/README.md).
  public static func sgemvParallel(
    m: Int, n: Int, a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>,
    beta: Float, y: UnsafeMutablePointer<Float>
  ) {
    _ = singleThreaded
    let blocks = (m + 15) / 16
    let blocksPerThread = max(1, minimumMatrixPerThread / max(1, 16 * n))
    Parallel.forEach(count: blocks, minimumPerThread: blocksPerThread) { range in
      let lo = range.lowerBound * 16, hi = min(range.upperBound * 16, m)
      cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(hi - lo), Int32(n), 1, a + lo * lda, Int32(lda), x, 1, beta, y + lo, 1)
    }
  }

  /// Matrix entries a thread reads at least before `sgemvParallel` splits: 256 KiB of
  /// floats, so only a matrix of 512 KiB or more (half of one core's L2 here) is split;
  /// a smaller one stays in the caller's cache and is read faster than a split costs.
  static let minimumMatrixPerThread = 65_536

  /// Multiply-adds a thread gets at least before `sgemmParallel` splits. Waking a second
  /// thread costs several microseconds, so smaller products run on the calling thread:
  /// at 262,144 (where OpenBLAS 0.3.21 starts threading) the digits MLP's 64×64×128
  /// products were split and its training step ran at 0.55× the speed.
  static let minimumWorkPerThread = 4_194_304

  /// Sets OpenBLAS to one thread, once, before the first GEMM.
  private static let singleThreaded: Void = openblas_set_num_threads(1)

  /// The kernel family OpenBLAS chose for this CPU, e.g. "SkylakeX", "Haswell", "Prescott".
  public static var coreName: String { String(cString: openblas_get_corename()) }

  /// How many threads one OpenBLAS call uses (1 once a GEMM has run).
  public static var threads: Int {
    get { Int(openblas_get_num_threads()) }
    set { openblas_set_num_threads(Int32(newValue)) }
  }
}

"""##########),
    ("Sources/DLCKernels/BLASSetup.swift", ##########"""
import Glibc

/// Makes OpenBLAS use the fast kernels of this CPU.
///
/// Debian's OpenBLAS 0.3.21 does not know recent Intel CPUs and silently falls back to
/// its SSE3 "Prescott" kernels (~4× slower). It picks its kernels in a library
/// constructor, before `main`, so setting `OPENBLAS_CORETYPE` inside the process is too
/// late: the process re-executes itself once with the variable set.
public enum BLASSetup {
  /// The guard variable: set in the re-executed process, so it never re-executes again.
  public static let guardVariable = "DLC_OPENBLAS_REEXEC"

  /// OpenBLAS kernel families that already use AVX2 or AVX-512: never worth a re-exec.
  static let fastCores: Set<String> = ["haswell", "zen", "skylakex", "cooperlake", "sapphirerapids"]

  /// The preferred core type of the CPU this process runs on (see `preferredCoreType(flags:)`),
  /// nil when /proc/cpuinfo cannot be read.
  public static func preferredCoreType() -> String? {
    guard let text = readFile("/proc/cpuinfo") else { return nil }
    return preferredCoreType(flags: cpuFlags(cpuinfo: text))
  }

  /// The preferred core type for the text of a /proc/cpuinfo file (its first `flags` line).
  public static func preferredCoreType(cpuinfo: String) -> String? {
    preferredCoreType(flags: cpuFlags(cpuinfo: cpuinfo))
  }

  /// The OpenBLAS kernel family for a set of CPU flags, a pure function of them:
  /// "SkylakeX" with avx512f, avx512bw, avx512dq and avx512vl; "Haswell" with avx2 and fma;
  /// nil otherwise.
  public static func preferredCoreType(flags: Set<String>) -> String? {
    if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512dq", "avx512vl"]) { return "SkylakeX" }
    if flags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
    return nil
  }

  /// The flags of the first `flags` line of a /proc/cpuinfo text (empty when it has none).
  public static func cpuFlags(cpuinfo: String) -> Set<String> {
    guard let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
      let colon = line.firstIndex(of: ":")
    else { return [] }
    return Set(line[line.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init))
  }

  /// The core type to re-execute with, or nil to carry on: nil when the guard variable or
  /// `OPENBLAS_CORETYPE` is set, when there is no preferred type, or when OpenBLAS
  /// already runs the preferred or another AVX2/AVX-512 kernel family.
  public static func reexecDecision(
    coreName: String, environment: [String: String], preferred: String?
  ) -> String? {
    guard environment[guardVariable] == nil, environment["OPENBLAS_CORETYPE"] == nil,
      let preferred
    else { return nil }
    let core = coreName.lowercased()
    if core == preferred.lowercased() || fastCores.contains(core) { return nil }
    return preferred
  }

  /// If OpenBLAS picked a slow generic core, OPENBLAS_CORETYPE is unset and the guard
  /// variable DLC_OPENBLAS_REEXEC is unset: sets both and execv("/proc/self/exe") with
  /// the original arguments. Returns normally otherwise, including when execv fails.
  public static func reexecWithFastKernelsIfNeeded() {
    var environment: [String: String] = [:]
    for name in [guardVariable, "OPENBLAS_CORETYPE"] {
      if let value = getenv(name) { environment[name] = String(cString: value) }
    }
    // Cheap checks first: the re-executed process stops here without reading cpuinfo.
    guard environment.isEmpty,
      let core = reexecDecision(
        coreName: BLAS.coreName, environment: environment, preferred: preferredCoreType())
    else { return }
    setenv(guardVariable, "1", 1)
    setenv("OPENBLAS_CORETYPE", core, 1)
    let arguments = CommandLine.arguments.map { strdup($0) }
    var argv: [UnsafeMutablePointer<CChar>?] = arguments + [nil]
    execv("/proc/self/exe", &argv)
    // execv returned: it failed. Keep the guard set (no second attempt) and run on.
    unsetenv("OPENBLAS_CORETYPE")
    for pointer in arguments { free(pointer) }
  }

  /// The whole content of a (small, text) file, or nil when it cannot be read.
  private static func readFile(_ path: String) -> String? {
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = fread(&buffer, 1, buffer.count, file)
      if n <= 0 { break }
      bytes.append(contentsOf: buffer[0..<n])
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}

"""##########),
    ("Sources/DLCKernels/Conv2D.swift", ##########"""
/// The geometry of one 2-D convolution, PyTorch `nn.Conv2d` (groups = 1): x [N, C, H, W],
/// weight [OC, C, KH, KW], bias [OC], y [N, OC, OH, OW].
public struct Conv2DShape: Sendable, Hashable {
  public var batch, inChannels, height, width, outChannels, kernelH, kernelW: Int
  public var strideH, strideW, padH, padW, dilationH, dilationW: Int

  /// A shape from all its sizes.
  public init(
    batch: Int, inChannels: Int, height: Int, width: Int, outChannels: Int,
    kernelH: Int, kernelW: Int, strideH: Int, strideW: Int, padH: Int, padW: Int,
    dilationH: Int, dilationW: Int
  ) {
    (self.batch, self.inChannels, self.height, self.width) = (batch, inChannels, height, width)
    (self.outChannels, self.kernelH, self.kernelW) = (outChannels, kernelH, kernelW)
    (self.strideH, self.strideW, self.padH, self.padW) = (strideH, strideW, padH, padW)
    (self.dilationH, self.dilationW) = (dilationH, dilationW)
  }

  /// ⌊(H + 2·pad − dilation·(KH − 1) − 1) / stride⌋ + 1 (PyTorch `nn.Conv2d` docs).
  public var outHeight: Int { (height + 2 * padH - dilationH * (kernelH - 1) - 1) / strideH + 1 }
  /// ⌊(W + 2·pad − dilation·(KW − 1) − 1) / stride⌋ + 1 (PyTorch `nn.Conv2d` docs).
  public var outWidth: Int { (width + 2 * padW - dilationW * (kernelW - 1) - 1) / strideW + 1 }

  /// Rows of the column matrix: C · KH · KW.
  var patch: Int { inChannels * kernelH * kernelW }
  /// Output positions per sample: OH · OW.
  var positions: Int { outHeight * outWidth }
}

/// Convolution as GEMM (Chellapilla et al. 2006, "High performance convolutional neural
/// networks for document processing"): im2col lays every input patch out as a column of
/// col [C·KH·KW, OH·OW], so y = W · col is a GEMM.
///
/// OpenBLAS runs on one thread (see `BLAS`), so our threads split the batch: each takes a
/// block of samples and runs, per sample, im2col into its own scratch and one GEMM. A
/// sample's col (e.g. 288 × 196 floats, 225 KB) stays in the core's L2 between im2col and
/// GEMM, where a whole-batch col (14 MB) would not, and y_n = W · col_n lands in y's
/// [N, OC, P] layout with no reorder. When a sample has so few positions that per-sample
/// GEMMs are too small to run at full speed, one batched GEMM over col [C·KH·KW, N·P],
/// split over our threads, runs instead.
public enum Conv2DKernel {
  /// Scratch floats the caller provides to forward/gradInput/gradWeight (may be 0).
  public static func workspaceCount(_ s: Conv2DShape) -> Int {
    (s.patch + s.outChannels) * s.batch * s.positions
  }

  /// y = W ⋆ x + b. Workspace: per thread a col_n (per sample), or col then W · col in
  /// [OC, N·P] order (batched).
  public static func forward(
    x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
    y: UnsafeMutablePointer<Float>, shape s: Conv2DShape, workspace: UnsafeMutablePointer<Float>
  ) {
    let (p, oc, patch) = (s.positions, s.outChannels, s.patch)
    guard s.batch * p > 0, oc > 0 else { return }
    if perSample(s) {
      // y_n = W · col_n + b straight into y.
      forEachSample(s) { chunk, samples in
        let col = workspace + chunk * patch * p
        for n in samples {
          let out = y + n * oc * p
          ConvLayout.im2col(sample: x + n * s.inChannels * s.height * s.width, col: col, shape: s)
          if let bias { for c in 0..<oc { (out + c * p).update(repeating: bias[c], count: p) } }
          BLAS.sgemm(
            transA: false, transB: false, m: oc, n: p, k: patch, alpha: 1, a: weight, lda: patch,
            b: col, ldb: p, beta: bias == nil ? 0 : 1, c: out, ldc: p)
        }
      }
      return
    }
    let np = s.batch * p
    let col = workspace, product = workspace + patch * np
    ConvLayout.im2col(x: x, col: col, shape: s)
    BLAS.sgemmParallel(
      transA: false, transB: false, m: oc, n: np, k: patch, alpha: 1,
      a: weight, lda: patch, b: col, ldb: np, beta: 0, c: product, ldc: np)
    ConvLayout.toBatchMajor(product, y, bias: bias, shape: s)
  }

  /// dx = Wᵀ · dy scattered back onto the input (col2im). Workspace: per thread a dcol_n
  /// (per sample), or dy in [OC, N·P] order then dcol (batched).
  public static func gradInput(
    dy: UnsafePointer<Float>, weight: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
    shape s: Conv2DShape, workspace: UnsafeMutablePointer<Float>
  ) {
    let (p, oc, patch) = (s.positions, s.outChannels, s.patch)
    let np = s.batch * p
    guard np > 0, oc > 0 else {
      dx.update(repeating: 0, count: s.batch * s.inChannels * s.height * s.width)
      return
    }
    if perSample(s) {
      // dcol_n = Wᵀ · dy_n, reading dy in place, then col2im of that one sample.
      forEachSample(s) { chunk, samples in
        let dcol = workspace + chunk * patch * p
        for n in samples {
          BLAS.sgemm(
            transA: true, transB: false, m: patch, n: p, k: oc, alpha: 1, a: weight, lda: patch,
            b: dy + n * oc * p, ldb: p, beta: 0, c: dcol, ldc: p)
          ConvLayout.col2im(sample: dcol, dx: dx + n * s.inChannels * s.height * s.width, shape: s)
        }
      }
      return
    }
    let dyT = workspace, dcol = workspace + oc * np
    ConvLayout.toChannelMajor(dy, dyT, shape: s)
    BLAS.sgemmParallel(
      transA: true, transB: false, m: patch, n: np, k: oc, alpha: 1,
      a: weight, lda: patch, b: dyT, ldb: np, beta: 0, c: dcol, ldc: np)
    ConvLayout.col2im(col: dcol, dx: dx, shape: s)
  }

  /// dW = dy · colᵀ, summed over the batch. Workspace: per thread a col_n, then the
  /// threads' partial sums (per sample), or dy in [OC, N·P] order then col (batched).
  public static func gradWeight(
    dy: UnsafePointer<Float>, x: UnsafePointer<Float>, dweight: UnsafeMutablePointer<Float>,
    shape s: Conv2DShape, workspace: UnsafeMutablePointer<Float>
  ) {
    let (p, oc, patch) = (s.positions, s.outChannels, s.patch)
    let np = s.batch * p
    guard np > 0 else {
      dweight.update(repeating: 0, count: oc * patch)
      return
    }
    if perSample(s) {
      gradWeightPerSample(dy: dy, x: x, dweight: dweight, shape: s, workspace: workspace)
      return
    }
    let dyT = workspace, col = workspace + oc * np
    ConvLayout.im2col(x: x, col: col, shape: s)
    ConvLayout.toChannelMajor(dy, dyT, shape: s)
    BLAS.sgemmParallel(
      transA: false, transB: true, m: oc, n: patch, k: np, alpha: 1,
      a: dyT, lda: np, b: col, ldb: np, beta: 0, c: dweight, ldc: patch)
  }

  /// Fewest output positions per sample for per-sample GEMMs: below it (e.g. 7 × 7) their
  /// n is too short for OpenBLAS's kernels and one batched GEMM wins.
  static let minimumPositions = 64

  /// Whether each thread runs per-sample GEMMs: when a sample has enough positions, every
  /// thread gets a sample (else the batched GEMM splits instead), and the threads' cols
  /// and partial sums fit the workspace (they do unless C·KH·KW far exceeds N·OH·OW).
  static func perSample(_ s: Conv2DShape) -> Bool {
    let chunks = Parallel.chunkCount(count: s.batch, minimumPerThread: 1)
    return s.positions >= minimumPositions && s.batch >= Parallel.threads
      && (chunks - 1) * s.patch <= s.batch * s.positions
  }

  /// Runs body(chunk, samples) over blocks of samples, one block per thread.
  @inline(__always)
  static func forEachSample(_ s: Conv2DShape, _ body: (_ chunk: Int, _ samples: Range<Int>) -> Void) {
    Parallel.forEachChunk(count: s.batch, minimumPerThread: 1, body)
  }

  /// dW as per-sample GEMMs dy_n · col_nᵀ: each thread sums its samples into its own
  /// partial [OC, C·KH·KW] (thread 0 straight into dweight), then the partials are added
  /// in thread order, so the sum's order depends only on the thread count.
  static func gradWeightPerSample(
    dy: UnsafePointer<Float>, x: UnsafePointer<Float>, dweight: UnsafeMutablePointer<Float>,
    shape s: Conv2DShape, workspace: UnsafeMutablePointer<Float>
  ) {
    let (p, oc, patch) = (s.positions, s.outChannels, s.patch)
    let size = oc * patch
    let chunks = Parallel.chunkCount(count: s.batch, minimumPerThread: 1)
    let partials = workspace + chunks * patch * p
    forEachSample(s) { chunk, samples in
      let col = workspace + chunk * patch * p
      let out = chunk == 0 ? dweight : partials + (chunk - 1) * size
      for n in samples {
        ConvLayout.im2col(sample: x + n * s.inChannels * s.height * s.width, col: col, shape: s)
        BLAS.sgemm(
          transA: false, transB: true, m: oc, n: patch, k: p, alpha: 1,
          a: dy + n * oc * p, lda: p, b: col, ldb: p, beta: n == samples.lowerBound ? 0 : 1,
          c: out, ldc: patch)
      }
    }
    for chunk in 1..<max(chunks, 1) {
      let partial = partials + (chunk - 1) * size
      for i in 0..<size { dweight[i] += partial[i] }
    }
  }

  /// db[oc] = Σ over samples and positions of dy[n, oc, :]; channels split over threads,
  /// each summed in sample order.
  public static func gradBias(dy: UnsafePointer<Float>, dbias: UnsafeMutablePointer<Float>, shape s: Conv2DShape) {
    let (p, oc) = (s.positions, s.outChannels)
    let perChannel = max(1, s.batch * p)
    Parallel.forEach(count: oc, minimumPerThread: max(1, ConvLayout.parallelWork / perChannel)) { channels in
      for c in channels {
        var total: Float = 0
        for n in 0..<s.batch { total += Reduction.sum(dy + (n * oc + c) * p, count: p) }
        dbias[c] = total
      }
    }
  }
}

/// The memory reorders around the convolution GEMMs.
enum ConvLayout {
  /// Below this many floats of work a reorder stays on one thread.
  static let parallelWork = 32768

  /// The output columns ow in lo..<hi whose input column ow·stride + offset lies in 0..<width.
  @inline(__always)
  static func validRange(offset: Int, stride: Int, width: Int, count: Int) -> (lo: Int, hi: Int) {
    let lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride
    let hi = width - 1 - offset >= 0 ? min(count, (width - 1 - offset) / stride + 1) : 0
    return (min(lo, count), max(min(lo, count), hi))
  }

  /// col[(c·KH + i)·KW + j, n·P + oh·OW + ow] = x[n, c, oh·sh − ph + i·dh, ow·sw − pw + j·dw],
  /// 0 outside the image: the whole batch, one thread per block of rows.
  static func im2col(x: UnsafePointer<Float>, col: UnsafeMutablePointer<Float>, shape s: Conv2DShape) {
    let (p, chw) = (s.positions, s.inChannels * s.height * s.width)
    let np = s.batch * p
    Parallel.forEach(count: s.patch, minimumPerThread: max(1, parallelWork / max(np, 1))) { rows in
      for r in rows {
        for n in 0..<s.batch { im2colRow(r, plane: x + n * chw, into: col + r * np + n * p, shape: s) }
      }
    }
  }

  /// im2col of one sample x_n [C, H, W] into col_n [C·KH·KW, OH·OW].
  static func im2col(sample x: UnsafePointer<Float>, col: UnsafeMutablePointer<Float>, shape s: Conv2DShape) {
    for r in 0..<s.patch { im2colRow(r, plane: x, into: col + r * s.positions, shape: s) }
  }

  /// Row r = (c, i, j) of one sample's col: the OH·OW inputs that tap (i, j) of channel c
  /// meets. `sample` points at the sample's [C, H, W].
  @inline(__always)
  static func im2colRow(_ r: Int, plane sample: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, shape s: Conv2DShape) {
    let (oh, ow, p, h, w) = (s.outHeight, s.outWidth, s.positions, s.height, s.width)
    let (kh, kw) = (s.kernelH, s.kernelW)
    let ch = r / (kh * kw), i = (r / kw) % kh, j = r % kw
    let plane = sample + ch * h * w
    if let t = ShiftedTap(i: i, j: j, shape: s) {
      // One copy of the shifted plane; then zero what lies off the image.
      dst.update(repeating: 0, count: t.start)
      (dst + t.start).update(from: plane + t.start + t.delta, count: t.end - t.start)
      (dst + t.end).update(repeating: 0, count: p - t.end)
      t.forEachWrapped(width: ow) { dst[$0] = 0 }
      return
    }
    if isShifted(s) {
      dst.update(repeating: 0, count: p)
      return
    }
    let (sh, sw, ph, dh) = (s.strideH, s.strideW, s.padH, s.dilationH)
    let offset = j * s.dilationW - s.padW
    let (lo, hi) = validRange(offset: offset, stride: sw, width: w, count: ow)
    for y in 0..<oh {
      let out = dst + y * ow
      let iy = y * sh - ph + i * dh
      if iy < 0 || iy >= h {
        out.update(repeating: 0, count: ow)
        continue
      }
      let src = plane + iy * w + offset
      if lo > 0 { out.update(repeating: 0, count: lo) }
      if sw == 1 {
        (out + lo).update(from: src + lo, count: hi - lo)
      } else {
        for k in lo..<hi { out[k] = src[k * sw] }
      }
      if hi < ow { (out + hi).update(repeating: 0, count: ow - hi) }
    }
  }

  /// The adjoint of im2col: dx[n, c, ih, iw] = Σ of the col entries that read it, the whole
  /// batch. One thread per block of (n, c) planes, so no two threads write the same float.
  /// Clobbers col (see `col2imRow`).
  static func col2im(col: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>, shape s: Conv2DShape) {
    let (p, c, kk, hw) = (s.positions, s.inChannels, s.kernelH * s.kernelW, s.height * s.width)
    let np = s.batch * p
    Parallel.forEach(count: s.batch * c, minimumPerThread: max(1, parallelWork / max(1, kk * p))) { planes in
      for t in planes {
        let n = t / c, ch = t % c
        (dx + t * hw).update(repeating: 0, count: hw)
        for r in ch * kk..<(ch + 1) * kk { col2imRow(r, col: col + r * np + n * p, plane: dx + t * hw, shape: s) }
      }
    }
  }

  /// col2im of one sample's col_n [C·KH·KW, OH·OW] into dx_n [C, H, W]. Clobbers col_n.
  static func col2im(sample col: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>, shape s: Conv2DShape) {
    let (p, kk, hw) = (s.positions, s.kernelH * s.kernelW, s.height * s.width)
    dx.update(repeating: 0, count: s.inChannels * hw)
    for r in 0..<s.patch { col2imRow(r, col: col + r * p, plane: dx + (r / kk) * hw, shape: s) }
  }

  /// Adds row r = (c, i, j) of one sample's col onto the plane [H, W] of channel c. In the
  /// shifted case the entries that wrap past the image's edge are zeroed in `src` first, so
  /// the row adds as one contiguous span.
  @inline(__always)
  static func col2imRow(_ r: Int, col src: UnsafeMutablePointer<Float>, plane: UnsafeMutablePointer<Float>, shape s: Conv2DShape) {
    let (oh, ow, h, w) = (s.outHeight, s.outWidth, s.height, s.width)
    let (kh, kw) = (s.kernelH, s.kernelW)
    let i = (r / kw) % kh, j = r % kw
    if let t = ShiftedTap(i: i, j: j, shape: s) {
      t.forEachWrapped(width: ow) { src[$0] = 0 }
      let dst = plane + t.delta
      for k in t.start..<t.end { dst[k] += src[k] }
      return
    }
    if isShifted(s) { return }
    let (sh, sw, ph, dh) = (s.strideH, s.strideW, s.padH, s.dilationH)
    let offset = j * s.dilationW - s.padW
    let (lo, hi) = validRange(offset: offset, stride: sw, width: w, count: ow)
    for y in 0..<oh {
      let iy = y * sh - ph + i * dh
      if iy < 0 || iy >= h { continue }
      let row = src + y * ow, dst = plane + iy * w + offset
      if sw == 1 {
        for k in lo..<hi { dst[k] += row[k] }
      } else {
        for k in lo..<hi { dst[k * sw] += row[k] }
      }
    }
  }

  /// Stride 1 and the output as wide as the input (3 × 3 with padding 1, say): each row of
  /// col is then the input plane shifted by one offset.
  @inline(__always)
  static func isShifted(_ s: Conv2DShape) -> Bool {
    s.strideH == 1 && s.strideW == 1 && s.outWidth == s.width
  }

  /// Where tap (i, j) reads in the shifted case: col entry k (k = oh·OW + ow) reads plane
  /// entry k + delta; the entries in start..<end read inside the image except, in each
  /// output row, the columns outside lo..<hi, which wrap onto the neighbouring row.
  struct ShiftedTap {
    let delta, start, end, lo, hi, firstRow, lastRow: Int

    /// nil unless the shape is shifted and the tap reads at least one input.
    @inline(__always)
    init?(i: Int, j: Int, shape s: Conv2DShape) {
      guard isShifted(s) else { return nil }
      let rowShift = i * s.dilationH - s.padH, offset = j * s.dilationW - s.padW
      let (lo, hi) = validRange(offset: offset, stride: 1, width: s.width, count: s.outWidth)
      let first = max(0, -rowShift), last = min(s.outHeight, s.height - rowShift)
      guard first < last, lo < hi else { return nil }
      (self.lo, self.hi, firstRow, lastRow) = (lo, hi, first, last)
      delta = rowShift * s.width + offset
      (start, end) = (first * s.outWidth + lo, (last - 1) * s.outWidth + hi)
    }

    /// Calls body with each col entry in start..<end that lies off the image.
    @inline(__always)
    func forEachWrapped(width ow: Int, _ body: (Int) -> Void) {
      guard lo > 0 || hi < ow else { return }
      for y in firstRow..<lastRow - 1 {
        for k in y * ow + hi..<(y + 1) * ow + lo { body(k) }
      }
    }
  }

  /// [OC, N·P] → y [N, OC, P], adding bias[oc] on the way.
  static func toBatchMajor(
    _ a: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?,
    shape s: Conv2DShape
  ) {
    let (p, oc) = (s.positions, s.outChannels)
    let np = s.batch * p
    Parallel.forEach(count: s.batch * oc, minimumPerThread: max(1, parallelWork / max(p, 1))) { blocks in
      for t in blocks {
        let sample = t / oc, channel = t % oc
        let src = a + channel * np + sample * p, dst = y + t * p
        if let bias {
          let b = bias[channel]
          for k in 0..<p { dst[k] = src[k] + b }
        } else {
          dst.update(from: src, count: p)
        }
      }
    }
  }

  /// dy [N, OC, P] → [OC, N·P].
  static func toChannelMajor(_ dy: UnsafePointer<Float>, _ a: UnsafeMutablePointer<Float>, shape s: Conv2DShape) {
    let (p, oc) = (s.positions, s.outChannels)
    let np = s.batch * p
    Parallel.forEach(count: s.batch * oc, minimumPerThread: max(1, parallelWork / max(p, 1))) { blocks in
      for t in blocks {
        let sample = t / oc, channel = t % oc
        (a + channel * np + sample * p).update(from: dy + t * p, count: p)
      }
    }
  }
}

"""##########),
    ("Sources/DLCKernels/Dense.swift", ##########"""
/// Fully connected layer, PyTorch `nn.Linear` layout: x [rows, in], weight [out, in],
/// bias [out], y [rows, out]; y = x · Wᵀ + b. All GEMMs go through OpenBLAS, split over
/// our threads when large (`BLAS.sgemmParallel`).
public enum DenseKernel {
  /// y = x · Wᵀ + b.
  public static func forward(
    x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
    y: UnsafeMutablePointer<Float>, rows: Int, inFeatures: Int, outFeatures: Int
  ) {
    guard rows > 0, outFeatures > 0 else { return }
    var beta: Float = 0
    if let bias {
      // Seed every row with the bias and let GEMM accumulate onto it (beta = 1).
      for r in 0..<rows { (y + r * outFeatures).update(from: bias, count: outFeatures) }
      beta = 1
    }
    if inFeatures == 0 {
      if bias == nil { y.update(repeating: 0, count: rows * outFeatures) }
      return
    }
    if rows == 1 {
      BLAS.sgemvParallel(m: outFeatures, n: inFeatures, a: weight, lda: inFeatures, x: x, beta: beta, y: y)
      return
    }
    BLAS.sgemmParallel(
      transA: false, transB: true, m: rows, n: outFeatures, k: inFeatures, alpha: 1,
      a: x, lda: inFeatures, b: weight, ldb: inFeatures, beta: beta, c: y, ldc: outFeatures)
  }

  /// dx = dy · W.
  public static func gradInput(
    dy: UnsafePointer<Float>, weight: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
    rows: Int, inFeatures: Int, outFeatures: Int
  ) {
    guard rows > 0, inFeatures > 0 else { return }
    guard outFeatures > 0 else {
      dx.update(repeating: 0, count: rows * inFeatures)
      return
    }
    BLAS.sgemmParallel(
      transA: false, transB: false, m: rows, n: inFeatures, k: outFeatures, alpha: 1,
      a: dy, lda: outFeatures, b: weight, ldb: inFeatures, beta: 0, c: dx, ldc: inFeatures)
  }

  /// dW = dyᵀ · x, summed over all rows.
  public static func gradWeight(
    dy: UnsafePointer<Float>, x: UnsafePointer<Float>, dweight: UnsafeMutablePointer<Float>,
    rows: Int, inFeatures: Int, outFeatures: Int
  ) {
    guard outFeatures > 0, inFeatures > 0 else { return }
    guard rows > 0 else {
      dweight.update(repeating: 0, count: outFeatures * inFeatures)
      return
    }
    BLAS.sgemmParallel(
      transA: true, transB: false, m: outFeatures, n: inFeatures, k: rows, alpha: 1,
      a: dy, lda: outFeatures, b: x, ldb: inFeatures, beta: 0, c: dweight, ldc: inFeatures)
  }

  /// db = column sums of dy [rows, out].
  public static func gradBias(
    dy: UnsafePointer<Float>, dbias: UnsafeMutablePointer<Float>, rows: Int, outFeatures: Int
  ) {
    Reduction.columnSums(dy, into: dbias, rows: rows, columns: outFeatures, stride: outFeatures)
  }
}

"""##########),
    ("Sources/DLCKernels/Dropout.swift", ##########"""
/// Inverted dropout (Srivastava et al. 2014, as PyTorch's `nn.Dropout`): element i is
/// kept when `stream.uniform(at: i) >= rate` and scaled by 1/(1 − rate), else multiplied
/// by 0 (so, as in PyTorch, a NaN stays NaN).
///
/// The mask is a pure function of the stream, so the backward pass regenerates it
/// instead of storing it. Rate 0 copies; rate 1 zeroes (as PyTorch).
public enum DropoutKernel {
  /// Elements per thread below which the work stays on the calling thread (Philox is
  /// ~10 multiply rounds per 4 elements, so this is lower than for plain arithmetic).
  static let grain = 8_192

  /// y = mask ⊙ x / (1 − rate).
  public static func forward(
    x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int, rate: Float, stream: RandomStream
  ) {
    applyMask(x, y, count: count, rate: rate, stream: stream)
  }

  /// dx = mask ⊙ dy / (1 − rate), with the mask of the forward pass.
  public static func backward(
    dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, count: Int, rate: Float, stream: RandomStream
  ) {
    applyMask(dy, dx, count: count, rate: rate, stream: stream)
  }

  /// out = input · factor, factor = 1/(1 − rate) or 0; one Philox block serves four elements.
  static func applyMask(
    _ input: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int, rate: Float, stream: RandomStream
  ) {
    guard count > 0 else { return }
    if rate <= 0 {
      ElementwiseKernel.copy(input, to: out, count: count)
      return
    }
    if rate >= 1 {
      out.update(repeating: 0, count: count)
      return
    }
    let scale = 1 / (1 - rate)
    let blocks = (count + 3) / 4
    Parallel.forEach(count: blocks, minimumPerThread: grain / 4) { range in
      for b in range {
        let i = b * 4
        let factors = Scalar.dropoutFactors(stream.block(b), rate: rate, scale: scale)
        if i + 4 <= count {
          out[i] = Scalar.dropout(input[i], factor: factors[0])
          out[i + 1] = Scalar.dropout(input[i + 1], factor: factors[1])
          out[i + 2] = Scalar.dropout(input[i + 2], factor: factors[2])
          out[i + 3] = Scalar.dropout(input[i + 3], factor: factors[3])
        } else {
          // The tail: element j is lane j & 3 of block b = j >> 2, as `uniform(at: j)` reads it.
          for j in i..<count { out[j] = Scalar.dropout(input[j], factor: factors[j & 3]) }
        }
      }
    }
  }
}

"""##########),
    ("Sources/DLCKernels/Elementwise.swift", ##########"""
/// Elementwise arithmetic and data movement: add, multiply, copy, fill, concat, slice.
///
/// Outputs may alias inputs elementwise (`multiply(y, b, y: y, …)` is fine). Loops over
/// more than 2 × `grain` elements run on `Parallel.threads` threads.
public enum ElementwiseKernel {
  /// Elements per thread below which a loop stays on the calling thread.
  static let grain = 32_768

  /// y = a + b.
  public static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int) {
    Parallel.forEach(count: count, minimumPerThread: grain) { range in
      for i in range { y[i] = a[i] + b[i] }
    }
  }

  /// y += x.
  public static func accumulate(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
    Parallel.forEach(count: count, minimumPerThread: grain) { range in
      for i in range { y[i] += x[i] }
    }
  }

  /// y = a ⊙ b.
  public static func multiply(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int
  ) {
    Parallel.forEach(count: count, minimumPerThread: grain) { range in
      for i in range { y[i] = a[i] * b[i] }
    }
  }

  /// y = x (memmove semantics: overlapping buffers are fine).
  public static func copy(_ x: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, count: Int) {
    guard count > 0, UnsafePointer(y) != x else { return }
    y.update(from: x, count: count)
  }

  /// y = value everywhere.
  public static func fill(_ y: UnsafeMutablePointer<Float>, count: Int, value: Float) {
    guard count > 0 else { return }
    y.update(repeating: value, count: count)
  }

  /// Concatenation along the middle axis: part i is `[outer, axisSize_i, inner]`, y is
  /// `[outer, Σ axisSize_i, inner]`.
  public static func concat(_ parts: [(UnsafePointer<Float>, Int)], y: UnsafeMutablePointer<Float>, outer: Int, inner: Int) {
    var total = 0
    for part in parts { total += part.1 }
    let rowOut = total * inner
    var offset = 0
    for (source, size) in parts {
      let run = size * inner
      if run > 0 {
        for o in 0..<outer { (y + o * rowOut + offset).update(from: source + o * run, count: run) }
      }
      offset += run
    }
  }

  /// y = x[:, start..<start+length, :] of a `[outer, axisSize, inner]` tensor (the VJP of concat).
  public static func slice(
    x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, outer: Int, axisSize: Int, start: Int, length: Int,
    inner: Int
  ) {
    let run = length * inner
    guard run > 0 else { return }
    for o in 0..<outer { (y + o * run).update(from: x + (o * axisSize + start) * inner, count: run) }
  }
}

"""##########),
    ("Sources/DLCKernels/Embedding.swift", ##########"""
/// Table lookup, PyTorch `nn.Embedding`: ids [count] (range-checked by the caller),
/// table [vocab, dim], y [count, dim].
public enum EmbeddingKernel {
  /// y[i] = table[ids[i]].
  public static func forward(
    ids: UnsafePointer<Int32>, table: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int, dim: Int
  ) {
    for i in 0..<count { (y + i * dim).update(from: table + Int(ids[i]) * dim, count: dim) }
  }

  /// dtable = 0, then dtable[ids[i]] += dy[i] for every i (repeated ids sum).
  public static func backward(
    dy: UnsafePointer<Float>, ids: UnsafePointer<Int32>, dtable: UnsafeMutablePointer<Float>,
    count: Int, dim: Int, vocab: Int
  ) {
    dtable.update(repeating: 0, count: vocab * dim)
    for i in 0..<count {
      let row = dtable + Int(ids[i]) * dim, g = dy + i * dim
      for j in 0..<dim { row[j] += g[j] }
    }
  }
}

"""##########),
    ("Sources/DLCKernels/Initializers.swift", ##########"""
/// Parameter initialization: constants, uniform and normal draws from a `RandomStream`,
/// and the fan and gain rules of `torch.nn.init`.
///
/// Element i of a tensor uses element i of the stream, so a parameter's values do not
/// depend on the thread count or on the order of the draws.
public enum InitKernel {
  /// Elements per thread below which the work stays on the calling thread.
  static let grain = 16_384

  /// y = 0.
  public static func zeros(_ y: UnsafeMutablePointer<Float>, count: Int) {
    constant(y, count: count, value: 0)
  }

  /// y = value.
  public static func constant(_ y: UnsafeMutablePointer<Float>, count: Int, value: Float) {
    guard count > 0 else { return }
    y.update(repeating: value, count: count)
  }

  /// y ~ U[low, high): low + (high − low)·u with u = stream.uniform(at: i).
  public static func uniform(
    _ y: UnsafeMutablePointer<Float>, count: Int, low: Float, high: Float, stream: RandomStream
  ) {
    let width = high - low
    Parallel.forEach(count: count, minimumPerThread: grain) { range in
      for i in range { y[i] = low + width * stream.uniform(at: i) }
    }
  }

  /// y ~ N(mean, std²): mean + std·z with z = stream.normal(at: i).
  public static func normal(
    _ y: UnsafeMutablePointer<Float>, count: Int, mean: Float, std: Float, stream: RandomStream
  ) {
    Parallel.forEach(count: count, minimumPerThread: grain) { range in
      for i in range { y[i] = mean + std * stream.normal(at: i) }
    }
  }

  /// fan_in and fan_out as `torch.nn.init._calculate_fan_in_and_fan_out`: with
  /// receptive field r = Π shape[2...], fan_in = shape[1]·r, fan_out = shape[0]·r.
  /// PyTorch rejects fewer than 2 dimensions; here a vector of n gives (n, n) and a
  /// scalar (1, 1).
  public static func fans(shape: [Int]) -> (fanIn: Int, fanOut: Int) {
    guard shape.count >= 2 else {
      let n = shape.first ?? 1
      return (n, n)
    }
    let receptive = shape.dropFirst(2).reduce(1, *)
    return (shape[1] * receptive, shape[0] * receptive)
  }

  /// The recommended gain of `torch.nn.init.calculate_gain`: linear, identity, conv*,
  /// sigmoid → 1; tanh → 5/3; relu → √2; leaky_relu with slope a → √(2/(1 + a²));
  /// selu → 3/4. Other names get 1, the linear gain.
  public static func gain(nonlinearity: String, a: Float) -> Float {
    switch nonlinearity {
    case "tanh": return 5.0 / 3
    case "relu": return Float(2).squareRoot()
    case "leaky_relu": return (2 / (1 + a * a)).squareRoot()
    case "selu": return 3.0 / 4
    default: return 1
    }
  }
}

"""##########),
    ("Sources/DLCKernels/Loss.swift", ##########"""
import Foundation

/// Training losses with `reduction="mean"` and their gradients, as PyTorch's
/// `nn.CrossEntropyLoss`, `nn.MSELoss`, `nn.L1Loss` and `nn.BCEWithLogitsLoss` define them.
///
/// Returned scalars are accumulated in Double. Gradients are already divided by the
/// mean's denominator, so they are the gradient of the returned loss.
public enum LossKernel {
  // MARK: Cross-entropy

  /// Mean cross-entropy of `logits` [rows, classes] against class indices `target` [rows].
  ///
  /// From the `nn.CrossEntropyLoss` documentation, with smoothing ε, class weights w (all
  /// 1 when nil) and C classes, the loss of sample n with target y is
  /// (1 − ε)·w_y·(−log p_y) + (ε/C)·Σ_c w_c·(−log p_c), and the mean divides by Σ_n w_{y_n}.
  /// −log p_c = lse − z_c with lse = m + log Σ e^(z − m), m = max z (stable).
  public static func crossEntropy(
    logits: UnsafePointer<Float>, target: UnsafePointer<Int32>, rows: Int, classes: Int,
    labelSmoothing: Float, classWeights: UnsafePointer<Float>?
  ) -> Float {
    let smoothing = Double(labelSmoothing)
    var total = 0.0
    var weightSum = 0.0
    for r in 0..<rows {
      let z = logits + r * classes
      let y = Int(target[r])
      let lse = logSumExp(z, classes)
      let wy = Double(classWeights?[y] ?? 1)
      var loss = (1 - smoothing) * wy * (lse - Double(z[y]))
      if smoothing != 0 {
        var smooth = 0.0
        for c in 0..<classes { smooth += Double(classWeights?[c] ?? 1) * (lse - Double(z[c])) }
        loss += smoothing / Double(classes) * smooth
      }
      total += loss
      weightSum += wy
    }
    return Float(total / weightSum)
  }

  /// ∂(crossEntropy)/∂logits: per row (1 − ε)·w_y·(p_k − δ_ky) + (ε/C)·(W·p_k − w_k), with
  /// W = Σ_c w_c, divided by Σ_n w_{y_n} (the derivative of the formula above).
  public static func crossEntropyGrad(
    logits: UnsafePointer<Float>, target: UnsafePointer<Int32>, dlogits: UnsafeMutablePointer<Float>,
    rows: Int, classes: Int, labelSmoothing: Float, classWeights: UnsafePointer<Float>?
  ) {
    var weightSum = 0.0
    for r in 0..<rows { weightSum += Double(classWeights?[Int(target[r])] ?? 1) }
    var classWeightSum = Double(classes)
    if let w = classWeights {
      classWeightSum = 0
      for c in 0..<classes { classWeightSum += Double(w[c]) }
    }
    let norm = Float(1 / weightSum)
    let eps = labelSmoothing
    let smoothPerClass = eps / Float(classes)
    let smoothTotal = Float(classWeightSum) * smoothPerClass
    for r in 0..<rows {
      let (z, g) = (logits + r * classes, dlogits + r * classes)
      let y = Int(target[r])
      SoftmaxKernel.forwardLine(x: z, y: g, axis: classes, stride: 1)
      let wy = classWeights?[y] ?? 1
      let a = (1 - eps) * wy
      if let w = classWeights {
        for k in 0..<classes { g[k] = (a * g[k] + smoothTotal * g[k] - smoothPerClass * w[k]) * norm }
      } else {
        for k in 0..<classes { g[k] = ((a + smoothTotal) * g[k] - smoothPerClass) * norm }
      }
      g[y] -= a * norm
    }
  }

  /// log Σ e^(z_c) over one row, as m + log Σ e^(z_c − m) with m = max z (in Double).
  @inline(__always)
  static func logSumExp(_ z: UnsafePointer<Float>, _ count: Int) -> Double {
    var m = -Float.infinity
    for c in 0..<count { m = max(m, z[c]) }
    var sum = 0.0
    for c in 0..<count { sum += Double(Foundation.exp(z[c] - m)) }
    return Double(m) + Foundation.log(sum)
  }

  // MARK: Regression

  /// mean (p − t)².
  public static func mse(prediction: UnsafePointer<Float>, target: UnsafePointer<Float>, count: Int) -> Float {
    var sum = 0.0
    for i in 0..<count {
      let d = Double(prediction[i]) - Double(target[i])
      sum += d * d
    }
    return Float(sum / Double(count))
  }

  /// 2(p − t)/count.
  public static func mseGrad(
    prediction: UnsafePointer<Float>, target: UnsafePointer<Float>, dprediction: UnsafeMutablePointer<Float>,
    count: Int
  ) {
    let scale = 2 / Float(count)
    for i in 0..<count { dprediction[i] = (prediction[i] - target[i]) * scale }
  }

  /// mean |p − t|.
  public static func mae(prediction: UnsafePointer<Float>, target: UnsafePointer<Float>, count: Int) -> Float {
    var sum = 0.0
    for i in 0..<count { sum += abs(Double(prediction[i]) - Double(target[i])) }
    return Float(sum / Double(count))
  }

  /// sign(p − t)/count, 0 at equality (as PyTorch's L1 backward).
  public static func maeGrad(
    prediction: UnsafePointer<Float>, target: UnsafePointer<Float>, dprediction: UnsafeMutablePointer<Float>,
    count: Int
  ) {
    let scale = 1 / Float(count)
    for i in 0..<count {
      let d = prediction[i] - target[i]
      dprediction[i] = d > 0 ? scale : (d < 0 ? -scale : 0)
    }
  }

  // MARK: Binary cross-entropy with logits

  /// Mean of −[p·t·log σ(z) + (1 − t)·log(1 − σ(z))] over all elements, p the positive
  /// weight of the element's feature (index i mod `features`; nil = 1, one value = all).
  /// Stable form as PyTorch computes it: (1 − t)·z + (1 + (p − 1)·t)·(log1p(e^(−|z|)) + max(−z, 0)).
  public static func bceWithLogits(
    logits: UnsafePointer<Float>, target: UnsafePointer<Float>, count: Int, features: Int,
    posWeight: UnsafePointer<Float>?, posWeightCount: Int
  ) -> Float {
    var sum = 0.0
    for i in 0..<count {
      let (z, t) = (Double(logits[i]), Double(target[i]))
      let p = Double(positiveWeight(posWeight, posWeightCount, features, i))
      let logWeight = 1 + (p - 1) * t
      sum += (1 - t) * z + logWeight * (Foundation.log1p(Foundation.exp(-abs(z))) + max(-z, 0))
    }
    return Float(sum / Double(count))
  }

  /// ∂(bceWithLogits)/∂z = ((1 + (p − 1)·t)·σ(z) − p·t)/count.
  public static func bceWithLogitsGrad(
    logits: UnsafePointer<Float>, target: UnsafePointer<Float>, dlogits: UnsafeMutablePointer<Float>,
    count: Int, features: Int, posWeight: UnsafePointer<Float>?, posWeightCount: Int
  ) {
    let scale = 1 / Float(count)
    for i in 0..<count {
      let (z, t) = (logits[i], target[i])
      let p = positiveWeight(posWeight, posWeightCount, features, i)
      let sigma = 1 / (1 + Foundation.exp(-z))
      dlogits[i] = ((1 + (p - 1) * t) * sigma - p * t) * scale
    }
  }

  /// The positive weight that applies to element `i`.
  @inline(__always)
  static func positiveWeight(_ w: UnsafePointer<Float>?, _ count: Int, _ features: Int, _ i: Int) -> Float {
    guard let w, count > 0 else { return 1 }
    return count == 1 ? w[0] : w[i % max(features, 1)]
  }
}

"""##########),
    ("Sources/DLCKernels/Mask.swift", ##########"""
/// Pruning masks: a pruned parameter is multiplied by its 0/1 mask after every optimizer
/// update, so the weights pruning removed stay zero while the others train.

/// The kernel of `apply_mask`.
public enum MaskKernel {
  /// p[i] = p[i] · mask[i] for i in 0..<count.
  public static func apply(parameter p: UnsafeMutablePointer<Float>, mask: UnsafePointer<Float>, count: Int) {
    for i in 0..<count { p[i] *= mask[i] }
  }
}

"""##########),
    ("Sources/DLCKernels/Normalization.swift", ##########"""
/// Batch normalization (Ioffe & Szegedy 2015) and layer normalization (Ba et al. 2016)
/// with PyTorch's semantics: the biased variance normalizes; `nn.BatchNorm*` keeps the
/// unbiased variance in `running_var` and weighs the new batch by `momentum`.
public enum BatchNormKernel {
  /// Elements per thread below which the work stays on the calling thread.
  static let grain = 32_768

  /// x [N, C, S] (S = H·W, or 1 for [N, F]); writes y, mean [C] and
  /// invstd [C] = 1/√(var_biased + eps), and updates the running statistics:
  /// running = (1 − momentum)·running + momentum·batch, the variance made unbiased by
  /// n/(n − 1) with n = N·S (n = 1 uses the batch variance as is; PyTorch rejects it).
  public static func trainForward(
    x: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
    runningMean: UnsafeMutablePointer<Float>, runningVar: UnsafeMutablePointer<Float>,
    y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, invstd: UnsafeMutablePointer<Float>,
    batch: Int, channels: Int, spatial: Int, momentum: Float, eps: Float
  ) {
    let n = batch * spatial
    guard n > 0 else { return }
    let unbias = n > 1 ? Float(Double(n) / Double(n - 1)) : 1
    forChannels(batch: batch, channels: channels, spatial: spatial) { cs in
      // 1. Batch statistics (two passes: mean, then squared deviations).
      if spatial == 1 {
        for c in cs { mean[c] = 0; invstd[c] = 0 }
        for r in 0..<batch {
          let row = x + r * channels
          for c in cs { mean[c] += row[c] }
        }
        let inv = 1 / Float(n)
        for c in cs { mean[c] *= inv }
        for r in 0..<batch {
          let row = x + r * channels
          for c in cs { invstd[c] += (row[c] - mean[c]) * (row[c] - mean[c]) }
        }
        for c in cs { invstd[c] *= inv }  // the biased variance, for now
      } else {
        for c in cs {
          var sum = 0.0
          for b in 0..<batch { sum += Double(runSum(x + (b * channels + c) * spatial, spatial)) }
          let mu = Float(sum / Double(n))
          var squares = 0.0
          for b in 0..<batch { squares += Double(runSquares(x + (b * channels + c) * spatial, spatial, mu)) }
          mean[c] = mu
          invstd[c] = Float(squares / Double(n))
        }
      }
      // 2. Running statistics, then invstd.
      for c in cs {
        let variance = invstd[c]
        runningMean[c] = (1 - momentum) * runningMean[c] + momentum * mean[c]
        runningVar[c] = (1 - momentum) * runningVar[c] + momentum * variance * unbias
        invstd[c] = 1 / (variance + eps).squareRoot()
      }
      // 3. y = (x − mean)·invstd·γ + β.
      normalize(x: x, y: y, mean: mean, invstd: invstd, gamma: gamma, beta: beta,
                batch: batch, channels: channels, spatial: spatial, range: cs)
    }
  }

  /// y = (x − running_mean)/√(running_var + eps)·γ + β.
  public static func inferenceForward(
    x: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
    runningMean: UnsafePointer<Float>, runningVar: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
    batch: Int, channels: Int, spatial: Int, eps: Float
  ) {
    forChannels(batch: batch, channels: channels, spatial: spatial) { cs in
      if spatial == 1 {
        for r in 0..<batch {
          let (row, out) = (x + r * channels, y + r * channels)
          for c in cs { out[c] = (row[c] - runningMean[c]) / (runningVar[c] + eps).squareRoot() * gamma[c] + beta[c] }
        }
      } else {
        for c in cs {
          let scale = gamma[c] / (runningVar[c] + eps).squareRoot()
          let shift = beta[c] - runningMean[c] * scale
          for b in 0..<batch {
            let offset = (b * channels + c) * spatial
            let (run, out) = (x + offset, y + offset)
            for s in 0..<spatial { out[s] = run[s] * scale + shift }
          }
        }
      }
    }
  }

  /// With x̂ = (x − mean)·invstd: dβ = Σ dy, dγ = Σ dy·x̂ and
  /// dx = γ·invstd·(dy − dβ/n − x̂·dγ/n) (Ioffe & Szegedy 2015, §3).
  public static func backward(
    dy: UnsafePointer<Float>, x: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
    mean: UnsafePointer<Float>, invstd: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>, dgamma: UnsafeMutablePointer<Float>, dbeta: UnsafeMutablePointer<Float>,
    batch: Int, channels: Int, spatial: Int
  ) {
    let n = batch * spatial
    guard n > 0 else { return }
    let inv = 1 / Float(n)
    forChannels(batch: batch, channels: channels, spatial: spatial) { cs in
      if spatial == 1 {
        for c in cs { dgamma[c] = 0; dbeta[c] = 0 }
        for r in 0..<batch {
          let (g, row) = (dy + r * channels, x + r * channels)
          for c in cs {
            dbeta[c] += g[c]
            dgamma[c] += g[c] * (row[c] - mean[c]) * invstd[c]
          }
        }
        for r in 0..<batch {
          let (g, row, out) = (dy + r * channels, x + r * channels, dx + r * channels)
          for c in cs {
            let xhat = (row[c] - mean[c]) * invstd[c]
            out[c] = gamma[c] * invstd[c] * (g[c] - dbeta[c] * inv - xhat * dgamma[c] * inv)
          }
        }
      } else {
        for c in cs {
          let (mu, istd) = (mean[c], invstd[c])
          var (sumDy, sumDyXhat) = (0.0, 0.0)
          for b in 0..<batch {
            let offset = (b * channels + c) * spatial
            let (g, run) = (dy + offset, x + offset)
            var (s1, s2): (Float, Float) = (0, 0)
            for s in 0..<spatial {
              s1 += g[s]
              s2 += g[s] * (run[s] - mu)
            }
            sumDy += Double(s1)
            sumDyXhat += Double(s2) * Double(istd)
          }
          dbeta[c] = Float(sumDy)
          dgamma[c] = Float(sumDyXhat)
          let scale = gamma[c] * istd
          let (meanDy, meanDyXhat) = (Float(sumDy) * inv, Float(sumDyXhat) * inv)
          for b in 0..<batch {
            let offset = (b * channels + c) * spatial
            let (g, run, out) = (dy + offset, x + offset, dx + offset)
            for s in 0..<spatial { out[s] = scale * (g[s] - meanDy - (run[s] - mu) * istd * meanDyXhat) }
          }
        }
      }
    }
  }

  /// Runs `body` over ranges of channels, on two threads when the tensor is large.
  @inline(__always)
  static func forChannels(batch: Int, channels: Int, spatial: Int, _ body: (Range<Int>) -> Void) {
    let perChannel = max(1, batch * spatial)
    Parallel.forEach(count: channels, minimumPerThread: max(1, grain / perChannel), body)
  }

  /// y = (x − mean)·invstd·γ + β over the channels in `range`.
  @inline(__always)
  static func normalize(
    x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, mean: UnsafePointer<Float>,
    invstd: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
    batch: Int, channels: Int, spatial: Int, range cs: Range<Int>
  ) {
    if spatial == 1 {
      for r in 0..<batch {
        let (row, out) = (x + r * channels, y + r * channels)
        for c in cs { out[c] = (row[c] - mean[c]) * invstd[c] * gamma[c] + beta[c] }
      }
    } else {
      for c in cs {
        let (mu, scale, shift) = (mean[c], invstd[c] * gamma[c], beta[c])
        for b in 0..<batch {
          let offset = (b * channels + c) * spatial
          let (run, out) = (x + offset, y + offset)
          for s in 0..<spatial { out[s] = (run[s] - mu) * scale + shift }
        }
      }
    }
  }

  /// Σ run[0..<count] in Float (a short contiguous run).
  @inline(__always)
  static func runSum(_ run: UnsafePointer<Float>, _ count: Int) -> Float {
    var sum: Float = 0
    for s in 0..<count { sum += run[s] }
    return sum
  }

  /// Σ (run[s] − mu)² in Float.
  @inline(__always)
  static func runSquares(_ run: UnsafePointer<Float>, _ count: Int, _ mu: Float) -> Float {
    var sum: Float = 0
    for s in 0..<count { sum += (run[s] - mu) * (run[s] - mu) }
    return sum
  }
}

/// Layer normalization over the last axis (Ba et al. 2016), as PyTorch's `nn.LayerNorm`
/// with elementwise affine γ, β: y = (x − mean)/√(var_biased + eps)·γ + β per row.
public enum LayerNormKernel {
  /// Rows × features per thread below which the work stays on the calling thread.
  static let grain = 32_768

  /// y = (x − μ)·rstd·γ + β per row of `features`.
  public static func forward(
    x: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
    rows: Int, features: Int, eps: Float
  ) {
    guard features > 0 else { return }
    Parallel.forEach(count: rows, minimumPerThread: max(1, grain / features)) { range in
      for r in range {
        let (row, out) = (x + r * features, y + r * features)
        let (mu, rstd) = statistics(row, features, eps)
        for j in 0..<features { out[j] = (row[j] - mu) * rstd * gamma[j] + beta[j] }
      }
    }
  }

  /// With x̂ = (x − μ)·rstd and g = dy ⊙ γ per row: dx = rstd·(g − mean(g) − x̂·mean(g ⊙ x̂)),
  /// dγ = Σ_rows dy ⊙ x̂, dβ = Σ_rows dy. The row statistics are recomputed from x.
  public static func backward(
    dy: UnsafePointer<Float>, x: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
    dx: UnsafeMutablePointer<Float>, dgamma: UnsafeMutablePointer<Float>, dbeta: UnsafeMutablePointer<Float>,
    rows: Int, features: Int, eps: Float
  ) {
    guard features > 0 else { return }
    for j in 0..<features { dgamma[j] = 0; dbeta[j] = 0 }
    let inv = 1 / Float(features)
    // One thread: dγ and dβ sum over rows, and the rows are short.
    for r in 0..<rows {
      let (row, g, out) = (x + r * features, dy + r * features, dx + r * features)
      let (mu, rstd) = statistics(row, features, eps)
      var (sumG, sumGXhat): (Float, Float) = (0, 0)
      for j in 0..<features {
        let xhat = (row[j] - mu) * rstd
        let gj = g[j] * gamma[j]
        sumG += gj
        sumGXhat += gj * xhat
        dgamma[j] += g[j] * xhat
        dbeta[j] += g[j]
      }
      let (meanG, meanGXhat) = (sumG * inv, sumGXhat * inv)
      for j in 0..<features {
        let xhat = (row[j] - mu) * rstd
        out[j] = rstd * (g[j] * gamma[j] - meanG - xhat * meanGXhat)
      }
    }
  }

  /// The mean and 1/√(biased variance + eps) of one row (two passes).
  @inline(__always)
  static func statistics(_ row: UnsafePointer<Float>, _ features: Int, _ eps: Float) -> (mean: Float, rstd: Float) {
    var sum: Float = 0
    for j in 0..<features { sum += row[j] }
    let mu = sum / Float(features)
    var squares: Float = 0
    for j in 0..<features { squares += (row[j] - mu) * (row[j] - mu) }
    return (mu, 1 / (squares / Float(features) + eps).squareRoot())
  }
}

"""##########),
    ("Sources/DLCKernels/Optimizer.swift", ##########"""
import Foundation

/// Parameter updates of `torch.optim.SGD`, `Adam` and `AdamW`, following the algorithms
/// in their PyTorch documentation (and the order of operations of its single-tensor
/// implementation, so runs compare closely). `step` is 1-based.
///
/// Hyperparameters that enter a per-step scalar (1 − τ, 1 − β₁, 1 − β₂, the bias
/// corrections 1 − βᵗ, 1 − γλ) are taken as `Double` and those scalars are computed in
/// Double, then rounded once to Float, as PyTorch computes them from Python floats:
/// 1 − Float(0.999) is 1.3e-5 below 1 − 0.999, which would make v that much too small.
public enum OptimizerKernel {
  /// Parameters per thread below which the update stays on the calling thread.
  static let grain = 32_768

  /// SGD (torch.optim.SGD): g ← ∇ + λθ; with momentum μ, b ← g at step 1 and
  /// b ← μb + (1 − τ)g after; g ← g + μb (Nesterov) or b; θ ← θ − γg.
  /// A nil `momentumBuffer` or μ = 0 means plain SGD.
  public static func sgd(
    parameter: UnsafeMutablePointer<Float>, grad: UnsafePointer<Float>, momentumBuffer: UnsafeMutablePointer<Float>?,
    count: Int, lr: Float, momentum: Double, dampening: Double, nesterov: Bool, weightDecay: Double, step: Int
  ) {
    let (p, wd, mu) = (parameter, Float(weightDecay), Float(momentum))
    guard let buffer = momentumBuffer, mu != 0 else {
      Parallel.forEach(count: count, minimumPerThread: grain) { range in
        for i in range { p[i] -= lr * (grad[i] + wd * p[i]) }
      }
      return
    }
    let keep = Float(1 - dampening)
    let first = step <= 1
    Parallel.forEach(count: count, minimumPerThread: grain) { range in
      switch (first, nesterov) {
      case (true, false):
        for i in range {
          let g = grad[i] + wd * p[i]
          buffer[i] = g
          p[i] -= lr * g
        }
      case (true, true):
        for i in range {
          let g = grad[i] + wd * p[i]
          buffer[i] = g
          p[i] -= lr * (g + mu * g)
        }
      case (false, false):
        for i in range {
          let g = grad[i] + wd * p[i]
          let b = mu * buffer[i] + keep * g
          buffer[i] = b
          p[i] -= lr * b
        }
      case (false, true):
        for i in range {
          let g = grad[i] + wd * p[i]
          let b = mu * buffer[i] + keep * g
          buffer[i] = b
          p[i] -= lr * (g + mu * b)
        }
      }
    }
  }

  /// Adam (Kingma & Ba 2015; torch.optim.Adam) or, with `decoupled`, AdamW (Loshchilov &
  /// Hutter 2019; torch.optim.AdamW):
  /// Adam g ← ∇ + λθ, AdamW θ ← θ(1 − γλ); m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²;
  /// with `maxExpAvgSq` (amsgrad) v_max ← max(v_max, v) replaces v below;
  /// θ ← θ − γ/(1 − β₁ᵗ) · m / (√v/√(1 − β₂ᵗ) + ε).
  /// amsgrad keeps the maximum of the raw v, as PyTorch's implementation and its
  /// `max_exp_avg_sq` state do (the documentation maxes the corrected v̂; pytorch#142323).
  public static func adam(
    parameter: UnsafeMutablePointer<Float>, grad: UnsafePointer<Float>, expAvg: UnsafeMutablePointer<Float>,
    expAvgSq: UnsafeMutablePointer<Float>, maxExpAvgSq: UnsafeMutablePointer<Float>?, count: Int, lr: Float,
    beta1: Double, beta2: Double, eps: Float, weightDecay: Double, decoupled: Bool, step: Int
  ) {
    let t = Double(max(step, 1))
    // Scalars in Double, as PyTorch computes them from Python floats; the kernel's own
    // multiplications use them rounded to Float (PyTorch's float32 `mul_(beta2)` too).
    let stepSize = Float(Double(lr) / (1 - Foundation.pow(beta1, t)))
    let invBiasCorrection2Sqrt = Float(1 / (1 - Foundation.pow(beta2, t)).squareRoot())
    let coupledDecay = decoupled ? 0 : Float(weightDecay)
    let shrink: Float = decoupled ? Float(1 - Double(lr) * weightDecay) : 1
    let (oneMinusBeta1, oneMinusBeta2) = (Float(1 - beta1), Float(1 - beta2))
    let decay2 = Float(beta2)
    let (p, m, v) = (parameter, expAvg, expAvgSq)
    // The square root vectorizes only when clang's shims are built with -fno-math-errno
    // (otherwise Float.squareRoot() keeps a sqrtf fallback call per element).
    Parallel.forEach(count: count, minimumPerThread: grain) { range in
      if let vmax = maxExpAvgSq {
        for i in range {
          let theta = p[i] * shrink
          let g = grad[i] + coupledDecay * theta
          let mi = m[i] + oneMinusBeta1 * (g - m[i])
          let vi = decay2 * v[i] + oneMinusBeta2 * g * g
          let top = max(vmax[i], vi)
          m[i] = mi
          v[i] = vi
          vmax[i] = top
          p[i] = theta - stepSize * (mi / (top.squareRoot() * invBiasCorrection2Sqrt + eps))
        }
      } else {
        for i in range {
          let theta = p[i] * shrink
          let g = grad[i] + coupledDecay * theta
          let mi = m[i] + oneMinusBeta1 * (g - m[i])
          let vi = decay2 * v[i] + oneMinusBeta2 * g * g
          m[i] = mi
          v[i] = vi
          p[i] = theta - stepSize * (mi / (vi.squareRoot() * invBiasCorrection2Sqrt + eps))
        }
      }
    }
  }
}

"""##########),
    ("Sources/DLCKernels/Parallel.swift", ##########"""
import Glibc

/// Splits loops over the machine's cores; small loops stay on the calling thread.
///
/// The chunks run on `WorkerPool`'s threads, which stay awake for a moment between
/// splits; a loop is split only when each thread gets at least `minimumPerThread`
/// iterations.
public enum Parallel {
  /// How many threads a split loop uses at most (default: the machine's cores, 2 here).
  nonisolated(unsafe) public static var threads: Int = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))

  /// Runs body over 0..<count split into contiguous chunks on up to `Parallel.threads`
  /// threads; runs inline when count < minimumPerThread * 2.
  public static func forEach(count: Int, minimumPerThread: Int, _ body: (Range<Int>) -> Void) {
    forEachChunk(count: count, minimumPerThread: minimumPerThread) { _, range in body(range) }
  }

  /// How many chunks `forEach` and `forEachChunk` split `count` iterations into (≥ 1).
  public static func chunkCount(count: Int, minimumPerThread: Int) -> Int {
    let perThread = max(1, minimumPerThread)
    return max(1, min(threads, count / perThread))
  }

  /// Like `forEach`, and also passes the chunk's index in 0..<chunkCount, so each chunk
  /// can own a slice of a scratch buffer.
  public static func forEachChunk(
    count: Int, minimumPerThread: Int, _ body: (_ chunk: Int, _ range: Range<Int>) -> Void
  ) {
    guard count > 0 else { return }
    let chunks = chunkCount(count: count, minimumPerThread: minimumPerThread)
    if chunks == 1 {
      body(0, 0..<count)
      return
    }
    WorkerPool.shared.run(chunks: chunks) { chunk in
      // Even split: the first `count % chunks` chunks take one more iteration.
      let base = count / chunks, extra = count % chunks
      let start = chunk * base + min(chunk, extra)
      let end = start + base + (chunk < extra ? 1 : 0)
      body(chunk, start..<end)
    }
  }
}

/// @unchecked Sendable wrapper for pointers captured in concurrent closures (the only one).
public struct SendablePointer<T>: @unchecked Sendable {
  public let pointer: UnsafeMutablePointer<T>

  /// Wraps `pointer`.
  public init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }

  /// Wraps `pointer`.
  public init(pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}

"""##########),
    ("Sources/DLCKernels/Pointwise.swift", ##########"""
/// The generic kernels of the pointwise activations: one loop per direction, specialized
/// per formula (`PointwiseFormula`, one type per activation in `Activation.swift`).
///
/// Every function reads `count` floats and overwrites `count` floats; `y`/`dx` may alias
/// their input. Loops over more than 2 × grain elements run on `Parallel.threads`
/// threads; a transcendental function splits at an eighth of the cheap ones' grain.

/// One activation's scalar formulas. Both are `@inline(__always)` and branch-free where
/// possible, so loops over them vectorize; the emitted trainers' fused loops call them
/// too, so a fused loop computes every element with exactly the kernel's arithmetic.
public protocol PointwiseFormula: SendableMetatype {
  /// The opcode of the row in DLCIR's pointwise table.
  static var name: String { get }
  /// y = f(x).
  static func forward(_ x: Float, _ p: PointwiseParameters) -> Float
  /// dx = dy · f′, from the value the row saves: the input x or the output y.
  static func derivative(dy: Float, _ saved: Float, _ p: PointwiseParameters) -> Float
  /// The slot of the parameter pack that holds a choice (GELU's `approximate`), if any:
  /// the kernels run one loop per option, with the option a constant inside it, instead
  /// of branching on it per element.
  static var choiceSlot: Int? { get }
}

extension PointwiseFormula {
  /// No choice.
  @inlinable public static var choiceSlot: Int? { nil }
}

/// An activation's attribute values in the order of its row's attributes: numbers as
/// themselves, choices as the index of the option. Four plain fields, no array: a pack
/// built from literals inside a fused loop folds to constants, and a captured one is a
/// few registers.
public struct PointwiseParameters: Sendable {
  @usableFromInline let a: Float, b: Float, c: Float, d: Float

  /// The values `a, b, c, d` (what the emitted code spells out); unused ones are 0.
  @inlinable @inline(__always)
  public init(_ a: Float = 0, _ b: Float = 0, _ c: Float = 0, _ d: Float = 0) {
    self.a = a
    self.b = b
    self.c = c
    self.d = d
  }

  /// Up to four values, in row order.
  public init(_ list: [Float]) {
    precondition(list.count <= 4, "a pointwise op has at most 4 parameters, found \(list.count)")
    let v = list + Array(repeating: 0, count: 4 - list.count)
    self.init(v[0], v[1], v[2], v[3])
  }

  /// The number attribute at `index` (a literal index: it folds to one field).
  @inlinable @inline(__always)
  public func number(_ index: Int) -> Float {
    switch index {
    case 0: return a
    case 1: return b
    case 2: return c
    default: return d
    }
  }

  /// The index of the option chosen by the choice attribute at `index`.
  @inlinable @inline(__always)
  public func choice(_ index: Int) -> Int { Int(number(index)) }

  /// A copy with `value` at `index`.
  @inlinable @inline(__always)
  public func setting(_ index: Int, to value: Float) -> PointwiseParameters {
    PointwiseParameters(index == 0 ? value : a, index == 1 ? value : b, index == 2 ? value : c, index == 3 ? value : d)
  }
}

/// The loops over a formula.
public enum PointwiseKernel {
  /// Elements per thread below which a loop stays on the calling thread; an eighth of
  /// it for a transcendental formula.
  public static let grain = 32_768

  /// The grain of a loop over a formula that is (or is not) transcendental.
  @inlinable
  public static func grain(transcendental: Bool) -> Int { transcendental ? grain / 8 : grain }

  /// y = F.forward(x).
  @inlinable
  public static func forward<F: PointwiseFormula>(
    _: F.Type, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, count: Int, parameters: PointwiseParameters,
    transcendental: Bool
  ) {
    Parallel.forEach(count: count, minimumPerThread: grain(transcendental: transcendental)) { range in
      // One loop per option of a choice, the option a literal in it (see `choiceSlot`).
      guard let slot = F.choiceSlot else { return forwardLoop(F.self, x, y, range, parameters) }
      switch parameters.choice(slot) {
      case 0: forwardLoop(F.self, x, y, range, parameters.setting(slot, to: 0))
      case 1: forwardLoop(F.self, x, y, range, parameters.setting(slot, to: 1))
      default: forwardLoop(F.self, x, y, range, parameters)
      }
    }
  }

  /// dx = F.derivative(dy, saved), with `saved` the forward input or output (see the row).
  @inlinable
  public static func backward<F: PointwiseFormula>(
    _: F.Type, dy: UnsafePointer<Float>, saved: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, count: Int,
    parameters: PointwiseParameters, transcendental: Bool
  ) {
    Parallel.forEach(count: count, minimumPerThread: grain(transcendental: transcendental)) { range in
      guard let slot = F.choiceSlot else { return backwardLoop(F.self, dy, saved, dx, range, parameters) }
      switch parameters.choice(slot) {
      case 0: backwardLoop(F.self, dy, saved, dx, range, parameters.setting(slot, to: 0))
      case 1: backwardLoop(F.self, dy, saved, dx, range, parameters.setting(slot, to: 1))
      default: backwardLoop(F.self, dy, saved, dx, range, parameters)
      }
    }
  }

  /// The forward loop over `range` (a function, not a closure, so that it is inlined
  /// with `p`'s literals folded into it).
  @inlinable @inline(__always)
  static func forwardLoop<F: PointwiseFormula>(
    _: F.Type, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ range: Range<Int>, _ p: PointwiseParameters
  ) {
    for i in range { y[i] = F.forward(x[i], p) }
  }

  /// The backward loop over `range`.
  @inlinable @inline(__always)
  static func backwardLoop<F: PointwiseFormula>(
    _: F.Type, _ dy: UnsafePointer<Float>, _ saved: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
    _ range: Range<Int>, _ p: PointwiseParameters
  ) {
    for i in range { dx[i] = F.derivative(dy: dy[i], saved[i], p) }
  }
}

/// A formula's two kernels, specialized, behind one name: what the interpreter calls
/// when it knows the formula only by its opcode.
public struct PointwiseKernels: Sendable {
  public typealias Forward = @Sendable (
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int, PointwiseParameters, _ transcendental: Bool
  ) -> Void
  public typealias Backward = @Sendable (
    _ dy: UnsafePointer<Float>, _ saved: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ count: Int,
    PointwiseParameters, _ transcendental: Bool
  ) -> Void

  /// The formula's `name`.
  public let name: String
  /// The formula's Swift type name, as emitted code spells it.
  public let typeName: String
  public let forward: Forward
  public let backward: Backward

  /// The kernels of `F`, specialized here (a call through a metatype would not be).
  public init<F: PointwiseFormula>(_: F.Type) {
    name = F.name
    typeName = String(describing: F.self)
    forward = { x, y, count, p, t in PointwiseKernel.forward(F.self, x: x, y: y, count: count, parameters: p, transcendental: t) }
    backward = { dy, saved, dx, count, p, t in
      PointwiseKernel.backward(F.self, dy: dy, saved: saved, dx: dx, count: count, parameters: p, transcendental: t)
    }
  }

  private static let byName: [String: PointwiseKernels] = Dictionary(
    PointwiseFormulas.all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

  /// The kernels of the formula named `name`, or nil.
  public static func named(_ name: String) -> PointwiseKernels? { byName[name] }
}

"""##########),
    ("Sources/DLCKernels/Pooling.swift", ##########"""
/// The geometry of a 2-D pooling window, PyTorch `nn.MaxPool2d` / `nn.AvgPool2d`
/// (ceil_mode = false): x [N, C, H, W] → y [N, C, OH, OW].
public struct Pool2DShape: Sendable, Hashable {
  public var batch, channels, height, width, windowH, windowW, strideH, strideW, padH, padW: Int

  /// A shape from all its sizes.
  public init(
    batch: Int, channels: Int, height: Int, width: Int, windowH: Int, windowW: Int,
    strideH: Int, strideW: Int, padH: Int, padW: Int
  ) {
    (self.batch, self.channels, self.height, self.width) = (batch, channels, height, width)
    (self.windowH, self.windowW, self.strideH, self.strideW) = (windowH, windowW, strideH, strideW)
    (self.padH, self.padW) = (padH, padW)
  }

  /// ⌊(H + 2·pad − window) / stride⌋ + 1 (PyTorch `nn.MaxPool2d` docs, dilation 1).
  public var outHeight: Int { (height + 2 * padH - windowH) / strideH + 1 }
  /// ⌊(W + 2·pad − window) / stride⌋ + 1.
  public var outWidth: Int { (width + 2 * padW - windowW) / strideW + 1 }

  /// Independent (n, c) planes.
  var planes: Int { batch * channels }
}

/// Max, average and global average pooling, forward and backward. Each (n, c) plane is
/// independent, so large inputs split planes across threads.
public enum PoolKernel {
  /// Below this many input floats pooling stays on one thread.
  static let parallelWork = 32768

  /// y = the maximum of each window; padding counts as −∞.
  public static func maxForward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, shape s: Pool2DShape) {
    if isPairwise(s) { return maxForwardPairwise(x: x, y: y, shape: s) }
    forEachPlane(s) { plane in
      let src = x + plane * s.height * s.width, dst = y + plane * s.outHeight * s.outWidth
      forEachWindow(s) { o, rows, cols in
        var best = -Float.infinity
        for iy in rows {
          let row = src + iy * s.width
          for ix in cols where row[ix] > best { best = row[ix] }
        }
        dst[o] = best
      }
    }
  }

  /// dx gets dy at the first maximum of each window (row-major scan), summed where
  /// windows overlap.
  public static func maxBackward(
    dy: UnsafePointer<Float>, x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, shape s: Pool2DShape
  ) {
    if isPairwise(s) { return maxBackwardPairwise(dy: dy, x: x, dx: dx, shape: s) }
    forEachPlane(s) { plane in
      let size = s.height * s.width
      let src = x + plane * size, grad = dx + plane * size, g = dy + plane * s.outHeight * s.outWidth
      grad.update(repeating: 0, count: size)
      forEachWindow(s) { o, rows, cols in
        var best = -Float.infinity, at = -1
        for iy in rows {
          let row = iy * s.width
          for ix in cols where src[row + ix] > best || at < 0 {
            best = src[row + ix]
            at = row + ix
          }
        }
        if at >= 0 { grad[at] += g[o] }
      }
    }
  }

  /// y = Σ window / (windowH · windowW): padding counts in the divisor (PyTorch's
  /// default `count_include_pad = True`).
  public static func avgForward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, shape s: Pool2DShape) {
    let scale = 1 / Float(s.windowH * s.windowW)
    forEachPlane(s) { plane in
      let src = x + plane * s.height * s.width, dst = y + plane * s.outHeight * s.outWidth
      forEachWindow(s) { o, rows, cols in
        var total: Float = 0
        for iy in rows {
          let row = src + iy * s.width
          for ix in cols { total += row[ix] }
        }
        dst[o] = total * scale
      }
    }
  }

  /// dx[i] = Σ over windows containing i of dy / (windowH · windowW).
  public static func avgBackward(dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, shape s: Pool2DShape) {
    let scale = 1 / Float(s.windowH * s.windowW)
    forEachPlane(s) { plane in
      let size = s.height * s.width
      let grad = dx + plane * size, g = dy + plane * s.outHeight * s.outWidth
      grad.update(repeating: 0, count: size)
      forEachWindow(s) { o, rows, cols in
        let share = g[o] * scale
        for iy in rows {
          let row = grad + iy * s.width
          for ix in cols { row[ix] += share }
        }
      }
    }
  }

  /// [N, C, H*W] → [N, C] when channelsFirst; [N, L, D] → [N, D] (average over L) when !channelsFirst.
  public static func globalAvgForward(
    x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, batch: Int, positions: Int, channels: Int,
    channelsFirst: Bool
  ) {
    let scale = 1 / Float(max(positions, 1))
    for n in 0..<batch {
      let src = x + n * positions * channels, dst = y + n * channels
      if channelsFirst {
        for c in 0..<channels { dst[c] = Reduction.sum(src + c * positions, count: positions) * scale }
      } else {
        Reduction.columnSums(src, into: dst, rows: positions, columns: channels, stride: channels)
        for c in 0..<channels { dst[c] *= scale }
      }
    }
  }

  /// dx = dy / positions, broadcast over the averaged axis.
  public static func globalAvgBackward(
    dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, batch: Int, positions: Int, channels: Int,
    channelsFirst: Bool
  ) {
    let scale = 1 / Float(max(positions, 1))
    for n in 0..<batch {
      let g = dy + n * channels, dst = dx + n * positions * channels
      if channelsFirst {
        for c in 0..<channels { (dst + c * positions).update(repeating: g[c] * scale, count: positions) }
      } else {
        for l in 0..<positions {
          let row = dst + l * channels
          for c in 0..<channels { row[c] = g[c] * scale }
        }
      }
    }
  }

  /// Runs body for every (n, c) plane, splitting planes over threads for large inputs.
  @inline(__always)
  static func forEachPlane(_ s: Pool2DShape, _ body: (Int) -> Void) {
    let work = max(1, s.height * s.width)
    Parallel.forEach(count: s.planes, minimumPerThread: max(1, parallelWork / work)) { planes in
      for plane in planes { body(plane) }
    }
  }

  /// Calls body(flat output index, input rows, input columns) for each window of a
  /// plane, the ranges clipped to the image.
  @inline(__always)
  static func forEachWindow(_ s: Pool2DShape, _ body: (Int, Range<Int>, Range<Int>) -> Void) {
    let (oh, ow) = (s.outHeight, s.outWidth)
    for y in 0..<oh {
      let top = y * s.strideH - s.padH
      let rows = max(top, 0)..<max(min(top + s.windowH, s.height), max(top, 0))
      for x in 0..<ow {
        let left = x * s.strideW - s.padW
        let cols = max(left, 0)..<max(min(left + s.windowW, s.width), max(left, 0))
        body(y * ow + x, rows, cols)
      }
    }
  }

  /// The common 2 × 2, stride 2, unpadded window, on straight loops.
  static func isPairwise(_ s: Pool2DShape) -> Bool {
    s.windowH == 2 && s.windowW == 2 && s.strideH == 2 && s.strideW == 2 && s.padH == 0 && s.padW == 0
  }

  /// maxForward for 2 × 2 windows at stride 2.
  static func maxForwardPairwise(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, shape s: Pool2DShape) {
    let (w, oh, ow) = (s.width, s.outHeight, s.outWidth)
    let (inPlane, outPlane) = (s.height * w, oh * ow)
    forEachPlane(s) { plane in
      for oy in 0..<oh {
        let top = x + plane * inPlane + 2 * oy * w, bottom = top + w
        let out = y + plane * outPlane + oy * ow
        for ox in 0..<ow {
          let a = max(top[2 * ox], top[2 * ox + 1]), b = max(bottom[2 * ox], bottom[2 * ox + 1])
          out[ox] = max(a, b)
        }
      }
    }
  }

  /// maxBackward for 2 × 2 windows at stride 2: windows do not overlap, so each input is
  /// written once, dy at its window's first maximum and 0 elsewhere. The winner is chosen
  /// with vector selects, 8 then 4 windows at a time: branches on real activations
  /// mispredict, and scalar selects ran at a third of the speed of the forward pass.
  static func maxBackwardPairwise(
    dy: UnsafePointer<Float>, x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, shape s: Pool2DShape
  ) {
    let (h, w, oh, ow) = (s.height, s.width, s.outHeight, s.outWidth)
    let (inPlane, outPlane) = (h * w, oh * ow)
    forEachPlane(s) { plane in
      let grad = dx + plane * inPlane
      for oy in 0..<oh {
        let top = x + plane * inPlane + 2 * oy * w, gradTop = grad + 2 * oy * w
        let gradOut = dy + plane * outPlane + oy * ow
        var ox = 0
        while ox + 8 <= ow {
          routeWindows8(top + 2 * ox, width: w, dy: gradOut + ox, dx: gradTop + 2 * ox)
          ox += 8
        }
        while ox + 4 <= ow {
          routeWindows4(top + 2 * ox, width: w, dy: gradOut + ox, dx: gradTop + 2 * ox)
          ox += 4
        }
        while ox < ow {
          routeWindow(top + 2 * ox, width: w, dy: gradOut[ox], dx: gradTop + 2 * ox)
          ox += 1
        }
        // An odd last column is in no window.
        if w > 2 * ow {
          (gradTop + 2 * ow).update(repeating: 0, count: w - 2 * ow)
          (gradTop + w + 2 * ow).update(repeating: 0, count: w - 2 * ow)
        }
      }
      // Nor is an odd last row.
      (grad + 2 * oh * w).update(repeating: 0, count: (h - 2 * oh) * w)
    }
  }

  /// Routes dy of 8 adjacent 2 × 2 windows (top rows at `top`, bottom rows a `width`
  /// further) to the first maximum of each in row-major order (top-left, top-right,
  /// bottom-left, bottom-right: a later entry wins only when strictly greater), writing 0
  /// to the other entries. Concrete SIMD types: generic ones compare lane by lane.
  @inline(__always)
  static func routeWindows8(
    _ top: UnsafePointer<Float>, width: Int, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>
  ) {
    let upper = UnsafeRawPointer(top).loadUnaligned(as: SIMD16<Float>.self)
    let lower = UnsafeRawPointer(top + width).loadUnaligned(as: SIMD16<Float>.self)
    let (a, b, c, d) = (upper.evenHalf, upper.oddHalf, lower.evenHalf, lower.oddHalf)
    let bWins = b .> a
    let best = a.replacing(with: b, where: bWins)
    let cWins = c .> best
    let dWins = d .> best.replacing(with: c, where: cWins)
    let later = cWins .| dWins
    let g = UnsafeRawPointer(dy).loadUnaligned(as: SIMD8<Float>.self), zero = SIMD8<Float>()
    var routed = SIMD16<Float>()
    routed.evenHalf = zero.replacing(with: g, where: .!(bWins .| later))
    routed.oddHalf = zero.replacing(with: g, where: bWins .& .!later)
    UnsafeMutableRawPointer(dx).storeBytes(of: routed, as: SIMD16<Float>.self)
    routed.evenHalf = zero.replacing(with: g, where: cWins .& .!dWins)
    routed.oddHalf = zero.replacing(with: g, where: dWins)
    UnsafeMutableRawPointer(dx + width).storeBytes(of: routed, as: SIMD16<Float>.self)
  }

  /// routeWindows8 for 4 windows.
  @inline(__always)
  static func routeWindows4(
    _ top: UnsafePointer<Float>, width: Int, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>
  ) {
    let upper = UnsafeRawPointer(top).loadUnaligned(as: SIMD8<Float>.self)
    let lower = UnsafeRawPointer(top + width).loadUnaligned(as: SIMD8<Float>.self)
    let (a, b, c, d) = (upper.evenHalf, upper.oddHalf, lower.evenHalf, lower.oddHalf)
    let bWins = b .> a
    let best = a.replacing(with: b, where: bWins)
    let cWins = c .> best
    let dWins = d .> best.replacing(with: c, where: cWins)
    let later = cWins .| dWins
    let g = UnsafeRawPointer(dy).loadUnaligned(as: SIMD4<Float>.self), zero = SIMD4<Float>()
    var routed = SIMD8<Float>()
    routed.evenHalf = zero.replacing(with: g, where: .!(bWins .| later))
    routed.oddHalf = zero.replacing(with: g, where: bWins .& .!later)
    UnsafeMutableRawPointer(dx).storeBytes(of: routed, as: SIMD8<Float>.self)
    routed.evenHalf = zero.replacing(with: g, where: cWins .& .!dWins)
    routed.oddHalf = zero.replacing(with: g, where: dWins)
    UnsafeMutableRawPointer(dx + width).storeBytes(of: routed, as: SIMD8<Float>.self)
  }
}

/// PoolKernel.routeWindows8 for one window.
@inline(__always)
private func routeWindow(_ top: UnsafePointer<Float>, width: Int, dy g: Float, dx: UnsafeMutablePointer<Float>) {
  let (a, b, c, d) = (top[0], top[1], top[width], top[width + 1])
  let bWins = b > a
  let cWins = c > (bWins ? b : a)
  let dWins = d > (cWins ? c : bWins ? b : a)
  let later = cWins || dWins
  dx[0] = !bWins && !later ? g : 0
  dx[1] = bWins && !later ? g : 0
  dx[width] = cWins && !dWins ? g : 0
  dx[width + 1] = dWins ? g : 0
}

"""##########),
    ("Sources/DLCKernels/Quantized.swift", ##########"""
import CInt8GEMM

/// Post-training quantization kernels: float tensors in, uint8/int8 tensors and integer
/// GEMMs with float or uint8 outputs out. The GEMM itself is C (Sources/CInt8GEMM, driven
/// from QuantizedGEMM.swift): the weights are packed once for it (`packWeights`).
///
/// Scheme (Jacob et al. 2018, "Quantization and Training of Neural Networks for Efficient
/// Integer-Arithmetic-Only Inference", §2; the conventions of ONNX QuantizeLinear /
/// QLinearMatMul and PyTorch's fbgemm backend): real = scale · (q − zeroPoint).
/// - Weights: int8, symmetric, per output channel: zero point 0, q in [−127, 127],
///   scale = max|w_row| / 127 (a zero row gets scale 1). −128 is never used, so the
///   integer products stay symmetric.
/// - Activations: uint8, per-tensor affine (`AffineQuantization`), q in [0, 255], with 0
///   exactly representable.
/// - Accumulation in Int32: acc[r][o] = Σₖ (xq[r][k] − zx) · wq[o][k]
///   = Σₖ xq·wq − zx · rowSum[o], with rowSum[o] = Σₖ wq[o][k] computed once per weight.
///   |acc| ≤ 255 · 127 · K, so K must stay below 66 000 (2³¹ / 32 385). The sums are exact
///   on every CPU (no saturating instruction is used), so results never depend on the
///   kernel chosen or the number of threads.
/// - Float output: y = (xScale · wScale[o]) · Float(acc) + bias[o], evaluated in that order.
/// - Requantized output: q = clamp(round(y / yScale) + yZeroPoint, lo, 255), lo = 0, or
///   lo = yZeroPoint with a fused ReLU.
/// - Rounding everywhere is round half to even (IEEE roundTiesToEven, as ONNX QuantizeLinear
///   and PyTorch's nearbyint), and values are divided by the scale (ONNX), not multiplied
///   by its reciprocal. NaN quantizes to the bottom of the clamp range.
public enum Quantized {}

/// The uint8 per-tensor affine parameters of an activation: real = scale · (q − zeroPoint).
public struct AffineQuantization: Sendable, Equatable {
  public var scale: Float
  public var zeroPoint: Int32

  /// Parameters as given.
  public init(scale: Float, zeroPoint: Int32) { (self.scale, self.zeroPoint) = (scale, zeroPoint) }

  /// Parameters for a calibrated range: [min, max] is first widened to include 0 (so 0 is
  /// exact, as zero padding and ReLU need), then scale = (max − min) / 255 (1 when that is
  /// 0, subnormal or not finite) and zeroPoint = clamp(round(−min / scale), 0, 255).
  public init(min: Float, max: Float) {
    let lo = Swift.min(min.isNaN ? 0 : min, 0), hi = Swift.max(max.isNaN ? 0 : max, 0)
    let scale = (hi - lo) / 255
    self.scale = scale.isFinite && scale >= .leastNormalMagnitude ? scale : 1
    self.zeroPoint = Quantized.roundClamped(-lo / self.scale, 0, 255)
  }
}

extension Quantized {
  // MARK: Rounding

  /// round(v) half to even, for |v| ≤ 2²²: adding 1.5 · 2²³ leaves the rounded integer in
  /// the low mantissa bits (the FPU rounds ties to even), a trick that vectorizes and
  /// cannot trap, unlike Int32(Float).
  @inline(__always)
  static func roundToEven(_ v: Float) -> Int32 {
    Int32(bitPattern: (v + 0x1.8p23).bitPattern) &- 0x4B40_0000
  }

  /// round(clamp(v, lo, hi)) for integer bounds (the same as clamp(round(v))); NaN gives lo.
  @inline(__always)
  static func roundClamped(_ v: Float, _ lo: Float, _ hi: Float) -> Int32 {
    roundToEven(v > lo ? (v < hi ? v : hi) : lo)
  }

  // MARK: Quantize and dequantize

  /// Int8 symmetric per-row weights: scales[r] = max|w[r]| / 127 (1 for a zero row),
  /// q = clamp(round(w / scale), −127, 127), rowSums[r] = Σ q[r]. A conv weight
  /// [OC, C, KH, KW] is rows = OC, columns = C·KH·KW. The layout of q is w's ([rows,
  /// columns] row-major); `packWeights` turns it into the GEMM's operand.
  public static func quantizeWeightsPerChannel(
    _ w: UnsafePointer<Float>, rows: Int, columns: Int, q: UnsafeMutablePointer<Int8>,
    scales: UnsafeMutablePointer<Float>, rowSums: UnsafeMutablePointer<Int32>
  ) {
    for r in 0..<rows {
      let row = w + r * columns, out = q + r * columns
      var largest: Float = 0
      for k in 0..<columns where abs(row[k]) > largest { largest = abs(row[k]) }
      let scale = largest / 127
      let s = scale.isFinite && scale >= .leastNormalMagnitude ? scale : 1
      var sum: Int32 = 0
      for k in 0..<columns {
        let v = roundClamped(row[k] / s, -127, 127)
        out[k] = Int8(truncatingIfNeeded: v)
        sum &+= v
      }
      (scales[r], rowSums[r]) = (s, sum)
    }
  }

  /// q = clamp(round(x / scale) + zeroPoint, 0, 255) (vectorized in C, split over threads
  /// when large).
  public static func quantize(
    _ x: UnsafePointer<Float>, count: Int, _ p: AffineQuantization, into q: UnsafeMutablePointer<UInt8>
  ) {
    Parallel.forEach(count: count, minimumPerThread: 1 << 16) { range in
      dlc_f32_quantize_u8(x + range.lowerBound, range.count, p.scale, p.zeroPoint, q + range.lowerBound)
    }
  }

  /// x = scale · (q − zeroPoint).
  public static func dequantize(
    _ q: UnsafePointer<UInt8>, count: Int, _ p: AffineQuantization, into x: UnsafeMutablePointer<Float>
  ) {
    for i in 0..<count { x[i] = p.scale * Float(Int32(q[i]) &- p.zeroPoint) }
  }

  // MARK: Dense

  /// y[r][o] = (xScale · wScale[o]) · acc[r][o] + bias[o] (float output): x [rows, in]
  /// uint8, wPacked the int8 weight [out, in] of `quantizeWeightsPerChannel` packed by
  /// `packWeights(_:rows: out, columns: in, into:)`, y [rows, out].
  public static func denseInt8(
    xq: UnsafePointer<UInt8>, x: AffineQuantization, wPacked: UnsafePointer<Int8>,
    wScales: UnsafePointer<Float>, wRowSums: UnsafePointer<Int32>, bias: UnsafePointer<Float>?,
    rows: Int, inFeatures: Int, outFeatures: Int, y: UnsafeMutablePointer<Float>
  ) {
    let finish = Epilogue.make(
      x: x, wScales: wScales, wRowSums: wRowSums, bias: bias, output: .float(y),
      layout: .rowMajor(columns: outFeatures))
    IntegerGEMM.run(xq: xq, wPacked: wPacked, rows: rows, columns: outFeatures, depth: inFeatures, finish)
  }

  /// Like `denseInt8`, then yq = clamp(round(y / yScale) + yZeroPoint, lo, 255), lo =
  /// yZeroPoint when `relu` (fused ReLU) else 0.
  public static func denseInt8Requantized(
    xq: UnsafePointer<UInt8>, x: AffineQuantization, wPacked: UnsafePointer<Int8>,
    wScales: UnsafePointer<Float>, wRowSums: UnsafePointer<Int32>, bias: UnsafePointer<Float>?,
    rows: Int, inFeatures: Int, outFeatures: Int, output: AffineQuantization, relu: Bool,
    yq: UnsafeMutablePointer<UInt8>
  ) {
    let finish = Epilogue.make(
      x: x, wScales: wScales, wRowSums: wRowSums, bias: bias,
      output: .uint8(yq, output, relu: relu), layout: .rowMajor(columns: outFeatures))
    IntegerGEMM.run(xq: xq, wPacked: wPacked, rows: rows, columns: outFeatures, depth: inFeatures, finish)
  }

  /// Weight-only int8 (dynamic quantization, as PyTorch `quantize_dynamic`): the range of
  /// this call's x (NaN and ±∞ ignored) gives its `AffineQuantization`, x is quantized into
  /// `scratch` (rows · in bytes), then `denseInt8` (wPacked as there).
  public static func denseDynamic(
    x: UnsafePointer<Float>, wPacked: UnsafePointer<Int8>, wScales: UnsafePointer<Float>,
    wRowSums: UnsafePointer<Int32>, bias: UnsafePointer<Float>?, rows: Int, inFeatures: Int,
    outFeatures: Int, y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<UInt8>
  ) {
    var observer = MinMaxObserver()
    observer.observe(x, count: rows * inFeatures)
    let p = AffineQuantization(min: observer.range.min, max: observer.range.max)
    quantize(x, count: rows * inFeatures, p, into: scratch)
    denseInt8(
      xq: scratch, x: p, wPacked: wPacked, wScales: wScales, wRowSums: wRowSums, bias: bias, rows: rows,
      inFeatures: inFeatures, outFeatures: outFeatures, y: y)
  }

  // MARK: fp16 weight storage

  /// IEEE binary16 bit patterns of w, rounded to nearest even (overflow to ±∞; F16C
  /// vcvtps2ph on this target).
  public static func toHalf(_ w: UnsafePointer<Float>, count: Int, into h: UnsafeMutablePointer<UInt16>) {
    for i in 0..<count { h[i] = Float16(w[i]).bitPattern }
  }

  /// The floats of binary16 bit patterns (exact).
  public static func fromHalf(_ h: UnsafePointer<UInt16>, count: Int, into w: UnsafeMutablePointer<Float>) {
    for i in 0..<count { w[i] = Float(Float16(bitPattern: h[i])) }
  }

  /// Dense with fp16-stored weights [out, in]: the weights are widened into `scratch`
  /// (out · in floats), then `DenseKernel.forward`; the result equals fp32 dense on the
  /// widened weights.
  public static func denseHalf(
    x: UnsafePointer<Float>, wHalf: UnsafePointer<UInt16>, bias: UnsafePointer<Float>?,
    rows: Int, inFeatures: Int, outFeatures: Int, y: UnsafeMutablePointer<Float>,
    scratch: UnsafeMutablePointer<Float>
  ) {
    Parallel.forEach(count: inFeatures * outFeatures, minimumPerThread: 1 << 16) { range in
      fromHalf(wHalf + range.lowerBound, count: range.count, into: scratch + range.lowerBound)
    }
    DenseKernel.forward(
      x: x, weight: scratch, bias: bias, y: y, rows: rows, inFeatures: inFeatures, outFeatures: outFeatures)
  }
}


"""##########),
    ("Sources/DLCKernels/QuantizedConv.swift", ##########"""
import CInt8GEMM

/// Quantized 2-D convolution over a `Conv2DShape` (NCHW, weight [OC, C, KH, KW]): im2row
/// of the uint8 input, then the integer GEMM of `Quantized.denseInt8` with positions as
/// rows and output channels as columns, written straight into y [N, OC, OH, OW].
extension Quantized {
  /// Scratch bytes `conv2dInt8` and `conv2dInt8Requantized` need: the patch matrix,
  /// N·OH·OW rows of C·KH·KW, and for `im2rowBySegments` the padded input and 8 bytes of
  /// slack for its word-wide reads.
  public static func workspaceCount(_ s: Conv2DShape) -> Int {
    s.batch * s.positions * s.patch + (PaddedInput(s).map { $0.count + 8 } ?? 0)
  }

  /// y = (xScale · wScale[oc]) · acc + bias[oc] (float output), where acc sums
  /// (xq − zx) · wq over each patch; padding reads the zero point (real 0), not 0. wPacked
  /// is the weight [OC, C·KH·KW] packed by `packWeights(_:rows: OC, columns: C·KH·KW, into:)`.
  public static func conv2dInt8(
    xq: UnsafePointer<UInt8>, x: AffineQuantization, wPacked: UnsafePointer<Int8>,
    wScales: UnsafePointer<Float>, wRowSums: UnsafePointer<Int32>, bias: UnsafePointer<Float>?,
    y: UnsafeMutablePointer<Float>, shape s: Conv2DShape, workspace: UnsafeMutablePointer<UInt8>
  ) {
    let finish = Epilogue.make(
      x: x, wScales: wScales, wRowSums: wRowSums, bias: bias, output: .float(y),
      layout: .channelPlanes(positions: s.positions, channels: s.outChannels))
    convolve(xq: xq, zeroPoint: x.zeroPoint, wPacked: wPacked, shape: s, workspace: workspace, finish)
  }

  /// Like `conv2dInt8`, then yq = clamp(round(y / yScale) + yZeroPoint, lo, 255), lo =
  /// yZeroPoint when `relu` else 0.
  public static func conv2dInt8Requantized(
    xq: UnsafePointer<UInt8>, x: AffineQuantization, wPacked: UnsafePointer<Int8>,
    wScales: UnsafePointer<Float>, wRowSums: UnsafePointer<Int32>, bias: UnsafePointer<Float>?,
    shape s: Conv2DShape, output: AffineQuantization, relu: Bool, yq: UnsafeMutablePointer<UInt8>,
    workspace: UnsafeMutablePointer<UInt8>
  ) {
    let finish = Epilogue.make(
      x: x, wScales: wScales, wRowSums: wRowSums, bias: bias, output: .uint8(yq, output, relu: relu),
      layout: .channelPlanes(positions: s.positions, channels: s.outChannels))
    convolve(xq: xq, zeroPoint: x.zeroPoint, wPacked: wPacked, shape: s, workspace: workspace, finish)
  }

  /// im2row into `workspace`, then the GEMM over all N·OH·OW positions.
  static func convolve(
    xq: UnsafePointer<UInt8>, zeroPoint: Int32, wPacked: UnsafePointer<Int8>, shape s: Conv2DShape,
    workspace: UnsafeMutablePointer<UInt8>, _ finish: dlc_u8s8_epilogue
  ) {
    let rows = s.batch * s.positions
    guard rows > 0, s.outChannels > 0 else { return }
    let padding = UInt8(truncatingIfNeeded: zeroPoint)
    if let padded = PaddedInput(s) {
      let copy = workspace + rows * s.patch
      padded.fill(copy, from: xq, padding: padding, shape: s)
      im2rowBySegments(copy, padded, rows: workspace, shape: s)
    } else {
      im2row(xq, padding: padding, rows: workspace, shape: s)
    }
    IntegerGEMM.run(xq: workspace, wPacked: wPacked, rows: rows, columns: s.outChannels, depth: s.patch, finish)
  }

  /// rows[n·P + oy·OW + ox][(c·KH + i)·KW + j] = x[n, c, oy·sh − ph + i·dh, ox·sw − pw + j·dw],
  /// `padding` outside the image: each output position's patch is one contiguous row, in
  /// the order of the weight's [C, KH, KW], as the GEMM's dot products want. One task is
  /// one output row (oy) of one sample, OW·C·KH·KW bytes that stay in L1 while each patch
  /// entry is written down the OW rows, with the in-image span worked out once per entry.
  static func im2row(_ x: UnsafePointer<UInt8>, padding: UInt8, rows: UnsafeMutablePointer<UInt8>, shape s: Conv2DShape) {
    let (oh, ow, patch) = (s.outHeight, s.outWidth, s.patch)
    let (h, w, c, kh, kw) = (s.height, s.width, s.inChannels, s.kernelH, s.kernelW)
    let (sh, sw, ph, pw, dh, dw) = (s.strideH, s.strideW, s.padH, s.padW, s.dilationH, s.dilationW)
    Parallel.forEach(count: s.batch * oh, minimumPerThread: max(1, 32768 / max(ow * patch, 1))) { tasks in
      for task in tasks {
        let n = task / oh, oy = task % oh
        let block = rows + task * ow * patch
        // Nested loops over (channel, i, j) rather than dividing r: three integer
        // divisions per entry cost more than the copy itself (measured 8×).
        var r = 0
        for ch in 0..<c {
          for i in 0..<kh {
            let iy = oy * sh - ph + i * dh
            for j in 0..<kw {
              let offset = j * dw - pw, dst = block + r
              r += 1
              guard iy >= 0, iy < h else {
                for ox in 0..<ow { dst[ox * patch] = padding }
                continue
              }
              let src = x + ((n * c + ch) * h + iy) * w + offset
              let (lo, hi) = ConvLayout.validRange(offset: offset, stride: sw, width: w, count: ow)
              for ox in 0..<lo { dst[ox * patch] = padding }
              for ox in lo..<hi { dst[ox * patch] = src[ox * sw] }
              for ox in hi..<ow { dst[ox * patch] = padding }
            }
          }
        }
      }
    }
  }

  /// The input with its padding written out (the zero point), for `im2rowBySegments`:
  /// each (n, c) plane becomes hp × wp bytes, exactly the rows and columns the windows
  /// read. Used when a window row is contiguous in x (dilationW = 1) and at most 8 bytes.
  struct PaddedInput {
    let hp: Int, wp: Int, planes: Int
    var count: Int { planes * hp * wp }

    init?(_ s: Conv2DShape) {
      guard s.dilationW == 1, (1...8).contains(s.kernelW), s.padH >= 0, s.padW >= 0, s.outHeight > 0, s.outWidth > 0
      else { return nil }
      hp = (s.outHeight - 1) * s.strideH + (s.kernelH - 1) * s.dilationH + 1
      wp = (s.outWidth - 1) * s.strideW + s.kernelW
      planes = s.batch * s.inChannels
    }

    /// padded[plane][py][px] = x[plane][py − padH][px − padW], `padding` outside the image.
    func fill(_ padded: UnsafeMutablePointer<UInt8>, from x: UnsafePointer<UInt8>, padding: UInt8, shape s: Conv2DShape) {
      let (h, w, ph, pw) = (s.height, s.width, s.padH, s.padW)
      let left = min(pw, wp), inside = max(0, min(w, wp - pw))
      Parallel.forEach(count: planes, minimumPerThread: max(1, 32768 / max(hp * wp, 1))) { range in
        for plane in range {
          for py in 0..<hp {
            let row = padded + (plane * hp + py) * wp, iy = py - ph
            guard iy >= 0, iy < h else {
              row.update(repeating: padding, count: wp)
              continue
            }
            row.update(repeating: padding, count: left)
            (row + left).update(from: x + (plane * h + iy) * w, count: inside)
            (row + left + inside).update(repeating: padding, count: wp - left - inside)
          }
        }
      }
    }
  }

  /// im2row from the padded input: each patch row is C·KH segments of KW contiguous bytes,
  /// one 8-byte load and store each (the store runs past the segment into the next ones,
  /// which overwrite it; the segments too close to the row's end for a word are copied
  /// byte by byte, so no store leaves the row). `im2row` writes one byte at a time down
  /// the columns: on the digits CNN at batch 64 it took 45% of the int8 forward pass.
  static func im2rowBySegments(
    _ padded: UnsafePointer<UInt8>, _ g: PaddedInput, rows: UnsafeMutablePointer<UInt8>, shape s: Conv2DShape
  ) {
    let (oh, ow, patch, kw) = (s.outHeight, s.outWidth, s.patch, s.kernelW)
    let segments = s.inChannels * s.kernelH
    // The first `wordSegments` segments of a row start at least 8 bytes before the row's
    // end (s·KW + 8 ≤ patch); the rest are copied byte by byte.
    let wordSegments = patch >= 8 ? (patch - 8) / kw + 1 : 0
    let (hp, wp, sh, sw) = (g.hp, g.wp, s.strideH, s.strideW)
    withUnsafeTemporaryAllocation(of: Int.self, capacity: segments) { offsets in
      // Segment (c, i) starts (c·hp + i·dh)·wp bytes after the window's corner.
      for ch in 0..<s.inChannels {
        for i in 0..<s.kernelH { offsets[ch * s.kernelH + i] = (ch * hp + i * s.dilationH) * wp }
      }
      let offsets = UnsafePointer(offsets.baseAddress!)
      Parallel.forEach(count: s.batch * oh, minimumPerThread: max(1, 32768 / max(ow * patch, 1))) { tasks in
        for task in tasks {
          let n = task / oh, oy = task % oh
          let top = UnsafeRawPointer(padded + n * s.inChannels * hp * wp + oy * sh * wp)
          for ox in 0..<ow {
            let row = UnsafeMutableRawPointer(rows + (task * ow + ox) * patch)
            let corner = top + ox * sw
            for segment in 0..<wordSegments {
              let word = (corner + offsets[segment]).loadUnaligned(as: UInt64.self)
              (row + segment &* kw).storeBytes(of: word, as: UInt64.self)
            }
            for segment in wordSegments..<segments {
              let (src, dst) = (corner + offsets[segment], row + segment &* kw)
              for j in 0..<kw { dst.storeBytes(of: src.load(fromByteOffset: j, as: UInt8.self), toByteOffset: j, as: UInt8.self) }
            }
          }
        }
      }
    }
  }
}

"""##########),
    ("Sources/DLCKernels/QuantizedGEMM.swift", ##########"""
import CInt8GEMM

/// The integer GEMM of the quantized kernels, C[r][o] = Σₖ xq[r][k] · wq[o][k] (uint8 ×
/// int8, exact Int32), is C with intrinsics (Sources/CInt8GEMM/int8_gemm.c): Swift at
/// `-target-cpu haswell` reaches vpmaddwd at half width only (~43 G multiply-adds/s per
/// core), the C kernels use vpdpbusd on AVX-512 VNNI (~500 G/s per core, measured on the
/// build machine), with AVX-512BW, AVX2 and portable fallbacks chosen at run time. This file
/// packs weights for it, builds its epilogue and splits it over threads.
extension Quantized {
  /// Bytes of an int8 weight [rows, columns] packed by `packWeights` (a conv weight [OC, C,
  /// KH, KW] is rows = OC, columns = C·KH·KW).
  public static func packedWeightCount(rows: Int, columns: Int) -> Int {
    dlc_u8s8_packed_size(Int32(rows), Int32(columns))
  }

  /// Packs the int8 weight wq [rows, columns] of `quantizeWeightsPerChannel` into the
  /// GEMM's layout (blocks of 16 rows × groups of 4 columns, zero-padded), once per weight:
  /// `packed` holds `packedWeightCount(rows:columns:)` bytes (64-byte aligned is fastest).
  public static func packWeights(
    _ wq: UnsafePointer<Int8>, rows: Int, columns: Int, into packed: UnsafeMutablePointer<Int8>
  ) {
    dlc_u8s8_pack_b(wq, Int32(rows), Int32(columns), packed)
  }

  /// The integer GEMM kernel this CPU runs: "avx512vnni", "avx512bw", "avx2" or
  /// "portable" (the environment variable DLC_INT8_KERNEL may pick a lesser one).
  public static var int8KernelName: String { String(cString: dlc_u8s8_kernel_name()) }
}

/// How the integer GEMM finishes acc[r][o] = Σₖ xq[r][k] · wq[o][k] − zx · rowSum[o]: the
/// float or the requantized formula of the scheme (Quantized.swift), stored at `layout`'s
/// offset. The C epilogue evaluates exactly the Swift formulas, in the same order.
enum Epilogue {
  /// Float results, or uint8 results requantized with these parameters.
  enum Output {
    case float(UnsafeMutablePointer<Float>)
    case uint8(UnsafeMutablePointer<UInt8>, AffineQuantization, relu: Bool)
  }

  /// Where result (r, o) goes.
  enum Layout {
    /// y[r · columns + o]: dense.
    case rowMajor(columns: Int)
    /// y[n, o, p] for r = n · positions + p: convolution over the whole batch, NCHW.
    case channelPlanes(positions: Int, channels: Int)
  }

  /// The C epilogue for activations x and a weight's per-row scales and sums.
  static func make(
    x: AffineQuantization, wScales: UnsafePointer<Float>, wRowSums: UnsafePointer<Int32>,
    bias: UnsafePointer<Float>?, output: Output, layout: Layout
  ) -> dlc_u8s8_epilogue {
    var e = dlc_u8s8_epilogue()
    (e.a_zero_point, e.a_scale, e.b_scales, e.b_row_sums, e.bias) = (x.zeroPoint, x.scale, wScales, wRowSums, bias)
    switch output {
    case .float(let y):
      (e.kind, e.y) = (DLC_U8S8_FLOAT, UnsafeMutableRawPointer(y))
    case .uint8(let yq, let p, let relu):
      (e.kind, e.y, e.y_scale, e.y_zero_point) = (DLC_U8S8_UINT8, UnsafeMutableRawPointer(yq), p.scale, p.zeroPoint)
      // Bounds on round(y / yScale), before the zero point is added.
      (e.lo, e.hi) = (relu ? 0 : Float(-p.zeroPoint), Float(255 - p.zeroPoint))
    }
    switch layout {
    case .rowMajor(let columns):
      (e.group_rows, e.group_stride, e.row_stride, e.column_stride) = (0, 0, columns, 1)
    case .channelPlanes(let positions, let channels):
      (e.group_rows, e.group_stride, e.row_stride, e.column_stride) = (positions, positions * channels, 1, positions)
    }
    return e
  }
}

/// Runs the C GEMM over xq [rows, depth] and a packed weight [columns, depth], split over
/// threads: by blocks of 24 rows (a multiple of every kernel's row tile), or, for fewer
/// than 48 rows, by blocks of 16 columns. Integer sums are exact, so the split never
/// changes a result.
enum IntegerGEMM {
  /// Multiply-adds below which a thread is not worth starting (~1.2 µs of dispatch at
  /// ~500 G/s, measured).
  static let minimumWork = 1 << 19
  /// Rows per unit of the row split.
  static let rowBlock = 24

  static func run(
    xq: UnsafePointer<UInt8>, wPacked: UnsafePointer<Int8>, rows: Int, columns: Int, depth k: Int,
    _ finish: dlc_u8s8_epilogue
  ) {
    guard rows > 0, columns > 0 else { return }
    let perRow = columns * max(k, 1)
    let part = { (rows: Range<Int>, columns: Range<Int>) in
      withUnsafePointer(to: finish) { e in
        dlc_u8s8_gemm_part(
          Int32(k), xq, Int32(k), wPacked, e, Int32(rows.lowerBound), Int32(rows.upperBound),
          Int32(columns.lowerBound), Int32(columns.upperBound))
      }
    }
    let blocks = (rows + rowBlock - 1) / rowBlock
    if blocks >= 2 {
      Parallel.forEach(count: blocks, minimumPerThread: max(1, minimumWork / (rowBlock * perRow))) { range in
        part(range.lowerBound * rowBlock..<min(rows, range.upperBound * rowBlock), 0..<columns)
      }
    } else {
      let columnBlocks = (columns + 15) / 16
      Parallel.forEach(count: columnBlocks, minimumPerThread: max(1, minimumWork / (16 * rows * max(k, 1)))) { range in
        part(0..<rows, range.lowerBound * 16..<min(columns, range.upperBound * 16))
      }
    }
  }
}

// MARK: Unpacked weights (transitional)

/// The signatures that took the unpacked weight `wq` [out, in]: they pack it on every call
/// (a copy of the whole weight), so callers should pack once with `packWeights` and pass
/// `wPacked`. Kept only while the interpreter moves over; to be deleted.
extension Quantized {
  /// Runs body on wq [rows, columns] packed into a temporary buffer.
  static func withPacked(
    _ wq: UnsafePointer<Int8>, rows: Int, columns: Int, _ body: (UnsafePointer<Int8>) -> Void
  ) {
    withUnsafeTemporaryAllocation(of: Int8.self, capacity: max(1, packedWeightCount(rows: rows, columns: columns))) {
      packWeights(wq, rows: rows, columns: columns, into: $0.baseAddress!)
      body($0.baseAddress!)
    }
  }





}

extension Quantized {
  /// An int8 weight [rows, columns] (a conv weight [OC, C, KH, KW] is rows = OC) made ready
  /// for the kernels: packed for the GEMM, with the row sums the zero-point correction
  /// needs. `prepare()` does both from the weight's current values; callers prepare once
  /// after the weights are loaded (quantized models are for inference only).
  public final class PreparedWeights: @unchecked Sendable {
    public let rows: Int
    public let columns: Int
    public let packed: UnsafeMutablePointer<Int8>
    public let rowSums: UnsafeMutablePointer<Int32>
    private let source: UnsafePointer<Int8>
    private var ready = false

    public init(_ q: UnsafePointer<Int8>, rows: Int, columns: Int) {
      (source, self.rows, self.columns) = (q, rows, columns)
      let bytes = max(Quantized.packedWeightCount(rows: rows, columns: columns), 1)
      packed = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64).bindMemory(to: Int8.self, capacity: bytes)
      rowSums = .allocate(capacity: max(rows, 1))
    }

    deinit {
      UnsafeMutableRawPointer(packed).deallocate()
      rowSums.deallocate()
    }

    /// Packs the weight and sums its rows, the first time only.
    @inline(__always)
    public func prepare() {
      guard !ready else { return }
      Quantized.packWeights(source, rows: rows, columns: columns, into: packed)
      for r in 0..<rows {
        var sum: Int32 = 0
        for k in 0..<columns { sum &+= Int32(source[r * columns + k]) }
        rowSums[r] = sum
      }
      ready = true
    }
  }
}

"""##########),
    ("Sources/DLCKernels/QuantizedObservers.swift", ##########"""
/// Calibration observers: they watch the activations of a few batches and propose the
/// [min, max] that `AffineQuantization(min:max:)` turns into a scale and zero point.
/// Both ignore NaN and ±∞ (an infinite bound would make every finite value quantize to
/// the zero point); an observer that has seen no finite value reports (0, 0).

import CInt8GEMM

/// The exact range of every finite value observed (PyTorch `MinMaxObserver`).
public struct MinMaxObserver: Sendable, Equatable {
  /// The least and greatest finite values seen; +∞/−∞ while none has been.
  var low = Float.infinity, high = -Float.infinity

  /// An observer that has seen nothing.
  public init() {}

  /// Widens the range to cover x's finite values (vectorized in C, split over threads when
  /// large; min and max do not depend on the order, up to the sign of a zero bound).
  public mutating func observe(_ x: UnsafePointer<Float>, count: Int) {
    let minimumPerThread = 1 << 16
    let chunks = Parallel.chunkCount(count: count, minimumPerThread: minimumPerThread)
    guard chunks > 1 else {
      dlc_f32_finite_range(x, count, &low, &high)
      return
    }
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * chunks) { bounds in
      Parallel.forEachChunk(count: count, minimumPerThread: minimumPerThread) { chunk, range in
        var (lo, hi) = (Float.infinity, -Float.infinity)
        dlc_f32_finite_range(x + range.lowerBound, range.count, &lo, &hi)
        (bounds[2 * chunk], bounds[2 * chunk + 1]) = (lo, hi)
      }
      for chunk in 0..<chunks {
        low = min(low, bounds[2 * chunk])
        high = max(high, bounds[2 * chunk + 1])
      }
    }
  }

  /// Whether any finite value has been seen.
  public var isEmpty: Bool { low > high }

  /// [min, max] of the values seen, (0, 0) before any.
  public var range: (min: Float, max: Float) { isEmpty ? (0, 0) : (low, high) }
}

/// A range that clips outliers: the (100 − p)-th and p-th percentiles of the values seen
/// (percentile calibration, Wu et al. 2020, "Integer Quantization for Deep Learning
/// Inference: Principles and Empirical Evaluation", §4.1), read off a histogram.
///
/// The histogram has a fixed 2048 bins of equal width over [lo, lo + 2048·width),
/// like PyTorch's `HistogramObserver` but simplified: the first batch sets lo and
/// width from its own min and max; a later value outside the range doubles the width
/// (merging bin pairs exactly), extending the range downward (the old range becomes the
/// upper half) or upward (the lower half), until it fits. Counts are integers and the
/// doublings depend only on the data in order, so the result is deterministic and the
/// memory is bounded; the price is a bin width up to 2× wider than the final range needs.
/// Within a bin, values are taken as uniform (linear interpolation), and the result is
/// clamped to the exact min and max seen.
public struct PercentileObserver: Sendable, Equatable {
  /// Bins in the histogram.
  public static let binCount = 2048

  /// The upper percentile in (0, 100], e.g. 99.99; the lower one is 100 − percentile.
  public let percentile: Double
  var counts = [UInt64](repeating: 0, count: binCount)
  var lo = 0.0, width = 0.0
  var extremes = MinMaxObserver()

  /// An observer for the `percentile`-th percentile (and the (100 − percentile)-th).
  public init(percentile: Double) {
    precondition(percentile > 0 && percentile <= 100, "percentile must be in (0, 100]")
    self.percentile = percentile
  }

  /// The width of one bin of the histogram now (0 before any value).
  public var binWidth: Double { width }

  /// Adds x's finite values to the histogram, widening it first if they fall outside.
  public mutating func observe(_ x: UnsafePointer<Float>, count: Int) {
    var batch = MinMaxObserver()
    batch.observe(x, count: count)
    guard !batch.isEmpty else { return }
    let (batchLow, batchHigh) = (Double(batch.low), Double(batch.high))
    if extremes.isEmpty {
      lo = batchLow
      width = (batchHigh - batchLow) / Double(Self.binCount)
      // One value repeated: any positive width will do; later values widen it.
      if width == 0 { width = max(abs(batchLow), 1) * 0x1p-20 }
    }
    while batchLow < lo { doubleWidth(downward: true) }
    while batchHigh > lo + width * Double(Self.binCount) { doubleWidth(downward: false) }
    let last = Self.binCount - 1
    counts.withUnsafeMutableBufferPointer { counts in
      for i in 0..<count where x[i].isFinite {
        let bin = Int(((Double(x[i]) - lo) / width).rounded(.down))
        counts[min(max(bin, 0), last)] += 1
      }
    }
    extremes.observe(x, count: count)
  }

  /// Doubles the bin width, merging bin pairs; the old range becomes the upper half of
  /// the new one when extending downward, the lower half otherwise.
  mutating func doubleWidth(downward: Bool) {
    let half = Self.binCount / 2
    var merged = [UInt64](repeating: 0, count: Self.binCount)
    let base = downward ? half : 0
    for i in 0..<half { merged[base + i] = counts[2 * i] + counts[2 * i + 1] }
    if downward { lo -= Double(Self.binCount) * width }
    width *= 2
    counts = merged
  }

  /// The value below which a fraction q of the observed values lie, interpolated within
  /// its bin and clamped to the exact extremes.
  func quantile(_ q: Double) -> Float {
    let total = counts.reduce(0, +)
    let target = q * Double(total)
    var below = 0.0
    var value = lo + width * Double(Self.binCount)
    for (bin, count) in counts.enumerated() where count > 0 {
      let c = Double(count)
      if below + c >= target {
        value = lo + (Double(bin) + (target - below) / c) * width
        break
      }
      below += c
    }
    return min(max(Float(value), extremes.low), extremes.high)
  }

  /// [the (100 − p)-th percentile, the p-th percentile] of the values seen, (0, 0) before any.
  public var range: (min: Float, max: Float) {
    guard !extremes.isEmpty else { return (0, 0) }
    return (quantile(1 - percentile / 100), quantile(percentile / 100))
  }
}

"""##########),
    ("Sources/DLCKernels/Random.swift", ##########"""
import Foundation

/// The one random number generator of dlc: Philox4x32-10, a counter-based generator
/// (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3", SC'11; constants
/// from the Random123 reference code).
///
/// A counter-based generator has no state to carry: the numbers for (seed, purpose, id,
/// step, index) are a pure function of those values. So initialization, the split,
/// shuffling and dropout draw from separate, reproducible streams, a resumed run draws
/// exactly what the uninterrupted run drew, and the interpreter and an emitted trainer
/// agree to the bit. Any element of a stream can be computed on its own, in any order
/// and on any thread.

/// What a stream is used for; part of the key, so streams of different purposes never
/// overlap even with equal ids.
public enum RandomPurpose: UInt32, Sendable {
  /// Parameter initialization; id = the parameter's index in the module.
  case initialization = 1
  /// The holdout split; id = 0.
  case split = 2
  /// The order of training samples; id = the epoch (0-based).
  case shuffle = 3
  /// Dropout masks; id = the op's `stream` attribute, step = the optimizer step.
  case dropout = 4
  /// Data augmentation; id = the augmentation's index, step = the optimizer step.
  case augmentation = 5
}

/// Philox4x32-10: four 32-bit words of counter, two of key, ten rounds.
public enum Philox4x32 {
  /// The four output words for `counter` under `key`.
  @inlinable @inline(__always)
  public static func block(
    _ counter: (UInt32, UInt32, UInt32, UInt32), key: (UInt32, UInt32)
  ) -> (UInt32, UInt32, UInt32, UInt32) {
    var (c0, c1, c2, c3) = counter
    var (k0, k1) = key
    for round in 0..<10 {
      if round > 0 {
        k0 &+= 0x9E37_79B9  // golden ratio
        k1 &+= 0xBB67_AE85  // √3 − 1
      }
      let p0 = UInt64(0xD251_1F53) &* UInt64(c0)
      let p1 = UInt64(0xCD9E_8D57) &* UInt64(c2)
      let (hi0, lo0) = (UInt32(truncatingIfNeeded: p0 >> 32), UInt32(truncatingIfNeeded: p0))
      let (hi1, lo1) = (UInt32(truncatingIfNeeded: p1 >> 32), UInt32(truncatingIfNeeded: p1))
      (c0, c1, c2, c3) = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0)
    }
    return (c0, c1, c2, c3)
  }
}

/// One reproducible stream of random numbers, addressed by element index.
///
/// Key = the seed; counter = (index / 4, purpose ⊕ id, step low, step high) mixed as
/// below. Element i is word i mod 4 of the block at i / 4.
public struct RandomStream: Sendable, Hashable {
  public let seed: UInt64
  public let purpose: RandomPurpose
  public let id: UInt64
  public let step: UInt64

  public init(seed: UInt64, purpose: RandomPurpose, id: UInt64 = 0, step: UInt64 = 0) {
    self.seed = seed
    self.purpose = purpose
    self.id = id
    self.step = step
  }

  @usableFromInline @inline(__always)
  var key: (UInt32, UInt32) { (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)) }

  /// The block of four words at block index `b`.
  @inlinable @inline(__always)
  public func block(_ b: Int) -> (UInt32, UInt32, UInt32, UInt32) {
    // Word 1 carries the purpose in its top byte and the id below it; id and step have
    // 56 and 64 bits of room, far beyond any run.
    let tag = (purpose.rawValue << 24) ^ UInt32(truncatingIfNeeded: id) ^ UInt32(truncatingIfNeeded: id >> 32) &* 0x0100_0193
    let counter = (
      UInt32(truncatingIfNeeded: b), tag ^ UInt32(truncatingIfNeeded: UInt64(b) >> 32),
      UInt32(truncatingIfNeeded: step), UInt32(truncatingIfNeeded: step >> 32)
    )
    return Philox4x32.block(counter, key: key)
  }

  /// The 32 random bits at element `index`.
  @inline(__always)
  public func uint32(at index: Int) -> UInt32 {
    let w = block(index >> 2)
    switch index & 3 {
    case 0: return w.0
    case 1: return w.1
    case 2: return w.2
    default: return w.3
    }
  }

  /// A uniform number in [0, 1) at `index`: the top 24 bits, so every value is exact.
  @inline(__always)
  public func uniform(at index: Int) -> Float { Float(uint32(at: index) >> 8) * 0x1p-24 }

  /// A standard normal number at `index` by Box–Muller (Box & Muller 1958) from the
  /// two uniforms of half a block: u1 in (0, 1], so the logarithm is finite.
  @inline(__always)
  public func normal(at index: Int) -> Float {
    let w = block(index >> 1)
    let (a, b) = (index & 1) == 0 ? (w.0, w.1) : (w.2, w.3)
    let u1 = Double((a >> 8) + 1) * 0x1p-24
    let u2 = Double(b >> 8) * 0x1p-24
    return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
  }

  /// A uniform integer in 0..<bound at `index` (Lemire's multiply-shift; the bias is
  /// below 2⁻³² · bound, immaterial for shuffling data sets).
  @inline(__always)
  public func integer(below bound: Int, at index: Int) -> Int {
    let w = block(index >> 1)
    let (a, b) = (index & 1) == 0 ? (w.0, w.1) : (w.2, w.3)
    let x = UInt64(a) << 32 | UInt64(b)
    return Int(x.multipliedFullWidth(by: UInt64(bound)).high)
  }

  /// A permutation of 0..<count (Fisher–Yates, Knuth vol. 2 §3.4.2, drawing element i
  /// for position i).
  public func permutation(_ count: Int) -> [Int] {
    var order = Array(0..<count)
    var i = count - 1
    while i > 0 {
      let j = integer(below: i + 1, at: i)
      order.swapAt(i, j)
      i -= 1
    }
    return order
  }
}


"""##########),
    ("Sources/DLCKernels/Reduction.swift", ##########"""
/// Sums shared by the kernels that reduce over rows or positions.
enum Reduction {
  /// Σ p[0..<count], with 16 lanes of partial sums so the loop vectorizes.
  @inline(__always)
  static func sum(_ p: UnsafePointer<Float>, count: Int) -> Float {
    let raw = UnsafeRawPointer(p)
    var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>()
    var i = 0
    while i + 16 <= count {
      acc0 += raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
      acc1 += raw.loadUnaligned(fromByteOffset: (i &+ 8) &* 4, as: SIMD8<Float>.self)
      i &+= 16
    }
    var total = (acc0 + acc1).sum()
    while i < count {
      total += p[i]
      i &+= 1
    }
    return total
  }

  /// out[j] = Σᵢ a[i·stride + j] for j < columns; rows are added in order, vectorized
  /// across columns.
  static func columnSums(
    _ a: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
    rows: Int, columns: Int, stride: Int
  ) {
    out.update(repeating: 0, count: columns)
    for r in 0..<rows {
      let row = a + r &* stride
      for j in 0..<columns { out[j] += row[j] }
    }
  }
}

"""##########),
    ("Sources/DLCKernels/Scalar.swift", ##########"""
/// The per-element formulas of dropout (the activations' are `PointwiseFormula` types).
///
/// `DropoutKernel` and the emitted trainers' fused loops both call these, so a fused loop
/// computes every element with exactly the kernel's arithmetic (same operations in the
/// same order, in Float32) and the results agree to the bit. They are `@inline(__always)`
/// and branch-free, so loops over them vectorize.
public enum Scalar {
  // MARK: dropout

  /// The dropout factors of the four elements a Philox block serves: `scale` (1/(1 − rate))
  /// where the element is kept, 0 where it is dropped. Element i is kept when its word w
  /// gives (w >> 8) · 2⁻²⁴ ≥ rate, the test of `RandomStream.uniform(at:) >= rate`.
  ///
  /// Arithmetic, not a select: ⌊u − rate⌋ + 1 is 1 when u ≥ rate and 0 when u < rate
  /// (u and rate are floats in [0, 1), so u − rate is never rounded across 0 or up to 1).
  /// Selects, even vector ones, were scalarized by the compiler into one branch per
  /// element in fused loops; on a random condition they mispredicted about one element
  /// in five and made the emitted BN MLP's step 15–30% slower than the kernels'.
  @inlinable @inline(__always)
  public static func dropoutFactors(_ block: (UInt32, UInt32, UInt32, UInt32), rate: Float, scale: Float) -> SIMD4<Float> {
    let u = SIMD4<Float>(SIMD4<UInt32>(block.0, block.1, block.2, block.3) &>> 8) * 0x1p-24
    return ((u - rate).rounded(.down) + 1) * scale
  }

  /// x · factor, with a factor from `dropoutFactors` (inverted dropout). As in PyTorch, a
  /// dropped element is x · 0: −0 for a negative x, NaN for a NaN or infinite x.
  @inline(__always) public static func dropout(_ x: Float, factor: Float) -> Float { x * factor }
}

"""##########),
    ("Sources/DLCKernels/Softmax.swift", ##########"""
import Foundation

/// Softmax over the middle axis of a `[outer, axis, inner]` tensor and its VJP.
///
/// Stable form: yᵢ = e^(xᵢ − m) / Σⱼ e^(xⱼ − m) with m = maxⱼ xⱼ, so no exponent
/// overflows (Goodfellow et al., "Deep Learning" §4.1). The last-axis case (`inner` = 1)
/// walks contiguous rows; otherwise each (outer, inner) line is strided by `inner`.
public enum SoftmaxKernel {
  /// Lines × axis elements per thread below which the work stays on the calling thread.
  static let grain = 16_384

  /// y = softmax(x) along the middle axis.
  public static func forward(
    x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, outer: Int, axis: Int, inner: Int
  ) {
    guard axis > 0 else { return }
    let lines = outer * inner
    Parallel.forEach(count: lines, minimumPerThread: max(1, grain / axis)) { range in
      for line in range {
        let (o, j) = line.quotientAndRemainder(dividingBy: inner)
        let base = o * axis * inner + j
        forwardLine(x: x + base, y: y + base, axis: axis, stride: inner)
      }
    }
  }

  /// dx = y ⊙ (dy − Σ dy ⊙ y) along the middle axis, from the forward result y.
  public static func backward(
    dy: UnsafePointer<Float>, y: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
    outer: Int, axis: Int, inner: Int
  ) {
    guard axis > 0 else { return }
    let lines = outer * inner
    Parallel.forEach(count: lines, minimumPerThread: max(1, grain / axis)) { range in
      for line in range {
        let (o, j) = line.quotientAndRemainder(dividingBy: inner)
        let base = o * axis * inner + j
        backwardLine(dy: dy + base, y: y + base, dx: dx + base, axis: axis, stride: inner)
      }
    }
  }

  /// Softmax of one line of `axis` elements `stride` apart.
  @inline(__always)
  static func forwardLine(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, axis: Int, stride: Int) {
    var m = -Float.infinity
    for a in 0..<axis { m = max(m, x[a * stride]) }
    // All −∞ (a fully masked line): shift by 0 so the result is NaN-free where possible.
    if m == -.infinity { m = 0 }
    var sum: Float = 0
    for a in 0..<axis {
      let e = VectorMath.exp(x[a * stride] - m)
      y[a * stride] = e
      sum += e
    }
    let scale = 1 / sum
    for a in 0..<axis { y[a * stride] *= scale }
  }

  /// The VJP of one line of `axis` elements `stride` apart.
  @inline(__always)
  static func backwardLine(
    dy: UnsafePointer<Float>, y: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, axis: Int, stride: Int
  ) {
    var dot: Float = 0
    for a in 0..<axis { dot += dy[a * stride] * y[a * stride] }
    for a in 0..<axis { dx[a * stride] = y[a * stride] * (dy[a * stride] - dot) }
  }
}

"""##########),
    ("Sources/DLCKernels/VectorMath.swift", ##########"""
/// exp, erf and tanh for Float32 written as straight-line arithmetic, so loops that call
/// them vectorize (libm's `expf`/`erff` are one call per element and keep a loop scalar).

/// Vectorizable scalar functions.
public enum VectorMath {
  /// e^x to about 2 ulp: x = n·ln 2 + r with |r| ≤ ln 2 / 2 (Cody–Waite split of ln 2),
  /// e^r by a degree-6 Taylor polynomial (remainder below 2⁻²⁴ on that interval), and
  /// 2ⁿ built in the exponent bits. Inputs are clamped to [−87.3, 88.3], where e^x is a
  /// normal Float; below −87.3 the result is 0 (no subnormals), above 88.3 it is e^88.3.
  @inline(__always)
  public static func exp(_ x: Float) -> Float {
    let clamped = min(max(x, -87.3), 88.3)
    // Adding 1.5·2²³ rounds to an integer held in the low mantissa bits, branch-free
    // (a Float-to-Int conversion would carry an overflow trap and keep loops scalar).
    let shifted = clamped * 1.442_695_04 + 12_582_912
    let n = shifted - 12_582_912
    // ln 2 = 0.693359375 − 2.12194440e-4, the first part exact in 8 bits.
    let r = (clamped - n * 0.693_359_375) - n * -2.121_944_4e-4
    var p: Float = 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let exponent = (shifted.bitPattern &- 0x4B40_0000 &+ 127) &<< 23
    let scale = Float(bitPattern: exponent)
    return x < -87.3 ? 0 : p * scale
  }

  /// erf(x) to about 1e-7 absolute: the odd/even rational minimax approximation on
  /// [−4, 4] used by Eigen and XLA for float (outside it erf is ±1 in Float).
  @inline(__always)
  public static func erf(_ x: Float) -> Float {
    let c = min(max(x, -4), 4)
    let x2 = c * c
    var p: Float = -2.726_142_258_013_06e-10
    p = p * x2 + 2.770_681_424_959_02e-08
    p = p * x2 + -2.101_024_020_825_08e-06
    p = p * x2 + -5.692_506_394_623_46e-05
    p = p * x2 + -7.349_906_303_268_55e-04
    p = p * x2 + -2.954_599_808_540_25e-03
    p = p * x2 + -1.609_603_332_624_15e-02
    p *= c
    var q: Float = -1.456_607_184_649_96e-05
    q = q * x2 + -2.133_740_552_789_05e-04
    q = q * x2 + -1.682_826_974_382_03e-03
    q = q * x2 + -7.373_329_167_204_68e-03
    q = q * x2 + -1.426_473_905_141_89e-02
    return p / q
  }

  /// tanh(x) = 1 − 2 / (e^{2x} + 1), odd by construction; below |x| = 0.3 that form
  /// cancels, so there the Taylor series to x⁹ is used (remainder < 2e-8 relative).
  @inline(__always)
  public static func tanh(_ x: Float) -> Float {
    let a = abs(x)
    let a2 = a * a
    var series: Float = 62.0 / 2835
    series = series * a2 - 17.0 / 315
    series = series * a2 + 2.0 / 15
    series = series * a2 - 1.0 / 3
    series = (series * a2 + 1) * a
    let t = a < 0.3 ? series : 1 - 2 / (exp(2 * a) + 1)
    return x < 0 ? -t : t
  }
}

"""##########),
    ("Sources/DLCKernels/WorkerPool.swift", ##########"""
import Dispatch
import Glibc
import Synchronization

/// The threads `Parallel` splits loops over: one caller plus `workers.count` threads that
/// stay alive between loops. A worker that has just finished spins for a while before it
/// sleeps, so the back-to-back splits of a training step (a GEMM, then an activation, then
/// the next GEMM) start without waking a thread each time; `DispatchQueue.concurrentPerform`
/// paid that wake-up on every split (about a tenth of a transformer step).
///
/// One split runs at a time: a split started while another runs (from another thread, or
/// nested inside a chunk) runs its chunks on the calling thread, in order. Chunks touch
/// disjoint data and their count does not depend on who runs them, so results are the same.
final class WorkerPool: @unchecked Sendable {
  /// The pool for `Parallel.threads` threads (created on first use).
  static let shared = WorkerPool(threads: Parallel.threads)

  /// Bumped to start a split; each worker runs chunk `index` of it.
  private let generation = Atomic<Int>(0)
  /// Workers done with the current split.
  private let finished = Atomic<Int>(0)
  /// Whether a split is running (the pool takes one at a time).
  private let busy = Atomic<Bool>(false)
  private let sleepers: [Sleeper]
  /// The current split's body and chunk count, written before `generation` is bumped.
  nonisolated(unsafe) private var body: ((Int) -> Void)?
  nonisolated(unsafe) private var chunks = 0

  /// Spins before a worker sleeps (a few microseconds): long enough to bridge the gap
  /// between the splits of one step, and between the forward passes of back-to-back batch 1
  /// inference (at 2,000 spins one pass in ten woke the worker: p90 34 µs against a median
  /// of 8.8 µs on the folded 784-512-10 MLP; at 6,000, p90 9 µs), short enough not to slow
  /// the caller's serial work (6,000 measured equal to 2,000 on the five training
  /// benchmarks; 20,000 cost the 784-wide MLPs a fifth of their speed).
  private static let spins = 6_000

  /// Worker threads that started (a failed `pthread_create` leaves fewer).
  private var started = 0

  init(threads: Int) {
    sleepers = (0..<max(0, threads - 1)).map { _ in Sleeper() }
    for (i, sleeper) in sleepers.enumerated() {
      // The worker keeps the pool alive: the shared pool lives as long as the process.
      let start = Unmanaged.passRetained(Start(index: i + 1, pool: self, sleeper: sleeper)).toOpaque()
      var thread = pthread_t()
      let created = pthread_create(&thread, nil, { context in
        let start = Unmanaged<Start>.fromOpaque(context!).takeRetainedValue()
        start.pool.work(index: start.index, sleeper: start.sleeper)
        return nil
      }, start)
      guard created == 0 else {
        Unmanaged<Start>.fromOpaque(start).release()
        break
      }
      pthread_detach(thread)
      started += 1
    }
  }

  /// How many chunks run at once: the caller and the workers.
  var width: Int { started + 1 }

  /// Runs `body(chunk)` for chunk in 0..<chunks, at most `width` chunks, spread over the
  /// caller (chunk 0) and the workers; returns when all are done.
  func run(chunks: Int, _ body: (Int) -> Void) {
    guard chunks > 1, chunks <= width, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
      for c in 0..<chunks { body(c) }
      return
    }
    withoutActuallyEscaping(body) { body in
      self.body = body
      self.chunks = chunks
      finished.store(0, ordering: .relaxed)
      generation.add(1, ordering: .sequentiallyConsistent)
      for (i, sleeper) in sleepers.enumerated() where i + 1 < chunks { sleeper.wakeIfSleeping() }
      body(0)
      let helpers = chunks - 1
      while finished.load(ordering: .acquiring) < helpers {}
      self.body = nil
    }
    busy.store(false, ordering: .releasing)
  }

  /// One worker's loop: wait for a new generation (spinning, then sleeping), run its chunk.
  fileprivate func work(index: Int, sleeper: Sleeper) {
    var seen = 0
    while true {
      var spun = 0
      while generation.load(ordering: .acquiring) == seen {
        spun += 1
        if spun >= Self.spins {
          sleeper.sleep { self.generation.load(ordering: .sequentiallyConsistent) != seen }
          spun = 0
        }
      }
      seen = generation.load(ordering: .acquiring)
      if index < chunks {
        runChunk(index)
        finished.add(1, ordering: .releasing)
      }
    }
  }

  /// Runs chunk `index` of the current split. Not inlined, so the worker's reference to
  /// the body is released before the caller can see the chunk finished (the body only
  /// borrows the caller's closure, which must not outlive `run`).
  @inline(never)
  private func runChunk(_ index: Int) {
    body?(index)
  }

  /// A worker's way to sleep without missing a wake-up.
  fileprivate final class Sleeper: @unchecked Sendable {
    private let asleep = Atomic<Bool>(false)
    private let semaphore = DispatchSemaphore(value: 0)

    /// Sleeps unless `ready()` turns true after announcing it (then returns at once).
    func sleep(unless ready: () -> Bool) {
      asleep.store(true, ordering: .sequentiallyConsistent)
      if !ready() { semaphore.wait() }
      asleep.store(false, ordering: .sequentiallyConsistent)
    }

    /// Signals the worker if it announced sleep (an extra signal only costs a loop turn).
    func wakeIfSleeping() {
      if asleep.load(ordering: .sequentiallyConsistent) { semaphore.signal() }
    }
  }

  /// What a worker thread starts with.
  private final class Start {
    let index: Int
    let pool: WorkerPool
    let sleeper: Sleeper
    init(index: Int, pool: WorkerPool, sleeper: Sleeper) { (self.index, self.pool, self.sleeper) = (index, pool, sleeper) }
  }
}

"""##########),
    ("Sources/DLCTraining/Checkpoint/AtomicFile.swift", ##########"""
/// Writing files so that a crash leaves either the old file or the new one, never a mix.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Atomic replacement and folder creation, on POSIX calls.
enum AtomicFile {
  /// Why a system call failed, as text.
  struct Failure: Error {
    var reason: String
  }

  /// Writes `bytes` to `path` atomically: a temporary file in the same folder, written
  /// in full, `fsync`ed, renamed over `path`, then the folder `fsync`ed so the rename
  /// itself survives a crash.
  /// Without `sync`, neither the file nor the folder is `fsync`ed: the rename still keeps
  /// readers from seeing half a file, but a crash may lose it (for files made again easily).
  static func replace(_ path: String, with bytes: [UInt8], sync: Bool = true) throws(Failure) {
    let dir = directory(of: path)
    var template = Array((dir + "/." + base(of: path) + ".tmp-XXXXXX").utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else { throw Failure(reason: errnoText()) }
    let tempPath = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    do throws(Failure) {
      try writeAll(fd, bytes)
      guard !sync || fsync(fd) == 0 else { throw Failure(reason: errnoText()) }
    } catch {
      close(fd)
      unlink(tempPath)
      throw error
    }
    guard close(fd) == 0 else {
      let reason = errnoText()
      unlink(tempPath)
      throw Failure(reason: reason)
    }
    guard rename(tempPath, path) == 0 else {
      let reason = errnoText()
      unlink(tempPath)
      throw Failure(reason: reason)
    }
    guard sync else { return }
    let dfd = open(dir, O_RDONLY)
    if dfd >= 0 {
      _ = fsync(dfd)
      close(dfd)
    }
  }

  /// Writes every byte, retrying short writes and interruptions.
  static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(Failure) {
    var done = 0
    while done < bytes.count {
      let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, bytes.count - done) }
      if n < 0 {
        if errno == EINTR { continue }
        throw Failure(reason: errnoText())
      }
      done += n
    }
  }

  /// Creates `path` and its missing parents (like `mkdir -p`).
  static func createDirectories(_ path: String) throws(Failure) {
    var current = path.hasPrefix("/") ? "" : "."
    for part in path.split(separator: "/") {
      current += "/" + part
      if mkdir(current, 0o755) != 0, errno != EEXIST { throw Failure(reason: errnoText()) }
    }
  }

  /// The folder part of `path` (`.` when there is none).
  static func directory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
  }

  /// The file-name part of `path`.
  static func base(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return path }
    return String(path[path.index(after: slash)...])
  }

  /// `errno` as lowercase text.
  static func errnoText() -> String {
    let text = String(cString: strerror(errno))
    guard let first = text.first else { return text }
    return first.lowercased() + text.dropFirst()
  }
}

"""##########),
    ("Sources/DLCTraining/Checkpoint/Checkpoint.swift", ##########"""
/// A checkpoint: named tensors and string metadata in one safetensors file.
///
/// dlc stores the parameters under their IR names (`dense_1.weight`), optimizer state
/// under the names `autodiff` gives it (`dense_1.weight.exp_avg`), preprocessing
/// statistics under `preprocess.` (`preprocess.mean`), and the run's facts in the
/// metadata under the keys of `Checkpoint.Key`. numpy and PyTorch read the file as is.

/// Named tensors plus metadata, saved and loaded as safetensors.
public struct Checkpoint: Sendable, Equatable {
  public var tensors: [String: TensorData]
  public var metadata: [String: String]

  public init(tensors: [String: TensorData] = [:], metadata: [String: String] = [:]) {
    self.tensors = tensors
    self.metadata = metadata
  }

  /// The metadata keys dlc writes (values are strings; numbers in decimal).
  public enum Key {
    /// The spec's YAML text.
    public static let spec = "dlc.spec"
    /// The module's IR text.
    public static let ir = "dlc.ir"
    /// The deployment passes an optimized checkpoint went through, comma-separated
    /// (`fold-batchnorm,quantize`); its IR is then the optimized one.
    public static let passes = "dlc.passes"
    /// Completed epochs.
    public static let epoch = "dlc.epoch"
    /// Completed optimizer steps.
    public static let step = "dlc.step"
    /// The module seed.
    public static let seed = "dlc.seed"
    /// Where the random streams stand (the counters they are addressed by).
    public static let rngPosition = "dlc.rng_position"
    /// Early stopping's best value, its epoch and the epochs waited, as JSON.
    public static let earlyStopping = "dlc.early_stopping"
    /// Which epoch `best.safetensors` holds: the monitored metric, its best value and
    /// epoch, as JSON (the early-stopping state's form).
    public static let best = "dlc.best"
    /// The dlc version that wrote the file.
    public static let version = "dlc.version"
  }

  /// The safetensors bytes of this checkpoint (deterministic: sorted names and keys).
  public func encoded() -> [UInt8] { Safetensors.encode(tensors: tensors, metadata: metadata) }

  /// A checkpoint from safetensors bytes; `path` names the file in errors.
  public init(decoding bytes: [UInt8], path: String = "") throws(DataError) {
    (tensors, metadata) = try Safetensors.decode(bytes, path: path)
    try SparseTensors.expand(&tensors, metadata: &metadata, path: path)
  }

  /// Reads the checkpoint at `path`.
  public init(contentsOf path: String) throws(DataError) {
    try self.init(decoding: try DataFile.read(path), path: path)
  }

  /// Writes the checkpoint to `path` atomically, creating its folder if needed.
  public func write(to path: String) throws(DataError) {
    do {
      try AtomicFile.createDirectories(AtomicFile.directory(of: path))
      try AtomicFile.replace(path, with: encoded())
    } catch {
      throw .checkpointWrite(path, error.reason)
    }
  }

  /// The tensor `name`, or `checkpoint.missingTensor`.
  public func tensor(_ name: String, path: String = "") throws(DataError) -> TensorData {
    guard let t = tensors[name] else { throw .checkpointMissing(path, name) }
    return t
  }
}

"""##########),
    ("Sources/DLCTraining/Checkpoint/CheckpointCheck.swift", ##########"""
/// Checks a checkpoint against the run that is about to use it, before any of it is used.
///
/// In: a decoded checkpoint, its path, the run (spec name, normalization, feature count)
/// and what the command does with it. Out: the run facts of its metadata (seed, epoch,
/// step), or a `DataError` naming the file and the field. Every command that reads a
/// checkpoint of its own spec goes through here: `eval`, `predict`, `latency`,
/// `optimize`, `train --resume`, and the emitted trainer's commands; a checkpoint that
/// passes cannot make them silently wrong (another spec's weights of equal shapes,
/// missing statistics that would skip normalization, a NaN weight, a metadata field that
/// would restart or overflow the run).
public enum CheckpointCheck {
  /// What the command does with the checkpoint: it decides which metadata must be there.
  public enum Use: Sendable {
    /// `predict`, `latency`: the weights and the preprocessing statistics.
    case predict
    /// `eval`, `optimize`: also `dlc.seed`, which re-creates the split.
    case evaluate
    /// `train --resume`: also `dlc.epoch` and `dlc.step`, where the run continues.
    case resume
  }

  /// The run's facts as the metadata states them (nil when absent and not needed).
  public struct Facts: Sendable, Equatable {
    public var seed: UInt64?
    public var epoch: Int?
    public var step: Int?
  }

  /// Checks `checkpoint` (read from `path`) for `run`; see the type's summary.
  @discardableResult
  public static func check(_ checkpoint: Checkpoint, path: String, run: RunDescription, use: Use) throws(DataError) -> Facts {
    try checkSpec(checkpoint, path: path, run: run)
    let facts = try metadata(checkpoint, path: path, use: use)
    try checkPreprocessing(checkpoint, path: path, run: run)
    try checkFinite(checkpoint, path: path)
    return facts
  }

  // MARK: steps

  /// The spec the checkpoint names (its stored spec text, else its IR) must be this run's.
  static func checkSpec(_ checkpoint: Checkpoint, path: String, run: RunDescription) throws(DataError) {
    let stored = checkpoint.metadata[Checkpoint.Key.spec].flatMap(specName) ?? checkpoint.metadata[Checkpoint.Key.ir].flatMap(irName)
    if let stored, !run.name.isEmpty, stored != run.name {
      throw .checkpointOtherSpec(path, stored: stored, current: run.name)
    }
  }

  /// Reads and validates every run fact of the metadata; `use` says which must be present.
  static func metadata(_ checkpoint: Checkpoint, path: String, use: Use) throws(DataError) -> Facts {
    let m = checkpoint.metadata
    var facts = Facts()
    if let text = m[Checkpoint.Key.seed] {
      guard let seed = UInt64(text), text.first != "+" else {
        throw .checkpointMetadata(path, Checkpoint.Key.seed, "is '\(excerpt(text))', not a whole number from 0 to \(UInt64.max)")
      }
      facts.seed = seed
    } else if use != .predict {
      throw .checkpointMetadata(path, Checkpoint.Key.seed, "is missing; the split cannot be re-created without the run's seed")
    }
    facts.epoch = try count(m, Checkpoint.Key.epoch, path: path, least: use == .resume ? 1 : 0)
    facts.step = try count(m, Checkpoint.Key.step, path: path, least: 0)
    if use == .resume {
      guard facts.epoch != nil else {
        throw .checkpointMetadata(path, Checkpoint.Key.epoch, "is missing; without it the run would restart at epoch 1 with trained weights")
      }
      guard facts.step != nil else {
        throw .checkpointMetadata(path, Checkpoint.Key.step, "is missing; without it the learning-rate schedule would restart")
      }
    }
    if let position = m[Checkpoint.Key.rngPosition], let epoch = facts.epoch, let step = facts.step {
      let expected = "{\"epoch\":\(epoch),\"step\":\(step)}"
      guard position == expected else {
        throw .checkpointMetadata(path, Checkpoint.Key.rngPosition, "is '\(excerpt(position))', not '\(expected)' as 'dlc.epoch' and 'dlc.step' say")
      }
    }
    return facts
  }

  /// A non-negative decimal count at `key` (nil when absent), at least `least`.
  static func count(_ m: [String: String], _ key: String, path: String, least: Int) throws(DataError) -> Int? {
    guard let text = m[key] else { return nil }
    guard let n = Int(text), n >= least, text.first != "+" else {
      throw .checkpointMetadata(path, key, "is '\(excerpt(text))', not a whole number from \(least) to \(Int.max)")
    }
    return n
  }

  /// The statistics the spec normalizes with must be there, of the feature count, and no others.
  static func checkPreprocessing(_ checkpoint: Checkpoint, path: String, run: RunDescription) throws(DataError) {
    let kinds: [(Normalization, [String])] = [(.standardize, ["mean", "std"]), (.minmax, ["min", "range"])]
    let features = run.data.features > 0 ? run.data.features : run.inputShape.reduce(1, *)
    for (kind, names) in kinds {
      let wanted = run.data.normalize == kind
      for name in names {
        let key = "preprocess." + name
        switch (wanted, checkpoint.tensors[key]) {
        case (true, nil):
          throw .checkpointPreprocessing(path, "the checkpoint has no tensor '\(key)'; the spec normalizes with '\(kind.rawValue)', so its data would not be normalized")
        case (false, .some):
          throw .checkpointPreprocessing(path, "the checkpoint holds '\(key)' of '\(kind.rawValue)' normalization; the spec normalizes with '\(run.data.normalize.rawValue)'")
        case (true, .some(let t)):
          guard t.floats()?.count == features else {
            throw .checkpointPreprocessing(path, "tensor '\(key)' has shape \(shapeText(t.shape)) and type \(t.dtype.rawValue); the spec's \(features) features need [\(features)] F32")
          }
        case (false, nil): break
        }
      }
    }
    if run.data.standardizeTargets {
      for key in ["preprocess.target_mean", "preprocess.target_std"] where checkpoint.tensors[key]?.floats() == nil {
        throw .checkpointPreprocessing(path, "the checkpoint has no tensor '\(key)'; the spec standardizes its targets ('normalize_target')")
      }
    }
  }

  /// Every floating-point tensor holds finite numbers only.
  static func checkFinite(_ checkpoint: Checkpoint, path: String) throws(DataError) {
    for name in checkpoint.tensors.keys.sorted() {
      let tensor = checkpoint.tensors[name]!
      guard [.F64, .F32, .F16, .BF16].contains(tensor.dtype), let values = tensor.floats() else { continue }
      if let i = values.firstIndex(where: { !$0.isFinite }) { throw .checkpointNonFinite(path, name, i, values[i]) }
    }
  }

  // MARK: names

  /// The top-level `name:` of a spec's YAML text, unquoted, without a comment.
  static func specName(_ text: String) -> String? {
    for line in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
    where line.hasPrefix("name:") {
      var value = Substring(line.dropFirst(5))
      if let hash = value.range(of: " #") { value = value[..<hash.lowerBound] }
      while let c = value.first, c == " " || c == "\t" { value = value.dropFirst() }
      while let c = value.last, c == " " || c == "\t" { value = value.dropLast() }
      if value.count >= 2, let q = value.first, q == "'" || q == "\"", value.last == q { value = value.dropFirst().dropLast() }
      return value.isEmpty ? nil : String(value)
    }
    return nil
  }

  /// The module name of IR text (`module @iris attributes …` → `iris`).
  static func irName(_ text: String) -> String? {
    guard text.hasPrefix("module @") else { return nil }
    let name = text.dropFirst(8).prefix { $0 != " " && $0 != "\n" && $0 != "{" }
    return name.isEmpty ? nil : String(name)
  }
}

"""##########),
    ("Sources/DLCTraining/Checkpoint/JSONValue.swift", ##########"""
/// The small JSON reader behind safetensors headers (RFC 8259), strict and bounded.
import DLCBasics

/// A JSON value. Objects keep their keys in file order; numbers keep their text.
indirect enum JSONValue: Equatable {
  case object([(String, JSONValue)])
  case array([JSONValue])
  case string(String)
  case number(String)
  case bool(Bool)
  case null

  static func == (a: JSONValue, b: JSONValue) -> Bool {
    switch (a, b) {
    case (.object(let x), .object(let y)): return x.map(\.0) == y.map(\.0) && x.map(\.1) == y.map(\.1)
    case (.array(let x), .array(let y)): return x == y
    case (.string(let x), .string(let y)), (.number(let x), .number(let y)): return x == y
    case (.bool(let x), .bool(let y)): return x == y
    case (.null, .null): return true
    default: return false
    }
  }

  /// A non-negative integer number (digits only), or nil.
  var index: Int? {
    guard case .number(let t) = self, !t.isEmpty, t.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
    return Int(t)
  }
}

/// Why the text is not JSON.
struct JSONError: Error {
  var message: String
}

/// A recursive-descent JSON parser; nesting is limited so hostile input cannot overflow the stack.
struct JSONParser {
  private let b: [UInt8]
  private var i = 0
  private let maxDepth = 64

  /// Parses one value filling `bytes` (surrounding whitespace allowed).
  static func parse(_ bytes: [UInt8]) throws(JSONError) -> JSONValue {
    var p = JSONParser(b: bytes)
    let v = try p.value(depth: 0)
    p.skipSpace()
    guard p.i == bytes.count else { throw JSONError(message: "unexpected text after the JSON value at byte \(p.i)") }
    return v
  }

  private init(b: [UInt8]) { self.b = b }

  private mutating func value(depth: Int) throws(JSONError) -> JSONValue {
    guard depth < maxDepth else { throw JSONError(message: "nesting deeper than \(maxDepth)") }
    skipSpace()
    guard i < b.count else { throw JSONError(message: "unexpected end of the header") }
    switch b[i] {
    case UInt8(ascii: "{"):
      i += 1
      var entries: [(String, JSONValue)] = []
      var keys = Set<String>()
      if take(UInt8(ascii: "}")) { return .object(entries) }
      repeat {
        skipSpace()
        guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw JSONError(message: "expected a key at byte \(i)") }
        let key = try string()
        guard keys.insert(key).inserted else { throw JSONError(message: "duplicate key '\(excerpt(key))'") }
        guard take(UInt8(ascii: ":")) else { throw JSONError(message: "expected ':' at byte \(i)") }
        entries.append((key, try value(depth: depth + 1)))
      } while take(UInt8(ascii: ","))
      guard take(UInt8(ascii: "}")) else { throw JSONError(message: "expected ',' or '}' at byte \(i)") }
      return .object(entries)
    case UInt8(ascii: "["):
      i += 1
      var items: [JSONValue] = []
      if take(UInt8(ascii: "]")) { return .array(items) }
      repeat { items.append(try value(depth: depth + 1)) } while take(UInt8(ascii: ","))
      guard take(UInt8(ascii: "]")) else { throw JSONError(message: "expected ',' or ']' at byte \(i)") }
      return .array(items)
    case UInt8(ascii: "\""): return .string(try string())
    case UInt8(ascii: "t") where literal("true"): return .bool(true)
    case UInt8(ascii: "f") where literal("false"): return .bool(false)
    case UInt8(ascii: "n") where literal("null"): return .null
    default:
      let start = i
      let allowed = Set("+-.eE0123456789".utf8)
      while i < b.count, allowed.contains(b[i]) { i += 1 }
      let text = String(decoding: b[start..<i], as: UTF8.self)
      guard !text.isEmpty, Double(text) != nil else { throw JSONError(message: "unexpected character at byte \(start)") }
      return .number(text)
    }
  }

  /// A string starting at its opening quote; escapes decoded, UTF-8 checked.
  private mutating func string() throws(JSONError) -> String {
    i += 1
    var out: [UInt8] = []
    while i < b.count {
      let c = b[i]
      i += 1
      switch c {
      case UInt8(ascii: "\""):
        guard let s = String(validating: out, as: UTF8.self) else { throw JSONError(message: "a string is not valid UTF-8") }
        return s
      case UInt8(ascii: "\\"):
        guard i < b.count else { break }
        let e = b[i]
        i += 1
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"): out += try unicodeEscape()
        default: throw JSONError(message: "bad escape at byte \(i - 2)")
        }
      case 0..<0x20: throw JSONError(message: "a control character in a string at byte \(i - 1)")
      default: out.append(c)
      }
    }
    throw JSONError(message: "a string is not closed")
  }

  /// `\uXXXX` (after the `u`), with a following low surrogate when it is a high one.
  private mutating func unicodeEscape() throws(JSONError) -> [UInt8] {
    func hex4() throws(JSONError) -> UInt32 {
      guard i + 4 <= b.count, let v = UInt32(String(decoding: b[i..<i + 4], as: UTF8.self), radix: 16) else {
        throw JSONError(message: "bad \\u escape at byte \(i)")
      }
      i += 4
      return v
    }
    var scalar = try hex4()
    if (0xD800..<0xDC00).contains(scalar), i + 2 <= b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") {
      i += 2
      let low = try hex4()
      guard (0xDC00..<0xE000).contains(low) else { throw JSONError(message: "bad surrogate pair at byte \(i)") }
      scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
    }
    guard let u = Unicode.Scalar(scalar) else { throw JSONError(message: "a lone surrogate at byte \(i)") }
    return Array(String(Character(u)).utf8)
  }

  private mutating func literal(_ word: String) -> Bool {
    let w = Array(word.utf8)
    guard i + w.count <= b.count, Array(b[i..<i + w.count]) == w else { return false }
    i += w.count
    return true
  }

  private mutating func take(_ c: UInt8) -> Bool {
    skipSpace()
    guard i < b.count, b[i] == c else { return false }
    i += 1
    return true
  }

  private mutating func skipSpace() {
    while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
  }
}

/// JSON text for a string, with the escapes RFC 8259 requires.
func jsonQuote(_ s: String) -> String { JSONText.quote(s) }

"""##########),
    ("Sources/DLCTraining/Checkpoint/Safetensors.swift", ##########"""
/// The safetensors format (https://huggingface.co/docs/safetensors), read and written.
///
/// Layout: 8 bytes little-endian `N`, then `N` bytes of JSON header, then the data. The
/// header maps each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}`
/// (offsets relative to the data) and may hold `"__metadata__"`, a string → string map.
/// dlc writes tensors sorted by name, packed in that order, and pads the header with
/// spaces to a multiple of 8 so the data is aligned, as the reference writer does. The
/// reader accepts any valid file and rejects what the reference reader rejects: a length
/// past the end, bad JSON, unknown dtypes, sizes that disagree with the shape, offsets
/// that overlap, leave gaps or run past the data.

/// Encoding and decoding of safetensors files.
public enum Safetensors {
  /// The largest header read (the reference implementation's limit).
  public static let maxHeaderBytes = 100_000_000

  /// The file bytes for `tensors` and `metadata`.
  public static func encode(tensors: [String: TensorData], metadata: [String: String]) -> [UInt8] {
    var header = "{"
    var entries: [String] = []
    if !metadata.isEmpty {
      let items = metadata.keys.sorted().map { jsonQuote($0) + ":" + jsonQuote(metadata[$0]!) }
      entries.append("\"__metadata__\":{" + items.joined(separator: ",") + "}")
    }
    var offset = 0
    let names = tensors.keys.sorted()
    for name in names {
      let t = tensors[name]!
      let shape = t.shape.map(String.init).joined(separator: ",")
      entries.append(jsonQuote(name) + ":{\"dtype\":\"\(t.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + t.bytes.count)]}")
      offset += t.bytes.count
    }
    header += entries.joined(separator: ",") + "}"
    var headerBytes = Array(header.utf8)
    headerBytes += [UInt8](repeating: 0x20, count: (8 - headerBytes.count % 8) % 8)
    var out = TensorData.littleEndianBytes([UInt64(headerBytes.count)])
    out.reserveCapacity(8 + headerBytes.count + offset)
    out += headerBytes
    for name in names { out += tensors[name]!.bytes }
    return out
  }

  /// The tensors and metadata of a safetensors file; `path` names it in errors.
  public static func decode(_ bytes: [UInt8], path: String) throws(DataError) -> (tensors: [String: TensorData], metadata: [String: String]) {
    guard bytes.count >= 8 else { throw .checkpointHeaderLength(path, 0, max(0, bytes.count - 8)) }
    let length = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    guard length <= UInt64(bytes.count - 8), length <= UInt64(maxHeaderBytes) else {
      throw .checkpointHeaderLength(path, length, bytes.count - 8)
    }
    let headerEnd = 8 + Int(length)
    guard length >= 2, bytes[8] == UInt8(ascii: "{") else { throw .checkpointHeader(path, "it does not start with '{'") }
    let json: JSONValue
    do { json = try JSONParser.parse(Array(bytes[8..<headerEnd])) } catch { throw .checkpointHeader(path, error.message) }
    guard case .object(let entries) = json else { throw .checkpointHeader(path, "it is not a JSON object") }
    let dataSize = bytes.count - headerEnd
    var metadata: [String: String] = [:]
    var spans: [(name: String, dtype: DType, shape: [Int], begin: Int, end: Int)] = []
    for (name, value) in entries {
      if name == "__metadata__" {
        metadata = try Self.metadata(value, path: path)
        continue
      }
      spans.append(try entry(name, value, path: path))
    }
    // Offsets: every byte of the data belongs to exactly one tensor.
    spans.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
    let needed = spans.map(\.end).max() ?? 0
    guard needed <= dataSize else { throw .checkpointTruncated(path, needed, dataSize) }
    var at = 0
    var previous = ""
    for s in spans {
      if s.begin < at { throw .checkpointOffsets(path, s.name, "it overlaps tensor '\(excerpt(previous))'") }
      if s.begin > at { throw .checkpointOffsets(path, s.name, "bytes \(at)..<\(s.begin) before it belong to no tensor") }
      at = s.end
      previous = s.name
    }
    guard at == dataSize else { throw .checkpointHeader(path, "\(dataSize - at) bytes after the last tensor belong to no tensor") }
    var tensors: [String: TensorData] = [:]
    for s in spans {
      tensors[s.name] = TensorData(dtype: s.dtype, shape: s.shape, bytes: Array(bytes[headerEnd + s.begin..<headerEnd + s.end]))
    }
    return (tensors, metadata)
  }

  /// One tensor's header entry, checked on its own.
  private static func entry(_ name: String, _ value: JSONValue, path: String) throws(DataError) -> (name: String, dtype: DType, shape: [Int], begin: Int, end: Int) {
    guard case .object(let fields) = value else { throw .checkpointHeader(path, "the entry of '\(excerpt(name))' is not an object") }
    let f = Dictionary(fields, uniquingKeysWith: { a, _ in a })
    guard case .string(let dtypeName)? = f["dtype"] else { throw .checkpointHeader(path, "tensor '\(excerpt(name))' has no 'dtype'") }
    guard let dtype = DType(rawValue: dtypeName) else { throw .checkpointDtype(path, name, dtypeName) }
    guard case .array(let dims)? = f["shape"] else { throw .checkpointHeader(path, "tensor '\(excerpt(name))' has no 'shape'") }
    var shape: [Int] = []
    var size = dtype.size
    for d in dims {
      guard let n = d.index else { throw .checkpointHeader(path, "the shape of '\(excerpt(name))' holds something other than sizes") }
      let (product, overflow) = size.multipliedReportingOverflow(by: n)
      guard !overflow else { throw .checkpointTensor(path, name, "its shape is too large") }
      shape.append(n)
      size = product
    }
    guard case .array(let offsets)? = f["data_offsets"], offsets.count == 2, let begin = offsets[0].index, let end = offsets[1].index else {
      throw .checkpointHeader(path, "tensor '\(excerpt(name))' has no 'data_offsets' pair")
    }
    guard begin <= end else { throw .checkpointOffsets(path, name, "begin \(begin) is after end \(end)") }
    guard end - begin == size else {
      throw .checkpointTensor(path, name, "its offsets span \(end - begin) bytes, its shape \(shapeText(shape)) of \(dtype.rawValue) needs \(size)")
    }
    return (name, dtype, shape, begin, end)
  }

  /// `__metadata__`: an object of strings.
  private static func metadata(_ value: JSONValue, path: String) throws(DataError) -> [String: String] {
    guard case .object(let items) = value else { throw .checkpointHeader(path, "'__metadata__' is not an object") }
    var out: [String: String] = [:]
    for (k, v) in items {
      guard case .string(let s) = v else { throw .checkpointHeader(path, "metadata '\(excerpt(k))' is not a string") }
      out[k] = s
    }
    return out
  }
}

"""##########),
    ("Sources/DLCTraining/Checkpoint/SparseTensors.swift", ##########"""
/// Tensors that are mostly zero (pruned weights), stored compactly in a checkpoint and
/// made dense again when it is read.
///
/// A tensor `w` of n elements with k non-zero ones is stored as two tensors:
/// `w.nonzero_bitmap` (U8, ⌈n/8⌉ bytes; bit i % 8 of byte i / 8, least significant
/// first, is set when element i is non-zero) and `w.nonzero_values` (w's dtype, the k
/// non-zero elements in order); the metadata key `dlc.sparse` maps each such name to its
/// shape, as JSON (`{"dense_1.weight":[256,64]}`). "Zero" means all bytes zero (+0.0),
/// so the encoding is lossless bit for bit. A tensor is stored this way only when that
/// is smaller, header entries included: for a large float32 tensor when more than 1/32
/// of it is zero, for int8 more than 1/8.
/// `Checkpoint(decoding:)` expands them, so every reader (the interpreter, an emitted
/// package's deployed model) sees dense tensors; numpy and PyTorch see the two parts.

extension Checkpoint.Key {
  /// The compactly stored tensors and their shapes, as JSON (see `SparseTensors`).
  public static let sparse = "dlc.sparse"
}

/// The bitmap + values encoding of mostly-zero checkpoint tensors.
public enum SparseTensors {
  static let bitmapSuffix = ".nonzero_bitmap"
  static let valuesSuffix = ".nonzero_values"
  /// About what the second header entry and the `dlc.sparse` item cost in the file.
  static let headerCost = 128

  /// The tensor a compact part belongs to (`w` for `w.nonzero_values`), or nil.
  public static func owner(of name: String) -> String? {
    for suffix in [bitmapSuffix, valuesSuffix] where name.hasSuffix(suffix) { return String(name.dropLast(suffix.count)) }
    return nil
  }

  /// The two parts of `tensor`, or nil when they would not be smaller than it.
  static func encode(_ tensor: TensorData) -> (bitmap: TensorData, values: TensorData)? {
    let n = tensor.count, size = tensor.dtype.size
    guard n > 0 else { return nil }
    var bitmap = [UInt8](repeating: 0, count: (n + 7) / 8)
    var values: [UInt8] = []
    tensor.bytes.withUnsafeBufferPointer { b in
      for i in 0..<n {
        var nonzero = false
        for j in 0..<size where b[i * size + j] != 0 { nonzero = true; break }
        guard nonzero else { continue }
        bitmap[i / 8] |= 1 << UInt8(i % 8)
        values.append(contentsOf: b[i * size..<(i + 1) * size])
      }
    }
    guard bitmap.count + values.count + headerCost < tensor.bytes.count else { return nil }
    return (TensorData(dtype: .U8, shape: [bitmap.count], bytes: bitmap),
            TensorData(dtype: tensor.dtype, shape: [values.count / size], bytes: values))
  }

  /// Stores each tensor of `names` in `checkpoint` compactly when that is smaller, and
  /// records it under `dlc.sparse`. Returns the names stored so.
  @discardableResult
  public static func compact(_ checkpoint: inout Checkpoint, names: [String]) -> [String] {
    var shapes: [(String, [Int])] = []
    for name in names.sorted() {
      guard let tensor = checkpoint.tensors[name], let (bitmap, values) = encode(tensor),
            checkpoint.tensors[name + bitmapSuffix] == nil, checkpoint.tensors[name + valuesSuffix] == nil else { continue }
      checkpoint.tensors[name] = nil
      checkpoint.tensors[name + bitmapSuffix] = bitmap
      checkpoint.tensors[name + valuesSuffix] = values
      shapes.append((name, tensor.shape))
    }
    if !shapes.isEmpty {
      let items = shapes.map { jsonQuote($0.0) + ":[" + $0.1.map(String.init).joined(separator: ",") + "]" }
      checkpoint.metadata[Checkpoint.Key.sparse] = "{" + items.joined(separator: ",") + "}"
    }
    return shapes.map(\.0)
  }

  /// Replaces every tensor `dlc.sparse` lists by its dense form and drops the key; the
  /// parts must agree (the bitmap's length with the shape, its bits with the values).
  static func expand(_ tensors: inout [String: TensorData], metadata: inout [String: String], path: String) throws(DataError) {
    guard let text = metadata.removeValue(forKey: Checkpoint.Key.sparse) else { return }
    let json: JSONValue
    do { json = try JSONParser.parse(Array(text.utf8)) } catch {
      throw .checkpointHeader(path, "metadata '\(Checkpoint.Key.sparse)' is not JSON: \(error.message)")
    }
    guard case .object(let entries) = json else {
      throw .checkpointHeader(path, "metadata '\(Checkpoint.Key.sparse)' is not an object of shapes")
    }
    for (name, value) in entries {
      guard case .array(let dims) = value else { throw .checkpointTensor(path, name, "its sparse shape is not a list of sizes") }
      var shape: [Int] = []
      var count = 1
      for d in dims {
        guard let n = d.index else { throw .checkpointTensor(path, name, "its sparse shape holds something other than sizes") }
        let (product, overflow) = count.multipliedReportingOverflow(by: n)
        guard !overflow else { throw .checkpointTensor(path, name, "its sparse shape is too large") }
        shape.append(n)
        count = product
      }
      tensors[name] = try dense(name, shape: shape, count: count, tensors: &tensors, path: path)
    }
  }

  /// The dense tensor of `name` from its two parts (which are removed from `tensors`).
  private static func dense(
    _ name: String, shape: [Int], count n: Int, tensors: inout [String: TensorData], path: String
  ) throws(DataError) -> TensorData {
    let bitmapBytes = n / 8 + (n % 8 == 0 ? 0 : 1)
    guard tensors[name] == nil else { throw .checkpointTensor(path, name, "it is stored both dense and sparse") }
    guard let bitmap = tensors.removeValue(forKey: name + bitmapSuffix), bitmap.dtype == .U8, bitmap.shape == [bitmapBytes] else {
      throw .checkpointTensor(path, name, "it is listed as sparse but has no U8 '\(name + bitmapSuffix)' of \(bitmapBytes) bytes")
    }
    guard let values = tensors.removeValue(forKey: name + valuesSuffix), values.shape.count == 1 else {
      throw .checkpointTensor(path, name, "it is listed as sparse but has no one-dimensional '\(name + valuesSuffix)'")
    }
    let size = values.dtype.size
    let nonzero = bitmap.bytes.reduce(0) { $0 + $1.nonzeroBitCount }
    guard nonzero == values.shape[0] else {
      throw .checkpointTensor(path, name, "its bitmap marks \(nonzero) non-zero elements, its values hold \(values.shape[0])")
    }
    if n % 8 != 0, let last = bitmap.bytes.last, last >> UInt8(n % 8) != 0 {
      throw .checkpointTensor(path, name, "its bitmap marks elements past its \(n)")
    }
    var bytes = [UInt8](repeating: 0, count: n * size)
    var next = 0
    bytes.withUnsafeMutableBufferPointer { out in
      values.bytes.withUnsafeBufferPointer { v in
        for i in 0..<n where bitmap.bytes[i / 8] & (1 << UInt8(i % 8)) != 0 {
          for j in 0..<size { out[i * size + j] = v[next * size + j] }
          next += 1
        }
      }
    }
    return TensorData(dtype: values.dtype, shape: shape, bytes: bytes)
  }
}

"""##########),
    ("Sources/DLCTraining/Checkpoint/TensorData.swift", ##########"""
/// A tensor as stored: dtype, shape and little-endian row-major bytes.

/// The element types of safetensors files (the names are the format's own).
public enum DType: String, Sendable, CaseIterable {
  case F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL

  /// Bytes per element.
  public var size: Int {
    switch self {
    case .F64, .I64: return 8
    case .F32, .I32: return 4
    case .F16, .BF16, .I16: return 2
    case .I8, .U8, .BOOL: return 1
    }
  }
}

/// One named array of a checkpoint: raw bytes plus what they mean.
public struct TensorData: Sendable, Equatable {
  public var dtype: DType
  public var shape: [Int]
  /// `shape.product × dtype.size` bytes, little-endian, row-major.
  public var bytes: [UInt8]

  /// A tensor from raw bytes; their count must match the shape and dtype.
  public init(dtype: DType, shape: [Int], bytes: [UInt8]) {
    precondition(bytes.count == shape.reduce(1, *) * dtype.size, "\(bytes.count) bytes do not hold \(dtype) \(shape)")
    self.dtype = dtype
    self.shape = shape
    self.bytes = bytes
  }

  /// An `F32` tensor.
  public init(floats: [Float], shape: [Int]) {
    self.init(dtype: .F32, shape: shape, bytes: Self.littleEndianBytes(floats.map(\.bitPattern)))
  }

  /// An `I32` tensor.
  public init(int32s: [Int32], shape: [Int]) {
    self.init(dtype: .I32, shape: shape, bytes: Self.littleEndianBytes(int32s))
  }

  /// An `I64` tensor.
  public init(int64s: [Int64], shape: [Int]) {
    self.init(dtype: .I64, shape: shape, bytes: Self.littleEndianBytes(int64s))
  }

  /// The element count.
  public var count: Int { shape.reduce(1, *) }

  /// The values as Float32 (from F32, F64, F16 or BF16), or nil for other dtypes.
  public func floats() -> [Float]? {
    switch dtype {
    case .F32: return (0..<count).map { Float(bitPattern: load(UInt32.self, $0)) }
    case .F64: return (0..<count).map { Float(Double(bitPattern: load(UInt64.self, $0))) }
    case .BF16: return (0..<count).map { Float(bitPattern: UInt32(load(UInt16.self, $0)) << 16) }
    case .F16: return (0..<count).map { Self.halfToFloat(load(UInt16.self, $0)) }
    default: return nil
    }
  }

  /// The values as Int64 (from any integer dtype or BOOL), or nil for float dtypes.
  public func integers() -> [Int64]? {
    switch dtype {
    case .I64: return (0..<count).map { Int64(bitPattern: load(UInt64.self, $0)) }
    case .I32: return (0..<count).map { Int64(Int32(bitPattern: load(UInt32.self, $0))) }
    case .I16: return (0..<count).map { Int64(Int16(bitPattern: load(UInt16.self, $0))) }
    case .I8: return bytes.map { Int64(Int8(bitPattern: $0)) }
    case .U8, .BOOL: return bytes.map { Int64($0) }
    default: return nil
    }
  }

  /// Element `i` as the unsigned integer of its width, from little-endian bytes.
  @inline(__always)
  private func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T {
    bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self)) }
  }

  /// The little-endian bytes of `values`.
  static func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: values.count * MemoryLayout<T>.size)
    out.withUnsafeMutableBytes { raw in
      for (i, v) in values.enumerated() { raw.storeBytes(of: v.littleEndian, toByteOffset: i * MemoryLayout<T>.size, as: T.self) }
    }
    return out
  }

  /// IEEE 754 binary16 to Float32, exactly (every half is a float).
  static func halfToFloat(_ h: UInt16) -> Float {
    let sign: Float = h & 0x8000 != 0 ? -1 : 1
    let exponent = Int((h >> 10) & 0x1F)
    let fraction = Float(h & 0x3FF)
    switch exponent {
    case 0: return sign * fraction * 0x1p-24
    case 31: return fraction == 0 ? sign * .infinity : .nan
    default: return sign * (1 + fraction * 0x1p-10) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
    }
  }
}

"""##########),
    ("Sources/DLCTraining/Data/CSVLoader.swift", ##########"""
/// Loads a CSV file into a `Dataset`.
///
/// In: the path, the target column names, optionally the feature column names, the task.
/// Out: features in the order of the feature list (default: every non-target column in
/// header order) and targets. Every cell must be a finite decimal number; class labels
/// must be integers in `0..<classes`. The first problem is reported at its line and field.
import DLCBasics

/// CSV to `Dataset`, parsing bytes in place.
enum CSVLoader {
  /// What a column of the file is used for.
  private enum Role: Equatable {
    case feature(Int)
    case target(Int)
    case unused

    var isTarget: Bool { if case .target = self { true } else { false } }
  }

  /// Loads `path`.
  static func load(path: String, target: [String], features: [String]?, task: DataTask, classes: Int?) throws(DataError) -> Dataset {
    let bytes = try DataFile.read(path)
    do {
      return try bytes.withUnsafeBufferPointer { (b) throws(DataError) -> Dataset in
        try parse(b, path: path, target: target, features: features, task: task, classes: classes)
      }
    }
  }

  /// The steps: header, column roles, rows, dataset.
  private static func parse(
    _ b: UnsafeBufferPointer<UInt8>, path: String, target: [String], features: [String]?, task: DataTask, classes: Int?
  ) throws(DataError) -> Dataset {
    var scanner = CSVScanner(b)
    var fields: [CSVField] = []
    guard try scan(&scanner, &fields, path) != nil else { throw .emptyFile(path) }
    let names = fields.map { scanner.text($0) }
    let roles = try columnRoles(names, target: target, features: features, task: task, path: path)
    let featureCount = roles.count { if case .feature = $0 { true } else { false } }
    let targetCount = task == .reconstruction ? 0 : target.count

    let slots = roles.map { role -> Int32 in
      switch role {
      case .feature(let k): return Int32(k)
      case .target(let k): return Int32(-1 - k)
      case .unused: return Int32.min
      }
    }
    let layout = CSVRowLayout(slots: slots, featureCount: featureCount, targetCount: targetCount,
                              classLimit: task == .classification ? Float(classes ?? Int(Int32.max)) : nil)
    var x: [Float] = []
    var y: [Float] = []
    let estimate = max(1, b.count / max(1, names.count * 2))
    x.reserveCapacity(estimate * featureCount)
    y.reserveCapacity(estimate * targetCount)
    var row = [Float](repeating: 0, count: featureCount + targetCount)
    var count = 0
    try row.withUnsafeMutableBufferPointer { (out) throws(DataError) in
      while true {
        // Plain rows take the fast path; anything else (and every error) the general one.
        let (end, rows) = CSVFastRows.read(b, from: scanner.position, layout: layout, x: &x, y: &y)
        scanner.skipRows(to: end, count: rows)
        count += rows
        guard let line = try scan(&scanner, &fields, path) else { break }
        try slowRow(fields, line: line, scanner: scanner, names: names, roles: roles, task: task, classes: classes, path: path, out: out)
        x.append(contentsOf: UnsafeBufferPointer(start: out.baseAddress!, count: featureCount))
        y.append(contentsOf: UnsafeBufferPointer(start: out.baseAddress! + featureCount, count: targetCount))
        count += 1
      }
    }
    guard count > 0 else { throw .noRows(path) }
    let ys: Targets
    switch task {
    case .classification: ys = .classes(y.map { Int32($0) })
    case .regression: ys = .values(y, width: targetCount)
    case .reconstruction: ys = .reconstruction
    }
    return Dataset(x: x, y: ys, count: count, sampleShape: [featureCount])
  }

  /// Reads one row with the general scanner's fields into `out` (features, then
  /// targets), reporting the first bad field at its place.
  private static func slowRow(
    _ fields: [CSVField], line: Int, scanner: CSVScanner, names: [String], roles: [Role], task: DataTask, classes: Int?,
    path: String, out: UnsafeMutableBufferPointer<Float>
  ) throws(DataError) {
    guard fields.count == names.count else {
      throw .raggedRow(path, line: line, column: min(fields.count, names.count) + 1, fields: fields.count, columns: names.count)
    }
    let featureCount = out.count - roles.count(where: \.isTarget)
    for (c, f) in fields.enumerated() {
      let role = roles[c]
      if role == .unused { continue }
      let isLabel = task == .classification && role.isTarget
      let value: Float
      switch NumberParsing.parse(scanner.bytes.baseAddress!, f.start, f.end) {
      case .value(let v): value = v
      case .empty: throw .emptyCell(path, line: line, column: c + 1, place(c, names))
      case .nonFinite: throw .nonFinite(path, line: line, column: c + 1, place(c, names), scanner.text(f))
      case .invalid:
        if isLabel { throw .classLabel(path, line: line, column: c + 1, place(c, names), scanner.text(f), classes: classes) }
        throw .notANumber(path, line: line, column: c + 1, place(c, names), scanner.text(f))
      }
      switch role {
      case .feature(let k): out[k] = value
      case .target(let k):
        if isLabel, !isClassIndex(value, classes: classes) {
          throw .classLabel(path, line: line, column: c + 1, place(c, names), scanner.text(f), classes: classes)
        }
        out[featureCount + k] = value
      case .unused: break
      }
    }
  }

  /// Whether `v` is an integer in `0..<classes` (`≥ 0` when the count is unknown).
  @inline(__always)
  private static func isClassIndex(_ v: Float, classes: Int?) -> Bool {
    v >= 0 && v == v.rounded(.towardZero) && v < Float(classes ?? Int(Int32.max))
  }

  /// The next record, with scanner syntax errors turned into `DataError`s.
  private static func scan(_ s: inout CSVScanner, _ fields: inout [CSVField], _ path: String) throws(DataError) -> Int? {
    do { return try s.next(into: &fields) } catch { throw .csvSyntax(path, line: error.line, column: error.field, error.message) }
  }

  /// Which column feeds which feature or target slot.
  private static func columnRoles(
    _ names: [String], target: [String], features: [String]?, task: DataTask, path: String
  ) throws(DataError) -> [Role] {
    var roles = [Role](repeating: .unused, count: names.count)
    var columnOf: [String: Int] = [:]
    for (i, name) in names.enumerated() {
      if let first = columnOf[name] { throw .duplicateColumn(path, name, first: first + 1, second: i + 1) }
      columnOf[name] = i
    }
    func index(_ name: String, _ role: String?) throws(DataError) -> Int {
      guard let i = columnOf[name] else { throw .columnNotFound(path, name, role: role, names) }
      return i
    }
    if task == .classification, target.count != 1 { throw .targetColumns(path, target.count) }
    var targetColumns = Set<Int>()
    for (k, name) in target.enumerated() {
      let i = try index(name, nil)
      targetColumns.insert(i)
      if task != .reconstruction { roles[i] = .target(k) }
    }
    if let features {
      for (k, name) in features.enumerated() { roles[try index(name, "the model's feature \(k + 1) of \(features.count)")] = .feature(k) }
    } else {
      var k = 0
      for i in names.indices where !targetColumns.contains(i) {
        roles[i] = .feature(k)
        k += 1
      }
    }
    return roles
  }

  /// `column 3 ('p2')`.
  private static func place(_ column: Int, _ names: [String]) -> String { "column \(column + 1) ('\(excerpt(names[column]))')" }
}

/// Whole data files into memory.
enum DataFile {
  /// The largest data file read (4 GiB).
  static let limit = 1 << 32

  /// The bytes of `path`, or `data.fileUnreadable`.
  static func read(_ path: String) throws(DataError) -> [UInt8] {
    switch FileReader.read(path, limit: limit) {
    case .success(let b): return b
    case .failure(let e): throw .fileUnreadable(path, e.reason)
    }
  }
}

"""##########),
    ("Sources/DLCTraining/Data/DataConfig.swift", ##########"""
/// The module's `data` attribute as typed values: where the data is, what the task is,
/// how to split and normalize it.

/// What the model learns to predict.
public enum DataTask: String, Sendable, CaseIterable {
  /// One integer class index per sample (`Int32`, in `0..<classes`).
  case classification
  /// One or more float targets per sample.
  case regression
  /// The target is the (normalized) input itself.
  case reconstruction
}

/// How features are scaled; statistics always come from the train split.
public enum Normalization: String, Sendable, CaseIterable {
  case none, standardize, minmax
}

/// Where the samples come from; paths as the IR holds them.
public enum DataSourceConfig: Sendable, Equatable {
  /// A CSV file with a header row. `features` nil means every column that is not a target.
  case csv(path: String, target: [String], features: [String]?)
  /// NPY arrays: features `x`, targets `y` (nil for reconstruction).
  case npy(x: String, y: String?)
}

/// The holdout fractions of `data.split`.
public struct SplitFractions: Sendable, Equatable {
  public var valid: Double
  public var test: Double
  /// Split each class by the same fractions (classification only).
  public var stratify: Bool

  public init(valid: Double, test: Double, stratify: Bool) {
    self.valid = valid
    self.test = test
    self.stratify = stratify
  }
}

/// Everything the runtime needs to know about the data.
public struct DataConfig: Sendable, Equatable {
  public var source: DataSourceConfig
  public var task: DataTask
  /// The class count (classification).
  public var classes: Int?
  /// Features per sample, as the checker counted them.
  public var features: Int
  public var split: SplitFractions
  public var normalize: Normalization
  /// Whether regression targets are standardized with train-split statistics.
  public var standardizeTargets = false

  public init(
    source: DataSourceConfig, task: DataTask, classes: Int? = nil, features: Int,
    split: SplitFractions, normalize: Normalization, standardizeTargets: Bool = false
  ) {
    self.source = source
    self.task = task
    self.classes = classes
    self.features = features
    self.split = split
    self.normalize = normalize
    self.standardizeTargets = standardizeTargets
  }

  public static func malformed(_ text: String) -> DataError { .malformedConfig(text) }
}

"""##########),
    ("Sources/DLCTraining/Data/DataError.swift", ##########"""
/// The one error of the data and persistence layer: a problem in a data file, a
/// checkpoint or a run log, with the file and, where there is one, the place in it.

/// A problem reading or writing a data file, a checkpoint or a run log.
///
/// `line` is the 1-based physical line of a text file; `column` is the 1-based field
/// number in a CSV row (the message names the column's header too). Binary files have
/// neither; their messages say which sample, element or tensor. The text form is the
/// compiler's: `path:line:col: error: message`, then `= help:` lines.
public struct DataError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The stable ID, e.g. `data.raggedRow` (every one is made in `DataErrors.swift`).
  public var id: String
  /// The file the problem is in.
  public var path: String
  /// The 1-based line, for text files.
  public var line: Int?
  /// The 1-based field number in a CSV row.
  public var column: Int?
  /// What is wrong: lowercase, no trailing period, names in single quotes.
  public var message: String
  /// How to fix it, when there is something to say.
  public var help: String?

  public init(_ id: String, path: String, line: Int? = nil, column: Int? = nil, _ message: String, help: String? = nil) {
    self.id = id
    self.path = path
    self.line = line
    self.column = column
    self.message = message
    self.help = help
  }

  /// `path:line:col` as far as it is known.
  public var location: String {
    var out = path
    if let line {
      out += ":\(line)"
      if let column { out += ":\(column)" }
    }
    return out
  }

  /// The error as the compiler prints diagnostics, without colour.
  public var description: String {
    var out = (path.isEmpty ? "" : "\(location): ") + "error: \(message)"
    if let help { out += "\n  |\n  = help: \(help)" }
    return out
  }

  /// The error as a compiler diagnostic, for the driver's renderers. A data file is not
  /// quoted under the message (a CSV row can be thousands of characters), so the
  /// diagnostic has no source range and its path carries the line and column.
}

"""##########),
    ("Sources/DLCTraining/Data/DataErrors.swift", ##########"""
/// Every error of the data and persistence layer, sorted by ID. Texts start lowercase,
/// have no trailing period and quote names; the fix, when there is one, is the `help`.

extension DataError {
  // MARK: checkpoint.*

  static func checkpointDtype(_ path: String, _ tensor: String, _ dtype: String) -> Self {
    Self("checkpoint.dtype", path: path, "tensor '\(excerpt(tensor))' has the unknown dtype '\(excerpt(dtype))'",
         help: "dlc reads F64, F32, F16, BF16, I64, I32, I16, I8, U8 and BOOL")
  }
  static func checkpointHeader(_ path: String, _ problem: String) -> Self {
    Self("checkpoint.header", path: path, "the safetensors header is malformed: \(problem)")
  }
  static func checkpointHeaderLength(_ path: String, _ length: UInt64, _ available: Int) -> Self {
    Self("checkpoint.headerLength", path: path,
         "the safetensors header length \(length) does not fit in the file (\(available) bytes follow it)")
  }
  static func checkpointMetadata(_ path: String, _ key: String, _ problem: String, help: String? = nil) -> Self {
    Self("checkpoint.metadata", path: path, "the metadata field '\(excerpt(key))' \(problem)",
         help: help ?? "this file was not written by dlc, or was edited; use a checkpoint dlc wrote for this spec")
  }
  static func checkpointMissing(_ path: String, _ name: String) -> Self {
    Self("checkpoint.missingTensor", path: path, "the checkpoint has no tensor '\(excerpt(name))'")
  }
  static func checkpointNonFinite(_ path: String, _ tensor: String, _ index: Int, _ value: Float) -> Self {
    Self("checkpoint.nonFinite", path: path, "tensor '\(excerpt(tensor))' holds \(value) at element \(index)",
         help: "the run that wrote it diverged, or the file was damaged; use an earlier checkpoint (best.safetensors) or train again")
  }
  static func checkpointOffsets(_ path: String, _ tensor: String, _ problem: String) -> Self {
    Self("checkpoint.offsets", path: path, "tensor '\(excerpt(tensor))' has bad data offsets: \(problem)")
  }
  static func checkpointOtherSpec(_ path: String, stored: String, current: String) -> Self {
    Self("checkpoint.otherSpec", path: path, "this checkpoint is from spec '\(excerpt(stored))', not '\(excerpt(current))'",
         help: "give the checkpoint of a run of '\(excerpt(current))', or the spec '\(excerpt(stored))'")
  }
  static func checkpointPreprocessing(_ path: String, _ problem: String) -> Self {
    Self("checkpoint.preprocessing", path: path, problem,
         help: "the checkpoint must hold the statistics its run normalized with; use a checkpoint dlc wrote for this spec")
  }
  static func checkpointTensor(_ path: String, _ tensor: String, _ problem: String) -> Self {
    Self("checkpoint.tensor", path: path, "tensor '\(excerpt(tensor))' does not fit: \(problem)")
  }
  static func checkpointTruncated(_ path: String, _ needed: Int, _ available: Int) -> Self {
    Self("checkpoint.truncated", path: path,
         "the file is truncated: its tensors need \(needed) data bytes, it has \(available)")
  }
  static func checkpointWrite(_ path: String, _ reason: String) -> Self {
    Self("checkpoint.writeFailed", path: path, "cannot write the checkpoint: \(reason)")
  }

  // MARK: data.*

  static func classLabel(_ path: String, line: Int? = nil, column: Int? = nil, _ place: String, _ text: String, classes: Int?) -> Self {
    let range = classes.map { "0..<\($0)" } ?? "0, 1, 2, …"
    return Self("data.classLabel", path: path, line: line, column: column,
                "\(place) holds '\(excerpt(text))', which is not a class index in \(range)",
                help: "class labels are integers counted from 0")
  }
  static func columnNotFound(_ path: String, _ name: String, role: String? = nil, _ columns: [String]) -> Self {
    let shown = columns.prefix(8).map { "'\(excerpt($0))'" }.joined(separator: ", ") + (columns.count > 8 ? ", …" : "")
    return Self("data.columnNotFound", path: path, line: 1,
                "the header has no column '\(excerpt(name))'" + (role.map { " (\($0))" } ?? ""),
                help: "the columns are \(shown)")
  }
  static func csvSyntax(_ path: String, line: Int, column: Int, _ problem: String) -> Self {
    Self("data.csvSyntax", path: path, line: line, column: column, problem,
         help: "quote a field as \"…\" and write a quote inside it as \"\"")
  }
  static func duplicateColumn(_ path: String, _ name: String, first: Int, second: Int) -> Self {
    Self("data.duplicateColumn", path: path, line: 1, column: second,
         "column \(second) of the header has the name '\(excerpt(name))' of column \(first)",
         help: "columns are matched by name: give every column its own name")
  }
  static func emptyCell(_ path: String, line: Int, column: Int, _ place: String) -> Self {
    Self("data.emptyCell", path: path, line: line, column: column, "\(place) is empty",
         help: "fill in or drop rows with missing values before training")
  }
  static func emptyFile(_ path: String) -> Self {
    Self("data.emptyFile", path: path, "the CSV file is empty", help: "a CSV data file starts with a header row naming its columns")
  }
  static func fileUnreadable(_ path: String, _ reason: String) -> Self {
    Self("data.fileUnreadable", path: path, "cannot read '\(path)': \(reason)")
  }
  static func malformedConfig(_ problem: String) -> Self { Self("data.malformedConfig", path: "", "the module's data attribute is malformed: \(problem)") }
  static func noRows(_ path: String) -> Self {
    Self("data.noRows", path: path, line: 1, "the CSV file has a header but no rows")
  }
  static func noTrainSamples(_ path: String, _ count: Int) -> Self {
    Self("data.noTrainSamples", path: path, "the split leaves no training samples out of \(count)",
         help: "lower 'valid' and 'test' in 'data.split'")
  }
  static func nonFinite(_ path: String, line: Int? = nil, column: Int? = nil, _ place: String, _ text: String) -> Self {
    Self("data.nonFinite", path: path, line: line, column: column, "\(place) holds '\(excerpt(text))', which is not a finite number",
         help: "replace NaN and infinite values before training")
  }
  static func notANumber(_ path: String, line: Int, column: Int, _ place: String, _ text: String) -> Self {
    Self("data.notANumber", path: path, line: line, column: column, "\(place) holds '\(excerpt(text))', which is not a number",
         help: "every feature and target cell must be a decimal number")
  }
  static func npyBigEndian(_ path: String, _ descr: String) -> Self {
    Self("data.npyBigEndian", path: path, "the array is big-endian ('\(excerpt(descr))')",
         help: "save it little-endian: numpy.save(path, a.astype(a.dtype.newbyteorder('<')))")
  }
  static func npyDtype(_ path: String, _ descr: String) -> Self {
    Self("data.npyDtype", path: path, "the dtype '\(excerpt(descr))' is not supported",
         help: "use float32, float64, int8/16/32/64, uint8/16 or bool")
  }
  static func npyFortranOrder(_ path: String) -> Self {
    Self("data.npyFortranOrder", path: path, "the array is in Fortran order",
         help: "save it in C order: numpy.save(path, numpy.ascontiguousarray(a))")
  }
  static func npyHeader(_ path: String, _ problem: String) -> Self {
    Self("data.npyHeader", path: path, "not a valid NPY file: \(problem)")
  }
  static func npySampleCount(_ path: String, _ count: Int, _ otherPath: String, _ otherCount: Int) -> Self {
    Self("data.npySampleCount", path: path, "the array has \(count) samples, but '\(otherPath)' has \(otherCount)",
         help: "the first dimension of x and y counts the samples; they must agree")
  }
  static func npyShape(_ path: String, _ shape: [Int], _ expected: String) -> Self {
    Self("data.npyShape", path: path, "the array's shape \(shapeText(shape)) does not match \(expected)")
  }
  static func npyTooLarge(_ path: String, _ problem: String) -> Self {
    Self("data.npyTooLarge", path: path, problem, help: "the header's 'shape' does not describe the data in the file")
  }
  static func npyTruncated(_ path: String, _ needed: Int, _ available: Int) -> Self {
    Self("data.npyTruncated", path: path, "the file is truncated: its shape needs \(needed) data bytes, it has \(available)")
  }
  static func probabilityNormalization(_ path: String, _ normalize: String) -> Self {
    Self("data.probabilityNormalization", path: path,
         "'normalize: \(normalize)' gives values outside [0, 1], which 'bce_with_logits' cannot reconstruct",
         help: "use 'normalize: minmax', which maps the train split into [0, 1]")
  }
  static func probabilityTarget(_ path: String, sample: Int, feature: Int, value: Float) -> Self {
    Self("data.probabilityTarget", path: path,
         "sample \(sample) holds \(value) in feature \(feature), outside [0, 1]: 'bce_with_logits' reconstructs probabilities",
         help: "use 'normalize: minmax', which maps the train split into [0, 1], or the loss 'mse'")
  }
  static func raggedRow(_ path: String, line: Int, column: Int, fields: Int, columns: Int) -> Self {
    Self("data.raggedRow", path: path, line: line, column: column,
         "the row has \(fields) field\(fields == 1 ? "" : "s"), the header has \(columns) columns")
  }
  static func targetColumns(_ path: String, _ count: Int) -> Self {
    Self("data.targetColumns", path: path, line: 1, "classification takes one target column, found \(count)")
  }

  // MARK: package.*

  public static func packageNotEmpty(_ path: String, marker: String) -> Self {
    Self("package.notEmpty", path: path,
         "the folder is not empty and holds no package dlc wrote (no '\(marker)'), so its files would be overwritten",
         help: "give an empty or new folder, or '--force' to write into this one")
  }

  // MARK: path.*

  static func pathEmpty(_ option: String, _ kind: PathCheck.Kind) -> Self {
    Self("path.empty", path: "", "'\(option)' is empty", help: "give \(kind.noun); '.' is the current folder")
  }
  static func pathIsFolder(_ path: String, _ option: String) -> Self {
    Self("path.isFolder", path: path, "'\(option)' names a folder, not a file", help: "give a file's path")
  }
  static func pathIsRoot(_ option: String) -> Self {
    Self("path.isRoot", path: "/", "'\(option)' is the file system's root", help: "give a folder of its own, such as 'runs'")
  }
  static func pathMissingFolder(_ path: String, _ folder: String, _ option: String) -> Self {
    Self("path.missingFolder", path: path, "the folder '\(excerpt(folder))' of '\(option)' does not exist",
         help: "create it first, or give a path in an existing folder")
  }
  static func pathNotFolder(_ path: String, _ option: String) -> Self {
    Self("path.notFolder", path: path, "'\(option)' names a file, not a folder", help: "give a folder's path")
  }
  static func pathNotFound(_ path: String, _ option: String) -> Self {
    Self("path.notFound", path: path, "the file of '\(option)' does not exist")
  }
  static func pathParentIsFile(_ path: String, _ folder: String, _ option: String) -> Self {
    Self("path.parentIsFile", path: path, "'\(excerpt(folder))' in the path of '\(option)' is a file, not a folder")
  }
  static func pathUnreadable(_ path: String, _ option: String, _ reason: String) -> Self {
    Self("path.unreadable", path: path, "cannot read the file of '\(option)': \(reason)")
  }
  public static func pathWrite(_ path: String, _ reason: String) -> Self {
    Self("path.writeFailed", path: path, "cannot write: \(reason)")
  }

  // MARK: run.*

  static func runExists(_ path: String, _ files: [String]) -> Self {
    Self("run.exists", path: path, "the folder holds an earlier run (" + files.joined(separator: ", ") + ")",
         help: "give '--overwrite' to replace it, '--resume' to continue it, or another '--out'")
  }
  static func runFinished(_ path: String, _ why: String, help: String) -> Self {
    Self("run.finished", path: path, "cannot resume: the run is finished: \(why)", help: help)
  }
  static func runLockFile(_ path: String, _ reason: String) -> Self {
    Self("run.lockFile", path: path, "cannot create the lock file of the run folder: \(reason)",
         help: "give an '--out' folder that can be written to")
  }
  static func runLocked(_ path: String, _ lock: String) -> Self {
    Self("run.locked", path: path, "another training is writing to this run folder (it holds the lock '\(lock)')",
         help: "wait for it to finish, or give another '--out'")
  }
  static func runSeed(_ path: String, saved: UInt64, given: UInt64) -> Self {
    Self("run.seed", path: path, "cannot resume with seed \(given): the run was trained with seed \(saved) ('dlc.seed'), and another seed would draw another split mid-run",
         help: "resume with '--seed \(saved)' (or without '--seed' when the spec's seed is \(saved)), or start a new run with '--overwrite'")
  }
  static func runStep(_ path: String, step: Int, epoch: Int, expected: String) -> Self {
    Self("run.step", path: path, "the metadata field 'dlc.step' is \(step), but \(epoch) epochs of this data take \(expected) steps",
         help: "the checkpoint was written with other data or edited; resume with the data it was trained on, or start a new run with '--overwrite'")
  }

  // MARK: runlog.*

  static func runLogWrite(_ path: String, _ reason: String) -> Self {
    Self("runlog.writeFailed", path: path, "cannot write the run log: \(reason)")
  }
}

/// `[1797, 64]`.
func shapeText(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }

/// Text from a file quoted in a message: at most 40 characters, control characters
/// escaped, so that hostile content cannot flood or break the one-line message.
func excerpt(_ text: String) -> String {
  var out = ""
  for (i, u) in text.unicodeScalars.enumerated() {
    if i == 40 { return out + "…" }
    out += u.value < 0x20 || u.value == 0x7F ? "\\u{\(String(u.value, radix: 16))}" : String(u)
  }
  return out
}

"""##########),
    ("Sources/DLCTraining/Data/DataLoader.swift", ##########"""
/// The entry point of data loading: a `DataConfig` in, a checked `Dataset` out.
import DLCBasics

/// Loads the data a module describes.
public enum DataLoader {
  /// Loads the samples of `config`. Relative paths are resolved against `directory`
  /// (the working folder when nil, which is how the IR writes them). `sampleShape` is
  /// the model's per-sample input shape; NPY features are checked against it and take it.
  public static func load(_ config: DataConfig, relativeTo directory: String? = nil, sampleShape: [Int]? = nil) throws(DataError) -> Dataset {
    func resolve(_ p: String) -> String {
      guard let directory, !p.hasPrefix("/") else { return p }
      return FileReader.resolve(p, relativeTo: directory + "/")
    }
    switch config.source {
    case .csv(let path, let target, let features):
      var d = try CSVLoader.load(path: resolve(path), target: target, features: features, task: config.task, classes: config.classes)
      if let sampleShape, sampleShape.reduce(1, *) == d.featureCount { d.sampleShape = sampleShape }
      return d
    case .npy(let x, let y):
      return try NPYLoader.load(x: resolve(x), y: y.map(resolve), task: config.task, classes: config.classes, sampleShape: sampleShape)
    }
  }
}

"""##########),
    ("Sources/DLCTraining/Data/Dataset.swift", ##########"""
/// Samples in memory: features as one row-major Float32 array, targets beside them.

/// The targets of a data set.
public enum Targets: Sendable, Equatable {
  /// One class index per sample.
  case classes([Int32])
  /// `width` floats per sample, row-major (regression, one or more targets).
  case values([Float], width: Int)
  /// The target of each sample is its own (normalized) features.
  case reconstruction
}

/// A data set: `count` samples of `sampleShape`, with their targets.
public struct Dataset: Sendable, Equatable {
  /// Row-major `count × featureCount` features.
  public var x: [Float]
  public var y: Targets
  /// The number of samples.
  public var count: Int
  /// The shape of one sample (`[64]` for a CSV row, `[1, 8, 8]` for an image).
  public var sampleShape: [Int]

  public init(x: [Float], y: Targets, count: Int, sampleShape: [Int]) {
    precondition(x.count == count * sampleShape.reduce(1, *), "x holds \(x.count) values, not \(count) × \(sampleShape)")
    self.x = x
    self.y = y
    self.count = count
    self.sampleShape = sampleShape
  }

  /// Floats per sample.
  public var featureCount: Int { sampleShape.reduce(1, *) }

  /// Target elements per sample: 1 for a class index, the width for values, the
  /// feature count for reconstruction.
  public var targetWidth: Int {
    switch y {
    case .classes: return 1
    case .values(_, let width): return width
    case .reconstruction: return featureCount
    }
  }

  /// The class indices, for classification.
  public var classIndices: [Int32]? { if case .classes(let c) = y { return c } else { return nil } }

  /// The samples at `indices`, in that order.
  public func subset(_ indices: [Int]) -> Dataset {
    let f = featureCount
    var out = [Float](repeating: 0, count: indices.count * f)
    out.withUnsafeMutableBufferPointer { dst in
      x.withUnsafeBufferPointer { src in
        for (row, i) in indices.enumerated() {
          (dst.baseAddress! + row * f).update(from: src.baseAddress! + i * f, count: f)
        }
      }
    }
    let targets: Targets
    switch y {
    case .classes(let c): targets = .classes(indices.map { c[$0] })
    case .values(let v, let w): targets = .values(indices.flatMap { v[$0 * w..<($0 + 1) * w] }, width: w)
    case .reconstruction: targets = .reconstruction
    }
    return Dataset(x: out, y: targets, count: indices.count, sampleShape: sampleShape)
  }

  /// Copies the features of samples `indices` into `xOut` (`indices.count × featureCount`
  /// floats), for inference; the targets are `gather(_:x:target:as:)`'s.
  public func gatherFeatures(_ indices: some Collection<Int>, x xOut: UnsafeMutablePointer<Float>) {
    let f = featureCount
    x.withUnsafeBufferPointer { src in
      var row = 0
      for i in indices {
        (xOut + row * f).update(from: src.baseAddress! + i * f, count: f)
        row += 1
      }
    }
  }

  /// The first value of `values` (rows of `width`) that is NaN or infinite, as
  /// (row, element), or nil.
  static func firstNonFinite(_ values: [Float], width: Int) -> (row: Int, element: Int)? {
    let w = max(width, 1)
    return values.withUnsafeBufferPointer { v in
      for i in 0..<v.count where !v[i].isFinite { return (i / w, i % w) }
      return nil
    }
  }
}

"""##########),
    ("Sources/DLCTraining/Data/EpochBatches.swift", ##########"""
/// The batches of one epoch: a seeded order over the train samples, cut into
/// `batchSize` pieces, the last one possibly shorter (it is kept).
import DLCKernels

/// Batches of sample indices for one pass over a split.
public struct EpochBatches: Sendable, Equatable {
  /// The samples in visiting order (indices into the split's data set).
  public let order: [Int]
  /// The size of every batch but possibly the last.
  public let batchSize: Int

  /// The training order of `epoch` (0-based):
  /// `RandomStream(seed:, purpose: .shuffle, id: epoch).permutation(count)`.
  public init(count: Int, batchSize: Int, seed: UInt64, epoch: Int) {
    precondition(batchSize > 0, "batch size must be positive")
    order = RandomStream(seed: seed, purpose: .shuffle, id: UInt64(epoch)).permutation(count)
    self.batchSize = batchSize
  }

  /// Samples in their stored order (evaluation, prediction).
  public init(sequential count: Int, batchSize: Int) {
    precondition(batchSize > 0, "batch size must be positive")
    order = Array(0..<count)
    self.batchSize = batchSize
  }

  /// The number of batches (the last may be partial).
  public var count: Int { (order.count + batchSize - 1) / batchSize }

  /// The sample indices of batch `b`.
  public subscript(b: Int) -> ArraySlice<Int> {
    order[b * batchSize..<min(order.count, (b + 1) * batchSize)]
  }
}

"""##########),
    ("Sources/DLCTraining/Data/HoldoutSplit.swift", ##########"""
/// The holdout split: which samples train, which validate, which test.
///
/// Sizes: `test = round(N · test)`, `valid = round(N · valid)` (halves away from zero),
/// train takes the rest and must not be empty. Order: one permutation of `0..<N` from
/// `RandomStream(seed:, purpose: .split)`. Without stratification the first `test`
/// samples of the permutation test, the next `valid` validate, the rest train.
///
/// Stratified (largest-remainder rule, Hamilton's method): each class `c` with `n_c`
/// samples gets `⌊n_c · test⌋` test samples; the leftover of the total goes one each to
/// the classes with the largest fractional parts (ties: the lower class index), never
/// more than a class has. Valid seats are allocated the same way from what each class has
/// left. So the totals equal the unstratified sizes exactly and every class is split by
/// the fractions to within one sample. Within a class, samples are taken in permutation
/// order. Each part is returned sorted ascending.
import DLCKernels

/// Sample indices of the train, valid and test parts.
public struct HoldoutSplit: Sendable, Equatable {
  public var train: [Int]
  public var valid: [Int]
  public var test: [Int]

  public init(train: [Int], valid: [Int], test: [Int]) {
    self.train = train
    self.valid = valid
    self.test = test
  }

  /// Splits `count` samples by `fractions`; `classes` (one label per sample) is needed to
  /// stratify and ignored otherwise. `path` names the data in the error.
  public init(count: Int, fractions: SplitFractions, classes: [Int32]?, seed: UInt64, path: String = "") throws(DataError) {
    let nTest = Int((Double(count) * fractions.test).rounded())
    let nValid = Int((Double(count) * fractions.valid).rounded())
    guard nTest + nValid < count else { throw .noTrainSamples(path, count) }
    let order = RandomStream(seed: seed, purpose: .split).permutation(count)
    if fractions.stratify, let classes {
      self = Self.stratified(order: order, classes: classes, nTest: nTest, nValid: nValid, fractions: fractions)
    } else {
      self.init(train: Array(order[(nTest + nValid)...]).sorted(), valid: Array(order[nTest..<nTest + nValid]).sorted(),
                test: Array(order[..<nTest]).sorted())
    }
  }

  /// Each class split by the same fractions (see the file's comment for the rule).
  private static func stratified(order: [Int], classes: [Int32], nTest: Int, nValid: Int, fractions: SplitFractions) -> Self {
    let classCount = Int(classes.max() ?? 0) + 1
    var members = [[Int]](repeating: [], count: classCount)
    for i in order { members[Int(classes[i])].append(i) }
    let sizes = members.map(\.count)
    let testSeats = allocate(nTest, shares: sizes.map { Double($0) * fractions.test }, caps: sizes)
    let left = zip(sizes, testSeats).map { $0 - $1 }
    let validSeats = allocate(nValid, shares: sizes.map { Double($0) * fractions.valid }, caps: left)
    var split = Self(train: [], valid: [], test: [])
    for c in 0..<classCount {
      let m = members[c]
      split.test += m[..<testSeats[c]]
      split.valid += m[testSeats[c]..<testSeats[c] + validSeats[c]]
      split.train += m[(testSeats[c] + validSeats[c])...]
    }
    split.train.sort()
    split.valid.sort()
    split.test.sort()
    return split
  }

  /// `total` seats over classes by the largest-remainder rule, each at most its cap.
  /// Precondition: `total ≤ Σ caps`.
  static func allocate(_ total: Int, shares: [Double], caps: [Int]) -> [Int] {
    var seats = zip(shares, caps).map { min(Int($0.rounded(.down)), $1) }
    var remaining = total - seats.reduce(0, +)
    let byRemainder = shares.indices.sorted { a, b in
      let (ra, rb) = (shares[a] - shares[a].rounded(.down), shares[b] - shares[b].rounded(.down))
      return ra != rb ? ra > rb : a < b
    }
    while remaining > 0 {
      var gave = false
      for c in byRemainder where remaining > 0 && seats[c] < caps[c] {
        seats[c] += 1
        remaining -= 1
        gave = true
      }
      if !gave { break }
    }
    return seats
  }
}

"""##########),
    ("Sources/DLCTraining/Data/NPYArray.swift", ##########"""
/// NPY files (numpy's format, versions 1.0, 2.0 and 3.0): the header and the values.
///
/// In: the bytes of a `.npy` file. Out: its shape and its values as Float32 or, for
/// labels, as Double (every supported integer type converts exactly up to 2⁵³).
/// Little-endian and C order only. The header is read by `NPYHeader` (DLCBasics), the
/// same reader `dlc check` uses.
import DLCBasics

/// An NPY array in memory: its header and the file's bytes.
struct NPYArray {
  var path: String
  var dtype: NPYDtype
  var shape: [Int]
  var bytes: [UInt8]
  var dataOffset: Int
  /// The number of elements (checked against the file's size when read).
  var count: Int

  /// Reads and checks `path`: magic, header, dtype, order, and that the data is all there.
  init(path: String) throws(DataError) {
    try self.init(path: path, bytes: try DataFile.read(path))
  }

  /// Checks `bytes` as an NPY file named `path`.
  init(path: String, bytes: [UInt8]) throws(DataError) {
    self.path = path
    self.bytes = bytes
    switch NPYHeader.parse(bytes, fileSize: bytes.count) {
    case .success(let header):
      dtype = header.dtype
      shape = header.shape
      dataOffset = header.dataOffset
      count = header.count
    case .failure(let problem):
      throw DataError(npy: problem, path: path)
    }
  }

  /// Element `i` as a Double (exact for every supported type).
  @inline(__always)
  func double(at i: Int) -> Double {
    bytes.withUnsafeBytes { dtype.double(in: $0, at: dataOffset + i * dtype.size) }
  }

  /// Every element as Float32.
  func floats() -> [Float] {
    let n = count
    if dtype == .f4 {
      return [Float](unsafeUninitializedCapacity: n) { out, done in
        bytes.withUnsafeBytes { raw in
          for i in 0..<n {
            out[i] = Float(bitPattern: raw.loadUnaligned(fromByteOffset: dataOffset + 4 * i, as: UInt32.self).littleEndian)
          }
        }
        done = n
      }
    }
    return (0..<n).map { Float(double(at: $0)) }
  }
}

extension DataError {
  /// The data error of an NPY header problem.
  init(npy problem: NPYHeaderProblem, path: String) {
    switch problem {
    case .malformed: self = .npyHeader(path, problem.message)
    case .dtype(let d): self = .npyDtype(path, d)
    case .bigEndian(let d): self = .npyBigEndian(path, d)
    case .fortranOrder: self = .npyFortranOrder(path)
    case .truncated(let needed?, let available): self = .npyTruncated(path, needed, available)
    case .truncated(nil, _): self = .npyTooLarge(path, problem.message)
    }
  }
}

"""##########),
    ("Sources/DLCTraining/Data/NPYLoader.swift", ##########"""
/// Loads NPY arrays into a `Dataset`.
///
/// In: the features array `x` (`[N, …]`), the targets array `y` (`[N]` or `[N, k]`; none
/// for reconstruction), the task and the expected shape of one sample. Out: features as
/// Float32, targets as `Int32` class indices (range-checked) or Float32 values.

/// NPY to `Dataset`.
enum NPYLoader {
  /// Loads `x` and `y`. `sampleShape`, when given, is the model's per-sample input
  /// shape: x's per-sample element count must equal its element count, and the data
  /// set takes that shape (so a `[N, 64]` array feeds a `[1, 8, 8]` input).
  static func load(x xPath: String, y yPath: String?, task: DataTask, classes: Int?, sampleShape: [Int]?) throws(DataError) -> Dataset {
    let xArray = try NPYArray(path: xPath)
    guard let n = xArray.shape.first else {
      throw .npyShape(xPath, xArray.shape, "a batch of samples (the first dimension counts them)")
    }
    let stored = Array(xArray.shape.dropFirst())
    let perSample = stored.reduce(1, *)
    if let expected = sampleShape, expected.reduce(1, *) != perSample {
      throw .npyShape(xPath, xArray.shape, "the model input \(shapeText(expected)) (N × \(expected.reduce(1, *)) values)")
    }
    let x = xArray.floats()
    if let (row, element) = Dataset.firstNonFinite(x, width: perSample) {
      throw .nonFinite(xPath, "sample \(row), element \(element)", "\(x[row * perSample + element])")
    }
    let shape = sampleShape ?? (stored.isEmpty ? [1] : stored)
    guard task != .reconstruction else { return Dataset(x: x, y: .reconstruction, count: n, sampleShape: shape) }
    guard let yPath else { throw .malformedConfig("the task '\(task.rawValue)' needs a targets array 'y'") }
    let yArray = try NPYArray(path: yPath)
    guard let m = yArray.shape.first else { throw .npyShape(yPath, yArray.shape, "one target row per sample") }
    guard m == n else { throw .npySampleCount(yPath, m, xPath, n) }
    let width = yArray.shape.dropFirst().reduce(1, *)
    switch task {
    case .classification:
      guard width == 1 else { throw .npyShape(yPath, yArray.shape, "one class index per sample ([\(n)] or [\(n), 1])") }
      return Dataset(x: x, y: .classes(try labels(yArray, classes: classes)), count: n, sampleShape: shape)
    default:
      let y = yArray.floats()
      if let (row, element) = Dataset.firstNonFinite(y, width: width) {
        throw .nonFinite(yPath, "sample \(row), target \(element)", "\(y[row * width + element])")
      }
      return Dataset(x: x, y: .values(y, width: width), count: n, sampleShape: shape)
    }
  }

  /// Class indices: integral values in `0..<classes` (or ≥ 0 when the count is unknown).
  private static func labels(_ a: NPYArray, classes: Int?) throws(DataError) -> [Int32] {
    var out = [Int32](repeating: 0, count: a.count)
    let limit = Double(classes ?? Int(Int32.max))
    for i in 0..<a.count {
      let v = a.double(at: i)
      guard v >= 0, v < limit, v == v.rounded(.towardZero) else {
        let text = v == v.rounded(.towardZero) && abs(v) < 1e15 ? "\(Int64(v))" : "\(v)"
        throw .classLabel(a.path, "the label of sample \(i)", text, classes: classes)
      }
      out[i] = Int32(v)
    }
    return out
  }
}

"""##########),
    ("Sources/DLCTraining/Data/Normalizer.swift", ##########"""
/// Feature scaling with statistics from the train split, kept as named arrays so a
/// checkpoint saves them and prediction applies exactly the same transform.
///
/// `standardize`: x' = (x − mean) / std, population std (divide by N), std 0 → 1.
/// `minmax`: x' = (x − min) / (max − min), range 0 → 1; train values land in [0, 1].
/// Statistics are per element of a sample (per pixel for images), computed in Double.

/// A fitted normalization: x' = (x − shift) / scale, per feature.
public struct Normalizer: Sendable, Equatable {
  public var kind: Normalization
  /// The mean (standardize) or the minimum (minmax), per feature; empty for `none`.
  public var shift: [Float]
  /// The std (standardize) or the range (minmax), per feature, never 0; empty for `none`.
  public var scale: [Float]

  public init(kind: Normalization, shift: [Float], scale: [Float]) {
    self.kind = kind
    self.shift = shift
    self.scale = scale
  }

  /// Fits `kind` to `train`'s features.
  public init(kind: Normalization, fitting train: Dataset) {
    self.kind = kind
    let f = train.featureCount
    let n = train.count
    guard kind != .none, n > 0 else {
      (shift, scale) = ([], [])
      return
    }
    var a = [Double](repeating: 0, count: f)
    var b = [Double](repeating: 0, count: f)
    switch kind {
    case .standardize:
      for r in 0..<n { for j in 0..<f { a[j] += Double(train.x[r * f + j]) } }
      for j in 0..<f { a[j] /= Double(n) }
      for r in 0..<n {
        for j in 0..<f {
          let d = Double(train.x[r * f + j]) - a[j]
          b[j] += d * d
        }
      }
      for j in 0..<f { b[j] = (b[j] / Double(n)).squareRoot() }
    case .minmax:
      var hi = [Double](repeating: -.infinity, count: f)
      a = [Double](repeating: .infinity, count: f)
      for r in 0..<n {
        for j in 0..<f {
          let v = Double(train.x[r * f + j])
          a[j] = min(a[j], v)
          hi[j] = max(hi[j], v)
        }
      }
      for j in 0..<f { b[j] = hi[j] - a[j] }
    case .none: break
    }
    shift = a.map { Float($0) }
    scale = b.map { Float($0) == 0 ? 1 : Float($0) }
  }

  /// Normalizes `rows` samples of `shift.count` features in place.
  public func apply(_ x: UnsafeMutablePointer<Float>, rows: Int) {
    let f = shift.count
    guard f > 0 else { return }
    shift.withUnsafeBufferPointer { s in
      scale.withUnsafeBufferPointer { d in
        for r in 0..<rows {
          let row = x + r * f
          for j in 0..<f { row[j] = (row[j] - s[j]) / d[j] }
        }
      }
    }
  }

  /// Normalizes every sample of `data`.
  public func apply(to data: inout Dataset) {
    guard kind != .none else { return }
    precondition(data.featureCount == shift.count, "the normalizer has \(shift.count) features, the data \(data.featureCount)")
    let rows = data.count
    data.x.withUnsafeMutableBufferPointer { apply($0.baseAddress!, rows: rows) }
  }

  // MARK: Saving and restoring

  /// The statistics' names: `mean`/`std` or `min`/`range`.
  private static func names(_ kind: Normalization) -> (String, String)? {
    switch kind {
    case .standardize: return ("mean", "std")
    case .minmax: return ("min", "range")
    case .none: return nil
    }
  }

  /// The statistics as tensors named `<prefix>mean`, `<prefix>std` (or `min`, `range`).
  public func tensors(prefix: String = "preprocess.") -> [String: TensorData] {
    guard let (a, b) = Self.names(kind) else { return [:] }
    return [prefix + a: TensorData(floats: shift, shape: [shift.count]), prefix + b: TensorData(floats: scale, shape: [scale.count])]
  }

  /// The normalizer saved by `tensors(prefix:)`; `none` if there are no statistics.
  /// `path` names the checkpoint in errors.
  public init(tensors: [String: TensorData], prefix: String = "preprocess.", path: String = "") throws(DataError) {
    for kind in [Normalization.standardize, .minmax] {
      guard let (a, b) = Self.names(kind), let s = tensors[prefix + a], let d = tensors[prefix + b] else { continue }
      guard let shift = s.floats(), let scale = d.floats(), shift.count == scale.count, scale.allSatisfy({ $0 != 0 }) else {
        throw .checkpointTensor(path, prefix + b, "normalization statistics must be two float arrays of one length, with no zero scale")
      }
      self.init(kind: kind, shift: shift, scale: scale)
      return
    }
    self.init(kind: .none, shift: [], scale: [])
  }
}

"""##########),
    ("Sources/DLCTraining/Data/TargetLayout.swift", ##########"""
/// The type of the target buffer a model's loss reads, and how a data set's targets are
/// written into it.
///
/// In: the element type and per-sample element count the IR declares for the target
/// argument of `@loss` and `@train_step` (`tensor<Nxi32>` for `cross_entropy`,
/// `tensor<Nx1xf32>` for binary `bce_with_logits`, the output's type for the other losses).
/// Out: batches of targets in exactly that type, or an error when the data's targets
/// cannot be written as it asks. Nothing writes a target buffer without this check, so
/// an op that reads `f32` is never fed `i32` bits.

/// The element type and per-sample width of a target buffer.
public struct TargetLayout: Sendable, Hashable, CustomStringConvertible {
  /// `.I32` (class indices) or `.F32` (values; 0 or 1 for binary classification).
  public var element: DType
  /// Elements per sample.
  public var width: Int

  public init(element: DType, width: Int) {
    self.element = element
    self.width = width
  }

  /// One class index per sample (`cross_entropy`).
  public static let classIndices = TargetLayout(element: .I32, width: 1)

  /// `width` floats per sample.
  public static func values(_ width: Int) -> TargetLayout { TargetLayout(element: .F32, width: width) }

  /// The IR's spelling: `tensor<Nxi32>`, `tensor<Nx3xf32>`.
  public var description: String {
    let element = self.element == .I32 ? "i32" : self.element == .F32 ? "f32" : self.element.rawValue.lowercased()
    return element == "i32" && width == 1 ? "tensor<Nxi32>" : "tensor<Nx\(width)x\(element)>"
  }

  /// How metrics read a buffer of this layout: class indices, or values.
  public func metricTarget(_ buffer: UnsafeMutableRawPointer) -> MetricTarget {
    element == .I32
      ? .classes(UnsafePointer(buffer.assumingMemoryBound(to: Int32.self)))
      : .values(UnsafePointer(buffer.assumingMemoryBound(to: Float.self)))
  }
}

extension Dataset {
  /// Throws unless this data set's targets can be written into buffers of `layout`:
  /// class indices as `i32` (one per sample) or, as the `f32` values 0 and 1, one per
  /// sample (binary classification on one output); value targets and reconstruction as
  /// `f32` of their width. Labels other than 0 and 1 are found by `gather`.
  public func checkTargets(fit layout: TargetLayout) throws(TrainingError) {
    switch (y, layout.element) {
    case (.classes, .I32) where layout.width == 1, (.classes, .F32) where layout.width == 1: return
    case (.values(_, let width), .F32) where layout.width == width: return
    case (.reconstruction, .F32) where layout.width == featureCount: return
    default:
      throw TrainingError("the data's targets (\(targetDescription)) do not fit the loss's target buffer \(layout)")
    }
  }

  /// Copies samples `indices` into contiguous caller-owned buffers: features into `x`
  /// (`indices.count × featureCount` floats) and targets into `target` as `layout` says
  /// (`checkTargets(fit:)`). Allocates nothing.
  public func gather(
    _ indices: some Collection<Int>, x xOut: UnsafeMutablePointer<Float>, target: UnsafeMutableRawPointer, as layout: TargetLayout
  ) throws(TrainingError) {
    try checkTargets(fit: layout)
    gatherFeatures(indices, x: xOut)
    switch y {
    case .classes(let c) where layout.element == .I32:
      let out = target.assumingMemoryBound(to: Int32.self)
      var row = 0
      for i in indices {
        out[row] = c[i]
        row += 1
      }
    case .classes(let c):
      let out = target.assumingMemoryBound(to: Float.self)
      var row = 0
      for i in indices {
        guard c[i] == 0 || c[i] == 1 else {
          throw TrainingError("sample \(i + 1) has class \(c[i]); a loss on one output (\(layout)) needs the labels 0 and 1")
        }
        out[row] = Float(c[i])
        row += 1
      }
    case .values(let v, let w):
      let out = target.assumingMemoryBound(to: Float.self)
      v.withUnsafeBufferPointer { src in
        var row = 0
        for i in indices {
          (out + row * w).update(from: src.baseAddress! + i * w, count: w)
          row += 1
        }
      }
    case .reconstruction:
      target.assumingMemoryBound(to: Float.self).update(from: xOut, count: indices.count * featureCount)
    }
  }

  /// The data's targets as a type, for messages: `class indices`, `3 values per sample`.
  var targetDescription: String {
    switch y {
    case .classes: return "class indices"
    case .values(_, let width): return "\(width) value\(width == 1 ? "" : "s") per sample"
    case .reconstruction: return "the \(featureCount) features of each sample"
    }
  }
}

"""##########),
    ("Sources/DLCTraining/Data/TargetScaler.swift", ##########"""
/// Standardized regression targets (`normalize_target: standardize`): the loss sees
/// (y − mean) / std per target column, with statistics from the train split only;
/// predictions and the mae/rmse metrics are mapped back to the data's units.
public struct TargetScaler: Sendable, Equatable {
  public var mean: [Float]
  public var std: [Float]

  public init(mean: [Float], std: [Float]) {
    self.mean = mean
    self.std = std
  }

  /// Per-column mean and population standard deviation of `values` (rows of `width`);
  /// a constant column keeps std 1.
  public init(fitting values: [Float], width: Int) {
    let rows = values.count / max(width, 1)
    var sum = [Double](repeating: 0, count: width), squares = [Double](repeating: 0, count: width)
    for r in 0..<rows {
      for j in 0..<width {
        let v = Double(values[r * width + j])
        sum[j] += v
        squares[j] += v * v
      }
    }
    let n = Double(max(rows, 1))
    mean = sum.map { Float($0 / n) }
    std = zip(sum, squares).map { s, q in
      let variance = max(q / n - (s / n) * (s / n), 0)
      return variance > 0 ? Float(variance.squareRoot()) : 1
    }
  }

  /// Standardizes the targets of `data` in place.
  public func apply(to data: inout Dataset) {
    guard case .values(var v, let width) = data.y, width == mean.count else { return }
    for i in v.indices { v[i] = (v[i] - mean[i % width]) / std[i % width] }
    data.y = .values(v, width: width)
  }

  /// `count` standardized values (rows of the target width) in the data's units.
  public func restore(_ values: UnsafePointer<Float>, count: Int, into out: inout [Float]) {
    let width = mean.count
    if out.count < count { out = [Float](repeating: 0, count: count) }
    for i in 0..<count { out[i] = values[i] * std[i % width] + mean[i % width] }
  }

  /// The statistics as checkpoint tensors.
  public func tensors(prefix: String = "preprocess.") -> [String: TensorData] {
    [prefix + "target_mean": TensorData(floats: mean, shape: [mean.count]),
     prefix + "target_std": TensorData(floats: std, shape: [std.count])]
  }

  /// The scaler a checkpoint holds, or nil when it holds none.
  public init?(tensors: [String: TensorData], prefix: String = "preprocess.") {
    guard let m = tensors[prefix + "target_mean"]?.floats(), let s = tensors[prefix + "target_std"]?.floats(),
          m.count == s.count, !m.isEmpty, s.allSatisfy({ $0 > 0 && $0.isFinite }) else { return nil }
    self.init(mean: m, std: s)
  }
}

"""##########),
    ("Sources/DLCTraining/PathCheck.swift", ##########"""
/// The checks every path a user gives goes through before a command reads or writes it.
///
/// In: the path and the option it came from (`--out`, `--checkpoint`). Out: nothing, or a
/// `DataError` whose sentence names the option and the path. Empty paths and the file
/// system's root are refused (an empty `--out` once wrote into `/`); an input must be a
/// readable file; an output file's folder must exist and the path must not be a folder;
/// an output folder must be a folder or missing (it is then created with its parents, as
/// `mkdir -p` would, so a new `runs/` or package folder needs no step of its own) — but
/// never a file, nor under one.
/// The write itself still reports the system's reason with the path (a read-only folder).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum PathCheck {
  /// What an option names.
  public enum Kind: Sendable {
    case inputFile, outputFile, outputFolder

    /// "a file", "a folder", for messages.
    var noun: String { self == .outputFolder ? "a folder" : "a file" }
  }

  /// Checks `path` given for `option` as `kind`.
  public static func check(_ path: String, option: String, as kind: Kind) throws(DataError) {
    guard !path.isEmpty else { throw .pathEmpty(option, kind) }
    switch kind {
    case .inputFile: try inputFile(path, option: option)
    case .outputFile: try outputFile(path, option: option)
    case .outputFolder: try outputFolder(path, option: option)
    }
  }

  /// An existing, readable file that is not a folder.
  static func inputFile(_ path: String, option: String) throws(DataError) {
    switch kind(of: path) {
    case .none: throw .pathNotFound(path, option)
    case .folder: throw .pathIsFolder(path, option)
    case .file:
      guard access(path, R_OK) == 0 else { throw .pathUnreadable(path, option, AtomicFile.errnoText()) }
    }
  }

  /// Not a folder, in an existing folder.
  static func outputFile(_ path: String, option: String) throws(DataError) {
    if kind(of: path) == .folder { throw .pathIsFolder(path, option) }
    let folder = AtomicFile.directory(of: path)
    switch kind(of: folder) {
    case .folder: break
    case .file: throw .pathParentIsFile(path, folder, option)
    case .none: throw .pathMissingFolder(path, folder, option)
    }
  }

  /// A folder, or a missing one whose nearest existing ancestor is a folder; never the root.
  static func outputFolder(_ path: String, option: String) throws(DataError) {
    guard !path.allSatisfy({ $0 == "/" }) else { throw .pathIsRoot(option) }
    var current = path
    while true {
      while current.count > 1, current.hasSuffix("/") { current.removeLast() }
      switch kind(of: current) {
      case .folder: return
      case .file: throw current == path ? .pathNotFolder(path, option) : .pathParentIsFile(path, current, option)
      case .none:
        let parent = AtomicFile.directory(of: current)
        if parent == current || parent == "." || parent == "/" { return }
        current = parent
      }
    }
  }

  /// Creates the folder `path` (checked with `check(_:option:as: .outputFolder)` first)
  /// and any missing parents; the system's reason, with the path, when it cannot.
  public static func makeFolder(_ path: String) throws(DataError) {
    do { try AtomicFile.createDirectories(path) } catch { throw .pathWrite(path, error.reason) }
    guard kind(of: path) == .folder else { throw .pathNotFolder(path, path) }
  }

  /// Writes `text` to `path` atomically (synced to disk unless `sync` is false); the
  /// system's reason, with the path, when it cannot.
  public static func write(_ text: String, to path: String, sync: Bool = true) throws(DataError) {
    do { try AtomicFile.replace(path, with: Array(text.utf8), sync: sync) } catch { throw .pathWrite(path, error.reason) }
  }

  /// What is at a path (symbolic links followed).
  enum Entry { case none, file, folder }

  static func kind(of path: String) -> Entry {
    var info = stat()
    guard stat(path, &info) == 0 else { return .none }
    return (info.st_mode & S_IFMT) == S_IFDIR ? .folder : .file
  }
}

"""##########),
    ("Sources/DLCTraining/RunLog.swift", ##########"""
/// The run log: one JSON object per epoch in `runs/<name>/log.jsonl`, each line written
/// with one system call as soon as the epoch ends, so a crashed or running job can be read.
///
/// Keys come in a fixed order: `epoch`, `lr`, `train_loss`, `valid_loss` (when there is
/// a validation split), the metrics in the order given, `seconds`, `samples_per_s`.
/// Numbers print in Swift's shortest round-trip form: a Float32 value prints the
/// shortest decimal that reads back (as float32) to the same bits, a Double likewise;
/// NaN and infinities, which JSON cannot hold, print as `null`.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What one epoch did.
public struct EpochRecord: Sendable, Equatable {
  /// The epoch, counted from 1.
  public var epoch: Int
  /// The learning rate at the epoch's last step.
  public var lr: Float
  public var trainLoss: Float
  public var validLoss: Float?
  /// Further metrics (`train_accuracy`, `valid_f1`, …), in the order to print.
  public var metrics: [Metric]
  /// Wall-clock seconds of the epoch.
  public var seconds: Double
  /// Training samples per second.
  public var samplesPerSecond: Double

  /// One named metric value.
  public struct Metric: Sendable, Equatable {
    public var name: String
    public var value: Float
    public init(_ name: String, _ value: Float) {
      self.name = name
      self.value = value
    }
  }

  public init(
    epoch: Int, lr: Float, trainLoss: Float, validLoss: Float?, metrics: [Metric] = [],
    seconds: Double, samplesPerSecond: Double
  ) {
    self.epoch = epoch
    self.lr = lr
    self.trainLoss = trainLoss
    self.validLoss = validLoss
    self.metrics = metrics
    self.seconds = seconds
    self.samplesPerSecond = samplesPerSecond
  }

  /// The record as one line of JSON, without the newline.
  public var jsonLine: String {
    var fields = ["\"epoch\":\(epoch)", "\"lr\":" + RunLog.number(lr), "\"train_loss\":" + RunLog.number(trainLoss)]
    if let validLoss { fields.append("\"valid_loss\":" + RunLog.number(validLoss)) }
    for m in metrics { fields.append(jsonQuote(m.name) + ":" + RunLog.number(m.value)) }
    fields.append("\"seconds\":" + RunLog.number(seconds))
    fields.append("\"samples_per_s\":" + RunLog.number(samplesPerSecond))
    return "{" + fields.joined(separator: ",") + "}"
  }
}

/// An open `log.jsonl`, appended to one record at a time.
public final class RunLog {
  /// The file written.
  public let path: String
  private var fd: Int32

  /// Opens `<directory>/log.jsonl`, creating the folder; an existing log is emptied, or
  /// kept and extended when `append` (a resumed run).
  public init(directory: String, append: Bool = false) throws(DataError) {
    path = directory + "/log.jsonl"
    do { try AtomicFile.createDirectories(directory) } catch { throw .runLogWrite(path, error.reason) }
    fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0o644)
    guard fd >= 0 else { throw .runLogWrite(path, AtomicFile.errnoText()) }
  }

  deinit { closeDescriptor(fd) }

  /// The folder of run `name`: `<root>/<name>`.
  public static func directory(name: String, root: String = "runs") -> String { root + "/" + name }

  /// Writes `record` as one line.
  public func append(_ record: EpochRecord) throws(DataError) {
    do { try AtomicFile.writeAll(fd, Array((record.jsonLine + "\n").utf8)) } catch { throw .runLogWrite(path, error.reason) }
  }

  /// Closes the file; later appends fail.
  public func finish() {
    closeDescriptor(fd)
    fd = -1
  }

  /// A JSON number in shortest round-trip form, `null` when not finite.
  static func number<T: BinaryFloatingPoint & LosslessStringConvertible>(_ v: T) -> String {
    v.isFinite ? v.description : "null"
  }
}

/// Closes `fd` unless it is already closed (-1).
private func closeDescriptor(_ fd: Int32) {
  if fd >= 0 { _ = close(fd) }
}

"""##########),
    ("Sources/DLCTraining/Training/Backend.swift", ##########"""
import DLCKernels

/// What the training loop drives: the interpreter over IR programs, or an emitted,
/// specialized model. Both hold the parameters at fixed addresses and run one step,
/// one forward pass or one loss on a batch of at most the run's batch size.
public protocol TrainingBackend: AnyObject {
  /// Every parameter in module order; the index is its initialization stream id.
  var parameters: [ParameterSlot] { get }
  /// Floats per sample of the model output.
  var outputWidth: Int { get }
  /// The type of the targets `@train_step` and `@loss` read, as the IR declares it;
  /// every batch is written in it (`Dataset.gather(_:x:target:as:)`), or refused.
  var targetLayout: TargetLayout { get }
  /// Class weights for `class_weights = "balanced"`, set before the first step.
  var balancedClassWeights: [Float]? { get set }
  /// The features, then the targets (in `targetLayout`), of a training batch of `n` samples.
  func trainBuffers(batch n: Int) throws -> (x: UnsafeMutablePointer<Float>, target: UnsafeMutableRawPointer)
  /// One optimizer step on the batch in `trainBuffers(batch: n)`: its loss and the model
  /// output (`n × outputWidth`).
  func trainStep(batch n: Int, lr: Float, step: Int64) throws -> (loss: Float, output: UnsafePointer<Float>)
  /// The features buffer of an inference batch of `n` samples.
  func predictBuffer(batch n: Int) throws -> UnsafeMutablePointer<Float>
  /// The model output (`n × outputWidth`) for the features in `predictBuffer(batch: n)`.
  func predict(batch n: Int) throws -> UnsafePointer<Float>
  /// The targets buffer for `loss(batch:)`.
  func lossTarget(batch n: Int) throws -> UnsafeMutableRawPointer
  /// The loss of the last `predict(batch: n)` output against `lossTarget(batch: n)`.
  func loss(batch n: Int) throws -> Float

  /// The frozen prefix the model splits off (`precompute-frozen`), or nil. With one, the
  /// training step and `predict` take the prefix's output, not the data's features
  /// (see `FrozenPrefix.swift`); the default is nil.
  var frozenPrefix: FrozenPrefix? { get }
  /// The features buffer of the frozen prefix for a batch of `n` samples.
  func precomputeBuffer(batch n: Int) throws -> UnsafeMutablePointer<Float>
  /// The prefix's output (`n × frozenPrefix.outputCount`) for `precomputeBuffer(batch: n)`.
  func precompute(batch n: Int) throws -> UnsafePointer<Float>
}

/// One parameter a backend holds: weights, biases, running statistics, optimizer state.
public struct ParameterSlot {
  /// The IR name (`dense_1.weight`, `dense_1.weight.exp_avg`).
  public let name: String
  public let shape: [Int]
  public let pointer: UnsafeMutablePointer<Float>
  public let initializer: Initializer
  /// The layer it belongs to ("" when none).
  public let layer: String
  /// Whether it is optimizer state rather than part of the model.
  public let isOptimizerState: Bool
  /// The element type; `pointer` addresses `count` elements of it (F32 for trained
  /// parameters; I8, F16 or I32 for quantized weights and their bookkeeping).
  public let dtype: DType

  public init(
    name: String, shape: [Int], pointer: UnsafeMutablePointer<Float>, initializer: Initializer, layer: String,
    isOptimizerState: Bool, dtype: DType = .F32
  ) {
    self.dtype = dtype
    self.name = name
    self.shape = shape
    self.pointer = pointer
    self.initializer = initializer
    self.layer = layer
    self.isOptimizerState = isOptimizerState
  }

  /// The element count.
  public var count: Int { shape.reduce(1, *) }

  /// The bytes the values take.
  public var byteCount: Int { count * dtype.size }
}

/// A parameter initializer, with the formulas torch.nn.init documents.
public struct Initializer: Sendable, Hashable {
  /// zeros, constant, uniform, normal, xavier_uniform, xavier_normal, kaiming_uniform, kaiming_normal.
  public var kind: String
  /// value, low, high, mean, std, gain, a.
  public var numbers: [String: Double]
  /// mode, nonlinearity.
  public var strings: [String: String]

  public init(kind: String, numbers: [String: Double] = [:], strings: [String: String] = [:]) {
    self.kind = kind
    self.numbers = numbers
    self.strings = strings
  }

  /// The kinds `fill` knows.
  public static let kinds: Set<String> = [
    "zeros", "constant", "uniform", "normal", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal",
  ]

  /// Fills `count(shape)` values at `y` from `stream`; an unknown kind is an error.
  public func fill(_ y: UnsafeMutablePointer<Float>, shape: [Int], stream: RandomStream) throws {
    guard Self.kinds.contains(kind) else { throw TrainingError("unknown initializer '\(kind)'") }
    fillKnown(y, shape: shape, stream: stream)
  }

  /// `fill` for a kind in `kinds`, after the throwing check.
  @inline(never)
  func fillKnown(_ y: UnsafeMutablePointer<Float>, shape: [Int], stream: RandomStream) {
    let count = shape.reduce(1, *)
    let numbers = self.numbers
    func number(_ key: String, _ fallback: Double) -> Float { Float(numbers[key] ?? fallback) }
    let fans = InitKernel.fans(shape: shape)
    switch kind {
    case "zeros": InitKernel.zeros(y, count: count)
    case "constant": InitKernel.constant(y, count: count, value: number("value", 0))
    case "uniform": InitKernel.uniform(y, count: count, low: number("low", 0), high: number("high", 1), stream: stream)
    case "normal": InitKernel.normal(y, count: count, mean: number("mean", 0), std: number("std", 1), stream: stream)
    case "xavier_uniform":
      let bound = number("gain", 1) * (6 / Float(max(fans.fanIn + fans.fanOut, 1))).squareRoot()
      InitKernel.uniform(y, count: count, low: -bound, high: bound, stream: stream)
    case "xavier_normal":
      let std = number("gain", 1) * (2 / Float(max(fans.fanIn + fans.fanOut, 1))).squareRoot()
      InitKernel.normal(y, count: count, mean: 0, std: std, stream: stream)
    case "kaiming_uniform", "kaiming_normal":
      let fan = strings["mode"] == "fan_out" ? fans.fanOut : fans.fanIn
      let gain = InitKernel.gain(nonlinearity: strings["nonlinearity"] ?? "leaky_relu", a: number("a", 0))
      let std = gain / Float(max(fan, 1)).squareRoot()
      if kind == "kaiming_normal" {
        InitKernel.normal(y, count: count, mean: 0, std: std, stream: stream)
      } else {
        let bound = Float(3).squareRoot() * std
        InitKernel.uniform(y, count: count, low: -bound, high: bound, stream: stream)
      }
    default: InitKernel.zeros(y, count: count)
    }
  }
}

/// A failure of a run that is not the data's fault (bad checkpoint, wrong model).
public struct TrainingError: Error, Sendable, CustomStringConvertible {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

"""##########),
    ("Sources/DLCTraining/Training/DeployedModel.swift", ##########"""
import DLCKernels

/// The deployed model of an emitted package: an inference-only backend compiled from the
/// IR the spec's deployment passes (`optimize:`) produce, and the checkpoints it runs.
///
/// In: an optimized checkpoint (`dlc optimize`, or `dlc train` with an `optimize:` list),
/// whose metadata names its passes (`dlc.passes`) and holds its IR (`dlc.ir`). Out: the
/// backend `eval`, `predict` and `latency` run on it. The emitted class was compiled from
/// the same passes run without weights, so its shapes are the checkpoint's; what the
/// weights decide beyond the parameters themselves — the activation ranges static
/// quantization calibrated — it reads from the checkpoint's IR (`CheckpointIR`).
public struct DeployedModel {
  /// The passes the class was compiled with, comma-separated as in `dlc.passes`.
  public let passes: String
  /// Makes the model for a seed and the checkpoint's IR text.
  public let make: (UInt64, String) throws -> TrainingBackend

  public init(passes: String, make: @escaping (UInt64, String) throws -> TrainingBackend) {
    self.passes = passes
    self.make = make
  }

  /// The backend factory for `checkpoint` at `path`: `deployed` for an optimized
  /// checkpoint with the same passes, `trainer` for any other checkpoint; an optimized
  /// checkpoint this package cannot run is an error that says why.
  public static func backend(
    for checkpoint: Checkpoint, path: String, deployed: DeployedModel?,
    trainer: @escaping (UInt64) throws -> TrainingBackend
  ) throws -> (UInt64) throws -> TrainingBackend {
    guard let passes = checkpoint.metadata[Checkpoint.Key.passes] else { return trainer }
    guard let deployed else {
      throw TrainingError(
        "'\(path)' is an optimized checkpoint (passes '\(passes)') and this package has no deployed model: "
          + "its spec lists no 'optimize:' passes; evaluate the checkpoint with 'dlc', or recompile the package from a spec that lists them")
    }
    guard passes == deployed.passes else {
      throw TrainingError(
        "'\(path)' went through the passes '\(passes)', this package's deployed model through '\(deployed.passes)'; "
          + "recompile the package from a spec whose 'optimize:' lists the checkpoint's passes")
    }
    guard let ir = checkpoint.metadata[Checkpoint.Key.ir] else {
      throw TrainingError("'\(path)': an optimized checkpoint without its IR ('\(Checkpoint.Key.ir)' metadata)")
    }
    return { seed in try deployed.make(seed, ir) }
  }
}

/// The ops of an optimized checkpoint's IR text, by result name: just enough of the IR
/// to read the attributes the weights decided (activation scales and zero points).
public struct CheckpointIR {
  /// `result name → (opcode, the op's line)` for every op with a result.
  private var ops: [String: (opcode: String, line: Substring)] = [:]

  /// Indexes the op lines of `text` (`%r = opcode(…) {…} : type`).
  public init(_ text: String) {
    for raw in text.split(separator: "\n") {
      let line = raw.drop { $0 == " " }
      guard line.first == "%", let eq = line.range(of: " = "), let paren = line[eq.upperBound...].firstIndex(of: "(") else {
        continue
      }
      let name = line[line.index(after: line.startIndex)..<eq.lowerBound]
      // The first result names the op (ops with several results list them with ", %").
      let first = name.split(separator: ",").first.map(String.init) ?? String(name)
      ops[first] = (String(line[eq.upperBound..<paren]), line)
    }
  }

  /// The `AffineQuantization` in attributes `scale` and `zeroPoint` of the op defining
  /// `result`, which must be an `opcode`; read as the interpreter reads them (the
  /// printed Double, then Float).
  public func affine(_ result: String, opcode: String, _ scale: String, _ zeroPoint: String) throws -> AffineQuantization {
    guard let op = ops[result] else {
      throw TrainingError("the checkpoint's IR has no op '%\(result)'; it was optimized from another model")
    }
    guard op.opcode == opcode else {
      throw TrainingError("the checkpoint's IR computes '%\(result)' with '\(op.opcode)', this model with '\(opcode)'")
    }
    guard let s = Self.attribute(scale, in: op.line).flatMap(Double.init),
          let z = Self.attribute(zeroPoint, in: op.line).flatMap({ Int32($0) }) else {
      throw TrainingError("the checkpoint's IR gives '%\(result)' no '\(scale)' and '\(zeroPoint)'")
    }
    guard s > 0, Float(s).isFinite, (0...255).contains(z) else {
      throw TrainingError("the checkpoint's IR gives '%\(result)' \(scale) \(s) and \(zeroPoint) \(z); a scale must be positive and a zero point in 0…255")
    }
    return AffineQuantization(scale: Float(s), zeroPoint: z)
  }

  /// The text of attribute `key` in the op's `{key = value, …}` (a number: up to the next
  /// `,` or `}`).
  static func attribute(_ key: String, in line: Substring) -> String? {
    for opener in ["{", ", "] {
      guard let r = line.range(of: opener + key + " = ") else { continue }
      let value = line[r.upperBound...].prefix { $0 != "," && $0 != "}" }
      return String(value)
    }
    return nil
  }
}

"""##########),
    ("Sources/DLCTraining/Training/DeploymentCommand.swift", ##########"""
import Foundation

/// The spec's deployment passes (`optimize:`) after an emitted trainer's `train`, as
/// `dlc train` runs them after its own.
///
/// The passes rewrite the model's IR and weights (`DLCPasses`), calibrate and fine-tune
/// through the interpreter: dlc's back end, which a package does not carry. So the trainer
/// runs `dlc optimize` on the checkpoint it kept, with the dlc that compiled the package (its
/// path is recorded, else `dlc` on the PATH), and the spec file that package was compiled
/// from, when that file still holds the same text. The optimized checkpoint then runs on the
/// package's deployed model. When either is missing the trainer says so and prints the
/// command to run later.
public struct DeploymentCommand: Sendable {
  /// The passes, as an optimized checkpoint's `dlc.passes` names them (`fold-batchnorm,quantize`).
  public var passes: String
  /// The spec the package was compiled from (absolute).
  public var spec: String
  /// The dlc that compiled the package (absolute), if known.
  public var dlc: String?

  public init(passes: String, spec: String, dlc: String?) {
    self.passes = passes
    self.spec = spec
    self.dlc = dlc
  }

  /// What `run` did: the optimized checkpoint, or why the passes did not run.
  public enum Outcome: Equatable {
    case optimized(String)
    case notRun(reason: String)
  }

  /// The command that optimizes `checkpoint` into `output`, as a shell line.
  public func commandLine(dlc: String = "dlc", checkpoint: String, output: String) -> String {
    [dlc, "optimize", spec, "--checkpoint", checkpoint, "-o", output].map(ShellWord.quote).joined(separator: " ")
  }

  /// Runs the passes over `checkpoint` into `output` (dlc's report goes to `write`), or
  /// reports why they cannot run here. Throws when dlc ran and failed. `dataReplaced`:
  /// the run trained on other files (`--data`, `--targets`), while `dlc optimize` would
  /// calibrate and fine-tune on the spec's.
  public func run(
    checkpoint: String, output: String, specText: String, dataReplaced: Bool = false,
    searchPath: String = ProcessInfo.processInfo.environment["PATH"] ?? "", write: (String) -> Void
  ) throws -> Outcome {
    guard !dataReplaced else {
      return .notRun(reason: "this run read other data ('--data', '--targets'), and the passes calibrate and fine-tune on the spec's")
    }
    guard let dlc = executable(searchPath: searchPath) else {
      return .notRun(reason: self.dlc.map { "dlc is not found (not at '\($0)', nor on the PATH)" } ?? "dlc is not on the PATH")
    }
    guard let text = try? String(contentsOfFile: spec, encoding: .utf8) else {
      return .notRun(reason: "the spec '\(spec)' this package was compiled from cannot be read")
    }
    guard text == specText else {
      return .notRun(reason: "the spec '\(spec)' changed since this package was compiled; compile it again")
    }
    write("deployment passes (\(passes)): \(commandLine(dlc: dlc, checkpoint: checkpoint, output: output))\n")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: dlc)
    process.arguments = ["optimize", spec, "--checkpoint", checkpoint, "-o", output]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    do { try process.run() } catch {
      return .notRun(reason: "'\(dlc)' cannot be started: \(error.localizedDescription)")
    }
    let report = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    write(report)
    guard process.terminationReason == .exit, process.terminationStatus == 0 else {
      throw TrainingError("the deployment passes failed: '\(dlc) optimize' exited with status \(process.terminationStatus)")
    }
    return .optimized(output)
  }

  /// The recorded dlc when it is an executable file, else the first `dlc` in `searchPath`
  /// (folders separated by colons, as PATH).
  func executable(searchPath: String) -> String? {
    let fm = FileManager.default
    if let dlc, fm.isExecutableFile(atPath: dlc) { return dlc }
    for folder in searchPath.split(separator: ":") where !folder.isEmpty {
      let candidate = String(folder) + "/dlc"
      if fm.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }
}

/// Quoting for a POSIX shell, so printed commands can be pasted as they are.
public enum ShellWord {
  /// `word` as is when it holds only safe characters, else in single quotes.
  public static func quote(_ word: String) -> String {
    let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
    if !word.isEmpty, word.allSatisfy(safe.contains) { return word }
    return "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
  }
}

"""##########),
    ("Sources/DLCTraining/Training/EarlyStopping.swift", ##########"""
/// Early stopping: end the run when a monitored metric stops improving.
///
/// In: `train.early_stopping` (`monitor`, `patience`, `min_delta`, `restore_best`) and, after
/// every epoch, the monitored value. Out: a decision per epoch (improved, wait, stop) and a
/// state small enough to travel in a checkpoint as a string, so a resumed run decides
/// exactly as an uninterrupted one. The rule is Keras's `EarlyStopping` callback.
import Foundation

/// Tracks the best value of one monitored metric and when to stop.
///
/// After each epoch: if the value improves on the best by more than `min_delta` in the
/// metric's direction, it becomes the best and the wait resets to 0; otherwise the wait
/// grows by one, and the run stops once it reaches `patience`. With patience 0 the first
/// epoch without improvement stops the run.
public struct EarlyStopping: Sendable, Hashable {
  /// The `early_stopping` entry of the spec.
  public struct Config: Sendable, Hashable {
    /// `valid_<metric>` or `train_<metric>`.
    public var monitor: String
    /// Epochs without improvement before stopping.
    public var patience: Int
    /// The smallest change that counts as an improvement (≥ 0).
    public var minDelta: Double
    /// Whether the run ends with the weights of the best epoch.
    public var restoreBest: Bool

    public init(monitor: String = "valid_loss", patience: Int = 5, minDelta: Double = 0, restoreBest: Bool = true) {
      self.monitor = monitor
      self.patience = patience
      self.minDelta = minDelta
      self.restoreBest = restoreBest
    }

    /// The metric the monitor names (`valid_accuracy` → `.accuracy`), nil if none.
    public var metric: Metric? {
      for prefix in ["valid_", "train_"] where monitor.hasPrefix(prefix) {
        return Metric(rawValue: String(monitor.dropFirst(prefix.count)))
      }
      return nil
    }

  }

  /// What the epoch just recorded means for the run.
  public enum Decision: Sendable, Hashable {
    /// A new best value: keep these weights if `restoreBest`.
    case improved
    /// No improvement yet, but patience is not used up.
    case wait
    /// Patience is used up: end the run (and restore the best weights if asked).
    case stop
  }

  /// Everything that changes from epoch to epoch; saved with a checkpoint.
  public struct State: Sendable, Hashable, Codable {
    /// The monitor this state belongs to, checked when it is restored.
    public var monitor: String
    /// The best value so far, nil before the first improvement.
    public var bestValue: Double?
    /// The epoch of the best value, as the caller numbers epochs.
    public var bestEpoch: Int?
    /// Epochs since the last improvement.
    public var wait: Int
    /// The epoch that stopped the run, once stopped.
    public var stoppedEpoch: Int?

    public init(monitor: String, bestValue: Double? = nil, bestEpoch: Int? = nil, wait: Int = 0, stoppedEpoch: Int? = nil) {
      self.monitor = monitor
      self.bestValue = bestValue
      self.bestEpoch = bestEpoch
      self.wait = wait
      self.stoppedEpoch = stoppedEpoch
    }
  }

  public let config: Config
  /// Whether larger monitored values are better.
  public let direction: MetricDirection
  public private(set) var state: State

  /// A fresh tracker; the monitor must name a metric (`valid_loss`, `train_accuracy`).
  public init(_ config: Config) throws(TrainConfigError) {
    guard let metric = config.metric else {
      throw TrainConfigError("cannot monitor '\(config.monitor)'", help: "monitor 'valid_<metric>' or 'train_<metric>'")
    }
    self.config = config
    direction = metric.direction
    state = State(monitor: config.monitor)
  }

  /// A tracker that continues from `serialized` state (see `serialized()`).
  public init(_ config: Config, restoring serialized: String) throws(TrainConfigError) {
    try self.init(config)
    let restored: State
    do {
      let decoder = JSONDecoder()
      decoder.nonConformingFloatDecodingStrategy = Self.nonFinite
      restored = try decoder.decode(State.self, from: Data(serialized.utf8))
    } catch {
      throw TrainConfigError("cannot read the early-stopping state '\(serialized)'")
    }
    guard restored.monitor == config.monitor else {
      throw TrainConfigError("the checkpoint's early stopping monitors '\(restored.monitor)', the spec '\(config.monitor)'",
                             help: "resume with the spec the checkpoint was trained with")
    }
    state = restored
  }

  /// Records epoch `epoch`'s monitored value and says whether to go on.
  public mutating func update(epoch: Int, value: Double) -> Decision {
    if state.stoppedEpoch != nil { return .stop }
    // Before any improvement the reference is ±∞, as Keras starts `best`.
    let reference = state.bestValue ?? (direction == .minimize ? .infinity : -.infinity)
    if direction.improves(value, on: reference, minDelta: config.minDelta) {
      state.bestValue = value
      state.bestEpoch = epoch
      state.wait = 0
      return .improved
    }
    state.wait += 1
    if state.wait >= config.patience {
      state.stoppedEpoch = epoch
      return .stop
    }
    return .wait
  }

  /// How a non-finite best value (a loss of −∞) is spelled in the JSON.
  private static let nonFinite = JSONDecoder.NonConformingFloatDecodingStrategy.convertFromString(
    positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")

  /// The state as one line of JSON with sorted keys, for a checkpoint's metadata.
  /// Doubles are written in their shortest round-tripping form, so restoring is exact.
  public func serialized() -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    // State holds only strings, integers and doubles (non-finite ones as strings); encoding cannot fail.
    let data = try! encoder.encode(state)
    return String(decoding: data, as: UTF8.self)
  }
}

"""##########),
    ("Sources/DLCTraining/Training/Evaluator.swift", ##########"""
/// Runs the backend's forward pass and loss over a data set in batches and accumulates
/// metrics.
struct Evaluator {
  let backend: TrainingBackend
  let batchSize: Int

  /// The metrics of `data` (loss first).
  func evaluate(_ data: Dataset, metrics names: [Metric], recorder: MetricRecorder) throws -> MetricSet {
    var metrics = MetricSet(names)
    var recorder = recorder
    let batches = EpochBatches(sequential: data.count, batchSize: batchSize)
    for b in 0..<batches.count {
      let indices = batches[b]
      let target = try backend.lossTarget(batch: indices.count)
      try data.gather(indices, x: try backend.predictBuffer(batch: indices.count), target: target, as: backend.targetLayout)
      let output = try backend.predict(batch: indices.count)
      let loss = try backend.loss(batch: indices.count)
      recorder.record(&metrics, loss: Double(loss), output: output, outputCount: indices.count * backend.outputWidth,
                      target: backend.targetLayout.metricTarget(target), batchSize: indices.count)
    }
    return metrics
  }

  /// Model outputs for every sample of `data`, row-major.
  func outputs(_ data: Dataset) throws -> (values: [Float], width: Int) {
    let batches = EpochBatches(sequential: data.count, batchSize: batchSize)
    var values: [Float] = []
    let width = backend.outputWidth
    for b in 0..<batches.count {
      let indices = batches[b]
      data.gatherFeatures(indices, x: try backend.predictBuffer(batch: indices.count))
      let output = try backend.predict(batch: indices.count)
      values += UnsafeBufferPointer(start: output, count: indices.count * width)
    }
    return (values, width)
  }
}

extension EpochRecord {
  /// A record from named metric values (`train_loss`, `valid_loss`, others in order).
  static func make(epoch: Int, lr: Double, values: [MetricValue], seconds: Double, samplesPerSecond: Double) -> EpochRecord {
    let trainLoss = values.first { $0.name == "train_loss" }?.value ?? .nan
    let validLoss = values.first { $0.name == "valid_loss" }?.value
    let others = values.filter { $0.name != "train_loss" && $0.name != "valid_loss" }.map { Metric($0.name, Float($0.value)) }
    return EpochRecord(epoch: epoch, lr: Float(lr), trainLoss: Float(trainLoss), validLoss: validLoss.map(Float.init),
                       metrics: others, seconds: seconds, samplesPerSecond: samplesPerSecond)
  }
}

"""##########),
    ("Sources/DLCTraining/Training/FeatureCache.swift", ##########"""
import DLCBasics
import Foundation

/// The frozen prefix's outputs on disk (`cache: disk`): `<runs>/cache/<key>.bin`, so a
/// second run over the same prefix and data skips the precomputation.
///
/// The key is the SHA-256 of what the outputs are a function of: the prefix's IR (without
/// source locations), the values of the parameters it reads, and the features of each
/// split as the prefix receives them. Those features already are the data files'
/// contents after the split (fractions, stratification, seed) and the preprocessing
/// (statistics fitted on the train split), so any change to one of them changes the key,
/// and a change that does not reach the prefix's input (a renamed file) does not.
///
/// File layout, little-endian: the magic `DLCFEAT1`, the key (32 bytes), the SHA-256 of
/// the payload (32 bytes), the rank and the output shape (UInt32, then UInt64 each), the
/// split count and each split's sample count (UInt32, then UInt64 each), then the payload:
/// each split's outputs as Float32, row-major. Written atomically; a file whose header,
/// size or payload checksum does not match is reported and recomputed, never used.
enum FeatureCache {
  /// What reading a cache file found.
  enum Lookup {
    case found([[Float]])
    case missing
    case invalid(String)
  }

  static let magic = Array("DLCFEAT1".utf8)

  /// The cache key of `prefix` with the current `parameters` over `splits`.
  static func key(prefix: FrozenPrefix, parameters: [ParameterSlot], splits: [Dataset]) -> [UInt8] {
    var h = SHA256()
    h.update(field: "dlc precompute-frozen cache 1")
    h.update(field: prefix.text)
    let slots = Dictionary(parameters.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    for name in prefix.parameters.sorted() {
      h.update(field: name)
      guard let slot = slots[name] else { continue }
      h.update(field: slot.dtype.rawValue)
      for d in slot.shape { h.update(integer: UInt64(d)) }
      h.update(UnsafeRawBufferPointer(start: slot.pointer, count: slot.byteCount))
    }
    for split in splits {
      h.update(integer: UInt64(split.count))
      for d in split.sampleShape { h.update(integer: UInt64(d)) }
      split.x.withUnsafeBytes { h.update($0) }
    }
    return h.finalize()
  }

  /// The splits' outputs stored at `path`, if it holds exactly what `key`, `shape` and
  /// `counts` describe.
  static func read(_ path: String, key: [UInt8], shape: [Int], counts: [Int]) -> Lookup {
    guard FileManager.default.fileExists(atPath: path) else { return .missing }
    guard let data = FileManager.default.contents(atPath: path) else { return .invalid("it cannot be read") }
    let header = headerBytes(key: key, payloadDigest: [UInt8](repeating: 0, count: 32), shape: shape, counts: counts)
    let width = shape.reduce(1, *)
    let payloadBytes = counts.reduce(0) { $0 + $1 * width } * 4
    return data.withUnsafeBytes { raw -> Lookup in
      guard raw.count >= header.count, Array(raw[0..<8]) == magic else { return .invalid("not a feature cache") }
      guard Array(raw[8..<40]) == key else { return .invalid("it was written for other data or weights") }
      guard Array(raw[72..<header.count]) == Array(header[72...]) else {
        return .invalid("its shape or sample counts differ")
      }
      guard raw.count == header.count + payloadBytes else {
        return .invalid("it holds \(raw.count) bytes, not \(header.count + payloadBytes)")
      }
      let payload = UnsafeRawBufferPointer(rebasing: raw[header.count...])
      guard SHA256.hash(payload) == Array(raw[40..<72]) else { return .invalid("its contents do not match their checksum") }
      var out: [[Float]] = []
      var offset = 0
      for count in counts {
        let n = count * width
        out.append([Float](unsafeUninitializedCapacity: n) { buffer, initialized in
          if n > 0 { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: payload[offset..<offset + 4 * n])) }
          initialized = n
        })
        offset += 4 * n
      }
      return .found(out)
    }
  }

  /// Stores `features` (one array per split) at `path`, atomically.
  static func write(_ path: String, key: [UInt8], shape: [Int], features: [[Float]]) throws {
    var payload = SHA256()
    for f in features { f.withUnsafeBytes { payload.update($0) } }
    var bytes = headerBytes(key: key, payloadDigest: payload.finalize(), shape: shape, counts: features.map { $0.count / max(shape.reduce(1, *), 1) })
    bytes.reserveCapacity(bytes.count + features.reduce(0) { $0 + 4 * $1.count })
    for f in features { f.withUnsafeBytes { bytes.append(contentsOf: $0) } }
    do throws(AtomicFile.Failure) {
      try AtomicFile.createDirectories(AtomicFile.directory(of: path))
      try AtomicFile.replace(path, with: bytes)
    } catch {
      throw TrainingError("cannot write the feature cache '\(path)': \(error.reason)")
    }
  }

  /// The header: magic, key, payload digest, shape and counts.
  static func headerBytes(key: [UInt8], payloadDigest: [UInt8], shape: [Int], counts: [Int]) -> [UInt8] {
    var out = magic + key + payloadDigest
    func append<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
    append(UInt32(shape.count))
    for d in shape { append(UInt64(d)) }
    append(UInt32(counts.count))
    for c in counts { append(UInt64(c)) }
    return out
  }
}

"""##########),
    ("Sources/DLCTraining/Training/FrozenPrefix.swift", ##########"""
import DLCBasics
import Foundation

/// A model's frozen prefix, split off by `precompute-frozen`: the layers from the input
/// that nothing trains and nothing random runs in. A backend with one computes
/// `predict(precompute(x))`; the training loop maps every split through `precompute`
/// once, before the first epoch, and trains the head on the results.
public struct FrozenPrefix: Sendable, Hashable {
  /// The per-sample shape of the prefix's output, the head's input.
  public var outputShape: [Int]
  /// The prefix's IR without source locations: what it computes, for the cache key.
  public var text: String
  /// The parameters the prefix reads, whose values are part of the cache key.
  public var parameters: [String]
  /// Whether the results are also kept in `<runs>/cache/` for the next run (`cache: disk`).
  public var diskCache: Bool

  public init(outputShape: [Int], text: String, parameters: [String], diskCache: Bool) {
    self.outputShape = outputShape
    self.text = text
    self.parameters = parameters
    self.diskCache = diskCache
  }

  /// Floats per sample of the prefix's output.
  public var outputCount: Int { outputShape.reduce(1, *) }
}

extension TrainingBackend {
  public var frozenPrefix: FrozenPrefix? { nil }

  public func precomputeBuffer(batch n: Int) throws -> UnsafeMutablePointer<Float> {
    throw TrainingError("the model has no frozen prefix to precompute")
  }

  public func precompute(batch n: Int) throws -> UnsafePointer<Float> {
    throw TrainingError("the model has no frozen prefix to precompute")
  }

  /// `data` as the head sees it: each sample's features replaced by the frozen prefix's
  /// output, computed in sequential batches of `batchSize`; `data` itself when the model
  /// has no prefix. Reconstruction targets (the features themselves) become explicit values.
  public func precomputed(_ data: Dataset, batchSize: Int) throws -> Dataset {
    guard let prefix = frozenPrefix else { return data }
    return try precomputed(data, features: mapThroughPrefix(data, prefix: prefix, batchSize: batchSize), prefix: prefix)
  }

  /// The prefix's output for every sample of `data`, row-major.
  func mapThroughPrefix(_ data: Dataset, prefix: FrozenPrefix, batchSize: Int) throws -> [Float] {
    let width = prefix.outputCount, f = data.featureCount
    var out = [Float](repeating: 0, count: data.count * width)
    let batches = EpochBatches(sequential: data.count, batchSize: batchSize)
    try out.withUnsafeMutableBufferPointer { dst in
      try data.x.withUnsafeBufferPointer { src in
        for b in 0..<batches.count {
          let (first, rows) = (b * batchSize, batches[b].count)
          let x = try precomputeBuffer(batch: rows)
          x.update(from: src.baseAddress! + first * f, count: rows * f)
          let y = try precompute(batch: rows)
          (dst.baseAddress! + first * width).update(from: y, count: rows * width)
        }
      }
    }
    return out
  }

  /// `data` with `features` (the prefix's output) in place of its own.
  func precomputed(_ data: Dataset, features: [Float], prefix: FrozenPrefix) -> Dataset {
    let targets: Targets
    if case .reconstruction = data.y { targets = .values(data.x, width: data.featureCount) } else { targets = data.y }
    return Dataset(x: features, y: targets, count: data.count, sampleShape: prefix.outputShape)
  }
}

extension Trainer {
  /// The run's splits mapped through the backend's frozen prefix: read from the disk
  /// cache when asked for and valid, computed (and then stored) otherwise.
  func precompute(_ data: inout PreparedData, prefix: FrozenPrefix, backend: TrainingBackend) throws {
    let started = Date()
    let splits = [data.train, data.valid, data.test]
    var features: [[Float]]?
    var note = ""
    var cache: (path: String, key: [UInt8])?
    if prefix.diskCache {
      let key = FeatureCache.key(prefix: prefix, parameters: backend.parameters, splits: splits)
      let path = options.runsDirectory + "/cache/" + SHA256.hex(key) + ".bin"
      cache = (path, key)
      switch FeatureCache.read(path, key: key, shape: prefix.outputShape, counts: splits.map(\.count)) {
      case .found(let cached):
        features = cached
        note = "read from \(path)"
      case .missing:
        note = "cached in \(path)"
      case .invalid(let why):
        note = "\(path) was not usable (\(why)); recomputed and rewrote it"
      }
    }
    let mapped = try features ?? splits.map { try backend.mapThroughPrefix($0, prefix: prefix, batchSize: config.batchSize) }
    if features == nil, let cache {
      // A cache that cannot be written costs the next run time, not this one its result.
      do { try FeatureCache.write(cache.path, key: cache.key, shape: prefix.outputShape, features: mapped) } catch {
        note = "not cached: \(error)"
      }
    }
    data.train = backend.precomputed(data.train, features: mapped[0], prefix: prefix)
    data.valid = backend.precomputed(data.valid, features: mapped[1], prefix: prefix)
    data.test = backend.precomputed(data.test, features: mapped[2], prefix: prefix)
    let samples = splits.reduce(0) { $0 + $1.count }
    let seconds = String(format: "%.2f", Date().timeIntervalSince(started))
    options.write("precomputed the frozen prefix for \(samples) samples (\(prefix.outputCount) floats each) in \(seconds) s"
      + (note.isEmpty ? "" : "; " + note) + "\n")
  }
}

"""##########),
    ("Sources/DLCTraining/Training/Inference.swift", ##########"""
import Foundation

/// `dlc eval` and `dlc predict`: a trained checkpoint applied to data.
///
/// Both read the parameters and the preprocessing statistics from the checkpoint, so
/// the numbers do not depend on re-fitting anything; evaluation re-creates the split
/// from the checkpoint's seed, which selects exactly the samples training held out.
public enum Inference {
  /// The metrics of one split.
  public struct Evaluation {
    public var split: String
    public var samples: Int
    /// Loss first, then the spec's metrics, unprefixed (`loss`, `accuracy`, …).
    public var metrics: [MetricValue]
    /// Why this split, when it was not the one asked for by name (`valid` by default).
    public var note: String? = nil
    /// Per target of a multi-target regression: its name and its mae, rmse and r2.
    public var targets: [(name: String, metrics: [MetricValue])] = []

    public init(split: String, samples: Int, metrics: [MetricValue], targets: [(name: String, metrics: [MetricValue])] = []) {
      self.split = split
      self.samples = samples
      self.metrics = metrics
      self.targets = targets
    }

    /// One JSON object: `{"split":"test","samples":270,"loss":…,"accuracy":…}`, with
    /// `"targets":{"price":{"mae":…,"rmse":…},…}` for a multi-target regression.
    public var json: String {
      func number(_ v: Double) -> String { v.isFinite ? "\(v)" : "null" }
      var fields = ["\"split\":\"\(split)\"", "\"samples\":\(samples)"]
      for m in metrics { fields.append(jsonQuote(m.name) + ":" + number(m.value)) }
      if !targets.isEmpty {
        let items = targets.map { t in
          jsonQuote(t.name) + ":{" + t.metrics.map { jsonQuote($0.name) + ":" + number($0.value) }.joined(separator: ",") + "}"
        }
        fields.append("\"targets\":{" + items.joined(separator: ",") + "}")
      }
      return "{" + fields.joined(separator: ",") + "}"
    }

    /// Aligned lines: `test_loss      0.0834`, then per target `test_mae[price]  1.25`.
    public var text: String {
      let rows = metrics.map { ("\(split)_\($0.name)", $0.value) }
        + targets.flatMap { t in t.metrics.map { ("\(split)_\($0.name)[\(t.name)]", $0.value) } }
      let width = rows.map(\.0.count).max() ?? 0
      var out = "\(split): \(samples) samples" + (note.map { " (\($0))" } ?? "") + "\n"
      for (name, value) in rows {
        out += name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + String(format: "%.6f", value) + "\n"
      }
      return out
    }
  }

  /// The model parameters of `backend` (not its optimizer state) from `checkpoint`, its
  /// normalizer and its seed. Every model parameter must come from the file: one it
  /// lacked would keep a zero buffer and give numbers that look real.
  /// `loaded` is the file's content when the caller has read it already (to choose the model).
  /// The checkpoint is checked first (`CheckpointCheck`): `use` says whether the split's seed must be there.
  static func load(
    run: RunDescription, checkpoint path: String, loaded: Checkpoint? = nil, use: CheckpointCheck.Use = .evaluate,
    makeBackend: (UInt64) throws -> TrainingBackend
  ) throws -> (TrainingBackend, Normalizer, UInt64, Checkpoint) {
    let checkpoint = try loaded ?? Checkpoint(contentsOf: path)
    let seed = try CheckpointCheck.check(checkpoint, path: path, run: run, use: use).seed ?? run.train.seed
    let normalizer = try Normalizer(tensors: checkpoint.tensors, path: path)
    let backend = try makeBackend(seed)
    try backend.parameters.filter { !$0.isOptimizerState }.restore(from: checkpoint, path: path)
    return (backend, normalizer, seed, checkpoint)
  }

  /// The train split as `checkpoint` saw it (the split of its seed, normalized with its
  /// statistics), with that seed and the balanced class weights: what optimization passes
  /// calibrate and fine-tune on.
  public static func trainingSplit(
    run: RunDescription, checkpoint: Checkpoint, path: String
  ) throws -> (train: Dataset, seed: UInt64, balancedClassWeights: [Float]?) {
    let seed = try CheckpointCheck.check(checkpoint, path: path, run: run, use: .evaluate).seed ?? run.train.seed
    let data = try PreparedData(run: run, seed: seed, normalizer: Normalizer(tensors: checkpoint.tensors, path: path),
                                targetScaler: TargetScaler(tensors: checkpoint.tensors))
    return (data.train, seed, data.balancedClassWeights)
  }

  /// The split `dlc eval` reads when none is named: test when the spec holds one out,
  /// else valid, else nil (the spec's 'data.split' holds nothing out).
  public static func defaultSplit(_ run: RunDescription) -> String? {
    if run.data.split.test > 0 { return "test" }
    if run.data.split.valid > 0 { return "valid" }
    return nil
  }

  /// The split to evaluate: `requested`, or the default (`defaultSplit`). A held-out split
  /// the spec does not have, named or by default, is an error that says which it has.
  static func splitToEvaluate(_ run: RunDescription, requested: String?) throws -> String {
    let fractions = ["valid": run.data.split.valid, "test": run.data.split.test]
    guard let name = requested else {
      guard let name = defaultSplit(run) else {
        throw TrainingError("the spec holds out no valid or test split ('data.split'); evaluate on the train split with '--split train'")
      }
      return name
    }
    if let fraction = fractions[name], !(fraction > 0) {
      let other = name == "test" ? "valid" : "test"
      let hint = (fractions[other] ?? 0) > 0 ? "use '--split \(other)'" : "use '--split train', or hold out a split in 'data.split'"
      throw TrainingError("the spec has no \(name) split ('data.split' gives '\(name)' no samples); \(hint)")
    }
    return name
  }

  /// `dlc eval`: the metrics of `split` (`train`, `valid`, `test`; nil: `defaultSplit`)
  /// under `checkpoint`.
  public static func evaluate(
    run: RunDescription, checkpoint path: String, split requested: String?, loaded: Checkpoint? = nil,
    makeBackend: (UInt64) throws -> TrainingBackend
  ) throws -> Evaluation {
    let name = try splitToEvaluate(run, requested: requested)
    let (backend, normalizer, seed, checkpoint) = try load(run: run, checkpoint: path, loaded: loaded, makeBackend: makeBackend)
    let data = try PreparedData(run: run, seed: seed, normalizer: normalizer, targetScaler: TargetScaler(tensors: checkpoint.tensors))
    guard let raw = data.split(name) else { throw TrainingError("unknown split '\(name)'; use train, valid or test") }
    guard raw.count > 0 else {
      throw TrainingError("the \(name) split is empty: the spec's 'data.split' gives it no samples")
    }
    let split = try backend.precomputed(raw, batchSize: run.train.batchSize)
    backend.balancedClassWeights = data.balancedClassWeights
    let evaluator = Evaluator(backend: backend, batchSize: run.train.batchSize)
    // A regression always reports R² (scikit-learn's r2_score), listed or not.
    let regression = data.config.task == .regression
    let names = run.train.metrics + (regression && !run.train.metrics.contains(.r2) ? [.r2] : [])
    let metrics = try evaluator.evaluate(split, metrics: names, recorder: data.metricRecorder(run))
    var values = metrics.values(prefix: "")
    if case .values(let targets, _) = split.y, regression {
      values += regressionBaseline(split: split, targets: targets, data: data)
    }
    let columns = data.config.targetNames(width: backend.outputWidth)
    let perTarget = columns.indices.map { j in
      (name: columns[j], metrics: metrics.accumulators.filter(\.metric.isPerTarget).compactMap { a -> MetricValue? in
        let v = a.columnValues
        return v.count == columns.count ? MetricValue(name: a.metric.rawValue, value: v[j]) : nil
      })
    }
    var evaluation = Evaluation(split: name, samples: split.count, metrics: values, targets: perTarget)
    if requested == nil, name != "test" { evaluation.note = "the spec holds out no test split" }
    return evaluation
  }

  /// The raw model outputs (`samples × width`, before any target scaling is undone) of
  /// `split` under `checkpoint`: what `dlc predict` formats, as numbers, for comparing models.
  public static func outputs(
    run: RunDescription, checkpoint path: String, split name: String, loaded: Checkpoint? = nil,
    makeBackend: (UInt64) throws -> TrainingBackend
  ) throws -> (values: [Float], width: Int) {
    let (backend, normalizer, seed, checkpoint) = try load(run: run, checkpoint: path, loaded: loaded, makeBackend: makeBackend)
    let data = try PreparedData(run: run, seed: seed, normalizer: normalizer, targetScaler: TargetScaler(tensors: checkpoint.tensors))
    guard let split = data.split(name) else { throw TrainingError("unknown split '\(name)'; use train, valid or test") }
    return try Evaluator(backend: backend, batchSize: run.train.batchSize)
      .outputs(backend.precomputed(split, batchSize: run.train.batchSize))
  }

  /// The RMSE of predicting the train split's mean, in the data's units: the trivial
  /// regressor the model's rmse compares with.
  static func regressionBaseline(split: Dataset, targets: [Float], data: PreparedData) -> [MetricValue] {
    var truth = targets
    var trainTargets: [Float] = { if case .values(let v, _) = data.train.y { return v } else { return [] } }()
    if let scaler = data.targetScaler {
      let t = truth, tt = trainTargets
      t.withUnsafeBufferPointer { scaler.restore($0.baseAddress!, count: $0.count, into: &truth) }
      tt.withUnsafeBufferPointer { scaler.restore($0.baseAddress!, count: $0.count, into: &trainTargets) }
    }
    let width = max(truth.count / max(split.count, 1), 1)
    var mean = [Double](repeating: 0, count: width)
    for (i, v) in trainTargets.enumerated() { mean[i % width] += Double(v) }
    mean = mean.map { $0 / Double(max(trainTargets.count / width, 1)) }
    var sst = 0.0
    for i in truth.indices { sst += pow(mean[i % width] - Double(truth[i]), 2) }
    return [MetricValue(name: "baseline_rmse", value: (sst / Double(max(truth.count, 1))).squareRoot())]
  }

  /// `dlc predict`: model outputs for the samples in `input` (CSV or NPY), as CSV text.
  /// Classification writes the arg-max class and one probability per class (binary
  /// `bce_with_logits`: the class at the 0.5 threshold and the sigmoid); regression the
  /// outputs in the targets' units; reconstruction the reconstructed features in the
  /// data's units (see `reconstruction`).
  public static func predict(
    run: RunDescription, checkpoint path: String, input: String, loaded: Checkpoint? = nil,
    makeBackend: (UInt64) throws -> TrainingBackend
  ) throws -> String {
    let (backend, normalizer, _, checkpoint) = try load(run: run, checkpoint: path, loaded: loaded, use: .predict, makeBackend: makeBackend)
    var data = try loadInput(run: run, path: input)
    normalizer.apply(to: &data)
    if PreparedData.reconstructsProbabilities(run), normalizer.kind == .minmax {
      try PreparedData.prepareProbabilityTargets(&data, config: run.data)
    }
    var (values, width) = try Evaluator(backend: backend, batchSize: run.train.batchSize)
      .outputs(backend.precomputed(data, batchSize: run.train.batchSize))
    if let scaler = TargetScaler(tensors: checkpoint.tensors), scaler.mean.count == width {
      let standardized = values
      standardized.withUnsafeBufferPointer { scaler.restore($0.baseAddress!, count: $0.count, into: &values) }
    }
    if run.data.task == .reconstruction { values = reconstruction(values, run: run, normalizer: normalizer) }
    let config = run.data
    let lossOp = run.loss
    var out = ""
    if config.task == .classification {
      let target = { if case .csv(_, let t, _) = config.source { return t.first ?? "class" } else { return "class" } }()
      let binary = width == 1 && lossOp == "bce_with_logits"
      out += ([target] + (binary ? ["probability"] : (0..<width).map { "probability_\($0)" })).joined(separator: ",") + "\n"
      for r in 0..<data.count {
        let row = Array(values[r * width..<(r + 1) * width])
        if binary {
          let p = 1 / (1 + exp(-Double(row[0])))
          out += "\(p > 0.5 ? 1 : 0),\(format(p))\n"
        } else {
          let m = row.max() ?? 0
          let e = row.map { exp(Double($0 - m)) }
          let s = e.reduce(0, +)
          let best = row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) } ?? 0
          out += "\(best)," + e.map { format($0 / s) }.joined(separator: ",") + "\n"
        }
      }
    } else {
      let names: [String]
      if case .csv(_, let t, _) = config.source, t.count == width, config.task == .regression { names = t } else { names = (0..<width).map { "output_\($0)" } }
      out += names.joined(separator: ",") + "\n"
      for r in 0..<data.count {
        out += values[r * width..<(r + 1) * width].map { format(Double($0)) }.joined(separator: ",") + "\n"
      }
    }
    return out
  }

  /// Reconstructed samples in the data's units: the sigmoid of logits (`bce_with_logits`),
  /// then the normalization undone, x = x'·scale + shift per feature.
  static func reconstruction(_ outputs: [Float], run: RunDescription, normalizer: Normalizer) -> [Float] {
    var values = outputs
    if PreparedData.reconstructsProbabilities(run) { values = values.map(MetricRecorder.sigmoid) }
    let f = normalizer.shift.count
    guard f > 0, values.count % f == 0 else { return values }
    for i in values.indices { values[i] = values[i] * normalizer.scale[i % f] + normalizer.shift[i % f] }
    return values
  }

  /// The features of a prediction input: a CSV with the training feature columns, matched
  /// by their header names (other columns, the target too, are not read), or an NPY of samples.
  static func loadInput(run: RunDescription, path: String) throws -> Dataset {
    let config = run.data
    let shape: [Int]? = run.inputShape
    var input = config
    input.task = .reconstruction
    input.classes = nil
    if path.hasSuffix(".npy") {
      input.source = .npy(x: path, y: nil)
    } else {
      guard case .csv(_, let target, let features) = config.source else {
        throw TrainingError("'\(path)' is not an NPY file; this model was trained on NPY data, so give its samples as .npy")
      }
      if let features {
        input.source = .csv(path: path, target: [], features: features)
        return try checked(DataLoader.load(input, sampleShape: shape), expected: shape, path: path)
      }
      // A run description without feature names (an IR written before they were
      // recorded): every non-target column in header order, the target first excluded if there.
      input.source = .csv(path: path, target: target, features: nil)
      do {
        return try checked(DataLoader.load(input, sampleShape: shape), expected: shape, path: path)
      } catch let error as DataError where error.id == "data.columnNotFound" {
        input.source = .csv(path: path, target: [], features: nil)
      }
    }
    return try checked(DataLoader.load(input, sampleShape: shape), expected: shape, path: path)
  }

  private static func checked(_ data: Dataset, expected shape: [Int]?, path: String) throws -> Dataset {
    let want = shape?.reduce(1, *) ?? data.featureCount
    guard data.featureCount == want else {
      throw TrainingError("\(path): each sample has \(data.featureCount) features, the model takes \(want)")
    }
    return data
  }

  private static func format(_ v: Double) -> String { String(format: "%.6g", v) }
}

"""##########),
    ("Sources/DLCTraining/Training/Latency.swift", ##########"""
import DLCKernels
import Foundation

/// `latency`: how long one forward pass takes at given batch sizes, for comparing a model
/// before and after optimization passes, or the interpreter with an emitted model.
public enum Latency {
  /// The timing of one batch size.
  public struct Measurement: Sendable {
    public var batch: Int
    public var runs: Int
    /// Median, 10th and 90th percentile seconds per forward pass.
    public var median: Double
    public var p10: Double
    public var p90: Double
    /// Calls of the model per forward pass: 1, or more when the batch is larger than the
    /// model's largest call (an emitted model, planned for the spec's batch size).
    public var calls: Int = 1

    public var samplesPerSecond: Double { median > 0 ? Double(batch) / median : 0 }

    /// `batch   256  median  512.3 µs  (p10 500.1, p90 530.2)  499,700 samples/s`, with
    /// `in 4 calls` when the batch took several.
    public var text: String {
      String(format: "batch %5d  median %10.1f µs  (p10 %.1f, p90 %.1f)  %12.0f samples/s  [%d runs]",
             batch, median * 1e6, p10 * 1e6, p90 * 1e6, samplesPerSecond, runs) + (calls > 1 ? "  in \(calls) calls" : "")
    }
  }

  /// Times `predict(batch:)` of the backend in `checkpoint` at each batch size for about
  /// `seconds` each, after a warm-up, on deterministic inputs (weights do not change speed).
  /// Any batch size runs: the interpreter plans a program for each (`largestCall` nil); a
  /// model planned for at most `largestCall` samples per call (an emitted model, whose
  /// memory plan is fixed at compile time) runs a larger batch as consecutive calls of at
  /// most that many samples, and the measurement says how many calls a pass took.
  public static func measure(
    run: RunDescription, checkpoint path: String, batches: [Int], seconds: Double, loaded: Checkpoint? = nil,
    largestCall: Int? = nil, makeBackend: (UInt64) throws -> TrainingBackend
  ) throws -> [Measurement] {
    let (backend, _, seed, _) = try Inference.load(run: run, checkpoint: path, loaded: loaded, use: .predict, makeBackend: makeBackend)
    let width = run.inputShape.reduce(1, *)
    return try batches.map { n in
      guard n >= 1 else { throw TrainingError("batch \(n) is not a batch size: it needs at least 1 sample") }
      let call = min(n, largestCall ?? n)
      let (full, rest) = n.quotientAndRemainder(dividingBy: call)
      let calls = full + (rest > 0 ? 1 : 0)
      for size in Set([call, rest]) where size > 0 {
        let x = try backend.predictBuffer(batch: size)
        let (count, overflow) = size.multipliedReportingOverflow(by: width)
        guard !overflow else { throw TrainingError("batch \(n) is too large: \(size) × \(width) features overflow") }
        InitKernel.normal(x, count: count, mean: 0, std: 1, stream: RandomStream(seed: seed, purpose: .shuffle, id: UInt64(size)))
      }
      var measured = try time(runs: {
        for _ in 0..<full { _ = try backend.predict(batch: call) }
        if rest > 0 { _ = try backend.predict(batch: rest) }
      }, batch: n, seconds: seconds)
      measured.calls = calls
      return measured
    }
  }

  /// Batch sizes from `1,256`.
  public static func batchList(_ text: String) throws -> [Int] {
    let sizes = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) >= 1 }) else {
      throw TrainingError("--batch needs whole numbers ≥ 1 separated by commas, not '\(text)'")
    }
    return sizes.map { $0! }
  }

  /// Seconds per batch size from text, in (0, 600].
  public static func seconds(_ text: String) throws -> Double {
    guard let s = Double(text), s > 0, s <= 600 else { throw TrainingError("--seconds needs a number in (0, 600], not '\(text)'") }
    return s
  }

  /// Runs `body` repeatedly for about `seconds` (at least 5 times, after 3 warm-up runs).
  static func time(runs body: () throws -> Void, batch: Int, seconds: Double) throws -> Measurement {
    for _ in 0..<3 { try body() }
    var samples: [Double] = []
    let start = now()
    while samples.count < 5 || (now() - start < seconds && samples.count < 1_000_000) {
      let t0 = now()
      try body()
      samples.append(now() - t0)
    }
    samples.sort()
    func at(_ q: Double) -> Double { samples[min(samples.count - 1, Int(q * Double(samples.count - 1)))] }
    return Measurement(batch: batch, runs: samples.count, median: at(0.5), p10: at(0.1), p90: at(0.9))
  }

  static func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
  }
}

"""##########),
    ("Sources/DLCTraining/Training/Metrics.swift", ##########"""
/// Metrics over an epoch, accumulated batch by batch.
///
/// In: each batch's loss (as `@train_step` or `@loss` returns it), the model's output and
/// the targets, as raw buffers. Out: one value per metric for the epoch, named as in the
/// spec (`loss`, `accuracy`, `mae`, `rmse`, `r2`) and prefixed `train_` / `valid_` in logs
/// and in `early_stopping.monitor`; `mae`, `rmse` and `r2` also per output column
/// (`TargetColumns`, reported per target of a multi-target regression). Sums are kept in
/// `Double`, so the value does not depend on how the split is cut into batches (beyond the
/// order of additions); the loss of a class-weighted `cross_entropy`, a weighted mean per
/// batch, is weighted by the batch's total weight, which gives the split's weighted mean.

/// A metric recorded each epoch.
public enum Metric: String, Sendable, Hashable, CaseIterable, Codable {
  /// The mean of the batch losses, weighted by batch size.
  case loss
  /// The fraction of samples classified right.
  case accuracy
  /// Mean absolute error over all output elements.
  case mae
  /// Root of the mean squared error over all output elements.
  case rmse
  /// The coefficient of determination 1 − SSE/SST per output column, SST about the
  /// column's mean over the split, averaged over the columns (scikit-learn's `r2_score`,
  /// `multioutput="uniform_average"`).
  case r2

  /// Which way is better: accuracy and R² grow, the errors shrink.
  public var direction: MetricDirection {
    self == .accuracy || self == .r2 ? .maximize : .minimize
  }

  /// Whether the metric is also kept per output column (`TargetColumns`).
  public var isPerTarget: Bool { self == .mae || self == .rmse || self == .r2 }
}

/// Which way a metric improves.
public enum MetricDirection: String, Sendable, Hashable, Codable {
  case minimize, maximize

  /// Whether `value` improves on `reference` by more than `minDelta` (Keras's
  /// `EarlyStopping._is_improvement`: `value − minDelta > reference` when maximizing,
  /// `value + minDelta < reference` when minimizing). NaN never improves.
  public func improves(_ value: Double, on reference: Double, minDelta: Double = 0) -> Bool {
    switch self {
    case .maximize: return value - minDelta > reference
    case .minimize: return value + minDelta < reference
    }
  }
}

/// The targets of one batch, as `@loss` takes them.
public enum MetricTarget {
  /// Class indices, one per sample (`tensor<Nxi32>`, cross-entropy).
  case classes(UnsafePointer<Int32>)
  /// Values with the output's element count (regression, reconstruction, and binary
  /// classification with `bce_with_logits`, whose targets are 0 or 1).
  case values(UnsafePointer<Float>)
}

/// A metric's name and its value for one split and epoch (`train_loss`, 0.3421).
public struct MetricValue: Sendable, Hashable {
  public var name: String
  public var value: Double

  public init(name: String, value: Double) {
    self.name = name
    self.value = value
  }
}

/// One metric's running sums over the batches of an epoch.
public struct MetricAccumulator: Sendable, Hashable {
  public let metric: Metric
  /// Σ loss·n, Σ correct, Σ |e| or Σ e², by metric.
  public private(set) var sum: Double = 0
  /// Samples (loss, class accuracy) or elements (mae, rmse, binary accuracy) recorded;
  /// the loss's total sample weight with class weights.
  public private(set) var count: Double = 0
  /// The same errors per output column (mae, rmse, r2).
  public private(set) var columns = TargetColumns()

  public init(_ metric: Metric) { self.metric = metric }

  /// Adds a batch's mean loss, weighted by its size, or by `weight` (Σ of its samples'
  /// weights) when the loss is a weighted mean Σ wᵢlᵢ / Σ wᵢ (class-weighted
  /// cross-entropy), so that the epoch's value is that mean over the whole split rather
  /// than a mean of batch means. Other metrics ignore it.
  public mutating func record(loss: Double, batchSize: Int, weight: Double? = nil) {
    guard metric == .loss else { return }
    let w = weight ?? Double(batchSize)
    sum += loss * w
    count += w
  }

  /// Adds a batch of `batchSize` samples whose output has `outputCount` elements.
  ///
  /// Accuracy against `.classes`: the arg-max over each sample's `outputCount / batchSize`
  /// outputs (the first maximum on ties, as `torch.argmax`) equals the label; with one
  /// output per sample, logit > 0 (sigmoid > 0.5) predicts class 1. Against `.values` (a
  /// `bce_with_logits` model): logit > 0 predicts 1, counted right when the target is
  /// ≥ 0.5; element by element, so one output per sample is one per sample.
  /// `loss` ignores this call; mae and rmse need `.values`.
  public mutating func record(output: UnsafePointer<Float>, outputCount: Int, target: MetricTarget, batchSize: Int) {
    if metric.isPerTarget, case .values(let targets) = target, batchSize > 0 {
      columns.record(output: output, target: targets, rows: batchSize, width: outputCount / batchSize, absolute: metric == .mae)
    }
    switch (metric, target) {
    case (.loss, _):
      return
    case (.accuracy, .classes(let labels)):
      precondition(batchSize > 0 && outputCount % batchSize == 0, "output of \(outputCount) elements for \(batchSize) samples")
      let width = outputCount / batchSize
      var correct = 0
      for i in 0..<batchSize {
        let row = output + i * width
        var best = 0
        if width == 1 {
          // One logit is a binary model: class 1 when sigmoid(logit) > 0.5, not an arg-max of one.
          best = row[0] > 0 ? 1 : 0
        } else {
          for j in 1..<max(width, 1) where row[j] > row[best] { best = j }
        }
        if Int(labels[i]) == best { correct += 1 }
      }
      sum += Double(correct)
      count += Double(batchSize)
    case (.accuracy, .values(let targets)):
      var correct = 0
      for i in 0..<outputCount where (output[i] > 0) == (targets[i] >= 0.5) { correct += 1 }
      sum += Double(correct)
      count += Double(outputCount)
    case (.mae, .values(let targets)):
      var s = 0.0
      for i in 0..<outputCount { s += abs(Double(output[i]) - Double(targets[i])) }
      sum += s
      count += Double(outputCount)
    case (.rmse, .values(let targets)):
      var s = 0.0
      for i in 0..<outputCount {
        let e = Double(output[i]) - Double(targets[i])
        s += e * e
      }
      sum += s
      count += Double(outputCount)
    case (.r2, .values):
      // Everything r2 needs is in `columns`; `count` says a batch was seen.
      count += Double(outputCount)
    case (.mae, .classes), (.rmse, .classes), (.r2, .classes):
      preconditionFailure("'\(metric.rawValue)' needs value targets, not class indices")
    }
  }

  /// The epoch's value: the mean (the root of the mean for rmse; the mean of the
  /// columns' R² for r2); NaN before any batch.
  public var value: Double {
    guard count > 0 else { return .nan }
    if metric == .r2 {
      let perColumn = columns.values(.r2)
      return perColumn.isEmpty ? .nan : perColumn.reduce(0, +) / Double(perColumn.count)
    }
    let mean = sum / count
    return metric == .rmse ? mean.squareRoot() : mean
  }

  /// The value per output column (mae, rmse, r2; empty for the others).
  public var columnValues: [Double] { columns.values(metric) }

  /// Forgets every batch, for the next epoch.
  public mutating func reset() {
    sum = 0
    count = 0
    columns.reset()
  }
}

/// The accumulators of every metric a run records, for one split.
public struct MetricSet: Sendable, Hashable {
  public private(set) var accumulators: [MetricAccumulator]

  /// Accumulators for `loss`, then the other `metrics` in their order, each once.
  public init(_ metrics: [Metric]) {
    var seen: Set<Metric> = []
    accumulators = ([.loss] + metrics).filter { seen.insert($0).inserted }.map(MetricAccumulator.init)
  }

  /// The metrics, in recording order.
  public var metrics: [Metric] { accumulators.map(\.metric) }

  /// Adds one batch to every metric: its mean `loss` (with `lossWeight`, the batch's
  /// total sample weight, when the loss is a weighted mean), and its output and targets.
  public mutating func record(
    loss: Double, output: UnsafePointer<Float>, outputCount: Int, target: MetricTarget, batchSize: Int, lossWeight: Double? = nil
  ) {
    for i in accumulators.indices {
      accumulators[i].record(loss: loss, batchSize: batchSize, weight: lossWeight)
      accumulators[i].record(output: output, outputCount: outputCount, target: target, batchSize: batchSize)
    }
  }

  /// The epoch's value of `metric`, nil when it is not recorded.
  public func value(of metric: Metric) -> Double? {
    accumulators.first { $0.metric == metric }?.value
  }

  /// Every value named `prefix + metric`, in recording order (`values(prefix: "valid_")`).
  public func values(prefix: String) -> [MetricValue] {
    accumulators.map { MetricValue(name: prefix + $0.metric.rawValue, value: $0.value) }
  }

  /// The per-target values named `prefix + metric[target]` (`valid_mae[price]`), target by
  /// target, for the metrics kept per column; none unless `targets` names every column.
  public func targetValues(prefix: String, targets: [String]) -> [MetricValue] {
    var out: [MetricValue] = []
    for (j, target) in targets.enumerated() {
      for a in accumulators where a.metric.isPerTarget {
        let values = a.columnValues
        guard values.count == targets.count else { continue }
        out.append(MetricValue(name: "\(prefix)\(a.metric.rawValue)[\(target)]", value: values[j]))
      }
    }
    return out
  }

  /// Forgets every batch, for the next epoch.
  public mutating func reset() {
    for i in accumulators.indices { accumulators[i].reset() }
  }
}

"""##########),
    ("Sources/DLCTraining/Training/PreparedData.swift", ##########"""
import Foundation

/// The data of a run, ready for training: loaded, split by the seed, normalized with
/// statistics of the train split.
struct PreparedData {
  var train: Dataset
  var valid: Dataset
  var test: Dataset
  let normalizer: Normalizer
  /// Standardizes regression targets (`normalize_target`), when asked for.
  let targetScaler: TargetScaler?
  let config: DataConfig
  /// `n / (C · count_c)` per class (scikit-learn's "balanced"), when classification.
  let balancedClassWeights: [Float]?
  /// Whether the model's outputs are logits of values in [0, 1] (reconstruction with
  /// `bce_with_logits`): metrics and predictions see their sigmoid.
  let outputsAreLogits: Bool

  /// The loss's weight per class for `run` (its given weights, or the balanced ones).
  func lossClassWeights(_ run: RunDescription) -> [Float]? {
    run.lossClassWeights?.resolved(balanced: balancedClassWeights)
  }

  /// Loads and prepares the data `run` describes; `normalizer` replaces the fitted
  /// statistics (evaluation uses the checkpoint's).
  init(run: RunDescription, seed: UInt64, normalizer saved: Normalizer? = nil, targetScaler savedScaler: TargetScaler? = nil) throws {
    config = run.data
    let all = try DataLoader.load(config, sampleShape: run.inputShape)
    outputsAreLogits = Self.reconstructsProbabilities(run)
    if outputsAreLogits, config.normalize == .none { try Self.checkProbabilities(all, config: config) }
    let split = try HoldoutSplit(count: all.count, fractions: config.split, classes: all.classIndices, seed: seed,
                                 path: config.source.path)
    train = all.subset(split.train)
    valid = all.subset(split.valid)
    test = all.subset(split.test)
    normalizer = saved ?? Normalizer(kind: config.normalize, fitting: train)
    normalizer.apply(to: &train)
    normalizer.apply(to: &valid)
    normalizer.apply(to: &test)
    if outputsAreLogits, config.normalize != .none {
      try Self.prepareProbabilityTargets(&train, config: config)
      try Self.prepareProbabilityTargets(&valid, config: config)
      try Self.prepareProbabilityTargets(&test, config: config)
    }
    if config.standardizeTargets, case .values(let v, let width) = train.y {
      let scaler = savedScaler ?? TargetScaler(fitting: v, width: width)
      scaler.apply(to: &train)
      scaler.apply(to: &valid)
      scaler.apply(to: &test)
      targetScaler = scaler
    } else {
      targetScaler = nil
    }
    if let classes = train.classIndices, let count = config.classes, count > 0 {
      var counts = [Int](repeating: 0, count: count)
      for c in classes { counts[Int(c)] += 1 }
      balancedClassWeights = counts.map { $0 == 0 ? 0 : Float(classes.count) / Float(count * $0) }
    } else {
      balancedClassWeights = nil
    }
  }

  /// How metrics see this run's batches: in the data's units, as probabilities when the
  /// outputs are logits.
  /// The metric recorder of `run`'s splits: target scaling, sigmoid outputs, class weights.
  func metricRecorder(_ run: RunDescription) -> MetricRecorder {
    MetricRecorder(scaler: targetScaler, sigmoid: outputsAreLogits, classWeights: lossClassWeights(run))
  }

  /// Whether `run` reconstructs its input with `bce_with_logits`, whose targets must be
  /// probabilities.
  static func reconstructsProbabilities(_ run: RunDescription) -> Bool {
    run.data.task == .reconstruction && run.loss == "bce_with_logits"
  }

  /// `bce_with_logits` gives a negative, meaningless loss for targets outside [0, 1].
  /// Without normalization the file's values are the targets: the first outside [0, 1]
  /// is an error naming its sample (the data row of a CSV file) and feature.
  static func checkProbabilities(_ data: Dataset, config: DataConfig) throws(DataError) {
    let f = max(data.featureCount, 1)
    guard let i = data.x.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) else { return }
    throw .probabilityTarget(config.source.path, sample: i / f + 1, feature: i % f + 1, value: data.x[i])
  }

  /// Makes the normalized features of `data` valid targets of `bce_with_logits`. Under
  /// `minmax` the train split lies in [0, 1], and held-out values beyond the train range
  /// are clipped to it (as scikit-learn's `MinMaxScaler(clip=True)`); `standardize`
  /// (which the checker refuses with this loss) centres values on 0 and is an error.
  static func prepareProbabilityTargets(_ data: inout Dataset, config: DataConfig) throws(DataError) {
    guard config.normalize == .minmax else {
      if data.x.contains(where: { !($0 >= 0 && $0 <= 1) }) { throw .probabilityNormalization(config.source.path, config.normalize.rawValue) }
      return
    }
    for i in data.x.indices { data.x[i] = min(max(data.x[i], 0), 1) }
  }

  /// The split called `name` (`train`, `valid`, `test`).
  func split(_ name: String) -> Dataset? {
    switch name {
    case "train": return train
    case "valid": return valid
    case "test": return test
    default: return nil
    }
  }

  /// The preprocessing statistics to store with the model.
  var preprocessingTensors: [String: TensorData] {
    normalizer.tensors().merging(targetScaler?.tensors() ?? [:]) { a, _ in a }
  }
}

/// Hands each batch to the metrics in the data's units: with standardized targets,
/// outputs and targets are mapped back before mae, rmse and r2 see them (the loss stays
/// the training loss, on the standardized scale). With `sigmoid` (reconstruction with
/// `bce_with_logits`), the outputs are logits and mae and rmse see their sigmoid, the
/// probabilities the targets are compared with. With class weights, the loss of each
/// batch is weighted by its samples' total weight Σ w_{yᵢ}, the denominator of its
/// weighted mean, so the epoch's loss is Σ wᵢlᵢ / Σ wᵢ over the whole split.
struct MetricRecorder {
  let scaler: TargetScaler?
  let sigmoid: Bool
  /// The loss's weight per class, when it has them.
  let classWeights: [Float]?
  private var outputs: [Float] = []
  private var targets: [Float] = []

  init(scaler: TargetScaler?, sigmoid: Bool = false, classWeights: [Float]? = nil) {
    self.scaler = scaler
    self.sigmoid = sigmoid
    self.classWeights = classWeights
  }

  mutating func record(
    _ metrics: inout MetricSet, loss: Double, output: UnsafePointer<Float>, outputCount: Int, target: MetricTarget, batchSize: Int
  ) {
    let weight = lossWeight(target, batchSize: batchSize)
    if sigmoid {
      if outputs.count < outputCount { outputs = [Float](repeating: 0, count: outputCount) }
      for i in 0..<outputCount { outputs[i] = Self.sigmoid(output[i]) }
      outputs.withUnsafeBufferPointer { o in
        metrics.record(loss: loss, output: o.baseAddress!, outputCount: outputCount, target: target, batchSize: batchSize, lossWeight: weight)
      }
      return
    }
    guard let scaler, case .values(let t) = target else {
      metrics.record(loss: loss, output: output, outputCount: outputCount, target: target, batchSize: batchSize, lossWeight: weight)
      return
    }
    scaler.restore(output, count: outputCount, into: &outputs)
    scaler.restore(t, count: outputCount, into: &targets)
    outputs.withUnsafeBufferPointer { o in
      targets.withUnsafeBufferPointer { y in
        metrics.record(loss: loss, output: o.baseAddress!, outputCount: outputCount, target: .values(y.baseAddress!),
                       batchSize: batchSize, lossWeight: weight)
      }
    }
  }

  /// Σ w_{yᵢ} over the batch with class weights and class targets; nil otherwise.
  func lossWeight(_ target: MetricTarget, batchSize: Int) -> Double? {
    guard let w = classWeights, case .classes(let labels) = target else { return nil }
    var total = 0.0
    for i in 0..<batchSize {
      let c = Int(labels[i])
      if c >= 0, c < w.count { total += Double(w[c]) }
    }
    return total
  }
}

extension MetricRecorder {
  /// 1 / (1 + e^−z), in the stable form for either sign of `z`.
  static func sigmoid(_ z: Float) -> Float {
    z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z))
  }
}

extension DataSourceConfig {
  /// The features' file, for messages.
  var path: String {
    switch self {
    case .csv(let path, _, _): return path
    case .npy(let x, _): return x
    }
  }
}

"""##########),
    ("Sources/DLCTraining/Training/Progress.swift", ##########"""
/// Training progress for a person watching: a live line on a terminal, plain lines otherwise.
///
/// In: the start of each epoch, each finished batch (samples and loss), and the epoch's
/// metrics and learning rate at its end. Out: text through an injected sink, timed by an
/// injected clock, so tests see exactly what a terminal or a log file would.
///
/// On a terminal, one line is rewritten in place with `\r` (at most 10 times a second):
///
///     epoch 3/30 [=====>    ] 14/23 batches · loss 0.3421 · 51,234 samples/s · ETA 0:02
///
/// and each epoch ends with its summary line, which is also the only output elsewhere:
///
///     epoch 3/30  train_loss 0.3421  train_accuracy 0.9012  valid_loss 0.3610  lr 0.00093  1.2 s  51234 samples/s
import Foundation

/// Reports the progress of a run, one epoch at a time.
public struct ProgressReporter {
  /// Seconds since some fixed instant; only differences are used.
  public typealias Clock = () -> Double
  /// Receives text exactly as it should appear (with `\r` and `\n`).
  public typealias Sink = (String) -> Void

  /// The shortest time between two redraws of the live line (10 per second).
  public static let redrawInterval = 0.1
  /// Characters inside the bar's brackets.
  public static let barWidth = 10

  public let epochs: Int
  /// Whether to draw the live line (a terminal) or only the epoch lines.
  public let interactive: Bool
  private let clock: Clock
  private let write: Sink

  private var epoch = 0
  private var batches = 0
  private var done = 0
  private var samples = 0
  private var lossSum = 0.0
  private var epochStart = 0.0
  private var lastBatchTime = 0.0
  private var lastDraw: Double?
  /// Whether the live line is on screen and must be replaced by the next full line.
  private var lineOpen = false

  /// A reporter for a run of `epochs` epochs; `interactive` usually comes from `isTerminal`.
  public init(epochs: Int, interactive: Bool, clock: @escaping Clock = ProgressReporter.monotonicClock(),
              write: @escaping Sink = ProgressReporter.standardOutput) {
    self.epochs = epochs
    self.interactive = interactive
    self.clock = clock
    self.write = write
  }

  /// Starts 1-based epoch `epoch` of `batches` training batches.
  public mutating func beginEpoch(_ epoch: Int, batches: Int) {
    self.epoch = epoch
    self.batches = batches
    done = 0
    samples = 0
    lossSum = 0
    epochStart = clock()
    lastBatchTime = epochStart
    lastDraw = nil
  }

  /// Records a finished training batch of `samples` samples with mean loss `loss`, and
  /// redraws the live line if the last redraw is at least `redrawInterval` old.
  public mutating func batchDone(samples batchSamples: Int, loss: Double) {
    done += 1
    samples += batchSamples
    lossSum += loss * Double(batchSamples)
    let now = clock()
    lastBatchTime = now
    guard interactive else { return }
    if let last = lastDraw, now - last < Self.redrawInterval { return }
    lastDraw = now
    write("\r" + liveLine(now: now) + Self.clearToEnd)
    lineOpen = true
  }

  /// Ends the epoch with its summary line: `metrics` (train and valid, prefixed), the lr of
  /// its last step, its wall time (validation included) and the training throughput.
  public mutating func endEpoch(metrics: [MetricValue], lr: Double) {
    let now = clock()
    var parts = ["epoch \(epoch)/\(epochs)"]
    parts += metrics.map { "\($0.name) \(Self.metric($0.value))" }
    parts.append("lr \(Self.rate(lr))")
    parts.append(String(format: "%.1f s", now - epochStart))
    if let rate = throughput() { parts.append("\(Int(rate.rounded())) samples/s") }
    line(parts.joined(separator: "  "))
  }

  /// Writes a full line (a note, a warning), replacing the live line if one is showing.
  public mutating func line(_ text: String) {
    write((lineOpen ? "\r" : "") + text + (lineOpen ? Self.clearToEnd : "") + "\n")
    lineOpen = false
  }

  /// `epoch 3/30 [=====>    ] 14/23 batches · loss 0.3421 · 51,234 samples/s · ETA 0:02`.
  func liveLine(now: Double) -> String {
    var parts = ["epoch \(epoch)/\(epochs) [\(Self.bar(done, of: batches))] \(done)/\(batches) batches"]
    if samples > 0 { parts.append("loss " + Self.metric(lossSum / Double(samples))) }
    if let rate = throughput() {
      parts.append(Self.grouped(Int(rate.rounded())) + " samples/s")
      let perBatch = (lastBatchTime - epochStart) / Double(done)
      parts.append("ETA " + Self.clockTime(perBatch * Double(max(batches - done, 0))))
    }
    return parts.joined(separator: " · ")
  }

  /// Samples per second over the epoch's training batches; nil before time has passed.
  private func throughput() -> Double? {
    let elapsed = lastBatchTime - epochStart
    return elapsed > 0 && samples > 0 ? Double(samples) / elapsed : nil
  }

  // MARK: formatting

  /// ANSI "erase to end of line", so a shorter line leaves no tail of the previous one.
  static let clearToEnd = "\u{1B}[K"

  /// Keras's bar: `=` for done batches, `>` at the head, spaces after; all `=` when done.
  static func bar(_ done: Int, of total: Int, width: Int = barWidth) -> String {
    guard total > 0 else { return String(repeating: " ", count: width) }
    let filled = min(width, width * done / total)
    var s: String
    if done >= total {
      s = String(repeating: "=", count: width)
    } else {
      s = filled > 0 ? String(repeating: "=", count: filled - 1) + ">" : ""
    }
    s += String(repeating: " ", count: width - s.count)
    return s
  }

  /// A metric value: four decimals (`0.3421`), `nan` when there is none.
  static func metric(_ v: Double) -> String {
    v.isNaN ? "nan" : String(format: "%.4f", v)
  }

  /// A learning rate: four significant digits, no trailing zeros (`0.00093`, `1e-05`).
  static func rate(_ v: Double) -> String { String(format: "%.4g", v) }

  /// An integer with thousands separators: `51,234`.
  static func grouped(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
      if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
      out.append(c)
    }
    return (n < 0 ? "-" : "") + out
  }

  /// Seconds as `m:ss`, or `h:mm:ss` from an hour on.
  static func clockTime(_ seconds: Double) -> String {
    let t = Int(seconds.rounded())
    let (h, m, s) = (t / 3600, t / 60 % 60, t % 60)
    let ss = s < 10 ? "0\(s)" : "\(s)"
    if h > 0 { return "\(h):" + (m < 10 ? "0\(m)" : "\(m)") + ":" + ss }
    return "\(m):" + ss
  }

  // MARK: the real clock, sink and terminal

  /// A monotonic clock counting from the moment it is made.
  public static func monotonicClock() -> Clock {
    let clock = ContinuousClock()
    let start = clock.now
    return {
      let d = start.duration(to: clock.now).components
      return Double(d.seconds) + Double(d.attoseconds) * 1e-18
    }
  }

  /// Writes to standard output at once (no buffering, so `\r` redraws show).
  public static func standardOutput(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
  }

  /// Whether file descriptor `fd` is a terminal (`isatty(3)`); standard output by default.
  public static func isTerminal(_ fd: Int32 = STDOUT_FILENO) -> Bool {
    isatty(fd) != 0
  }
}

"""##########),
    ("Sources/DLCTraining/Training/RunDescription.swift", ##########"""
import DLCKernels

/// Everything about a run that is not the model's arithmetic: its name, the training and
/// data configuration, the input shape, and what goes into checkpoints. The interpreter
/// builds it from the IR; an emitted trainer has it as constants.
public struct RunDescription {
  /// The spec's name (the run folder is `<runs>/<name>`).
  public var name: String
  public var train: TrainConfig
  public var data: DataConfig
  /// The per-sample input shape of the model.
  public var inputShape: [Int]
  /// The loss op (`cross_entropy`, `bce_with_logits`, `mse`, `mae`): how outputs read.
  public var loss: String
  /// The loss's class weights (`cross_entropy {class_weights}`), which make each batch's
  /// loss a weighted mean; the metrics weight the batches to match.
  public var lossClassWeights: LossClassWeights?
  /// The spec's text and the module's IR text, stored in checkpoint metadata.
  public var specText: String
  public var irText: String
  /// Transfer learning: parameters taken from a base model's checkpoint.
  public var base: BaseWeights?

  public init(
    name: String, train: TrainConfig, data: DataConfig, inputShape: [Int], loss: String, specText: String = "",
    irText: String = "", base: BaseWeights? = nil, lossClassWeights: LossClassWeights? = nil
  ) {
    self.name = name
    self.train = train
    self.data = data
    self.inputShape = inputShape
    self.loss = loss
    self.specText = specText
    self.irText = irText
    self.base = base
    self.lossClassWeights = lossClassWeights
  }
}

/// The class weights of a `cross_entropy` loss.
public enum LossClassWeights: Sendable, Equatable {
  /// One weight per class, as the spec lists them.
  case given([Float])
  /// `n / (C · count_c)` from the train split's class counts.
  case balanced

  /// The weights per class; `balanced` takes the train split's.
  public func resolved(balanced: [Float]?) -> [Float]? {
    switch self {
    case .given(let w): return w
    case .balanced: return balanced
    }
  }
}

/// The layers a model takes from a trained base model, and where their weights are.
public struct BaseWeights: Sendable, Hashable {
  public var checkpoint: String
  public var layers: [String]
  /// The base spec, for messages.
  public var spec: String

  public init(checkpoint: String, layers: [String], spec: String) {
    self.checkpoint = checkpoint
    self.layers = layers
    self.spec = spec
  }

  /// Loads the base layers' parameters (not their optimizer state) into `slots`.
  func load(into slots: [ParameterSlot]) throws {
    let wanted = slots.filter { layers.contains($0.layer) && !$0.isOptimizerState }
    let saved: Checkpoint
    do { saved = try Checkpoint(contentsOf: checkpoint) } catch {
      throw TrainingError("cannot read the base model's checkpoint '\(checkpoint)' (\(error.message)); train '\(spec)' first")
    }
    // A non-finite weight would train on silently (its loss is nan from the first step).
    try CheckpointCheck.checkFinite(Checkpoint(tensors: saved.tensors.filter { name, _ in wanted.contains { $0.name == name } }), path: checkpoint)
    for slot in wanted where saved.tensors[slot.name] == nil {
      throw TrainingError("the base checkpoint '\(checkpoint)' has no tensor '\(slot.name)'")
    }
    try wanted.restore(from: saved, path: checkpoint)
  }
}

extension Array where Element == ParameterSlot {
  /// Initializes every slot from its initializer, slot i drawing from
  /// `RandomStream(seed:, purpose: .initialization, id: i)`.
  public func initialize(seed: UInt64) throws {
    for (i, slot) in enumerated() where slot.dtype == .F32 {
      try slot.initializer.fill(slot.pointer, shape: slot.shape, stream: RandomStream(seed: seed, purpose: .initialization, id: UInt64(i)))
    }
  }

  /// Every parameter as a named float tensor of its shape.
  public func tensors() -> [String: TensorData] {
    var out: [String: TensorData] = [:]
    for slot in self {
      if slot.dtype == .F32 {
        out[slot.name] = TensorData(floats: [Float](UnsafeBufferPointer(start: slot.pointer, count: slot.count)), shape: slot.shape)
      } else {
        let bytes = UnsafeRawBufferPointer(start: UnsafeRawPointer(slot.pointer), count: slot.byteCount)
        out[slot.name] = TensorData(dtype: slot.dtype, shape: slot.shape, bytes: [UInt8](bytes))
      }
    }
    return out
  }

  /// Loads every slot from `checkpoint`; a missing tensor or a wrong shape is an error
  /// naming `path` (a checkpoint of another model).
  public func restore(from checkpoint: Checkpoint, path: String) throws {
    for slot in self {
      guard let tensor = checkpoint.tensors[slot.name] else {
        throw TrainingError("\(path): the checkpoint has no tensor '\(slot.name)'; it was written for another model")
      }
      let mismatch = TrainingError(
        "\(path): tensor '\(slot.name)' has shape \(tensor.shape) and type \(tensor.dtype.rawValue), the model needs \(slot.shape) \(slot.dtype.rawValue)")
      guard tensor.shape == slot.shape else { throw mismatch }
      if slot.dtype == .F32 {
        guard let floats = tensor.floats(), floats.count == slot.count else { throw mismatch }
        floats.withUnsafeBufferPointer { slot.pointer.update(from: $0.baseAddress!, count: slot.count) }
      } else {
        // Integer and half tensors are taken as stored: their bytes are the kernel's input.
        guard tensor.dtype == slot.dtype, tensor.bytes.count == slot.byteCount else { throw mismatch }
        tensor.bytes.withUnsafeBytes { UnsafeMutableRawPointer(slot.pointer).copyMemory(from: $0.baseAddress!, byteCount: slot.byteCount) }
      }
    }
  }
}

"""##########),
    ("Sources/DLCTraining/Training/RunFolder.swift", ##########"""
/// The run folder `<runs>/<name>/` of one training invocation, locked while it runs.
///
/// In: the runs folder (`--out`), the run's name, and whether the invocation resumes or
/// may overwrite. Out: the folder, created and held under an exclusive `flock` on
/// `<runs>/.<name>.lock` (beside the run folder, so the folder holds only the run's
/// files) until the value is dropped; or a `DataError`: another training holds the lock,
/// or a fresh run would replace an earlier one without `--overwrite`. A fresh run leaves
/// the earlier run's files in place until its first epoch is saved (`replaceEarlierRun`),
/// so a run that fails early keeps the old log and checkpoints.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public final class RunFolder {
  /// The run folder.
  public let path: String
  /// The lock file.
  public let lockPath: String
  private let fd: Int32

  /// The files a run writes, in the order a message lists them.
  public static let runFiles = ["log.jsonl", "best.safetensors", "last.safetensors", "optimized.safetensors"]

  /// Checks `runs`, creates `<runs>/<name>/`, and takes the lock (see the type's summary).
  public init(runs: String, name: String, resume: Bool, overwrite: Bool) throws(DataError) {
    try PathCheck.check(runs, option: "--out", as: .outputFolder)
    var base = runs
    while base.count > 1, base.hasSuffix("/") { base.removeLast() }
    path = base + "/" + name
    lockPath = base + "/." + name + ".lock"
    try PathCheck.makeFolder(base)
    let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw .runLockFile(lockPath, AtomicFile.errnoText()) }
    guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
      close(fd)
      throw .runLocked(path, lockPath)
    }
    self.fd = fd
    if !resume {
      let earlier = Self.runFiles.filter { PathCheck.kind(of: path + "/" + $0) != .none }
      if !earlier.isEmpty, !overwrite { throw .runExists(path, earlier) }
    }
    try PathCheck.makeFolder(path)
  }

  deinit { close(fd) }

  /// Before the first epoch of this invocation is saved: removes the optimized model,
  /// which no longer matches the weights, and for a fresh run the earlier run's `best`
  /// and `last` (which a crash before the new ones are written must not leave beside
  /// the new log).
  func replaceEarlierRun(resume: Bool) throws(DataError) {
    for name in resume ? ["optimized.safetensors"] : ["best.safetensors", "last.safetensors", "optimized.safetensors"] {
      let file = path + "/" + name
      if unlink(file) != 0, errno != ENOENT { throw .pathWrite(file, AtomicFile.errnoText()) }
    }
  }
}

"""##########),
    ("Sources/DLCTraining/Training/RunLogWriter.swift", ##########"""
import Foundation

/// The run's `log.jsonl` for one training invocation: for a new run, replaced when the
/// first epoch's line is written (so a run that fails before keeps the earlier log); for
/// a resumed run, cut back to the epochs the checkpoint holds (a crash after a log line
/// and before its checkpoint leaves a line the resumed run writes again) and extended.
final class RunLogWriter {
  private let directory: String
  private var log: RunLog?

  init(directory: String, keepingEpochs epochs: Int, resume: Bool) throws {
    self.directory = directory
    let path = directory + "/log.jsonl"
    guard resume else { return }
    if let text = try? String(contentsOfFile: path, encoding: .utf8) {
      let kept = text.split(separator: "\n").filter { line in
        guard let data = line.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let epoch = object["epoch"] as? Int else { return false }
        return epoch <= epochs
      }
      let body = kept.map { $0 + "\n" }.joined()
      do { try AtomicFile.replace(path, with: Array(body.utf8)) } catch { throw DataError.runLogWrite(path, error.reason) }
    }
    log = try RunLog(directory: directory, append: true)
  }

  /// Appends one epoch's line (the first of a new run empties the earlier log).
  func append(_ record: EpochRecord) throws {
    if log == nil { log = try RunLog(directory: directory, append: false) }
    try log!.append(record)
  }
}

"""##########),
    ("Sources/DLCTraining/Training/Schedule.swift", ##########"""
/// Learning-rate schedules, evaluated per optimizer step.
///
/// In: a schedule kind with its parameters in epochs (`train.schedule`), the optimizer's
/// lr, the steps per epoch and the epoch count. Out: `lr(step:)` for every 0-based step
/// `0 ..< stepsPerEpoch × epochs`, passed to `@train_step` as `%lr`. The formulas are the
/// ones the PyTorch documentation gives for `torch.optim.lr_scheduler`, stepped after every
/// batch, so a PyTorch run with the equivalent schedulers sees the same rates.
import Foundation

/// The learning rate of each optimizer step of one run.
///
/// Warm-up (`constant`, `step`, `cosine`): for the first `W = warmup_epochs · stepsPerEpoch`
/// steps, lr · (step + 1) / W, so step 0 runs at lr / W (not at 0) and step W − 1 at lr.
/// That is PyTorch's `LinearLR(start_factor=1/W, end_factor=1, total_iters=W−1)`.
public struct LearningRateSchedule: Sendable, Hashable {
  /// A schedule and its parameters, as the catalog defines them (units: epochs).
  public enum Kind: Sendable, Hashable {
    /// The optimizer's lr throughout (after warm-up).
    case constant(warmupEpochs: Int)
    /// lr · gamma^⌊epoch / stepSize⌋, the epoch counted from the start of the run.
    case step(stepSize: Int, gamma: Double, warmupEpochs: Int)
    /// Cosine annealing from lr to minLR over the steps after warm-up.
    case cosine(minLR: Double, warmupEpochs: Int)
    /// The one-cycle policy; replaces the optimizer's lr.
    case oneCycle(OneCycle)

    /// The catalog name.
    public var name: String {
      switch self {
      case .constant: return "constant"
      case .step: return "step"
      case .cosine: return "cosine"
      case .oneCycle: return "one_cycle"
      }
    }

    /// Epochs of linear warm-up (one_cycle has its own rising phase, so 0).
    public var warmupEpochs: Int {
      switch self {
      case .constant(let w), .step(_, _, let w), .cosine(_, let w): return w
      case .oneCycle: return 0
      }
    }
  }

  /// The parameters of `torch.optim.lr_scheduler.OneCycleLR` that the catalog exposes.
  ///
  /// dlc runs it with `three_phase=False` and `cycle_momentum=False`: PyTorch by default
  /// also cycles SGD's momentum or Adam's beta1 inversely to the lr; dlc keeps the
  /// optimizer's momentum and betas fixed, so compare against `cycle_momentum=False`.
  public struct OneCycle: Sendable, Hashable {
    /// How the rate moves within a phase.
    public enum Anneal: String, Sendable, Hashable { case cos, linear }

    public var maxLR: Double
    public var pctStart: Double
    public var divFactor: Double
    public var finalDivFactor: Double
    public var anneal: Anneal

    public init(maxLR: Double, pctStart: Double = 0.3, divFactor: Double = 25, finalDivFactor: Double = 1e4,
                anneal: Anneal = .cos) {
      self.maxLR = maxLR
      self.pctStart = pctStart
      self.divFactor = divFactor
      self.finalDivFactor = finalDivFactor
      self.anneal = anneal
    }
  }

  public let kind: Kind
  /// The optimizer's lr (η_max of cosine; unused by one_cycle).
  public let baseLR: Double
  public let stepsPerEpoch: Int
  public let epochs: Int

  /// `stepsPerEpoch × epochs` (checked when the schedule is made).
  public let totalSteps: Int
  /// `warmupEpochs × stepsPerEpoch` (smaller than `totalSteps`).
  public var warmupSteps: Int { kind.warmupEpochs * stepsPerEpoch }

  /// A schedule over `epochs` epochs of `stepsPerEpoch` steps; the warm-up must be shorter
  /// than the run (Sema checks the spec; this guards an epochs override).
  public init(_ kind: Kind, baseLR: Double, stepsPerEpoch: Int, epochs: Int) throws(TrainConfigError) {
    guard stepsPerEpoch >= 1 else { throw .invalid("steps per epoch", "\(stepsPerEpoch)", "at least 1") }
    guard epochs >= 1 else { throw .invalid("epochs", "\(epochs)", "at least 1") }
    if kind.warmupEpochs >= epochs {
      throw .warmupTooLong(kind.warmupEpochs, epochs: epochs)
    }
    let (total, overflow) = stepsPerEpoch.multipliedReportingOverflow(by: epochs)
    guard !overflow else {
      throw .invalid("epochs", "\(epochs)", "at most \(Int.max / stepsPerEpoch) for \(stepsPerEpoch) steps per epoch")
    }
    totalSteps = total
    self.kind = kind
    self.baseLR = baseLR
    self.stepsPerEpoch = stepsPerEpoch
    self.epochs = epochs
  }

  /// The schedule of `config` for a train split of `stepsPerEpoch` batches.
  public init(config: TrainConfig, stepsPerEpoch: Int) throws(TrainConfigError) {
    try self.init(config.schedule, baseLR: config.optimizer.lr, stepsPerEpoch: stepsPerEpoch, epochs: config.epochs)
  }

  /// The learning rate of 0-based optimizer step `step`; steps past the run keep the last
  /// step's rate.
  public func lr(step: Int) -> Double {
    precondition(step >= 0, "negative optimizer step \(step)")
    let s = min(step, totalSteps - 1)
    switch kind {
    case .constant:
      return baseLR * warmupFactor(s)
    case .step(let stepSize, let gamma, _):
      // StepLR: lr · gamma^⌊epoch / step_size⌋, epoch = ⌊step / stepsPerEpoch⌋.
      let epoch = s / stepsPerEpoch
      return baseLR * warmupFactor(s) * pow(gamma, Double(epoch / stepSize))
    case .cosine(let minLR, _):
      if s < warmupSteps { return baseLR * warmupFactor(s) }
      return Self.cosine(t: s - warmupSteps, last: totalSteps - warmupSteps - 1, max: baseLR, min: minLR)
    case .oneCycle(let p):
      return Self.oneCycle(p, step: s, totalSteps: totalSteps)
    }
  }

  /// (step + 1) / W during the warm-up, 1 after it.
  private func warmupFactor(_ step: Int) -> Double {
    step < warmupSteps ? Double(step + 1) / Double(warmupSteps) : 1
  }

  /// CosineAnnealingLR's closed form, η_min + (η_max − η_min)(1 + cos(π t / T)) / 2
  /// (Loshchilov & Hutter 2017, eq. 5; PyTorch docs), with T = `last` so that the last step
  /// of the run is exactly η_min (`T_max` = steps after warm-up − 1). A single step after
  /// warm-up (T = 0) runs at η_max.
  static func cosine(t: Int, last T: Int, max: Double, min: Double) -> Double {
    guard T > 0 else { return max }
    return min + (max - min) * (1 + cos(Double.pi * Double(t) / Double(T))) / 2
  }

  /// `OneCycleLR.get_lr` with `three_phase=False`: initial = max_lr / div_factor, final =
  /// initial / final_div_factor; phase 1 rises from initial to max_lr until step
  /// pct_start · total − 1, phase 2 falls to final until step total − 1 (PyTorch's
  /// `torch/optim/lr_scheduler.py`). A phase of zero length counts as finished.
  static func oneCycle(_ p: OneCycle, step: Int, totalSteps: Int) -> Double {
    let initial = p.maxLR / p.divFactor
    let final = initial / p.finalDivFactor
    let phases: [(end: Double, from: Double, to: Double)] = [
      (p.pctStart * Double(totalSteps) - 1, initial, p.maxLR),
      (Double(totalSteps - 1), p.maxLR, final),
    ]
    let x = Double(step)
    var start = 0.0
    for (i, phase) in phases.enumerated() {
      if x <= phase.end || i == phases.count - 1 {
        let span = phase.end - start
        let pct = span > 0 ? (x - start) / span : 1
        return anneal(p.anneal, from: phase.from, to: phase.to, pct: pct)
      }
      start = phase.end
    }
    return final
  }

  /// `_annealing_cos`: end + (start − end)/2 · (cos(π·pct) + 1);
  /// `_annealing_linear`: (end − start)·pct + start.
  static func anneal(_ shape: OneCycle.Anneal, from start: Double, to end: Double, pct: Double) -> Double {
    switch shape {
    case .cos: return end + (start - end) / 2 * (cos(Double.pi * pct) + 1)
    case .linear: return (end - start) * pct + start
    }
  }
}


"""##########),
    ("Sources/DLCTraining/Training/TargetColumns.swift", ##########"""
/// Error sums per output column (per target of a multi-target regression), which `mae`,
/// `rmse` and `r2` keep beside their pooled sums: targets in different units must not
/// only be pooled.

/// Running sums of one metric for each output column over the batches of an epoch.
public struct TargetColumns: Sendable, Hashable {
  /// Σ |e| (mae) or Σ e² (rmse, r2) per column.
  public private(set) var errors: [Double] = []
  /// Targets seen per column, and their running mean and Σ (y − mean)² (Chan, Golub &
  /// LeVeque 1983: batch statistics merged), for r2's total sum of squares.
  public private(set) var count: Double = 0
  private var mean: [Double] = []
  private var squares: [Double] = []

  public init() {}

  /// Adds `rows` rows of `width` outputs and their targets; `absolute` sums |e|, else e².
  mutating func record(output: UnsafePointer<Float>, target: UnsafePointer<Float>, rows: Int, width: Int, absolute: Bool) {
    guard rows > 0, width > 0 else { return }
    if errors.count != width {
      errors = [Double](repeating: 0, count: width)
      mean = errors
      squares = errors
      count = 0
    }
    let n = Double(rows)
    for j in 0..<width {
      var error = 0.0, sum = 0.0
      for r in 0..<rows {
        let y = Double(target[r * width + j]), e = Double(output[r * width + j]) - y
        error += absolute ? abs(e) : e * e
        sum += y
      }
      let batchMean = sum / n
      var batchSquares = 0.0
      for r in 0..<rows {
        let d = Double(target[r * width + j]) - batchMean
        batchSquares += d * d
      }
      let delta = batchMean - mean[j], total = count + n
      mean[j] += delta * n / total
      squares[j] += batchSquares + delta * delta * count * n / total
      errors[j] += error
    }
    count += n
  }

  /// Per column: the mean absolute error, the root mean squared error, or R² (1 − SSE/SST
  /// about the column's mean over the recorded rows; scikit-learn's `r2_score`, whose
  /// constant column scores 1 when predicted exactly and 0 otherwise).
  func values(_ metric: Metric) -> [Double] {
    guard count > 0 else { return [] }
    switch metric {
    case .mae: return errors.map { $0 / count }
    case .rmse: return errors.map { ($0 / count).squareRoot() }
    case .r2: return zip(errors, squares).map { sse, sst in sst > 0 ? 1 - sse / sst : (sse == 0 ? 1 : 0) }
    default: return []
    }
  }

  /// Forgets every batch.
  mutating func reset() { self = TargetColumns() }
}

extension DataConfig {
  /// The names per-target metrics are reported under (`mae[price]`): the CSV target
  /// columns, or the column indices of an NPY target, of a regression with more than one
  /// target; none otherwise (one target, or a reconstruction's many pixels).
  public func targetNames(width: Int) -> [String] {
    guard task == .regression, width > 1 else { return [] }
    if case .csv(_, let columns, _) = source, columns.count == width { return columns }
    return (0..<width).map(String.init)
  }
}

"""##########),
    ("Sources/DLCTraining/Training/TrainConfig.swift", ##########"""
/// The training configuration, decoded from the module's attributes.
///
/// In: the module attributes `train`, `seed` and `data` as Sema writes them, with every
/// default spelled out (`train = {batch_size = 64, epochs = 30, optimizer = {kind = "adam",
/// lr = 0.001, ...}, schedule = {kind = "cosine", ...}, ...}`). Out: `TrainConfig`, the typed
/// form the training loop reads. Sema has already checked every name and range; the
/// errors here guard against hand-written or stale IR.

/// Everything the training loop needs to know about a run, in typed form.
public struct TrainConfig: Sendable, Hashable {
  /// The seed of every random choice (`seed`, default 0).
  public var seed: UInt64
  /// What is learned (`data.task`; the data loader's own enum).
  public var task: DataTask
  /// The number of classes of a classification task (`data.classes`).
  public var classes: Int?
  /// Samples per optimizer step.
  public var batchSize: Int
  /// Passes over the train split (the spec's value, or the override).
  public var epochs: Int
  /// The most epochs a run may have (the spec language's limit, `Limits.epochs`): every
  /// step count of a run stays far inside `Int`.
  public static let maxEpochs = 1_000_000
  /// The metrics recorded each epoch, `loss` first and no repeats.
  public var metrics: [Metric]
  /// The update rule and its parameters.
  public var optimizer: Optimizer
  /// The learning-rate schedule and its parameters (in epochs).
  public var schedule: LearningRateSchedule.Kind
  /// When to stop early; nil when the spec has no `early_stopping`.
  public var earlyStopping: EarlyStopping.Config?
  /// Layers whose parameters are not trained.
  public var freeze: [String]

  /// A configuration from its parts.
  public init(
    seed: UInt64 = 0, task: DataTask, classes: Int? = nil, batchSize: Int, epochs: Int, metrics: [Metric] = [.loss],
    optimizer: Optimizer, schedule: LearningRateSchedule.Kind = .constant(warmupEpochs: 0),
    earlyStopping: EarlyStopping.Config? = nil, freeze: [String] = []
  ) {
    self.seed = seed
    self.task = task
    self.classes = classes
    self.batchSize = batchSize
    self.epochs = epochs
    self.metrics = metrics
    self.optimizer = optimizer
    self.schedule = schedule
    self.earlyStopping = earlyStopping
    self.freeze = freeze
  }

}

extension TrainConfig {
  /// The optimizer of a run, with the parameters of its update rule (PyTorch's names).
  public enum Optimizer: Sendable, Hashable {
    /// `torch.optim.SGD`.
    case sgd(lr: Double, momentum: Double, dampening: Double, nesterov: Bool, weightDecay: Double)
    /// `torch.optim.Adam` (weight decay added to the gradient).
    case adam(Adam)
    /// `torch.optim.AdamW` (decoupled weight decay).
    case adamw(Adam)

    /// The parameters shared by Adam and AdamW.
    public struct Adam: Sendable, Hashable {
      public var lr: Double
      public var beta1: Double
      public var beta2: Double
      public var eps: Double
      public var amsgrad: Bool
      public var weightDecay: Double

      public init(lr: Double, beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8, amsgrad: Bool = false,
                  weightDecay: Double = 0) {
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.amsgrad = amsgrad
        self.weightDecay = weightDecay
      }
    }

    /// The catalog name: `sgd`, `adam` or `adamw`.
    public var kind: String {
      switch self {
      case .sgd: return "sgd"
      case .adam: return "adam"
      case .adamw: return "adamw"
      }
    }

    /// The base learning rate, which the schedule scales (one_cycle ignores it).
    public var lr: Double {
      switch self {
      case .sgd(let lr, _, _, _, _): return lr
      case .adam(let p), .adamw(let p): return p.lr
      }
    }

  }
}

/// A malformed training configuration in the IR.
public struct TrainConfigError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What is wrong: lowercase, names in single quotes.
  public var message: String
  /// How to fix it, when there is a fix to suggest.
  public var help: String?

  public init(_ message: String, help: String? = nil) {
    self.message = message
    self.help = help
  }

  /// `error: <message>`, then `help: <help>` on its own line.
  public var description: String { "error: " + message + (help.map { "\n  = help: " + $0 } ?? "") }

  /// A name that is not in the catalog.
  public static func unknown(_ what: String, _ name: String, in path: String) -> Self {
    Self("unknown \(what) '\(name)' at '\(path)'", help: "the IR should come from 'dlc compile' of a checked spec")
  }

  /// A value of the right type outside its range.
  public static func invalid(_ path: String, _ value: String, _ expected: String) -> Self {
    Self("'\(path)' is \(value), expected \(expected)")
  }

  /// A warm-up that does not end before the run does.
  public static func warmupTooLong(_ warmup: Int, epochs: Int) -> Self {
    Self("a warm-up of \(warmup) epochs needs a run of more than \(warmup) epochs, not \(epochs)",
         help: "run at least \(warmup + 1) epochs, or shorten the warm-up")
  }

  /// A required entry that is absent or of the wrong type.
  public static func missing(_ path: String, _ expected: String) -> Self {
    Self("'\(path)' is missing or not \(expected)", help: "the IR should come from 'dlc compile' of a checked spec")
  }
}


"""##########),
    ("Sources/DLCTraining/Training/Trainer.swift", ##########"""
import DLCKernels
import Foundation

/// The training loop: a run description and a backend (the interpreter, or an emitted
/// model) in; trained parameters, a JSON-lines log and `best`/`last` checkpoints out.
///
/// Steps: load and split the data, fit the preprocessing on the train split, initialize
/// (or resume, or take a base model's weights), map the data through the model's frozen
/// prefix if it has one (`FrozenPrefix`), then per epoch run `@train_step` over the
/// shuffled batches, evaluate the validation split, log, checkpoint, and ask early
/// stopping whether to go on. Everything random is addressed by (seed, epoch, step), so a
/// resumed run repeats the uninterrupted one exactly.
public final class Trainer {
  /// What the command line can change about a run.
  public struct Options {
    /// Overrides the spec's seed.
    public var seed: UInt64?
    /// Where run folders go (`<runs>/<name>/`).
    public var runsDirectory = "runs"
    /// Continue from `<runs>/<name>/last.safetensors`.
    public var resume = false
    /// Replace an earlier run in `<runs>/<name>/` (a fresh run refuses one otherwise).
    public var overwrite = false
    /// Whether standard output is a terminal (live progress line).
    public var interactive = false
    /// Where progress and summaries are written.
    public var write: (String) -> Void = { print($0, terminator: "") }

    public init() {}
  }

  /// What a finished run reports.
  public struct Report {
    public var epochsRun: Int
    public var bestEpoch: Int?
    /// The metric `best.safetensors` was chosen by (`valid_loss`, or `train_loss` without a validation split).
    public var bestMonitor: String
    /// The run folder, still locked while the report is kept (deploying writes into it).
    public var folder: RunFolder
    public var lastCheckpoint: String
    public var bestCheckpoint: String
    public var records: [EpochRecord]
  }

  let description: RunDescription
  let options: Options
  let config: TrainConfig
  let seed: UInt64
  let runDirectory: String
  let makeBackend: (UInt64) throws -> TrainingBackend

  /// Prepares a run; `makeBackend` builds the backend for a seed (dropout streams).
  /// An epoch count given on the command line goes into `run.train` (where its warm-up
  /// is checked), not here.
  public init(run: RunDescription, options: Options, makeBackend: @escaping (UInt64) throws -> TrainingBackend) {
    self.description = run
    self.options = options
    var config = run.train
    if let seed = options.seed { config.seed = seed }
    self.config = config
    seed = config.seed
    runDirectory = options.runsDirectory + "/" + run.name
    self.makeBackend = makeBackend
  }

  /// Trains, writing the log and checkpoints as it goes.
  public func run() throws -> Report {
    try PathCheck.check(options.runsDirectory, option: "--out", as: .outputFolder)
    if options.resume, PathCheck.kind(of: runDirectory + "/last.safetensors") == .none {
      throw TrainingError("cannot resume: there is no checkpoint '\(runDirectory)/last.safetensors'; train without '--resume' first, or give the '--out' folder of the run to continue")
    }
    var data = try PreparedData(run: description, seed: seed)
    let backend = try makeBackend(seed)
    backend.balancedClassWeights = data.balancedClassWeights
    let batches = config.batchSize
    let stepsPerEpoch = data.train.count / batches + (data.train.count % batches == 0 ? 0 : 1)  // ⌈count / batches⌉, no overflow
    let folder = try RunFolder(runs: options.runsDirectory, name: description.name, resume: options.resume, overwrite: options.overwrite)
    var state = try startingState(backend: backend, data: data, stepsPerEpoch: stepsPerEpoch)
    // With a frozen prefix, every split goes through it once; the head trains on the results.
    if let prefix = backend.frozenPrefix { try precompute(&data, prefix: prefix, backend: backend) }
    let schedule = try LearningRateSchedule(config: config, stepsPerEpoch: stepsPerEpoch)
    let log = try RunLogWriter(directory: runDirectory, keepingEpochs: state.epoch, resume: options.resume)
    var replaced = false
    var progress = ProgressReporter(epochs: config.epochs, interactive: options.interactive, write: options.write)
    var records: [EpochRecord] = []
    let evaluator = Evaluator(backend: backend, batchSize: batches)

    while state.epoch < config.epochs {
      let started = Date()
      let order = EpochBatches(count: data.train.count, batchSize: batches, seed: seed, epoch: state.epoch)
      progress.beginEpoch(state.epoch + 1, batches: order.count)
      var metrics = MetricSet(config.metrics)
      var recorder = data.metricRecorder(description)
      var lr = 0.0
      for b in 0..<order.count {
        let indices = order[b]
        let buffers = try backend.trainBuffers(batch: indices.count)
        try data.train.gather(indices, x: buffers.x, target: buffers.target, as: backend.targetLayout)
        lr = schedule.lr(step: state.step)
        state.step += 1
        let (batchLoss, output) = try backend.trainStep(batch: indices.count, lr: Float(lr), step: Int64(state.step))
        let loss = Double(batchLoss)
        guard loss.isFinite else {
          throw TrainingDiverged(epoch: state.epoch + 1, batch: b + 1, lr: lr, what: "the training loss is \(loss)", best: state.best.state)
        }
        recorder.record(&metrics, loss: loss, output: output, outputCount: indices.count * backend.outputWidth,
                        target: backend.targetLayout.metricTarget(buffers.target), batchSize: indices.count)
        progress.batchDone(samples: indices.count, loss: loss)
      }
      let trainSeconds = Date().timeIntervalSince(started)
      // The log gets the metrics per target too (multi-target regression); the progress line the totals.
      let targets = description.data.targetNames(width: backend.outputWidth)
      var values = metrics.values(prefix: "train_"), perTarget = metrics.targetValues(prefix: "train_", targets: targets)
      if data.valid.count > 0 {
        let valid = try evaluator.evaluate(data.valid, metrics: config.metrics, recorder: data.metricRecorder(description))
        values += valid.values(prefix: "valid_")
        perTarget += valid.targetValues(prefix: "valid_", targets: targets)
      }
      // A non-finite monitored value (the validation loss) means the weights diverged: stop before saving them.
      if let monitored = values.first(where: { $0.name == state.best.config.monitor }), !monitored.value.isFinite {
        throw TrainingDiverged(epoch: state.epoch + 1, batch: nil, lr: lr, what: "'\(monitored.name)' is \(monitored.value)", best: state.best.state)
      }
      state.epoch += 1
      let record = EpochRecord.make(epoch: state.epoch, lr: lr, values: values + perTarget, seconds: Date().timeIntervalSince(started),
                                    samplesPerSecond: Double(data.train.count) / max(trainSeconds, 1e-9))
      records.append(record)
      progress.endEpoch(metrics: values, lr: lr)

      let decision = state.earlyStopping.map { stopper -> EarlyStopping.Decision in
        var stopper = stopper
        let monitored = values.first { $0.name == stopper.config.monitor }?.value ?? .nan
        let decision = stopper.update(epoch: state.epoch, value: monitored)
        state.earlyStopping = stopper
        return decision
      }
      // best.safetensors: the best epoch by the monitored metric, with or without early stopping.
      let monitored = values.first { $0.name == state.best.config.monitor }?.value ?? .nan
      let improved = state.best.update(epoch: state.epoch, value: monitored) == .improved
      let checkpoint = makeCheckpoint(backend: backend, data: data, state: state)
      if !replaced {
        try folder.replaceEarlierRun(resume: options.resume)
        replaced = true
      }
      if improved {
        try checkpoint.write(to: runDirectory + "/best.safetensors")
      }
      // The log line goes first: a crash between the two leaves a line that resuming drops.
      try log.append(record)
      try checkpoint.write(to: runDirectory + "/last.safetensors")
      if decision == .stop {
        progress.line("early stopping after epoch \(state.epoch): '\(state.earlyStopping!.config.monitor)' did not improve for \(state.earlyStopping!.config.patience) epochs\n")
        break
      }
    }
    return Report(epochsRun: state.epoch, bestEpoch: state.best.state.bestEpoch, bestMonitor: state.best.config.monitor, folder: folder,
                  lastCheckpoint: runDirectory + "/last.safetensors", bestCheckpoint: runDirectory + "/best.safetensors", records: records)
  }

  // MARK: state

  /// Where a run stands between epochs; all of it goes into the checkpoint.
  struct State {
    var epoch = 0
    var step = 0
    var earlyStopping: EarlyStopping?
    /// Which epoch `best.safetensors` holds: early stopping's monitor, else `valid_loss`,
    /// else (no validation split) `train_loss`; never stops the run.
    var best: EarlyStopping
  }

  /// The metric `best.safetensors` is chosen by (see `State.best`).
  func bestMonitor(validSamples: Int) -> String {
    config.earlyStopping?.monitor ?? (validSamples > 0 ? "valid_loss" : "train_loss")
  }

  /// A fresh state with initialized (or base-model) parameters, or the state of `last`.
  func startingState(backend: TrainingBackend, data: PreparedData, stepsPerEpoch: Int) throws -> State {
    let bestConfig = EarlyStopping.Config(monitor: bestMonitor(validSamples: data.valid.count), patience: .max,
                                          minDelta: config.earlyStopping?.minDelta ?? 0)
    var state = State(best: try EarlyStopping(bestConfig))
    if let es = config.earlyStopping { state.earlyStopping = try EarlyStopping(es) }
    guard options.resume else {
      try backend.parameters.initialize(seed: seed)
      if let base = description.base { try base.load(into: backend.parameters) }
      return state
    }
    let path = runDirectory + "/last.safetensors"
    guard FileManager.default.fileExists(atPath: path) else {
      throw TrainingError("cannot resume: there is no checkpoint '\(path)'; train without '--resume' first, or give the '--out' folder of the run to continue")
    }
    // A run killed while writing a file leaves the temporary file of its atomic write.
    for name in (try? FileManager.default.contentsOfDirectory(atPath: runDirectory)) ?? [] where name.hasPrefix(".") && name.contains(".tmp-") {
      try? FileManager.default.removeItem(atPath: runDirectory + "/" + name)
    }
    let checkpoint = try Checkpoint(contentsOf: path)
    let facts = try CheckpointCheck.check(checkpoint, path: path, run: description, use: .resume)
    try backend.parameters.restore(from: checkpoint, path: path)
    state.epoch = facts.epoch!
    state.step = facts.step!
    if let saved = facts.seed, saved != seed { throw DataError.runSeed(path, saved: saved, given: seed) }
    // Checked arithmetic: a forged 'dlc.step' must not overflow the schedule.
    let (expected, overflow) = state.epoch.multipliedReportingOverflow(by: stepsPerEpoch)
    guard !overflow, expected == state.step else {
      throw DataError.runStep(path, step: state.step, epoch: state.epoch, expected: overflow ? "more than \(Int.max)" : "\(expected)")
    }
    if let es = config.earlyStopping, let saved = checkpoint.metadata[Checkpoint.Key.earlyStopping] {
      state.earlyStopping = try EarlyStopping(es, restoring: saved)
    }
    if let saved = checkpoint.metadata[Checkpoint.Key.best] {
      do { state.best = try EarlyStopping(bestConfig, restoring: saved) } catch {
        throw DataError.checkpointMetadata(path, Checkpoint.Key.best, "is '\(excerpt(saved))', not the state of '\(bestConfig.monitor)' this run keeps its best by",
                                           help: "resume with the spec the run was trained with, or start a new run with '--overwrite'")
      }
    } else if let es = state.earlyStopping {
      // A checkpoint from before 'dlc.best': early stopping's state names the best epoch.
      state.best = try EarlyStopping(bestConfig, restoring: es.serialized())
    }
    if let stopped = state.earlyStopping?.state.stoppedEpoch {
      throw DataError.runFinished(path, "early stopping ended it after epoch \(stopped)",
                                  help: "start a new run with '--overwrite', or change 'train.early_stopping' and start again")
    }
    guard state.epoch < config.epochs else {
      throw DataError.runFinished(path, "it trained \(state.epoch) of \(config.epochs) epochs",
                                  help: "give '--epochs N' with N above \(state.epoch) to train longer")
    }
    return state
  }

  /// The checkpoint of the current state: every parameter (optimizer state included),
  /// the preprocessing statistics and the run's facts.
  func makeCheckpoint(backend: TrainingBackend, data: PreparedData, state: State) -> Checkpoint {
    var checkpoint = Checkpoint(tensors: backend.parameters.tensors(), metadata: [:])
    checkpoint.tensors.merge(data.preprocessingTensors) { a, _ in a }
    checkpoint.metadata = [
      Checkpoint.Key.spec: description.specText,
      Checkpoint.Key.ir: description.irText,
      Checkpoint.Key.epoch: String(state.epoch),
      Checkpoint.Key.step: String(state.step),
      Checkpoint.Key.seed: String(seed),
      Checkpoint.Key.rngPosition: "{\"epoch\":\(state.epoch),\"step\":\(state.step)}",
      Checkpoint.Key.version: DLCVersion.current,
    ]
    if let es = state.earlyStopping { checkpoint.metadata[Checkpoint.Key.earlyStopping] = es.serialized() }
    checkpoint.metadata[Checkpoint.Key.best] = state.best.serialized()
    return checkpoint
  }
}

/// The loss stopped being a finite number.
public struct TrainingDiverged: Error, CustomStringConvertible {
  public var epoch: Int
  /// The batch whose training loss was not finite; nil when the epoch's validation was not.
  public var batch: Int?
  public var lr: Double
  /// What was not finite (`the training loss is nan`).
  public var what: String
  /// What `best.safetensors` holds, if anything.
  public var best: EarlyStopping.State

  public init(epoch: Int, batch: Int?, lr: Double, what: String, best: EarlyStopping.State) {
    self.epoch = epoch
    self.batch = batch
    self.lr = lr
    self.what = what
    self.best = best
  }

  public var description: String {
    let place = batch.map { "epoch \(epoch), batch \($0)" } ?? "the end of epoch \(epoch)"
    var text = "training diverged: \(what) at \(place) (learning rate \(lr)); the run stopped without saving this epoch"
    if let epoch = best.bestEpoch, let value = best.bestValue {
      text += "; best.safetensors holds epoch \(epoch) ('\(best.monitor)' \(value))"
    }
    return text + "; a lower learning rate may help"
  }
}

/// The version string written into checkpoints.
public enum DLCVersion {
  public static let current = "0.3.0"
}

"""##########),
    ("Sources/DLCTraining/Training/TrainerCommandLine.swift", ##########"""
import Foundation

/// The command line of an emitted trainer: `train`, `eval` and `predict` over one
/// compiled model. It lives here, in the carried training module, so every emitted
/// package shares it and `dlc`'s own commands and the emitted ones behave alike.
public enum TrainerCommandLine {
  /// Runs `arguments` (argv, program name first) and returns the exit status: 0 done,
  /// 1 a problem with the data, a checkpoint or the arguments. `eval`, `predict` and
  /// `latency` run an optimized checkpoint on `deployed` (when the package has one) and
  /// any other checkpoint on the trainer's model. `train` ends with the spec's deployment
  /// passes over the checkpoint it kept, as `dlc train` does, through `deployment`.
  public static func main(
    _ arguments: [String], run: RunDescription, deployed: DeployedModel? = nil, deployment: DeploymentCommand? = nil,
    makeBackend: @escaping (UInt64) throws -> TrainingBackend
  ) -> Int32 {
    let program = (arguments.first as NSString?)?.lastPathComponent ?? "trainer"
    var args = Array(arguments.dropFirst())
    guard let command = args.first, !["-h", "--help", "help"].contains(command) else {
      print(usage(program, run))
      return args.isEmpty ? 1 : 0
    }
    args.removeFirst()
    // `train --help` and the like: the usage, as for the bare `--help`.
    if args.contains(where: { $0 == "-h" || $0 == "--help" }) {
      print(usage(program, run))
      return 0
    }
    do {
      let options = try Options(args)
      try options.checkPaths()
      var run = run
      if options.value("targets") != nil, case .csv = run.data.source {
        throw TrainingError("'--targets' names NPY targets, but this model reads its targets from the CSV's columns; give '--data' only")
      }
      if let data = options.value("data") { run.data.source = run.data.source.replacingPaths(x: data, y: options.value("targets")) }
      switch command {
      case "train":
        var trainer = Trainer.Options()
        if let e = options.value("epochs") {
          guard let n = Int(e), n >= 1, n <= TrainConfig.maxEpochs else {
            throw TrainingError("--epochs needs a whole number from 1 to \(TrainConfig.maxEpochs), not '\(e)'")
          }
          run.train.epochs = n
          if run.train.schedule.warmupEpochs >= n { throw TrainConfigError.warmupTooLong(run.train.schedule.warmupEpochs, epochs: n) }
        }
        if let s = options.value("seed") {
          guard let seed = UInt64(s) else { throw TrainingError("--seed needs a whole number ≥ 0, not '\(s)'") }
          trainer.seed = seed
        }
        trainer.runsDirectory = options.value("out") ?? "runs"
        trainer.resume = options.flag("resume")
        trainer.overwrite = options.flag("overwrite")
        trainer.interactive = isatty(1) != 0
        trainer.write = { text in FileHandle.standardOutput.write(Data(text.utf8)) }
        let report = try Trainer(run: run, options: trainer, makeBackend: makeBackend).run()
        print("trained \(report.epochsRun) epoch\(report.epochsRun == 1 ? "" : "s")"
          + (report.bestEpoch.map { "; best epoch \($0) by '\(report.bestMonitor)'" } ?? ""))
        print("checkpoints: \(report.bestCheckpoint), \(report.lastCheckpoint)")
        if let deployment {
          try deploy(deployment, report: report, run: run, dataReplaced: options.value("data") != nil || options.value("targets") != nil)
        }
      case "eval":
        let (checkpoint, loaded) = try read(options)
        let evaluation = try Inference.evaluate(
          run: run, checkpoint: checkpoint, split: options.value("split"), loaded: loaded,
          makeBackend: try backend(for: loaded, at: checkpoint, deployed: deployed, trainer: makeBackend))
        print(options.flag("json") ? evaluation.json : evaluation.text, terminator: options.flag("json") ? "\n" : "")
      case "predict":
        let (checkpoint, loaded) = try read(options)
        let csv = try Inference.predict(
          run: run, checkpoint: checkpoint, input: try options.required("input"), loaded: loaded,
          makeBackend: try backend(for: loaded, at: checkpoint, deployed: deployed, trainer: makeBackend))
        if let output = options.value("output") {
          try PathCheck.write(csv, to: output)
        } else {
          print(csv, terminator: "")
        }
      case "latency":
        let batches = try Latency.batchList(options.value("batch") ?? "1,\(run.train.batchSize)")
        let seconds = try Latency.seconds(options.value("seconds") ?? "1")
        let (checkpoint, loaded) = try read(options)
        // The compiled model's memory is planned for the spec's batch size: larger batches run in calls of that size.
        for m in try Latency.measure(run: run, checkpoint: checkpoint, batches: batches, seconds: seconds, loaded: loaded,
                                     largestCall: run.train.batchSize, makeBackend: try backend(for: loaded, at: checkpoint, deployed: deployed, trainer: makeBackend)) {
          print(m.text)
        }
      default:
        throw TrainingError("unknown command '\(command)'; use train, eval, predict or latency (see --help)")
      }
      return 0
    } catch let error as DataError {
      FileHandle.standardError.write(Data((error.description + "\n").utf8))
    } catch let error as TrainConfigError {
      FileHandle.standardError.write(Data((error.description + "\n").utf8))
    } catch {
      FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    }
    return 1
  }

  /// The deployment passes over the checkpoint training kept (best, else last) into
  /// `optimized.safetensors` beside it, as `dlc train` does; when they cannot run here, a
  /// note that says why and the command that runs them.
  static func deploy(_ deployment: DeploymentCommand, report: Trainer.Report, run: RunDescription, dataReplaced: Bool) throws {
    let kept = FileManager.default.fileExists(atPath: report.bestCheckpoint) ? report.bestCheckpoint : report.lastCheckpoint
    let output = (kept as NSString).deletingLastPathComponent + "/optimized.safetensors"
    let outcome = try deployment.run(checkpoint: kept, output: output, specText: run.specText, dataReplaced: dataReplaced) { text in
      FileHandle.standardOutput.write(Data(text.utf8))
    }
    if case .notRun(let reason) = outcome {
      print("note: the spec's deployment passes (\(deployment.passes)) did not run: \(reason)")
      print("run them with: " + deployment.commandLine(checkpoint: kept, output: output))
    }
  }

  /// The `--checkpoint` path and the file's content, read once.
  static func read(_ options: Options) throws -> (String, Checkpoint) {
    let path = try options.required("checkpoint")
    return (path, try Checkpoint(contentsOf: path))
  }

  /// The model a checkpoint runs on (see `DeployedModel.backend`).
  static func backend(
    for checkpoint: Checkpoint, at path: String, deployed: DeployedModel?, trainer: @escaping (UInt64) throws -> TrainingBackend
  ) throws -> (UInt64) throws -> TrainingBackend {
    try DeployedModel.backend(for: checkpoint, path: path, deployed: deployed, trainer: trainer)
  }

  static func usage(_ program: String, _ run: RunDescription) -> String {
    """
    \(program): the trainer of '\(run.name)', compiled by dlc.

    usage:
      \(program) train   [--data PATH] [--targets PATH] [--epochs N] [--seed S] [--out DIR] [--resume | --overwrite]
      \(program) eval    --checkpoint FILE [--split train|valid|test] [--json] [--data PATH] [--targets PATH]
      \(program) predict --checkpoint FILE --input data.csv|data.npy [--output preds.csv]
      \(program) latency --checkpoint FILE [--batch 1,\(run.train.batchSize)] [--seconds 1]

    The data are the files the spec names, resolved against its folder when dlc compiled
    the package; --data replaces the data file (the CSV, or the NPY features), --targets
    the NPY targets (relative to the current folder). Runs go to <out>/\(run.name)/
    (log.jsonl, best.safetensors: the best epoch by the validation loss, or the training
    loss without a validation split, and last.safetensors), readable by `dlc eval` and
    `dlc predict` as well; a new run into a folder holding one refuses without --overwrite,
    and two runs cannot share a folder. When the spec lists 'optimize:' passes, `train`
    ends by running them through the dlc that compiled the package (`dlc optimize`, into
    optimized.safetensors; when dlc or the spec is not there it prints the command
    instead), and an optimized checkpoint runs on the package's deployed model. `eval`
    reads the test split, or the valid split when the spec holds out no test split.
    `latency` takes any batch sizes; batches above \(run.train.batchSize) run as several calls.
    """
  }

  /// `--name value` options and `--flag` flags.
  struct Options {
    var values: [String: String] = [:]
    var flags: Set<String> = []
    static let flagNames: Set<String> = ["resume", "overwrite", "json"]
    /// The options that name paths, and what they name (see `PathCheck`).
    static let pathOptions: [String: PathCheck.Kind] = [
      "data": .inputFile, "targets": .inputFile, "checkpoint": .inputFile, "input": .inputFile,
      "output": .outputFile, "out": .outputFolder,
    ]
    static let valueNames: Set<String> = [
      "data", "targets", "epochs", "seed", "out", "checkpoint", "split", "input", "output", "batch", "seconds",
    ]

    init(_ args: [String]) throws {
      var i = 0
      while i < args.count {
        let arg = args[i]
        guard arg.hasPrefix("--") else { throw TrainingError("unexpected argument '\(arg)'") }
        let name = String(arg.dropFirst(2))
        if Self.flagNames.contains(name) {
          flags.insert(name)
        } else if Self.valueNames.contains(name) {
          guard i + 1 < args.count else { throw TrainingError("'\(arg)' needs a value") }
          values[name] = args[i + 1]
          i += 1
        } else {
          throw TrainingError("unknown option '\(arg)' (see --help)")
        }
        i += 1
      }
    }

    /// Every path option given is checked before anything runs.
    func checkPaths() throws {
      for (name, kind) in Self.pathOptions.sorted(by: { $0.key < $1.key }) {
        if let path = values[name] { try PathCheck.check(path, option: "--" + name, as: kind) }
      }
      if flag("resume"), flag("overwrite") { throw TrainingError("'--resume' and '--overwrite' are alternatives; give one") }
    }

    func value(_ name: String) -> String? { values[name] }
    func flag(_ name: String) -> Bool { flags.contains(name) }
    func required(_ name: String) throws -> String {
      guard let v = values[name] else { throw TrainingError("this command needs '--\(name)'") }
      return v
    }
  }
}

extension DataSourceConfig {
  /// The same source reading other files: `x` replaces the CSV or the NPY features,
  /// `y` the NPY targets.
  func replacingPaths(x: String, y: String?) -> DataSourceConfig {
    switch self {
    case .csv(_, let target, let features): return .csv(path: x, target: target, features: features)
    case .npy(_, let oldY): return .npy(x: x, y: y ?? oldY)
    }
  }
}

"""##########),
  ]
}
