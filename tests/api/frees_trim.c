/* A program that frees its big blocks one after another gets the pages back at once:
 * 64 blocks of 64 KiB (below the mmap threshold: the heap's), written, then all freed
 * with nothing allocated in between; RSS must then be within 2 MiB of what it was before
 * them.  glibc's free trims the heap's top beyond M_TRIM_THRESHOLD at once; heapguard
 * gives back the free pages beyond it from the 16th such free on (region.c,
 * TEARDOWN_FREES), where before it kept them for the decay time (1 s), and a program
 * that then printed and exited had them resident at its peak.  Then the same under
 * mallopt(M_TRIM_THRESHOLD, -1), where nothing may be given back: RSS stays at least
 * 3 MiB higher.
 */
#include "check.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { N = 64, SIZE = 64 << 10 };

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

static size_t allocate_and_free(void) {
  static unsigned char *p[N];
  for (int i = 0; i < N; i++) {
    p[i] = malloc(SIZE);
    if (!CHECK_NONNULL(p[i])) return 0;
    memset(p[i], i + 1, SIZE);
  }
  for (int i = 0; i < N; i++) free(p[i]);
  return rss_bytes();
}

int main(void) {
  size_t before = rss_bytes();
  if (before == 0) check_skip("no /proc/self/smaps_rollup");
  size_t after = allocate_and_free();
  CHECKF(after < before + (2 << 20), "RSS %zu KiB before, %zu KiB after 4 MiB of blocks were freed",
         before >> 10, after >> 10);
  CHECK_EQ(mallopt(M_TRIM_THRESHOLD, -1), 1);
  size_t kept = allocate_and_free();
  CHECKF(kept >= after + (3 << 20), "M_TRIM_THRESHOLD -1: RSS %zu KiB, %zu KiB before", kept >> 10,
         after >> 10);
  return check_finish();
}
