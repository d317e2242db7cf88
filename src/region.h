/* region.h — pages from the kernel, carved into spans; large blocks.
 *
 * The region owns every page the allocator gets from the kernel.  Small and medium
 * spans are carved from extents: the brk heap (grown in large steps, shown as [heap]
 * in /proc/self/maps) and, when the break cannot move, mmap'd regions.  Free page runs
 * sit in bins by length; allocation splits a run, release coalesces with free
 * neighbours, so external fragmentation stays low.  Free runs that exceed the dirty
 * budget are given back with madvise (oldest first), and a free top of the brk heap
 * larger than the trim threshold shrinks the break.  Blocks at or above the mmap
 * threshold get a mapping of their own (region_large.c).  All of it is under
 * hg_region_lock. */
#ifndef HG_REGION_H
#define HG_REGION_H

#include "internal.h"
#include "lock.h"

struct hg_span;

/* Carve a span of npages pages whose start is a multiple of align_pages pages (a power
 * of two, 1 for none), of the given kind (SMALL or MEDIUM); every page is registered
 * in the pagemap.  NULL when the kernel gives no more memory. */
struct hg_span *hg_region_alloc(size_t npages, size_t align_pages, int kind);
/* Give a SMALL span's pages back (coalesce, maybe purge or trim). */
void hg_region_free(struct hg_span *s);
/* The same for a SMALL span a remote free claimed (span.h), whose descriptor s must
 * stay as it is for its owner: r, a descriptor from hg_meta_span_new, describes the
 * pages from now on (r == s: hg_region_free). */
void hg_region_free_pages(const struct hg_span *s, struct hg_span *r);
/* free() of medium block p in span s: false if, under the lock, p turns out not to be
 * a live medium block any more (a double free, possibly racing with another thread). */
bool hg_region_free_medium(struct hg_span *s, const void *p);
/* MEDIUM span: grow to new_npages in place if the pages after it are free. */
bool hg_region_grow(struct hg_span *s, size_t new_npages);
/* MEDIUM span: give back its pages beyond new_npages. */
void hg_region_shrink(struct hg_span *s, size_t new_npages);

/* A MEDIUM span of npages in a mapping of its own, registered at every page as the
 * region's are (check mode's big slots: its block table finds a block from any of its
 * pages), outside the region's runs and counts; NULL if the kernel refuses.  Given back
 * with hg_region_free_mapped, which unmaps it: a freed big block leaves no address
 * space behind in the brk heap, where it kept the heap's one VMA as large as every big
 * block the program ever had at once, and a fork copies (and the kernel's overcommit
 * heuristic checks) each VMA whole.  align_pages: a power of two. */
struct hg_span *hg_region_alloc_mapped(size_t npages, size_t align_pages);
void hg_region_free_mapped(struct hg_span *s);
/* The least slot check mode maps so: 32 MiB, the ceiling of glibc's dynamic mmap
 * threshold (glibc maps every block from there), or the threshold the user fixed (none
 * while M_MMAP_MAX blocks are mapped).  Such a span is listed and counted as a large
 * block (the stats' mapped blocks, mallinfo's hblks and hblkhd).  Smaller slots stay in the region: a mapping each would cost two
 * system calls per block that glibc serves from its heap. */
size_t hg_region_mapped_min(void);

/* Large blocks: one mapping each, registered at their first page.  While glibc's
 * dynamic threshold is in force and a free has raised it, a request that fits in a
 * free run with resident pages is carved from that run instead, as a MEDIUM span
 * (glibc too serves a request above the threshold from the heap when it fits). */
struct hg_span *hg_large_alloc(size_t size, size_t align);
void hg_large_free(struct hg_span *s);
/* free() of large block p in span s: reports a double free (possibly racing with
 * another thread) if p is no longer a live large block.  Feeds glibc's dynamic mmap
 * threshold: unless the user fixed it, freeing a mapped block of up to 32 MiB raises
 * the threshold above it, so a program that keeps allocating such blocks gets them
 * from the heap instead of paying for mmap, munmap and page faults every time. */
void hg_large_free_checked(struct hg_span *s, const void *p);
/* Resize a large block's mapping (mremap); false leaves it unchanged. */
bool hg_large_resize(struct hg_span *s, size_t size);
/* Large blocks mapped now (racy read; for M_MMAP_MAX). */
size_t hg_large_live(void);
/* Was p a large block freed recently?  (Only to word a double-free report.) */
size_t hg_large_recently_freed(const void *p);
/* The size of a mapping unmapped recently (a large block's, or a check-mode slot's of
 * hg_region_alloc_mapped) that held p, else 0.  (Only to word a report.) */
size_t hg_large_recently_unmapped(const void *p);

/* Return idle memory to the kernel now (malloc_trim): purge every free run, shrink
 * the brk heap down to pad bytes of free top.  Returns bytes released. */
size_t hg_region_trim(size_t pad);
/* A thread has exited (hg_heap_abandon, after giving back its empty spans and parking
 * its heap), having carved or given back moved_pages pages: if both that and the free
 * pages possibly resident exceed M_TRIM_THRESHOLD, do the same with M_TOP_PAD. */
void hg_region_thread_exit(size_t moved_pages);

struct hg_region_stats {
  size_t brk_bytes;           /* current size of the brk heap(s) */
  size_t mmap_region_bytes;   /* extents mapped because brk could not grow */
  size_t free_bytes;          /* in free runs */
  size_t free_runs;           /* number of free runs */
  size_t largest_free;        /* longest free run, bytes */
  size_t dirty_bytes;         /* free bytes possibly resident */
  size_t small_span_bytes;    /* pages in small-block spans */
  size_t small_in_use;        /* bytes of allocated small blocks */
  size_t medium_bytes;        /* pages in medium blocks */
  size_t medium_count;
  size_t large_bytes;         /* mapped for large blocks */
  size_t large_count;
  size_t large_max_count, large_max_bytes;  /* high-water marks */
  size_t top_free;            /* free bytes at the top of the brk heap */
  size_t medium_total, large_total;  /* medium and large blocks ever allocated (stats) */
};
void hg_region_stats(struct hg_region_stats *st);
/* For stats.c: hg_region_stats, and visit(ctx, s) for every span and free run of the
 * heap and regions (SMALL, MEDIUM, FREE; extent by extent, each in address order) and
 * every large block, all under the region lock: visit must neither allocate nor take
 * a lock.  With try set, returns false at once if the lock is busy (a signal handler
 * may have interrupted its holder). */
bool hg_region_walk(struct hg_region_stats *st, bool try,
                    void (*visit)(void *ctx, const struct hg_span *s), void *ctx);

void hg_region_fork_prepare(void);
void hg_region_fork_parent(void);
void hg_region_fork_child(void);

#endif
