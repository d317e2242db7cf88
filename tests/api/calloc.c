/* calloc: memory is zeroed, also when it reuses blocks that were dirtied and freed, for
 * small, medium and large (>= 128 KiB, several MiB) sizes; n*m overflow fails with
 * ENOMEM; calloc(0, x) and calloc(x, 0) return freeable pointers.
 */
#include "check.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const size_t sizes[] = {
    1,     2,     7,     8,      15,     16,     17,     24,     32,      33,     48,
    64,    96,    100,   128,    200,    256,    500,    512,    1000,    1024,   2000,
    2048,  4000,  4096,  5000,   8192,   10000,  16384,  30000,  40000,   65536,  100000,
    131072, 131073, 200000, 262144, 500000, 1 << 20, 3 << 20, (5 << 20) + 3, 8 << 20, 16 << 20};
#define NSIZES (sizeof sizes / sizeof sizes[0])

/* one block at a time: dirty it, free it, calloc the same size */
static void reuse_one(void) {
  for (int round = 0; round < 3; round++)
    for (size_t i = 0; i < NSIZES; i++) {
      size_t n = sizes[i];
      void *d = malloc(n);
      if (!CHECK_NONNULL(d)) continue;
      memset(d, 0xAB, n);
      free(d);
      unsigned char *z = calloc(1, n);
      if (!CHECKF(z != NULL, "calloc(1, %zu)", n)) continue;
      CHECK_ALIGNED(z, 16);
      CHECKF(hg_is_zero(z, n), "calloc(1, %zu) (reusing a dirty block) is not zeroed", n);
      memset(z, 0xCD, n); /* dirty this one too, for the next round */
      free(z);
      /* the n,m split must not matter */
      if (n % 8 == 0) {
        z = calloc(n / 8, 8);
        if (CHECK_NONNULL(z)) {
          CHECKF(hg_is_zero(z, n), "calloc(%zu, 8) not zeroed", n / 8);
          memset(z, 0xEF, n);
          free(z);
        }
      }
    }
}

/* many blocks of one size: dirty them all, free them all, calloc as many again */
static void reuse_many(void) {
  enum { N = 64 };
  void *p[N];
  for (size_t i = 0; i < NSIZES; i++) {
    size_t n = sizes[i];
    int count = n > (1 << 20) ? 4 : N;
    for (int k = 0; k < count; k++) {
      p[k] = malloc(n);
      if (CHECK_NONNULL(p[k])) memset(p[k], 0xAB, n);
    }
    for (int k = 0; k < count; k++) free(p[k]);
    for (int k = 0; k < count; k++) {
      p[k] = calloc(n, 1);
      if (!CHECKF(p[k] != NULL, "calloc(%zu, 1)", n)) continue;
      CHECKF(hg_is_zero(p[k], n), "calloc(%zu, 1) #%d not zeroed", n, k);
      memset(p[k], 0xAB, n);
    }
    for (int k = 0; k < count; k++) free(p[k]);
  }
}

/* calloc after realloc shrank a dirty block: the freed tail must not leak into calloc */
static void after_realloc(void) {
  for (size_t n = 64; n <= (4 << 20); n *= 4) {
    unsigned char *p = malloc(n);
    if (!CHECK_NONNULL(p)) continue;
    memset(p, 0xAB, n);
    unsigned char *q = realloc(p, n / 4);
    if (!CHECK_NONNULL(q)) { free(p); continue; }
    void *z[8];
    for (int k = 0; k < 8; k++) {
      z[k] = calloc(1, n / 2);
      if (CHECK_NONNULL(z[k])) CHECKF(hg_is_zero(z[k], n / 2), "calloc(1, %zu)", n / 2);
    }
    for (int k = 0; k < 8; k++) free(z[k]);
    free(q);
  }
}

static void overflow(void) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Walloc-size-larger-than="
  static const size_t pairs[][2] = {
      {SIZE_MAX, 2},
      {2, SIZE_MAX},
      {SIZE_MAX / 2 + 1, 2},
      {(size_t)1 << 32, (size_t)1 << 32},
      {((size_t)1 << 33) + 1, ((size_t)1 << 31) + 1},
      {SIZE_MAX / 16 + 1, 16},
      {SIZE_MAX, SIZE_MAX},
      {65537, SIZE_MAX / 65536},
  };
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
    errno = 0;
    void *p = calloc(hg_opaque_size(pairs[i][0]), hg_opaque_size(pairs[i][1]));
    CHECKF(p == NULL, "calloc(%#zx, %#zx) returned %p", pairs[i][0], pairs[i][1], p);
    CHECK_ERRNO(ENOMEM);
    free(p);
  }
  /* no overflow, but far too big */
  errno = 0;
  void *p = calloc(hg_opaque_size((size_t)1 << 31), hg_opaque_size((size_t)1 << 31));
  CHECK_NULL(p);
  CHECK_ERRNO(ENOMEM);
  free(p);
#pragma GCC diagnostic pop
}

static void zero_counts(void) {
  void *a = calloc(0, 16), *b = calloc(16, 0), *c = calloc(0, 0);
  CHECK_NONNULL(a);
  CHECK_NONNULL(b);
  CHECK_NONNULL(c);
  CHECK(a != b && b != c && a != c);
  free(a);
  free(b);
  free(c);
  void *d = calloc(hg_opaque_size(0), hg_opaque_size(SIZE_MAX));
  void *e = calloc(hg_opaque_size(SIZE_MAX), hg_opaque_size(0));
  CHECK_NONNULL(d);
  CHECK_NONNULL(e);
  free(d);
  free(e);
}

int main(void) {
  reuse_one();
  reuse_many();
  after_realloc();
  overflow();
  zero_counts();
  return check_finish();
}
