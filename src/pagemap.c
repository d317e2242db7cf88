/* pagemap.c — maintenance of the address -> span radix tree (see pagemap.h). */
#include "pagemap.h"

#include "meta.h"
#include "span.h"

/* All zero: no leaf, no span.  Only touched pages of the root become resident; the
 * empty leaf is only ever read. */
struct hg_pm_tree hg_pm;
struct hg_span hg_pagemap_free_page = { .kind = HG_SPAN_FREE };

_Static_assert(offsetof(struct hg_span, owner) == 0, "an empty entry's owner is hg_pm.none");
_Static_assert(offsetof(struct hg_pm_tree, none) == 0, "an empty entry decodes to &hg_pm");

/* The leaf for address a, or NULL if it has none (and create is false, or the leaf
 * could not be allocated). */
static struct hg_pm_leaf *leaf_for(uintptr_t a, bool create) {
  _Atomic uintptr_t *rp = &hg_pm.root[hg_pm_root_index(a)];
  uintptr_t v = atomic_load_explicit(rp, memory_order_relaxed);
  if (v) return (struct hg_pm_leaf *)((uintptr_t)&hg_pm.empty + v);
  if (!create) return NULL;
  struct hg_pm_leaf *leaf = hg_meta_alloc(sizeof *leaf);   /* zeroed */
  if (leaf) atomic_store_explicit(rp, (uintptr_t)leaf - (uintptr_t)&hg_pm.empty, memory_order_release);
  return leaf;
}

bool hg_pagemap_reserve(uintptr_t start, size_t npages) {
  uintptr_t end = start + (npages << HG_PAGE_SHIFT);
  const uintptr_t leaf_span = (uintptr_t)1 << HG_PM_LEAF_SHIFT;
  for (uintptr_t a = start & ~(leaf_span - 1); a < end; a += leaf_span)
    if (!leaf_for(a, true)) return false;
  return true;
}

bool hg_pagemap_set(uintptr_t start, size_t npages, struct hg_span *s) {
  HG_ASSERT(start % HG_PAGE == 0 && (start >> HG_PM_ADDR_BITS) == 0);
  if (s && !hg_pagemap_reserve(start, npages)) return false;
  uintptr_t v = s ? (uintptr_t)s - (uintptr_t)&hg_pm : 0;
  uintptr_t end = start + (npages << HG_PAGE_SHIFT);
  struct hg_pm_leaf *leaf = NULL;
  for (uintptr_t a = start; a < end; a += HG_PAGE) {
    size_t idx = hg_pm_leaf_index(a);
    if (!leaf || idx == 0) {
      leaf = leaf_for(a, false);
      if (!leaf) {   /* clearing: a missing leaf (the empty one) is all zero already */
        HG_ASSERT(!s);
        a = (a | (((uintptr_t)1 << HG_PM_LEAF_SHIFT) - 1)) + 1 - HG_PAGE;
        continue;
      }
    }
    atomic_store_explicit(&leaf->entry[idx], v, memory_order_release);
  }
  return true;
}

bool hg_pagemap_holds(uintptr_t start, uintptr_t end) {
  return start >= (uintptr_t)&hg_pm && end <= (uintptr_t)&hg_pm + sizeof hg_pm;
}
