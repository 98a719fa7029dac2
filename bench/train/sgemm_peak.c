// OpenBLAS sgemm peak: C = A·B for square float32 matrices of size n (default 1024), on 1
// and 2 threads (openblas_set_num_threads), best of `reps` timed calls after a warm-up.
// Prints one JSON object. Compiled and run by sgemm_peak.py, which sets OPENBLAS_CORETYPE
// in the environment before the process starts (OpenBLAS picks its kernels in a library
// constructor, before main).
//
//   cc -O2 sgemm_peak.c -lopenblas -o sgemm_peak && OPENBLAS_CORETYPE=SkylakeX ./sgemm_peak [n] [reps]
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

// Declared here rather than through <cblas.h>, whose location differs between distributions.
enum { RowMajor = 101, NoTrans = 111 };
void cblas_sgemm(int order, int transa, int transb, int m, int n, int k, float alpha, const float *a,
                 int lda, const float *b, int ldb, float beta, float *c, int ldc);
void openblas_set_num_threads(int n);
char *openblas_get_corename(void);
char *openblas_get_config(void);

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1024;
  int reps = argc > 2 ? atoi(argv[2]) : 20;
  if (n < 1 || reps < 1) return 2;
  size_t count = (size_t)n * n;
  float *a = malloc(count * sizeof *a), *b = malloc(count * sizeof *b), *c = malloc(count * sizeof *c);
  if (!a || !b || !c) return 1;
  unsigned s = 12345;
  for (size_t i = 0; i < count; i++) {
    s = s * 1103515245u + 12345u; a[i] = (float)(s >> 16) / 65536.0f - 0.5f;
    s = s * 1103515245u + 12345u; b[i] = (float)(s >> 16) / 65536.0f - 0.5f;
    c[i] = 0;
  }
  double flops = 2.0 * n * n * n;
  printf("{\"n\": %d, \"reps\": %d, \"corename\": \"%s\", \"config\": \"%s\", \"gflops\": {", n, reps,
         openblas_get_corename(), openblas_get_config());
  for (int threads = 1; threads <= 2; threads++) {
    openblas_set_num_threads(threads);
    for (int i = 0; i < 3; i++)  // warm-up: thread start-up, page faults, frequency
      cblas_sgemm(RowMajor, NoTrans, NoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
    double best = 1e30, total = 0;
    for (int i = 0; i < reps; i++) {
      double t0 = now();
      cblas_sgemm(RowMajor, NoTrans, NoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
      double dt = now() - t0;
      total += dt;
      if (dt < best) best = dt;
    }
    printf("%s\"%d\": {\"best\": %.1f, \"mean\": %.1f}", threads > 1 ? ", " : "", threads, flops / best / 1e9,
           flops * reps / total / 1e9);
  }
  printf("}, \"checksum\": %g}\n", (double)c[count / 2]);
  free(a); free(b); free(c);
  return 0;
}
