/* lock.c — the futex mutex's slow paths (see lock.h). */
#include "lock.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <errno.h>
#include <time.h>

#include "init.h"

static void futex(_Atomic int *addr, int op, int val, const struct timespec *timeout) {
  int saved = errno;
  syscall(SYS_futex, addr, op | FUTEX_PRIVATE_FLAG, val, timeout, NULL, 0);
  errno = saved;
}

void hg_lock_wake(hg_lock_t *l) { futex(&l->state, FUTEX_WAKE, 1, NULL); }

__thread char hg_lock_self;
__thread hg_lock_t *hg_lock_midway;

/* One attempt of the wait to take the lock, by exchange (state 2: there may be
 * waiters) or, in the spin, by compare-and-swap.  This thread is midway (lock.h) only
 * from just before an attempt that succeeds until hg_lock_wait records the owner: while it
 * waits it holds nothing, and a handler that interrupts the wait may wait too (the
 * holder is another thread). */
static inline bool attempt(hg_lock_t *l, hg_lock_t *outer, bool exchange) {
  hg_lock_midway = l;
  atomic_signal_fence(memory_order_seq_cst);
  int expected = 0;
  bool got = exchange ? atomic_exchange_explicit(&l->state, 2, memory_order_acquire) == 0
                      : atomic_compare_exchange_weak_explicit(&l->state, &expected, 1,
                                                              memory_order_acquire,
                                                              memory_order_relaxed);
  if (!got) {
    atomic_signal_fence(memory_order_seq_cst);
    hg_lock_midway = outer;
  }
  return got;
}

/* The thread doing _exit's exit-time work (init.c) waits for a lock at most about two
 * seconds: a signal handler may have called _exit while this thread held the lock,
 * which would then never be released.  Another thread holding it runs on, and
 * releases it well within that time.  True when the lock is taken; false if this is
 * not that thread (it waits as usual). */
static HG_COLD bool exit_wait(hg_lock_t *l, hg_lock_t *outer) {
  if (atomic_load_explicit(&hg_exit_tid, memory_order_relaxed) != (int)syscall(SYS_gettid)) return false;
  for (int i = 0; i < 200; i++) {
    if (attempt(l, outer, true)) return true;
    struct timespec ts = { 0, 10 * 1000 * 1000 };
    futex(&l->state, FUTEX_WAIT, 2, &ts);
  }
  hg_exit_abandon();
}

/* The sleep, in a frame of its own that stores every callee-saved register first: a
 * thread asleep here has its registers in the kernel, and the exit-time leak scan
 * (leak.c), which reads stacks, would miss a block the program keeps in one of them.  The
 * caller's values are the program's own or were saved by the allocator's frames above:
 * all of them are on this stack now.  Only the contended path pays the six stores. */
static HG_NOINLINE void sleep_until_free(hg_lock_t *l, hg_lock_t *outer) {
  __builtin_unwind_init();
  while (!attempt(l, outer, true)) futex(&l->state, FUTEX_WAIT, 2, NULL);
}

/* This thread holds the lock it waits for, or was between taking it and recording
 * itself its owner (or between the two steps of releasing it): it was interrupted
 * inside the allocator by a signal whose handler called it again (malloc is not
 * async-signal-safe).  Waiting would hang the process for ever; glibc's malloc in that
 * case mostly finds its arena corrupt and aborts.  So do we, saying why. */
static HG_COLD HG_NORETURN void self_deadlock(void) {
  hg_fatal("the allocator was called again by a thread already inside it, holding one of "
           "its locks: a signal handler that calls malloc, free or another allocation "
           "function (they are not async-signal-safe) interrupted one of them; waiting "
           "would never end");
}

/* hg_lock's attempt failed; this thread's midway pointer is as before the call (OUTER:
 * a handler's, set if it interrupted this thread midway on a lock, lock.h).  Each
 * successful attempt below leaves it at L until the owner is recorded here. */
HG_NOINLINE void hg_lock_wait(hg_lock_t *l) {
  hg_lock_t *outer = hg_lock_midway;
  /* A short spin first: the critical sections are a few hundred instructions. */
  for (int i = 0; i < 100; i++) {
    if (atomic_load_explicit(&l->state, memory_order_relaxed) == 0 && attempt(l, outer, false))
      goto taken;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
  }
  if (hg_unlikely(atomic_load_explicit(&hg_exit_tid, memory_order_relaxed)) && exit_wait(l, outer))
    goto taken;
  if (outer == l || atomic_load_explicit(&l->owner, memory_order_relaxed) == &hg_lock_self)
    self_deadlock();
  sleep_until_free(l, outer);
taken:
  atomic_store_explicit(&l->owner, &hg_lock_self, memory_order_relaxed);
  atomic_signal_fence(memory_order_seq_cst);
  hg_lock_midway = outer;
}

void hg_lock(hg_lock_t *l) { hg_lock_inline(l); }
void hg_unlock(hg_lock_t *l) { hg_unlock_inline(l); }
bool hg_trylock(hg_lock_t *l) { return hg_trylock_inline(l); }

