// expect-clean
// env: HEAPGUARD_QUARANTINE=512KiB
/* Clean, with threads: three threads grow blocks by realloc chains and hand them to
   the next thread, which checks and frees them, blocks of many sizes flowing through
   a small quarantine with check mode's lock contended, while a fourth thread calls
   hg_check_heap() every millisecond (a call walks every block under the lock: called
   back to back, it starved the workers, and a run took 1-5 s alone and over 30 s
   beside other tests).  No report at all: a block being freed, poisoned or verified
   is never taken for a corrupt one, by the frees, by hg_check_heap() or at exit (a
   form of check mode that did that work outside the lock, reverted since, needed
   this).  Exit status 5 if hg_check_heap() found anything, 6 if a block lost its
   contents. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "heapguard.h"

#pragma weak hg_check_heap

#define WORKERS 3
#define SLOTS 64
#define ROUNDS 4000

static _Atomic(char *) box[WORKERS][SLOTS];   /* handed to the next worker */
static atomic_int stop, found, lost;

static void *worker(void *arg) {
  int me = (int)(long)arg, from = (me + WORKERS - 1) % WORKERS;
  unsigned seed = (unsigned)me * 7919u + 1;
  for (int r = 0; r < ROUNDS; r++) {
    seed = seed * 1103515245u + 12345u;
    /* (Mostly small; every fourth up to 100 KB, long to poison and verify.) */
    size_t n = r % 4 ? 1 + (seed >> 16) % 300 : 20000 + (seed >> 8) % 80000;
    char *p = NULL;
    for (size_t k = 1; k <= n; k += 1 + k / 2) {   /* a realloc chain */
      p = realloc(p, k);
      memset(p, me + 1, k);
    }
    p = realloc(p, n);
    memset(p, me + 1, n);
    char *old = atomic_exchange(&box[me][r % SLOTS], p);
    free(old);   /* the worker's own, never taken */
    char *q = atomic_exchange(&box[from][(r * 7) % SLOTS], NULL);
    if (q) {
      if (q[0] != (char)(from + 1)) atomic_store(&lost, 1);
      free(q);   /* another thread's block */
    }
  }
  return NULL;
}

static void *checker(void *arg) {
  (void)arg;
  const struct timespec ms = { 0, 1000000 };
  while (!atomic_load(&stop)) {
    if (hg_check_heap && hg_check_heap() != 0) atomic_store(&found, 1);
    nanosleep(&ms, NULL);
  }
  return NULL;
}

int main(void) {
  pthread_t w[WORKERS], c;
  pthread_create(&c, NULL, checker, NULL);
  for (long i = 0; i < WORKERS; i++) pthread_create(&w[i], NULL, worker, (void *)i);
  for (int i = 0; i < WORKERS; i++) pthread_join(w[i], NULL);
  atomic_store(&stop, 1);
  pthread_join(c, NULL);
  for (int i = 0; i < WORKERS; i++)
    for (int k = 0; k < SLOTS; k++) free(atomic_load(&box[i][k]));
  return atomic_load(&found) ? 5 : atomic_load(&lost) ? 6 : 0;
}
