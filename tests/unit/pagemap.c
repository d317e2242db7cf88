/* unit/pagemap: the address -> span map (src/pagemap.c, src/pagemap.h).
 *
 * The suite runs twice: in this process, where the flat map covers the whole address
 * space, and in a child re-executed under an RLIMIT_AS too small for the flat map's
 * reservation, where every page is in the two-level tree (the fallback).  In both:
 * hg_pagemap_set / hg_pagemap_get on pages of a private mapping (a range crossing a
 * 1 GiB boundary: a tree leaf or a flat-map island), on synthetic page addresses near
 * the top of the 47-bit space and across those boundaries, and on the page at address
 * 0; every page of a range reads back its span (from any byte of the page) and the
 * pages just outside read NULL; clearing with NULL, also across islands or leaves that
 * were never made (without making them); addresses >= 2^47 read NULL (and do not alias
 * low addresses); hg_pagemap_reserve makes every island or node a later set needs, so
 * the set makes none.  free's fast-path lookup (hg_pagemap_span_or_none) returns the
 * span of a set page in the flat map, and for any other address one no heap owns.
 * The tree child also mallocs and frees (every free then takes the slow path).
 *
 * The allocator in this process owns none of the pages used here (they are our own
 * mapping, or addresses it cannot have), and every entry is cleared again.
 */
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "meta.h"
#include "os.h"
#include "pagemap.h"
#include "span.h"

#define LEAF_BYTES ((uintptr_t)1 << (HG_PAGE_SHIFT + HG_PM_LEAF_BITS))              /* 1 GiB */
#define TOP        ((uintptr_t)1 << HG_PM_ADDR_BITS)

static struct hg_span dummy = { .kind = HG_SPAN_MEDIUM };
static struct hg_span other = { .kind = HG_SPAN_SMALL };

static struct hg_span *get(uintptr_t a) { return hg_pagemap_get((const void *)a); }

/* every byte offset we probe within a page */
static const uintptr_t probes[] = { 0, 1, 8, 2048, HG_PAGE - 16, HG_PAGE - 1 };

/* [start, start + npages pages) reads s at every probed byte */
static int range_is(uintptr_t start, size_t npages, struct hg_span *s, const char *what) {
  int ok = 1;
  for (size_t i = 0; i < npages && ok; i++)
    for (size_t k = 0; k < sizeof probes / sizeof *probes && ok; k++) {
      uintptr_t a = start + i * HG_PAGE + probes[k];
      ok = CHECKF(get(a) == s, "%s: address %#lx (page %zu of %#lx) reads %p, expected %p", what,
                  (unsigned long)a, i, (unsigned long)start, (void *)get(a), (void *)s);
      struct hg_span *f = hg_pagemap_span_or_none((const void *)a);
      if (ok && a < hg_pm.limit && s)
        ok = CHECKF(f == s, "%s: the fast lookup of %#lx reads %p, expected %p", what, (unsigned long)a,
                    (void *)f, (void *)s);
      else if (ok && !s)
        ok = CHECKF(f->owner == NULL, "%s: the fast lookup of unset %#lx gives a span with owner %p",
                    what, (unsigned long)a, (void *)f->owner);
    }
  return ok;
}

/* set a range, check it and its surroundings, overwrite part, clear it */
static void exercise(uintptr_t start, size_t npages, const char *what) {
  uintptr_t end = start + npages * HG_PAGE;
  if (!range_is(start, npages, NULL, what)) {
    fprintf(stderr, "    (%s: pages already in use: not touching them)\n", what);
    return;
  }
  if (start >= HG_PAGE) range_is(start - HG_PAGE, 1, NULL, what);
  CHECKF(hg_pagemap_set(start, npages, &dummy), "%s: set failed", what);
  range_is(start, npages, &dummy, what);
  /* just outside: NULL */
  if (start >= HG_PAGE) range_is(start - HG_PAGE, 1, NULL, what);
  if (end < TOP) range_is(end, 1, NULL, what);
  /* overwrite the middle pages with another span */
  if (npages >= 3) {
    CHECK(hg_pagemap_set(start + HG_PAGE, npages - 2, &other));
    range_is(start, 1, &dummy, what);
    range_is(start + HG_PAGE, npages - 2, &other, what);
    range_is(end - HG_PAGE, 1, &dummy, what);
  }
  /* clear */
  CHECKF(hg_pagemap_set(start, npages, NULL), "%s: clearing failed", what);
  range_is(start, npages, NULL, what);
}

static struct hg_pm_leaf *leaf_of(uintptr_t a) {
  return atomic_load(&hg_pm_root[(a / LEAF_BYTES) & ((1u << HG_PM_ROOT_BITS) - 1)]);
}

/* Islands and leaves made so far: the kernel calls that make them (an island is an
 * mprotect, a leaf an mmap of metadata). */
static size_t nodes_made(void) { return hg_os_calls.mprotect + hg_meta_bytes_mapped(); }
static bool tree_mode;

/* the start of a range of 32 leaves (32 GiB) whose root entries are all still empty */
static int range_unused(uintptr_t a) {
  for (unsigned i = 0; i < 32; i++)
    if (leaf_of(a + i * LEAF_BYTES)) return 0;
  return 1;
}
static uintptr_t unused_leaf_range(void) {
  static const uintptr_t candidates[] = { (uintptr_t)1 << 44, (uintptr_t)3 << 43,
                                          (uintptr_t)5 << 42, (uintptr_t)0x2345 << 35,
                                          (uintptr_t)0x3000 << 33 };
  for (size_t i = 0; i < sizeof candidates / sizeof *candidates; i++) {
    uintptr_t a = candidates[i] & ~(LEAF_BYTES - 1);
    if (range_unused(a)) return a;
  }
  for (uintptr_t a = LEAF_BYTES * 64; a < TOP - 64 * LEAF_BYTES; a += LEAF_BYTES * 97)
    if (range_unused(a)) return a;
  return 0;
}

static void suite(void) {
  /* The sentinel for freed pages is a FREE span. */
  CHECK_EQ(hg_pagemap_free_page.kind, HG_SPAN_FREE);

  /* ---- pages of a real private mapping, across a leaf boundary ---- */
  size_t maplen = 3 * LEAF_BYTES;
  char *m = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (!CHECK(m != MAP_FAILED)) return;
  uintptr_t boundary = ((uintptr_t)m + LEAF_BYTES) & ~(LEAF_BYTES - 1);   /* inside m */
  m[0] = 1;   /* touch: really a valid user address */
  exercise(boundary - 5 * HG_PAGE, 12, "mmap'd range across a leaf boundary");
  exercise(boundary - HG_PAGE, 2, "two pages on either side of a leaf boundary");
  exercise(boundary, 1, "first page of a leaf");
  exercise(boundary - HG_PAGE, 1, "last page of a leaf");
  /* a whole leaf and a bit on each side */
  exercise(boundary - 3 * HG_PAGE, (LEAF_BYTES >> HG_PAGE_SHIFT) + 6, "a whole leaf plus 3 pages each side");
  munmap(m, maplen);

  /* ---- synthetic addresses near the top of the 47-bit space ---- */
  exercise(0x7ffffff00000, 16, "0x7ffffff00000");
  exercise(TOP - 8 * HG_PAGE, 8, "the last 8 pages below 2^47");
  exercise(TOP - LEAF_BYTES - 4 * HG_PAGE, 8, "leaf boundary 1 GiB below 2^47");
  exercise(TOP - 2 * LEAF_BYTES - 3 * HG_PAGE, 6, "leaf boundary 2 GiB below 2^47");

  /* ---- the page at address 0 (and its leaf) ---- */
  exercise(0, 4, "address 0");
  exercise(LEAF_BYTES - 2 * HG_PAGE, 4, "first leaf boundary at 1 GiB");

  /* ---- addresses >= 2^47 are never the allocator's ---- */
  static const uintptr_t high[] = { TOP, TOP + HG_PAGE, TOP + 12345, TOP << 1,
                                    (uintptr_t)0xffff800000000000ull, UINTPTR_MAX,
                                    UINTPTR_MAX & ~(uintptr_t)(HG_PAGE - 1) };
  for (size_t i = 0; i < sizeof high / sizeof *high; i++)
    CHECKF(get(high[i]) == NULL, "%#lx reads %p", (unsigned long)high[i], (void *)get(high[i]));
  /* ... even when the low address they would alias (by dropping bit 47 and up) is set,
   * and when the top of the 47-bit space is set */
  if (get(0) == NULL && get(TOP - HG_PAGE) == NULL) {
    CHECK(hg_pagemap_set(0, 1, &dummy));
    CHECK(hg_pagemap_set(TOP - HG_PAGE, 1, &other));
    CHECK(get(0) == &dummy);
    CHECK(get(TOP - 1) == &other);
    for (size_t i = 0; i < sizeof high / sizeof *high; i++)
      CHECKF(get(high[i]) == NULL, "%#lx reads %p with page 0 set", (unsigned long)high[i],
             (void *)get(high[i]));
    CHECK(hg_pagemap_set(0, 1, NULL));
    CHECK(hg_pagemap_set(TOP - HG_PAGE, 1, NULL));
    CHECK(get(0) == NULL && get(TOP - HG_PAGE) == NULL);
  }

  /* ---- setting zero pages changes nothing ---- */
  CHECK(hg_pagemap_set(0x7ffffff00000, 0, &dummy));
  CHECK(get(0x7ffffff00000) == NULL);

  /* ---- clearing where no node exists creates none ---- */
  uintptr_t fresh = unused_leaf_range();
  if (CHECKF(fresh != 0, "no unused root entries found")) {
    size_t before = nodes_made();
    CHECK(hg_pagemap_set(fresh + LEAF_BYTES - 2 * HG_PAGE, 5000, NULL));
    CHECKF(leaf_of(fresh) == NULL && leaf_of(fresh + LEAF_BYTES) == NULL, "clearing created a leaf");
    CHECKF(nodes_made() == before, "clearing made an island or a leaf");
    CHECK(get(fresh + LEAF_BYTES) == NULL);
  }

  /* ---- reserve, then set without creating nodes ---- */
  if (fresh) {
    uintptr_t start = fresh + 3 * LEAF_BYTES - 7 * HG_PAGE;
    size_t npages = (LEAF_BYTES >> HG_PAGE_SHIFT) + 100;   /* 3 leaves touched */
    uintptr_t end = start + npages * HG_PAGE;
    size_t islands = hg_os_calls.mprotect;
    CHECK(hg_pagemap_reserve(start, npages));
    if (!tree_mode) {
      islands = hg_os_calls.mprotect - islands;
      CHECKF(islands == 3, "reserve made %zu islands, not 3", islands);
      CHECKF(leaf_of(start) == NULL, "reserve made a leaf below the flat map's limit");
    }
    if (!tree_mode || CHECKF(leaf_of(start) != NULL, "reserve created no leaf")) {
      for (uintptr_t a = start & ~(LEAF_BYTES - 1); a < end && tree_mode; a += LEAF_BYTES)
        CHECKF(leaf_of(a) != NULL, "reserve left the leaf for %#lx missing", (unsigned long)a);
      /* nothing outside the range's leaves */
      CHECK(leaf_of((start & ~(LEAF_BYTES - 1)) - LEAF_BYTES) == NULL);
      CHECK(leaf_of((end + LEAF_BYTES - 1) & ~(LEAF_BYTES - 1)) == NULL);
      /* reserve leaves the entries NULL */
      range_is(start, 1, NULL, "reserved");
      range_is(end - HG_PAGE, 1, NULL, "reserved");

      struct hg_pm_leaf *leaves_before[4];
      for (unsigned i = 0; i < 4; i++) leaves_before[i] = leaf_of((start & ~(LEAF_BYTES - 1)) + i * LEAF_BYTES);
      size_t made_before = nodes_made();
      CHECK(hg_pagemap_set(start, npages, &dummy));
      unsigned changed = 0;
      for (unsigned i = 0; i < 4; i++) changed += leaf_of((start & ~(LEAF_BYTES - 1)) + i * LEAF_BYTES) != leaves_before[i];
      CHECKF(changed == 0, "set after reserve changed %u leaf pointers", changed);
      CHECK_EQU(nodes_made(), made_before);
      range_is(start, 3, &dummy, "reserved then set");
      range_is(end - 3 * HG_PAGE, 3, &dummy, "reserved then set");
      for (uintptr_t a = start; a < end; a += HG_PAGE)
        if (get(a) != &dummy && !CHECKF(0, "page %#lx not set", (unsigned long)a)) break;
      range_is(start - HG_PAGE, 1, NULL, "before the reserved range");
      range_is(end, 1, NULL, "after the reserved range");

      /* clearing across a missing leaf: leaves A and C exist, B between them does not */
      uintptr_t a_leaf = fresh + 20 * LEAF_BYTES, c_leaf = a_leaf + 2 * LEAF_BYTES;
      CHECK(hg_pagemap_set(c_leaf - LEAF_BYTES - 2 * HG_PAGE, 2, &dummy));   /* last 2 of A */
      CHECK(hg_pagemap_set(c_leaf, 3, &other));                              /* first 3 of C */
      if (tree_mode)
        CHECK(leaf_of(a_leaf) != NULL && leaf_of(a_leaf + LEAF_BYTES) == NULL && leaf_of(c_leaf) != NULL);
      size_t made = nodes_made();
      CHECK(hg_pagemap_set(c_leaf - LEAF_BYTES - 2 * HG_PAGE, 2 + (LEAF_BYTES >> HG_PAGE_SHIFT) + 3, NULL));
      CHECKF(leaf_of(a_leaf + LEAF_BYTES) == NULL && nodes_made() == made, "clearing made the missing node");
      range_is(c_leaf - LEAF_BYTES - 2 * HG_PAGE, 2, NULL, "cleared across a missing leaf");
      range_is(c_leaf, 4, NULL, "cleared across a missing leaf");

      CHECK(hg_pagemap_set(start, npages, NULL));
      range_is(start, 3, NULL, "cleared");
      range_is(end - 3 * HG_PAGE, 3, NULL, "cleared");
    }
  }

  /* ---- reserve near the very top (the end address is 2^47) ---- */
  CHECK(hg_pagemap_reserve(TOP - 3 * LEAF_BYTES, 3 * (LEAF_BYTES >> HG_PAGE_SHIFT)));
  if (tree_mode) CHECK(leaf_of(TOP - LEAF_BYTES) != NULL && leaf_of(TOP - 3 * LEAF_BYTES) != NULL);
}

/* The tree child: blocks of every small class, freed in a shuffled order by their
 * owner (the slow path's local free), and one double free caught (in a grandchild). */
static void churn(void) {
  static void *blocks[4096];
  hg_rng r = { 12345 };
  for (int round = 0; round < 4; round++) {
    for (size_t i = 0; i < 4096; i++) {
      size_t n = hg_logsize(&r, 1, 40000);
      blocks[i] = malloc(n);
      if (!CHECK(blocks[i] != NULL)) return;
      memset(blocks[i], (int)i, n < 64 ? n : 64);
    }
    for (size_t i = 4095; i > 0; i--) {
      size_t j = hg_range(&r, 0, i);
      void *t = blocks[i]; blocks[i] = blocks[j]; blocks[j] = t;
    }
    for (size_t i = 0; i < 4096; i++) free(blocks[i]);
  }
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open("/dev/null", O_WRONLY);
    if (fd >= 0) dup2(fd, 2);
    void *p = malloc(48);
    free(p);
    free(hg_opaque(p));
    _exit(0);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  CHECKF(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT, "a double free in tree mode was not caught (status %#x)", st);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "tree") == 0) {
    tree_mode = true;
    free(malloc(1));   /* the allocator's set-up, after the limit */
    if (!CHECKF(hg_pm.limit == 0, "the flat map was reserved under RLIMIT_AS (limit %#lx)",
                (unsigned long)hg_pm.limit))
      return check_finish();
    churn();
    suite();
    return check_finish();
  }
  free(malloc(1));
  CHECKF(hg_pm.limit == TOP, "the flat map covers %#lx, not the whole address space", (unsigned long)hg_pm.limit);
  suite();

  /* the same in a process whose flat map cannot be reserved */
  fflush(stderr);
  pid_t pid = fork();
  if (pid == 0) {
    struct rlimit rl = { (rlim_t)16 << 30, (rlim_t)16 << 30 };
    if (setrlimit(RLIMIT_AS, &rl) != 0) _exit(77);
    execl("/proc/self/exe", argv[0], "tree", (char *)NULL);
    _exit(126);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the tree-mode run failed (status %#x)", st);
  return check_finish();
}
