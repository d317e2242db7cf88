/* guard_sample.c — sampled guard mode (HEAPGUARD_SAMPLE_RATE): its pool of one-page
 * guarded slots, and the per-thread countdown that picks the samples (see guard.h;
 * guard.c makes, retires and indexes the slots, and asks here for the pool's). */
#define _GNU_SOURCE
#include "guard_internal.h"

#include <errno.h>
#include <time.h>

#include "check.h"
#include "diag.h"
#include "init.h"
#include "lock.h"
#include "options.h"
#include "os.h"
#include "stack.h"
#include "trace.h"

/* Sampled mode guards requests up to one page (bigger ones are not sampled; the
 * countdown goes on to the next request): its slots are one page each, in a pool. */
#define SAMPLE_SIZE_MAX HG_PAGE

/* ---- sampled mode's pool ---------------------------------------------------------------- *
 * Sampled mode must cost little per sample, so its slots are not mappings of their own
 * (mmap, mprotect, madvise, mprotect, munmap: five system calls and two mappings made
 * and destroyed per block) but pages of one reservation, indexed once, at the first
 * sample: HEAPGUARD_SAMPLE_MAX slots of one data page and one guard page each (a slot's
 * pair).  Freeing a slot's block is one mprotect (PROT_NONE; its page stays resident),
 * which a use after free needs at once.  (A guard marker on the data page instead
 * drops the page, which each reuse then faults in again: 1.6x the CPU time at 1 in 100
 * on wl_random and larson; docs/architecture.md.)
 *
 * Making slots read-write again takes fewer: slots are opened in runs of up to
 * POOL_RUN neighbours, with one mprotect over the run.  Their guard pages carry a guard
 * marker (MADV_GUARD_INSTALL, Linux 6.13), which faults on any access whatever the
 * protection of the page's VMA and survives mprotect and fork, so opening their VMA
 * exposes nothing.  The run's other slots wait, read-write and unused, for the next
 * samples, which then make no system call: a sample costs one mprotect and a
 * sixteenth, not two.  The slots out of the quarantine are kept in a bitmap and taken
 * from a cursor, in address order: blocks leave the quarantine in the order they were
 * freed, which is nearly the order they were taken in, so those slots lie in runs.
 * With guard markers the pool is read-write from the start (its pages resident only
 * once used): a slot's first use is its guard page marked (one process_madvise for a
 * run of fresh slots where the kernel allows it, Linux 6.15), and no mprotect.
 *
 * POOL_PAIRS: with guard markers, a slot's mprotect covers its whole pair, guard page
 * included (the marker keeps it a guard), and the pool's mappings depend on the pairs'
 * VMA flags.  Every mapping is copied at each fork and torn down at each exit (about
 * 2 us apiece here), and every split or merge of one costs an mprotect about 7 us more
 * than changing a VMA whole.  The pool once took two mappings a slot used (its guard
 * page marked MADV_DONTDUMP): bash at 1 in 5000 held 210 for 105 slots and paid about
 * 0.5 ms more per fork than the default mode.  Now, until the process has forked
 * POOL_MERGE_FORKS times, every other pair is flagged MADV_RANDOM at its first use: each
 * pair is one VMA, changed whole by its mprotects (a mapping a slot, half as many).  At
 * that fork one madvise clears the flags, and from then on neighbouring slots in the
 * same state merge: the mappings are the runs of freed and of live slots, a few for a
 * program whose blocks die in about the order they were born, at most two per
 * long-lived sample among freed ones (tests/programs/sampled_maps.sh).  The price is
 * paid by the blocks that die out of order, each a split and a merge: wl_random at 1 in
 * 100 took 1.4x the CPU time when the pool always merged, so only a process that forks
 * often pays it (a daemon's one or two forks leave the pool as it was).
 *
 * Without markers the pool is PROT_NONE, runs are of one slot, and a first use marks
 * the guard page MADV_DONTDUMP (so that PROT_NONE pages never merge into large VMAs
 * that every open would split: 3x dearer) and opens the data page.
 * A first use also faults its page in: about 3x the cost of a reuse, so slots out of
 * the quarantine are taken before fresh ones once a run's worth of them waits, and the
 * pool grows only to the most slots live and quarantined at once, plus a run or two,
 * not to HEAPGUARD_SAMPLE_MAX (a freed address is reused only once its slot has left
 * the quarantine).  Fresh runs grow with the pool (1, 1, 2, 4, ... slots), not marked
 * at pool_init: a program that takes a few samples pays for a few guard pages, not
 * HEAPGUARD_SAMPLE_MAX. */
#define POOL_RUN 16
static uintptr_t pool_base, pool_end;
static uint64_t *pool_free;         /* bitmap: slots out of the quarantine (free_count) */
static uint32_t *pool_ready;        /* slots read-write and unused: a stack of ready_len
                                       (room for every slot: threads' runs may overlap) */
static size_t pool_slots, free_count, ready_len, pool_cursor;
static size_t pool_fresh;           /* slots below it have been used */
/* The kernel refused the pool (pool_init): samples due are not taken until POOL_RETRY
 * of them have passed, then one more try.  A shortage of address space or of mappings
 * may pass (the program frees memory, raises its limit): sampling then resumes, where
 * it used to stop for the rest of the run.  pool_retry_in counts down the samples
 * refused without a try (under pool_lock); pool_refused: said so, and not yet that
 * the pool was mapped after all. */
/* Only samples the budget let through count (HEAPGUARD_SAMPLE_BUDGET): one skipped
 * over it never reaches hg_guard_pool_take.  So a try costs a budget token like a
 * sample does, and a refused pool is tried at most B / POOL_RETRY times a second (about
 * once at the default budget) whatever the malloc rate.  Counting the skipped ones
 * would retry as often as the budget allows samples, up to B failed mmaps a second from
 * a program that allocates fast, and would put pool_lock in the skip path, which takes
 * no lock. */
#define POOL_RETRY 1024
static size_t pool_retry_in;
static bool pool_refused;
static bool pool_markers;           /* guard pages carry guard markers: runs of POOL_RUN */
static bool pool_rw;                /* the pool was left read-write (markers at pool_init) */
/* POOL_PAIRS: until the process has forked POOL_MERGE_FORKS times (pool_forks: forks
 * since the first sample, before which the fork handlers do not come here), every
 * other slot's pair carries MADV_RANDOM from its first use, so that no two pairs merge;
 * then the flags are cleared (pool_merged) and neighbouring pairs in the same state do. */
#define POOL_MERGE_FORKS 8
static bool pool_merged HG_FORK_DATA;
static unsigned pool_forks HG_FORK_DATA;
static hg_lock_t pool_lock HG_FORK_DATA = HG_LOCK_INIT;

bool hg_guard_in_pool(uintptr_t slot) { return slot >= pool_base && slot < pool_end; }

/* Slot i: its pair, pages 2i and 2i+1 of the pool; its data page is the second one with
 * the guard page before, the first otherwise. */
static uintptr_t pool_pair(size_t i) { return pool_base + 2 * i * HG_PAGE; }
static uintptr_t pool_slot(size_t i) { return pool_pair(i) + (hg_guard_before() ? HG_PAGE : 0); }

static bool pool_init(void) {
  size_t n = hg_opt.sample_max ? hg_opt.sample_max : 1, bytes = 2 * n * HG_PAGE;
  size_t words = (n + 63) / 64;
  size_t meta = hg_align_up(words * sizeof *pool_free + n * sizeof *pool_ready, HG_PAGE);
  uintptr_t base = (uintptr_t)hg_os_map(bytes);
  uint64_t *m = hg_os_map(meta);
  int error = ENOMEM;   /* what the kernel said, for the message: the index's is ENOMEM */
  if (!base || !m) {
    error = hg_os_refusal();
    goto fail;
  }
  pool_base = base;
  /* Does the kernel have guard markers?  Tried on slot 0's guard page (which gets one
   * anyway).  With them the pool stays read-write: a slot's first use needs no
   * mprotect, only its guard page marked; its page is not resident until then (nor
   * ever a huge page).  Without them, everything PROT_NONE until used. */
  pool_markers = hg_os_guard_pages((void *)(base + (hg_guard_before() ? 0 : HG_PAGE)), HG_PAGE);
  pool_rw = pool_markers;
  if (pool_rw) hg_os_no_huge_pages((void *)base, bytes);
  else if (!hg_os_protect((void *)base, bytes, false)) {
    error = hg_os_refusal();
    goto fail;
  }
  for (size_t i = 0; i < n; i++)
    if (!hg_guard_index_set(base + 2 * i * HG_PAGE, 2, pool_slot(i))) goto fail;
  pool_free = m;
  pool_ready = (uint32_t *)(m + words);
  pool_slots = n;
  pool_end = base + bytes;
  if (pool_refused) {
    pool_refused = false;
    hg_message("sampled guard mode: the pool of %zu guarded slots is mapped now; allocations are "
               "sampled again", n);
  }
  return true;
fail:
  if (base) {
    hg_guard_index_set(base, 2 * n, 0);
    hg_os_unmap((void *)base, bytes);
  }
  if (m) hg_os_unmap(m, meta);
  pool_base = 0;
  pool_retry_in = POOL_RETRY;
  /* Sampling stops (the program's requests are served as in the default mode), which
   * would otherwise go unnoticed: at vm.max_map_count (or under RLIMIT_AS) the kernel
   * refused the pool or its bitmap, and a pool in use can take one mapping per slot
   * and guard page (without guard markers: up to 2 * HEAPGUARD_SAMPLE_MAX).  Said
   * once, not at every try that fails again. */
  if (!pool_refused) {
    char cause[128];
    pool_refused = true;
    if (hg_os_forbidden(error))   /* a sandbox's refusal: no limit to blame (guard.c) */
      hg_format(cause, sizeof cause, "error %d: forbidden by a seccomp filter or a security policy", error);
    else
      hg_format(cause, sizeof cause, "out of memory, or at vm.max_map_count");
    hg_message("sampled guard mode: the kernel refused the pool of %zu guarded slots (%zu KiB of address "
               "space: %s); no allocation is sampled until it can be mapped (tried again every %d "
               "samples due within the sample budget)",
               n, (bytes + meta) >> 10, cause, POOL_RETRY);
  }
  return false;
}

/* A guard page next to a slot used for the first time, before the slot is, made
 * inaccessible: by a guard marker, which changes no VMA; or, without markers, marked
 * MADV_DONTDUMP, so that it never merges with a data page (POOL_PAIRS), and PROT_NONE
 * if the pool is read-write.  False if it could not be. */
static bool mark_guard(uintptr_t page) {
  if (pool_markers && hg_os_guard_pages((void *)page, HG_PAGE)) return true;
  pool_markers = false;   /* runs of one slot from now on */
  hg_os_no_dump((void *)page, HG_PAGE);
  return !pool_rw || hg_os_protect((void *)page, HG_PAGE, false);
}

/* The guard pages to mark when slot i is first used, in g (at most two); their number.
 * Both pages next to its data page must be marked before the slot is used.  After-side
 * layout (data, guard): its guard, and the previous slot's, marked when that slot was
 * first used.  Before-side (guard, data): its guard (marked with the previous slot, or
 * now for slot 0) and the next slot's. */
static size_t guards_of(size_t i, uintptr_t *g) {
  uintptr_t pair = pool_base + 2 * i * HG_PAGE;
  if (!hg_guard_before()) {
    g[0] = pair + HG_PAGE;
    return 1;
  }
  size_t k = 0;
  if (i == 0) g[k++] = pair;
  if (i + 1 < pool_slots) g[k++] = pair + 2 * HG_PAGE;
  return k;
}

/* Fresh slots [first, first + n) before the process forks often (POOL_PAIRS): the odd
 * ones' pairs flagged, so that each pair stays a VMA of its own and an mprotect of one
 * changes that VMA only.  Advisory: a flag refused costs a merge, never a guard.  n. */
static size_t keep_apart(size_t first, size_t n) {
  if (!pool_markers || pool_merged) return n;
  uintptr_t odd[POOL_RUN / 2 + 1];
  size_t k = 0;
  for (size_t i = first | 1; i < first + n; i += 2) odd[k++] = pool_pair(i);
  if (k > 1 && hg_os_advise_pages(odd, k, 2 * HG_PAGE, HG_ADVISE_RANDOM)) return n;
  for (size_t j = 0; j < k; j++) hg_os_advise((void *)odd[j], 2 * HG_PAGE, HG_ADVISE_RANDOM);
  return n;
}

/* Slots [first, first + want) used for the first time (want <= POOL_RUN): their guard
 * pages marked, with one process_madvise per advice when the kernel allows (Linux
 * 6.15), else a madvise each.  The number of them that can be used returned: a guard
 * page that could not be made inaccessible ends the run before its slot. */
static size_t first_uses(size_t first, size_t want) {
  uintptr_t g[POOL_RUN + 1];
  size_t ng = 0;
  for (size_t i = first; i < first + want; i++) ng += guards_of(i, g + ng);
  if (!(pool_markers && ng > 1 && hg_os_advise_pages(g, ng, HG_PAGE, HG_ADVISE_GUARD))) {
    for (size_t i = first; i < first + want; i++) {
      size_t k = guards_of(i, g);
      for (size_t j = 0; j < k; j++)
        if (!mark_guard(g[j])) return keep_apart(first, i - first);
    }
  }
  return keep_apart(first, want);
}

static bool is_free(size_t i) { return (pool_free[i / 64] >> (i % 64)) & 1; }

static void set_free(size_t i, bool on) {
  if (on) pool_free[i / 64] |= (uint64_t)1 << (i % 64);
  else pool_free[i / 64] &= ~((uint64_t)1 << (i % 64));
}

/* Up to `max` neighbouring slots out of the quarantine, from the first at or after the
 * cursor (wrapping around), taken out of the bitmap: the first returned, their number
 * in *n (pool_lock held, free_count > 0). */
static size_t free_run(size_t max, size_t *n) {
  size_t words = (pool_fresh + 63) / 64, from = pool_cursor < pool_fresh ? pool_cursor : 0;
  size_t w = from / 64;
  uint64_t bits = pool_free[w] & (~(uint64_t)0 << (from % 64));
  while (!bits) {   /* some bit is set, below pool_fresh */
    w = w + 1 < words ? w + 1 : 0;
    bits = pool_free[w];
  }
  size_t first = w * 64 + (size_t)__builtin_ctzll(bits), i = first;
  do {
    set_free(i++, false);
  } while (i - first < max && i < pool_fresh && is_free(i));
  *n = i - first;
  free_count -= *n;
  pool_cursor = i;
  return first;
}

/* A slot for a sample, read-write; 0 if none can be had now. */
uintptr_t hg_guard_pool_take(void) {
  hg_lock(&pool_lock);
  if (!pool_base && (pool_retry_in ? (pool_retry_in--, true) : !pool_init())) {
    hg_unlock(&pool_lock);
    return 0;
  }
  if (ready_len) {   /* opened by an earlier run */
    uintptr_t slot = pool_slot(pool_ready[--ready_len]);
    hg_unlock(&pool_lock);
    return slot;
  }
  size_t run = pool_markers ? POOL_RUN : 1, first, n;
  bool pairs = pool_markers;   /* every guard page marked so far has its marker */
  bool closed;   /* the run's data pages are PROT_NONE */
  if (free_count && (free_count >= run || pool_fresh == pool_slots)) {
    first = free_run(run, &n);
    closed = true;
  } else if (pool_fresh < pool_slots) {
    /* Fresh runs grow with the pool (1, 1, 2, 4, ...): a process that takes a sample or
     * two marks a guard page or two, not a run's worth. */
    size_t want = pool_fresh < run ? (pool_fresh ? pool_fresh : 1) : run;
    first = pool_fresh;
    n = first_uses(first, want < pool_slots - first ? want : pool_slots - first);
    __atomic_store_n(&pool_fresh, first + n, __ATOMIC_RELAXED);   /* read unlocked (stats) */
    closed = !pool_rw;
    if (!n) {
      hg_unlock(&pool_lock);
      return 0;
    }
  } else {
    hg_unlock(&pool_lock);
    return 0;
  }
  hg_unlock(&pool_lock);
  /* The run's slots are this call's alone now.  One mprotect: their pairs, data and
   * guard pages, which their markers keep inaccessible (POOL_PAIRS); without markers,
   * the one slot's data page. */
  bool ok = !closed || (pairs ? hg_os_protect((void *)pool_pair(first), 2 * n * HG_PAGE, true)
                              : hg_os_protect((void *)pool_slot(first), HG_PAGE, true));
  hg_lock(&pool_lock);
  if (ok) {
    for (size_t k = n - 1; k > 0; k--) pool_ready[ready_len++] = (uint32_t)(first + k);   /* lowest on top */
  } else {   /* back, perhaps read-write (a slot out of the quarantine may be) */
    for (size_t k = 0; k < n; k++) set_free(first + k, true);
    free_count += n;
  }
  hg_unlock(&pool_lock);
  return ok ? pool_slot(first) : 0;
}

/* A slot back to the pool, out of the quarantine: inaccessible already if its block
 * was freed (the other ways here, failures, are rare and leave it accessible until
 * reused). */
void hg_guard_pool_give(uintptr_t slot) {
  size_t i = (slot - pool_base) / (2 * HG_PAGE);
  hg_lock(&pool_lock);
  set_free(i, true);
  free_count++;
  hg_unlock(&pool_lock);
}

size_t hg_guard_pool_mapped_bytes(void) {
  return __atomic_load_n(&pool_fresh, __ATOMIC_RELAXED) * 2 * HG_PAGE;
}

/* The block of pool slot `slot` was freed: its pair made inaccessible in a read-write
 * pool (POOL_PAIRS), its data page otherwise.  False if the kernel refused. */
bool hg_guard_pool_retire(uintptr_t slot) {
  if (!pool_rw) return hg_os_protect((void *)slot, HG_PAGE, false);
  return hg_os_protect((void *)(pool_base + (slot - pool_base) / (2 * HG_PAGE) * (2 * HG_PAGE)), 2 * HG_PAGE,
                       false);
}

void hg_guard_pool_fork_prepare(void) {
  hg_lock_fork(&pool_lock);
  /* A process that forks often gets the pool that forks cheaply (POOL_PAIRS): one
   * madvise clears the flags that kept the pairs apart, and they merge. */
  if (!pool_merged && ++pool_forks >= POOL_MERGE_FORKS) {
    pool_merged = true;
    if (pool_base && pool_markers && pool_fresh)
      hg_os_advise((void *)pool_base, 2 * pool_fresh * HG_PAGE, HG_ADVISE_NORMAL);
  }
}
void hg_guard_pool_fork_parent(void) { hg_unlock_fork(&pool_lock); }
void hg_guard_pool_fork_child(void) { hg_lock_reset(&pool_lock); }

/* ---- sampled guard mode ------------------------------------------------------------- */

static __thread uint64_t rng;   /* 0: the thread has not drawn yet */

static uint64_t next_random(void) {
  if (!rng) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    static _Atomic uint64_t threads;
    rng = ((uint64_t)(uintptr_t)&rng * 0x9e3779b97f4a7c15u) ^ (uint64_t)ts.tv_nsec ^
          ((uint64_t)ts.tv_sec << 32) ^ (atomic_fetch_add(&threads, 1) * 0xbf58476d1ce4e5b9u);
    if (!rng) rng = 1;
  }
  rng ^= rng >> 12;   /* xorshift64* */
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return rng * 0x2545f4914f6cdd1du;
}

/* Requests until the next sample: uniform in 1 .. 2N-1, so one in N on average. */
static long draw(void) {
  uint64_t n = hg_opt.sample_rate < ((uint64_t)1 << 40) ? hg_opt.sample_rate : (uint64_t)1 << 40;
  if (n <= 1) return 1;
  return (long)(1 + next_random() % (2 * n - 1));
}

/* ---- the sample budget (HEAPGUARD_SAMPLE_BUDGET) ------------------------------------- *
 * A sample's floor is its free's mprotect, which flushes the TLB of every other CPU
 * running the process (docs/architecture.md: 3 us alone, 15-25 us with the other CPUs
 * busy), so sampled mode costs (mallocs a second / N) x that, unbounded on a program
 * that allocates tens of millions of blocks a second.  The budget bounds the samples a
 * second instead, as the pool bounds their memory: a token bucket (GCRA: one atomic,
 * the time at which the bucket would be full again if no sample were taken, so no lock
 * and no malloc), refilled at B a second and holding B/4, shared by the threads.  It is
 * consulted only when a countdown reaches 0: the unsampled malloc is unchanged. */
#define BUDGET_BACKOFF_MAX 6   /* a skipped thread's next countdown: at most 64 draws */

static _Atomic uint64_t budget_tat;   /* ns of the monotonic clock; 0: a full bucket */
static _Atomic size_t budget_skipped;
static __thread unsigned budget_backoff;

/* clock_gettime reads the vDSO, or makes the system call before the dynamic linker has
 * set the vDSO up (glibc falls back), so it is safe however early malloc is entered;
 * the coarse clock (a tick, 1-4 ms) is fine for a bucket that holds B/4 samples. */
static uint64_t now_ns(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) != 0) clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A token for one sample, or false if the budget is spent for now; *full: the bucket
 * was full when the token was taken (nothing spent in the last B/4 samples' time). */
static bool budget_take(bool *full) {
  uint64_t b = hg_opt.sample_budget;   /* 1 .. HG_MAX_SAMPLE_BUDGET: interval >= 1 ns */
  uint64_t interval = 1000000000u / b, burst = (b / 4 ? b / 4 : 1) * interval;
  uint64_t now = now_ns(), tat = atomic_load_explicit(&budget_tat, memory_order_relaxed);
  for (;;) {
    uint64_t from = tat > now ? tat : now;
    if (from + interval > now + burst) return false;
    if (atomic_compare_exchange_weak_explicit(&budget_tat, &tat, from + interval, memory_order_relaxed,
                                              memory_order_relaxed)) {
      *full = tat <= now;
      return true;
    }
  }
}

/* Trace mode says when the budget starts to bind and when it stops (hg_trace_note: a
 * write, no lock, no allocation): "spent" at the first sample skipped after samples
 * were taken, "full again" at the first sample taken from a full bucket after that.
 * Not at each token: a budget spent as fast as it refills takes and skips samples in
 * turn, which would be two lines a sample; the bucket is full again only after a
 * quarter of a second with fewer samples due than the budget.  budget_spent is the
 * state, flipped by one exchange so that two threads do not both say it; a thread that
 * is not tracing reads nothing of it. */
static _Atomic bool budget_spent;
static _Atomic size_t budget_spent_skipped;   /* budget_skipped when it was said spent */

static HG_COLD void budget_traced_spent(void) {
  if (atomic_load_explicit(&budget_spent, memory_order_relaxed) ||
      atomic_exchange_explicit(&budget_spent, true, memory_order_relaxed))
    return;
  atomic_store_explicit(&budget_spent_skipped, atomic_load_explicit(&budget_skipped, memory_order_relaxed) - 1,
                        memory_order_relaxed);
  hg_trace_note("sampled guard mode: over HEAPGUARD_SAMPLE_BUDGET (%zu samples a second): samples "
                "due are skipped until the budget is full again", (size_t)hg_opt.sample_budget);
}

static HG_COLD void budget_traced_full(void) {
  if (!atomic_load_explicit(&budget_spent, memory_order_relaxed) ||
      !atomic_exchange_explicit(&budget_spent, false, memory_order_relaxed))
    return;
  hg_trace_note("sampled guard mode: the sample budget is full again: samples due are taken (%zu skipped "
                "over it meanwhile)",
                atomic_load_explicit(&budget_skipped, memory_order_relaxed) -
                    atomic_load_explicit(&budget_spent_skipped, memory_order_relaxed));
}

/* A sample due but over budget is not taken.  Its thread's next countdown is drawn
 * longer (up to 64 times) while the budget stays spent, so that at a low N (every
 * request, at 1) the clock is not read on every malloc; a sample taken resets it.
 * Tokens meanwhile stay in the bucket (up to B/4), so the samples a second stay near B
 * for a program that allocates fast enough to spend it. */
static void *budget_skip(struct hg_heap *h) {
  atomic_fetch_add_explicit(&budget_skipped, 1, memory_order_relaxed);
  if (hg_unlikely(hg_trace_on)) budget_traced_spent();
  if (h != &hg_heap_empty) h->sample_countdown = draw() << budget_backoff;
  if (budget_backoff < BUDGET_BACKOFF_MAX) budget_backoff++;
  return NULL;
}

size_t hg_guard_samples_skipped(void) { return atomic_load_explicit(&budget_skipped, memory_order_relaxed); }

/* h's countdown reached 0: the next one is drawn, and this request of n bytes is the
 * sample if it can be.  A thread's first request only starts its countdown (a fresh
 * thread is not sampled at once), unless every request is to be sampled (then the
 * countdown stays <= 0); a thread without a heap yet counts on hg_heap_empty, which is
 * never set: its next request, on its own heap, starts the countdown. */
static void *sample_due(struct hg_heap *h, size_t n, enum hg_api api) {
  if (hg_opt.sample_rate > 1) {
    if (h == &hg_heap_empty) return NULL;
    bool first = rng == 0;
    h->sample_countdown = draw();
    if (first) return NULL;
  }
  if (n > SAMPLE_SIZE_MAX || hg_stack_quiet) return NULL;
  hg_sampled_forks_on();   /* before the unwinder's, the pool's and check mode's locks */
  if (!hg_stack_ready()) return NULL;
  if (hg_opt.sample_budget) {
    bool full;
    if (!budget_take(&full)) return budget_skip(h);
    budget_backoff = 0;
    if (hg_unlikely(hg_trace_on) && full) budget_traced_full();
  }
  return hg_check_alloc_sampled(n, api);
}

void *hg_guard_sample_slow(size_t n) { return sample_due(hg_tls_heap, n, HG_API_MALLOC); }

void *hg_guard_sample(size_t n) {
  struct hg_heap *h = hg_tls_heap;
  if (hg_likely(hg_guard_count_down(h))) return NULL;
  return sample_due(h, n, HG_API_MALLOC);
}

/* A request up to hg_sampled_fast_limit was counted by new's inline countdown: due if
 * that reached 0 (above 0, the heap's refill missed instead), and the caller then
 * allocates without counting again.  A bigger one (or any, when stats or call tracing
 * set that limit to 0) goes on to malloc, which counts it in its slow path: due here
 * if that count would reach 0, and if this one is not sampled after all (its draw
 * done), the count is given back, so that malloc's count does not make it due again
 * and sample it as malloc's (its delete would then be a false mismatched-free). */
void *hg_guard_sample_new(size_t n, enum hg_api api) {
  struct hg_heap *h = hg_tls_heap;
  bool counted = n <= hg_sampled_fast_limit;
  if (h->sample_countdown > (counted ? 0 : 1)) return NULL;
  void *p = sample_due(h, n, api);
  if (!p && !counted && h != &hg_heap_empty) h->sample_countdown++;
  return p;
}

bool hg_guard_sample_free(void *p) {
  if (!hg_guard_slot_of((uintptr_t)p)) return false;
  hg_check_free(p, HG_API_FREE);
  return true;
}

bool hg_guard_sample_size(const void *p, const char *op, size_t *n) {
  if (!hg_guard_slot_of((uintptr_t)p)) return false;
  *n = hg_check_block_size(p, op[0] == 'r' ? HG_API_REALLOC : HG_API_USABLE_SIZE);
  return true;
}

void hg_guard_sampled_error(void) {
  hg_diag_summary();
  /* Fatal in a silent fork child too, as the default mode's double free is: one line. */
  if (hg_diag_silent) hg_fatal("heap error in a block sampled by guard mode (a silent fork child: not reported)");
  hg_fatal("heap error in a block sampled by guard mode (reported above)");
}
