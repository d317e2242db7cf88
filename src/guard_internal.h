/* guard_internal.h — what guard mode's two files share: guard.c (guarded slots, their
 * page index and limits, guard mode's spares) and guard_sample.c (sampled mode's pool of
 * slots, and the countdown that picks the samples).  Not for the rest of the library:
 * guard.h is its interface. */
#ifndef HG_GUARD_INTERNAL_H
#define HG_GUARD_INTERNAL_H

#include "guard.h"
#include "options.h"

/* The guard page is before the data pages (HEAPGUARD_GUARD_SIDE=before). */
static inline bool hg_guard_before(void) { return hg_opt.guard_side == HG_GUARD_BEFORE; }

/* guard.c: index pages [start, start + npages pages) as belonging to slot (0: forget
 * them).  False if a leaf of the index could not be mapped. */
bool hg_guard_index_set(uintptr_t start, size_t npages, uintptr_t slot);

/* guard_sample.c: the pool's slots, for hg_guard_map, hg_guard_retire and hg_guard_unmap
 * when sampling.  hg_guard_pool_take: a slot for a sample, read-write; 0 if none can be
 * had now.  hg_guard_pool_give: a slot back, out of the quarantine.  The pool's bytes in
 * use so far, for hg_guard_mapped_bytes. */
bool hg_guard_in_pool(uintptr_t slot);
uintptr_t hg_guard_pool_take(void);
void hg_guard_pool_give(uintptr_t slot);
size_t hg_guard_pool_mapped_bytes(void);
/* The block of pool slot `slot` was freed: the slot made inaccessible; false if the
 * kernel refused. */
bool hg_guard_pool_retire(uintptr_t slot);

/* guard_sample.c: the pool's lock across fork (hg_guard_fork_*, which take it first). */
void hg_guard_pool_fork_prepare(void);
void hg_guard_pool_fork_parent(void);
void hg_guard_pool_fork_child(void);

#endif
