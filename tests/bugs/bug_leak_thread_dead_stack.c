// expect-error: memory-leak
// expect-text: definitely lost: 57,?192 bytes in 4 blocks
/* Four threads each leak one block, by a different call (malloc of a small block,
   malloc of a medium one, calloc, realloc), then wait for ever while main returns:
   the scan at exit reads their stacks whole, dead part included.  Check mode's own
   frames (below each call's entry point) held the new block's address; the entry
   points wipe them (check.c, scrub_stack), so the blocks are found lost, not
   reachable through a stale copy.  The program keeps no copy of its own: the
   results are only tested, and the waits that follow overwrite the registers.
   Fails with check_realloc inlined into hg_check_realloc (gcc did so; the entry
   point's own frame is not wiped, and gcc kept the new block's address there once
   the record's hint test was inline too): the realloc'd block was "still
   reachable", every run. */
#include <pthread.h>
#include <stdlib.h>

static pthread_barrier_t parked;

__attribute__((noinline)) static void leak(int how) {
  switch (how) {
  case 0: if (!malloc(40)) abort(); break;
  case 1: if (!malloc(48 * 1024)) abort(); break;
  case 2: if (!calloc(3, 1000)) abort(); break;
  default: {
    char *q = malloc(10);
    if (!q) abort();
    q[0] = 1;
    if (!realloc(q, 5000)) abort();
  }
  }
}

static void *worker(void *arg) {
  leak((int)(long)arg);
  pthread_barrier_wait(&parked);
  for (;;) pthread_barrier_wait(&parked);   /* never again: the others wait too */
  return NULL;
}

int main(void) {
  pthread_barrier_init(&parked, NULL, 5);
  for (long i = 0; i < 4; i++) {
    pthread_t t;
    if (pthread_create(&t, NULL, worker, (void *)i) != 0) return 2;
  }
  pthread_barrier_wait(&parked);
  return 0;
}
