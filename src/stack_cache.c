/* stack_cache.c — stack.c's caches (stack_cache.h): the shared rule table, each
 * thread's block and its life cycle (made on the thread's first capture, recycled at
 * its exit), and forgetting them when dlclose may have unmapped code. */
#define _GNU_SOURCE
#include "stack_cache.h"

#include <pthread.h>

#include "lock.h"
#include "os.h"

_Atomic uint64_t *hg_stack_rules;
__thread struct near *hg_stack_near;
static struct near *near_free;        /* released by exited threads */
static struct near *near_all;         /* every block ever made (dlclose empties them) */
static hg_lock_t near_lock HG_FORK_DATA = HG_LOCK_INIT;   /* near_free, near_all */
static pthread_key_t near_key;
static bool near_key_ready;
struct near hg_stack_near_shared;

static void near_release(void *arg) {
  struct near *b = arg;
  hg_stack_near = NULL;
  if (b == &hg_stack_near_shared) return;
  hg_lock(&near_lock);
  b->next_free = near_free;
  near_free = b;
  hg_unlock(&near_lock);
}

struct near *hg_stack_near_make(void) {
  hg_lock(&near_lock);
  struct near *b = near_free;
  if (b) near_free = b->next_free;
  hg_unlock(&near_lock);
  if (!b) {
    b = hg_os_map(hg_align_up(sizeof *b, HG_PAGE));   /* zeroed */
    if (!b) return hg_stack_near = &hg_stack_near_shared;
    hg_lock(&near_lock);
    b->next_all = near_all;
    near_all = b;
    hg_unlock(&near_lock);
  }
  /* (A key among the first 32 is set without allocating; a later one may calloc, which
   * then gets no stack.) */
  hg_stack_quiet++;
  if (!near_key_ready || pthread_setspecific(near_key, b) != 0) {
    hg_stack_quiet--;
    near_release(b);   /* no way to learn of the thread's exit: not kept */
    return hg_stack_near = &hg_stack_near_shared;
  }
  hg_stack_quiet--;
  return hg_stack_near = b;
}

bool hg_stack_cache_init(void) {
  hg_stack_rules = hg_os_map(sizeof(uint64_t) << RULES_LOG);
  if (!hg_stack_rules) return false;
  near_key_ready = pthread_key_create(&near_key, near_release) == 0;
  return true;
}

/* Rules are keyed by return address, which stays true only while the same code is
 * at that address: dlclose can unmap a library and a later dlopen map another at the
 * same place, whose frames a stale rule would read at the wrong offsets (a wrong stack,
 * or a read past the top of the stack: a crash inside malloc).  So the library's
 * dlclose (stack.c) calls the real one (libc's, found once), then forgets every rule:
 * libunwind's cache of frame states (which would teach the stale rule again), then
 * here the shared table and every thread's block.  Nothing of the unloaded library can be on a stack by then (it
 * would be the program's bug), so a walk in progress meanwhile meets none of its
 * addresses, and an owner's store racing with the clearing is of another address's
 * rule (whole words: either value is a true rule).  In every mode (a plain call
 * through while check mode has learnt nothing); warm text (heapguard.ld.in): most
 * processes never call it. */
void hg_stack_cache_forget_rules(void) {
  for (size_t i = 0; i < (size_t)1 << RULES_LOG; i++)
    atomic_store_explicit(&hg_stack_rules[i], 0, memory_order_relaxed);
  hg_lock(&near_lock);
  for (struct near *b = near_all; b; b = b->next_all) {
    for (size_t i = 0; i < (size_t)1 << NEAR_LOG; i++) __atomic_store_n(&b->rules[i], 0, __ATOMIC_RELAXED);
    for (size_t i = 0; i < (size_t)2 << MEMO_LOG; i++) __atomic_store_n(&b->memo[i].start, 0, __ATOMIC_RELAXED);
  }
  for (size_t i = 0; i < (size_t)1 << NEAR_LOG; i++) __atomic_store_n(&hg_stack_near_shared.rules[i], 0, __ATOMIC_RELAXED);
  hg_unlock(&near_lock);
}

void hg_stack_cache_forget_stacks(void) {
  hg_lock(&near_lock);
  for (struct near *b = near_all; b; b = b->next_all)
    for (size_t i = 0; i < (size_t)1 << NEAR_STACKS_LOG; i++)
      __atomic_store_n(&b->stacks[i].id, 0, __ATOMIC_RELAXED);
  hg_unlock(&near_lock);
}

bool hg_stack_cache_holds(uintptr_t a) {
  return hg_stack_rules && a - (uintptr_t)hg_stack_rules < (sizeof(uint64_t) << RULES_LOG);
}

void hg_stack_cache_fork_prepare(void) { hg_lock_fork(&near_lock); }
void hg_stack_cache_fork_parent(void) { hg_unlock_fork(&near_lock); }
void hg_stack_cache_fork_child(void) { hg_lock_reset(&near_lock); }
