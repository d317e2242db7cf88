// expect-clean
// sampled: 0
/* mallinfo2, mallinfo, malloc_stats and hg_stats_get count guarded blocks (and, in
   sampled guard mode, sampled ones) as in use: each live one's data pages in uordblks,
   "in use bytes" and hg_stats.in_use, its mapping (data pages and guard page) in arena
   and "system bytes".  They were 0 in guard mode: guarded slots are in no span of the
   default allocator, which is all the snapshot walked.  (The figures asked for are
   lower bounds: the C library allocates too, and in sampled mode a thread's first
   requests may be served before the unwinder is ready, unsampled.)  malloc_info's
   totals count free blocks and their bytes: guard mode's said rest count="0" with a
   size of megabytes (arena less in use: guard pages and quarantined blocks, which are
   no free blocks). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../check.h"
#include "heapguard.h"

enum { COUNT = 64, SIZE = 1000 };   /* a page each: sampled mode guards up to one page */

static int (*stats_get)(struct hg_stats *, size_t);

static size_t stats_in_use(size_t *blocks) {
  struct hg_stats st;
  memset(&st, 0, sizeof st);
  CHECK_EQ(stats_get(&st, sizeof st), 0);
  *blocks = st.blocks;
  return st.in_use;
}

/* malloc_stats' "in use bytes" of its Total section (the second), from its stderr. */
static size_t malloc_stats_in_use(void) {
  fflush(stderr);
  FILE *tmp = tmpfile();
  if (!CHECK_NONNULL(tmp)) return 0;
  int saved = dup(2);
  dup2(fileno(tmp), 2);
  malloc_stats();
  dup2(saved, 2);
  close(saved);
  rewind(tmp);
  char line[256];
  size_t v = 0;
  while (fgets(line, sizeof line, tmp)) sscanf(line, "in use bytes = %zu", &v);
  fclose(tmp);
  return v;
}

/* Every <total type=... count="C" size="S"/> of malloc_info: no bytes without blocks. */
static void malloc_info_totals(void) {
  FILE *tmp = tmpfile();
  if (!CHECK_NONNULL(tmp)) return;
  CHECK_EQ(malloc_info(0, tmp), 0);
  rewind(tmp);
  char line[256], type[32];
  size_t count, size;
  while (fgets(line, sizeof line, tmp))
    if (sscanf(line, "<total type=\"%31[a-z]\" count=\"%zu\" size=\"%zu\"", type, &count, &size) == 3)
      CHECKF(count > 0 || size == 0, "malloc_info: %s count=\"%zu\" size=\"%zu\"", type, count, size);
  fclose(tmp);
}

int main(void) {
  stats_get = (int (*)(struct hg_stats *, size_t))dlsym(RTLD_DEFAULT, "hg_stats_get");
  if (!CHECK_NONNULL(stats_get)) return check_finish();
  void *first = malloc(SIZE);   /* the unwinder loaded, in sampled mode */
  size_t blocks0, blocks1, blocks2;
  struct mallinfo2 before = mallinfo2();
  size_t stats0 = stats_in_use(&blocks0), ms0 = malloc_stats_in_use();
  static char *p[COUNT];
  for (int i = 0; i < COUNT; i++) {
    p[i] = malloc(SIZE);
    if (CHECK_NONNULL(p[i])) memset(p[i], i, SIZE);
  }
  struct mallinfo2 during = mallinfo2();
  malloc_info_totals();
  size_t stats1 = stats_in_use(&blocks1), ms1 = malloc_stats_in_use();
  fprintf(stderr, "uordblks %zu -> %zu, arena %zu -> %zu, hblkhd %zu -> %zu, in_use %zu -> %zu, "
          "blocks %zu -> %zu, malloc_stats %zu -> %zu\n", before.uordblks, during.uordblks,
          before.arena, during.arena, before.hblkhd, during.hblkhd, stats0, stats1, blocks0, blocks1,
          ms0, ms1);
  CHECKF(during.uordblks >= before.uordblks + COUNT * SIZE, "uordblks grew by %zd for %d blocks of %d",
         (ssize_t)(during.uordblks - before.uordblks), COUNT, SIZE);
  CHECKF(during.arena >= during.uordblks, "arena %zu < uordblks %zu", during.arena, during.uordblks);
  CHECK_EQU(during.fordblks, during.arena - during.uordblks);
  CHECKF(stats1 >= stats0 + COUNT * SIZE, "hg_stats in_use grew by %zd", (ssize_t)(stats1 - stats0));
  CHECKF(blocks1 >= blocks0 + COUNT, "hg_stats blocks went from %zu to %zu", blocks0, blocks1);
  CHECKF(ms1 >= ms0 + COUNT * SIZE, "malloc_stats' in use bytes grew by %zd", (ssize_t)(ms1 - ms0));
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  struct mallinfo old = mallinfo();
#pragma GCC diagnostic pop
  CHECKF((size_t)old.uordblks >= COUNT * SIZE, "mallinfo's uordblks %d", old.uordblks);

  for (int i = 0; i < COUNT; i++) free(p[i]);
  struct mallinfo2 after = mallinfo2();
  size_t stats2 = stats_in_use(&blocks2);
  fprintf(stderr, "after freeing them: uordblks %zu, in_use %zu, blocks %zu\n", after.uordblks, stats2,
          blocks2);
  /* freed guarded blocks hold no memory (their pages are given back, or kept
     inaccessible in sampled mode's quarantine): not in use */
  CHECKF(after.uordblks + COUNT * SIZE <= during.uordblks, "uordblks %zu after the frees, %zu before",
         after.uordblks, during.uordblks);
  CHECKF(blocks2 + COUNT <= blocks1, "hg_stats blocks %zu after the frees, %zu before", blocks2, blocks1);
  malloc_info_totals();
  free(first);
  return check_finish();
}
