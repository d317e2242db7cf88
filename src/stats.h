/* stats.h — stats mode: where the bytes went (HEAPGUARD_STATS, HEAPGUARD_TIMELINE).
 *
 * Observation.  When stats or the timeline are on (run mode only), init sets
 * hg_fast_limit to 0, so every allocation leaves the fast path for api.c's alloc_slow,
 * which calls hg_stats_alloc_note once per block; malloc(0) (which the limit cannot
 * divert) is sent out of the fast path by mapping size index 0 to the sentinel class
 * HG_NCLASSES, whose current span is always empty (heap.c hands it to
 * hg_stats_alloc_zero).  The default mode pays nothing: no instruction is added to
 * malloc's or free's fast path.  free() is not observed.
 *
 * Exact requested bytes.  Each small span gets, on its first observed allocation, a
 * side array (struct hg_stats_slots, from meta.c, out of band) holding the requested
 * size of every slot, written at each observed allocation (and by realloc in place).
 * A snapshot sums it over the live slots (bit clear in free_bits and remote_bits), so
 * frees need not be seen.  Medium and large spans hold their requested size already.
 * The array stays with the span descriptor when the descriptor is recycled (meta.c),
 * and is replaced by a larger one if a later span needs more slots.
 *
 * Counts.  Small blocks allocated are counted here; medium and large ones by the
 * region (hg_region_stats), so every block is counted exactly once whatever entry point
 * made it.  Blocks freed are derived: allocated - live.
 *
 * Output.  stats.c takes snapshots (struct hg_snapshot) and serves hg_stats_get and
 * glibc's mallinfo/mallinfo2/malloc_stats/malloc_info from them, so all of them agree;
 * stats_out.c formats the table (text or JSON) and the timeline's records (JSON Lines,
 * contract in docs/stats-format.md), handles the files, the signal and the exit;
 * timeline.c writes the timeline's file and decides when to sample (timeline.h). */
#ifndef HG_STATS_H
#define HG_STATS_H

#include "internal.h"
#include "sizeclass.h"

#ifndef HG_HIDDEN
#define HG_HIDDEN __attribute__((visibility("hidden")))
#endif

/* Per-slot requested sizes of a small span (requests fit: a slot is at most 32 KiB). */
struct hg_stats_slots {
  uint32_t cap;          /* entries in bytes[] (a power of two >= the span's nblocks) */
  uint16_t bytes[];
};

/* Observation is on: set once by init (before any block is handed out). */
extern HG_HIDDEN bool hg_stats_on;

/* From hg_init (no allocation, no output): decide whether stats mode is on. */
void hg_stats_init(void);
/* From the library constructor: open the output files, write the timeline's start
 * line, install the signal handler. */
void hg_stats_start(void);
void hg_stats_fork_child(void);
/* The table and the timeline's final record, once per process: from the library
 * destructor at exit(), or from _exit (init.c); hg_stats_exit_abandoned says that
 * _exit's could not be finished (see hg_exit_abandon). */
void hg_stats_at_exit(void);
void hg_stats_exit_abandoned(void);

/* Hooks, called only when hg_stats_on: block p (NULL: the allocation failed) of n
 * requested bytes was handed out; small block p now holds n bytes (realloc in place);
 * malloc(0). */
void hg_stats_alloc_note(void *p, size_t n);
void hg_stats_resized(void *p, size_t n);
void *hg_stats_alloc_zero(void);
/* Guarded blocks (guard mode's, sampled mode's: guard.h) live in mappings of their own,
 * in no span the snapshot walks: check.c counts them here, under its lock, as they
 * become live (+1 block, its requested bytes, its data pages), are freed (the same,
 * negated) or shrink (hg_check_retag: requested only).  Deltas, added modulo 2^64. */
void hg_stats_guarded(ptrdiff_t blocks, ptrdiff_t requested, ptrdiff_t in_use);

/* ---- snapshots (stats.c) ------------------------------------------------------------ */

#define HG_STATS_THREADS 64   /* heaps detailed one by one; the rest are summed in one row */

struct hg_stats_class {
  size_t spans, slots, live, requested, free_slots;
};

struct hg_stats_heap {
  uint32_t id;           /* heap number, from 1 in creation order (0: the other heaps) */
  bool parked;           /* no thread uses it now (its thread exited) */
  size_t spans, free_slots, free_bytes, remote;   /* remote: freed by other threads, not yet collected */
  uint16_t class_spans[HG_NCLASSES];
  uint32_t class_free[HG_NCLASSES];
};

/* One record per span or free run, for the final JSON's map of the heap. */
struct hg_stats_span {
  uintptr_t start;
  size_t bytes;
  uint32_t class_size;   /* SMALL: block size */
  uint16_t used, slots;  /* SMALL: live slots, slots */
  uint8_t kind;          /* enum hg_span_kind */
};

struct hg_snapshot {
  uint64_t t_us;                         /* since the allocator started */
  size_t requested, in_use, blocks;      /* live blocks */
  size_t small_requested, small_in_use, small_blocks;
  size_t medium_requested, medium_in_use, medium_blocks;
  size_t large_requested, large_in_use, large_blocks;
  size_t guarded_requested, guarded_in_use, guarded_blocks;   /* in_use: their data pages */
  size_t guarded_mapped;                 /* guarded mappings' bytes (guard.h) */
  size_t guarded_allocs;                 /* guarded blocks made since start (sampled: samples) */
  size_t samples_skipped;                /* samples due, not taken: HEAPGUARD_SAMPLE_BUDGET */
  size_t heap, regions, large_mapped, mapped, meta, rss;
  size_t peak_rss;    /* the kernel's high-water mark of rss (VmHWM), 0 if unknown */
  size_t free, free_run_bytes, free_runs, free_slot_bytes, free_slots, largest_free, largest_run;
  size_t dirty, span_tail;               /* span_tail: bytes of small spans after their last slot */
  size_t mallocs, frees;                 /* blocks allocated since start; frees = mallocs - blocks */
  size_t brk, mmap, munmap, madvise, mremap, kernel_calls;
  size_t top_free, large_max_count, large_max_bytes;
  bool exact;                            /* every live small block's request is known */
  struct hg_stats_class classes[HG_NCLASSES];
  unsigned nheaps;
  struct hg_stats_heap heaps[HG_STATS_THREADS + 1];
  /* spans (only when asked): nspans records at spans[], up to spans_cap; spans_lost
   * counts those that did not fit */
  struct hg_stats_span *spans;
  size_t nspans, spans_cap, spans_lost;
};

/* Fill *sn.  With try set (a signal handler) give up, returning false, rather than wait
 * for a lock.  With spans set, also list every span into sn->spans (capacity
 * sn->spans_cap), in address order. */
bool hg_stats_snapshot(struct hg_snapshot *sn, bool try, bool spans);
/* The one shared snapshot (about 40 KiB: not for stacks) under the stats lock; with
 * try set, NULL if the lock is busy.  The lock is taken before the region's. */
struct hg_snapshot *hg_stats_acquire(bool try);
void hg_stats_release(void);
void hg_stats_reset_lock(void);
/* Whether a fork's child has stats state to reset (hg_stats_fork_child). */
bool hg_stats_fork_busy(void);
/* stats_out.c: from every observed allocation: the stats a signal asked for while the
 * allocator was busy, a timeline sample when one is due (timeline.c). */
void hg_stats_tick(void);
/* External fragmentation, 1 - largest_free / free, in ten-thousandths. */
unsigned hg_stats_frag_e4(const struct hg_snapshot *sn);
/* Microseconds since the allocator started. */
uint64_t hg_stats_now_us(void);

#endif
