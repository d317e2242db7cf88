/* fault.c — guard mode's SIGSEGV/SIGBUS handler, and the program's own handlers.
 *
 * The handler is installed by the library constructor in check, guard and sampled
 * guard modes: for SIGSEGV and SIGBUS, and in check and guard modes for SIGABRT,
 * SIGFPE and SIGILL too, for the crash report (crash.h)
 * (SA_SIGINFO | SA_ONSTACK: it runs on the program's alternate stack if the program
 * set one, so a program that handles its own stack overflows keeps doing so).  A fault
 * made by the hardware (si_code > 0) at an address in a guarded mapping, or in a
 * protected quarantined block of check mode, is ours: it is reported as check mode
 * reports errors (check.c: the kind from where the address lies relative to the block,
 * READ or WRITE from the page-fault error code, the faulting stack unwound from the
 * signal context, the block's allocation and free stacks), then the error summary,
 * and the process exits with the error exit code (0 there: it dies by the signal, as
 * it would have without heapguard).
 *
 * Every other signal is the program's.  The library exports sigaction() and
 * signal() (and bsd_signal, ssignal, sysv_signal: libc's bypass its sigaction), so a program that installs its own handler for them has it recorded here
 * while ours stays installed in the kernel; ours then calls the program's for every
 * fault that is not ours, honouring SA_SIGINFO, SA_RESETHAND, SA_NODEFER and sa_mask,
 * SIG_IGN (a signal sent by kill() is ignored; a real fault cannot be, the kernel would
 * kill the process: so does this) and SIG_DFL (the default action is restored and the
 * handler returns, so the faulting access repeats and kills the process as usual, or a
 * signal sent by kill() is raised again; in check and guard modes the crash report is
 * printed first).
 *
 * A report may fault itself (it reads stacks, symbol tables and heap records a broken
 * program may have corrupted): while it is written the fault signals reach this
 * handler again (they are blocked in it otherwise, and a fault with its signal
 * blocked kills the process with no word), which says so in one line and ends the
 * process by the signal being reported (report_faulted).
 *
 * Reporting allocates (the symboliser): it is safe because the faulting thread was
 * running the program, not the allocator.  If the fault happened in heapguard's own
 * code (a lock of it may be held), stacks are printed without symbols instead.  The
 * report runs on a stack of its own (sigstack.h): only the first checks run on the
 * thread's, which may be a MINSIGSTKSZ alternate stack or a small thread stack. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "check.h"
#include "crash.h"
#include "diag.h"
#include "guard.h"
#include "init.h"
#include "lock.h"
#include "options.h"
#include "protect.h"
#include "sigaction.h"
#include "sigstack.h"
#include "stack.h"
#include "trace.h"
#include "xml.h"


static bool installed;
static hg_lock_t actions_lock = HG_LOCK_INIT;
/* The signals the handler is installed for: SIGSEGV and SIGBUS, and in check and guard
 * modes the other fatal ones a program raises itself (crash.h); nsignals of them.
 * In .data: GCC puts an array never written in .rodata, a page sampled guard mode does
 * not touch otherwise (tests/programs/resident.sh). */
static int handled[] __attribute__((section(".data.hg_fault_handled"))) = { SIGSEGV, SIGBUS, SIGABRT,
                                                                             SIGFPE, SIGILL };
static unsigned nsignals;
static struct sigaction program_action[5];   /* the program's, for handled[i] */
static _Atomic int reporter HG_FORK_DATA;    /* thread id of the thread reporting a fault */
static _Atomic int report_sig HG_FORK_DATA;  /* the signal it reports, while it writes */
static uint64_t report_mask;                 /* its signal mask before (report_begin) */
uintptr_t hg_fault_restorer;

static struct sigaction *program_action_of(int sig) {
  for (unsigned i = 0; i < nsignals; i++)
    if (handled[i] == sig) return &program_action[i];
  return NULL;
}

/* Makes this thread the one that reports, and returns true; false if it is already (a
 * signal in its own report: the caller lets that signal end the process).  While
 * another thread reports, waits: that one ends the process, or finds the fault was not
 * its to report after all (a fault in the heap's pages, say, at a page the program
 * protected itself) and lets go, and then this thread reports.  (It used to sleep for
 * good, and a heap error found meanwhile hung the process.) */
static bool claim_report(void) {
  int self = (int)gettid();
  for (;;) {
    int none = 0;
    if (atomic_compare_exchange_strong(&reporter, &none, self)) return true;
    if (none == self) return false;
    struct timespec ts = { 0, 10 * 1000 * 1000 };
    syscall(SYS_nanosleep, &ts, NULL);   /* not libc's: a cancellation point */
  }
}

/* A fork child: no thread of it reports (a report holds the reporting thread in the
 * handler, and fork() is not called from there).  A parent's thread that was reporting
 * at the fork left its id here, which no thread of the child has: the child's own
 * crash waited in claim_report for that thread to end the process, for ever
 * (tests/programs/fork_during_report.sh). */
void hg_fault_fork_child(void) {
  atomic_store(&reporter, 0);
  atomic_store(&report_sig, 0);
}

/* ---- our faults ----------------------------------------------------------------------- */

/* 1 for a write, 0 for a read, -1 when the context does not say. */
static int access_of(const ucontext_t *uc) {
#if defined(__x86_64__)
  return (uc->uc_mcontext.gregs[REG_ERR] & 2) ? 1 : 0;   /* page-fault error code, bit 1 */
#else
  (void)uc;
  return -1;
#endif
}

/* The default action back.  With the kernel's own structure (32 bytes; glibc's
 * struct sigaction is 152): this runs on the program's alternate stack, where a
 * MINSIGSTKSZ one has a few hundred bytes left after the kernel's signal frame. */
static void restore_default(int sig) {
  struct {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
  } dfl = { SIG_DFL, 0, NULL, 0 };
  syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof dfl.mask);
}

/* The reporter (claim_report) starts writing the report of signal sig: the fault
 * signals are let through to this handler from here on, so that a fault in the report
 * itself is said (report_faulted), not fatal with no word.  report_end undoes it, for a
 * report that was not ours to make after all; otherwise the process ends, or the
 * kernel restores the mask when the handler returns.  The kernel's 8-byte mask, as in
 * restore_default: this runs on the thread's stack, which may be a small one. */
static void report_begin(int sig) {
  uint64_t set = 0;
  for (unsigned i = 0; i < nsignals; i++) set |= (uint64_t)1 << (handled[i] - 1);
  syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, &report_mask, sizeof set);
  atomic_store(&report_sig, sig);
}

static void report_end(void) {
  atomic_store(&report_sig, 0);
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &report_mask, NULL, sizeof report_mask);
  atomic_store(&reporter, 0);
}

/* Signal sig came in this thread while it wrote a report: a fault in the report (or an
 * abort() in it).  One line, written with no lock and no allocation (the report may
 * hold the log's lock, or have faulted in the allocator), then the process ends by the
 * signal being reported, as it would have without heapguard. */
static HG_COLD HG_NOINLINE void report_faulted(int sig, const siginfo_t *si) {
  int reported = atomic_load(&report_sig);
  const char *name = sigabbrev_np(sig), *rname = sigabbrev_np(reported);
  hg_diag_line_raw("the report itself faulted (SIG%s at %p) and stops here; the process ends by "
                   "signal %d (SIG%s), the one reported",
                   name ? name : "?", si->si_addr, reported, rname ? rname : "?");
  if (hg_xml_on) hg_xml_abandon();   /* what was written of the report, closed: a document still */
  restore_default(reported);
  uint64_t set = (uint64_t)1 << (reported - 1);
  syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, NULL, sizeof set);
  syscall(SYS_tgkill, getpid(), gettid(), reported);   /* delivered now: the default action */
  syscall(SYS_exit_group, 128 + reported);             /* (not reached) */
}

/* True if signal sig (si) is one taken inside this thread's report: the report runs
 * with the fault signals let through only in the reporting thread (report_begin).  A
 * signal another process sent (kill) is not the report's doing. */
static bool in_report(const siginfo_t *si) {
  if (!atomic_load_explicit(&report_sig, memory_order_relaxed)) return false;
  if (si->si_code <= 0 && si->si_pid != getpid()) return false;
  return atomic_load(&reporter) == (int)gettid();
}

/* tests/programs/report_fault.sh: with HG_TEST_FAULT_IN_REPORT=1 in the environment
 * (not a HEAPGUARD_ option: for the tests only), a report of a signal faults when it
 * reaches its error summary, so that report_faulted can be seen at work.  Cold: only a
 * report being written gets past the first test. */
void hg_fault_test_point(void) {
  if (!atomic_load_explicit(&report_sig, memory_order_relaxed) || getauxval(AT_SECURE)) return;
  for (char **e = environ; e && *e; e++)
    if (strcmp(*e, "HG_TEST_FAULT_IN_REPORT=1") == 0) {
      volatile int *unmapped = (volatile int *)(uintptr_t)16;
      __asm__("" : "+r"(unmapped));   /* an address gcc cannot see: a plain store */
      *unmapped = 1;
    }
}

/* A fault being reported, and whether it was ours after all. */
struct fault {
  uintptr_t addr;
  ucontext_t *uc;
  bool small_stack;   /* on a small alternate stack still (no stack of its own) */
  bool reported;
};

/* The report, on whatever stack the handler runs on, or on one of its own
 * (sigstack.h); never returns once reported, unless the error exit code is 0. */
static void report_fault(void *arg) {
  struct fault *f = arg;
  int symbols_off = hg_stack_no_symbols;
  if (hg_stack_in_own_code(hg_context_pc(f->uc)) || f->small_stack) hg_stack_no_symbols = 1;
  hg_stack_t where = hg_stack_capture_context(f->uc);
  if (!hg_check_report_fault(f->addr, access_of(f->uc), where)) {
    hg_stack_no_symbols = symbols_off;   /* the program's fault: it may recover */
    return;
  }
  f->reported = true;
  hg_diag_summary();
  /* A silent fork child (diag.h) dies by the signal, its own status. */
  if (hg_opt.error_exitcode && !hg_diag_silent) hg_exit_raw((int)(hg_opt.error_exitcode & 255));   /* not _exit's work */
}

/* Runs fn(f) on a stack of its own (sigstack.h), always: the thread's own stack may
 * have too little room left for a report (the symboliser needs tens of KiB), be it the
 * program's small alternate signal stack (MINSIGSTKSZ, 2 KiB, is common) or a small
 * thread stack (32 KiB: a report died in it with no word).  Else here, with no
 * symbols on a small alternate stack: when the mapping cannot be made, or heapguard's
 * own code was interrupted while tracing is on (os.c's mapping would take the trace
 * lock, which that code may hold).  Only this little and the checks before it run on
 * the thread's stack. */
static void on_room(void (*fn)(void *), struct fault *f) {
  f->small_stack = false;
  if ((!hg_trace_on || !hg_stack_in_own_code(hg_context_pc(f->uc))) && hg_sigstack_call(fn, f)) return;
  f->small_stack = hg_sigstack_small();
  fn(f);
}

/* True if the fault was ours (and, unless the error exit code is 0, never returns). */
static bool our_fault(int sig, siginfo_t *si, ucontext_t *uc) {
  uintptr_t a = (uintptr_t)si->si_addr;
  if ((sig != SIGSEGV && sig != SIGBUS) || si->si_code <= 0 || !(hg_guard_slot_of(a) || hg_protect_may_hold(a)) ||
      !claim_report())
    return false;
  struct fault f = { .addr = a, .uc = uc };
  report_begin(sig);
  on_room(report_fault, &f);
  if (!f.reported) {
    report_end();
    return false;
  }
  restore_default(sig);   /* the access repeats: killed by the signal */
  return true;
}

/* ---- a fault guard mode's alignment may have caused ------------------------------------ */

/* Guard mode aligns a block of n bytes to the largest power of two dividing n, at
 * least --guard-align (16 by default, glibc's), so that it ends at its guard page: with
 * the opt-in --guard-align=8 a 40-byte block is 8-aligned, where glibc's is 16-aligned
 * (so is sampled mode's with --sample-align=8).  Code that relies on 16 (clang marks
 * operator new's result "align 16" and zeroes a new 40-byte object with movaps; any
 * _mm_store_si128 into a malloc'd block) then takes a general-protection fault: a
 * SIGSEGV with si_code SI_KERNEL and no address, which is the program's, so it used to
 * die with no word from heapguard.  When such a fault comes with a register pointing
 * into a guarded block at an address that is not a multiple of 16, say so once, with the
 * faulting stack, before the program gets its fault.  A heuristic (the instruction is
 * not decoded), hence a warning, not an error. */
#if defined(__x86_64__)
struct misaligned {
  struct fault f;   /* first: on_room passes &f */
  const char *reg;
  uintptr_t value;
};

static void say_misaligned(void *arg) {
  struct misaligned *m = arg;
  ucontext_t *uc = m->f.uc;
  /* The program may recover from its fault (clang's CrashRecoveryContext does): raw
   * addresses for this stack only, if symbolising here is not safe. */
  int symbols_off = hg_stack_no_symbols;
  if (hg_stack_in_own_code(hg_context_pc(uc)) || m->f.small_stack) hg_stack_no_symbols = 1;
  hg_diag_lock();
  /* The mode by name (hg_diag_mode): sampled guard mode gets here too, with
   * HEAPGUARD_SAMPLE_ALIGN below 16. */
  const char *var = hg_guard_on ? "GUARD_ALIGN" : "SAMPLE_ALIGN";
  const char *opt = hg_guard_on ? "guard-align" : "sample-align";
  size_t least = hg_guard_least_alignment();
  hg_diag_line("WARNING: %s: a general-protection fault (not at a guard page) at "
               "%p, with %s = %p, inside a guarded block but not 16-byte aligned: most "
               "likely an aligned SSE access to a block that %s aligned to %zu as "
               "HEAPGUARD_%s=%zu (--%s=%zu) asks (glibc: 16); the default, "
               "HEAPGUARD_%s=16, avoids it",
               hg_diag_mode(), (void *)hg_context_pc(uc), m->reg, (void *)m->value, hg_diag_mode(),
               least, var, least, opt, least, var);
  hg_fault_test_point();
  hg_stack_print(hg_stack_capture_context(uc), NULL);
  hg_diag_unlock();
  hg_stack_no_symbols = symbols_off;
}
#endif

static HG_NOINLINE void hint_misaligned(int sig, const siginfo_t *si, ucontext_t *uc) {
#if defined(__x86_64__)
  static const char *const names[] = { "r8", "r9", "r10", "r11", "r12", "r13", "r14",
                                       "r15", "rdi", "rsi", "rbp", "rbx", "rdx", "rax",
                                       "rcx" };   /* gregs[REG_R8 .. REG_RCX] */
  static _Atomic bool said;
  if (sig != SIGSEGV || si->si_code != SI_KERNEL || hg_guard_least_alignment() >= 16) return;
  for (int r = REG_R8; r <= REG_RCX; r++) {
    uintptr_t v = (uintptr_t)uc->uc_mcontext.gregs[r];
    if (!(v & 15) || !hg_guard_slot_of(v)) continue;
    /* A report like the others (report_begin): a fault inside it is said, and the
     * process ends by this SIGSEGV, as it would without heapguard. */
    if (atomic_exchange(&said, true) || !claim_report()) return;
    struct misaligned m = { { .uc = uc }, names[r - REG_R8], v };
    report_begin(sig);
    on_room(say_misaligned, &m.f);
    report_end();
    return;
  }
#else
  (void)sig, (void)si, (void)uc;
#endif
}

/* ---- the program's faults --------------------------------------------------------------- */

/* The program's action for a fatal signal is the default one: in check and guard modes,
 * the crash report (crash.c), once per process.  Not in a child sharing its parent's
 * memory (vfork): it would read and print the parent's state. */
static void crash(int sig, siginfo_t *si, ucontext_t *uc) {
  if (!hg_check_on || hg_exit_shares_parent() || !claim_report()) return;
  report_begin(sig);
  hg_crash_report(sig, si, uc, hg_sigstack_small());
}

/* Run the program's handler for sig (its action: *act) with the mask it asked for, as
 * the kernel would have.  Out of line: its copy of the action and the mask (280 bytes)
 * stay off the stack of the path that reports, which a small alternate stack may not
 * hold. */
static HG_NOINLINE void run_handler(const struct sigaction *act, int sig, siginfo_t *si, ucontext_t *uc) {
  sigset_t mask = uc->uc_sigmask;
  for (int s = 1; s < NSIG; s++)
    if (sigismember(&act->sa_mask, s) == 1) sigaddset(&mask, s);
  if (!(act->sa_flags & SA_NODEFER)) sigaddset(&mask, sig);
  pthread_sigmask(SIG_SETMASK, &mask, NULL);
  if (act->sa_flags & SA_SIGINFO) act->sa_sigaction(sig, si, uc);
  else act->sa_handler(sig);
}

/* The program's action is a handler: copy it (under the lock: the program may be
 * changing it) and run it.  False if, by then, it is the default or SIG_IGN. */
static HG_NOINLINE bool program_handles(int sig, siginfo_t *si, ucontext_t *uc) {
  struct sigaction *slot = program_action_of(sig), act;
  hg_lock(&actions_lock);
  act = *slot;
  if (act.sa_flags & SA_RESETHAND) {
    memset(slot, 0, sizeof *slot);
    slot->sa_handler = SIG_DFL;
  }
  hg_unlock(&actions_lock);
  if (!(act.sa_flags & SA_SIGINFO) && (act.sa_handler == SIG_DFL || act.sa_handler == SIG_IGN)) return false;
  run_handler(&act, sig, si, uc);
  return true;
}

static void to_program(int sig, siginfo_t *si, ucontext_t *uc) {
  /* A glance first (two words, no lock: a torn read only sends this to the copy made
   * under the lock), so that the default action's path, the crash report, starts with
   * little stack used. */
  const struct sigaction *slot = program_action_of(sig);
  if ((__atomic_load_n(&slot->sa_flags, __ATOMIC_RELAXED) & SA_SIGINFO) ||
      (__atomic_load_n(&slot->sa_handler, __ATOMIC_RELAXED) != SIG_DFL &&
       __atomic_load_n(&slot->sa_handler, __ATOMIC_RELAXED) != SIG_IGN)) {
    if (program_handles(sig, si, uc)) return;
  }
  sighandler_t handler = __atomic_load_n(&slot->sa_handler, __ATOMIC_RELAXED);
  if (handler == SIG_IGN && si->si_code <= 0) return;   /* kill(): ignored */
  crash(sig, si, uc);
  restore_default(sig);
  if (si->si_code <= 0) raise(sig);   /* delivered when this handler returns */
  /* a fault: the access repeats */
}

static void on_fault(int sig, siginfo_t *si, void *ctx) {
  if (hg_unlikely(in_report(si))) report_faulted(sig, si);
  int saved = errno;
  if (!our_fault(sig, si, ctx)) {
    hint_misaligned(sig, si, ctx);
    to_program(sig, si, ctx);
  }
  errno = saved;
}

void hg_fault_install(void) {
  if (__atomic_load_n(&installed, __ATOMIC_ACQUIRE)) return;   /* check mode, then guard mode */
  struct sigaction act, kernel;
  memset(&act, 0, sizeof act);
  act.sa_sigaction = on_fault;
  act.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
  sigemptyset(&act.sa_mask);
  unsigned want = hg_check_on ? 5 : 2;   /* sampled guard mode: its own faults only */
  hg_lock(&actions_lock);
  unsigned n = 0;
  while (n < want && __sigaction(handled[n], &act, &program_action[n]) == 0) {
    hg_sigaction_kernel_mask_only(&program_action[n]);
    n++;
  }
  /* A signal that could not be taken keeps the program's action: not ours to record. */
  nsignals = n;
  if (n) __atomic_store_n(&installed, true, __ATOMIC_RELEASE);
  if (__sigaction(SIGSEGV, NULL, &kernel) == 0) hg_fault_restorer = (uintptr_t)kernel.sa_restorer;
  hg_unlock(&actions_lock);
}

/* ---- the program's view: sigaction() and signal() -------------------------------------- */

HG_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old) {
  struct sigaction *slot = program_action_of(sig);
  if (!slot || !__atomic_load_n(&installed, __ATOMIC_ACQUIRE)) return __sigaction(sig, act, old);
  hg_lock(&actions_lock);
  struct sigaction prev = *slot;
  if (act) {
    *slot = *act;
    hg_sigaction_kernel_mask_only(slot);
  }
  hg_unlock(&actions_lock);
  if (old) *old = prev;
  return 0;
}

/* libc's signal().  glibc's signal, bsd_signal and ssignal are one function
 * (__bsd_signal), and the library exports all three: libc's is found by dlsym past the
 * library (RTLD_NEXT), its name spelt on the stack (a string literal would be in
 * .rodata, whose segment every process that sets a handler then mapped:
 * tests/programs/resident.sh; a versioned reference, bsd_signal@GLIBC_2.2.5, binds to
 * the library's own definition); linked statically, by its internal name, which only
 * libc.a has. */
extern sighandler_t __bsd_signal(int sig, sighandler_t handler) __attribute__((weak));
static sighandler_t libc_signal(int sig, sighandler_t handler) {
  static sighandler_t (*_Atomic f)(int, sighandler_t);
  sighandler_t (*g)(int, sighandler_t) = atomic_load_explicit(&f, memory_order_acquire);
  if (!g && __bsd_signal) g = __bsd_signal;
  if (!g) {
    volatile char name[] = { 'b', 's', 'd', '_', 's', 'i', 'g', 'n', 'a', 'l', '\0' };
    *(void **)&g = dlsym(RTLD_NEXT, (const char *)name);
  }
  if (g) {
    atomic_store_explicit(&f, g, memory_order_release);
    return g(sig, handler);
  }
  /* neither: glibc's BSD semantics without its siginterrupt() record */
  struct sigaction act, old;
  memset(&act, 0, sizeof act);
  act.sa_handler = handler;
  sigaddset(&act.sa_mask, sig);
  act.sa_flags = SA_RESTART;
  return handler == SIG_ERR || __sigaction(sig, &act, &old) < 0 ? SIG_ERR : old.sa_handler;
}

/* signal() and sysv_signal(): handler installed through the exported sigaction above
 * (so that one of ours stays in the kernel), sig blocked while it runs if block_self;
 * its old handler, or SIG_ERR. */
static sighandler_t set_handler(int sig, sighandler_t handler, bool block_self, int flags) {
  struct sigaction act, old;
  memset(&act, 0, sizeof act);
  act.sa_handler = handler;
  sigemptyset(&act.sa_mask);
  if (block_self) sigaddset(&act.sa_mask, sig);
  act.sa_flags = flags;
  if (sigaction(sig, &act, &old) < 0) return SIG_ERR;
  return old.sa_handler;
}

/* A signal the handler is not installed for is libc's business: its signal() keeps
 * what a program set with siginterrupt() (interrupted calls then fail with EINTR
 * rather than restart: a program that times out a read with alarm() relies on it;
 * the set of such signals is libc's own) and refuses SIG_ERR as a handler.  One of
 * ours gets glibc's BSD semantics (the handler stays, interrupted calls restart: the
 * kernel goes by our handler's SA_RESTART anyway, and a siginterrupt() of it changes
 * that one, in the kernel). */
HG_EXPORT sighandler_t signal(int sig, sighandler_t handler) {
  if (!__atomic_load_n(&installed, __ATOMIC_ACQUIRE) || !program_action_of(sig)) return libc_signal(sig, handler);
  if (handler == SIG_ERR) {
    errno = EINVAL;
    return SIG_ERR;
  }
  return set_handler(sig, handler, true, SA_RESTART);
}

/* signal()'s other names in glibc, and its System V variant.  libc's own call its
 * internal sigaction, past the library's: a program that installed its SIGSEGV
 * handler with bsd_signal, ssignal or sysv_signal (or signal() compiled as
 * __sysv_signal, as strict X/Open code is) displaced guard mode's handler in the
 * kernel, and its guard pages' faults went to the program (tests/guard:
 * bug_own_handler_sysv.c). */
HG_EXPORT sighandler_t bsd_signal(int sig, sighandler_t handler) HG_ALIAS(signal);
HG_EXPORT sighandler_t ssignal(int sig, sighandler_t handler) HG_ALIAS(signal);

/* glibc's, through the exported sigaction above: the handler is reset at its first
 * signal, which is not blocked in it, and interrupted calls fail with EINTR. */
HG_EXPORT sighandler_t sysv_signal(int sig, sighandler_t handler) {
  if (handler == SIG_ERR || sig < 1 || sig >= NSIG) {
    errno = EINVAL;
    return SIG_ERR;
  }
  return set_handler(sig, handler, false, SA_RESETHAND | SA_NODEFER);
}
HG_EXPORT sighandler_t __sysv_signal(int sig, sighandler_t handler) HG_ALIAS(sysv_signal);
