/* free() never changes errno (glibc >= 2.33 guarantees it), whatever kind of block it
 * releases: small, medium, large (unmapped), aligned, after realloc, or NULL.  Also a
 * successful malloc/calloc/realloc does not set errno to ENOMEM.
 */
#include "check.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

static void free_keeps_errno(void *p, const char *what, size_t n) {
  errno = 1234;
  free(p);
  CHECKF(errno == 1234, "free(%s of %zu bytes) changed errno to %d", what, n, errno);
}

int main(void) {
  free_keeps_errno(NULL, "NULL", 0);
  static const size_t sizes[] = {0,      1,       16,      100,        1000,    4096,    40000,
                                 100000, 131072,  200000,  1 << 20,    4 << 20, 32 << 20};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    size_t n = sizes[i];
    void *p = malloc(n);
    if (!CHECK_NONNULL(p)) continue;
    memset(p, 1, n);
    free_keeps_errno(p, "malloc", n);

    p = calloc(1, n);
    if (CHECK_NONNULL(p)) free_keeps_errno(p, "calloc", n);

    p = malloc(n);
    if (CHECK_NONNULL(p)) {
      void *q = realloc(p, n * 2 + 1);
      if (CHECK_NONNULL(q)) free_keeps_errno(q, "realloc", n * 2 + 1);
      else free(p);
    }
    void *a = NULL;
    if (CHECK_EQ(posix_memalign(&a, 4096, n), 0)) free_keeps_errno(a, "posix_memalign", n);
  }

  /* many frees in a row, also with errno = ENOMEM (a value an allocator might set) */
  enum { N = 5000 };
  static void *p[N];
  for (int i = 0; i < N; i++) p[i] = malloc((size_t)(i % 700) * 3 + 1);
  int changed = 0;
  for (int i = 0; i < N; i++) {
    errno = (i & 1) ? ENOMEM : 4321;
    int want = errno;
    free(p[i]);
    changed += errno != want;
  }
  CHECK_EQ(changed, 0);

  /* successful allocations do not report ENOMEM */
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    errno = 0;
    void *q = malloc(sizes[i]);
    CHECK(q != NULL && errno != ENOMEM);
    errno = 0;
    void *r = calloc(sizes[i], 1);
    CHECK(r != NULL && errno != ENOMEM);
    free(q);
    free(r);
  }
  return check_finish();
}
