/* lock.c — the futex mutex's slow paths (see lock.h). */
#include "lock.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <errno.h>

static void futex(_Atomic int *addr, int op, int val) {
  int saved = errno;
  syscall(SYS_futex, addr, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
  errno = saved;
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
  while (atomic_exchange_explicit(&l->state, 2, memory_order_acquire) != 0)
    futex(&l->state, FUTEX_WAIT, 2);
}

void hg_lock_wake(hg_lock_t *l) { futex(&l->state, FUTEX_WAKE, 1); }
