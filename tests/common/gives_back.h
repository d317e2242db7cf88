/* gives_back.h — the frame of the tests that freed pages go back to the kernel at once
 * (api/frees_trim, api/thread_exit_trim), as glibc's free trims its heap's top beyond
 * M_TRIM_THRESHOLD: RSS read exactly, before and after a run of the test's, and the
 * same run again under mallopt(M_TRIM_THRESHOLD, -1), where nothing may go back.
 * Include after check.h and malloc.h. */
#ifndef TESTS_COMMON_GIVES_BACK_H
#define TESTS_COMMON_GIVES_BACK_H

#include <stdio.h>

/* Resident bytes, exact: smaps_rollup walks the page tables, where statm's per-CPU
 * counters can be off by a few hundred KiB.  0 if it cannot be read. */
static size_t rss_bytes(void) {
  FILE *f = fopen("/proc/self/smaps_rollup", "r");
  if (!f) return 0;
  char line[256];
  size_t kb = 0;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "Rss: %zu kB", &kb) == 1) break;
  fclose(f);
  return kb << 10;
}

/* run() allocates, writes and frees its blocks and returns rss_bytes() then (what:
 * those blocks, for the message).  RSS must be back within 2 MiB of before; under
 * mallopt(M_TRIM_THRESHOLD, -1) a second run must leave at least kept_min more. */
static int gives_back_main(size_t (*run)(void), const char *what, size_t kept_min) {
  size_t before = rss_bytes();
  if (before == 0) check_skip("no /proc/self/smaps_rollup");
  size_t after = run();
  CHECKF(after < before + (2 << 20), "RSS %zu KiB before, %zu KiB after %s", before >> 10,
         after >> 10, what);
  CHECK_EQ(mallopt(M_TRIM_THRESHOLD, -1), 1);
  size_t kept = run();
  CHECKF(kept >= after + kept_min, "M_TRIM_THRESHOLD -1: RSS %zu KiB, %zu KiB before", kept >> 10,
         after >> 10);
  return check_finish();
}

#endif
