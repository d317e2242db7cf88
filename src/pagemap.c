/* pagemap.c — maintenance of the flat map and the tree (see pagemap.h). */
#include "pagemap.h"

#include "meta.h"
#include "os.h"
#include "span.h"
#include "trace.h"

/* Before the flat map exists, every lookup reads pm_none[1] (mask 0) and decodes to
 * pm_none, whose owner is pm_none[0]. */
static uintptr_t pm_none[2];
struct hg_pm_flat hg_pm = { .mask = 0, .base = (uintptr_t)pm_none, .limit = 0 };

struct hg_pm_leaf *_Atomic hg_pm_root[1 << HG_PM_ROOT_BITS];
struct hg_span hg_pagemap_free_page = { .kind = HG_SPAN_FREE };

/* ---- the flat map ------------------------------------------------------------------- */

/* An island: the entries of 1 GiB of addresses, 2 MiB, made writable at once. */
#define ISLAND_ADDR_SHIFT 30
#define ISLAND_BYTES      ((size_t)8 << (ISLAND_ADDR_SHIFT - HG_PAGE_SHIFT))
static uint64_t island_rw[((size_t)1 << (HG_PM_ADDR_BITS - ISLAND_ADDR_SHIFT)) / 64];
static bool pm_tried;       /* the reservation was attempted (region lock) */
static uintptr_t pm_start;  /* the reservation, if any */
static size_t pm_bytes;     /* its size, 0 if none */

static uintptr_t *flat_entry(uintptr_t a) { return (uintptr_t *)hg_pm.base + 1 + (a >> HG_PAGE_SHIFT); }

/* Reserve the flat map, once, before the first entry is written (region lock held).
 * The whole address space if the kernel allows it, else up to the stack, the top of
 * the address space as a process sees it (valgrind keeps its client below 128 GiB). */
static void pm_init(void) {
  pm_tried = true;
  uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
  unsigned bits = HG_PM_ADDR_BITS, sp_bits = 64 - (unsigned)__builtin_clzll(sp | 1);
  for (;;) {
    /* a first page, whose last word is the owner of empty entries, then the entries */
    size_t size = HG_PAGE + ((size_t)8 << (bits - HG_PAGE_SHIFT));
    hg_trace_why(HG_WHY_PAGEMAP, size - HG_PAGE, 0);
    char *m = hg_os_reserve(size);
    if (m) {
      hg_trace_why(HG_WHY_PAGEMAP, size - HG_PAGE, 0);
      /* Unwritten entries read as the huge zero page where transparent huge pages are
       * on: a page-table entry per 2 MiB of entries.  It matters to mlockall(), which
       * reads every page of every readable mapping: with 4 KiB zero pages, locking
       * this one took 54 s and 513 MiB of page tables.  Islands get small pages. */
      hg_os_huge_pages(m, size);
      pm_start = (uintptr_t)m;
      pm_bytes = size;
      __atomic_store_n(&hg_pm.base, (uintptr_t)m + HG_PAGE - 8, __ATOMIC_RELAXED);
      __atomic_store_n(&hg_pm.mask, ((uintptr_t)1 << (bits - HG_PAGE_SHIFT)) - 1, __ATOMIC_RELEASE);
      __atomic_store_n(&hg_pm.limit, (uintptr_t)1 << bits, __ATOMIC_RELEASE);
      return;
    }
    /* An island must fit, and a map below 4 GiB of addresses would not cover much. */
    if (sp_bits >= bits || sp_bits < 32) return;
    bits = sp_bits;
  }
}

/* Make the islands of [start, end) (below the limit) writable; false if the kernel
 * refused one (those made so far stay: they are never given back). */
static bool flat_reserve(uintptr_t start, uintptr_t end) {
  for (uintptr_t i = start >> ISLAND_ADDR_SHIFT; i <= (end - 1) >> ISLAND_ADDR_SHIFT; i++) {
    if (island_rw[i / 64] >> (i % 64) & 1) continue;
    void *entries = flat_entry(i << ISLAND_ADDR_SHIFT);
    hg_trace_why(HG_WHY_META_LEAF, ISLAND_BYTES, 0);
    if (!hg_os_make_writable(entries, ISLAND_BYTES)) return false;
    hg_trace_why(HG_WHY_META_LEAF, ISLAND_BYTES, 0);
    hg_os_no_huge_pages(entries, ISLAND_BYTES);   /* one entry written must not bring in 2 MiB */
    island_rw[i / 64] |= (uint64_t)1 << (i % 64);
  }
  return true;
}

static void flat_set(uintptr_t start, uintptr_t end, struct hg_span *s) {
  uintptr_t v = s ? (uintptr_t)s - hg_pm.base : 0;
  for (uintptr_t a = start; a < end; a += HG_PAGE) {
    uintptr_t i = a >> ISLAND_ADDR_SHIFT;
    if (!(island_rw[i / 64] >> (i % 64) & 1)) {   /* clearing: an island never written reads 0 */
      HG_ASSERT(!s);
      a = ((i + 1) << ISLAND_ADDR_SHIFT) - HG_PAGE;
      continue;
    }
    __atomic_store_n(flat_entry(a), v, __ATOMIC_RELEASE);
  }
}

bool hg_pagemap_holds(uintptr_t start, uintptr_t end) {
  return pm_bytes && start >= pm_start && end <= pm_start + pm_bytes;
}

/* ---- the tree (pages at or above the limit) ---------------------------------------- */

static struct hg_pm_leaf *leaf_for(uintptr_t a, bool create) {
  _Atomic(struct hg_pm_leaf *) *rp =
      &hg_pm_root[(a >> (HG_PAGE_SHIFT + HG_PM_LEAF_BITS)) & ((1 << HG_PM_ROOT_BITS) - 1)];
  struct hg_pm_leaf *leaf = atomic_load_explicit(rp, memory_order_acquire);
  if (!leaf && create) {
    leaf = hg_meta_alloc(sizeof *leaf);
    if (leaf) atomic_store_explicit(rp, leaf, memory_order_release);
  }
  return leaf;
}

struct hg_span *hg_pagemap_get_tree(uintptr_t a) {
  if (a >> HG_PM_ADDR_BITS) return NULL;
  struct hg_pm_leaf *leaf = leaf_for(a, false);
  if (!leaf) return NULL;
  return atomic_load_explicit(&leaf->span[(a >> HG_PAGE_SHIFT) & ((1 << HG_PM_LEAF_BITS) - 1)],
                              memory_order_acquire);
}

static bool tree_reserve(uintptr_t start, uintptr_t end) {
  const uintptr_t leaf_span = (uintptr_t)1 << (HG_PAGE_SHIFT + HG_PM_LEAF_BITS);
  for (uintptr_t a = start & ~(leaf_span - 1); a < end; a += leaf_span)
    if (!leaf_for(a, true)) return false;
  return true;
}

static void tree_set(uintptr_t start, uintptr_t end, struct hg_span *s) {
  struct hg_pm_leaf *leaf = NULL;
  for (uintptr_t a = start; a < end; a += HG_PAGE) {
    unsigned idx = (a >> HG_PAGE_SHIFT) & ((1 << HG_PM_LEAF_BITS) - 1);
    if (!leaf || idx == 0) {
      leaf = leaf_for(a, false);
      if (!leaf) {   /* clearing: a missing leaf is already all NULL */
        HG_ASSERT(!s);
        a = (a | (((uintptr_t)1 << (HG_PAGE_SHIFT + HG_PM_LEAF_BITS)) - 1)) + 1 - HG_PAGE;
        continue;
      }
    }
    atomic_store_explicit(&leaf->span[idx], s, memory_order_release);
  }
}

/* ---- both ---------------------------------------------------------------------------- */

bool hg_pagemap_reserve(uintptr_t start, size_t npages) {
  if (!pm_tried) pm_init();
  uintptr_t end = start + (npages << HG_PAGE_SHIFT), limit = hg_pm.limit;
  if (start < limit && !flat_reserve(start, end < limit ? end : limit)) return false;
  if (end > limit && !tree_reserve(start > limit ? start : limit, end)) return false;
  return true;
}

bool hg_pagemap_set(uintptr_t start, size_t npages, struct hg_span *s) {
  HG_ASSERT(start % HG_PAGE == 0 && (start >> HG_PM_ADDR_BITS) == 0);
  if (s && !hg_pagemap_reserve(start, npages)) return false;
  uintptr_t end = start + (npages << HG_PAGE_SHIFT), limit = hg_pm.limit;
  if (start < limit) flat_set(start, end < limit ? end : limit, s);
  if (end > limit) tree_set(start > limit ? start : limit, end, s);
  return true;
}
