/* probe.c — what sampled guard mode's alignment means to a program (sampled_align.sh).
 *   probe align   every size 1..4096 from malloc, calloc and realloc: 16-byte aligned?
 *   probe sse     an aligned SSE store into a malloc'd 40-byte object (what clang emits
 *                 to zero a new'd one): a general-protection fault if it is not 16-aligned
 *   probe slack   an off-by-one write past a 24-byte block */
#include <emmintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct obj { void *a, *b, *c, *d, *e; };   /* 40 bytes: 8-aligned by its size alone */

static int misaligned(const char *what, size_t n, const void *p) {
  if (((uintptr_t)p & 15) == 0) return 0;
  printf("%s(%zu) = %p\n", what, n, p);
  return 1;
}

int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "";
  if (strcmp(what, "align") == 0) {
    int bad = 0;
    for (size_t n = 1; n <= 4096; n++) {
      void *p = malloc(n), *q = calloc(1, n);
      if (!p || !q) return 2;
      bad += misaligned("malloc", n, p) + misaligned("calloc", n, q);
      void *r = realloc(p, n + 8);
      if (!r) return 2;
      bad += misaligned("realloc", n + 8, r);
      free(r);
      free(q);
    }
    printf("misaligned: %d\n", bad);
    return bad != 0;
  }
  if (strcmp(what, "sse") == 0) {
    struct obj *o = malloc(sizeof *o);
    if (!o) return 2;
    _mm_store_si128((__m128i *)o, _mm_setzero_si128());
    _mm_store_si128((__m128i *)o + 1, _mm_setzero_si128());
    o->e = NULL;
    printf("stored\n");
    free(o);
    return 0;
  }
  if (strcmp(what, "slack") == 0) {
    char *p = malloc(24);
    if (!p) return 2;
    memset(p, 'a', 24);
    p[24] = 0;                                   /* BUG: one past the end */
    free(p);
    return 0;
  }
  return 2;
}
