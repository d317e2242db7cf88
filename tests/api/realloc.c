/* realloc and reallocarray: contents survive growing and shrinking across small,
 * medium and large sizes and along growth chains; realloc(NULL, n) is malloc;
 * realloc(p, 0) frees p and returns NULL (glibc); impossible sizes fail with ENOMEM and
 * leave the block intact.
 */
#include "check.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>

static const size_t sizes[] = {1,      8,      16,       24,      100,     1000,    4096,
                               40960,  100000, 131072,   200000,  1 << 20, 3 << 20,
                               9 << 20};
#define NSIZES (sizeof sizes / sizeof sizes[0])

static void pairs(void) {
  for (size_t i = 0; i < NSIZES; i++)
    for (size_t j = 0; j < NSIZES; j++) {
      size_t a = sizes[i], b = sizes[j];
      uint64_t seed = a * 31 + b;
      unsigned char *p = malloc(a);
      if (!CHECK_NONNULL(p)) continue;
      hg_fill(p, a, seed);
      unsigned char *q = realloc(p, b);
      if (!CHECKF(q != NULL, "realloc(%zu -> %zu)", a, b)) { free(p); continue; }
      CHECK_ALIGNED(q, 16);
      size_t keep = a < b ? a : b;
      CHECKF(hg_verify(q, keep, seed) == (size_t)-1, "realloc %zu -> %zu lost contents", a, b);
      /* the whole new size is writable */
      hg_fill(q, b, seed + 1);
      CHECK_PATTERN(q, b, seed + 1);
      free(q);
    }
}

/* grow one byte at a time; every step keeps all earlier bytes */
static void byte_chain(void) {
  unsigned char *p = NULL;
  for (size_t n = 1; n <= 5000; n++) {
    unsigned char *q = realloc(p, n);
    if (!CHECKF(q != NULL, "realloc to %zu", n)) break;
    p = q;
    p[n - 1] = (unsigned char)(n * 7 + 3);
    if (n % 97 == 0 || n == 5000) {
      size_t bad = 0;
      for (size_t k = 0; k < n; k++)
        if (p[k] != (unsigned char)((k + 1) * 7 + 3)) bad++;
      CHECKF(bad == 0, "after growing to %zu bytes, %zu bytes changed", n, bad);
    }
  }
  /* and back down one byte at a time */
  for (size_t n = 5000; n >= 1 && p; n--) {
    unsigned char *q = realloc(p, n);
    if (!CHECKF(q != NULL, "realloc to %zu", n)) break;
    p = q;
    CHECK(p[n - 1] == (unsigned char)(n * 7 + 3));
  }
  free(p);
}

/* doubling up to 16 MiB then halving back, with a second block interleaved */
static void doubling(void) {
  unsigned char *p = malloc(1), *other = NULL;
  if (!CHECK_NONNULL(p)) return;
  hg_fill(p, 1, 1);
  size_t n = 1;
  while (n < (16 << 20)) {
    size_t m = n * 2;
    unsigned char *q = realloc(p, m);
    if (!CHECKF(q != NULL, "realloc to %zu", m)) break;
    CHECKF(hg_verify(q, n, n) == (size_t)-1, "growing %zu -> %zu lost contents", n, m);
    p = q;
    n = m;
    hg_fill(p, n, n);
    /* something else allocated meanwhile, so in-place growth is not always possible */
    free(other);
    other = malloc(n / 3 + 1);
    if (other) hg_fill(other, n / 3 + 1, 99);
  }
  while (n > 1) {
    size_t m = n / 2 - (n > 64 ? 3 : 0);
    unsigned char *q = realloc(p, m);
    if (!CHECKF(q != NULL, "realloc to %zu", m)) break;
    CHECKF(hg_verify(q, m, n) == (size_t)-1, "shrinking %zu -> %zu lost contents", n, m);
    p = q;
    n = m;
    hg_fill(p, n, n);
  }
  free(p);
  free(other);
}

/* realloc to the same or a slightly different size many times */
static void jitter(void) {
  hg_rng r = {42};
  size_t n = 100;
  unsigned char *p = malloc(n);
  if (!CHECK_NONNULL(p)) return;
  hg_fill(p, n, 0);
  for (int i = 1; i <= 20000; i++) {
    size_t m = hg_logsize(&r, 1, 300000);
    unsigned char *q = realloc(p, m);
    if (!CHECKF(q != NULL, "realloc to %zu", m)) break;
    size_t keep = n < m ? n : m;
    CHECKF(hg_verify(q, keep, (uint64_t)i - 1) == (size_t)-1, "realloc %zu -> %zu lost contents",
           n, m);
    p = q;
    n = m;
    hg_fill(p, n, (uint64_t)i);
  }
  free(p);
}

/* gcc cannot know that a failed realloc leaves the block alive */
#pragma GCC diagnostic ignored "-Wuse-after-free"

static void special(void) {
  /* realloc(NULL, n) is malloc(n) */
  unsigned char *p = realloc(NULL, 100);
  if (CHECK_NONNULL(p)) {
    CHECK_ALIGNED(p, 16);
    hg_fill(p, 100, 5);
    CHECK_PATTERN(p, 100, 5);
    free(p);
  }
  p = realloc(NULL, 0);
  CHECK_NONNULL(p); /* glibc: malloc(0) */
  free(p);
  p = realloc(NULL, 1 << 20);
  if (CHECK_NONNULL(p)) {
    hg_fill(p, 1 << 20, 6);
    free(p);
  }

  /* realloc(p, 0) frees p and returns NULL, as glibc does */
  static const size_t zs[] = {1, 64, 5000, 100000, 4 << 20};
  for (size_t i = 0; i < sizeof zs / sizeof zs[0]; i++) {
    p = malloc(zs[i]);
    if (!CHECK_NONNULL(p)) continue;
    void *r = realloc(p, 0);
    CHECKF(r == NULL, "realloc(malloc(%zu), 0) returned %p, glibc returns NULL", zs[i], r);
    if (r) free(r);
  }

  /* realloc to an impossible size: NULL, ENOMEM, block untouched */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Walloc-size-larger-than="
  static const size_t from[] = {16, 3000, 50000, 300000, 2 << 20};
  static const size_t to[] = {SIZE_MAX, SIZE_MAX - 15, (size_t)PTRDIFF_MAX + 1,
                              (size_t)PTRDIFF_MAX};
  for (size_t i = 0; i < sizeof from / sizeof from[0]; i++)
    for (size_t j = 0; j < sizeof to / sizeof to[0]; j++) {
      p = malloc(from[i]);
      if (!CHECK_NONNULL(p)) continue;
      hg_fill(p, from[i], i + j);
      errno = 0;
      void *r = realloc(p, hg_opaque_size(to[j]));
      CHECKF(r == NULL, "realloc(%zu-byte block, %#zx) returned %p", from[i], to[j], r);
      CHECK_ERRNO(ENOMEM);
      if (r) { free(r); continue; }
      CHECK_PATTERN(p, from[i], i + j);
      /* the block still works: grow it normally */
      unsigned char *q = realloc(p, from[i] * 2);
      if (CHECK_NONNULL(q)) {
        CHECK_PATTERN(q, from[i], i + j);
        p = q;
      }
      free(p);
    }

  /* reallocarray: overflow -> NULL, ENOMEM, original untouched */
  p = reallocarray(NULL, 10, 10);
  if (CHECK_NONNULL(p)) {
    hg_fill(p, 100, 7);
    errno = 0;
    void *r = reallocarray(p, hg_opaque_size(SIZE_MAX / 2), 3);
    CHECK_NULL(r);
    CHECK_ERRNO(ENOMEM);
    errno = 0;
    r = reallocarray(p, hg_opaque_size((size_t)1 << 32), (size_t)1 << 32);
    CHECK_NULL(r);
    CHECK_ERRNO(ENOMEM);
    CHECK_PATTERN(p, 100, 7);
    /* normal case: grow to 1000 ints, contents kept */
    int *q = reallocarray(p, 1000, sizeof(int));
    if (CHECK_NONNULL(q)) {
      CHECK_PATTERN(q, 100, 7);
      for (int k = 0; k < 1000; k++) q[k] = k;
      int *s = reallocarray(q, 50000, sizeof(int));
      if (CHECK_NONNULL(s)) {
        int bad = 0;
        for (int k = 0; k < 1000; k++) bad += s[k] != k;
        CHECK_EQ(bad, 0);
        for (int k = 0; k < 50000; k++) s[k] = -k;
        q = s;
      }
      q = reallocarray(q, 10, sizeof(int));
      if (CHECK_NONNULL(q)) {
        int bad = 0;
        for (int k = 0; k < 10; k++) bad += q[k] != -k && q[k] != k;
        CHECK_EQ(bad, 0);
      }
      free(q);
    } else {
      free(p);
    }
  }
#pragma GCC diagnostic pop
}

int main(void) {
  pairs();
  byte_chain();
  doubling();
  jitter();
  special();
  return check_finish();
}
