/* check_internal.h — what check mode's two files share: a finding (an error found under
 * check mode's lock, in check.c) and the functions that report findings (check_report.c)
 * once the lock is released.  Not for the rest of the library: check.h is its interface. */
#ifndef HG_CHECK_INTERNAL_H
#define HG_CHECK_INTERNAL_H

#include "check.h"
#include "blocks.h"
#include "stack.h"
#include "thread_id.h"

enum shape { F_OVERFLOW, F_UNDERFLOW, F_AFTER_FREE, F_DOUBLE_FREE, F_BAD_POINTER, F_MISMATCH };

struct finding {
  enum shape shape;
  enum hg_api op;          /* the call that was given the pointer (F_DOUBLE_FREE, F_BAD_POINTER) */
  uintptr_t addr;          /* the first changed byte, or the pointer given */
  struct hg_block block;   /* copy of the block involved; slot == 0 if none */
  hg_stack_t where;        /* the stack of the call that found it; 0: see `when` */
  enum hg_api where_api;
  const char *when;        /* how it was found without a call: "at exit", ... */
  int access;              /* a faulting access (guard mode): 1 READ, 2 WRITE, 3 unknown;
                              0: a changed byte found afterwards */
  bool in_report;          /* found by heapguard's own call while it printed a report
                              (deferred: hg_check_defer) */
  size_t size, align;      /* F_MISMATCH: what the deallocation said (check.h) */
  struct hg_thread_id thread;   /* the thread that found it (add) */
};

#define MAX_FINDINGS 8
/* Only f[0 .. n-1] is ever read. */
struct findings {
  unsigned n;
  struct finding f[MAX_FINDINGS];
};

/* Each function's family (check_family.c): which deallocations fit which allocations.
 * malloc's and the memalign family's blocks go to free or realloc, new's to delete,
 * new[]'s to delete[]; an aligned new's (align_val_t) to an aligned delete. */
enum { HG_FAMILY_MALLOC = 1, HG_FAMILY_NEW = 2, HG_FAMILY_NEW_ARRAY = 3, HG_FAMILY_ALIGNED = 4 };
extern HG_HIDDEN const uint8_t hg_check_api_family[HG_API_COUNT];

/* Whether deallocation `api` (saying size and align, check.h) fits live block b, whose
 * record keeps its alignment while it lives (blocks.h). */
static inline bool hg_check_dealloc_fits(const struct hg_block *b, enum hg_api api, size_t size,
                                         size_t align) {
  return hg_check_api_family[b->alloc_api] == hg_check_api_family[api] &&
         (size == HG_SIZE_UNSAID || size == b->size) && (!align || align == hg_block_align(b));
}

/* Report finding f (no lock held): counted, and printed if its context is new and no
 * suppression matches it (hg_diag_error_site); false if it was not printed. */
bool hg_check_report(const struct finding *f);
/* Report fs's findings, in order (no lock held); in sampled guard mode, any finding
 * ends the program (hg_guard_sampled_error). */
void hg_check_report_all(const struct findings *fs);

/* This thread is printing a report (hg_diag_reporting): fs's findings, from a call it
 * made (check mode's lock held), wait until that report ends (check.h:
 * hg_check_report_deferred) rather than be printed inside it.  False if they do not
 * fit: the caller prints them now.  While the waiting findings come near to filling
 * their room, blocks leave the quarantine only when it is drained (out of memory):
 * hg_check_evict_above is SIZE_MAX, so the blocks whose verify might find more stay
 * there, to be verified later, rather than their findings be lost. */
bool hg_check_defer(const struct findings *fs);
/* The quarantine's bytes above which blocks leave it: HEAPGUARD_QUARANTINE, or
 * SIZE_MAX as above (check mode's lock). */
extern HG_HIDDEN size_t hg_check_evict_above;

/* Check mode's lock, from a signal handler (guard mode's faults, the crash report):
 * false after about a second without it (the interrupted thread itself may hold it). */
bool hg_check_lock_patiently(void);

#endif
