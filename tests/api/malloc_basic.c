/* malloc: alignment, malloc(0), writability of many sizes, and impossible sizes.
 *   - every pointer is 16-byte aligned for sizes 0..4096 and assorted large sizes
 *   - malloc(0) returns unique, non-NULL, freeable pointers
 *   - sizes 1..70000 (and 128 KiB, 1 MiB, 8 MiB, 64 MiB) are writable for the whole
 *     requested size; a window of live blocks is kept so overlaps would show up
 *   - malloc(SIZE_MAX), malloc(PTRDIFF_MAX + 1) and malloc(PTRDIFF_MAX) fail with ENOMEM
 */
#include "check.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>

#define WINDOW 16

static void alignment(void) {
  for (size_t n = 0; n <= 4096; n++) {
    void *p = malloc(n);
    if (!CHECK_NONNULL(p)) continue;
    CHECK_ALIGNED(p, 16);
    if (n) {
      ((volatile char *)p)[0] = 1;
      ((volatile char *)p)[n - 1] = 2;
    }
    free(p);
  }
  /* alignment with many blocks live at once (different slots of the same class) */
  static void *live[4097];
  for (size_t n = 0; n <= 4096; n++) {
    live[n] = malloc(n);
    CHECK_NONNULL(live[n]);
    CHECK_ALIGNED(live[n], 16);
  }
  for (size_t n = 0; n <= 4096; n++) free(live[n]);

  static const size_t large[] = {4097,      8191,      8192,       12345,      16384,
                                 32767,     65536,     65537,      100000,     131071,
                                 131072,    131073,    200000,     262144,     1000000,
                                 1 << 20,   (1 << 20) + 1, 3000000, 8 << 20,   (16 << 20) - 1,
                                 32 << 20,  33554433};
  for (size_t i = 0; i < sizeof large / sizeof large[0]; i++) {
    void *p = malloc(large[i]);
    if (!CHECKF(p != NULL, "malloc(%zu)", large[i])) continue;
    CHECK_ALIGNED(p, 16);
    ((volatile char *)p)[0] = 1;
    ((volatile char *)p)[large[i] - 1] = 2;
    free(p);
  }
}

static void zero_size(void) {
  enum { N = 1000 };
  static void *p[N];
  for (int i = 0; i < N; i++) {
    p[i] = malloc(0);
    CHECK_NONNULL(p[i]);
    CHECK_ALIGNED(p[i], 16);
  }
  /* all distinct */
  int dup = 0;
  for (int i = 0; i < N; i++)
    for (int j = i + 1; j < N; j++)
      if (p[i] == p[j]) dup++;
  CHECK_EQ(dup, 0);
  for (int i = 0; i < N; i++) free(p[i]);

  void *a = malloc(0), *b = malloc(0);
  CHECK(a != NULL && b != NULL && a != b);
  free(a);
  free(b);
}

struct live { unsigned char *p; size_t n; uint64_t seed; };

static void retire(struct live *l) {
  if (!l->p) return;
  CHECK_PATTERN(l->p, l->n, l->seed);
  free(l->p);
  l->p = NULL;
}

static void one(struct live *win, size_t *slot, size_t n) {
  struct live *l = &win[*slot % WINDOW];
  retire(l);
  *slot += 1;
  l->p = malloc(n);
  if (!CHECKF(l->p != NULL, "malloc(%zu)", n)) return;
  CHECK_ALIGNED(l->p, 16);
  l->n = n;
  l->seed = n * 0x100000001ull + *slot;
  hg_fill(l->p, n, l->seed);
}

static void many_sizes(void) {
  struct live win[WINDOW] = {{0}};
  size_t slot = 0;
  for (size_t n = 1; n <= 70000; n++) one(win, &slot, n);
  static const size_t big[] = {128 << 10, (128 << 10) + 1, 1 << 20, 8 << 20, 64 << 20};
  for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) one(win, &slot, big[i]);
  /* and shrinking again, so freed big blocks get reused by smaller ones */
  for (size_t n = 70000; n > 0; n = n * 7 / 8) one(win, &slot, n);
  for (int i = 0; i < WINDOW; i++) retire(&win[i]);
}

static void impossible(void) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Walloc-size-larger-than="
  static const size_t sizes[] = {SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 4096,
                                 (size_t)PTRDIFF_MAX + 1, (size_t)PTRDIFF_MAX,
                                 (size_t)PTRDIFF_MAX - 4096, (size_t)1 << 62};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    errno = 0;
    void *p = malloc(hg_opaque_size(sizes[i]));
    CHECKF(p == NULL, "malloc(%#zx) returned %p", sizes[i], p);
    CHECK_ERRNO(ENOMEM);
    free(p);
  }
#pragma GCC diagnostic pop
  /* the allocator still works afterwards */
  void *p = malloc(100);
  CHECK_NONNULL(p);
  free(p);
}

int main(void) {
  alignment();
  zero_size();
  many_sizes();
  impossible();
  return check_finish();
}
