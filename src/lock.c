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

__thread int hg_lock_tid;

int hg_lock_tid_make(void) { return hg_lock_tid = (int)syscall(SYS_gettid); }

/* (The forking thread's id is its parent's thread's: a thread of the child could get
 * that id once the parent's thread is gone.) */
void hg_lock_fork_child(void) { hg_lock_tid = 0; }

/* One attempt to take the lock for a thread that may then sleep (me: its id): taken
 * with HG_LOCK_WAITERS set, since other threads may sleep on it too (mutex 2's "2");
 * else the waiters' flag is set, and *seen is the word to sleep on. */
static bool attempt(hg_lock_t *l, int me, int *seen) {
  int s = atomic_load_explicit(&l->state, memory_order_relaxed);
  for (;;) {
    if (s == 0) {
      if (atomic_compare_exchange_weak_explicit(&l->state, &s, me | HG_LOCK_WAITERS, memory_order_acquire,
                                                memory_order_relaxed))
        return true;
    } else if (s & HG_LOCK_WAITERS) {
      *seen = s;
      return false;
    } else if (atomic_compare_exchange_weak_explicit(&l->state, &s, s | HG_LOCK_WAITERS, memory_order_relaxed,
                                                     memory_order_relaxed)) {
      *seen = s | HG_LOCK_WAITERS;
      return false;
    }
  }
}

/* The thread doing _exit's exit-time work (init.c) waits for a lock at most about two
 * seconds: a signal handler may have called _exit while this thread held the lock,
 * which would then never be released.  Another thread holding it runs on, and
 * releases it well within that time.  True when the lock is taken; false if this is
 * not that thread (it waits as usual). */
static HG_COLD bool exit_wait(hg_lock_t *l, int me) {
  if (atomic_load_explicit(&hg_exit_tid, memory_order_relaxed) != (int)syscall(SYS_gettid)) return false;
  for (int i = 0; i < 200; i++) {
    int seen;
    if (attempt(l, me, &seen)) return true;
    struct timespec ts = { 0, 10 * 1000 * 1000 };
    futex(&l->state, FUTEX_WAIT, seen, &ts);
  }
  hg_exit_abandon();
}

/* The sleep, in a frame of its own that stores every callee-saved register first: a
 * thread asleep here has its registers in the kernel, and the exit-time leak scan
 * (leak.c), which reads stacks, would miss a block the program keeps in one of them.  The
 * caller's values are the program's own or were saved by the allocator's frames above:
 * all of them are on this stack now.  Only the contended path pays the six stores. */
static HG_NOINLINE void sleep_until_free(hg_lock_t *l, int me) {
  __builtin_unwind_init();
  int seen;
  while (!attempt(l, me, &seen)) futex(&l->state, FUTEX_WAIT, seen, NULL);
}

/* This thread holds the lock it waits for: it was interrupted inside the allocator by a signal whose handler called it again (malloc is not
 * async-signal-safe).  Waiting would hang the process for ever; glibc's malloc in that
 * case mostly finds its arena corrupt and aborts.  So do we, saying why. */
static HG_COLD HG_NORETURN void self_deadlock(void) {
  hg_fatal("the allocator was called again by a thread already inside it, holding one of "
           "its locks: a signal handler that calls malloc, free or another allocation "
           "function (they are not async-signal-safe) interrupted one of them; waiting "
           "would never end");
}

/* hg_lock's attempt failed. */
HG_NOINLINE void hg_lock_wait(hg_lock_t *l) {
  int me = hg_lock_me();
  /* A short spin first: the critical sections are a few hundred instructions. */
  for (int i = 0; i < 100; i++) {
    int expected = 0;
    if (atomic_load_explicit(&l->state, memory_order_relaxed) == 0 &&
        atomic_compare_exchange_weak_explicit(&l->state, &expected, me, memory_order_acquire, memory_order_relaxed))
      return;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
  }
  if (hg_unlikely(atomic_load_explicit(&hg_exit_tid, memory_order_relaxed)) && exit_wait(l, me)) return;
  if ((atomic_load_explicit(&l->state, memory_order_relaxed) & ~HG_LOCK_WAITERS) == me) self_deadlock();
  sleep_until_free(l, me);
}

/* Borrowed by the prepare handler (lock.h), until the parent's; only fork handlers,
 * which init_lock (taken or borrowed first) keeps to one thread, touch it. */
static hg_lock_t *borrowed[16];
static unsigned nborrowed;

void hg_lock_fork(hg_lock_t *l) {
  if (hg_trylock_inline(l)) return;
  if ((atomic_load_explicit(&l->state, memory_order_relaxed) & ~HG_LOCK_WAITERS) == hg_lock_me() &&
      nborrowed < sizeof borrowed / sizeof borrowed[0]) {
    borrowed[nborrowed++] = l;
    return;
  }
  hg_lock_wait(l);
}

void hg_unlock_fork(hg_lock_t *l) {
  for (unsigned i = 0; i < nborrowed; i++)
    if (borrowed[i] == l) {
      borrowed[i] = borrowed[--nborrowed];
      return;
    }
  hg_unlock_inline(l);
}

bool hg_lock_fork_borrowed(void) {
  bool any = nborrowed != 0;
  nborrowed = 0;
  return any;
}

void hg_lock(hg_lock_t *l) { hg_lock_inline(l); }
void hg_unlock(hg_lock_t *l) { hg_unlock_inline(l); }
bool hg_trylock(hg_lock_t *l) { return hg_trylock_inline(l); }

