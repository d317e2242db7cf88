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
/* The lock this thread is between setting and recording (or between clearing and
 * releasing): owner and state change in two steps, and a signal arriving between them
 * finds the lock held by nobody recorded.  A handler that then waited for it would wait
 * for ever, so hg_lock_wait also aborts when the lock is the one its own thread was in
 * the middle of (OUTER: what this variable held when the handler's hg_lock began).
 * Set around the two steps only; a handler's own use restores it on return. */
extern HG_HIDDEN __thread hg_lock_t *hg_lock_midway;
/* The lock was held: wait for it, then take it (the slow path, lock.c). */
void hg_lock_wait(hg_lock_t *l);
void hg_lock_wake(hg_lock_t *l);

/* Take the lock only if it is free (a signal handler must never wait for one). */
static inline bool hg_trylock_inline(hg_lock_t *l) {
  hg_lock_t *outer = hg_lock_midway;
  hg_lock_midway = l;
  atomic_signal_fence(memory_order_seq_cst);   /* a handler sees it before the state */
  int expected = 0;
  bool taken = atomic_compare_exchange_strong_explicit(&l->state, &expected, 1,
                                                       memory_order_acquire, memory_order_relaxed);
  if (taken) atomic_store_explicit(&l->owner, &hg_lock_self, memory_order_relaxed);
  atomic_signal_fence(memory_order_seq_cst);
  hg_lock_midway = outer;
  return taken;
}
static inline void hg_lock_inline(hg_lock_t *l) {
  if (hg_unlikely(!hg_trylock_inline(l))) hg_lock_wait(l);
}
static inline void hg_unlock_inline(hg_lock_t *l) {
  hg_lock_t *outer = hg_lock_midway;
  hg_lock_midway = l;
  atomic_signal_fence(memory_order_seq_cst);
  atomic_store_explicit(&l->owner, NULL, memory_order_relaxed);
  if (atomic_exchange_explicit(&l->state, 0, memory_order_release) == 2) hg_lock_wake(l);
  atomic_signal_fence(memory_order_seq_cst);
  hg_lock_midway = outer;
}
/* The same, out of line (lock.c), for everything but check mode's lock taken a few
 * times a request: inlined at their 130 call sites, the bookkeeping above made the
 * default mode's hot text a page longer (tests/programs/resident.sh); elsewhere locks
 * are taken off the fast path, where the call costs nothing measurable. */
void hg_lock(hg_lock_t *l);
void hg_unlock(hg_lock_t *l);
bool hg_trylock(hg_lock_t *l);
/* After fork the child's only thread owns every lock it took in the prepare handler. */
static inline void hg_lock_reset(hg_lock_t *l) {
  atomic_store_explicit(&l->owner, NULL, memory_order_relaxed);
  atomic_store_explicit(&l->state, 0, memory_order_relaxed);
}

#endif
