/* Aligned allocation: posix_memalign (EINVAL for bad alignments, every power of two
 * from 8 to 4 MiB with several sizes, ENOMEM for huge sizes), aligned_alloc (odd
 * alignments answered as the process's glibc answers them), memalign (up to 2 MiB),
 * valloc and pvalloc (page aligned, usable size rounded up to pages).
 */
#include "check.h"

#include <gnu/libc-version.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations" /* valloc, pvalloc, memalign */

static void posix_memalign_bad(void) {
  static const size_t bad[] = {0, 1, 2, 3, 4, 5, 6, 7, 12, 20, 24, 48, 96, 100, 4095, 4097,
                               3 * 4096, (size_t)1 << 63 | 8, SIZE_MAX};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    void *p = NULL;
    int rc = posix_memalign(&p, hg_opaque_size(bad[i]), 64);
    CHECKF(rc == EINVAL, "posix_memalign(alignment %#zx) returned %d, expected EINVAL", bad[i], rc);
    if (rc == 0) free(p);
  }
}

static void posix_memalign_good(void) {
  static const size_t sizes[] = {0, 1, 100, 5000, 200000};
  for (size_t a = sizeof(void *); a <= ((size_t)4 << 20); a *= 2)
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
      size_t n = sizes[i];
      void *p = (void *)1;
      int rc = posix_memalign(&p, a, n);
      if (!CHECKF(rc == 0, "posix_memalign(%zu, %zu) returned %d", a, n, rc)) continue;
      if (!CHECK_NONNULL(p)) continue;
      CHECK_ALIGNED(p, a);
      CHECK_ALIGNED(p, 16); /* and never less than malloc's alignment */
      if (n) {
        hg_fill(p, n, a + n);
        CHECK_PATTERN(p, n, a + n);
      }
      CHECK(malloc_usable_size(p) >= n);
      free(p);
    }
  /* several live at once, interleaved with plain mallocs */
  void *blocks[64];
  for (int k = 0; k < 64; k++) {
    size_t a = (size_t)8 << (k % 14);
    size_t n = 1 + (size_t)k * 997;
    blocks[k] = NULL;
    if (!CHECK_EQ(posix_memalign(&blocks[k], a, n), 0)) { blocks[k] = NULL; continue; }
    CHECK_ALIGNED(blocks[k], a);
    hg_fill(blocks[k], n, (uint64_t)k);
    free(malloc(n / 2 + 1));
  }
  for (int k = 0; k < 64; k++) {
    if (!blocks[k]) continue;
    CHECK_PATTERN(blocks[k], 1 + (size_t)k * 997, (uint64_t)k);
    free(blocks[k]);
  }
}

static void posix_memalign_huge(void) {
  static const size_t huge[] = {SIZE_MAX, SIZE_MAX - 4096, (size_t)PTRDIFF_MAX + 1,
                                (size_t)PTRDIFF_MAX, (size_t)1 << 62};
  static const size_t aligns[] = {8, 16, 64, 4096, 1 << 20};
  for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++)
    for (size_t j = 0; j < sizeof aligns / sizeof aligns[0]; j++) {
      void *p = NULL;
      int rc = posix_memalign(&p, aligns[j], hg_opaque_size(huge[i]));
      CHECKF(rc == ENOMEM, "posix_memalign(%zu, %#zx) returned %d, expected ENOMEM", aligns[j],
             huge[i], rc);
      if (rc == 0) free(p);
    }
}

static void aligned_alloc_tests(void) {
  void *p = aligned_alloc(64, 256);
  if (CHECK_NONNULL(p)) {
    CHECK_ALIGNED(p, 64);
    memset(p, 1, 256);
    free(p);
  }
  static const size_t sizes[] = {4096, 8192, 12288, 40960, 1 << 20};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    p = aligned_alloc(4096, sizes[i]);
    if (CHECKF(p != NULL, "aligned_alloc(4096, %zu)", sizes[i])) {
      CHECK_ALIGNED(p, 4096);
      memset(p, 2, sizes[i]);
      free(p);
    }
  }
  p = aligned_alloc(1 << 20, 1 << 20);
  if (CHECK_NONNULL(p)) {
    CHECK_ALIGNED(p, 1 << 20);
    memset(p, 3, 1 << 20);
    free(p);
  }
  for (size_t a = 16; a <= ((size_t)1 << 20); a *= 4) { /* size 0: unique, freeable */
    void *z1 = aligned_alloc(a, 0), *z2 = aligned_alloc(a, 0);
    CHECKF(z1 != NULL && z2 != NULL && z1 != z2, "aligned_alloc(%zu, 0): %p, %p", a, z1, z2);
    if (z1) CHECK_ALIGNED(z1, a);
    if (z1) CHECK(malloc_usable_size(z1) < ((size_t)-1) / 2);
    free(z1);
    free(z2);
  }
  errno = 0;
  p = aligned_alloc(4096, hg_opaque_size(SIZE_MAX - 100));
  CHECK_NULL(p);
  CHECK_ERRNO(ENOMEM);
}

/* An alignment that is not a power of two: glibc up to 2.37 (Debian 12 has 2.36) served
 * it as memalign does, rounded up to a power of two; from 2.38 it fails with EINVAL.  The
 * answer must be the process's libc's, whichever that is. */
static void aligned_alloc_odd_tests(void) {
  unsigned major = 0, minor = 0;
  CHECK(sscanf(gnu_get_libc_version(), "%u.%u", &major, &minor) == 2);
  bool rejects = major > 2 || (major == 2 && minor >= 38);
  static const size_t aligns[] = {0, 3, 24, 48, 100, 4095, 12288};
  for (size_t i = 0; i < sizeof aligns / sizeof aligns[0]; i++) {
    errno = 0;
    void *p = aligned_alloc(hg_opaque_size(aligns[i]), 10);
    if (rejects) {
      CHECKF(p == NULL && errno == EINVAL, "aligned_alloc(%zu, 10): %p, errno %d (glibc %s)",
             aligns[i], p, errno, gnu_get_libc_version());
    } else if (CHECKF(p != NULL, "aligned_alloc(%zu, 10) (glibc %s)", aligns[i],
                      gnu_get_libc_version())) {
      size_t a = 16;
      while (a < aligns[i]) a <<= 1;
      CHECK_ALIGNED(p, a);
      memset(p, 4, 10);
    }
    free(p);
  }
  errno = 0;   /* no power of two is this large: EINVAL for every glibc */
  CHECK_NULL(aligned_alloc(hg_opaque_size(SIZE_MAX - 100), 10));
  CHECK_ERRNO(EINVAL);
}

static void memalign_tests(void) {
  static const size_t sizes[] = {0, 1, 24, 4000, 70000, 300000};
  for (size_t a = 1; a <= ((size_t)2 << 20); a *= 2)
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
      void *p = memalign(a, sizes[i]);
      if (!CHECKF(p != NULL, "memalign(%zu, %zu)", a, sizes[i])) continue;
      CHECK_ALIGNED(p, a);
      CHECK_ALIGNED(p, 16);
      hg_fill(p, sizes[i], a);
      CHECK_PATTERN(p, sizes[i], a);
      CHECK(malloc_usable_size(p) >= sizes[i]);
      free(p);
    }
  errno = 0;
  void *p = memalign(64, hg_opaque_size(SIZE_MAX - 100));
  CHECK_NULL(p);
  CHECK_ERRNO(ENOMEM);
}

static void valloc_tests(void) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  static const size_t sizes[] = {1, 100, 4095, 4096, 4097, 10000, 200000, 3 << 20};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    size_t n = sizes[i];
    void *p = valloc(n);
    if (CHECKF(p != NULL, "valloc(%zu)", n)) {
      CHECK_ALIGNED(p, page);
      memset(p, 4, n);
      CHECK(malloc_usable_size(p) >= n);
      free(p);
    }
    p = pvalloc(n);
    if (CHECKF(p != NULL, "pvalloc(%zu)", n)) {
      size_t rounded = (n + page - 1) / page * page;
      CHECK_ALIGNED(p, page);
      CHECKF(malloc_usable_size(p) >= rounded, "pvalloc(%zu): usable %zu < %zu", n,
             malloc_usable_size(p), rounded);
      memset(p, 5, rounded);
      free(p);
    }
  }
  void *p = pvalloc(0);
  if (CHECK_NONNULL(p)) {
    CHECK_ALIGNED(p, page);
    free(p);
  }
}

/* aligned blocks are ordinary blocks afterwards: realloc keeps their contents */
static void realloc_aligned(void) {
  static const size_t aligns[] = {32, 256, 4096, 65536, 1 << 20};
  static const size_t sizes[] = {1, 700, 5000, 150000};
  for (size_t i = 0; i < sizeof aligns / sizeof aligns[0]; i++)
    for (size_t j = 0; j < sizeof sizes / sizeof sizes[0]; j++) {
      size_t n = sizes[j];
      void *p = NULL;
      if (!CHECK_EQ(posix_memalign(&p, aligns[i], n), 0)) continue;
      hg_fill(p, n, i * 10 + j);
      unsigned char *q = realloc(p, n * 3);
      if (!CHECK_NONNULL(q)) { free(p); continue; }
      CHECK_PATTERN(q, n, i * 10 + j);
      hg_fill(q, n * 3, i * 10 + j + 1);
      unsigned char *r = realloc(q, n / 2 + 1);
      if (!CHECK_NONNULL(r)) { free(q); continue; }
      CHECK_PATTERN(r, n / 2 + 1, i * 10 + j + 1);
      free(r);
    }
}

int main(void) {
  realloc_aligned();
  posix_memalign_bad();
  posix_memalign_good();
  posix_memalign_huge();
  aligned_alloc_tests();
  aligned_alloc_odd_tests();
  memalign_tests();
  valloc_tests();
  return check_finish();
}
