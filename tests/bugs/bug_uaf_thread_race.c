// expect-error: heap-use-after-free
// expect-error: heap-buffer-overflow
// env: HEAPGUARD_QUARANTINE=256KiB
// expect-text: ERROR SUMMARY: 2 errors from 2 contexts
// expect-text: churn[.a-z0-9]* \(bug_uaf_thread_race\.c:31\)
// expect-text: bug_uaf_thread_race\.c:43\)
// expect-text: bug_uaf_thread_race\.c:42\)
/* Two threads churn blocks of many sizes through a small quarantine, with check
   mode's lock contended (any form of its locking must pass: as in
   bug_double_free_race); one of them writes into a block it freed, and past the end of another
   before freeing it.  Each bug is reported exactly once: the write after free when
   the block leaves the quarantine (some other free pushes it out), the overflow at
   its free; the hundreds of thousands of clean blocks around them, none.  (The
   overflow first: its report's symbols allocate, and their frees, pushing blocks out
   of this small quarantine, would otherwise find the write after free in the middle
   of the report, with no stack.) */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_barrier_t start;

static void churn(unsigned seed, int rounds) {
  for (int r = 0; r < rounds; r++) {
    char *p[8];
    for (int i = 0; i < 8; i++) {
      seed = seed * 1103515245u + 12345u;
      size_t n = 1 + (seed >> 16) % 600;
      p[i] = memset(malloc(n), 1, n);
    }
    for (int i = 0; i < 8; i++) free(p[i]);
  }
}

static void *work(void *arg) {
  long me = (long)arg;
  pthread_barrier_wait(&start);
  churn((unsigned)me, 3000);
  if (me == 1) {
    char *over = malloc(100), *gone = malloc(48);
    over[100] = 'y';                     /* BUG: one byte past the end */
    free(over);
    free(gone);
    gone[10] = 'x';                      /* BUG: written after free */
  }
  churn((unsigned)me + 7, 3000);         /* pushes `gone` out of the quarantine */
  return NULL;
}

int main(void) {
  pthread_t t[2];
  pthread_barrier_init(&start, NULL, 2);
  for (long i = 0; i < 2; i++) pthread_create(&t[i], NULL, work, (void *)i);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  return 0;
}
