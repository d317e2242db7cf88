/* Hostile arguments to every allocation function, in every mode: the default
 * allocator, then (the same program run again with HEAPGUARD_MODE or
 * HEAPGUARD_SAMPLE_RATE set) check mode, guard mode and sampled guard mode at rate 1,
 * where each request goes through another path (redzones added to the size, a guard
 * page and an alignment added, a slot of the pool).  Each must answer as glibc does:
 * NULL with ENOMEM for a size no memory can hold (also after a mode adds its extra
 * bytes: no wrap-around to a small block), EINVAL for a bad alignment, the old block
 * kept intact when realloc or reallocarray fails, *memptr untouched when
 * posix_memalign fails, mallopt's every parameter with extreme values answered
 * without a crash, and the allocator working afterwards.
 */
#include "check.h"

#include <limits.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations" /* valloc, pvalloc, memalign */
#pragma GCC diagnostic ignored "-Walloc-size-larger-than="
#pragma GCC diagnostic ignored "-Wuse-after-free" /* a failed realloc keeps p */

extern char **environ;

#define N(a) (sizeof(a) / sizeof *(a))

/* Sizes no allocation can have: near SIZE_MAX, where adding a redzone, a header, a
 * page or an alignment wraps, and past PTRDIFF_MAX. */
static const size_t huge[] = {
  SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 15, SIZE_MAX - 16, SIZE_MAX - 4000, SIZE_MAX - 4096,
  SIZE_MAX - 8192, SIZE_MAX - (1 << 20), SIZE_MAX / 2 + 1, (size_t)PTRDIFF_MAX,
  (size_t)PTRDIFF_MAX - 4096, (size_t)1 << 62,
};

#define EXPECT_FAIL(call, err)                                                          \
  do {                                                                                  \
    errno = 0;                                                                          \
    void *p_ = (call);                                                                  \
    CHECKF(p_ == NULL && errno == (err), "%s = %p, errno %d, expected NULL and errno %d", \
           #call, p_, errno, (err));                                                    \
    if (p_) free(p_);                                                                   \
  } while (0)

static void sizes(void) {
  for (size_t i = 0; i < N(huge); i++) {
    size_t n = hg_opaque_size(huge[i]);
    EXPECT_FAIL(malloc(n), ENOMEM);
    EXPECT_FAIL(calloc(1, n), ENOMEM);
    EXPECT_FAIL(calloc(n, 1), ENOMEM);
    EXPECT_FAIL(realloc(NULL, n), ENOMEM);
    EXPECT_FAIL(reallocarray(NULL, n, 1), ENOMEM);
    EXPECT_FAIL(valloc(n), ENOMEM);
    EXPECT_FAIL(pvalloc(n), ENOMEM);
    EXPECT_FAIL(memalign(16, n), ENOMEM);
    EXPECT_FAIL(memalign(4096, n), ENOMEM);
    EXPECT_FAIL(aligned_alloc(64, n), ENOMEM);
  }
  /* products that overflow */
  EXPECT_FAIL(calloc(hg_opaque_size(SIZE_MAX / 2 + 1), 2), ENOMEM);
  EXPECT_FAIL(calloc(hg_opaque_size(1) << 32, hg_opaque_size(1) << 32), ENOMEM);
  EXPECT_FAIL(reallocarray(NULL, hg_opaque_size(SIZE_MAX / 2 + 1), 2), ENOMEM);
  EXPECT_FAIL(reallocarray(NULL, hg_opaque_size(1) << 32, hg_opaque_size(1) << 32), ENOMEM);
}

/* realloc and reallocarray that fail keep the block, its contents and its size. */
static void resize(void) {
  static const size_t old_sizes[] = {1, 24, 1000, 40000, 300000};
  for (size_t k = 0; k < N(old_sizes); k++) {
    size_t n = old_sizes[k];
    char *p = malloc(n);
    if (!CHECK_NONNULL(p)) return;
    hg_fill(p, n, k);
    for (size_t i = 0; i < N(huge); i++) {
      errno = 0;
      void *q = realloc(p, hg_opaque_size(huge[i]));
      CHECKF(q == NULL && errno == ENOMEM, "realloc(%zu-byte block, %#zx) = %p, errno %d", n, huge[i], q, errno);
      errno = 0;
      q = reallocarray(p, hg_opaque_size(huge[i]), 1);
      CHECKF(q == NULL && errno == ENOMEM, "reallocarray(%zu-byte block, %#zx, 1) = %p, errno %d", n, huge[i], q, errno);
    }
    errno = 0;
    CHECK(reallocarray(p, hg_opaque_size(SIZE_MAX / 2 + 1), 2) == NULL && errno == ENOMEM);
    CHECK(hg_verify(p, n, k) == (size_t)-1);
    CHECK(malloc_usable_size(p) >= n);
    /* the block still resizes after the failures */
    p = realloc(p, n * 2);
    if (CHECK_NONNULL(p)) CHECK(hg_verify(p, n, k) == (size_t)-1);
    free(p);
  }
}

/* Bad alignments: EINVAL (posix_memalign: *memptr untouched); memalign with an
 * alignment above the largest power of two is glibc's EINVAL, at it ENOMEM. */
static void alignments(void) {
  static const size_t bad[] = {0, 3, 24, 4095, 4097, SIZE_MAX, SIZE_MAX / 2, (size_t)1 << 63 | 16};
  for (size_t i = 0; i < N(bad); i++) {
    void *p = (void *)0x1234;
    int rc = posix_memalign(&p, hg_opaque_size(bad[i]), 16);
    CHECKF(rc == EINVAL && p == (void *)0x1234, "posix_memalign(alignment %#zx) = %d, *memptr %p",
           bad[i], rc, p);
  }
  static const size_t big_align[] = {(size_t)1 << 40, (size_t)1 << 62, (size_t)1 << 63};
  for (size_t i = 0; i < N(big_align); i++) {
    void *p = (void *)0x1234;
    errno = 0;
    int rc = posix_memalign(&p, hg_opaque_size(big_align[i]), 1);
    CHECKF(rc == ENOMEM && p == (void *)0x1234, "posix_memalign(alignment %#zx, 1) = %d, *memptr %p",
           big_align[i], rc, p);
    /* glibc's sets errno too (its memalign failed): a perror() after it says why */
    CHECKF(errno == ENOMEM, "errno %d after posix_memalign(alignment %#zx, 1) failed", errno, big_align[i]);
    for (size_t j = 0; j < N(huge); j++) {
      p = (void *)0x1234;
      rc = posix_memalign(&p, hg_opaque_size(big_align[i]), hg_opaque_size(huge[j]));
      CHECKF(rc == ENOMEM && p == (void *)0x1234, "posix_memalign(%#zx, %#zx) = %d", big_align[i], huge[j], rc);
    }
    EXPECT_FAIL(memalign(hg_opaque_size(big_align[i]), 1), ENOMEM);
  }
  EXPECT_FAIL(memalign(hg_opaque_size(SIZE_MAX / 2 + 2), 1), EINVAL);
  EXPECT_FAIL(memalign(hg_opaque_size(SIZE_MAX), 1), EINVAL);
  /* A block of 0 bytes with an alignment above the page is aligned too (guard mode put
   * it at its guard page, one page into a slot aligned to the alignment) */
  static const size_t page_plus[] = {8192, 65536, (size_t)1 << 21};
  for (size_t i = 0; i < N(page_plus); i++) {
    void *p = memalign(hg_opaque_size(page_plus[i]), hg_opaque_size(0));
    if (CHECKF(p != NULL, "memalign(%zu, 0)", page_plus[i])) {
      CHECK_ALIGNED(p, page_plus[i]);
      free(p);
    }
  }
  /* memalign rounds a non-power-of-two up (glibc), and a tiny one up to 16 */
  static const size_t odd[] = {0, 1, 3, 24, 100, 5000};
  for (size_t i = 0; i < N(odd); i++) {
    void *p = memalign(hg_opaque_size(odd[i]), 10);
    if (CHECKF(p != NULL, "memalign(%zu, 10)", odd[i])) {
      size_t a = 16;
      while (a < odd[i]) a *= 2;
      CHECK_ALIGNED(p, a);
      free(p);
    }
  }
}

/* malloc_usable_size(NULL) is 0; free(NULL) and realloc(NULL, 0) are harmless. */
static void nulls(void) {
  CHECK_EQU(malloc_usable_size(NULL), 0);
  free(NULL);
  void *p = realloc(NULL, 0);
  free(p);
  p = reallocarray(NULL, 0, hg_opaque_size(SIZE_MAX));
  free(p);
  p = calloc(0, hg_opaque_size(SIZE_MAX));
  free(p);
}

/* Every mallopt parameter glibc has (and unknown ones) with extreme values: 0 or 1,
 * never a crash; afterwards blocks of every kind still come and go. */
static void mallopts(void) {
  static const int values[] = {INT_MIN, -1, 0, 1, 16, 4096, 1 << 20, INT_MAX};
  for (int param = -10; param <= 12; param++)
    for (size_t i = 0; i < N(values); i++) {
      int r = mallopt(param, values[i]);
      CHECKF(r == 0 || r == 1, "mallopt(%d, %d) = %d", param, values[i], r);
    }
  static const size_t sizes_after[] = {0, 1, 100, 5000, 100000, 200000, 5 << 20};
  for (size_t i = 0; i < N(sizes_after); i++) {
    char *p = malloc(sizes_after[i]);
    if (!CHECK_NONNULL(p)) continue;
    memset(p, 1, sizes_after[i]);
    p = realloc(p, sizes_after[i] * 2 + 1);
    CHECK_NONNULL(p);
    free(p);
  }
}

static int body(void) {
  sizes();
  resize();
  alignments();
  nulls();
  mallopts();
  return check_finish();
}

/* This program again, with `setting` added to the environment; true if it passed. */
static bool rerun(const char *self, const char *setting) {
  pid_t pid = fork();
  if (pid == 0) {
    putenv((char *)"HOSTILE_CHILD=1");
    putenv((char *)setting);
    execl(self, self, (char *)NULL);
    _exit(127);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  return CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0, "with %s: status %#x", setting, st);
}

int main(void) {
  if (getenv("HOSTILE_CHILD")) return body();
  int rc = body();
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (!CHECK(n > 0)) return 1;
  self[n] = '\0';
  rerun(self, "HEAPGUARD_MODE=check");
  rerun(self, "HEAPGUARD_MODE=guard");
  rerun(self, "HEAPGUARD_SAMPLE_RATE=1");
  return check_finish() | rc;
}
