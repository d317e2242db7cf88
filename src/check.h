/* check.h — check mode: every block between redzones, freed blocks poisoned and held in
 * a quarantine, every pointer given back verified against a table of blocks, a leak
 * scan at exit; errors reported Valgrind-style with the stacks involved.
 *
 * Layout of a block (its slot comes from a private heap for small sizes, from the
 * region's medium spans otherwise):
 *
 *     slot                      user                    user+size           slot+raw
 *     | left redzone (>= R, pads | user's bytes          | right redzone (>= R, plus |
 *     |  to the alignment)       |                       |  the slot's rounding)     |
 *
 * Redzone bytes hold HG_CHECK_REDZONE_BYTE, checked when the block is freed or
 * realloc'd, by hg_check_heap() and at exit.  A freed block's bytes are overwritten
 * with HG_CHECK_FREED_BYTE (the first HG_CHECK_POISON_MAX of them) and the block waits
 * in a FIFO quarantine bounded in bytes (HEAPGUARD_QUARANTINE); the poison is verified
 * when it leaves, and at exit.  A large block's whole pages are made inaccessible
 * instead of poisoned (protect.h): a read or write there faults, and is reported then.
 * While its record exists, a second free is a double free, reported with both stacks.
 * An error is reported and the program goes on (the bad free is ignored); at exit, if
 * any error was found, the process exits with HEAPGUARD_ERROR_EXITCODE.
 *
 * One lock serialises check mode's bookkeeping; stacks are captured and reports
 * printed outside it. */
#ifndef HG_CHECK_H
#define HG_CHECK_H

#include "internal.h"
#include "stack.h"

#define HG_CHECK_REDZONE_BYTE 0xfa
#define HG_CHECK_FREED_BYTE   0xfd
#define HG_CHECK_POISON_MAX   ((size_t)1 << 20)

/* The allocation functions, as named in reports.  C++'s operators (cxx.c) come after
 * C's: a block's record keeps the one that allocated it, and its deallocation must be
 * of the same family (check_family.c). */
enum hg_api {
  HG_API_NONE, HG_API_MALLOC, HG_API_FREE, HG_API_CALLOC, HG_API_REALLOC, HG_API_MEMALIGN,
  HG_API_POSIX_MEMALIGN, HG_API_ALIGNED_ALLOC, HG_API_VALLOC, HG_API_PVALLOC,
  HG_API_USABLE_SIZE,
  HG_API_NEW, HG_API_NEW_ARRAY, HG_API_NEW_ALIGNED, HG_API_NEW_ARRAY_ALIGNED,
  HG_API_DELETE, HG_API_DELETE_ARRAY, HG_API_DELETE_SIZED, HG_API_DELETE_ARRAY_SIZED,
  HG_API_DELETE_ALIGNED, HG_API_DELETE_ARRAY_ALIGNED, HG_API_DELETE_SIZED_ALIGNED,
  HG_API_DELETE_ARRAY_SIZED_ALIGNED,
  HG_API_COUNT
};
extern HG_HIDDEN const char *const hg_check_api_names[];

/* A deallocation's size (sized operator delete) when it says none. */
#define HG_SIZE_UNSAID SIZE_MAX

extern HG_HIDDEN bool hg_check_on;

/* Process start in check mode: hg_check_init from hg_init (no allocation allowed),
 * hg_check_start from the library constructor (loads the unwinder). */
void hg_check_init(void);
void hg_check_start(void);
/* The quarantine's bound, from the options: in hg_check_init, and for sampled guard
 * mode's quarantine in hg_guard_init. */
void hg_check_init_quarantine(void);
/* The exit-time work (check_exit.c: verify, leak scan, summary), once per process:
 * from the library destructor at exit(), or from _exit (init.c).  Returns the status to
 * exit with: the error exit code if errors were found and it is set, else `status`.
 * After a lock wait that could not end cut it short (init.c), hg_check_exit_abandoned
 * says so and returns the status the same way, from the errors counted by then. */
int hg_check_at_exit(int status);
int hg_check_exit_abandoned(int status);

void *hg_check_alloc(size_t n, size_t align, enum hg_api api, bool zero);
/* malloc(n) (api.c: check mode sends every malloc there, hg_fast_limit 0). */
void *hg_check_malloc(size_t n);
void hg_check_free(void *p, enum hg_api api);
/* Operator delete in all its forms (cxx.c): p freed as hg_check_free does, after its
 * block is checked against the form: its family (new, new[], malloc), and, when the
 * form says them, its size (HG_SIZE_UNSAID: not said) and its alignment (0: none). */
void hg_check_delete(void *p, enum hg_api api, size_t size, size_t align);
/* After operator new's fallback through the C++ runtime (cxx.c), whose operator got
 * block p from malloc or aligned_alloc: record p as api's, of n bytes (the runtime may
 * have asked for more) and aligned to `align` (0: not an aligned form). */
void hg_check_retag(void *p, enum hg_api api, size_t n, size_t align);
/* The slots the quarantine holds in small spans and in medium spans of the region,
 * bytes as the stats count them (the class size; the span) and blocks: freed by the
 * program, so not in use to mallinfo2 (stats.c).  Guarded slots are counted out when
 * freed (hg_stats_guarded); a slot with a mapping of its own stays mapped, hblkhd's. */
struct hg_check_quarantined {
  size_t small_bytes, small_blocks, medium_bytes, medium_requested, medium_blocks;
};
void hg_check_quarantined(struct hg_check_quarantined *q);
void *hg_check_realloc(void *p, size_t n);
size_t hg_check_usable_size(const void *p);

/* Guard mode (guard.c, fault.c).  In guard mode hg_check_alloc gives every block a
 * guarded slot (guard.h) when it can, and freed guarded blocks wait in the quarantine
 * inaccessible.  Sampled guard mode uses the same functions without check mode:
 * hg_check_alloc_sampled makes a guarded block with a record, as `api`'s (malloc's or
 * operator new's; NULL, errno unchanged, if no guarded slot can be made now);
 * hg_check_free or hg_check_delete, and hg_check_block_size (the size of live block p,
 * as `api` would see it; a bad pointer is reported) take them back.  In sampled mode
 * any error reported ends the program (hg_guard_sampled_error). */
void *hg_check_alloc_sampled(size_t n, enum hg_api api);
size_t hg_check_block_size(const void *p, enum hg_api api);
/* The fault handler: an access (1 write, 0 read, -1 unknown) at addr, in a guarded
 * mapping or a protected quarantined block (protect.h), faulted, at stack `where`.
 * Reports it (against the block whose guard page, or freed pages, addr is in) and
 * returns true; false if addr is in no such block. */
bool hg_check_report_fault(uintptr_t addr, int access, hg_stack_t where);

/* A crash report (crash.c): the block whose slot holds addr, or whose end lies less
 * than a page before it, copied to *out; false if none (or check mode's lock could not
 * be taken within about a second).  hg_check_describe_address prints where addr lies:
 * relative to that block, with its stacks, or where in the process. */
struct hg_block;
bool hg_check_block_near(uintptr_t addr, struct hg_block *out);
void hg_check_describe_address(uintptr_t addr);

/* The live blocks' record numbers, listed for the leak scan by the verify at exit as
 * it reads every record, so that the scan does not read them all again (with the
 * quarantine full of small blocks, 560,000 records: 27 MiB).  It holds every live
 * block when `whole` is set and no record was added since `inserts` (the verify
 * releases the lock between its batches, and before the scan takes it): a block freed
 * since is still listed, the scan drops it. */
struct hg_live_list {
  uint32_t *ids;          /* NULL: none kept (the scan lists the blocks itself) */
  size_t n, room;
  size_t bytes;           /* mapped size; 0: not mapped */
  size_t inserts;         /* hg_blocks_inserts() when the verify began */
  uintptr_t lo, hi;       /* bounds of the blocks listed (user bytes, + 1) */
  bool whole;
};

/* Verify every block's redzones and every quarantined block's poison, reporting what
 * is wrong; returns the number of errors found.  exiting: the verify at exit, which in
 * a fork child leaves alone the pages it still shares with its parent (forkpages.h).
 * live: NULL, or a list (hg_leak_list_start) to fill with the live blocks. */
size_t hg_check_verify(const char *when, bool exiting, struct hg_live_list *live);

/* For the leak scan (leak.c): check mode's lock; whether address a is in check mode's
 * own bookkeeping (records, quarantine ring, stack depot), which holds no pointer of the
 * program's and is not scanned (lock held). */
void hg_check_lock(void);
void hg_check_unlock(void);
bool hg_check_holds(uintptr_t a);

/* leak.c: the reachability scan and the leak report, at exit.  hg_leak_list_start
 * prepares a list for the verify (room for every record in use; ids NULL if it cannot
 * be had); hg_leak_report takes the list (or NULL) and releases it. */
void hg_leak_list_start(struct hg_live_list *l, uint32_t *few, size_t nfew);
void hg_leak_report(struct hg_live_list *l);

/* Each thread's serial number for the leak scan in a fork child (leak.c): 0 until the
 * thread's first check-mode allocation, which takes one (hg_leak_new_thread_serial)
 * and stores it in the block's record (alloc_thread). */
extern HG_HIDDEN __thread uint32_t hg_leak_thread_serial;
uint32_t hg_leak_new_thread_serial(void);
/* From check mode's fork handler in the child (async-signal-safe: one load, one store). */
void hg_leak_fork_child(void);

/* Errors check mode finds in a thread that is printing a report (the symboliser's
 * allocations: a free of its pushes a written block out of the quarantine) are not
 * printed inside that report: they wait, and hg_diag_unlock prints them once it ends,
 * the report lock still held (check_report.c).  No-op when none wait. */
void hg_check_report_deferred(void);

void hg_check_fork_prepare(void);
void hg_check_fork_parent(void);
void hg_check_fork_child(void);

#endif
