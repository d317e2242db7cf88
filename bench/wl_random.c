/* wl_random.c — workload 2: random sizes from 8 B to 4 KiB, log-distributed, with a
 * window of live blocks.
 *
 * Models a general-purpose program's mix (the pattern of mimalloc-bench's "alloc-test"
 * and glibc's bench-malloc-thread): sizes drawn log-uniformly between 8 and 4096 bytes
 * (as many 8..15 B requests as 2048..4095 B ones), each step frees a random member of a
 * window of --size live blocks and allocates a replacement, touching its first and last
 * cache line.  Blocks die in random order, so free lists get mixed and spans partially
 * empty — the allocator's everyday life.
 *
 *   --ops N      malloc+free pairs per thread   (default 16000000, smoke 100000)
 *   --size N     live blocks per thread         (default 2000)
 *   --threads N  independent threads, each with its own window (default 1)
 */
#include "wl_common.h"

typedef struct { long ops; long window; uint64_t seed; uint64_t check; } job;

static void *run(void *arg) {
  job *j = arg;
  wl_rng r;
  wl_rng_init(&r, j->seed);
  unsigned char **win = calloc((size_t)j->window, sizeof *win);
  size_t *len = calloc((size_t)j->window, sizeof *len);
  uint64_t check = 0;
  for (long i = 0; i < j->ops; i++) {
    size_t k = (size_t)wl_below(&r, (uint64_t)j->window);
    if (win[k]) {
      check += win[k][0] ^ win[k][len[k] - 1];
      free(win[k]);
    }
    size_t n = wl_logsize(&r, 8, 4096);
    unsigned char *p = wl_xmalloc(n);
    p[0] = (unsigned char)n;
    p[n - 1] = (unsigned char)i;
    win[k] = p;
    len[k] = n;
  }
  for (long k = 0; k < j->window; k++) free(win[k]);
  free(win);
  free(len);
  j->check = check;
  return NULL;
}

int main(int argc, char **argv) {
  wl_args a;
  wl_parse(argc, argv, &a, (wl_args){ 16000000, 2000, 1, 2, 0 }, (wl_args){ 100000, 2000, 1, 2, 1 },
           "random sizes 8..4096 B (log-distributed) with a window of live blocks");
  if (a.size < 1) a.size = 1;
  pthread_t tids[a.threads];
  job jobs[a.threads];
  for (int t = 0; t < a.threads; t++) jobs[t] = (job){ a.ops, a.size, a.seed * 1000 + (uint64_t)t, 0 };
  double t0 = wl_now();
  wl_start_threads(a.threads, tids, run, jobs, sizeof(job));
  wl_join_threads(a.threads, tids);
  uint64_t check = 0;
  for (int t = 0; t < a.threads; t++) check += jobs[t].check;
  printf("RESULT wl=random check=%llx ops=%ld window=%ld threads=%d secs=%.3f\n",
         (unsigned long long)check, a.ops, a.size, a.threads, wl_now() - t0);
  return 0;
}
