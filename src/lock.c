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

/* The thread doing _exit's exit-time work (init.c) waits for a lock at most about two
 * seconds: a signal handler may have called _exit while this thread held the lock,
 * which would then never be released.  Another thread holding it runs on, and
 * releases it well within that time.  True when the lock is taken; false if this is
 * not that thread (it waits as usual). */
static HG_COLD bool exit_wait(hg_lock_t *l) {
  if (atomic_load_explicit(&hg_exit_tid, memory_order_relaxed) != (int)syscall(SYS_gettid)) return false;
  for (int i = 0; i < 200; i++) {
    if (atomic_exchange_explicit(&l->state, 2, memory_order_acquire) == 0) return true;
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
static HG_NOINLINE void sleep_until_free(hg_lock_t *l) {
  __builtin_unwind_init();
  while (atomic_exchange_explicit(&l->state, 2, memory_order_acquire) != 0)
    futex(&l->state, FUTEX_WAIT, 2, NULL);
}

__thread char hg_lock_self;

/* This thread holds the lock it waits for: it was interrupted inside the allocator by
 * a signal whose handler called it again (malloc is not async-signal-safe).  Waiting
 * would hang the process for ever; glibc's malloc in that case mostly finds its arena
 * corrupt and aborts.  So do we, saying why. */
static HG_COLD HG_NORETURN void self_deadlock(void) {
  hg_fatal("the allocator was called again by a thread already inside it, holding one of "
           "its locks: a signal handler that calls malloc, free or another allocation "
           "function (they are not async-signal-safe) interrupted one of them; waiting "
           "would never end");
}

void hg_lock_wait(hg_lock_t *l) {
  /* A short spin first: the critical sections are a few hundred instructions. */
  for (int i = 0; i < 100; i++) {
    int expected = 0;
    if (atomic_load_explicit(&l->state, memory_order_relaxed) == 0 &&
        atomic_compare_exchange_weak_explicit(&l->state, &expected, 1, memory_order_acquire,
                                              memory_order_relaxed))
      return;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
  }
  if (hg_unlikely(atomic_load_explicit(&hg_exit_tid, memory_order_relaxed)) && exit_wait(l)) return;
  if (atomic_load_explicit(&l->owner, memory_order_relaxed) == &hg_lock_self) self_deadlock();
  sleep_until_free(l);
}

void hg_lock_wake(hg_lock_t *l) { futex(&l->state, FUTEX_WAKE, 1, NULL); }
