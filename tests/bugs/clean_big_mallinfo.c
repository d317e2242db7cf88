// expect-clean
/* A block of 32 MiB or more has a mapping of its own in check mode, as under glibc
 * (region_large.c: hg_region_alloc_mapped), and is counted as glibc counts its mapped
 * chunks: mallinfo2's hblks and hblkhd, not arena and uordblks.  When those slots first
 * left the brk heap they were in no figure at all (uordblks 8784 with a live 40 MiB
 * block: malloc_stats said 8 KiB in use).  Freed (and released: it is bigger than a
 * quarter of the quarantine), it leaves both figures. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MiB ((size_t)1 << 20)

int main(void) {
  struct mallinfo2 before = mallinfo2();
  char *volatile p = malloc(40 * MiB);
  if (!p) return 2;
  memset(p, 1, 4096);
  struct mallinfo2 live = mallinfo2();
  printf("live: hblks %zu, hblkhd %zu, arena %zu, uordblks %zu\n", live.hblks, live.hblkhd, live.arena,
         live.uordblks);
  if (live.hblks != before.hblks + 1 || live.hblkhd < before.hblkhd + 40 * MiB) return 3;
  if (live.uordblks > before.uordblks + 1 * MiB) return 4;   /* not counted twice */
  free(p);
  struct mallinfo2 after = mallinfo2();
  printf("freed: hblks %zu, hblkhd %zu\n", after.hblks, after.hblkhd);
  if (after.hblks != before.hblks || after.hblkhd != before.hblkhd) return 5;
  return 0;
}
