/* check_internal.h — what check mode's two files share: a finding (an error found under
 * check mode's lock, in check.c) and the functions that report findings (check_report.c)
 * once the lock is released.  Not for the rest of the library: check.h is its interface. */
#ifndef HG_CHECK_INTERNAL_H
#define HG_CHECK_INTERNAL_H

#include "check.h"
#include "blocks.h"
#include "stack.h"

enum shape { F_OVERFLOW, F_UNDERFLOW, F_AFTER_FREE, F_DOUBLE_FREE, F_BAD_POINTER };

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
};

#define MAX_FINDINGS 8
/* Only f[0 .. n-1] is ever read. */
struct findings {
  unsigned n;
  struct finding f[MAX_FINDINGS];
};

/* Report finding f (no lock held): counted, and printed if its context is new
 * (hg_diag_error). */
void hg_check_report(const struct finding *f);
/* Report fs's findings, in order (no lock held); in sampled guard mode, any finding
 * ends the program (hg_guard_sampled_error). */
void hg_check_report_all(const struct findings *fs);

#endif
