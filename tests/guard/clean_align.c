// expect-clean
// sampled: 0
/* A correct program under default guard mode and sampled guard mode: C gives a block of
   16 bytes or more the alignment of max_align_t (16 on x86-64, as glibc gives every
   block), and code relies on it with aligned SSE accesses (CPython's ctypes, Rust's
   hashbrown, clang's operator new).  Guard mode's default once aligned a block whose
   size is not a multiple of 16 to 8 only, and this program died of a general-protection
   fault at its first movaps. */
#include <emmintrin.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bad;

static void check(const char *what, size_t n, const void *p) {
  if (!p) {
    printf("%s(%zu) = NULL\n", what, n);
    bad++;
  } else if ((uintptr_t)p % alignof(max_align_t)) {
    printf("%s(%zu) = %p: not %zu-aligned\n", what, n, p, alignof(max_align_t));
    bad++;
  }
}

/* The aligned loads and stores a compiler emits for a 16-aligned object: each one
   faults on an address that is not a multiple of 16. */
static void sse(void *p, size_t n) {
  __m128i *v = p;
  for (size_t i = 0; i + 16 <= n; i += 16, v++) {
    _mm_store_si128(v, _mm_set1_epi8((char)i));
    if (_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_load_si128(v), _mm_set1_epi8((char)i))) != 0xffff) bad++;
  }
}

int main(void) {
  static const size_t sizes[] = { 16, 24, 40, 56, 72, 100, 216, 232, 1000, 4095, 4097, 70000 };
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    size_t n = sizes[i];
    char *p = malloc(n), *q = calloc(1, n);
    check("malloc", n, p);
    check("calloc", n, q);
    if (!p || !q) return 2;
    sse(p, n);
    sse(q, n);
    char *r = realloc(p, n + 24);   /* a new size not a multiple of 16 either */
    check("realloc", n + 24, r);
    if (!r) return 2;
    sse(r, n + 24);
    free(r);
    free(q);
  }
  /* Every size from 16 to 2048, as a program's objects come. */
  for (size_t n = 16; n <= 2048; n++) {
    char *p = malloc(n);
    check("malloc", n, p);
    free(p);
  }
  /* A long double, alignof 16, in a 24-byte block, as ctypes' union has it. */
  struct { long double x; char tag; } *ld = malloc(24);
  check("malloc", 24, ld);
  if (!ld) return 2;
  ld->x = 1.5L;
  ld->tag = 1;
  free(ld);
  if (bad) printf("%d misaligned blocks\n", bad);
  return bad != 0;
}
