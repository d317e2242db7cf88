// expect-clean
// sampled: 0
/* The memalign family keeps its alignments (to 1 MiB) under guard mode; malloc'd
   blocks whose size is a multiple of 16 are 16-byte aligned. */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  for (size_t a = 16; a <= (1u << 20); a <<= 1) {
    void *p = NULL;
    if (posix_memalign(&p, a, 100) != 0 || (uintptr_t)p % a) return 2;
    memset(p, 1, 100);
    void *q = memalign(a, a * 2 + 5);
    if (!q || (uintptr_t)q % a) return 3;
    memset(q, 2, a * 2 + 5);
    void *r = aligned_alloc(a, a);
    if (!r || (uintptr_t)r % a) return 4;
    memset(r, 3, a);
    free(p); free(q); free(r);
  }
  char *v = valloc(100), *pv = pvalloc(100);
  if ((uintptr_t)v % 4096 || (uintptr_t)pv % 4096) return 5;
  if (malloc_usable_size(pv) < 100) return 6;
  memset(pv, 0, 4096);
  free(v); free(pv);
  for (size_t n = 16; n < 4096; n += 16) {
    char *p = malloc(n);
    if ((uintptr_t)p % 16) return 7;
    free(p);
  }
  char *z = malloc(0);
  if (!z) return 8;
  free(z);
  return 0;
}
