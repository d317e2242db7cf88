/* wl_churn.c — workload 1: same-thread churn of one small size (the fast path).
 *
 * Models the most common allocation pattern of all: a thread allocates a small object,
 * uses it briefly and frees it, over and over (temporary buffers, list nodes, RPC
 * messages).  Each thread keeps a tiny ring of 8 live blocks: every step frees the oldest
 * block of the ring and allocates a new one of --size bytes, writing its first and last
 * byte.  The allocator should serve this entirely from its thread-local free list.
 *
 *   --ops N      malloc+free pairs per thread      (default 60000000, smoke 200000)
 *   --size N     block size in bytes               (default 32)
 *   --threads N  independent threads               (default 1)
 */
#include "wl_common.h"

#define RING 8

typedef struct { long ops; size_t size; uint64_t check; } job;

static void *run(void *arg) {
  job *j = arg;
  unsigned char *ring[RING] = { 0 };
  uint64_t check = 0;
  for (long i = 0; i < j->ops; i++) {
    unsigned slot = (unsigned)i & (RING - 1);
    if (ring[slot]) {
      check += ring[slot][0] + ring[slot][j->size - 1];
      free(ring[slot]);
    }
    unsigned char *p = wl_xmalloc(j->size);
    p[0] = (unsigned char)i;
    p[j->size - 1] = (unsigned char)(i >> 8);
    ring[slot] = p;
  }
  for (int s = 0; s < RING; s++) free(ring[s]);
  j->check = check;
  return NULL;
}

int main(int argc, char **argv) {
  wl_args a;
  wl_parse(argc, argv, &a, (wl_args){ 60000000, 32, 1, 1, 0 }, (wl_args){ 200000, 32, 1, 1, 1 },
           "same-thread churn of one small size");
  if (a.size < 1) a.size = 1;
  pthread_t tids[a.threads];
  job jobs[a.threads];
  for (int t = 0; t < a.threads; t++) jobs[t] = (job){ a.ops, (size_t)a.size, 0 };
  double t0 = wl_now();
  wl_start_threads(a.threads, tids, run, jobs, sizeof(job));
  wl_join_threads(a.threads, tids);
  uint64_t check = 0;
  for (int t = 0; t < a.threads; t++) check += jobs[t].check;
  printf("RESULT wl=churn check=%llx ops=%ld size=%ld threads=%d secs=%.3f\n",
         (unsigned long long)check, a.ops, a.size, a.threads, wl_now() - t0);
  return 0;
}
