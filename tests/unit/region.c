/* unit/region: the region layer through its own API (src/region.c, src/region_large.c,
 * src/region.h).
 *
 *   extents     (run first) with brk off, regions come from mmap and the kernel usually
 *               places a new one right below the previous one; free runs then coalesce
 *               across the two extents and a span can straddle them.  hg_region_stats
 *               must still count a SMALL span lying after the straddling span
 *               (small_in_use feeds mallinfo's uordblks, malloc_stats, malloc_info).
 *   trim        (while the brk heap is still untouched) a span that grows the brk
 *               heap, freed with automatic trimming off: the break stays; then
 *               hg_region_trim(0) returns > 0, brk_bytes and the break drop by the same
 *               amount, nothing is left free at the top, nothing dirty, and the pages
 *               above the new break are no longer in the pagemap; trim with a pad keeps
 *               exactly the pad; automatic trim on free keeps exactly top_pad.
 *   spans       200 SMALL and MEDIUM spans of mixed sizes and alignments (1, 16, 512
 *               pages): page aligned, alignment honoured, every page maps to its span,
 *               the pages just outside do not, no two overlap, every byte writable (a
 *               pattern per span, verified after all are written), zeroed spans read
 *               zero; the stats counters move by exactly what was allocated; after all
 *               are freed (in random order) the free runs coalesce back to exactly the
 *               state before (free_runs, largest_free, free_bytes).
 *   grow/shrink hg_region_grow succeeds in place into a following free run of enough
 *               pages, fails (changing nothing) when the run is too short or the next
 *               page is a live span; hg_region_shrink gives the pages back (free_bytes
 *               grows by exactly the pages cut); hg_region_free_medium of a freed span
 *               is refused.
 *   large       hg_large_alloc: page aligned (or to the requested alignment), fresh
 *               zero pages, registered at its first page only, counted in the stats;
 *               hg_large_resize grows and shrinks keeping the contents and moves the
 *               pagemap entry; hg_large_free unregisters it; the dynamic mmap threshold.
 * Every stats snapshot also satisfies free + small + medium == brk + mmap'd regions.
 *
 * The test program's own mallocs use the same allocator: no library call that could
 * allocate is made inside a measured window (CHECK only prints on failure).  Automatic
 * trimming is switched off (trim_threshold huge) except where it is tested, and the
 * mmap threshold is marked fixed so freeing large blocks does not change the options.
 */
#include "check.h"

#include <unistd.h>

#include "init.h"
#include "options.h"
#include "pagemap.h"
#include "region.h"
#include "span.h"

#define PG HG_PAGE
static struct hg_options saved_opt;

static void stats(struct hg_region_stats *st, const char *when) {
  hg_region_stats(st);
  CHECKF(st->free_bytes + st->small_span_bytes + st->medium_bytes ==
             st->brk_bytes + st->mmap_region_bytes,
         "%s: free %zu + small %zu + medium %zu != brk %zu + mmap'd regions %zu", when,
         st->free_bytes, st->small_span_bytes, st->medium_bytes, st->brk_bytes,
         st->mmap_region_bytes);
  CHECKF(st->largest_free <= st->free_bytes && st->top_free <= st->free_bytes &&
             st->dirty_bytes <= st->free_bytes,
         "%s: largest %zu / top %zu / dirty %zu above free %zu", when, st->largest_free,
         st->top_free, st->dirty_bytes, st->free_bytes);
  CHECKF((st->free_runs == 0) == (st->free_bytes == 0) && st->free_runs * PG <= st->free_bytes,
         "%s: %zu free runs for %zu free bytes", when, st->free_runs, st->free_bytes);
  CHECKF(st->large_count <= st->large_max_count && st->large_bytes <= st->large_max_bytes,
         "%s: large high-water marks below current", when);
  CHECKF(st->free_bytes % PG == 0 && st->largest_free % PG == 0 && st->top_free % PG == 0,
         "%s: byte counts not in pages", when);
}

static struct hg_span *alloc_span(size_t npages, size_t align, int kind) {
  struct hg_span *s = hg_region_alloc(npages, align, kind);
  if (s && kind == HG_SPAN_MEDIUM) {   /* as api.c's alloc_medium does */
    s->base = (char *)s->start;
    s->size = npages * PG;
  }
  return s;
}

/* s is a live span of npages pages aligned to align pages, all its pages mapped to it */
static int span_ok(struct hg_span *s, size_t npages, size_t align, int kind) {
  if (!CHECKF(s != NULL, "hg_region_alloc(%zu, %zu) failed", npages, align)) return 0;
  int ok = CHECK_EQ(s->kind, kind);
  ok &= CHECK_EQU(s->npages, npages);
  ok &= CHECKF(s->start % (align * PG) == 0, "span at %#lx not aligned to %zu pages",
               (unsigned long)s->start, align);
  ok &= CHECK(s->start != 0);
  for (size_t i = 0; i < s->npages; i++) {
    struct hg_span *m = hg_pagemap_get((void *)(s->start + i * PG + (i * 977) % PG));
    if (!CHECKF(m == s, "page %zu of %zu-page span at %#lx maps to %p, not the span", i,
                s->npages, (unsigned long)s->start, (void *)m)) {
      ok = 0;
      break;
    }
  }
  ok &= CHECK(hg_pagemap_get((void *)(s->start - 1)) != s);
  ok &= CHECK(hg_pagemap_get((void *)(s->start + s->npages * PG)) != s);
  return ok;
}

/* the page holding a is free: the freed-page sentinel or a FREE run */
static int page_free(uintptr_t a) {
  struct hg_span *m = hg_pagemap_get((void *)a);
  return m && m->kind == HG_SPAN_FREE;
}

/* ---- trim ------------------------------------------------------------------------- */

static void test_trim(void) {
  struct hg_region_stats st0, st1, st2, st3;
  stats(&st0, "trim: start");
  /* a span longer than any free run: the region must grow */
  size_t npages = st0.largest_free / PG + 4096;   /* + 16 MiB */
  struct hg_span *s = alloc_span(npages, 1, HG_SPAN_MEDIUM);
  if (!span_ok(s, npages, 1, HG_SPAN_MEDIUM)) return;
  stats(&st1, "trim: after a big alloc");
  CHECK(st1.brk_bytes + st1.mmap_region_bytes >= st0.brk_bytes + st0.mmap_region_bytes + npages * PG - st0.largest_free);
  if (!s->in_brk) {
    fprintf(stderr, "note: the region did not grow the brk heap; brk trim not tested\n");
    hg_region_free(s);
    return;
  }
  CHECK(st1.brk_bytes > st0.brk_bytes);
  memset((void *)s->start, 0x5a, npages * PG);   /* make every page resident */
  uintptr_t span_end = s->start + npages * PG;
  hg_region_free(s);
  stats(&st2, "trim: after freeing it");
  CHECK_EQU(st2.brk_bytes, st1.brk_bytes);   /* automatic trim is off */
  CHECKF(st2.top_free >= npages * PG, "the freed span did not join the free top (%zu < %zu)",
         st2.top_free, npages * PG);
  char *brk_before = sbrk(0);
  size_t released = hg_region_trim(0);
  char *brk_after = sbrk(0);
  stats(&st3, "trim: after hg_region_trim(0)");
  CHECKF(released > 0, "hg_region_trim(0) released nothing");
  CHECKF(st3.brk_bytes + npages * PG <= st2.brk_bytes, "brk heap %zu -> %zu after freeing %zu",
         st2.brk_bytes, st3.brk_bytes, npages * PG);
  CHECK_EQU((size_t)(brk_before - brk_after), st2.brk_bytes - st3.brk_bytes);
  CHECK(released >= st2.brk_bytes - st3.brk_bytes);
  CHECK_EQU(st3.top_free, 0);
  CHECK_EQU(st3.dirty_bytes, 0);
  CHECK_EQU(st3.free_bytes, st2.free_bytes - (st2.brk_bytes - st3.brk_bytes));
  /* the pages given back are no longer the allocator's */
  CHECK(hg_pagemap_get((void *)(span_end - PG)) == NULL);
  CHECK(hg_pagemap_get(brk_after) == NULL);
  if (st3.brk_bytes > 0)   /* (trim(0) of an entirely free brk heap empties it) */
    CHECK(hg_pagemap_get(brk_after - 1) != NULL);   /* the page below the break still is */
  CHECK(hg_region_trim(0) == 0);                  /* nothing left to give */

  /* trim keeping a pad: the top keeps exactly the pad (rounded to pages) */
  s = alloc_span(npages, 1, HG_SPAN_MEDIUM);
  if (span_ok(s, npages, 1, HG_SPAN_MEDIUM) && s->in_brk) {
    CHECKF(s->zeroed, "a span from pages fresh from brk is not marked zeroed");
    if (s->zeroed) CHECK(hg_is_zero((void *)s->start, npages * PG));
    hg_region_free(s);
    stats(&st2, "trim: freed again");
    size_t pad = 256 * HG_KiB + 100;
    brk_before = sbrk(0);
    released = hg_region_trim(pad);
    brk_after = sbrk(0);
    stats(&st3, "trim: after hg_region_trim(pad)");
    CHECK(released > 0);
    CHECK_EQU(st3.top_free, hg_align_up(pad, PG));
    CHECK(st3.brk_bytes < st2.brk_bytes);
    CHECK_EQU((size_t)(brk_before - brk_after), st2.brk_bytes - st3.brk_bytes);
  }

  /* automatic trim: with the default thresholds the free top is cut to
   * max(top_pad, heap_step) once it exceeds trim_threshold plus that -- at once when
   * memory is returned at once (decay 0), else only when the top has been idle for the
   * decay time (a free followed by a new allocation must not move the break) */
  hg_opt.trim_threshold = saved_opt.trim_threshold;
  size_t keep = hg_opt.top_pad > hg_opt.heap_step ? hg_opt.top_pad : hg_opt.heap_step;
  s = alloc_span(npages, 1, HG_SPAN_MEDIUM);
  if (span_ok(s, npages, 1, HG_SPAN_MEDIUM) && s->in_brk) {
    hg_opt.decay_ms = 60000;
    stats(&st1, "lazy trim: allocated");
    hg_region_free(s);
    stats(&st2, "lazy trim: freed");
    CHECKF(st2.brk_bytes == st1.brk_bytes, "a free of %zu bytes at the top moved the break "
           "before the decay time", npages * PG);
    hg_opt.decay_ms = 0;   /* now idle long enough: the next region call cuts it */
    struct hg_span *t = alloc_span(1, 1, HG_SPAN_MEDIUM);
    if (span_ok(t, 1, 1, HG_SPAN_MEDIUM)) hg_region_free(t);
    stats(&st3, "lazy trim: after the decay");
    CHECKF(st3.brk_bytes < st1.brk_bytes, "the idle top (%zu bytes) was never cut", npages * PG);
    if (st3.top_free != 0) CHECK_EQU(st3.top_free, hg_align_up(keep, PG));
  }
  s = alloc_span(npages, 1, HG_SPAN_MEDIUM);
  if (span_ok(s, npages, 1, HG_SPAN_MEDIUM) && s->in_brk) {
    hg_opt.decay_ms = 0;
    stats(&st1, "auto trim: allocated");
    hg_region_free(s);
    stats(&st2, "auto trim: freed");
    CHECKF(st2.brk_bytes < st1.brk_bytes, "freeing %zu bytes at the top did not shrink the heap",
           npages * PG);
    if (st2.top_free != 0)
      CHECK_EQU(st2.top_free, hg_align_up(keep, PG));
  }
  /* a threshold near SIZE_MAX (HEAPGUARD_TRIM_THRESHOLD takes any size) means never:
   * threshold + kept pages must not wrap round to a small sum that cuts at every free */
  hg_opt.trim_threshold = SIZE_MAX - PG;
  s = alloc_span(npages, 1, HG_SPAN_MEDIUM);
  if (span_ok(s, npages, 1, HG_SPAN_MEDIUM) && s->in_brk) {
    hg_opt.decay_ms = 0;
    stats(&st1, "huge threshold: allocated");
    hg_region_free(s);
    stats(&st2, "huge threshold: freed");
    CHECKF(st2.brk_bytes == st1.brk_bytes, "a trim threshold of SIZE_MAX - 4096 cut the top "
           "(%zu -> %zu bytes)", st1.brk_bytes, st2.brk_bytes);
  }
  hg_opt.decay_ms = saved_opt.decay_ms;
  hg_opt.trim_threshold = SIZE_MAX / 4;
}

/* ---- many spans --------------------------------------------------------------------- */

#define NSPANS 200
static struct hg_span *spans[NSPANS];
static size_t span_pages[NSPANS];

static void test_spans(void) {
  struct hg_region_stats st0, pre, st1, st2;
  stats(&pre, "spans: start");
  /* grow the region well beyond what the test needs, so nothing below grows it */
  struct hg_span *big = alloc_span(32768, 1, HG_SPAN_MEDIUM);   /* 128 MiB */
  if (!CHECK(big != NULL)) return;
  hg_region_free(big);
  stats(&st0, "spans: after pre-growing");

  hg_rng rng = { 12345 };
  size_t small_pages = 0, medium_pages = 0, nmedium = 0;
  for (int i = 0; i < NSPANS; i++) {
    uint64_t r = hg_range(&rng, 0, 99);
    size_t npages = r < 70 ? hg_range(&rng, 1, 16) : r < 90 ? hg_range(&rng, 17, 128)
                                                           : hg_range(&rng, 129, 512);
    uint64_t a = hg_range(&rng, 0, 9);
    size_t align = a < 8 ? 1 : a == 8 ? 16 : 512;
    int kind = i % 3 == 0 ? HG_SPAN_SMALL : HG_SPAN_MEDIUM;
    struct hg_span *s = alloc_span(npages, align, kind);
    spans[i] = s;
    span_pages[i] = npages;
    if (!span_ok(s, npages, align, kind)) continue;
    if (s->zeroed)
      CHECKF(hg_is_zero((void *)s->start, npages * PG), "span %d is marked zeroed but is not", i);
    if (kind == HG_SPAN_SMALL) small_pages += npages;
    else { medium_pages += npages; nmedium++; }
    hg_fill((void *)s->start, npages * PG, (uint64_t)i);
  }
  /* explicit alignments */
  static const size_t al[][2] = { { 1, 16 }, { 5, 16 }, { 16, 16 }, { 17, 16 },
                                  { 1, 512 }, { 600, 512 }, { 3, 2 }, { 7, 64 } };
  struct hg_span *aligned[8];
  for (int i = 0; i < 8; i++) {
    aligned[i] = alloc_span(al[i][0], al[i][1], HG_SPAN_MEDIUM);
    if (span_ok(aligned[i], al[i][0], al[i][1], HG_SPAN_MEDIUM)) {
      medium_pages += al[i][0];
      nmedium++;
      memset((void *)aligned[i]->start, 0xa5, al[i][0] * PG);
    }
  }
  stats(&st1, "spans: all allocated");
  CHECKF(st1.brk_bytes == st0.brk_bytes && st1.mmap_region_bytes == st0.mmap_region_bytes,
         "the region grew although a 128 MiB run was free");
  CHECK_EQU(st1.small_span_bytes, st0.small_span_bytes + small_pages * PG);
  CHECK_EQU(st1.medium_bytes, st0.medium_bytes + medium_pages * PG);
  CHECK_EQU(st1.medium_count, st0.medium_count + nmedium);
  CHECK_EQU(st1.free_bytes, st0.free_bytes - (small_pages + medium_pages) * PG);

  /* no two live spans overlap (sorted by start), and every pattern survived */
  static struct hg_span *sorted[NSPANS + 8];
  int n = 0;
  for (int i = 0; i < NSPANS; i++) if (spans[i]) sorted[n++] = spans[i];
  for (int i = 0; i < 8; i++) if (aligned[i]) sorted[n++] = aligned[i];
  for (int i = 1; i < n; i++)   /* insertion sort: no malloc */
    for (int j = i; j > 0 && sorted[j - 1]->start > sorted[j]->start; j--) {
      struct hg_span *t = sorted[j]; sorted[j] = sorted[j - 1]; sorted[j - 1] = t;
    }
  for (int i = 1; i < n; i++)
    CHECKF(sorted[i - 1]->start + sorted[i - 1]->npages * PG <= sorted[i]->start,
           "spans [%#lx, +%zu pages) and [%#lx, ...) overlap", (unsigned long)sorted[i - 1]->start,
           sorted[i - 1]->npages, (unsigned long)sorted[i]->start);
  for (int i = 0; i < NSPANS; i++)
    if (spans[i]) CHECK_PATTERN((void *)spans[i]->start, span_pages[i] * PG, (uint64_t)i);

  /* free in random order: medium ones through hg_region_free_medium, like free() */
  static int order[NSPANS];
  for (int i = 0; i < NSPANS; i++) order[i] = i;
  for (int i = NSPANS - 1; i > 0; i--) {
    int j = (int)hg_range(&rng, 0, (uint64_t)i), t = order[i];
    order[i] = order[j]; order[j] = t;
  }
  for (int k = 0; k < NSPANS; k++) {
    struct hg_span *s = spans[order[k]];
    if (!s) continue;
    uintptr_t start = s->start;
    size_t np = s->npages;
    if (s->kind == HG_SPAN_MEDIUM) {
      CHECK(hg_region_free_medium(s, (void *)start));
      CHECKF(!hg_region_free_medium(s, (void *)start), "a freed medium span was freed again");
    } else {
      hg_region_free(s);
    }
    CHECKF(page_free(start) && page_free(start + (np - 1) * PG) && page_free(start + np / 2 * PG),
           "pages of a freed span are not free in the pagemap");
  }
  for (int i = 0; i < 8; i++) if (aligned[i]) hg_region_free(aligned[i]);
  stats(&st2, "spans: all freed");
  CHECK_EQU(st2.brk_bytes, st0.brk_bytes);
  CHECK_EQU(st2.small_span_bytes, st0.small_span_bytes);
  CHECK_EQU(st2.medium_bytes, st0.medium_bytes);
  CHECK_EQU(st2.medium_count, st0.medium_count);
  CHECK_EQU(st2.free_bytes, st0.free_bytes);
  CHECKF(st2.free_runs == st0.free_runs, "free runs did not coalesce: %zu before, %zu after",
         st0.free_runs, st2.free_runs);
  CHECKF(st2.largest_free == st0.largest_free, "largest free run %zu before, %zu after",
         st0.largest_free, st2.largest_free);
  CHECK(st2.largest_free >= 32768 * PG);
}

/* ---- grow and shrink in place --------------------------------------------------------- */

#define NPROBE 256
static struct hg_span *probe[NPROBE];

static void test_grow_shrink(void) {
  struct hg_region_stats st0, st1;
  /* three consecutive 2-page spans X, Y, Z */
  struct hg_span *x = NULL, *y = NULL, *z = NULL;
  int n = 0;
  for (; n < NPROBE && !z; n++) {
    probe[n] = alloc_span(2, 1, HG_SPAN_MEDIUM);
    if (!CHECK(probe[n] != NULL)) break;
    if (n >= 2 && probe[n - 2]->start + 2 * PG == probe[n - 1]->start &&
        probe[n - 1]->start + 2 * PG == probe[n]->start) {
      x = probe[n - 2]; y = probe[n - 1]; z = probe[n];
    }
  }
  if (!CHECKF(z != NULL, "no three consecutive spans in %d allocations", n)) return;
  uintptr_t ystart = y->start;
  CHECK(hg_region_free_medium(y, (void *)ystart));
  y = NULL;
  struct hg_span *run = hg_pagemap_get((void *)ystart);
  if (CHECK(run && run->kind == HG_SPAN_FREE)) {
    CHECK_EQU(run->start, ystart);
    CHECK_EQU(run->npages, 2);   /* between two live spans: nothing to merge with */
  }
  hg_fill((void *)x->start, 2 * PG, 77);

  stats(&st0, "grow: before");
  CHECKF(!hg_region_grow(x, 5), "grew into a 2-page run by 3 pages");
  stats(&st1, "grow: after a failed grow");
  CHECK_EQU(x->npages, 2);
  CHECK(hg_pagemap_get((void *)(x->start + 2 * PG)) == run);
  CHECK(hg_pagemap_get((void *)(x->start + 4 * PG)) == z);
  CHECK(memcmp(&st0, &st1, sizeof st0) == 0);

  CHECKF(hg_region_grow(x, 4), "could not grow into the exactly fitting free run");
  stats(&st1, "grow: after growing by 2");
  CHECK_EQU(x->npages, 4);
  span_ok(x, 4, 1, HG_SPAN_MEDIUM);
  CHECK(hg_pagemap_get((void *)z->start) == z);
  CHECK_EQU(st1.medium_bytes, st0.medium_bytes + 2 * PG);
  CHECK_EQU(st1.free_bytes, st0.free_bytes - 2 * PG);
  CHECK_EQU(st1.free_runs, st0.free_runs - 1);
  CHECK_EQU(st1.medium_count, st0.medium_count);
  CHECK_PATTERN((void *)x->start, 2 * PG, 77);
  memset((void *)(x->start + 2 * PG), 0x11, 2 * PG);
  CHECK(hg_pagemap_get((void *)z->start) == z && z->npages == 2);

  CHECKF(!hg_region_grow(x, 5), "grew over a live span");
  CHECK_EQU(x->npages, 4);
  CHECK(hg_pagemap_get((void *)z->start) == z);

  /* shrink: the pages cut become free (exactly), then grow back into them */
  stats(&st0, "shrink: before");
  hg_region_shrink(x, 1);
  stats(&st1, "shrink: after");
  CHECK_EQU(x->npages, 1);
  CHECK_EQU(st1.free_bytes, st0.free_bytes + 3 * PG);
  CHECK_EQU(st1.medium_bytes, st0.medium_bytes - 3 * PG);
  CHECK_EQU(st1.free_runs, st0.free_runs + 1);
  CHECK(hg_pagemap_get((void *)x->start) == x);
  CHECK(page_free(x->start + PG) && page_free(x->start + 2 * PG) && page_free(x->start + 3 * PG));
  CHECK(hg_pagemap_get((void *)z->start) == z);
  CHECK_PATTERN((void *)x->start, PG, 77);
  CHECK(hg_region_grow(x, 4));
  span_ok(x, 4, 1, HG_SPAN_MEDIUM);
  CHECK_PATTERN((void *)x->start, PG, 77);

  /* shrink merges with a free run after it: free Z, shrink X, one run */
  uintptr_t zstart = z->start;
  struct hg_region_stats st2;
  stats(&st2, "shrink-merge: before freeing Z");
  CHECK(hg_region_free_medium(z, (void *)zstart));
  z = NULL;
  stats(&st0, "shrink-merge: Z freed");
  hg_region_shrink(x, 2);
  stats(&st1, "shrink-merge: X shrunk");
  CHECK_EQU(st1.free_bytes, st0.free_bytes + 2 * PG);
  CHECK_EQU(st1.free_runs, st0.free_runs);   /* merged into Z's run */
  run = hg_pagemap_get((void *)(x->start + 2 * PG));
  if (CHECK(run && run->kind == HG_SPAN_FREE && run != &hg_pagemap_free_page))
    CHECK(run->start == x->start + 2 * PG && run->npages >= 4);

  /* a big span, shrunk to one page and grown back to its full length */
  struct hg_span *b = alloc_span(300, 1, HG_SPAN_MEDIUM);
  if (span_ok(b, 300, 1, HG_SPAN_MEDIUM)) {
    hg_fill((void *)b->start, PG, 5);
    stats(&st0, "big shrink: before");
    hg_region_shrink(b, 1);
    stats(&st1, "big shrink: after");
    CHECK_EQU(st1.free_bytes, st0.free_bytes + 299 * PG);
    CHECK(hg_region_grow(b, 300));
    span_ok(b, 300, 1, HG_SPAN_MEDIUM);
    CHECK_PATTERN((void *)b->start, PG, 5);
    memset((void *)b->start, 1, 300 * PG);
    CHECK(hg_region_free_medium(b, (void *)b->start));
  }

  for (int i = 0; i < n; i++)
    if (probe[i] && probe[i]->kind == HG_SPAN_MEDIUM && probe[i]->start != ystart &&
        probe[i]->start != zstart)
      CHECK(hg_region_free_medium(probe[i], (void *)probe[i]->start));
}

/* ---- large blocks ---------------------------------------------------------------------- */

static void test_large(void) {
  struct hg_region_stats st0, st1;
  stats(&st0, "large: start");
  size_t size = HG_MiB + 123;
  struct hg_span *s = hg_large_alloc(size, HG_PAGE);
  if (!CHECK(s != NULL)) return;
  size_t pages = (size + PG - 1) / PG;
  CHECK_EQ(s->kind, HG_SPAN_LARGE);
  CHECK_ALIGNED(s->base, PG);
  CHECK((uintptr_t)s->base == s->start);
  CHECK_EQU(s->npages, pages);
  CHECK_EQU(s->size, size);
  CHECK(s->zeroed);
  CHECK(hg_is_zero(s->base, pages * PG));
  CHECK(hg_pagemap_get(s->base) == s);
  CHECK(hg_pagemap_get(s->base + PG - 1) == s);
  CHECK(hg_pagemap_get(s->base + PG) == NULL);   /* registered at its first page only */
  stats(&st1, "large: allocated");
  CHECK_EQU(st1.large_count, st0.large_count + 1);
  CHECK_EQU(st1.large_bytes, st0.large_bytes + pages * PG);
  CHECK(st1.large_max_count >= st1.large_count && st1.large_max_bytes >= st1.large_bytes);
  CHECK(memcmp(&st0, &st1, offsetof(struct hg_region_stats, large_bytes)) == 0);
  hg_fill(s->base, pages * PG, 42);

  /* grow: contents kept, the pagemap follows a move */
  char *old = s->base;
  size_t big = 4 * HG_MiB + 5, bigpages = (big + PG - 1) / PG;
  if (CHECK(hg_large_resize(s, big))) {
    CHECK_EQU(s->npages, bigpages);
    CHECK_EQU(s->size, big);
    CHECK((uintptr_t)s->base == s->start);
    CHECK(hg_pagemap_get(s->base) == s);
    if (s->base != old) CHECK(hg_pagemap_get(old) == NULL);
    CHECK_PATTERN(s->base, pages * PG, 42);
    CHECK(hg_is_zero(s->base + pages * PG, (bigpages - pages) * PG));
    memset(s->base + pages * PG, 0x33, (bigpages - pages) * PG);
    stats(&st1, "large: grown");
    CHECK_EQU(st1.large_count, st0.large_count + 1);
    CHECK_EQU(st1.large_bytes, st0.large_bytes + bigpages * PG);
    CHECK(st1.large_max_bytes >= st1.large_bytes);
  }
  /* shrink */
  size_t half = 2 * HG_MiB;
  if (CHECK(hg_large_resize(s, half))) {
    CHECK_EQU(s->npages, half / PG);
    CHECK_EQU(s->size, half);
    CHECK(hg_pagemap_get(s->base) == s);
    CHECK_PATTERN(s->base, pages * PG, 42);
    stats(&st1, "large: shrunk");
    CHECK_EQU(st1.large_bytes, st0.large_bytes + half);
  }
  /* same pages, other size: only the size changes */
  old = s->base;
  if (CHECK(hg_large_resize(s, half - 100))) {
    CHECK(s->base == old);
    CHECK_EQU(s->size, half - 100);
    CHECK_EQU(s->npages, half / PG);
  }

  /* aligned large blocks */
  struct hg_span *a1 = hg_large_alloc(300000, HG_MiB), *a2 = hg_large_alloc(5000, 2 * HG_MiB);
  if (CHECK(a1 != NULL)) {
    CHECK_ALIGNED(a1->base, HG_MiB);
    CHECK(hg_pagemap_get(a1->base) == a1);
    memset(a1->base, 1, a1->npages * PG);
  }
  if (CHECK(a2 != NULL)) {
    CHECK_ALIGNED(a2->base, 2 * HG_MiB);
    CHECK_EQU(a2->npages, 2);
    CHECK(hg_pagemap_get(a2->base) == a2);
    memset(a2->base, 2, a2->npages * PG);
  }
  stats(&st1, "large: three live");
  CHECK_EQU(st1.large_count, st0.large_count + 3);
  CHECK_EQU(st1.large_bytes, st0.large_bytes + half + (a1 ? a1->npages * PG : 0) + (a2 ? 2 * PG : 0));
  CHECK_EQU(hg_large_live(), st1.large_count);

  char *b0 = s->base, *b1 = a1 ? a1->base : NULL, *b2 = a2 ? a2->base : NULL;
  hg_large_free(s);
  if (a1) hg_large_free(a1);
  if (a2) hg_large_free(a2);
  stats(&st1, "large: freed");
  CHECK_EQU(st1.large_count, st0.large_count);
  CHECK_EQU(st1.large_bytes, st0.large_bytes);
  CHECK(hg_pagemap_get(b0) == NULL);
  CHECK(hg_large_recently_freed(b0) != 0);
  if (b1) CHECK(hg_pagemap_get(b1) == NULL);
  if (b2) CHECK(hg_pagemap_get(b2) == NULL);
  CHECK(hg_large_recently_freed((char *)b0 + PG) == 0);

  /* the dynamic mmap threshold (glibc's): freeing a mapped block of up to 32 MiB raises
   * the threshold above it and the trim threshold to twice that, unless fixed */
  struct hg_options keep = hg_opt;
  hg_opt.mmap_threshold_fixed = false;
  hg_opt.mmap_threshold = 128 * HG_KiB;
  s = hg_large_alloc(HG_MiB, HG_PAGE);
  if (CHECK(s)) {
    hg_large_free(s);
    CHECK_EQU(hg_opt.mmap_threshold, HG_MiB + 1);
    CHECK_EQU(hg_opt.trim_threshold, 2 * (HG_MiB + 1));
  }
  s = hg_large_alloc(40 * HG_MiB, HG_PAGE);   /* above 32 MiB: no change */
  if (CHECK(s)) {
    hg_large_free(s);
    CHECK_EQU(hg_opt.mmap_threshold, HG_MiB + 1);
  }
  hg_opt.mmap_threshold_fixed = true;
  hg_opt.mmap_threshold = 128 * HG_KiB;
  s = hg_large_alloc(HG_MiB, HG_PAGE);
  if (CHECK(s)) {
    hg_large_free(s);
    CHECK_EQU(hg_opt.mmap_threshold, 128 * HG_KiB);
  }
  hg_opt = keep;
}

/* ---- adjacent mmap'd extents ----------------------------------------------------------- */

#define REGION_PAGES 1024   /* region.c's REGION_MIN: 4 MiB */

static void test_extents(void) {
  hg_opt.use_brk = false;
  /* 3 MiB spans: each needs a new 4 MiB region; find two regions back to back */
  struct hg_span *sp[8] = { 0 };
  int k, found = -1;
  for (k = 0; k < 8 && found < 0; k++) {
    sp[k] = alloc_span(768, 1, HG_SPAN_MEDIUM);
    if (!span_ok(sp[k], 768, 1, HG_SPAN_MEDIUM)) break;
    CHECK(!sp[k]->in_brk);
    if (k > 0 && sp[k]->start + REGION_PAGES * PG == sp[k - 1]->start) found = k;
  }
  if (found < 0) {
    fprintf(stderr, "note: no two adjacent mmap'd regions; extent test skipped\n");
  } else {
    /* upper region U = [A, A + 4 MiB) holds sp[found - 1] at A, lower region L ends at A
     * with 1 MiB free.  Freeing the span at A merges L's free tail with U's pages. */
    struct hg_span *upper = sp[found - 1];
    uintptr_t a = upper->start;
    hg_region_free(upper);
    sp[found - 1] = NULL;
    struct hg_span *run = hg_pagemap_get((void *)a);
    CHECK(run && run->kind == HG_SPAN_FREE);
    /* a medium span straddling A (only the merged run is long enough for it) */
    struct hg_span *x = alloc_span(257, 1, HG_SPAN_MEDIUM);
    struct hg_span *sm = NULL;
    if (span_ok(x, 257, 1, HG_SPAN_MEDIUM)) {
      fprintf(stderr, "extents: lower region ends at %#lx; span [%#lx, %#lx)\n", (unsigned long)a,
              (unsigned long)x->start, (unsigned long)(x->start + 257 * PG));
      /* a SMALL span after it, with 10 blocks of 64 bytes in use */
      struct hg_region_stats before, after;
      stats(&before, "extents: before the small span");
      sm = alloc_span(300, 1, HG_SPAN_SMALL);
      if (span_ok(sm, 300, 1, HG_SPAN_SMALL)) {
        sm->base = (char *)sm->start;
        sm->bsize = 64;
        hg_span_set_used(sm, 10);
        stats(&after, "extents: small span with 640 bytes in use");
        CHECKF(after.small_in_use == before.small_in_use + 640,
               "small_in_use %zu, expected %zu: the SMALL span at %#lx (after a span straddling "
               "two adjacent mmap'd extents at %#lx) is not counted",
               after.small_in_use, before.small_in_use + 640, (unsigned long)sm->start,
               (unsigned long)a);
        hg_span_set_used(sm, 0);
        sm->bsize = 0;
        hg_region_free(sm);
      }
      hg_region_free(x);
    }
  }
  for (int i = 0; i < k && i < 8; i++)
    if (sp[i]) hg_region_free(sp[i]);
  hg_opt.use_brk = saved_opt.use_brk;
}

int main(void) {
  hg_init();
  saved_opt = hg_opt;
  hg_opt.trim_threshold = SIZE_MAX / 4;   /* no automatic trim, except where tested */
  hg_opt.mmap_threshold_fixed = true;     /* freeing large blocks changes no option */
  test_extents();   /* first: the brk heap is still untouched */
  test_trim();
  test_spans();
  test_grow_shrink();
  test_large();
  struct hg_region_stats st;
  stats(&st, "end");
  hg_opt = saved_opt;
  return check_finish();
}
