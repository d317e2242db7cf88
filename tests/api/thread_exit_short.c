/* A short-lived thread's exit leaves other threads' free pages alone: the main thread
 * allocates 4 MiB in 256-byte blocks and frees them (their spans go back to the
 * region, resident, for the decay time), then a thread mallocs and frees one block and
 * exits.  Its exit must make no madvise: it moved a span's worth of pages through the
 * region, not M_TRIM_THRESHOLD (region.c, hg_region_thread_exit).  A program whose
 * threads come and go with a few blocks each otherwise paid a madvise, and its next
 * threads the page faults, whenever M_TRIM_THRESHOLD of spans had been freed since the
 * last one (wl_threads: 649 of its 20,000 thread exits).  A thread that moved more is
 * api/thread_exit_trim's.  Under glibc's malloc (no hg_stats_get) it only runs. */
#include "check.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "heapguard.h"
#pragma weak hg_stats_get

enum { N = (4 << 20) / 256 };

static size_t madvise_calls(void) {
  struct hg_stats s;
  if (!CHECK_EQ(hg_stats_get(&s, sizeof s), 0)) return 0;
  return s.madvise_calls;
}

static size_t in_thread;   /* madvise calls once the thread is done allocating */

static void *worker(void *arg) {
  (void)arg;
  char *p = malloc(64);
  if (CHECK_NONNULL(p)) memset(p, 1, 64);
  free(p);
  if (hg_stats_get) in_thread = madvise_calls();
  return NULL;
}

int main(void) {
  static char *p[N];
  for (size_t i = 0; i < N; i++) {
    p[i] = malloc(256);
    if (!CHECK_NONNULL(p[i])) return check_finish();
    memset(p[i], (int)i, 256);
  }
  for (size_t i = 0; i < N; i++) free(p[i]);
  if (hg_stats_get) {
    struct hg_stats s;
    CHECK_EQ(hg_stats_get(&s, sizeof s), 0);
    CHECKF(s.dirty_bytes >= (1 << 20), "only %zu bytes of free pages resident after the frees",
           s.dirty_bytes);
  }
  pthread_t t;
  if (!CHECK_EQ(pthread_create(&t, NULL, worker, NULL), 0)) return check_finish();
  pthread_join(t, NULL);
  if (hg_stats_get) {
    size_t after = madvise_calls();
    CHECKF(after == in_thread, "a thread that allocated one block made %zu madvise calls at its exit",
           after - in_thread);
  }
  return check_finish();
}
