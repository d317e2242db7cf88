/* wl_larson.c — workload 4: Larson-style server simulation.
 *
 * After Larson & Krishnan's server benchmark ("Memory allocation for long-running server
 * applications", ISMM 1998), as used in the Hoard, mimalloc and tcmalloc benchmark suites:
 * each worker thread owns an array of 1000 slots holding blocks of random size 8..1000 B.
 * In every round, each thread replaces --size random slots (free the old block, allocate
 * a new one and write to it); then, at a barrier, the arrays move to the next thread, as a
 * server hands a connection's state to another worker.  The next round's frees are
 * therefore of blocks allocated by another thread (remote frees), and the heaps have to
 * stay balanced across threads over many rounds.
 *
 *   --ops N      rounds                                 (default 800, smoke 4)
 *   --size N     slot replacements per thread per round (default 10000)
 *   --threads N  worker threads                         (default 4)
 */
#include "wl_common.h"

#define SLOTS 1000
#define MINSZ 8
#define MAXSZ 1000

typedef struct { unsigned char *p[SLOTS]; unsigned short n[SLOTS]; } slots;

static slots *arrays;
static int nthreads;
static long rounds, per_round;
static pthread_barrier_t barrier;

typedef struct { int id; uint64_t seed; uint64_t check; } job;

static void *run(void *arg) {
  job *j = arg;
  wl_rng r;
  wl_rng_init(&r, j->seed);
  uint64_t check = 0;
  for (long round = 0; round < rounds; round++) {
    slots *s = &arrays[(j->id + round) % nthreads]; /* the array handed to us this round */
    for (long i = 0; i < per_round; i++) {
      unsigned k = (unsigned)wl_below(&r, SLOTS);
      if (s->p[k]) {
        check += s->p[k][0] + s->p[k][s->n[k] - 1];
        free(s->p[k]);
      }
      unsigned n = MINSZ + (unsigned)wl_below(&r, MAXSZ - MINSZ + 1);
      unsigned char *b = wl_xmalloc(n);
      b[0] = (unsigned char)n;
      b[n - 1] = (unsigned char)i;
      if (n > 64) b[64] = 1;
      s->p[k] = b;
      s->n[k] = (unsigned short)n;
    }
    pthread_barrier_wait(&barrier);
  }
  j->check = check;
  return NULL;
}

int main(int argc, char **argv) {
  wl_args a;
  wl_parse(argc, argv, &a, (wl_args){ 800, 10000, 4, 4, 0 }, (wl_args){ 4, 10000, 4, 4, 1 },
           "Larson server simulation: threads allocate, hand over and free blocks in rounds");
  nthreads = a.threads;
  rounds = a.ops;
  per_round = a.size;
  arrays = calloc((size_t)nthreads, sizeof(slots));
  pthread_barrier_init(&barrier, NULL, (unsigned)nthreads);
  pthread_t tids[nthreads];
  job jobs[nthreads];
  for (int t = 0; t < nthreads; t++) jobs[t] = (job){ t, a.seed * 1000 + (uint64_t)t, 0 };
  double t0 = wl_now();
  wl_start_threads(nthreads, tids, run, jobs, sizeof(job));
  wl_join_threads(nthreads, tids);
  uint64_t check = 0;
  long live_kb = 0;
  for (int t = 0; t < nthreads; t++) {
    check += jobs[t].check;
    for (int k = 0; k < SLOTS; k++) live_kb += arrays[t].n[k];
  }
  long rss = wl_rss_kb();
  for (int t = 0; t < nthreads; t++)
    for (int k = 0; k < SLOTS; k++) free(arrays[t].p[k]);
  free(arrays);
  printf("RESULT wl=larson check=%llx rounds=%ld per_round=%ld threads=%d secs=%.3f live_kb=%ld rss_end_kb=%ld\n",
         (unsigned long long)check, rounds, per_round, nthreads, wl_now() - t0, live_kb / 1024, rss);
  return 0;
}
