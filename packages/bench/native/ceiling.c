// Reference: the 4x8 register-tile micro-kernel of packages/backend-wasm/assembly/microkernel.ts (BLIS, Van Zee &
// van de Geijn, ACM TOMS 2015), here in native 128-bit SSE/FMA: the ceiling of the instructions wasm SIMD exposes.
//
//   cc -O2 -mavx2 -mfma -ffp-contract=off -pthread ceiling.c -o ceiling
//   ./ceiling <budget_ms> <threads>...        e.g. ./ceiling 300 1 2
//
// Times the bare micro-kernel over L1-resident packed panels (one 8 KiB B panel, four 4 KiB A panels per thread),
// in two instruction mixes: "muladd" (mulps + addps, as baseline wasm SIMD's f32x4.mul + f32x4.add; -ffp-contract=off
// keeps the compiler from fusing them) and "fma" (vfmadd231ps on xmm, as relaxed SIMD's f32x4.relaxed_madd). Each
// thread count runs that many pthreads on private panels. Prints one JSON object on stdout.
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MR 4
#define NR 8
#define KC 256
#define PANELS_A 4
#define CALLS 20000 /* micro-kernel calls per thread per timed run: 20000 x 64 x KC flops = 328 MFLOP */
#define MAX_THREADS 64
#define MAX_REPS 200

typedef struct {
  float *a; /* (PANELS_A, KC, MR) packed A panels */
  float *b; /* (KC, NR) packed B panel */
  float *c; /* (PANELS_A, MR, NR) C tiles */
  int fma;
} Work;

/* C (MR, NR) += A (MR, kc) . B (kc, NR), the accumulators in 8 xmm registers (noinline: one symbol per mix, so a
   test can read its instructions in the assembly) */
__attribute__((noinline)) static void kernel_muladd(int kc, const float *pa, const float *pb, float *c) {
  __m128 c00 = _mm_setzero_ps(), c01 = _mm_setzero_ps(), c10 = _mm_setzero_ps(), c11 = _mm_setzero_ps();
  __m128 c20 = _mm_setzero_ps(), c21 = _mm_setzero_ps(), c30 = _mm_setzero_ps(), c31 = _mm_setzero_ps();
  for (int p = 0; p < kc; p++) {
    const __m128 b0 = _mm_load_ps(pb), b1 = _mm_load_ps(pb + 4); /* B(p, 0:4), B(p, 4:8) */
    __m128 a = _mm_broadcast_ss(pa); /* A(0, p) in every lane */
    c00 = _mm_add_ps(_mm_mul_ps(a, b0), c00);
    c01 = _mm_add_ps(_mm_mul_ps(a, b1), c01);
    a = _mm_broadcast_ss(pa + 1);
    c10 = _mm_add_ps(_mm_mul_ps(a, b0), c10);
    c11 = _mm_add_ps(_mm_mul_ps(a, b1), c11);
    a = _mm_broadcast_ss(pa + 2);
    c20 = _mm_add_ps(_mm_mul_ps(a, b0), c20);
    c21 = _mm_add_ps(_mm_mul_ps(a, b1), c21);
    a = _mm_broadcast_ss(pa + 3);
    c30 = _mm_add_ps(_mm_mul_ps(a, b0), c30);
    c31 = _mm_add_ps(_mm_mul_ps(a, b1), c31);
    pa += MR;
    pb += NR;
  }
  __m128 acc[8] = {c00, c01, c10, c11, c20, c21, c30, c31};
  for (int i = 0; i < 8; i++) _mm_store_ps(c + 4 * i, _mm_add_ps(_mm_load_ps(c + 4 * i), acc[i]));
}

__attribute__((noinline)) static void kernel_fma(int kc, const float *pa, const float *pb, float *c) {
  __m128 c00 = _mm_setzero_ps(), c01 = _mm_setzero_ps(), c10 = _mm_setzero_ps(), c11 = _mm_setzero_ps();
  __m128 c20 = _mm_setzero_ps(), c21 = _mm_setzero_ps(), c30 = _mm_setzero_ps(), c31 = _mm_setzero_ps();
  for (int p = 0; p < kc; p++) {
    const __m128 b0 = _mm_load_ps(pb), b1 = _mm_load_ps(pb + 4);
    __m128 a = _mm_broadcast_ss(pa);
    c00 = _mm_fmadd_ps(a, b0, c00);
    c01 = _mm_fmadd_ps(a, b1, c01);
    a = _mm_broadcast_ss(pa + 1);
    c10 = _mm_fmadd_ps(a, b0, c10);
    c11 = _mm_fmadd_ps(a, b1, c11);
    a = _mm_broadcast_ss(pa + 2);
    c20 = _mm_fmadd_ps(a, b0, c20);
    c21 = _mm_fmadd_ps(a, b1, c21);
    a = _mm_broadcast_ss(pa + 3);
    c30 = _mm_fmadd_ps(a, b0, c30);
    c31 = _mm_fmadd_ps(a, b1, c31);
    pa += MR;
    pb += NR;
  }
  __m128 acc[8] = {c00, c01, c10, c11, c20, c21, c30, c31};
  for (int i = 0; i < 8; i++) _mm_store_ps(c + 4 * i, _mm_add_ps(_mm_load_ps(c + 4 * i), acc[i]));
}

static void *run_calls(void *arg) {
  Work *w = (Work *)arg;
  for (int call = 0; call < CALLS; call++) {
    const int i = call % PANELS_A;
    if (w->fma) kernel_fma(KC, w->a + i * KC * MR, w->b, w->c + i * MR * NR);
    else kernel_muladd(KC, w->a + i * KC * MR, w->b, w->c + i * MR * NR);
  }
  return NULL;
}

static double seconds(clockid_t clock) {
  struct timespec t;
  clock_gettime(clock, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int compare(const void *x, const void *y) {
  const double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

/* one timed run: every thread runs CALLS micro-kernel calls; returns wall seconds, adds CPU seconds to *cpu */
static double timed_run(Work *work, int threads, double *cpu) {
  pthread_t ids[MAX_THREADS];
  const double wall0 = seconds(CLOCK_MONOTONIC), cpu0 = seconds(CLOCK_PROCESS_CPUTIME_ID);
  for (int t = 1; t < threads; t++) {
    if (pthread_create(&ids[t], NULL, run_calls, &work[t]) != 0) {
      fprintf(stderr, "pthread_create: expected thread %d of %d to start, got an error\n", t + 1, threads);
      exit(1);
    }
  }
  run_calls(&work[0]);
  for (int t = 1; t < threads; t++) pthread_join(ids[t], NULL);
  *cpu = seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
  return seconds(CLOCK_MONOTONIC) - wall0;
}

/* warm-up, then runs until budget_s is spent (at least 3, at most MAX_REPS); prints one JSON result */
static void measure(int fma, int threads, double budget_s, int first) {
  Work work[MAX_THREADS];
  for (int t = 0; t < threads; t++) {
    work[t].a = aligned_alloc(64, sizeof(float) * PANELS_A * KC * MR);
    work[t].b = aligned_alloc(64, sizeof(float) * KC * NR);
    work[t].c = aligned_alloc(64, sizeof(float) * PANELS_A * MR * NR);
    for (int i = 0; i < PANELS_A * KC * MR; i++) work[t].a[i] = (float)((i * 7 + t) % 13) * 1e-3f;
    for (int i = 0; i < KC * NR; i++) work[t].b[i] = (float)((i * 5 + t) % 11) * 1e-3f;
    memset(work[t].c, 0, sizeof(float) * PANELS_A * MR * NR);
    work[t].fma = fma;
  }
  double walls[MAX_REPS], cpus[MAX_REPS], cpu, spent = 0;
  timed_run(work, threads, &cpu); /* warm-up */
  int reps = 0;
  while (reps < MAX_REPS && (reps < 3 || spent < budget_s)) {
    walls[reps] = timed_run(work, threads, &cpus[reps]);
    spent += walls[reps];
    reps++;
  }
  double checksum = 0;
  for (int t = 0; t < threads; t++)
    for (int i = 0; i < PANELS_A * MR * NR; i++) checksum += work[t].c[i];
  const double flops = 2.0 * MR * NR * KC * CALLS * threads;
  double best = walls[0];
  for (int i = 1; i < reps; i++) best = walls[i] < best ? walls[i] : best;
  qsort(walls, reps, sizeof(double), compare);
  qsort(cpus, reps, sizeof(double), compare);
  const double wall = walls[reps / 2], cpu_median = cpus[reps / 2];
  printf("%s{\"variant\": \"%s\", \"threads\": %d, \"gflops\": %.3f, \"bestGflops\": %.3f, \"gflopsCpu\": %.3f, "
         "\"medianMs\": %.4f, \"reps\": %d, \"checksum\": %.6g}",
         first ? "" : ", ", fma ? "fma" : "muladd", threads, flops / wall * 1e-9, flops / best * 1e-9,
         flops / (cpu_median / threads) * 1e-9, wall * 1e3, reps, checksum);
  for (int t = 0; t < threads; t++) {
    free(work[t].a);
    free(work[t].b);
    free(work[t].c);
  }
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s <budget_ms> <threads>...\n", argv[0]);
    return 2;
  }
  const double budget_s = atof(argv[1]) / 1e3;
  __builtin_cpu_init();
  const int has_fma = __builtin_cpu_supports("fma") ? 1 : 0;
  printf("{\"mr\": %d, \"nr\": %d, \"kc\": %d, \"fmaSupported\": %s, \"results\": [", MR, NR, KC,
         has_fma ? "true" : "false");
  int first = 1;
  for (int fma = 0; fma <= has_fma; fma++) {
    for (int i = 2; i < argc; i++) {
      const int threads = atoi(argv[i]);
      if (threads < 1 || threads > MAX_THREADS) {
        fprintf(stderr, "threads: expected 1 to %d, got %s\n", MAX_THREADS, argv[i]);
        return 2;
      }
      measure(fma, threads, budget_s, first);
      first = 0;
    }
  }
  printf("]}\n");
  return 0;
}
