/* fragmentation.c — the seed's challenge: allocate 1000 blocks of 1 KiB, free the
 * even-numbered ones, then ask for one 500 KB block.  Does it fit in the holes?
 * (No: 500 holes of 1 KiB are not one run of 500 KB — external fragmentation.)  The
 * program prints the heap's size from /proc/self/maps before and after, and the
 * allocator's own figures (mallinfo2), and whether the 500 KB block landed where the
 * freed blocks were.  `heapguard stats -- ./fragmentation` answers it with numbers:
 * the free bytes, and the largest free run.
 * Under heapguard the program also asks for its stats table (hg_stats_print) right
 * after the even blocks are freed: free bytes versus the largest free piece.
 * Build: gcc -g -o fragmentation fragmentation.c */
#define _GNU_SOURCE 1   /* RTLD_DEFAULT */
#include <dlfcn.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long heap_size(void) {
  FILE *f = fopen("/proc/self/maps", "r");
  char line[256];
  unsigned long lo, hi, total = 0;
  while (f && fgets(line, sizeof line, f))
    if (strstr(line, "[heap]") && sscanf(line, "%lx-%lx", &lo, &hi) == 2) total += hi - lo;
  if (f) fclose(f);
  return total;
}

static void show(const char *when) {
  struct mallinfo2 mi = mallinfo2();
  printf("%-28s [heap] %7lu KiB   in use %7zu KiB   free in heap %7zu KiB   mmap'd %7zu KiB\n",
         when, heap_size() / 1024, mi.uordblks / 1024, mi.fordblks / 1024, mi.hblkhd / 1024);
}

/* Under heapguard, its stats table at this moment.  hg_stats_print is looked up at run
 * time, so the program builds with plain gcc and runs without heapguard too. */
static void heapguard_stats(void) {
  void (*print)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "hg_stats_print");
  if (print) {
    fflush(stdout);
    print();
  }
}

int main(void) {
  static char *blocks[1000];
  show("start");
  for (int i = 0; i < 1000; i++) blocks[i] = memset(malloc(1024), i, 1024);
  show("1000 x 1 KiB allocated");
  /* the holes: where the freed blocks were (lowest and highest address) */
  uintptr_t holes_lo = UINTPTR_MAX, holes_hi = 0;
  for (int i = 0; i < 1000; i += 2) {
    uintptr_t a = (uintptr_t)blocks[i];
    if (a < holes_lo) holes_lo = a;
    if (a + 1024 > holes_hi) holes_hi = a + 1024;
    free(blocks[i]);
    blocks[i] = NULL;
  }
  show("even ones freed");
  heapguard_stats();   /* where is the free memory, and what is its largest piece? */
  char *big = malloc(500 * 1000);
  memset(big, 7, 500 * 1000);
  uintptr_t b = (uintptr_t)big;
  int fits = b < holes_hi && b + 500 * 1000 > holes_lo;
  printf("malloc(500 KB) = %p; the 500 freed 1 KiB blocks lay in %#lx..%#lx\n", (void *)big,
         (unsigned long)holes_lo, (unsigned long)holes_hi);
  printf("did it fit in the holes? %s\n",
         fits ? "yes: it overlaps the range of the freed blocks"
              : "no: 500 holes of 1 KiB are not one free run of 500 KB, so it went elsewhere");
  show("500 KB allocated");
  free(big);
  for (int i = 1; i < 1000; i += 2) free(blocks[i]);
  show("everything freed");
  return 0;
}
