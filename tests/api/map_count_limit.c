/* At the kernel's limit on mappings (vm.max_map_count, 65530 by default): allocation
 * may fail (NULL, ENOMEM) but nothing may crash.  The kernel merges neighbouring
 * anonymous mappings of the same protection, so a large block's mapping can become
 * part of a bigger one, and unmapping it then splits that one: refused (ENOMEM) at the
 * limit.  heapguard aborted there ("munmap(...) failed with error 12") in every mode;
 * glibc ignores the failure.  The program fills its map count with one-page mappings of
 * alternating protection (no merging), the last one made (the lowest) read-write, then
 * allocates and frees blocks of many sizes, large ones included, and checks their
 * contents. */
#include "check.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define MAX_MAPS 300000
#define ROOM 8

static long read_limit(void) {
  FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
  long v = 0;
  if (!f) return 0;
  if (fscanf(f, "%ld", &v) != 1) v = 0;
  fclose(f);
  return v;
}

int main(void) {
  long limit = read_limit();
  if (limit <= 0 || limit > MAX_MAPS) check_skip("vm.max_map_count unreadable or too large to fill");
  char **maps = mmap(NULL, MAX_MAPS * sizeof *maps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (!CHECK(maps != MAP_FAILED)) return check_finish();
  long n = 0;
  while (n < MAX_MAPS) {
    void *m = mmap(NULL, 4096, n & 1 ? PROT_READ : PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) break;
    maps[n++] = m;
  }
  fprintf(stderr, "%ld one-page mappings made (vm.max_map_count %ld)\n", n, limit);
  /* The lowest mapping (made last) read-write, so that the next anonymous mapping,
   * placed below it, merges with it. */
  if (n > 0 && (n - 1) % 2 == 1) munmap(maps[--n], 4096);
  /* And ROOM mappings of room, holes in the middle of the run (each a mapping fewer:
   * its two neighbours have the same protection but do not touch).  With none, how
   * many mappings heapguard can still make depends on what it can give back (the spare
   * guarded slots of guard mode, the number of which follows what ran before the
   * fill), and a run that has none fails every allocation needing new metadata (a
   * page map leaf for the heap's next range), as glibc's does when its brk cannot
   * grow; with a few, the splits below still use them up and get refused. */
  for (long i = 0; i < ROOM && n > 4 * ROOM; i++) {
    long k = n / 2 + 2 * i;
    munmap(maps[k], 4096);
    maps[k] = NULL;
  }

  static const size_t sizes[] = { 24, 1000, 5000, 40000, 200000, 300000, 1 << 20, 5 << 20 };
  long ok = 0, failed = 0;
  for (int round = 0; round < 50; round++) {
    unsigned char *p[8];
    for (int i = 0; i < 8; i++) {
      errno = 0;
      p[i] = malloc(sizes[(i + round) % 8]);
      if (p[i]) {
        hg_fill(p[i], sizes[(i + round) % 8], (uint64_t)i);
        ok++;
      } else {
        CHECK_ERRNO(ENOMEM);
        failed++;
      }
    }
    for (int i = 0; i < 8; i++) {
      if (p[i]) CHECKF(hg_verify(p[i], sizes[(i + round) % 8], (uint64_t)i) == (size_t)-1, "block %d changed", i);
      free(p[i]);
    }
  }
  /* Large blocks side by side (their mappings merged into one), freed every other
   * one: each free splits the merged mapping. */
  static unsigned char *large[64];
  for (int i = 0; i < 64; i++) {
    errno = 0;
    large[i] = malloc(300000);
    if (large[i]) {
      hg_fill(large[i], 300000, (uint64_t)i);
      ok++;
    } else {
      CHECK_ERRNO(ENOMEM);
      failed++;
    }
  }
  for (int pass = 0; pass < 2; pass++)
    for (int i = pass; i < 64; i += 2) {
      if (large[i]) CHECKF(hg_verify(large[i], 300000, (uint64_t)i) == (size_t)-1, "large block %d changed", i);
      free(large[i]);
    }
  fprintf(stderr, "%ld allocations succeeded, %ld failed with ENOMEM\n", ok, failed);
  CHECK(ok > 0);
  for (long i = 0; i < n; i++)
    if (maps[i]) munmap(maps[i], 4096);
  void *q = malloc(1 << 20);
  CHECK_NONNULL(q);
  free(q);
  return check_finish();
}
