/* The glibc extensions: mallopt (return values and effects as glibc's), mallinfo2 accounting (uordblks for
 * small blocks, hblkhd/hblks for blocks above the mmap threshold), malloc_trim,
 * malloc_stats (writes to stderr), malloc_info (XML), and the deprecated mallinfo.
 */
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MiB ((size_t)1 << 20)

static void show(const char *when, struct mallinfo2 m) {
  fprintf(stderr, "%-24s arena %zu uordblks %zu fordblks %zu hblks %zu hblkhd %zu\n", when,
          m.arena, m.uordblks, m.fordblks, m.hblks, m.hblkhd);
}

static void accounting(void) {
  enum { BLOCK = 1000, COUNT = (10 * MiB + BLOCK - 1) / BLOCK };
  static void *blocks[COUNT];
  struct mallinfo2 before = mallinfo2();
  show("before", before);
  for (int i = 0; i < COUNT; i++) {
    blocks[i] = malloc(BLOCK);
    if (CHECK_NONNULL(blocks[i])) memset(blocks[i], i, BLOCK);
  }
  struct mallinfo2 during = mallinfo2();
  show("10 MiB in 1000-byte blocks", during);
  CHECKF(during.uordblks >= before.uordblks + 10 * MiB, "uordblks grew by only %zd",
         (ssize_t)(during.uordblks - before.uordblks));
  CHECK(during.arena + during.hblkhd >= during.uordblks);
  for (int i = 0; i < COUNT; i++) free(blocks[i]);
  struct mallinfo2 after = mallinfo2();
  show("after freeing them", after);
  CHECKF(after.uordblks <= before.uordblks + MiB && after.uordblks + MiB >= before.uordblks,
         "uordblks went from %zu to %zu after malloc+free", before.uordblks, after.uordblks);

  /* a block above the mmap threshold shows up in hblkhd / hblks */
  before = mallinfo2();
  void *big = malloc(4 * MiB);
  if (CHECK_NONNULL(big)) {
    memset(big, 1, 4 * MiB);
    struct mallinfo2 m = mallinfo2();
    show("with a 4 MiB block", m);
    CHECKF(m.hblkhd >= before.hblkhd + 4 * MiB, "hblkhd grew by only %zd",
           (ssize_t)(m.hblkhd - before.hblkhd));
    CHECKF(m.hblks >= before.hblks + 1, "hblks went from %zu to %zu", before.hblks, m.hblks);
    free(big);
    m = mallinfo2();
    show("after freeing it", m);
    CHECK(m.hblkhd < before.hblkhd + 4 * MiB);
  }
}

/* run fn with stderr (fd 2) redirected to a temporary file; return what it wrote */
static size_t capture_stderr(void (*fn)(void), char *buf, size_t cap) {
  fflush(stderr);
  FILE *tmp = tmpfile();
  if (!CHECK_NONNULL(tmp)) return 0;
  int saved = dup(2);
  CHECK(saved >= 0);
  CHECK(dup2(fileno(tmp), 2) == 2);
  fn();
  fflush(stderr);
  CHECK(dup2(saved, 2) == 2);
  close(saved);
  rewind(tmp);
  size_t n = fread(buf, 1, cap - 1, tmp);
  buf[n] = 0;
  fclose(tmp);
  return n;
}

static void call_malloc_stats(void) { malloc_stats(); }

static void reports(void) {
  /* malloc_trim returns 1 if memory was released, 0 otherwise */
  for (int i = 0; i < 3; i++) {
    void *p[100];
    for (int k = 0; k < 100; k++) p[k] = malloc((size_t)k * 1000 + 1);
    for (int k = 0; k < 100; k++) free(p[k]);
    int rc = malloc_trim(0);
    CHECKF(rc == 0 || rc == 1, "malloc_trim(0) returned %d", rc);
    rc = malloc_trim(1 << 20);
    CHECKF(rc == 0 || rc == 1, "malloc_trim(1 MiB) returned %d", rc);
  }

  void *keep = malloc(12345);
  static char buf[1 << 16];
  size_t n = capture_stderr(call_malloc_stats, buf, sizeof buf);
  CHECKF(n > 0, "malloc_stats() wrote nothing to stderr");
  fprintf(stderr, "malloc_stats wrote %zu bytes\n", n);

  FILE *fp = tmpfile();
  if (CHECK_NONNULL(fp)) {
    CHECK_EQ(malloc_info(0, fp), 0);
    fflush(fp);
    rewind(fp);
    n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = 0;
    CHECKF(strncmp(buf, "<malloc", 7) == 0, "malloc_info output starts with \"%.40s\"", buf);
    CHECK(strstr(buf, "</malloc>") != NULL);
    fclose(fp);
  }
  free(keep);

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  struct mallinfo mi = mallinfo();
#pragma GCC diagnostic pop
  /* only: it does not crash */
  fprintf(stderr, "mallinfo: arena %d uordblks %d hblkhd %d\n", mi.arena, mi.uordblks, mi.hblkhd);
}

/* mallopt's return value and effect are glibc's (2.36): any threshold is taken (-1 is
 * the largest size: no block gets a mapping of its own), a negative M_MMAP_MAX allows no
 * mapping, and parameters it ignores (M_ARENA_MAX of 0, an unknown number) return 1 —
 * programs check for 1 and fail otherwise. */
static void blocks_mapped(const char *setting, size_t size, int want_mapped) {
  size_t before = mallinfo2().hblks;
  char *p = malloc(size);
  if (!CHECK_NONNULL(p)) return;
  p[0] = p[size - 1] = 1;
  size_t during = mallinfo2().hblks;
  CHECKF((during > before) == want_mapped, "after %s, a %zu-byte block %s its own mapping",
         setting, size, want_mapped ? "did not get" : "got");
  free(p);
}

static void tuning(void) {
  CHECK_EQ(mallopt(M_MMAP_THRESHOLD, 64 * (int)MiB), 1);
  blocks_mapped("M_MMAP_THRESHOLD 64 MiB", 40 * MiB, 0);
  CHECK_EQ(mallopt(M_MMAP_THRESHOLD, -1), 1);
  blocks_mapped("M_MMAP_THRESHOLD -1", 40 * MiB, 0);
  CHECK_EQ(mallopt(M_MMAP_THRESHOLD, 64 * 1024), 1);
  blocks_mapped("M_MMAP_THRESHOLD 64 KiB", MiB, 1);
  CHECK_EQ(mallopt(M_MMAP_MAX, -1), 1);
  blocks_mapped("M_MMAP_MAX -1", MiB, 0);
  CHECK_EQ(mallopt(M_MMAP_MAX, 65536), 1);
  blocks_mapped("M_MMAP_MAX 65536", MiB, 1);
  CHECK_EQ(mallopt(M_ARENA_MAX, 0), 1);
  CHECK_EQ(mallopt(M_ARENA_TEST, -1), 1);
  CHECK_EQ(mallopt(12345, 1), 1);
  CHECK_EQ(mallopt(M_MXFAST, 1000), 0);   /* above glibc's MAX_FAST_SIZE: refused */
}

/* malloc_info with options other than 0: glibc returns EINVAL, and leaves errno alone */
static void info_options(void) {
  errno = 0;
  CHECK_EQ(malloc_info(1, stderr), EINVAL);
  CHECK_EQ(errno, 0);
}

int main(void) {
  CHECK_EQ(mallopt(M_MMAP_THRESHOLD, 64 * 1024), 1);
  accounting();
  reports();
  tuning();
  info_options();
  return check_finish();
}
