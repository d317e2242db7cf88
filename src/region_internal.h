/* region_internal.h — what the region's two files share: region.c (extents, free page
 * runs, spans) and region_large.c (large blocks, one mapping each).  Not for the rest of
 * the library: region.h is its interface. */
#ifndef HG_REGION_INTERNAL_H
#define HG_REGION_INTERNAL_H

#include "region.h"

/* The region's one lock: free runs, extents, spans' pages, the large-block list and its
 * counters.  The fork handlers (region.c) take it for both files. */
extern hg_lock_t hg_region_lock HG_HIDDEN;

/* For hg_large_alloc: a MEDIUM span of npages pages carved from a free run that is
 * already there, never growing the heap, or NULL: no run fits, fewer than half of its
 * pages are resident (clean pages cost the same page faults as a new mapping), or it is
 * a top that glibc would have cut.  Takes the lock. */
struct hg_span *hg_region_alloc_resident(size_t npages, size_t align_pages);

/* For hg_region_walk, under the lock: the large blocks' counters into st, and
 * visit(ctx, s) for every large block (visit may be NULL). */
void hg_large_walk_locked(struct hg_region_stats *st,
                          void (*visit)(void *ctx, const struct hg_span *s), void *ctx);

#endif
