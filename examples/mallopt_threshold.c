/* mallopt_threshold.c — the seed's tunable crossover: "Small allocations use brk.
 * Large ones use mmap. The crossover point is tunable (mallopt(M_MMAP_THRESHOLD, ...))."
 * A 256 KiB block is above the default 128 KiB threshold, so it gets a mapping of its
 * own, far from the heap.  After mallopt(M_MMAP_THRESHOLD, 512 KiB) the same request
 * comes from the heap: the program prints each address and whether it lies in the
 * [heap] range of /proc/self/maps.  (The same as HEAPGUARD_MMAP_THRESHOLD=512K, or
 * glibc's MALLOC_MMAP_THRESHOLD_, without touching the code.)
 * Build: gcc -g -o mallopt_threshold mallopt_threshold.c
 * Run:   heapguard run -- ./mallopt_threshold   (or plainly, for glibc's malloc) */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whether p lies in the [heap] line of /proc/self/maps (the brk heap); its range in
 * *lo, *hi (0 if the process has no [heap] line). */
static int in_heap(const void *p, uintptr_t *lo, uintptr_t *hi) {
  FILE *f = fopen("/proc/self/maps", "r");
  char line[256];
  unsigned long a, b;
  *lo = *hi = 0;
  while (f && fgets(line, sizeof line, f))
    if (strstr(line, "[heap]") && sscanf(line, "%lx-%lx", &a, &b) == 2) {
      *lo = a;
      *hi = b;
    }
  if (f) fclose(f);
  return (uintptr_t)p >= *lo && (uintptr_t)p < *hi;
}

static void show(const char *what, void *p) {
  uintptr_t lo, hi;
  int inside = in_heap(p, &lo, &hi);
  printf("%-40s %p  %s\n", what, p,
         !lo ? "(no [heap] in this process: the heap is in mmap'd regions)"
         : inside ? "in [heap]: from the brk heap" : "not in [heap]: a mapping of its own");
}

int main(void) {
  const size_t size = 256 * 1024;
  char *small = malloc(100);
  show("malloc(100)", small);

  char *before = malloc(size);
  memset(before, 1, size);
  show("malloc(256 KiB), default threshold", before);

  int ok = mallopt(M_MMAP_THRESHOLD, 512 * 1024);
  printf("mallopt(M_MMAP_THRESHOLD, 512 KiB) = %d%s\n", ok, ok ? "" : "  (refused)");

  char *after = malloc(size);
  memset(after, 2, size);
  show("malloc(256 KiB), threshold 512 KiB", after);

  uintptr_t lo, hi;
  in_heap(after, &lo, &hi);
  if (lo) printf("[heap] is %#lx-%#lx (%lu KiB)\n", (unsigned long)lo, (unsigned long)hi,
                 (unsigned long)(hi - lo) / 1024);
  free(after);
  free(before);
  free(small);
  return 0;
}
