/* region.c — extents, free page runs, purge and trim (see region.h); large blocks are
 * in region_large.c. */
#include "region.h"

#include <time.h>

#include "meta.h"
#include "options.h"
#include "os.h"
#include "pagemap.h"
#include "region_internal.h"
#include "span.h"
#include "trace.h"

hg_lock_t hg_region_lock = HG_LOCK_INIT;

/* ---- free runs in bins ----------------------------------------------------------
 * Bins 0..63 hold runs of exactly 1..64 pages; bin 64+k holds runs of [2^(k+6)+1 ..
 * 2^(k+7)] pages (bin 64: 65..127, 65: 128..255, ...).  bin_mask has a bit per
 * non-empty bin, so the first fitting bin is found with one count-trailing-zeros. */
#define NBINS 96
static struct hg_span *bins[NBINS];
static uint64_t bin_mask[2];

/* Free runs with possibly resident pages, oldest first: the purge order. */
static struct hg_span *dirty_head, *dirty_tail;

static size_t free_pages, dirty_pages, free_runs;

/* Extents: address ranges the region got from the kernel (never returned, except the
 * top of the brk heap by trim). */
struct extent {
  uintptr_t start, end;
  bool in_brk;
  struct extent *next;
};
static struct extent *extents;
static struct extent *brk_extent;     /* the extent that ends at our program break */
static size_t brk_bytes, mmap_region_bytes;
static size_t small_span_pages, medium_pages, medium_count, medium_total;


static unsigned bin_of(size_t npages) {
  if (npages <= 64) return (unsigned)npages - 1;
  unsigned lg = 63 - (unsigned)__builtin_clzll((unsigned long long)(npages - 1));  /* >= 6 */
  unsigned b = 64 + (lg - 6);
  return b < NBINS ? b : NBINS - 1;
}

static void bin_insert(struct hg_span *r) {
  unsigned b = bin_of(r->npages);
  r->prev = NULL;
  r->next = bins[b];
  if (r->next) r->next->prev = r;
  bins[b] = r;
  bin_mask[b >> 6] |= (uint64_t)1 << (b & 63);
}

static void bin_remove(struct hg_span *r) {
  unsigned b = bin_of(r->npages);
  if (r->prev) r->prev->next = r->next; else bins[b] = r->next;
  if (r->next) r->next->prev = r->prev;
  if (!bins[b]) bin_mask[b >> 6] &= ~((uint64_t)1 << (b & 63));
  r->next = r->prev = NULL;
}

static uint64_t now_ms(void);

static void dirty_insert(struct hg_span *r) {
  r->freed_ms = now_ms();   /* a run merged with a newly freed neighbour is new again */
  r->dirty_next = NULL;
  r->dirty_prev = dirty_tail;
  if (dirty_tail) dirty_tail->dirty_next = r; else dirty_head = r;
  dirty_tail = r;
}

static void dirty_remove(struct hg_span *r) {
  if (r->dirty_prev) r->dirty_prev->dirty_next = r->dirty_next; else dirty_head = r->dirty_next;
  if (r->dirty_next) r->dirty_next->dirty_prev = r->dirty_prev; else dirty_tail = r->dirty_prev;
  r->dirty_next = r->dirty_prev = NULL;
}

static void run_add(struct hg_span *r) {
  HG_ASSERT(r->kind == HG_SPAN_FREE && r->npages > 0 && r->ndirty <= r->npages);
  bin_insert(r);
  if (r->ndirty) dirty_insert(r);
  free_pages += r->npages;
  dirty_pages += r->ndirty;
  free_runs++;
}

static void run_remove(struct hg_span *r) {
  bin_remove(r);
  if (r->ndirty) dirty_remove(r);
  free_pages -= r->npages;
  dirty_pages -= r->ndirty;
  free_runs--;
}

static uintptr_t run_end(const struct hg_span *r) { return r->start + hg_span_bytes(r); }

static void set_bounds(struct hg_span *r) {
  hg_pagemap_set(r->start, 1, r);
  hg_pagemap_set(run_end(r) - HG_PAGE, 1, r);
}

/* A free run adjacent to [start, end) on the given side, or NULL. */
static struct hg_span *free_neighbour(uintptr_t page, bool in_brk) {
  struct hg_span *n = hg_pagemap_get((void *)page);
  if (!n || n == &hg_pagemap_free_page || n->kind != HG_SPAN_FREE || n->in_brk != in_brk) return NULL;
  return n;
}

/* Add run r (kind FREE, its pages marked hg_pagemap_free_page) to the bins, merged
 * with free neighbours; returns the merged run. */
static struct hg_span *free_insert(struct hg_span *r) {
  struct hg_span *left = r->start >= HG_PAGE ? free_neighbour(r->start - HG_PAGE, r->in_brk) : NULL;
  if (left && run_end(left) == r->start) {
    run_remove(left);
    hg_pagemap_set(run_end(left) - HG_PAGE, 1, &hg_pagemap_free_page);
    r->start = left->start;
    r->npages += left->npages;
    r->ndirty += left->ndirty;
    hg_meta_span_delete(left);
  }
  struct hg_span *right = free_neighbour(run_end(r), r->in_brk);
  if (right && right->start == run_end(r)) {
    run_remove(right);
    hg_pagemap_set(right->start, 1, &hg_pagemap_free_page);
    r->npages += right->npages;
    r->ndirty += right->ndirty;
    hg_meta_span_delete(right);
  }
  set_bounds(r);
  run_add(r);
  return r;
}

/* The best fit among the runs of bin b with at least n pages (the shortest, the
 * lowest address among equals), or NULL. */
static struct hg_span *best_in_bin(unsigned b, size_t n) {
  struct hg_span *best = NULL;
  for (struct hg_span *r = bins[b]; r; r = r->next)
    if (r->npages >= n && (!best || r->npages < best->npages ||
                           (r->npages == best->npages && r->start < best->start)))
      best = r;
  return best;
}

/* Runs find_run looks at for a span of up to 64 pages, at most. */
#define LOW_SCAN 32

/* A run of at least n pages.  Up to 64 pages (every small span, medium blocks up to
 * 256 KiB): the lowest-addressed fitting run among the first LOW_SCAN runs of the
 * non-empty bins from n pages up, the brk heap's free top only when no other fits (it
 * is trimmed by moving the break), so spans gather at the bottom of the heap and the
 * runs above them stay free and whole (and, once purged or never touched, not
 * resident); taking the smallest fitting run instead spread spans over every hole,
 * the free pages between them all dirty.  Peak RSS (ASLR off): wl_large 61880 ->
 * 59960 KiB, wl_larson 7648 -> 7264 (median of 5), python3 33252 -> 32280, wl_realloc
 * 11304 -> 11432, the others within 0.2%.  Larger: the first
 * non-empty exact bin, or the best fit in the first ranged bin that has one.  Best fit
 * keeps big runs whole, which a program growing blocks by doubling needs (wl_realloc). */
static struct hg_span *find_run(size_t n) {
  unsigned b = bin_of(n);
  if (b < 64) {
    struct hg_span *low = NULL, *top = NULL;
    uintptr_t top_end = brk_extent ? brk_extent->end : 0;
    unsigned seen = 0;
    for (unsigned w = 0; w < 2 && seen < LOW_SCAN; w++) {
      uint64_t m = bin_mask[w] & (w == 0 ? ~(uint64_t)0 << b : ~(uint64_t)0);
      while (m && seen < LOW_SCAN) {
        unsigned f = (w << 6) + (unsigned)__builtin_ctzll(m);
        m &= m - 1;
        for (struct hg_span *r = bins[f]; r && seen < LOW_SCAN; r = r->next, seen++) {
          if (r->npages < n) continue;
          if (run_end(r) == top_end) top = r;   /* the heap's free top: last resort */
          else if (!low || r->start < low->start) low = r;
        }
      }
    }
    return low ? low : top;
  }
  struct hg_span *r = best_in_bin(b, n);   /* b >= 64: a ranged bin */
  if (r) return r;
  b++;
  for (unsigned w = b >> 6; w < 2 && b < NBINS; w++, b = w << 6) {
    uint64_t m = bin_mask[w] & (~(uint64_t)0 << (b & 63));
    if (m) {
      unsigned f = (w << 6) + (unsigned)__builtin_ctzll(m);
      return f >= 64 ? best_in_bin(f, n) : bins[f];
    }
  }
  return NULL;
}

/* ---- growing: brk first, mmap'd regions when the break cannot move ---------------- */

static struct extent *extent_new(uintptr_t start, uintptr_t end, bool in_brk) {
  struct extent *e = hg_meta_alloc(sizeof *e);
  if (!e) return NULL;
  e->start = start;
  e->end = end;
  e->in_brk = in_brk;
  e->next = extents;
  extents = e;
  return e;
}

/* Check and guard modes (hg_os_huge_on): the region's new memory is asked for in
 * huge pages (hg_os_huge_pages), and the break ends on a huge page's boundary, so that
 * each growth is whole huge pages: a partial one at the top would be faulted in small
 * pages before the next growth completed it.  (Cold: the default mode's text is tight.) */
static HG_COLD size_t to_huge_page(uintptr_t cur, size_t want) {
  return hg_align_up(cur + want, HG_HUGE_PAGE) - cur;
}

/* New pages [start, end) become a free run (clean: the kernel's pages read as zero). */
static bool add_fresh(uintptr_t start, uintptr_t end, bool in_brk) {
  size_t npages = (end - start) >> HG_PAGE_SHIFT;
  if (hg_unlikely(hg_os_huge_on)) hg_os_huge_pages((void *)start, end - start);
  struct hg_span *r = hg_meta_span_new();
  if (!r || !hg_pagemap_reserve(start, npages)) {
    if (r) hg_meta_span_delete(r);
    return false;
  }
  r->kind = HG_SPAN_FREE;
  r->start = start;
  r->npages = npages;
  r->in_brk = in_brk;
  hg_pagemap_set(start, npages, &hg_pagemap_free_page);
  free_insert(r);
  return true;
}

static bool grow_brk(size_t need) {
  uintptr_t cur = (uintptr_t)hg_os_brk_current();
  if (!cur) return false;
  /* A free run at the top of the heap will merge with the new pages: only the rest is
   * needed from the kernel. */
  if (brk_extent && brk_extent->end == cur && brk_extent->end > brk_extent->start) {
    struct hg_span *top = free_neighbour(brk_extent->end - HG_PAGE, true);
    if (top && run_end(top) == cur && hg_span_bytes(top) < need) need -= hg_span_bytes(top);
  }
  size_t slack = hg_align_up(cur, HG_PAGE) - cur;
  /* glibc grows by the request plus M_TOP_PAD; heapguard by the request plus the step,
   * so the next requests (and a shrink-then-grow cycle) need no system call. */
  size_t want = need + hg_align_up(hg_opt.heap_step, HG_PAGE) + slack;
  if (hg_unlikely(hg_os_huge_on)) want = to_huge_page(cur, want);
  hg_trace_why(HG_WHY_HEAP_GROW, need, 0);
  void *p = hg_os_brk_grow(want);
  if (!p && want > need + slack) {
    want = need + slack;
    hg_trace_why(HG_WHY_HEAP_GROW, need, 1);
    p = hg_os_brk_grow(want);
  }
  if (!p) return false;
  if ((uintptr_t)p != cur) slack = hg_align_up((uintptr_t)p, HG_PAGE) - (uintptr_t)p;  /* raced */
  uintptr_t start = (uintptr_t)p + slack, end = (uintptr_t)p + want;
  end &= ~(uintptr_t)(HG_PAGE - 1);
  if (end <= start || !hg_pagemap_reserve(start, (end - start) >> HG_PAGE_SHIFT)) {
    hg_trace_why(HG_WHY_HEAP_UNDO, 0, 0);
    hg_os_brk_shrink(want);
    return false;
  }
  if (brk_extent && brk_extent->end == start) {
    brk_extent->end = end;
  } else {
    struct extent *e = extent_new(start, end, true);
    if (!e) { hg_trace_why(HG_WHY_HEAP_UNDO, 0, 0); hg_os_brk_shrink(want); return false; }
    brk_extent = e;
  }
  brk_bytes += end - start;
  return add_fresh(start, end, true);
}

#define REGION_MIN (4 * HG_MiB)

static bool grow_mmap(size_t need) {
  size_t size = need > REGION_MIN ? need : REGION_MIN;
  hg_trace_why(HG_WHY_REGION_MAP, need, 0);
  char *p = hg_os_map(size);
  if (!p && size > need) {
    size = need;
    hg_trace_why(HG_WHY_REGION_MAP, need, 0);
    p = hg_os_map(size);
  }
  if (!p) return false;
  /* The kernel often places a new region right next to an earlier one.  Their free
   * runs will merge (and spans may straddle the seam), so the two become one extent:
   * an extent must be walkable span by span from its start. */
  struct extent *e;
  for (e = extents; e; e = e->next) {
    if (e->in_brk) continue;
    if (e->end == (uintptr_t)p) { e->end += size; break; }
    if (e->start == (uintptr_t)p + size) { e->start = (uintptr_t)p; break; }
  }
  if (!e && !extent_new((uintptr_t)p, (uintptr_t)p + size, false)) {
    hg_trace_why(HG_WHY_REGION_UNDO, 0, 0);
    hg_os_unmap(p, size);
    return false;
  }
  mmap_region_bytes += size;
  return add_fresh((uintptr_t)p, (uintptr_t)p + size, false);
}

static bool grow(size_t npages) {
  size_t need = npages << HG_PAGE_SHIFT;
  if (hg_opt.use_brk && grow_brk(need)) return true;
  return grow_mmap(need);
}

/* ---- giving memory back ----------------------------------------------------------- */

/* Until this time (now_ms) no run is purged: the kernel refused the last purge (the
 * program locked its memory: mlockall), so the pages stay as they are, dirty, and are
 * asked about again once a decay time later (after a munlockall they go back then). */
static uint64_t purge_refused_until;

/* False if the kernel kept the pages (locked): r stays dirty, and purging pauses. */
static bool purge_run(struct hg_span *r) {
  hg_trace_why(HG_WHY_PURGE, 0, 0);
  if (!hg_os_decommit((void *)r->start, hg_span_bytes(r))) {
    purge_refused_until = now_ms() + hg_opt.decay_ms + 1;
    return false;
  }
  dirty_remove(r);
  dirty_pages -= r->ndirty;
  r->ndirty = 0;
  return true;
}

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Return idle free memory: runs idle for longer than the decay time, oldest first, and
 * the oldest beyond the resident cap whatever their age.  Memory freed and reused
 * within the decay time (a program's steady state) is never given back and faulted in
 * again; memory left free longer is, once per idle period (so a run of one page costs
 * at most one madvise per second). */
static bool trim_if_big(struct hg_span *r);

static void maybe_purge(void) {
  if (!dirty_head) return;
  size_t cap = hg_opt.dirty_max >> HG_PAGE_SHIFT;
  uint64_t now = now_ms();
  if (now < purge_refused_until) return;
  struct hg_span *r = dirty_head;
  while (r) {
    struct hg_span *next = r->dirty_next;
    if (dirty_pages > cap || now - r->freed_ms >= hg_opt.decay_ms) {
      hg_trace_cause(dirty_pages > cap ? HG_CAUSE_CAP : HG_CAUSE_IDLE, now - r->freed_ms);
      /* the idle top of the heap goes back by moving the break; anything else (and what
       * the break keeps) by madvise */
      if (!trim_if_big(r) && !purge_run(r)) break;
    } else {
      break;   /* the list is in age order: the rest are younger */
    }
    r = next;
  }
}

/* Shrink the break so that at most pad bytes of run r (the free top) remain. */
static size_t trim_top(struct hg_span *r, size_t pad) {
  if (!brk_extent || !r->in_brk || run_end(r) != brk_extent->end) return 0;
  size_t keep = hg_align_up(pad, HG_PAGE) >> HG_PAGE_SHIFT;
  if (r->npages <= keep) return 0;
  if ((uintptr_t)hg_os_brk_current() != brk_extent->end) return 0;  /* someone else's brk above */
  size_t cut = r->npages - keep, bytes = cut << HG_PAGE_SHIFT;
  run_remove(r);
  hg_trace_why(HG_WHY_SHRINK, 0, 0);
  if (!hg_os_brk_shrink(bytes)) {
    run_add(r);
    return 0;
  }
  brk_extent->end -= bytes;
  brk_bytes -= bytes;
  hg_pagemap_set(brk_extent->end, cut, NULL);
  r->npages = keep;
  if (keep == 0) {
    hg_meta_span_delete(r);
  } else {
    if (r->ndirty > keep) r->ndirty = keep;
    set_bounds(r);
    run_add(r);
  }
  return bytes;
}

/* The free top's pages kept when it is cut: M_TOP_PAD, at least the growth step so that
 * shrinking and growing do not alternate. */
static size_t trim_keep(void) { return hg_opt.top_pad > hg_opt.heap_step ? hg_opt.top_pad : hg_opt.heap_step; }

/* Whether a free top of `bytes` exceeds M_TRIM_THRESHOLD plus what is kept.  Saturating:
 * HEAPGUARD_TRIM_THRESHOLD and HEAPGUARD_TOP_PAD take any size (mallopt caps them), and
 * a sum that wrapped would cut the top at every free. */
static bool over_trim_threshold(size_t bytes, size_t keep) {
  return hg_opt.trim_threshold <= SIZE_MAX - keep && bytes >= hg_opt.trim_threshold + keep;
}

/* glibc's rule: shrink when the free top exceeds M_TRIM_THRESHOLD, keep M_TOP_PAD.
 * Returns true if r was the top of the heap and big enough to cut (r may be gone). */
static bool trim_if_big(struct hg_span *r) {
  size_t keep = trim_keep();
  if (!over_trim_threshold(hg_span_bytes(r), keep)) return false;
  return trim_top(r, keep) > 0;
}

/* Is r the free top of the brk heap, past the trim threshold?  glibc would have cut it
 * at the free that made it (heapguard waits for the decay time). */
static bool top_over_threshold(const struct hg_span *r) {
  return brk_extent && r->in_brk && run_end(r) == brk_extent->end &&
         over_trim_threshold(hg_span_bytes(r), trim_keep());
}

/* On free, the top is only cut at once when memory is returned at once (decay 0);
 * otherwise it ages like every free run and maybe_purge cuts it once idle: a program
 * that frees its top block and allocates another (the benchmark's large-block loop)
 * would otherwise move the break down and up, faulting every page in again. */
static void maybe_trim(struct hg_span *r) {
  if (hg_opt.decay_ms == 0) {
    hg_trace_cause(HG_CAUSE_NOW, 0);
    trim_if_big(r);
  }
}

/* ---- spans ------------------------------------------------------------------------ */

/* Check and guard modes (hg_os_populating): a small span's slots are written one
 * after the other, soon (check mode's private heap, whose quarantine keeps them from
 * being reused), and a medium block under the quarantine's protected size is written
 * whole when it is freed (its poison), so once small spans hold POPULATE_AFTER (a
 * program past its first few blocks of each size), the pages of such a span carved
 * from a clean run (never touched, or given back) are faulted in at once, with the rest
 * of a POPULATE_WINDOW of the run (spans are 4 to 16 pages: a call a span saved
 * nothing), outside the lock; the spans carved next in the window need no call.
 * Bigger medium spans are left to fault in on use: a big calloc stays untouched, as
 * glibc's.  A window's pages left unused stay resident while the run counts them
 * clean: at most POPULATE_WINDOW a window, used by the spans carved there next. */
#define POPULATE_AFTER (1 * HG_MiB)
#define POPULATE_WINDOW (256 * HG_KiB)
#define POPULATE_MEDIUM_PAGES (POPULATE_WINDOW >> HG_PAGE_SHIFT)
static uintptr_t populated_from, populated_to;   /* the last window */

/* The pages to populate for span [start, end) carved from a run ending at limit:
 * [*from, *to), or none (*to not changed) if the last window holds them. */
static void populate_window(uintptr_t start, uintptr_t end, uintptr_t limit, uintptr_t *from,
                            uintptr_t *to) {
  if ((small_span_pages << HG_PAGE_SHIFT) < POPULATE_AFTER) return;
  if (start >= populated_from && end <= populated_to) return;
  uintptr_t e = limit - start > POPULATE_WINDOW ? start + POPULATE_WINDOW : limit;
  *from = start >= populated_from && start < populated_to ? populated_to : start;   /* runs on */
  populated_from = start;
  *to = populated_to = e > end ? e : end;
}

/* Medium blocks freed one after another, with no span or medium block carved or grown
 * in between (region_free_locked): a program dropping its big structures, at the end
 * of a phase or of its run.  glibc's free trims its top beyond M_TRIM_THRESHOLD at
 * once, and a program that goes on to print and exit faults in libc's formatting and
 * exit code then: with the freed pages still resident for the decay time, that moment
 * was the peak (wl_realloc frees its 64 strings and 64 vectors, then prints).  So from
 * the TEARDOWN_FREES-th such free on, more than M_TRIM_THRESHOLD resident in free runs
 * goes back, as at a thread's exit.  A loop that frees and allocates again, or frees
 * fewer big blocks at a time, is not touched; one that frees many is, at most once
 * per TEARDOWN_FREES of its frees, and the dynamic M_TRIM_THRESHOLD (twice the mmap
 * threshold a free has raised) keeps big-block loops out as it does glibc's.  Not in
 * check and guard modes (hg_os_populating): their blocks come here only as they leave
 * the quarantine, a run of them whenever a big block enters it, in the middle of the
 * program's work; given back, those pages were faulted in again by the next blocks
 * (wl_realloc in check mode, a million reallocs: 70,655 madvise calls and 291,000
 * page faults, 1.5 s of system time in 5; 8,000 faults without). */
#define TEARDOWN_FREES 16
static unsigned medium_frees_in_a_row;

/* hg_region_alloc; with may_grow false (hg_region_alloc_resident), NULL unless a
 * free run fits already, has at least half the pages resident (the point is to reuse
 * them: clean pages cost the same page faults as a new mapping) and is not a top that
 * glibc would have cut. */
static struct hg_span *region_alloc(size_t npages, size_t align_pages, int kind, bool may_grow) {
  HG_ASSERT(npages > 0);
  size_t need = npages + (align_pages > 1 ? align_pages - 1 : 0);
  if (need < npages || need > (HG_MAX_REQUEST >> HG_PAGE_SHIFT)) return NULL;
  hg_lock(&hg_region_lock);
  struct hg_span *s = hg_meta_span_new(), *extra = hg_meta_span_new();
  struct hg_span *r = s && extra ? find_run(need) : NULL;
  if (!may_grow && r && (top_over_threshold(r) || r->ndirty < npages / 2)) r = NULL;
  if (!r && s && extra && may_grow && grow(need)) r = find_run(need);
  if (!r) {
    if (s) hg_meta_span_delete(s);
    if (extra) hg_meta_span_delete(extra);
    hg_unlock(&hg_region_lock);
    return NULL;
  }
  run_remove(r);
  medium_frees_in_a_row = 0;
  uintptr_t r_end = run_end(r), pop_from = 0, pop_to = 0;
  uintptr_t start = r->start;
  if (align_pages > 1) start = hg_align_up(start, align_pages << HG_PAGE_SHIFT);
  size_t head = (start - r->start) >> HG_PAGE_SHIFT, tail = r->npages - head - npages;

  s->kind = (uint8_t)kind;
  s->start = start;
  s->npages = npages;
  s->in_brk = r->in_brk;
  s->zeroed = r->ndirty == 0;
  if (hg_os_populating && s->zeroed && (kind == HG_SPAN_SMALL || npages <= POPULATE_MEDIUM_PAGES))
    populate_window(start, start + (npages << HG_PAGE_SHIFT), r_end, &pop_from, &pop_to);
  hg_pagemap_set(start, npages, s);
  /* What is left of r becomes one or two free runs: r keeps the head (if any), `extra`
   * takes the tail.  Their neighbours are in-use pages, so no merging is needed. */
  size_t dirty = r->ndirty;
  struct hg_span *tail_run = NULL;
  if (tail) {
    tail_run = head ? extra : r;
    if (tail_run == extra) { extra->kind = HG_SPAN_FREE; extra->in_brk = r->in_brk; extra = NULL; }
    tail_run->start = start + (npages << HG_PAGE_SHIFT);
    tail_run->npages = tail;
    tail_run->ndirty = dirty < tail ? dirty : tail;
  }
  if (head) {
    r->npages = head;
    r->ndirty = dirty < head ? dirty : head;
  } else if (!tail) {
    hg_meta_span_delete(r);
  }
  if (head) { set_bounds(r); run_add(r); }
  if (tail_run) { set_bounds(tail_run); run_add(tail_run); }
  if (extra) hg_meta_span_delete(extra);

  if (kind == HG_SPAN_SMALL) {
    small_span_pages += npages;
  } else {
    medium_pages += npages;
    medium_count++;
    medium_total++;
  }
  maybe_purge();
  hg_unlock(&hg_region_lock);
  if (pop_to > pop_from) hg_os_populate((void *)pop_from, pop_to - pop_from);
  return s;
}

struct hg_span *hg_region_alloc(size_t npages, size_t align_pages, int kind) {
  return region_alloc(npages, align_pages, kind, true);
}

struct hg_span *hg_region_alloc_resident(size_t npages, size_t align_pages) {
  if (__atomic_load_n(&free_pages, __ATOMIC_RELAXED) < npages) return NULL;   /* a hint */
  return region_alloc(npages, align_pages, HG_SPAN_MEDIUM, false);
}

static HG_NOINLINE size_t trim_all(size_t pad);

static void region_free_locked(struct hg_span *s) {
  bool medium = s->kind == HG_SPAN_MEDIUM;
  if (s->kind == HG_SPAN_SMALL) {
    small_span_pages -= s->npages;
  } else {
    medium_pages -= s->npages;
    medium_count--;
  }
  s->kind = HG_SPAN_FREE;
  s->owner = NULL;
  s->ndirty = s->npages;
  hg_pagemap_set(s->start, s->npages, &hg_pagemap_free_page);
  struct hg_span *r = free_insert(s);
  maybe_trim(r);
  maybe_purge();
  if (medium && !hg_os_populating && ++medium_frees_in_a_row >= TEARDOWN_FREES &&
      dirty_pages >= (hg_opt.trim_threshold >> HG_PAGE_SHIFT)) {
    medium_frees_in_a_row = 0;
    hg_trace_cause(HG_CAUSE_FREES, 0);
    trim_all(trim_keep());
  }
}

void hg_region_free_pages(const struct hg_span *s, struct hg_span *r) {
  hg_lock(&hg_region_lock);
  if (r != s) {
    r->kind = HG_SPAN_SMALL;
    r->start = s->start;
    r->npages = s->npages;
    r->in_brk = s->in_brk;
  }
  region_free_locked(r);
  hg_unlock(&hg_region_lock);
}

void hg_region_free(struct hg_span *s) { hg_region_free_pages(s, s); }

bool hg_region_free_medium(struct hg_span *s, const void *p) {
  hg_lock(&hg_region_lock);
  bool live = hg_pagemap_get(p) == s && s->kind == HG_SPAN_MEDIUM && s->base == (const char *)p;
  if (live) region_free_locked(s);
  hg_unlock(&hg_region_lock);
  return live;
}

bool hg_region_grow(struct hg_span *s, size_t new_npages) {
  size_t extra = new_npages - s->npages;
  bool ok = false;
  hg_lock(&hg_region_lock);
  uintptr_t end = run_end(s);
  struct hg_span *right = free_neighbour(end, s->in_brk);
  if (right && right->start == end && right->npages >= extra) {
    run_remove(right);
    if (right->npages > extra) {
      right->start += extra << HG_PAGE_SHIFT;
      right->npages -= extra;
      if (right->ndirty > right->npages) right->ndirty = right->npages;
      set_bounds(right);
      run_add(right);
    } else {
      hg_meta_span_delete(right);
    }
    hg_pagemap_set(end, extra, s);
    s->npages = new_npages;
    s->zeroed = 0;
    medium_pages += extra;
    medium_frees_in_a_row = 0;
    ok = true;
  }
  hg_unlock(&hg_region_lock);
  return ok;
}

void hg_region_shrink(struct hg_span *s, size_t new_npages) {
  if (new_npages == 0 || new_npages >= s->npages) return;
  hg_lock(&hg_region_lock);
  struct hg_span *r = hg_meta_span_new();
  if (r) {
    size_t cut = s->npages - new_npages;
    r->kind = HG_SPAN_FREE;
    r->start = s->start + (new_npages << HG_PAGE_SHIFT);
    r->npages = cut;
    r->ndirty = cut;
    r->in_brk = s->in_brk;
    s->npages = new_npages;
    medium_pages -= cut;
    hg_pagemap_set(r->start, cut, &hg_pagemap_free_page);
    r = free_insert(r);
    maybe_trim(r);
    maybe_purge();
  }
  hg_unlock(&hg_region_lock);
}

/* ---- trim and stats --------------------------------------------------------------- */

/* Lock held: shrink the break to pad bytes of free top, purge every free run. */
static HG_NOINLINE size_t trim_all(size_t pad) {
  size_t released = 0;
  if (brk_extent && brk_extent->end > brk_extent->start) {
    struct hg_span *top = free_neighbour(brk_extent->end - HG_PAGE, true);
    if (top) released += trim_top(top, pad);
  }
  while (dirty_head) {
    size_t bytes = dirty_head->ndirty << HG_PAGE_SHIFT;
    if (!purge_run(dirty_head)) break;   /* locked: nothing more goes back */
    released += bytes;
  }
  return released;
}

size_t hg_region_trim(size_t pad) {
  hg_lock(&hg_region_lock);
  hg_trace_cause(HG_CAUSE_TRIM, 0);
  size_t released = trim_all(pad);
  hg_unlock(&hg_region_lock);
  return released;
}

/* A thread's exit is where a program's threads that have freed their blocks stop for
 * good, and where its main thread goes on to print and exit, faulting in libc's
 * formatting and exit code: with the freed pages still resident for the decay time,
 * that moment was the process's peak RSS (wl_random, wl_larson, wl_prodcons; glibc's
 * free trims an arena's top beyond M_TRIM_THRESHOLD at once).  So more than
 * M_TRIM_THRESHOLD resident in free runs goes back here, as malloc_trim(M_TOP_PAD)
 * would, when the thread itself moved at least M_TRIM_THRESHOLD of pages through the
 * region (moved: carved as spans, or given back).  A thread that did less leaves the
 * free pages, mostly other threads', for the decay: a program whose threads come and
 * go with a few blocks each (a pool, a thread per request) would otherwise pay a
 * madvise whenever M_TRIM_THRESHOLD of spans had been freed since the last one, and
 * its next threads page faults for the pages they take again (wl_threads: 649 such
 * exits in 20,000), which also made its threads overlap, and need heaps, more. */
void hg_region_thread_exit(size_t moved_pages) {
  size_t dirty = __atomic_load_n(&dirty_pages, __ATOMIC_RELAXED);   /* a hint */
  size_t threshold = hg_opt.trim_threshold >> HG_PAGE_SHIFT;
  if (dirty < threshold || moved_pages < threshold) return;
  hg_lock(&hg_region_lock);
  hg_trace_cause(HG_CAUSE_EXIT, 0);
  trim_all(trim_keep());
  hg_unlock(&hg_region_lock);
}

void hg_region_stats(struct hg_region_stats *st) { hg_region_walk(st, false, NULL, NULL); }

bool hg_region_walk(struct hg_region_stats *st, bool try,
                    void (*visit)(void *ctx, const struct hg_span *s), void *ctx) {
  *st = (struct hg_region_stats){ 0 };
  if (!try) hg_lock(&hg_region_lock);
  else if (!hg_trylock(&hg_region_lock)) return false;
  st->medium_total = medium_total;
  st->brk_bytes = brk_bytes;
  st->mmap_region_bytes = mmap_region_bytes;
  st->free_bytes = free_pages << HG_PAGE_SHIFT;
  st->free_runs = free_runs;
  st->dirty_bytes = dirty_pages << HG_PAGE_SHIFT;
  st->small_span_bytes = small_span_pages << HG_PAGE_SHIFT;
  st->medium_bytes = medium_pages << HG_PAGE_SHIFT;
  st->medium_count = medium_count;
  for (int b = NBINS - 1; b >= 0 && !st->largest_free; b--)
    for (struct hg_span *r = bins[b]; r; r = r->next)
      if (hg_span_bytes(r) > st->largest_free) st->largest_free = hg_span_bytes(r);
  if (brk_extent && brk_extent->end > brk_extent->start) {
    struct hg_span *top = free_neighbour(brk_extent->end - HG_PAGE, true);
    if (top) st->top_free = hg_span_bytes(top);
  }
  /* Bytes of allocated small blocks: walk every extent span by span.  Other threads'
   * counters are read racily; the figure is a snapshot. */
  for (struct extent *e = extents; e; e = e->next) {
    for (uintptr_t a = e->start; a < e->end;) {
      struct hg_span *s = hg_pagemap_get((void *)a);
      if (!s || s == &hg_pagemap_free_page || s->start != a || s->npages == 0) break;
      if (s->kind == HG_SPAN_SMALL)
        st->small_in_use += (size_t)hg_span_used(s) * s->bsize;
      if (visit) visit(ctx, s);
      a += hg_span_bytes(s);
    }
  }
  hg_large_walk_locked(st, visit, ctx);
  hg_unlock(&hg_region_lock);
  return true;
}

void hg_region_fork_prepare(void) { hg_lock_fork(&hg_region_lock); }
void hg_region_fork_parent(void) { hg_unlock_fork(&hg_region_lock); }
void hg_region_fork_child(void) { hg_lock_reset(&hg_region_lock); }
