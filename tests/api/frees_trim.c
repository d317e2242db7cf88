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

#include "../common/gives_back.h"

enum { N = 64, SIZE = 64 << 10 };

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

int main(void) { return gives_back_main(allocate_and_free, "4 MiB of blocks were freed", 3 << 20); }
