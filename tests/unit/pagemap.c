/* unit/pagemap: the address -> span radix tree (src/pagemap.c, src/pagemap.h).
 *
 * hg_pagemap_set / hg_pagemap_get on pages of a private mapping (a range crossing a leaf
 * boundary: a leaf, 1 MiB of entries, maps 131072 pages = 512 MiB of addresses), on
 * synthetic page addresses near the top of the 47-bit space and across leaf boundaries,
 * and on the page at address 0; every page of a range reads back its span (from any byte
 * of the page) and the pages just outside read NULL; clearing with NULL, also across
 * leaves that were never created (without creating them); addresses >= 2^47 read NULL
 * (and do not alias low addresses); hg_pagemap_reserve creates every leaf a later set
 * needs, so the set allocates none.
 * free's fast-path lookup (hg_pagemap_span_or_none) returns the span of every set page,
 * and for an empty entry — in a leaf never made (the static empty leaf, root entry 0)
 * or in a real one — the never-written word &hg_pm, a span whose owner is NULL; an
 * address above 2^47 reads the entry of the page it aliases.  The empty leaf and
 * hg_pm.none are still all zero at the end.
 * Concurrent readers: threads look up pages of a fresh 512 MiB range while this thread
 * creates its leaf, sets, overwrites and clears entries; every lookup must read "no
 * span" or one of the spans written, never anything else.
 * Last, mallocs and frees of every small class, through the fast path.
 *
 * The allocator in this process owns none of the pages used here (they are our own
 * mapping, or addresses it cannot have), and every entry is cleared again.
 */
#include "check.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "meta.h"
#include "pagemap.h"
#include "span.h"

#define LEAF_BYTES ((uintptr_t)1 << (HG_PAGE_SHIFT + HG_PM_LEAF_BITS))            /* 512 MiB */
#define TOP        ((uintptr_t)1 << HG_PM_ADDR_BITS)

static struct hg_span dummy = { .kind = HG_SPAN_MEDIUM };
static struct hg_span other = { .kind = HG_SPAN_SMALL };

#define NONE ((struct hg_span *)&hg_pm)   /* what an empty entry decodes to */

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
      if (ok && s)
        ok = CHECKF(f == s, "%s: the fast lookup of %#lx reads %p, expected %p", what, (unsigned long)a,
                    (void *)f, (void *)s);
      else if (ok)
        ok = CHECKF(f == NONE && f->owner == NULL,
                    "%s: the fast lookup of unset %#lx gives %p (owner %p), not the empty span %p", what,
                    (unsigned long)a, (void *)f, (void *)f->owner, (void *)NONE);
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

/* a's leaf, NULL while its root entry is 0 (the empty leaf) */
static struct hg_pm_leaf *leaf_of(uintptr_t a) {
  uintptr_t v = atomic_load(&hg_pm.root[(a / LEAF_BYTES) & ((1u << HG_PM_ROOT_BITS) - 1)]);
  return v ? (struct hg_pm_leaf *)((uintptr_t)&hg_pm.empty + v) : NULL;
}

/* Leaves made so far: the metadata mapped for them. */
static size_t nodes_made(void) { return hg_meta_bytes_mapped(); }

/* the start of a range of 32 leaves (16 GiB) whose root entries are all still empty */
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
  exercise(TOP - LEAF_BYTES - 4 * HG_PAGE, 8, "leaf boundary 512 MiB below 2^47");
  exercise(TOP - 2 * LEAF_BYTES - 3 * HG_PAGE, 6, "leaf boundary 1 GiB below 2^47");

  /* ---- the page at address 0 (and its leaf) ---- */
  exercise(0, 4, "address 0");
  exercise(LEAF_BYTES - 2 * HG_PAGE, 4, "first leaf boundary at 512 MiB");

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
    /* the fast lookup masks the root index: an address above 2^47 reads the entry of
     * the page it aliases (free's slot check then rejects it, 2^47 bytes away) */
    CHECK(hg_pagemap_span_or_none((const void *)TOP) == &dummy);
    CHECK(hg_pagemap_span_or_none((const void *)(UINTPTR_MAX - HG_PAGE + 1)) == &other);
    CHECK(hg_pagemap_span_or_none((const void *)((uintptr_t)0xffff800000000000ull + 5)) == &dummy);
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
    CHECKF(nodes_made() == before, "clearing mapped a leaf");
    /* a root entry never written reads the empty leaf: no span, through both lookups */
    range_is(fresh + 5 * LEAF_BYTES + 123 * HG_PAGE, 3, NULL, "a page of a leaf never made");
    CHECK(get(fresh + LEAF_BYTES) == NULL);
  }

  /* ---- reserve, then set without creating nodes ---- */
  if (fresh) {
    uintptr_t start = fresh + 3 * LEAF_BYTES - 7 * HG_PAGE;
    size_t npages = (LEAF_BYTES >> HG_PAGE_SHIFT) + 100;   /* 3 leaves touched */
    uintptr_t end = start + npages * HG_PAGE;
    size_t made0 = nodes_made();
    CHECK(hg_pagemap_reserve(start, npages));
    CHECKF(nodes_made() - made0 == 3 * sizeof(struct hg_pm_leaf), "reserve mapped %zu bytes, not 3 leaves",
           nodes_made() - made0);
    if (CHECKF(leaf_of(start) != NULL, "reserve created no leaf")) {
      for (uintptr_t a = start & ~(LEAF_BYTES - 1); a < end; a += LEAF_BYTES)
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
      CHECK(leaf_of(a_leaf) != NULL && leaf_of(a_leaf + LEAF_BYTES) == NULL && leaf_of(c_leaf) != NULL);
      size_t made = nodes_made();
      CHECK(hg_pagemap_set(c_leaf - LEAF_BYTES - 2 * HG_PAGE, 2 + (LEAF_BYTES >> HG_PAGE_SHIFT) + 3, NULL));
      CHECKF(leaf_of(a_leaf + LEAF_BYTES) == NULL && nodes_made() == made, "clearing made the missing leaf");
      range_is(c_leaf - LEAF_BYTES - 2 * HG_PAGE, 2, NULL, "cleared across a missing leaf");
      range_is(c_leaf, 4, NULL, "cleared across a missing leaf");

      CHECK(hg_pagemap_set(start, npages, NULL));
      range_is(start, 3, NULL, "cleared");
      range_is(end - 3 * HG_PAGE, 3, NULL, "cleared");
    }
  }

  /* ---- reserve near the very top (the end address is 2^47) ---- */
  CHECK(hg_pagemap_reserve(TOP - 3 * LEAF_BYTES, 3 * (LEAF_BYTES >> HG_PAGE_SHIFT)));
  CHECK(leaf_of(TOP - LEAF_BYTES) != NULL && leaf_of(TOP - 3 * LEAF_BYTES) != NULL);
  range_is(TOP - HG_PAGE, 1, NULL, "the last page, its leaf made");
  range_is(TOP - LEAF_BYTES, 1, NULL, "the first page of the last leaf, made");
}


/* ---- concurrent readers ---------------------------------------------------------------- */

#define READERS 3
#define RPAGES  64
static uintptr_t conc_base;               /* a fresh 512 MiB range: its leaf is made under the readers */
static _Atomic int conc_stop;
static _Atomic unsigned long conc_bad, conc_reads, conc_seen_set;
static struct hg_span conc_span[2] = { { .kind = HG_SPAN_MEDIUM }, { .kind = HG_SPAN_LARGE } };

static void *reader(void *arg) {
  uintptr_t k = (uintptr_t)arg;
  unsigned long bad = 0, reads = 0, set = 0;
  while (!atomic_load(&conc_stop)) {
    for (uintptr_t i = 0; i < RPAGES; i++) {
      uintptr_t a = conc_base + ((i * 7 + k) % RPAGES) * HG_PAGE + (i * 131) % HG_PAGE;
      struct hg_span *f = hg_pagemap_span_or_none((const void *)a);
      struct hg_span *g = hg_pagemap_get((const void *)a);
      bad += !(f == NONE || f == &conc_span[0] || f == &conc_span[1]);
      bad += !(g == NULL || g == &conc_span[0] || g == &conc_span[1]);
      bad += f->owner != NULL;   /* the only field read before the owner test */
      set += g != NULL;
      reads++;
    }
  }
  atomic_fetch_add(&conc_bad, bad);
  atomic_fetch_add(&conc_reads, reads);
  atomic_fetch_add(&conc_seen_set, set);
  return NULL;
}

static void concurrent(void) {
  conc_base = unused_leaf_range();
  if (!CHECKF(conc_base != 0, "no unused root entries found")) return;
  conc_base += 7 * LEAF_BYTES;
  pthread_t t[READERS];
  for (uintptr_t k = 0; k < READERS; k++) CHECK(pthread_create(&t[k], NULL, reader, (void *)k) == 0);
  for (volatile int spin = 0; spin < 1000000; spin++) {}   /* let them read the empty leaf */
  for (unsigned round = 0; round < 3000; round++) {
    unsigned first = round % RPAGES, n = 1 + round % 17;
    if (first + n > RPAGES) n = RPAGES - first;
    CHECK(hg_pagemap_set(conc_base + first * HG_PAGE, n, &conc_span[round & 1]));   /* round 0: the leaf */
    if (round % 3 == 0) CHECK(hg_pagemap_set(conc_base + first * HG_PAGE, n, NULL));
    if (round % 50 == 49) sched_yield();
  }
  CHECK(hg_pagemap_set(conc_base, RPAGES, NULL));
  atomic_store(&conc_stop, 1);
  for (unsigned k = 0; k < READERS; k++) pthread_join(t[k], NULL);
  CHECKF(atomic_load(&conc_bad) == 0, "concurrent readers saw %lu impossible values in %lu lookups",
         atomic_load(&conc_bad), atomic_load(&conc_reads));
  fprintf(stderr, "    concurrent readers: %lu lookups, %lu of a set page\n", atomic_load(&conc_reads),
          atomic_load(&conc_seen_set));
  range_is(conc_base, RPAGES, NULL, "after the concurrent phase");
}

/* Mallocs and frees of every small class, in a shuffled order: the fast path's lookup
 * through the tree (and a double free caught, in a child). */
static void churn(void) {
  static void *blocks[4096];
  hg_rng r = { 12345 };
  for (int round = 0; round < 4; round++) {
    for (size_t i = 0; i < 4096; i++) {
      size_t n = hg_logsize(&r, 1, 40000);
      blocks[i] = malloc(n);
      if (!CHECK(blocks[i] != NULL)) return;
      memset(blocks[i], (int)i, n < 64 ? n : 64);
      if (n <= 1024) {   /* a small block: its span is found through the tree */
        struct hg_span *s = hg_pagemap_get(blocks[i]);
        if (!CHECKF(s && s->kind == HG_SPAN_SMALL && hg_pagemap_span_or_none(blocks[i]) == s,
                    "block %p of %zu bytes: span %p", blocks[i], n, (void *)s))
          return;
      }
    }
    for (size_t i = 4095; i > 0; i--) {
      size_t j = hg_range(&r, 0, i);
      void *t = blocks[i]; blocks[i] = blocks[j]; blocks[j] = t;
    }
    for (size_t i = 0; i < 4096; i++) free(blocks[i]);
  }
}

int main(void) {
  free(malloc(1));   /* the allocator's set-up */
  suite();
  concurrent();
  churn();

  /* nothing ever wrote the never-written parts */
  CHECKF(hg_pm.none == 0, "hg_pm.none was written: %#lx", (unsigned long)hg_pm.none);
  size_t dirty = 0;
  for (size_t i = 0; i < ((size_t)1 << HG_PM_LEAF_BITS); i++)
    dirty += atomic_load_explicit(&hg_pm.empty.entry[i], memory_order_relaxed) != 0;
  CHECKF(dirty == 0, "%zu entries of the empty leaf were written", dirty);
  CHECK(hg_pagemap_holds((uintptr_t)&hg_pm.root[5], (uintptr_t)&hg_pm.root[6]));
  CHECK(!hg_pagemap_holds((uintptr_t)&dummy, (uintptr_t)(&dummy + 1)));
  return check_finish();
}
