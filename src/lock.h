/* lock.h — a futex mutex that works before libc is initialised and never allocates.
 *
 * state: 0 unlocked, 1 locked, 2 locked with waiters.  (Drepper, "Futexes are tricky",
 * mutex 2.)  Locks are only taken off the fast path: region, metadata and heap-list
 * operations.  Lock order, outermost first: hg_heaps_lock, hg_region_lock, hg_meta_lock. */
#ifndef HG_LOCK_H
#define HG_LOCK_H

#include "internal.h"

/* owner: the thread holding it (the address of its hg_lock_self, NULL when free), set
 * by hg_lock and hg_trylock, so that a thread waiting for a lock it holds itself can
 * tell: a signal handler that called malloc while the thread was inside the allocator.
 * That wait would never end; hg_lock_wait aborts with a message instead, as glibc
 * mostly does (its arena checks catch the corruption such a call leaves). */
typedef struct { _Atomic int state; const char *_Atomic owner; } hg_lock_t;
#define HG_LOCK_INIT { 0, NULL }

extern HG_HIDDEN __thread char hg_lock_self;

void hg_lock_wait(hg_lock_t *l);   /* slow path: spin briefly, then sleep on the futex */
void hg_lock_wake(hg_lock_t *l);

static inline void hg_lock(hg_lock_t *l) {
  int expected = 0;
  if (!atomic_compare_exchange_strong_explicit(&l->state, &expected, 1,
                                               memory_order_acquire, memory_order_relaxed))
    hg_lock_wait(l);
  atomic_store_explicit(&l->owner, &hg_lock_self, memory_order_relaxed);
}

static inline void hg_unlock(hg_lock_t *l) {
  atomic_store_explicit(&l->owner, NULL, memory_order_relaxed);
  if (atomic_exchange_explicit(&l->state, 0, memory_order_release) == 2) hg_lock_wake(l);
}

/* Take the lock only if it is free (a signal handler must never wait for one). */
static inline bool hg_trylock(hg_lock_t *l) {
  int expected = 0;
  if (!atomic_compare_exchange_strong_explicit(&l->state, &expected, 1, memory_order_acquire,
                                               memory_order_relaxed))
    return false;
  atomic_store_explicit(&l->owner, &hg_lock_self, memory_order_relaxed);
  return true;
}

/* After fork the child's only thread owns every lock it took in the prepare handler. */
static inline void hg_lock_reset(hg_lock_t *l) {
  atomic_store_explicit(&l->owner, NULL, memory_order_relaxed);
  atomic_store_explicit(&l->state, 0, memory_order_relaxed);
}

#endif
