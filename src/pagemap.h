/* pagemap.h — from any address to the span descriptor of the page holding it.
 *
 * The flat map.  One 8-byte entry per 4 KiB page, for every page below hg_pm.limit
 * (2^47, the whole user address space), in a single array: 2^35 entries, 256 GiB of
 * address space reserved once, PROT_READ and MAP_NORESERVE, so the reservation costs
 * neither memory nor commit charge (read-only private pages are not accounted) and
 * an entry nobody wrote reads as zero (the kernel's zero page).  The parts that get
 * written are made read-write an island at a time (2 MiB of entries, which map 1 GiB
 * of addresses), so what is resident, and charged, is what the leaves of a radix tree
 * would be.  free's fast path finds a span with one shift, one mask and one load —
 * no dependent load of a tree node, no NULL test (see the encoding below).
 *
 * The reservation is tried for the whole address space (limit 2^47) and, if the
 * kernel refuses it, for the addresses up to the current stack (valgrind's client
 * address space ends at 128 GiB and it refuses a mapping of 256 GiB; the same code
 * then runs with a mask of 2^25 entries).  Pages at or above the limit — all of them
 * if no reservation could be made (an RLIMIT_AS below 256 GiB) — are in a two-level
 * radix tree instead (root 131072 entries of .bss, leaves of 262144 from meta.c, never
 * freed), which only the slow paths read: the fast path sees such a pointer as not
 * its own (its masked index aliases a page below the limit, whose span — if any —
 * is at least 2^limit away, beyond any slot, so the slot check rejects it) and hands
 * it to the slow path, which looks it up here.
 *
 * Encoding: an entry holds the span's address minus hg_pm.base, 0 for none; the
 * entries start at hg_pm.base + 8, and the word at hg_pm.base is never written (the
 * end of a read-only first page).  Decoding an empty entry yields hg_pm.base itself,
 * which read as a span has that zero word as its owner: no heap owns it, so the fast
 * path's owner test rejects it without a NULL test.
 *
 * What an entry holds, for every page the allocator owns:
 *   - a SMALL or MEDIUM span: every one of its pages points to it;
 *   - a LARGE span: only its first page (blocks of many MiB are registered in O(1));
 *   - a FREE run: its first and last pages point to it; interior pages, and pages of
 *     a span just freed, point to hg_pagemap_free_page (so a late free into them is
 *     recognised as a double free rather than a foreign pointer).
 * Pages the allocator does not own read as NULL.  Entries are written only under the
 * region lock; readers use relaxed atomic loads (spans are published with release
 * stores).  The map and the tree's leaves are never unmapped, so a lookup racing with
 * an update always reads valid memory. */
#ifndef HG_PAGEMAP_H
#define HG_PAGEMAP_H

#include "internal.h"

struct hg_span;

#define HG_PM_ADDR_BITS 47   /* the user address space */

/* The flat map's location, written once (under the region lock, before the first
 * entry): base first, then mask with a release store.  Until then base is a static
 * zero entry and mask 0, so every lookup reads that entry: "not the allocator's".  A
 * reader that sees the new mask sees the new base (x86 does not reorder loads; the
 * fast path reads mask first, see hg_pagemap_span_or_none). */
struct hg_pm_flat {
  uintptr_t mask;    /* entries - 1, as a page number mask */
  uintptr_t base;    /* a zero word, followed by entry 0 */
  uintptr_t limit;   /* pages below it are in the flat map, those above in the tree */
};
extern HG_HIDDEN struct hg_pm_flat hg_pm;

#define HG_PM_LEAF_BITS 18
#define HG_PM_ROOT_BITS 17
_Static_assert(HG_PAGE_SHIFT + HG_PM_LEAF_BITS + HG_PM_ROOT_BITS == HG_PM_ADDR_BITS,
               "the tree covers the 47-bit user address space");
struct hg_pm_leaf { struct hg_span *_Atomic span[1 << HG_PM_LEAF_BITS]; };
extern HG_HIDDEN struct hg_pm_leaf *_Atomic hg_pm_root[1 << HG_PM_ROOT_BITS];
extern HG_HIDDEN struct hg_span hg_pagemap_free_page;

/* For free's fast path: the span of p's page if p is below the limit, and otherwise a
 * span that is not the allocator's or one whose slot check rejects p — never NULL, so
 * the caller tests s->owner without a NULL test.  A span that no heap owns (owner
 * NULL) stands for "not the allocator's".  Only the owner field of a result may be
 * read before that test.  Five instructions: mov, shr, and (mask from memory), mov
 * (base), add (entry from memory). */
static inline struct hg_span *hg_pagemap_span_or_none(const void *p) {
#if defined(__x86_64__)
  /* In assembly so that the mask is read before the base, and the mask and the entry
   * straight from memory (GCC does neither for atomic loads; and it would share the
   * shift with the slow path's lookup at the price of a register copy).  The entry is
   * memory the asm reads: hence the clobber. */
  uintptr_t idx, s;
  __asm__("mov %[p], %[idx]\n\t"
          "shr %[shift], %[idx]\n\t"
          "and %[mask], %[idx]\n\t"
          "mov %[base], %[s]\n\t"
          "add 8(%[s],%[idx],8), %[s]"
          : [idx] "=&r"(idx), [s] "=&r"(s)
          : [p] "r"(p), [shift] "i"(HG_PAGE_SHIFT), [mask] "m"(hg_pm.mask), [base] "m"(hg_pm.base)
          : "cc", "memory");
  return (struct hg_span *)s;
#else
  uintptr_t idx = ((uintptr_t)p >> HG_PAGE_SHIFT) & __atomic_load_n(&hg_pm.mask, __ATOMIC_ACQUIRE);
  uintptr_t base = __atomic_load_n(&hg_pm.base, __ATOMIC_RELAXED);
  return (struct hg_span *)(base + __atomic_load_n((const uintptr_t *)base + 1 + idx, __ATOMIC_RELAXED));
#endif
}

/* The tree, for pages at or above hg_pm.limit (slow paths). */
struct hg_span *hg_pagemap_get_tree(uintptr_t a);

/* The span of the page holding p, or NULL if the allocator does not own it. */
static inline struct hg_span *hg_pagemap_get(const void *p) {
  uintptr_t a = (uintptr_t)p;
  if (hg_likely(a < __atomic_load_n(&hg_pm.limit, __ATOMIC_ACQUIRE))) {
    uintptr_t base = __atomic_load_n(&hg_pm.base, __ATOMIC_RELAXED);
    uintptr_t e = __atomic_load_n((const uintptr_t *)base + 1 + (a >> HG_PAGE_SHIFT), __ATOMIC_ACQUIRE);
    return e ? (struct hg_span *)(base + e) : NULL;
  }
  return hg_pagemap_get_tree(a);
}

/* Point npages pages from page address `start` at s.  Returns false (nothing changed
 * beyond already-present islands and nodes) if one could not be made.  Region lock
 * held. */
bool hg_pagemap_set(uintptr_t start, size_t npages, struct hg_span *s);
/* Make sure islands and nodes exist for the range, so later hg_pagemap_set calls on
 * it cannot fail. */
bool hg_pagemap_reserve(uintptr_t start, size_t npages);
/* Whether [start, end) lies in the flat map's reservation (the leak scan skips it:
 * its entries are offsets, not pointers, and it is not the program's memory). */
bool hg_pagemap_holds(uintptr_t start, uintptr_t end);

#endif
