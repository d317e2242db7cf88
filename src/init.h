/* init.h — process start, fork and thread exit.
 *
 * hg_init() runs once, lazily, from the first slow path that needs it (a thread's
 * first malloc): it reads the options and builds the class table, without allocating
 * and without needing libc to be initialised.  A library constructor then registers
 * the fork handlers and the thread-exit key; threads whose heap was made before that
 * (only possible before main) simply keep their heap for good. */
#ifndef HG_INIT_H
#define HG_INIT_H

#include "internal.h"

struct hg_heap;

extern HG_HIDDEN _Atomic int hg_init_done;
void hg_init_slow(void);
static inline void hg_init(void) {
  if (hg_unlikely(!atomic_load_explicit(&hg_init_done, memory_order_acquire))) hg_init_slow();
}

/* Ask for h to be abandoned when the calling thread exits. */
void hg_thread_attach(struct hg_heap *h);

/* Largest request served by the small-block fast path: HG_SMALL_MAX, or less when the
 * mmap threshold is set below it.  Kept in step with hg_opt.mmap_threshold. */
extern HG_HIDDEN size_t hg_fast_limit;
/* In sampled guard mode (hg_fast_limit 0): the largest request that, when not sampled,
 * alloc_slow hands straight to the heap's fast path; 0 when stats or traced calls
 * must see every request. */
extern HG_HIDDEN size_t hg_sampled_fast_limit;
void hg_options_changed(void);

/* Sampled guard mode: from now on the fork handlers take its locks and reset its state
 * (before, none can be held).  Called before the first sample takes any of its locks,
 * from a thread that holds none of the allocator's; takes the lock fork_prepare holds. */
void hg_sampled_forks_on(void);

/* _exit and _Exit (init.c) run the exit-time work of check and stats mode, once, as
 * the destructors do at exit(); these are for that work.  hg_exit_sp: while it runs,
 * the lowest stack address of the frame that called _exit (the leak scan's start in
 * this thread's stack; 0 at exit()).  hg_exit_abandon: called by a lock wait of the
 * thread doing it that cannot end (the lock is held by the code a signal handler that
 * called _exit interrupted): ends the work, says so, and exits. */
extern HG_HIDDEN uintptr_t hg_exit_sp;
extern HG_HIDDEN _Atomic int hg_exit_tid;   /* that thread's id while the work runs, else 0 */
HG_NORETURN void hg_exit_abandon(void);
/* Whether this process shares its parent's memory (a vfork child, or one cloned so,
 * which no atfork handler saw): exit-time work must not run in it, at _exit or at an
 * exit() it should not have called (its destructors would report on, and change, the
 * parent's heap state). */
bool hg_exit_shares_parent(void);
/* A crash report (crash.c, from a fatal signal's handler): first(arg), the report of
 * the crash, then the exit-time work, as _exit's (once per process; lock waits of this
 * thread limited the same way), the leak scan reading this thread's stack from sp up. */
void hg_exit_work_crash(uintptr_t sp, void (*first)(void *), void *arg);
/* Whether the program was started without a dynamic loader (no PT_INTERP in its
 * program headers: linked -static or -static-pie, libheapguard.a in it).  There
 * dlopen is glibc's partial static dlopen (libdw cannot run: symbolise.c) and the
 * unwinder sees no unwind tables (check mode's captures start from the program's frame,
 * which libunwind there walks by frame pointers: wipe.h). */
bool hg_started_without_loader(void);

/* HEAPGUARD_CHILDREN=no: take the library out of the environment the programs this
 * process runs inherit (children.c).  The constructor's, before main. */
void hg_children_leave(void);
/* From a destructor of the library at exit(): have fn run after every other object's
 * destructor instead (true), or false if it cannot (then run it now).  See init.c. */
bool hg_exit_defer(void (*fn)(void *));
/* The exit_group system call, for the library's own exits: nothing more is run. */
HG_NORETURN void hg_exit_raw(int status);

#endif
