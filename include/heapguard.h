/* heapguard.h — heapguard's own API.
 *
 * heapguard replaces malloc, free and the rest of glibc's allocation API in the whole
 * process (LD_PRELOAD=libheapguard.so, or link with -lheapguard); nothing needs this
 * header for that.  It adds what glibc's API has no words for: version, detailed
 * statistics and heap checks on demand.  Options are set with HEAPGUARD_* environment variables (README). */
#ifndef HEAPGUARD_H
#define HEAPGUARD_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HEAPGUARD_VERSION "0.1.0"

/* The library's version string, e.g. "0.1.0". */
const char *hg_version(void);

/* A snapshot of the allocator's state.  All sizes in bytes. */
struct hg_stats {
  size_t in_use;          /* memory the live blocks hold (mallinfo2's uordblks + hblkhd):
                             their usable bytes in the default mode; in check mode their
                             slots, redzones included, and the quarantined blocks'; a
                             guarded block's data pages (guard mode, or sampled) */
  size_t heap_bytes;      /* size of the brk heap */
  size_t region_bytes;    /* mmap'd regions used like the heap when brk cannot grow */
  size_t large_bytes;     /* mapped for blocks at or above the mmap threshold */
  size_t large_count;     /* such blocks */
  size_t free_bytes;      /* free pages held in the heap and regions */
  size_t free_runs;       /* runs of free pages (external fragmentation: many small runs) */
  size_t largest_free;    /* the longest free run */
  size_t dirty_bytes;     /* free bytes that may still be resident */
  size_t meta_bytes;      /* mapped for the allocator's own records (out of band) */
  size_t brk_calls, mmap_calls, munmap_calls, madvise_calls, mremap_calls;
  /* Since 0.1.0's stats mode: */
  size_t requested;       /* bytes the program asked for, summed over the live blocks
                             (exact for small blocks only with HEAPGUARD_STATS or
                             HEAPGUARD_TIMELINE set; otherwise their usable size) */
  size_t blocks;          /* live blocks */
  size_t free_slot_bytes; /* free slots of small-block spans (free, but only for their size) */
  size_t mallocs, frees;  /* blocks allocated since start, and freed (allocated - live);
                             small blocks are counted only in stats mode */
  size_t rss;             /* the process's resident memory (/proc/self/statm) */
};

/* Fill *st (size: sizeof *st, for compatibility across versions: a smaller struct from
 * an older header gets its own fields); returns 0, or -1 if size is smaller than the
 * first version of the struct. */
int hg_stats_get(struct hg_stats *st, size_t size);

/* Print the stats table now, as at exit: to HEAPGUARD_STATS_FILE or stderr, as text or
 * JSON per HEAPGUARD_STATS (text when it is not set).  The requested bytes of small
 * blocks are exact only when stats mode is on (HEAPGUARD_STATS or HEAPGUARD_TIMELINE). */
void hg_stats_print(void);

/* Check mode (HEAPGUARD_MODE=check, `heapguard check`): verify now every block's
 * redzones and every freed block's poison, reporting each corruption found as at exit
 * (and counting it for the exit status).  Returns the number of errors this call
 * found; in the default mode, which keeps no redzones, it checks nothing and returns 0.
 * Bytes in pages the program made unreadable (mprotect) are not read; each call reads
 * /proc/self/maps once to know them (tens of microseconds). */
size_t hg_check_heap(void);

#ifdef __cplusplus
}
#endif
#endif
