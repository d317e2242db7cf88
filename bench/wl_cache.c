/* wl_cache.c — workload 5: false sharing (Hoard's cache-scratch and cache-thrash).
 *
 * From Berger et al., "Hoard: a scalable memory allocator for multithreaded
 * applications" (ASPLOS 2000).  Two phases, both with --threads threads:
 *  - scratch: the main thread allocates one small object per thread, back to back (they
 *    share cache lines), and hands one to each thread, which frees it.  Each thread then
 *    repeatedly allocates an 8-byte object, writes it 500 times and frees it.  An
 *    allocator that hands the remotely-freed object (or its neighbours) back to the
 *    thread makes the threads write the same cache line: "passive" false sharing.
 *  - thrash: the same loop without the hand-over; an allocator that serves several
 *    threads from one cache line causes "active" false sharing.
 * Both phases take the same time with a thread-aware allocator and can be many times
 * slower without one.
 *
 *   --ops N      allocate/write/free iterations per thread per phase (default 400000, smoke 3000)
 *   --size N     object size in bytes                               (default 8)
 *   --threads N  threads                                            (default 2)
 */
#include "wl_common.h"

#define WRITES 500

typedef struct { long ops; size_t size; unsigned char *handed; uint64_t check; } job;

static void *run(void *arg) {
  job *j = arg;
  if (j->handed) free(j->handed);
  uint64_t check = 0;
  for (long i = 0; i < j->ops; i++) {
    volatile unsigned char *p = memset(wl_xmalloc(j->size), 0, j->size);
    for (int w = 0; w < WRITES; w++) p[w % j->size] = (unsigned char)(p[w % j->size] + 1);
    check += p[0];
    free((void *)p);
  }
  j->check = check;
  return NULL;
}

static uint64_t phase(wl_args *a, int scratch) {
  pthread_t tids[a->threads];
  job jobs[a->threads];
  for (int t = 0; t < a->threads; t++) {
    jobs[t] = (job){ a->ops, (size_t)a->size, NULL, 0 };
    if (scratch) jobs[t].handed = memset(wl_xmalloc((size_t)a->size), 0, (size_t)a->size);
  }
  wl_start_threads(a->threads, tids, run, jobs, sizeof(job));
  wl_join_threads(a->threads, tids);
  uint64_t check = 0;
  for (int t = 0; t < a->threads; t++) check += jobs[t].check;
  return check;
}

int main(int argc, char **argv) {
  wl_args a;
  wl_parse(argc, argv, &a, (wl_args){ 400000, 8, 2, 5, 0 }, (wl_args){ 3000, 8, 2, 5, 1 },
           "false sharing: Hoard's cache-scratch and cache-thrash");
  if (a.size < 1) a.size = 1;
  double t0 = wl_now();
  uint64_t check = phase(&a, 1);
  double t1 = wl_now();
  check += phase(&a, 0);
  double t2 = wl_now();
  printf("RESULT wl=cache check=%llx ops=%ld size=%ld threads=%d secs=%.3f scratch_secs=%.3f thrash_secs=%.3f\n",
         (unsigned long long)check, a.ops, a.size, a.threads, t2 - t0, t1 - t0, t2 - t1);
  return 0;
}
