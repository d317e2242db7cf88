/* lock.h — a futex mutex that works before libc is initialised and never allocates.
 *
 * (Drepper, "Futexes are tricky", mutex 2, with the holder's id for "locked".)  Locks
 * are only taken off the fast path: region, metadata and heap-list operations.  Lock
 * order, outermost first: hg_heaps_lock, hg_region_lock, hg_meta_lock. */
#ifndef HG_LOCK_H
#define HG_LOCK_H

#include "internal.h"

/* The holder is in the word itself (as in glibc's PI mutexes): state is 0 when free,
 * else the holder's thread id (gettid: unique among live threads, below 2^22), with
 * HG_LOCK_WAITERS set once a thread may sleep on it.  Taking and releasing are then one
 * atomic step each, and a thread waiting for a lock it holds itself can tell, whenever
 * a signal came: a handler that called malloc while the thread was inside the
 * allocator.  That wait would never end; hg_lock_wait aborts with a message instead, as
 * glibc mostly does (its arena checks catch the corruption such a call leaves).  (The
 * owner used to be a second word, written after the state, and the thread between
 * the two steps a third, hg_lock_midway: about 20 instructions a check-mode pair.) */
typedef struct { _Atomic int state; } hg_lock_t;
#define HG_LOCK_INIT { 0 }
#define HG_LOCK_WAITERS (1 << 30)
/* The calling thread's id, 0 until its first lock (hg_lock_tid_make); the child of a
 * fork takes its own (hg_lock_fork_child). */
extern HG_HIDDEN __thread int hg_lock_tid;
int hg_lock_tid_make(void);
void hg_lock_fork_child(void);
static inline int hg_lock_me(void) {
  int id = hg_lock_tid;
  return hg_likely(id) ? id : hg_lock_tid_make();
}
/* The lock was held: wait for it, then take it (the slow path, lock.c). */
void hg_lock_wait(hg_lock_t *l);
void hg_lock_wake(hg_lock_t *l);

/* Take the lock only if it is free (a signal handler must never wait for one). */
static inline bool hg_trylock_inline(hg_lock_t *l) {
  int expected = 0;
  return atomic_compare_exchange_strong_explicit(&l->state, &expected, hg_lock_me(), memory_order_acquire,
                                                 memory_order_relaxed);
}
static inline void hg_lock_inline(hg_lock_t *l) {
  if (hg_unlikely(!hg_trylock_inline(l))) hg_lock_wait(l);
}
static inline void hg_unlock_inline(hg_lock_t *l) {
  if (atomic_exchange_explicit(&l->state, 0, memory_order_release) & HG_LOCK_WAITERS) hg_lock_wake(l);
}
/* The same, out of line (lock.c), for everything but check mode's lock taken a few
 * times a request: inlined at their 130 call sites, the bookkeeping above made the
 * default mode's hot text a page longer (tests/programs/resident.sh); elsewhere locks
 * are taken off the fast path, where the call costs nothing measurable. */
void hg_lock(hg_lock_t *l);
void hg_unlock(hg_lock_t *l);
bool hg_trylock(hg_lock_t *l);
/* The fork handlers' (init.c): take l, or borrow it if this thread holds it already
 * (a signal handler that interrupted the allocator called fork:
 * glibc's fork is async-signal-safe as far as its malloc goes, in a single-threaded
 * process); and release it, unless it was borrowed: the interrupted code releases it
 * when the handler returns.  The child resets every lock (hg_lock_reset): its heap is
 * as the interrupted code left it, as glibc's child's is. */
void hg_lock_fork(hg_lock_t *l);
void hg_unlock_fork(hg_lock_t *l);
/* The child forgets what was borrowed; true if anything was (its heap may be
 * half-changed). */
bool hg_lock_fork_borrowed(void);
/* After fork the child's only thread owns every lock it took in the prepare handler. */
static inline void hg_lock_reset(hg_lock_t *l) { atomic_store_explicit(&l->state, 0, memory_order_relaxed); }

#endif
