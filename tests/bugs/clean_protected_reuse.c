// expect-clean
/* Clean: large blocks (whose whole pages are made inaccessible while they wait in the
   quarantine, src/protect.h) freed and reused many times over the quarantine's 64 MiB:
   every new block is fully usable and holds what the program wrote; malloc, calloc,
   realloc chains and the memalign family; hg_check_heap() with protected blocks in the
   quarantine; and two threads doing the same at once.  Any report, fault or wrong byte
   fails it. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "heapguard.h"

#pragma weak hg_check_heap

static int churn(unsigned seed) {
  char *keep[6] = { 0 };
  size_t keep_n[6] = { 0 };
  char keep_byte[6] = { 0 };
  for (int i = 0; i < 160; i++) {
    seed = seed * 1103515245u + 12345u;
    int k = (int)(seed >> 16) % 6;
    size_t n = 256 * 1024 + (seed >> 8) % (3 << 20);   /* 256 KiB .. 3.25 MiB */
    if (keep[k]) {
      for (size_t j = 0; j < keep_n[k]; j += 4093)
        if (keep[k][j] != keep_byte[k] || keep[k][keep_n[k] - 1] != keep_byte[k]) return 1;
      free(keep[k]);
    }
    char *p;
    switch (i % 4) {
    case 0: p = malloc(n); break;
    case 1: p = calloc(1, n); if (p && (p[0] || p[n / 2] || p[n - 1])) return 2; break;
    case 2: p = aligned_alloc(65536, (n + 65535) & ~(size_t)65535); n = (n + 65535) & ~(size_t)65535; break;
    default: if (posix_memalign((void **)&p, 4096, n)) p = NULL; break;
    }
    if (!p) return 3;
    keep_byte[k] = (char)(k + i % 7 + 1);
    memset(p, keep_byte[k], n);
    keep[k] = p;
    keep_n[k] = n;
  }
  /* A realloc chain: each step frees the old block (moved: check mode always moves). */
  size_t n = 4096;
  char *r = malloc(n);
  memset(r, 'r', n);
  while (n < ((size_t)4 << 20)) {
    char *q = realloc(r, n * 2);
    if (!q || q[0] != 'r' || q[n - 1] != 'r') return 4;
    memset(q + n, 'r', n);
    r = q;
    n *= 2;
  }
  free(r);
  for (int k = 0; k < 6; k++) free(keep[k]);
  return 0;
}

static void *thread_main(void *arg) { return (void *)(long)churn((unsigned)(long)arg); }

int main(void) {
  if (churn(1)) return 10;
  if (hg_check_heap && hg_check_heap() != 0) return 11;   /* with protected blocks held */
  pthread_t t;
  if (pthread_create(&t, NULL, thread_main, (void *)2L)) return 12;
  int mine = churn(3);
  void *theirs;
  pthread_join(t, &theirs);
  if (mine || theirs) return 13;
  if (hg_check_heap && hg_check_heap() != 0) return 14;
  return 0;
}
