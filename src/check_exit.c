/* check_exit.c — check mode's process life: its start, its fork handlers, check mode's
 * lock from a signal handler, and the process's end: the blocks verified, the leak
 * scan, the summary, and the errors turned into the exit status, once per process
 * (check.h: hg_check_at_exit).  No state of check.c's but its lock. */
#define _GNU_SOURCE
#include "check_slot.h"

#include <stdatomic.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "diag.h"
#include "forkpages.h"
#include "guard.h"
#include "init.h"
#include "options.h"
#include "protect.h"
#include "stack.h"
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

/* ---- from a signal handler ---------------------------------------------------------------- */

/* The lock, from a signal handler (guard mode's faults, the crash report): give up after about a second rather than wait for
 * ever (the interrupted thread itself might hold it). */
bool hg_check_lock_patiently(void) {
  for (int i = 0; i < 1000; i++) {
    if (hg_trylock_inline(&hg_check_mutex)) return true;
    struct timespec ts = { 0, 1000000 };
    syscall(SYS_nanosleep, &ts, NULL);   /* not libc's: a cancellation point */
  }
  return false;
}

/* ---- start and fork ---------------------------------------------------------------------------- */

void hg_check_init_quarantine(void) { hg_check_evict_above = hg_opt.quarantine; }

HG_DEFAULT_TEXT void hg_check_start(void) {
  if (!hg_check_on) return;
  hg_diag_init();
  hg_stack_init();
  hg_fault_install();   /* the crash report (crash.h); protected blocks' faults (protect.h) */
  hg_protect_start();
}

void hg_check_fork_prepare(void) {
  if (!hg_check_on && !hg_guard_sampling) return;
  hg_lock_fork(&hg_check_mutex);
  hg_stack_fork_prepare();
}

void hg_check_fork_parent(void) {
  if (!hg_check_on && !hg_guard_sampling) return;
  hg_stack_fork_parent();
  hg_forkpages_fork_parent();
  hg_unlock_fork(&hg_check_mutex);
}

void hg_check_fork_child(void) {
  if (!hg_check_on && !hg_guard_sampling) return;
  hg_stack_fork_child();
  hg_lock_reset(&hg_check_mutex);
  hg_leak_fork_child();
  hg_forkpages_fork_child();
  hg_diag_fork_child();
  hg_fault_fork_child();
}
