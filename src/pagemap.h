/* pagemap.h — from any address to the span descriptor of the page holding it.
 *
 * A two-level radix tree over the 47-bit user address space: a root of 2^18 entries
 * (2 MiB of .bss), each for 512 MiB of addresses, and leaves of 2^17 entries (1 MiB,
 * from meta.c: a mapping of their own, resident only where touched, never freed), one
 * per 4 KiB page.  Nothing is reserved beyond that, so mlockall() and VSZ see a few MiB.
 * The split: the root and the static empty leaf (below) are 3 MiB of .bss either way
 * (2^17 + 2^18 entries, the least for 35 bits), but every real leaf is address space
 * too, and most programs have one or two (the brk heap, the mmap area): 1 MiB each
 * rather than 2 (a trivial program's VmSize -1 MiB).  The lookup is the same
 * instructions with other immediates.
 *
 * Neither level has a NULL to test, thanks to two relative encodings against the
 * tree's own address R = &hg_pm (whose first word, hg_pm.none, is never written):
 *   - a root entry holds the leaf's address minus &hg_pm.empty, a static leaf that is
 *     never written (all zero).  A root entry never written (.bss zero) is the empty
 *     leaf, so the root needs no initialisation and only its touched pages count;
 *   - a leaf entry holds the span's address minus R, 0 for none.  An empty entry
 *     decodes to R, which read as a span has hg_pm.none (zero) as its owner: no heap
 *     owns it, so free's owner test rejects it without a NULL test.
 * free's lookup, 11 instructions: lea R; the root index (mov, shr, and); load the root
 * entry; the leaf index (mov, shr, and) and R + 8 * index (lea, while the root entry
 * loads); load the entry at that + the root entry + the empty leaf's offset; add R.
 *
 * What an entry holds, for every page the allocator owns:
 *   - a SMALL or MEDIUM span: every one of its pages points to it;
 *   - a LARGE span: only its first page (blocks of many MiB are registered in O(1));
 *   - a FREE run: its first and last pages point to it; interior pages, and pages of
 *     a span just freed, point to hg_pagemap_free_page (so a late free into them is
 *     recognised as a double free rather than a foreign pointer).
 * Pages the allocator does not own read as NULL.  Entries and root entries are written
 * only under the region lock (leaves zeroed before their root entry is published with
 * a release store); readers use relaxed atomic loads (spans are published with release
 * stores).  Leaves are never freed, so a lookup racing with an update always reads
 * valid memory: the empty leaf or a real one. */
#ifndef HG_PAGEMAP_H
#define HG_PAGEMAP_H

#include "internal.h"

struct hg_span;

#define HG_PM_ADDR_BITS 47   /* the user address space */
#define HG_PM_LEAF_BITS 17
#define HG_PM_ROOT_BITS 18
#define HG_PM_LEAF_SHIFT (HG_PAGE_SHIFT + HG_PM_LEAF_BITS)   /* a leaf maps 512 MiB */
_Static_assert(HG_PM_LEAF_SHIFT + HG_PM_ROOT_BITS == HG_PM_ADDR_BITS,
               "the tree covers the 47-bit user address space");

struct hg_pm_leaf { _Atomic uintptr_t entry[1 << HG_PM_LEAF_BITS]; };   /* span - &hg_pm */

struct hg_pm_tree {
  uintptr_t none;                                 /* never written: the owner of "no span" */
  _Atomic uintptr_t root[1 << HG_PM_ROOT_BITS];   /* leaf - &empty; 0: the empty leaf */
  _Alignas(4096) struct hg_pm_leaf empty;         /* never written */
};
extern HG_HIDDEN struct hg_pm_tree hg_pm;
extern HG_HIDDEN struct hg_span hg_pagemap_free_page;

/* Root and leaf index of an address (any address: the root index is masked, so an
 * address above 2^47 aliases one below it). */
static inline size_t hg_pm_root_index(uintptr_t a) {
  return (a >> HG_PM_LEAF_SHIFT) & (((size_t)1 << HG_PM_ROOT_BITS) - 1);
}
static inline size_t hg_pm_leaf_index(uintptr_t a) {
  return (a >> HG_PAGE_SHIFT) & (((size_t)1 << HG_PM_LEAF_BITS) - 1);
}

/* The encoded entry of a's page: span - &hg_pm, 0 for none. */
static inline uintptr_t hg_pm_entry(uintptr_t a) {
  uintptr_t leaf = (uintptr_t)&hg_pm.empty +
                   atomic_load_explicit(&hg_pm.root[hg_pm_root_index(a)], memory_order_acquire);
  return atomic_load_explicit(&((struct hg_pm_leaf *)leaf)->entry[hg_pm_leaf_index(a)],
                              memory_order_acquire);
}

/* For free's fast path: the span of p's page, and for any other p (above 2^47
 * included) a span that is not the allocator's or one whose slot check rejects p (an
 * address above 2^47 aliases a page at least 2^47 away from it, beyond any slot) —
 * never NULL, so the caller tests s->owner without a NULL test.  A span that no heap
 * owns (owner NULL) stands for "not the allocator's".  Only the owner field of a
 * result may be read before that test. */
static inline struct hg_span *hg_pagemap_span_or_none(const void *p) {
#if defined(__x86_64__)
  /* In assembly so that both loads take their operands straight from the addressing
   * modes, the leaf entry at its offset from the empty leaf (GCC adds the offset
   * separately), and so that no add waits for the root entry: R + 8 * leaf index is
   * formed while it loads (larson's CPU time: +4% over the flat map with an add after
   * the load, +0% with the lea).  The entries are memory the asm reads: hence the
   * clobber. */
  uintptr_t i, j;
  __asm__("mov %[p], %[i]\n\t"
          "shr %[ls], %[i]\n\t"
          "and %[rm], %[i]\n\t"
          "mov %c[ro](%[r],%[i],8), %[i]\n\t"
          "mov %[p], %[j]\n\t"
          "shr %[ps], %[j]\n\t"
          "and %[lm], %[j]\n\t"
          "lea (%[r],%[j],8), %[j]\n\t"
          "mov %c[eo](%[j],%[i]), %[j]\n\t"
          "add %[r], %[j]"
          : [i] "=&r"(i), [j] "=&r"(j)
          : [p] "r"(p), [r] "r"(&hg_pm), [ls] "i"(HG_PM_LEAF_SHIFT), [ps] "i"(HG_PAGE_SHIFT),
            [rm] "i"((1 << HG_PM_ROOT_BITS) - 1), [lm] "i"((1 << HG_PM_LEAF_BITS) - 1),
            [ro] "i"(offsetof(struct hg_pm_tree, root)), [eo] "i"(offsetof(struct hg_pm_tree, empty))
          : "cc", "memory");
  return (struct hg_span *)j;
#else
  return (struct hg_span *)((uintptr_t)&hg_pm + hg_pm_entry((uintptr_t)p));
#endif
}

/* The span of the page holding p, or NULL if the allocator does not own it. */
static inline struct hg_span *hg_pagemap_get(const void *p) {
  uintptr_t a = (uintptr_t)p;
  if (hg_unlikely(a >> HG_PM_ADDR_BITS)) return NULL;
  uintptr_t e = hg_pm_entry(a);
  return e ? (struct hg_span *)((uintptr_t)&hg_pm + e) : NULL;
}

/* Point npages pages from page address `start` at s.  Returns false (nothing changed
 * beyond already-present leaves) if a leaf could not be allocated.  Region lock held. */
bool hg_pagemap_set(uintptr_t start, size_t npages, struct hg_span *s);
/* Make sure leaves exist for the range, so later hg_pagemap_set calls on it cannot
 * fail. */
bool hg_pagemap_reserve(uintptr_t start, size_t npages);
/* Whether [start, end) lies in the tree's static part, the root and the empty leaf
 * (the leak scan skips it: its entries are offsets, not pointers). */
bool hg_pagemap_holds(uintptr_t start, uintptr_t end);

#endif
