/* pagemap.c — maintenance of the address -> span radix tree (see pagemap.h). */
#include "pagemap.h"

#include "meta.h"
#include "span.h"

struct hg_pm_leaf *_Atomic hg_pm_root[1 << HG_PM_ROOT_BITS];
struct hg_span hg_pagemap_free_page = { .kind = HG_SPAN_FREE };

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

bool hg_pagemap_reserve(uintptr_t start, size_t npages) {
  uintptr_t end = start + (npages << HG_PAGE_SHIFT);
  const uintptr_t leaf_span = (uintptr_t)1 << (HG_PAGE_SHIFT + HG_PM_LEAF_BITS);
  for (uintptr_t a = start & ~(leaf_span - 1); a < end; a += leaf_span)
    if (!leaf_for(a, true)) return false;
  return true;
}

bool hg_pagemap_set(uintptr_t start, size_t npages, struct hg_span *s) {
  HG_ASSERT(start % HG_PAGE == 0 && (start >> HG_PM_ADDR_BITS) == 0);
  struct hg_pm_leaf *leaf = NULL;
  uintptr_t end = start + (npages << HG_PAGE_SHIFT);
  for (uintptr_t a = start; a < end; a += HG_PAGE) {
    unsigned idx = (a >> HG_PAGE_SHIFT) & ((1 << HG_PM_LEAF_BITS) - 1);
    if (!leaf || idx == 0) {
      leaf = leaf_for(a, s != NULL);
      if (!leaf) {
        if (s) return false;
        a = (a | (((uintptr_t)1 << (HG_PAGE_SHIFT + HG_PM_LEAF_BITS)) - 1)) + 1 - HG_PAGE;
        continue;   /* clearing: a missing leaf is already all NULL */
      }
    }
    atomic_store_explicit(&leaf->span[idx], s, memory_order_release);
  }
  return true;
}
