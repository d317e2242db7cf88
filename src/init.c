/* init.c — process start, fork handling, thread exit (see init.h). */
#include "init.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "diag.h"
#include "suppress.h"
#include "guard.h"
#include "heap.h"
#include "lock.h"
#include "meta.h"
#include "options.h"
#include "os.h"
#include "region.h"
#include "sizeclass.h"
#include "stats.h"
#include "trace.h"
#include "wipe.h"

_Atomic int hg_init_done;
/* 0 until init: the process's first malloc takes alloc_slow, which initialises (and
 * which stats mode observes). */
size_t hg_fast_limit;
size_t hg_sampled_fast_limit;

static hg_lock_t init_lock = HG_LOCK_INIT;
/* Sampled guard mode has fork work (its locks, check mode's, the unwinder's, the log's
 * per-process name) only once it may hold one of its locks or files: from its first
 * sample on (hg_sampled_forks_on).  Set under init_lock, which fork_prepare holds until
 * fork_parent or fork_child: so a fork sees it set (and takes every lock) or the
 * setting thread waits until the fork is done, before it takes any of them.  Before
 * that the fork handlers touch none of the other modes' data or code (about 14 page
 * faults a fork: their variables sit on pages of their own, their code in the cold
 * text).  Next to init_lock: on the page the fork handlers write anyway. */
static _Atomic bool sampled_forks;
static pthread_key_t exit_key;
static _Atomic bool exit_key_ready;

/* The process's id as the constructor or our fork handler last saw it, when a mode
 * has exit-time work (else 0): a vfork child (and posix_spawn's, and one made by a
 * fork that ran no atfork handler) has another id, which _exit tells by; so has a
 * silent fork child (fork_child), which keeps its parent's. */
static pid_t own_pid;
static bool exit_work_wanted(void) { return hg_check_on || hg_stats_on; }
static pid_t raw_getpid(void) { return (pid_t)syscall(SYS_getpid); }

void hg_options_changed(void) {
  size_t t = hg_opt.mmap_threshold ? hg_opt.mmap_threshold : 1;
  hg_fast_limit = t > HG_SMALL_MAX ? HG_SMALL_MAX : t - 1;
  /* Sampled guard mode's shortcut back to the heap, unless another observer (stats,
   * traced calls) must see the request too. */
  hg_sampled_fast_limit = hg_stats_on || hg_opt.trace_calls ? 0 : hg_fast_limit;
  if (hg_stats_on) hg_fast_limit = 0;   /* stats mode observes every allocation */
  if (hg_guard_sampling) hg_fast_limit = 0;   /* every malloc counts down to the next sample */
  /* Check mode: every malloc straight to alloc_slow, without first missing the fast
   * path (threads have no heap) and taking the heap's slow path to its divert (about
   * 20 instructions a call). */
  if (hg_check_on) hg_fast_limit = hg_sampled_fast_limit = 0;
}

void hg_init_slow(void) {
  hg_lock(&init_lock);
  if (!atomic_load_explicit(&hg_init_done, memory_order_relaxed)) {
    if (hg_os_page_size() != HG_PAGE)
      hg_fatal("this build needs %zu-byte pages; the kernel uses %zu", HG_PAGE, hg_os_page_size());
    hg_sizeclass_init();
    hg_options_init();
    hg_stats_init();   /* before hg_options_changed, which reads hg_stats_on */
    hg_guard_init();   /* the same, for hg_guard_sampling */
    if (hg_opt.mode == HG_MODE_CHECK || hg_opt.mode == HG_MODE_GUARD) {
      hg_check_init();   /* before hg_options_changed, which reads hg_check_on */
      hg_os_populating = true;
      hg_os_huge_on = hg_opt.huge_pages;
    }
    /* (A file's errors are its own lines here, at start, in every process.) */
    if ((hg_check_on || hg_guard_sampling) && hg_opt.suppressions) hg_supp_init();
    hg_options_changed();
    hg_trace_init();   /* after the modes that divert the heap: they win over call tracing */
    atomic_store_explicit(&hg_init_done, 1, memory_order_release);
  }
  hg_unlock(&init_lock);
}

static void thread_exit(void *heap) { hg_heap_abandon(heap); }

void hg_thread_attach(struct hg_heap *h) {
  if (atomic_load_explicit(&exit_key_ready, memory_order_acquire)) pthread_setspecific(exit_key, h);
}

/* Fork: take every lock so that no other thread holds one at the moment of the fork;
 * the child resets them and adopts the heaps of the threads it did not inherit.  The
 * other modes' hooks are called only when their mode is on (each would return at once
 * otherwise, and guard mode's locks are taken by nothing else), sampled mode's only
 * from its first sample on (sampled_forks): they live in the cold text
 * (src/heapguard.ld.in), and a default-mode process that forks maps none of it. */
static bool sampled_forks_now(void) {
  return hg_guard_sampling && atomic_load_explicit(&sampled_forks, memory_order_relaxed);
}
static bool check_forks(void) { return hg_check_on || sampled_forks_now(); }
static bool guard_forks(void) { return hg_guard_on || sampled_forks_now(); }

void hg_sampled_forks_on(void) {
  if (atomic_load_explicit(&sampled_forks, memory_order_relaxed)) return;
  hg_lock(&init_lock);
  atomic_store_explicit(&sampled_forks, true, memory_order_relaxed);
  hg_unlock(&init_lock);
}

static void fork_prepare(void) {
  hg_lock_fork(&init_lock);
  if (hg_trace_calls) hg_trace_fork_prepare();   /* a traced call holds it around region and heap work */
  if (check_forks()) hg_check_fork_prepare();
  if (guard_forks()) hg_guard_fork_prepare();
  hg_heap_fork_prepare();
  hg_region_fork_prepare();
  hg_meta_fork_prepare();
}

static void fork_parent(void) {
  hg_meta_fork_parent();
  hg_region_fork_parent();
  hg_heap_fork_parent();
  if (guard_forks()) hg_guard_fork_parent();
  if (check_forks()) hg_check_fork_parent();
  if (hg_trace_calls) hg_trace_fork_parent();
  hg_unlock_fork(&init_lock);
}

static void fork_child(void) {
  /* A fork from a signal handler that interrupted the allocator (lock.h): the child's
   * heap is as the interrupted call left it, half-changed, so the child does no
   * exit-time work (it would report what it finds there), as a vfork child does not. */
  bool interrupted = hg_lock_fork_borrowed();
  hg_lock_fork_child();
  /* HEAPGUARD_CHILD_SILENT_AFTER_FORK: before the modes' handlers, which read it (the
   * timeline's).  The child keeps the parent's own_pid (below), so that it does no
   * exit-time work (no verify, leak scan, summary, stats table or error exit code: the
   * status is its own) and no crash report, as a vfork child; its errors are still
   * found, and printed nowhere (diag.h). */
  bool silent = hg_unlikely(hg_opt.child_silent_after_fork);
  if (silent) hg_diag_silent = true;
  if (hg_trace_on) hg_trace_fork_child();   /* first: the child's kernel calls carry its own pid */
  hg_meta_fork_child();
  hg_region_fork_child();
  hg_heap_fork_child();
  if (guard_forks()) hg_guard_fork_child();
  if (check_forks()) hg_check_fork_child();
  if (hg_stats_fork_busy()) hg_stats_fork_child();
  if (exit_work_wanted() && !interrupted && !silent) own_pid = raw_getpid();
  hg_lock_reset(&init_lock);
}

/* ---- fork handlers: ours before anyone's ------------------------------------------------
 * glibc's fork() takes its malloc's locks after every prepare handler has run and lets
 * them go before any parent or child handler runs, so every atfork handler may
 * allocate.  Ours are atfork handlers: prepare handlers run in the reverse order of
 * their registration, parent and child handlers in that order, so ours must be the
 * first registered for everyone else's to find the allocator free.  Our constructor
 * comes too late for that: a preloaded library is initialised after the program's own
 * libraries, whose constructors may register handlers (a child handler that allocated
 * found a lock taken in our prepare handler: the process aborted, "called again by a
 * thread already inside it"; tests/api/atfork_alloc.c).  So the library exports
 * __register_atfork too, which pthread_atfork (libc_nonshared.a's stub, linked into
 * each object) calls: it registers ours first, once, then the caller's, with libc's.
 * Ours are registered with libc's pthread_atfork of glibc before 2.28, a compat symbol
 * every later libc.so keeps (__register_atfork with libc's own object handle), bound at
 * load time as the import of __register_atfork was: our own name now means ours.  A
 * caller's are forwarded to libc's __register_atfork, looked up then (warm text: a
 * process whose libraries register none pays nothing).  In a static link neither
 * exists: libc.a's __register_atfork (it comes with fork) takes the place of our weak
 * one, and the constructor's priority runs ours before every other constructor (not
 * before a preinit function's registration: that one stays first). */
typedef int register_atfork_fn(void (*prepare)(void), void (*parent)(void), void (*child)(void),
                               void *dso_handle);
extern void *__dso_handle;
int hg_register_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void), void *dso_handle);
HG_EXPORT int __register_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void),
                                void *dso_handle) __attribute__((weak, alias("hg_register_atfork")));
extern int libc_pthread_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void))
    __attribute__((weak));
#if defined(__x86_64__)
__asm__(".symver libc_pthread_atfork, pthread_atfork@GLIBC_2.2.5");
#elif defined(__aarch64__)
__asm__(".symver libc_pthread_atfork, pthread_atfork@GLIBC_2.17");
#endif
static hg_lock_t atfork_lock = HG_LOCK_INIT;
static _Atomic bool own_handlers_registered;

static void register_own_handlers(void) {
  if (atomic_load_explicit(&own_handlers_registered, memory_order_acquire)) return;
  hg_lock(&atfork_lock);
  if (!atomic_load_explicit(&own_handlers_registered, memory_order_relaxed)) {
    /* Set first: libc's registration allocates, and an allocation that loads a library
     * (check mode's unwinder) may run a constructor that registers: that one is then
     * forwarded at once. */
    atomic_store_explicit(&own_handlers_registered, true, memory_order_release);
    if (libc_pthread_atfork) libc_pthread_atfork(fork_prepare, fork_parent, fork_child);
    else if (__register_atfork != hg_register_atfork) __register_atfork(fork_prepare, fork_parent, fork_child, __dso_handle);
  }
  hg_unlock(&atfork_lock);
}

int hg_register_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void), void *dso_handle) {
  static register_atfork_fn *libc_register;
  hg_init();
  register_own_handlers();
  register_atfork_fn *f = __atomic_load_n(&libc_register, __ATOMIC_ACQUIRE);
  if (!f && !hg_started_without_loader()) {
    *(void **)&f = dlsym(RTLD_NEXT, "__register_atfork");
    __atomic_store_n(&libc_register, f, __ATOMIC_RELEASE);
  }
  return f ? f(prepare, parent, child, dso_handle) : 0;   /* static: no fork to run them */
}

static void quick_exit_start(void);

__attribute__((constructor(101))) static void hg_process_start(void) {
  hg_init();
  if (hg_unlikely(!hg_opt.children)) hg_children_leave();
  register_own_handlers();
  if (pthread_key_create(&exit_key, thread_exit) == 0) {
    atomic_store_explicit(&exit_key_ready, true, memory_order_release);
    if (hg_tls_heap != &hg_heap_empty) pthread_setspecific(exit_key, hg_tls_heap);
  }
  hg_check_start();
  hg_guard_start();
  hg_stats_start();
  if (exit_work_wanted()) {
    own_pid = raw_getpid();
    quick_exit_start();
  }
}

/* ---- _exit ----------------------------------------------------------------------------
 * exit() runs the library's destructors (check and stats mode's reports), then libc's
 * own _exit, which is internal to libc and never comes here.  A program that calls
 * _exit or _Exit itself (dash ends every `sh -c` so, Python's os._exit, forked children
 * of daemons) comes here instead, and gets the same work, once (check.c, stats_out.c:
 * a destructor that ran it, or one that runs later, does nothing), then the system call.
 *
 * Never in a child that shares the parent's memory (vfork, posix_spawn's clone): its
 * pid is not own_pid, since no atfork handler ran for it.  Its work would read and
 * change the parent's heap state, take its locks and print a report for a process
 * that is not one.  Such a child only exits.
 *
 * A signal handler may call _exit while the same thread is inside the allocator,
 * holding a lock the work needs.  A lock wait of this thread that lasts (lock.c) then
 * comes back here through hg_exit_abandon: one line says the work was cut short, and
 * the process exits with its status.  A lock another thread holds is only waited for
 * (up to the same limit: that thread runs on). */

uintptr_t hg_exit_sp;
_Atomic int hg_exit_tid;
/* GCC's own setjmp and longjmp (a frame, stack and resume address; no import from
 * libc, whose lookup every process that loads the library would pay at start). */
static void *exit_jump[5];
static volatile int exit_status;   /* read after the jump back */

HG_NORETURN void hg_exit_raw(int status) {
  for (;;) syscall(SYS_exit_group, status);
}

bool hg_exit_shares_parent(void) { return own_pid == 0 || raw_getpid() != own_pid; }

/* The work, after first(arg) if given (a crash report: crash.c), reading this thread's
 * stack from sp up (0: from this frame). */
static HG_COLD int exit_work_from(int status, uintptr_t sp, void (*first)(void *), void *arg) {
  if (hg_exit_shares_parent()) return status;   /* vfork's child: touch nothing */
  exit_status = status;
  /* Every callee-saved register (the caller's values: the program's) is stored in this
   * frame, above its locals: the leak scan reads this thread's stack from `mark` up,
   * not from its own frames below, where stale copies of addresses would hide leaks. */
  __builtin_unwind_init();
  volatile char mark = 0;
  if (__builtin_setjmp(exit_jump)) return exit_status;
  hg_exit_sp = sp ? sp : (uintptr_t)&mark;
  atomic_store(&hg_exit_tid, (int)syscall(SYS_gettid));
  if (first) first(arg);
  if (hg_check_on) exit_status = hg_side_exit_call(hg_check_at_exit, exit_status);
  if (hg_stats_on) hg_stats_at_exit();
  atomic_store(&hg_exit_tid, 0);
  return exit_status;
}

static HG_COLD int exit_work(int status) { return exit_work_from(status, 0, NULL, NULL); }

void hg_exit_work_crash(uintptr_t sp, void (*first)(void *), void *arg) { exit_work_from(0, sp, first, arg); }

HG_NORETURN void hg_exit_abandon(void) {
  atomic_store(&hg_exit_tid, 0);   /* from here on, locks are waited for as usual */
  if (hg_check_on) exit_status = hg_check_exit_abandoned(exit_status);
  if (hg_stats_on) hg_stats_exit_abandoned();
  __builtin_longjmp(exit_jump, 1);
}

/* The default mode: two loads and the system call. */
HG_EXPORT HG_NORETURN HG_DEFAULT_TEXT void _exit(int status) {
  if (hg_unlikely(exit_work_wanted())) status = exit_work(status);
  hg_exit_raw(status);
}
HG_EXPORT HG_NORETURN void _Exit(int status) HG_ALIAS(_exit);

/* ---- after every destructor -----------------------------------------------------------
 * exit() runs the atexit handlers, then every loaded object's destructors (_dl_fini),
 * in the loader's order, which runs the library's before those of each object that
 * does not depend on it: in a preloaded process, all the program's shared libraries and
 * those it dlopen'ed.  A heap error in one of their destructors came after the
 * summary, and the exit status was already decided (0); what they freed was counted
 * live.  So the destructors (check_exit.c, stats_out.c) register their work as an
 * exit handler of no object instead: glibc's exit runs a handler registered while it
 * runs them once the current one (_dl_fini) returns, so the work comes after every
 * destructor, before stdio's buffers are flushed.  The library is linked -z nodelete
 * (Makefile), so the handler's code is still mapped then even in a process that
 * dlopen'ed it.  Looked up, not imported (no lookup at start); a program linked
 * statically has no dlsym, and runs the work at once, as before. */
bool hg_exit_defer(void (*fn)(void *)) {
  int (*reg)(void (*)(void *), void *, void *);
  *(void **)&reg = dlsym(RTLD_DEFAULT, "__cxa_atexit");
  return reg && reg(fn, NULL, NULL) == 0;
}

/* ---- quick_exit -----------------------------------------------------------------------
 * libc's quick_exit runs the at_quick_exit handlers, then libc's internal _exit, which
 * never comes to ours.  So the library exports quick_exit too, which notes the status
 * and calls libc's; in a mode with exit-time work, the constructor has registered
 * quick_exit_last as the process's first at_quick_exit handler (before the program's
 * constructors and main), so it runs after the program's handlers, as the destructors
 * run after the program's atexit handlers at exit(): the work sees what they freed.
 * It does the work with that status and makes the system call itself (libc would only
 * call _exit: quick_exit flushes no stdio).  Were the handler not registered, the work
 * runs before the handlers.  A vfork child touches nothing, as at _exit. */
static void (*libc_quick_exit)(int);
static int quick_status;
static _Atomic int quick_state;   /* 1: quick_exit_last registered; 2: quick_exit called */

static HG_COLD void quick_exit_last(void *unused) {
  (void)unused;
  if (atomic_load(&quick_state) == 2 && !hg_exit_shares_parent()) hg_exit_raw(exit_work(quick_status));
}

static HG_COLD void quick_exit_start(void) {
  /* Looked up, not imported: the default mode pays no lookup at start.  libc's
   * at_quick_exit is this call with the caller's __dso_handle (libc_nonshared.a). */
  *(void **)&libc_quick_exit = dlsym(RTLD_NEXT, "quick_exit");
  int (*reg)(void (*)(void *), void *);
  *(void **)&reg = dlsym(RTLD_DEFAULT, "__cxa_at_quick_exit");
  if (libc_quick_exit && reg && reg(quick_exit_last, __dso_handle) == 0) atomic_store(&quick_state, 1);
}

HG_EXPORT HG_NORETURN HG_COLD void quick_exit(int status) {
  void (*f)(int) = __atomic_load_n(&libc_quick_exit, __ATOMIC_RELAXED);
  if (!f) *(void **)&f = dlsym(RTLD_NEXT, "quick_exit");   /* the default mode */
  if (exit_work_wanted() && !hg_exit_shares_parent()) {
    int registered = 1;
    quick_status = status;
    if (!atomic_compare_exchange_strong(&quick_state, &registered, 2)) quick_status = status = exit_work(status);
  }
  if (f) f(status);
  hg_exit_raw(status);   /* no libc's to run the handlers (a static link) */
}

bool hg_started_without_loader(void) {
  const ElfW(Phdr) *ph = (const ElfW(Phdr) *)getauxval(AT_PHDR);
  unsigned long n = getauxval(AT_PHNUM);
  if (!ph) return false;
  for (unsigned long i = 0; i < n; i++)
    if (ph[i].p_type == PT_INTERP) return false;
  return true;
}
