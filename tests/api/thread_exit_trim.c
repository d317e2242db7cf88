/* A thread that frees the blocks it allocated and exits leaves no resident pages
 * behind: a worker allocates 8 MiB in blocks of 16 B..4 KiB from every size class, writes
 * them, frees them all and exits; after the join the process's RSS must be within
 * 2 MiB of what it was before the thread started.  glibc's free trims the arena's top
 * beyond M_TRIM_THRESHOLD at once; heapguard gives back the free pages beyond it at the
 * thread's exit (region.c, hg_region_thread_exit), where before it kept them for the
 * decay time (1 s) and the main thread's printing and exit then ran with them resident:
 * the process's peak RSS.  Then a second thread does the same under
 * mallopt(M_TRIM_THRESHOLD, -1), where nothing may be given back: RSS stays at least
 * 4 MiB higher (the setting keeps its meaning for this path too).
 */
#include "check.h"

#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/gives_back.h"

enum { TOTAL = 8 << 20, MAXN = 20000 };

static void *worker(void *arg) {
  (void)arg;
  static unsigned char *p[MAXN];
  hg_rng r = {42};
  size_t total = 0, n = 0;
  while (total < TOTAL && n < MAXN) {
    size_t len = hg_range(&r, 16, 4096);
    p[n] = malloc(len);
    if (!CHECK_NONNULL(p[n])) break;
    memset(p[n], (int)n, len);
    total += len;
    n++;
  }
  for (size_t i = 0; i < n; i++) free(p[i]);
  return NULL;
}

static size_t run_worker(void) {
  pthread_t t;
  if (!CHECK_EQ(pthread_create(&t, NULL, worker, NULL), 0)) return 0;
  pthread_join(t, NULL);
  return rss_bytes();
}

int main(void) {
  return gives_back_main(run_worker, "a thread freed 8 MiB of blocks and exited", 4 << 20);
}
