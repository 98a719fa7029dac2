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
