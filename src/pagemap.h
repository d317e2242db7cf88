/* pagemap.h — from any address to the span descriptor of the page holding it.
 *
 * A two-level radix tree over the 47-bit user address space, one entry per 4 KiB
 * page: root (static, 131072 entries, address bits 46..30; 1 MiB of .bss, of which
 * only the touched pages are ever resident) -> leaf (262144 entries, bits 29..12: one
 * leaf maps 1 GiB of address space with 2 MiB of entries, resident only where
 * touched).  Two dependent loads and one NULL check on free's fast path.  Leaves come
 * from meta.c and are never freed, so a lookup racing with an update always reads
 * valid memory.
 *
 * What an entry holds, for every page the allocator owns:
 *   - a SMALL or MEDIUM span: every one of its pages points to it;
 *   - a LARGE span: only its first page (blocks of many MiB are registered in O(1));
 *   - a FREE run: its first and last pages point to it; interior pages, and pages of
 *     a span just freed, point to hg_pagemap_free_page (so a late free into them is
 *     recognised as a double free rather than a foreign pointer).
 * Pages the allocator does not own read as NULL.  Entries are written only under the
 * region lock; readers use relaxed atomic loads (spans are published with release
 * stores). */
#ifndef HG_PAGEMAP_H
#define HG_PAGEMAP_H

#include "internal.h"

struct hg_span;

#define HG_PM_LEAF_BITS 18
#define HG_PM_ROOT_BITS 17
#define HG_PM_ADDR_BITS (HG_PAGE_SHIFT + HG_PM_LEAF_BITS + HG_PM_ROOT_BITS)
_Static_assert(HG_PM_ADDR_BITS == 47, "pagemap covers the 47-bit user address space");

struct hg_pm_leaf { struct hg_span *_Atomic span[1 << HG_PM_LEAF_BITS]; };
extern HG_HIDDEN struct hg_pm_leaf *_Atomic hg_pm_root[1 << HG_PM_ROOT_BITS];
extern HG_HIDDEN struct hg_span hg_pagemap_free_page;

/* The lookup without the range check: an address at or above 2^47 aliases one below.
 * Only for free's fast path, whose offset check rejects any alias (the offset of an
 * aliased pointer from its span is at least 2^47, beyond any slot). */
static inline struct hg_span *hg_pagemap_get_unchecked(const void *p) {
  uintptr_t a = (uintptr_t)p;
  struct hg_pm_leaf *leaf = atomic_load_explicit(
      &hg_pm_root[(a >> (HG_PAGE_SHIFT + HG_PM_LEAF_BITS)) & ((1 << HG_PM_ROOT_BITS) - 1)],
      memory_order_acquire);
  if (hg_unlikely(!leaf)) return NULL;
  return atomic_load_explicit(&leaf->span[(a >> HG_PAGE_SHIFT) & ((1 << HG_PM_LEAF_BITS) - 1)],
                              memory_order_acquire);
}

static inline struct hg_span *hg_pagemap_get(const void *p) {
  if (hg_unlikely((uintptr_t)p >> HG_PM_ADDR_BITS)) return NULL;
  return hg_pagemap_get_unchecked(p);
}

/* Point npages pages from page address `start` at s.  Returns false (nothing changed
 * beyond already-present nodes) if a node could not be allocated.  Region lock held. */
bool hg_pagemap_set(uintptr_t start, size_t npages, struct hg_span *s);
/* Make sure nodes exist for the range, so later hg_pagemap_set calls on it cannot fail. */
bool hg_pagemap_reserve(uintptr_t start, size_t npages);

#endif
