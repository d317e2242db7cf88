/* guard.h — guard mode: blocks placed against inaccessible pages, so that a bad access
 * faults at the instruction that makes it; the fault is reported like check mode's
 * errors.  Two forms:
 *
 *   full     HEAPGUARD_MODE=guard (`heapguard guard`): check mode (check.c: records,
 *            stacks, double and invalid frees, leak scan, summary, exit status) with a
 *            guarded slot for every block instead of a slot between redzones;
 *   sampled  HEAPGUARD_SAMPLE_RATE=N in the default allocator: one malloc in N
 *            (randomised) gets a guarded slot and a record, through the same check.c
 *            functions; everything else is the default allocator, untouched.
 *
 * A guarded slot is a mapping of its own: the block's data pages and one PROT_NONE
 * guard page, after them (HEAPGUARD_GUARD_SIDE=after, the default) or before them:
 *
 *   after:   | slack (redzone bytes) | user's bytes | GUARD |      slot = the data pages' start
 *   before:  | GUARD | user's bytes | slack (redzone bytes) |      user = slot
 *
 * With side=after the block ends flush against the guard page when the size is a
 * multiple of its alignment: a malloc'd (calloc'd, realloc'd) block is aligned to the
 * largest power of two dividing its size, at most 16 (as Electric Fence does), which
 * keeps every object type that fits it naturally aligned and makes malloc(100) end at
 * the guard page (alignment 4).  memalign and its family get exactly the alignment
 * asked for (at least 16), so there a slack of up to alignment - 1 bytes may separate
 * the block's end from the guard page.  The slack bytes next to the block (at most
 * 256 on each side, check.c's GUARD_SLACK_CHECKED) hold check mode's redzone pattern
 * and are verified when the block is freed, as check mode's redzones are; the rest of
 * a page of slack is neither written nor checked.
 *
 * When a block is freed its data pages are given back to the kernel (MADV_DONTNEED)
 * and made PROT_NONE; the mapping waits in check mode's quarantine (FIFO, bounded in
 * bytes of address space and in number), then is unmapped (or, a slot of up to 16 pages,
 * kept inaccessible as a spare for the next block of as many pages: guard.c).  Any
 * access to it
 * faults until then.
 *
 * Every page of every guarded mapping (guard page included) is indexed in guard.c's
 * own radix tree, page -> its slot, so a fault address, a pointer given to free or an
 * interior pointer found by the leak scan leads to the block's record.  The allocator's
 * page map does not know guarded slots: in the default allocator a sampled block's
 * free() fails the fast path's owner check and its slow path asks guard.c.
 *
 * Limits: each live guarded block costs at least two pages of address space (one of
 * them resident) and two kernel mappings (VMAs); a freed one, one or two mappings and
 * no memory.  When the mappings in use near vm.max_map_count (read at start), or the
 * kernel refuses a mapping, guard mode gives new blocks check mode's redzone slots
 * instead, after one warning line; sampled mode stops sampling until its pool can be
 * mapped (tried again every 1024 samples due). */
#ifndef HG_GUARD_H
#define HG_GUARD_H

#include "check.h"
#include "heap.h"
#include "internal.h"

extern bool hg_guard_on;                /* full guard mode */
extern bool hg_guard_sampling;    /* sampled guard mode (default allocator) */

/* Process start: hg_guard_init from hg_init (after the options; no allocation),
 * hg_guard_start from the library constructor (fault handler, mapping limit, and in
 * sampled mode the report channel and the unwinder). */
void hg_guard_init(void);
void hg_guard_start(void);

/* ---- guarded slots (check.c) ------------------------------------------------------ */

/* Why guard mode made no slot for a block it could have guarded (the caller gives it
 * redzones instead, if it can have any memory at all). */
enum hg_guard_refusal {
  HG_GUARD_MADE,        /* made, or not guard mode's to make (too big, sampled pool full) */
  HG_GUARD_NO_BUDGET,   /* the mapping budget (vm.max_map_count) is spent */
  HG_GUARD_NO_MEMORY,   /* the kernel refused the mapping (memory, address space) */
  HG_GUARD_NO_PAGE,     /* the kernel refused the guard page's mprotect */
};

struct hg_guard_slot {
  uintptr_t slot;   /* start of the data pages (the record's key) */
  uintptr_t user;   /* the block */
  size_t raw;       /* bytes of data pages */
  enum hg_guard_refusal refused;   /* set when hg_guard_map returns false */
};

/* A guarded slot for n bytes: aligned to `align` (a power of two >= 16), or, when
 * `natural`, to the largest power of two dividing n (at most 16).  False if none can
 * be made now, with the reason in g->refused: the caller falls back.  Takes no lock of
 * check.c's. */
bool hg_guard_map(size_t n, size_t align, bool natural, struct hg_guard_slot *g);
/* Guard mode's one warning line, for the reason a slot was refused: printed when a
 * block does get redzones instead (not when the request fails outright: a malloc of
 * 1 TiB, refused by any allocator, degrades nothing). */
void hg_guard_fell_back(enum hg_guard_refusal why);
/* The block of this slot was freed: its data pages are emptied and made inaccessible.
 * False if the kernel refused (the caller then unmaps the slot at once). */
bool hg_guard_retire(uintptr_t slot, size_t raw);
/* The slot leaves: unmapped, forgotten by the index. */
void hg_guard_unmap(uintptr_t slot, size_t raw);
/* Bytes of guarded mappings (data and guard pages), for the stats (stats.c): in guard
 * mode every slot mapped (live, quarantined, spare); sampled, the pool's slots used so
 * far (its reservation's other pages were never touched). */
size_t hg_guard_mapped_bytes(void);
/* The slot of the guarded mapping holding address a (data or guard page), or 0. */
uintptr_t hg_guard_slot_of(uintptr_t a);
/* Most freed guarded blocks the quarantine may hold: in guard mode a quarter of the
 * mapping budget (their mappings count); sampled, HEAPGUARD_SAMPLE_QUARANTINE, at most
 * half the pool (each keeps its page resident). */
size_t hg_guard_quarantine_max(void);
/* The least alignment of a guarded block from malloc, calloc or realloc:
 * HEAPGUARD_GUARD_ALIGN in guard mode, HEAPGUARD_SAMPLE_ALIGN when sampling. */
size_t hg_guard_least_alignment(void);

/* ---- sampled guard mode (api.c, heap.c) ------------------------------------------- */

/* One request less before the next sample, on heap h (the calling thread's): false
 * when its countdown reaches 0 (this request may be the sample: hg_guard_sample_slow).
 * On x86-64 one decrement in memory whose flags the caller's branch uses, so that
 * sampled mode's unsampled mallocs (api.c's alloc) stay within a few instructions of
 * the fast path; in asm also because threads without a heap all decrement
 * hg_heap_empty's (heap.h).  (Not asm goto: gcc 12 sent its label to a wrong block once
 * inlined in realloc.) */
static inline bool hg_guard_count_down(struct hg_heap *h) {
#if defined(__x86_64__)
  bool more;
  __asm__("subq $1, %0" : "+m"(h->sample_countdown), "=@ccg"(more) : : );
  return more;
#else
  return --h->sample_countdown > 0;
#endif
}
/* The countdown reached 0 for a malloc of n bytes: n's block, a sampled one if this
 * request can be (a thread's first only starts its countdown). */
void *hg_guard_sample_slow(size_t n);
/* From malloc's slow path when sampling: a sampled block for n bytes, or NULL (not
 * this one: the default allocator serves it). */
void *hg_guard_sample(size_t n);
/* From operator new's slow path when sampling (cxx.c): a sampled block for n bytes
 * recorded as `api`'s (new, new[]), so that its delete is checked against it, or NULL
 * (not due, or not this one).  Then a request up to hg_sampled_fast_limit, counted
 * already, takes the heap (hg_heap_alloc); a bigger one malloc, which counts it and
 * never finds it due.  No block made during an operator new is sampled as malloc's. */
void *hg_guard_sample_new(size_t n, enum hg_api api);
/* free(p) of a pointer the page map does not know: true if p lies in a sampled
 * block's mapping (then it was freed, or the error reported). */
bool hg_guard_sample_free(void *p);
/* The usable size of sampled block p for `op` ("realloc", "malloc_usable_size"), in *n;
 * false if p is not in a sampled block's mapping. */
bool hg_guard_sample_size(const void *p, const char *op, size_t *n);
/* Samples due but not taken because HEAPGUARD_SAMPLE_BUDGET was spent (stats). */
size_t hg_guard_samples_skipped(void);
/* After an error about a sampled block was reported (check.c): the default
 * allocator's policy, stop the program. */
HG_NORETURN HG_COLD void hg_guard_sampled_error(void);

/* ---- faults (fault.c) ---------------------------------------------------------------- */

/* Install the SIGSEGV/SIGBUS handler (keeping the program's actions, which the
 * library's sigaction() and signal() then manage). */
void hg_fault_install(void);

/* In a fork child (check.c's fork handler): no report is being written. */
void hg_fault_fork_child(void);

/* A point in a report of a signal (the error summary: diag.c) where the tests make the
 * report fault (fault.c: HG_TEST_FAULT_IN_REPORT); nothing otherwise. */
void hg_fault_test_point(void);

void hg_guard_fork_prepare(void);
void hg_guard_fork_parent(void);
void hg_guard_fork_child(void);

#endif
