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
