/* meta.h — out-of-band memory for the allocator's own records.
 *
 * Span descriptors, heaps and pagemap nodes never live next to user blocks: they come
 * from separate mappings, so an overflow of a user block can corrupt a neighbouring
 * block but never the allocator's bookkeeping.  Memory returned is zeroed.  Thread-safe
 * (hg_meta_lock); never calls malloc. */
#ifndef HG_META_H
#define HG_META_H

#include "internal.h"

/* size bytes aligned to 64 (a cache line), zeroed, or NULL when the kernel refuses. */
void *hg_meta_alloc(size_t size);

struct hg_span;
/* Span descriptors are recycled through a free list (they are the only records that
 * come and go often). */
struct hg_span *hg_meta_span_new(void);
void hg_meta_span_delete(struct hg_span *s);

size_t hg_meta_bytes_mapped(void);
void hg_meta_fork_prepare(void);
void hg_meta_fork_parent(void);
void hg_meta_fork_child(void);

#endif
