/* hg_stats.in_use is mallinfo2's uordblks + hblkhd (heapguard.h, heapguard(3)): checked
 * after small, medium, large and aligned blocks come and go, with the block sizes of
 * the three kinds.  Under glibc's malloc (no hg_stats_get) there is nothing to compare:
 * it only runs.  Included by bugs/clean_stats_in_use.c (check mode) and
 * guard/clean_stats_in_use.c (guard and sampled guard mode), where the documentation
 * says the same relation holds (slots, redzones and quarantine included). */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapguard.h"
#pragma weak hg_stats_get

static int failed;

static void same(const char *when) {
  if (!hg_stats_get) return;
  struct hg_stats s;
  if (hg_stats_get(&s, sizeof s) != 0) {
    fprintf(stderr, "%s: hg_stats_get failed\n", when);
    failed = 1;
    return;
  }
  struct mallinfo2 m = mallinfo2();
  if (s.in_use != m.uordblks + m.hblkhd) {
    fprintf(stderr, "%s: in_use %zu, uordblks %zu + hblkhd %zu = %zu\n", when, s.in_use, m.uordblks,
            m.hblkhd, m.uordblks + m.hblkhd);
    failed = 1;
  }
}

static void *keep[64];

int main(void) {
  same("at start");
  static const size_t sizes[] = { 1, 24, 100, 1000, 20000, 100000, 200000, (size_t)1 << 20, 5 << 20 };
  size_t n = 0;
  for (size_t r = 0; r < 4; r++)
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes && n < 64; i++) {
      keep[n] = r == 3 ? memalign(4096, sizes[i]) : malloc(sizes[i]);
      if (!keep[n]) return 2;
      memset(keep[n], 1, sizes[i]);
      n++;
    }
  same("after allocating");
  for (size_t i = 0; i < n; i += 2) {
    free(keep[i]);
    keep[i] = NULL;
  }
  same("after freeing half");
  for (size_t i = 1; i < n; i += 2)
    if (!(keep[i] = realloc(keep[i], 3000))) return 2;
  same("after realloc");
  for (size_t i = 0; i < n; i++) free(keep[i]);
  same("after freeing all");
  return failed;
}
