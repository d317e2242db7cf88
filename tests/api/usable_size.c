/* malloc_usable_size: at least the requested size for many sizes (small to large), the
 * whole usable size is writable without disturbing neighbours, it survives realloc, and
 * malloc_usable_size(NULL) == 0.
 */
#include "check.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct blk { unsigned char *p; size_t n, usable; };

static void check_size(size_t n, struct blk *prev) {
  unsigned char *p = malloc(n);
  if (!CHECKF(p != NULL, "malloc(%zu)", n)) return;
  size_t u = malloc_usable_size(p);
  CHECKF(u >= n, "malloc_usable_size(malloc(%zu)) = %zu", n, u);
  CHECKF(u <= n + n / 2 + 4096 || u <= (size_t)2 << 20 || u <= n + (1 << 20),
         "malloc_usable_size(malloc(%zu)) = %zu is absurdly large", n, u);
  memset(p, 0x5A, u); /* the whole usable size is ours */
  /* the previous block (still live) was not touched by this block's memset */
  if (prev->p) {
    CHECKF(hg_verify(prev->p, prev->usable, prev->n) == (size_t)-1,
           "writing the usable size (%zu) of malloc(%zu) changed the previous block", u, n);
    free(prev->p);
  }
  hg_fill(p, u, n);
  prev->p = p;
  prev->n = n;
  prev->usable = u;
}

int main(void) {
  CHECK_EQU(malloc_usable_size(NULL), 0);

  struct blk prev = {0};
  for (size_t n = 0; n <= 100000; n += (n < 1100 ? 1 : n < 20000 ? 13 : 257)) check_size(n, &prev);
  static const size_t large[] = {131071, 131072, 131073, 200000, 262144, 1 << 20, (1 << 20) + 1,
                                 3000000, 8 << 20, (32 << 20) + 5};
  for (size_t i = 0; i < sizeof large / sizeof large[0]; i++) check_size(large[i], &prev);
  free(prev.p);

  /* many blocks of a size live together, each written to its usable size */
  enum { N = 200 };
  static struct blk b[N];
  static const size_t some[] = {1, 17, 100, 1000, 3333, 40000, 150000};
  for (size_t s = 0; s < sizeof some / sizeof some[0]; s++) {
    for (int k = 0; k < N; k++) {
      b[k].p = malloc(some[s]);
      if (!CHECK_NONNULL(b[k].p)) continue;
      b[k].usable = malloc_usable_size(b[k].p);
      CHECK(b[k].usable >= some[s]);
      hg_fill(b[k].p, b[k].usable, (uint64_t)k * 1000 + s);
    }
    for (int k = 0; k < N; k++) {
      if (!b[k].p) continue;
      CHECK_PATTERN(b[k].p, b[k].usable, (uint64_t)k * 1000 + s);
      free(b[k].p);
    }
  }

  /* usable size after realloc, calloc and aligned allocation */
  unsigned char *p = malloc(10);
  if (CHECK_NONNULL(p)) {
    for (size_t n = 10; n < (4 << 20); n = n * 3 + 1) {
      unsigned char *q = realloc(p, n);
      if (!CHECK_NONNULL(q)) break;
      p = q;
      size_t u = malloc_usable_size(p);
      CHECKF(u >= n, "after realloc to %zu usable is %zu", n, u);
      memset(p, 0x11, u);
    }
    free(p);
  }
  for (size_t n = 1; n < (1 << 20); n = n * 5 + 3) {
    p = calloc(1, n);
    if (!CHECK_NONNULL(p)) continue;
    size_t u = malloc_usable_size(p);
    CHECK(u >= n);
    memset(p, 0x22, u);
    free(p);
    void *a = NULL;
    if (CHECK_EQ(posix_memalign(&a, 256, n), 0)) {
      u = malloc_usable_size(a);
      CHECK(u >= n);
      memset(a, 0x33, u);
      free(a);
    }
  }
  return check_finish();
}
