/* crash.c — check and guard modes' report of a program killed by a signal (crash.h).
 *
 * It runs in fault.c's handler, in the thread that took the signal, once per process:
 * a second thread's fatal signal waits (fault.c's `reporter`) for the first to end the
 * process, and a signal taken during the report itself ends it, with one line saying
 * so (fault.c: report_faulted).
 *
 * What is safe to do depends on what the thread was running when the signal came:
 *  * The program's code (or libc's, on the program's behalf): everything fault.c already
 *    does for its own faults, plus the exit-time work (verify, leak scan, summary).  It
 *    runs as _exit's does (init.c: hg_exit_work_crash), so a lock wait of this thread
 *    that lasts 2 s (the lock held by a thread that cannot release it, such as one
 *    waiting here after its own crash) cuts the work short, with a line saying so,
 *    instead of hanging the process.
 *  * Heapguard's own code (a frame of the stack is in it, and is not the frame of a
 *    signal handler of ours, on top of a signal frame), or the symboliser: a lock of the
 *    allocator may be held, and its state may be half-changed.  Only the report's lines
 *    (no lock, no allocation), stacks as raw addresses, and one line saying why nothing
 *    more is done: no heap lookup, no leak scan, no summary.
 *  * A small alternate signal stack (the program's sigaltstack): the symboliser and the
 *    leak scan need room, so the rest of the report runs on a stack of its own
 *    (sigstack.h); if that cannot be, no symbols and no leak scan.
 *
 * The leak scan's roots in this thread are its stack from the interrupted stack pointer
 * up (below it: the signal frame and this handler's frames, stale copies) and the
 * interrupted registers, copied to static memory, which the scan reads as it reads all
 * the library's data. */
#define _GNU_SOURCE
#include "crash.h"

#include <string.h>
#include <unistd.h>

#include "check.h"
#include "diag.h"
#include "init.h"
#include "maps.h"
#include "options.h"
#include "sigstack.h"
#include "stack.h"
#include "thread_id.h"
#include "trace.h"
#include "xml.h"

/* The interrupted registers: a root of the leak scan (a block the crashing thread held
 * only in a register is not lost).  Never read by the code: `used` and the barrier
 * after the copy keep GCC from dropping them and the stores. */
static __attribute__((used)) mcontext_t crash_registers;
#if defined(__x86_64__)
static __attribute__((used)) struct _libc_fpstate crash_vector_registers;
#endif

struct crash {
  int sig;
  const siginfo_t *si;
  ucontext_t *uc;
  uintptr_t frames[HG_STACK_MAX_DEPTH];   /* the signal's stack, without the depot */
  unsigned nframes;
  hg_stack_t where;                       /* the same in the depot (by `report`) */
  bool own;              /* the signal came in heapguard's own code */
  const char *no_leaks;  /* why the leak scan is skipped, or NULL */
};

static const char *signal_name(int sig) {
  switch (sig) {
  case SIGSEGV: return "SIGSEGV";
  case SIGBUS: return "SIGBUS";
  case SIGABRT: return "SIGABRT";
  case SIGFPE: return "SIGFPE";
  case SIGILL: return "SIGILL";
  }
  return "?";
}

/* What the kernel's si_code says, for a signal the hardware raised (si_code > 0).  A
 * switch, not a table: a table of string pointers is relocated, so it sits in the relro
 * page the loader writes in every process, and this one (624 bytes) took that part of
 * the library to two pages (docs/architecture.md, "Resident memory"). */
static const char *code_meaning(int sig, int code, const char **name) {
#define CODE(c, meaning) \
  case c:                \
    *name = #c;          \
    return meaning
  switch (sig) {
  case SIGSEGV:
    switch (code) {
      CODE(SEGV_MAPERR, "address not mapped");
      CODE(SEGV_ACCERR, "the mapping does not allow this access");
      CODE(SEGV_BNDERR, "failed address bound checks");
      CODE(SEGV_PKUERR, "protection key denies the access");
      CODE(SI_KERNEL, "general-protection fault: most likely an address that is not canonical "
                      "(the kernel does not say which), or a misaligned SSE access");
    }
    break;
  case SIGBUS:
    switch (code) {
      CODE(BUS_ADRALN, "misaligned address");
      CODE(BUS_ADRERR, "no memory behind the address (past the end of a mapped file?)");
      CODE(BUS_OBJERR, "object-specific hardware error");
      CODE(BUS_MCEERR_AR, "hardware memory error");
      CODE(BUS_MCEERR_AO, "hardware memory error");
    }
    break;
  case SIGFPE:
    switch (code) {
      CODE(FPE_INTDIV, "integer division by zero (or INT_MIN / -1)");
      CODE(FPE_INTOVF, "integer overflow");
      CODE(FPE_FLTDIV, "floating-point division by zero");
      CODE(FPE_FLTOVF, "floating-point overflow");
      CODE(FPE_FLTUND, "floating-point underflow");
      CODE(FPE_FLTRES, "floating-point inexact result");
      CODE(FPE_FLTINV, "invalid floating-point operation");
      CODE(FPE_FLTSUB, "subscript out of range");
    }
    break;
  case SIGILL:
    switch (code) {
      CODE(ILL_ILLOPC, "illegal opcode");
      CODE(ILL_ILLOPN, "illegal operand (__builtin_trap() and ud2 raise it)");
      CODE(ILL_ILLADR, "illegal addressing mode");
      CODE(ILL_ILLTRP, "illegal trap");
      CODE(ILL_PRVOPC, "privileged opcode");
      CODE(ILL_PRVREG, "privileged register");
      CODE(ILL_COPROC, "coprocessor error");
      CODE(ILL_BADSTK, "internal stack error");
    }
    break;
  }
#undef CODE
  *name = "?";
  return "unknown si_code";
}

/* The interrupted stack pointer, the lowest address the leak scan reads in this
 * thread's stack; 0 if unknown.  x86-64's 128-byte red zone below it is left out on
 * purpose: it may hold stale words, whose addresses would hide leaks. */
static uintptr_t sp_of(const ucontext_t *uc) {
#if defined(__x86_64__)
  return (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
  return (uintptr_t)uc->uc_mcontext.sp;
#else
  (void)uc;
  return 0;
#endif
}

/* "READ", "WRITE", "EXECUTE" for a page fault (x86-64: its error code), else NULL. */
static const char *access_of(const struct crash *c) {
#if defined(__x86_64__)
  const greg_t *r = c->uc->uc_mcontext.gregs;
  if ((c->sig != SIGSEGV && c->sig != SIGBUS) || c->si->si_code <= 0 || c->si->si_code == SI_KERNEL ||
      r[REG_TRAPNO] != 14)
    return NULL;
  return (r[REG_ERR] & 16) ? "EXECUTE" : (r[REG_ERR] & 2) ? "WRITE" : "READ";
#else
  (void)c;
  return NULL;
#endif
}

/* Whether the signal came while heapguard's own code ran.  A run of frames in it is
 * harmless when the frame after it is a signal frame (the return to the kernel's
 * restorer): that is fault.c's handler, which called a handler of the program's in
 * which this signal came. */
static bool in_own_code(const struct crash *c) {
  if (hg_stack_quiet) return true;   /* the symboliser, or a capture */
  const uintptr_t *f = c->frames;
  unsigned n = c->nframes;
  if (!n) return hg_stack_in_own_code(hg_context_pc(c->uc));
  for (unsigned i = 0; i < n; i++) {
    if (!hg_stack_in_own_code(f[i])) continue;
    unsigned j = i;
    while (j < n && hg_stack_in_own_code(f[j])) j++;
    if (j < n && hg_fault_restorer && f[j] - hg_fault_restorer < 16) {
      i = j;
      continue;
    }
    return true;
  }
  return false;
}

/* The thread by its number in reports (thread_id.h) and the kernel's id (gdb's LWP,
 * ps -L's): the main thread's is the process's, and left unsaid. */
static void print_header(const struct crash *c, const struct hg_thread_id *t) {
  const siginfo_t *si = c->si;
  char thread[48] = "";
  if (gettid() != getpid()) hg_format(thread, sizeof thread, " in thread %u (tid %d)", t->number, (int)gettid());
  const char *sname = signal_name(c->sig);
  if (si->si_code <= 0) {
    bool self = si->si_pid == getpid();
    const char *how = si->si_code == SI_USER    ? "kill()"
                      : si->si_code == SI_TKILL ? "tgkill()"
                      : si->si_code == SI_QUEUE ? "sigqueue()"
                                                : "a process";
    if (self && si->si_code == SI_TKILL)
      hg_diag_line("ERROR: fatal-signal: %s (signal %d)%s, raised by the program (abort(), a failed "
                   "assert(), raise() or pthread_kill())", sname, c->sig, thread);
    else
      hg_diag_line("ERROR: fatal-signal: %s (signal %d)%s, sent by %s from process %d", sname, c->sig,
                   thread, how, (int)si->si_pid);
    return;
  }
  const char *code, *meaning = code_meaning(c->sig, si->si_code, &code), *access = access_of(c);
  if (c->sig == SIGSEGV && si->si_code == SI_KERNEL)
    hg_diag_line("ERROR: fatal-signal: %s (signal %d)%s: %s (%s)", sname, c->sig, thread, meaning, code);
  else if (c->sig == SIGSEGV || c->sig == SIGBUS)
    hg_diag_line("ERROR: fatal-signal: %s (signal %d)%s: %s%sat address %p: %s (%s)", sname, c->sig, thread,
                 access ? access : "", access ? " " : "", si->si_addr, meaning, code);
  else
    hg_diag_line("ERROR: fatal-signal: %s (signal %d)%s: %s (%s)", sname, c->sig, thread, meaning, code);
}

/* A value with heapguard's fill patterns in its top six bytes (an offset may have been
 * added to it): the word of freed or redzone bytes the program took for a pointer. */
static const char *poison_meaning(uintptr_t v) {
  if (sizeof v < 8) return NULL;
  uint64_t top = (uint64_t)v >> 16;
  if (top == 0xfdfdfdfdfdfdULL)
    return "the bytes check mode writes over a freed block (0xfd): most likely a pointer read "
           "from a block after it was freed (or from a new block's uninitialized bytes, which "
           "keep the pattern of the block freed there before)";
  if (top == 0xfafafafafafaULL)
    return "the bytes of check mode's redzones (0xfa): most likely a pointer read from past "
           "the end (or before the start) of a block";
  return NULL;
}

static void describe_registers(const struct crash *c) {
#if defined(__x86_64__)
  static const char *const names[] = { "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rdi",
                                       "rsi", "rbp", "rbx", "rdx", "rax", "rcx", "rsp", "rip" };
  for (int r = REG_R8; r <= REG_RCX; r++) {
    uintptr_t v = (uintptr_t)c->uc->uc_mcontext.gregs[r];
    const char *what = poison_meaning(v);
    if (what) hg_diag_line(" Register %s holds %p, %s", names[r - REG_R8], (void *)v, what);
  }
#else
  (void)c;
#endif
}

/* An unmapped address near the stack pointer: past the stack's end (its guard gap). */
static bool overflowed_stack(const struct crash *c, uintptr_t a) {
  uintptr_t sp = sp_of(c->uc);
  struct hg_mapping m = { 0 };
  char path[8];
  return sp && (a > sp ? a - sp : sp - a) < 65536 && hg_maps_find(a, &m, path, sizeof path) == 0;
}

static void describe_address(const struct crash *c) {
  const siginfo_t *si = c->si;
  if ((c->sig != SIGSEGV && c->sig != SIGBUS) || si->si_code <= 0) return;
  if (!(c->sig == SIGSEGV && si->si_code == SI_KERNEL)) {
    uintptr_t a = (uintptr_t)si->si_addr;
    const char *what = poison_meaning(a);
    if (what) hg_diag_line(" Address %p is %s", (void *)a, what);
    else if (a == 0)
      hg_diag_line(" Address 0x0 is not mapped: a null pointer dereferenced");
    else if (a < 65536)
      hg_diag_line(" Address %p is not mapped: a null pointer dereferenced (at offset %zu)", (void *)a,
                   (size_t)a);
    else if (overflowed_stack(c, a))
      hg_diag_line(" Address %p is not mapped, %zu bytes from the stack pointer: most likely a stack "
                   "overflow", (void *)a, (size_t)(a > sp_of(c->uc) ? a - sp_of(c->uc) : sp_of(c->uc) - a));
    else if (c->own)
      hg_diag_line(" Address %p (not looked up: see below)", (void *)a);
    else
      hg_check_describe_address(a);
    return;
  }
  /* No address: the registers say what it may have been.  (Not otherwise: a scratch
   * register may still hold a fill pattern the allocator just wrote.) */
  describe_registers(c);
}

/* The crash's <fatal_signal> (xml.h): its si_code always; for a signal the hardware
 * raised (si_code > 0), what the code means and the address, as Valgrind's has them. */
static void xml_fatal(const struct crash *c, const struct hg_thread_id *t) {
  int code = c->si ? c->si->si_code : 0;
  const char *name, *event = code > 0 ? code_meaning(c->sig, code, &name) : NULL;
  hg_xml_fatal(c->sig, signal_name(c->sig), code, event, event ? c->si->si_addr : NULL, t);
}

/* The report proper: hg_exit_work_crash's first step (its lock waits are limited: the
 * depot's lock, taken for a new stack, may be held by a thread that crashed too). */
static void report(void *arg) {
  struct crash *c = arg;
  c->where = hg_stack_capture_context(c->uc);
  hg_diag_error("fatal-signal", c->where, 0);
  hg_diag_lock();
  struct hg_thread_id t;
  hg_thread_id_get(&t);
  hg_diag_thread(&t);
  if (hg_xml_on) xml_fatal(c, &t);
  print_header(c, &t);
  if (c->where) hg_stack_print(c->where, NULL);
  else hg_diag_line("   at %p", (void *)hg_context_pc(c->uc));
  describe_address(c);
  hg_diag_line("Process terminating with the default action of signal %d (%s)", c->sig, signal_name(c->sig));
  if (c->no_leaks) hg_diag_line("leak check skipped: %s", c->no_leaks);
  hg_diag_unlock();
}

static void finish(void *arg) {
  struct crash *c = arg;
  hg_exit_work_crash(sp_of(c->uc), report, c);
}

struct crash_args {
  int sig;
  const siginfo_t *si;
  ucontext_t *uc;
  bool small_stack;   /* still on the program's small alternate stack */
};

static void crash_report(void *arg) {
  const struct crash_args *a = arg;
  int sig = a->sig;
  ucontext_t *uc = a->uc;
  bool small_stack = a->small_stack;
  struct crash c = { .sig = sig, .si = a->si, .uc = uc };
  crash_registers = uc->uc_mcontext;
#if defined(__x86_64__)
  if (uc->uc_mcontext.fpregs) crash_vector_registers = *uc->uc_mcontext.fpregs;
  __asm__ volatile("" : : "r"(&crash_vector_registers) : "memory");
#endif
  __asm__ volatile("" : : "r"(&crash_registers) : "memory");
  /* Deeper than the stacks printed: a frame of heapguard's own may lie below a
   * program's handler's. */
  c.nframes = hg_stack_context_frames(uc, c.frames, HG_STACK_MAX_DEPTH);
  c.own = in_own_code(&c);
  if (!c.own && small_stack && hg_sigstack_call(finish, &c)) return;
  if (c.own || small_stack) hg_stack_no_symbols = 1;
  if (c.own) {
    /* No lock, no allocation, not even the depot's: the lines, and why nothing more. */
    struct hg_thread_id t;
    hg_thread_id_get(&t);
    hg_diag_thread(&t);
    if (hg_xml_on) xml_fatal(&c, &t);
    print_header(&c, &t);
    if (!c.nframes) hg_diag_line("   at %p", (void *)hg_context_pc(uc));
    hg_stack_print_raw(c.frames, c.nframes, hg_opt.stack_depth);
    describe_address(&c);
    hg_diag_line("Process terminating with the default action of signal %d (%s)", sig, signal_name(sig));
    hg_diag_line("no heap check, leak check or summary: the signal came in heapguard's own code, "
                 "which may hold its locks");
    if (hg_xml_on) hg_xml_abandon();   /* no summary to end the document */
    return;
  }
  if (hg_opt.leak_check != HG_LEAKS_NO && small_stack) {
    /* The process ends: the option is not read again. */
    hg_opt.leak_check = HG_LEAKS_NO;
    c.no_leaks = "the signal handler runs on a small alternate signal stack";
  }
  finish(&c);
}

void hg_crash_report(int sig, const siginfo_t *si, ucontext_t *uc, bool small_stack) {
  struct crash_args a = { sig, si, uc, small_stack };
  /* The whole report runs on a stack of its own, before its first step: on a small
   * alternate stack even the frame walk (libunwind's context and cursor, 64 frames:
   * several KiB) overflowed a stack of 4 KiB, and a thread's stack of 32 KiB had no
   * room for the symboliser; either died with no word.  Not while tracing: os.c's
   * mapping then takes the trace lock, which interrupted heapguard code may hold (the
   * report moves after the walk instead, on a small alternate stack, for the
   * program's code only). */
  if (!hg_trace_on) {
    a.small_stack = false;
    if (hg_sigstack_call(crash_report, &a)) return;
    a.small_stack = small_stack;
  }
  crash_report(&a);
}
