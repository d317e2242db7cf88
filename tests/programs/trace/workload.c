/* workload.c — one of each kind of kernel call the allocator makes: heap growth (brk),
 * metadata (mmap, madvise), large blocks (mmap, munmap, mremap, an aligned mapping
 * trimmed with munmap), the heap's free top given back (brk down) and idle pages
 * returned (madvise), malloc_trim.  Run with HEAPGUARD_DECAY_MS=0 so that freed memory
 * goes back at once.  At the end it prints the allocator's own count of kernel calls
 * (hg_stats_get: hg_os_calls) and exits at once, so that the trace and the counts
 * cover the same calls. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "heapguard.h"

static void touch(void *p, size_t n) { memset(p, 1, n); }

int main(void) {
  char *small[100];
  for (int i = 0; i < 100; i++) { small[i] = malloc(100); touch(small[i], 100); }
  char *medium = malloc(64 * 1024);        /* from the heap's pages */
  touch(medium, 64 * 1024);
  char *large = malloc(256 * 1024);        /* a mapping of its own */
  touch(large, 256 * 1024);
  free(large);                             /* munmap; the threshold rises above 256 KiB */
  char *grow = malloc(512 * 1024);
  touch(grow, 4096);
  grow = realloc(grow, 1024 * 1024);       /* mremap */
  free(grow);
  void *aligned = memalign(2 * 1024 * 1024, 300 * 1024);   /* a mapping trimmed to 2 MiB */
  free(aligned);
  char *heap[24];                          /* 3 MiB from the heap (below the new threshold) */
  for (int i = 0; i < 24; i++) { heap[i] = malloc(128 * 1024); touch(heap[i], 128 * 1024); }
  for (int i = 0; i < 24; i += 2) free(heap[i]);   /* holes: purged (madvise) */
  for (int i = 1; i < 24; i += 2) free(heap[i]);   /* then the top: brk goes down */
  free(medium);
  for (int i = 0; i < 100; i++) free(small[i]);
  malloc_trim(0);

  int (*get)(struct hg_stats *, size_t) = (int (*)(struct hg_stats *, size_t))dlsym(RTLD_DEFAULT, "hg_stats_get");
  struct hg_stats st;
  if (!get || get(&st, sizeof st) != 0) { fputs("workload: hg_stats_get not found\n", stderr); return 1; }
  char buf[256];
  int n = snprintf(buf, sizeof buf, "brk %zu\nmmap %zu\nmunmap %zu\nmadvise %zu\nmremap %zu\n",
                   st.brk_calls, st.mmap_calls, st.munmap_calls, st.madvise_calls, st.mremap_calls);
  if (write(1, buf, (size_t)n) != n) return 1;
  _exit(0);   /* no more allocator work after the counts were taken */
}
