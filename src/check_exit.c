/* check_exit.c — check mode at the process's end: the blocks verified, the leak scan,
 * the summary, and the errors turned into the exit status, once per process (check.h:
 * hg_check_at_exit).  Only check.h's interface is used: no state of check.c's. */
#define _GNU_SOURCE
#include "check.h"

#include <stdatomic.h>
#include <stdio.h>

#include "diag.h"
#include "init.h"
#include "options.h"
#include "wipe.h"

/* At exit: verify, scan for leaks, summarise, and turn errors into the exit status.
 * It runs after the program's atexit handlers and every object's destructors (init.c:
 * hg_exit_defer), so memory they free is not reported, and their errors are counted.  A program that ends with _exit gets
 * the same from there (init.c); whichever comes first does it. */
static _Atomic bool exit_done;

static int exit_status(int status) {
  return hg_diag_error_count() && hg_opt.error_exitcode ? (int)(hg_opt.error_exitcode & 255) : status;
}

int hg_check_at_exit(int status) {
  if (!hg_check_on || atomic_exchange(&exit_done, true)) return status;
  /* The verify lists the live blocks for the leak scan as it reads every record: the
   * scan then need not read them again.  (Record numbers, no pointer: this frame is
   * below the exiting caller's, not scanned either way.) */
  uint32_t few[64];
  struct hg_live_list live = { 0 };
  bool leaks = hg_opt.leak_check != HG_LEAKS_NO;
  if (leaks) hg_leak_list_start(&live, few, sizeof few / sizeof *few);
  hg_check_verify("at exit", true, leaks ? &live : NULL);
  if (leaks) hg_leak_report(&live);
  hg_diag_summary();
  return exit_status(status);
}

int hg_check_exit_abandoned(int status) {
  hg_diag_line("exit-time checks cut short: a heapguard lock stayed held for 2 s (_exit() "
               "called by a signal handler that interrupted the allocator?)");
  return exit_status(status);
}

static HG_COLD void check_at_exit_last(void *unused) {
  (void)unused;
  if (hg_exit_shares_parent()) return;
  int status = hg_side_exit_call(hg_check_at_exit, -1);   /* off a small main stack */
  if (status != -1) {
    fflush(NULL);   /* what exit() would still have done */
    hg_exit_raw(status);
  }
}

/* After the other objects' destructors, when it can (init.c: hg_exit_defer). */
__attribute__((destructor)) HG_DEFAULT_TEXT static void check_at_exit(void) {
  if (!hg_check_on || hg_exit_shares_parent()) return;
  if (!hg_exit_defer(check_at_exit_last)) check_at_exit_last(NULL);
}
