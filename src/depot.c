/* depot.c — the stack depot: each distinct stack stored once, found without a lock (see
 * depot.h; capture and the thread's own last stacks are stack.c's).
 *
 * Stacks live in chunks of up to CHUNK_WORDS words (the first ones smaller: chunk_words;
 * an id's chunk part is the same for every size, so finding a record stays one index
 * and one add): a header word (hash in the high half,
 * depth in the low half, with EXACT_FIRST set when the first frame is the address of
 * the instruction itself, not a return address: a faulting access; depot.h), the next id in the
 * same hash bucket, then the frames.  An id is (chunk << CHUNK_SHIFT | word offset) + 1.
 * Nothing is ever removed.
 *
 * No record crosses a block of BLOCK_WORDS words (a record that would is put at the
 * next block's start: the tail left is zero), so each block can be read on its own,
 * and a chunk ends with one summary word per block: a bit for each MiB of address
 * space (hashed into 64) that a frame of the block's records lies in.  dlclose reads
 * only the blocks whose summary meets the unloaded object's MiBs
 * (hg_depot_forget_object), not the whole depot. */
#define _GNU_SOURCE
#include "depot.h"

#include <string.h>

#include "diag.h"
#include "lock.h"
#include "os.h"

#define CHUNK_SHIFT  21                     /* 2 Mi words = 16 MiB per chunk */
#define CHUNK_WORDS  ((size_t)1 << CHUNK_SHIFT)
#define FIRST_SHIFT  17                     /* the first chunk: 1 MiB */
#define BLOCK_LOG    9                      /* 4 KiB */
#define BLOCK_WORDS  ((size_t)1 << BLOCK_LOG)
#define MAX_CHUNKS   512
#define RETRY_EVERY  1024                   /* new stacks refused between two tries */

/* Chunk k's size in words: 1, 2, 4, 8 MiB, then 16 MiB each.  A 16 MiB first chunk
 * was address space the program could not have under RLIMIT_AS/RLIMIT_DATA (check
 * mode's VmSize at start 33 MiB, glibc's 2.5), for the few hundred stacks most
 * programs store.  Records fill [0, record_words(k)); one summary word per block of
 * BLOCK_WORDS follows. */
static inline size_t chunk_words(unsigned k) {
  return k < CHUNK_SHIFT - FIRST_SHIFT ? (size_t)1 << (FIRST_SHIFT + k) : CHUNK_WORDS;
}
static inline size_t record_words(unsigned k) { return chunk_words(k) - (chunk_words(k) >> BLOCK_LOG); }
#define BUCKETS_LOG  18                     /* 1 MiB of heads; sampled mode 64 KiB: */
#define SAMPLED_BUCKETS_LOG 14
#define EXACT_FIRST  HG_DEPOT_EXACT_FIRST
#define DEPTH_MASK   HG_DEPOT_DEPTH_MASK

static hg_lock_t depot_lock HG_FORK_DATA = HG_LOCK_INIT;   /* taken to add a stack only */
static uintptr_t *chunks[MAX_CHUNKS];
static unsigned nchunks;
static size_t chunk_used;                   /* words used in the last chunk */
static _Atomic(_Atomic hg_stack_t *) buckets;   /* 1 << buckets_log heads */
/* The stacks stored or found last, direct-mapped by hash, as hash << 32 | id: most
 * captures repeat a recent stack, and this small table stays in the cache where the
 * buckets (1 MiB) do not.  In front of it, each thread's own last few.  (The buckets
 * were 4 MiB: address space a program under RLIMIT_AS lost at start; 256 Ki heads
 * chain a million stacks 4 deep, and the tables in front answer most captures.) */
#define RECENT_LOG   12
#define SAMPLED_RECENT_LOG 9
static _Atomic uint64_t recent[1 << RECENT_LOG];
/* Sampled guard mode stores a stack or two per sample, so its tables are smaller
 * (hg_depot_small): a new stack writes a head at a random place, and 4 MiB of buckets
 * became resident a page per stack (552 KiB in bench/py_alloc.py at 1 in 5000).  A
 * million stacks in 16 Ki heads chain 64 deep, walked only after the other tables. */
static unsigned buckets_log = BUCKETS_LOG;
static unsigned recent_mask = (1u << RECENT_LOG) - 1;
/* Out of memory: a new stack gets id 0 ("no stack recorded") and the next RETRY_EVERY
 * new stacks are refused without the lock or a system call; then one more mapping is
 * tried.  So a shortage that passes (the program freed memory, a limit was raised)
 * costs stacks only while it lasts, at one failed mmap per RETRY_EVERY captures of a
 * new stack; it was off for the rest of the run. */
static _Atomic unsigned broken_skip;        /* refusals left before the next try */
static bool depot_broken;                   /* the last mapping failed; depot lock */
static _Atomic bool broken_told, recovered_told;

/* The depot could not map its tables: one line says so (reports print "(no stack
 * recorded)" from here on, which alone reads like a fault of the program's), and one
 * more when a later try succeeds.  Under `ulimit -v` of 24 to 36 MiB check mode starts
 * but could not map the depot's first chunk (then 16 MiB of address space). */
static HG_COLD void tell_broken(size_t bytes) {
  if (atomic_exchange(&broken_told, true)) return;
  hg_message("%s: no memory for the stack depot (%zu KiB); new allocation and free stacks are "
             "not recorded until a later try finds memory",
             hg_diag_mode(), bytes >> 10);
}

static HG_COLD void tell_recovered(void) {
  if (atomic_exchange(&recovered_told, true)) return;
  hg_message("%s: the stack depot has memory again; stacks are recorded again", hg_diag_mode());
}

/* Depot lock held: a mapping failed (true), or a record was stored after one had. */
static HG_COLD void set_broken(bool broken) {
  depot_broken = broken;
  atomic_store_explicit(&broken_skip, broken ? RETRY_EVERY : 0, memory_order_relaxed);
}

/* A new stack while the depot is out of memory: true if it is to be refused without
 * trying (a racy countdown: a lost decrement only moves the next try a little). */
static inline bool skip_while_broken(void) {
  unsigned k = atomic_load_explicit(&broken_skip, memory_order_relaxed);
  if (hg_likely(k == 0)) return false;
  atomic_store_explicit(&broken_skip, k - 1, memory_order_relaxed);
  return k > 1;
}

/* Sampled mode's tables, before any stack is stored. */
void hg_depot_small(void) {
  buckets_log = SAMPLED_BUCKETS_LOG;
  recent_mask = (1u << SAMPLED_RECENT_LOG) - 1;
}

/* A record is written whole before its id is published (a release store into a bucket
 * or a table, read with acquire or from this thread's own table), and never changes
 * after but for frames in an object dlclose unloaded (hg_depot_forget_object): finding
 * a stack takes no lock. */
static uintptr_t *record_of(hg_stack_t id) {
  id--;
  return chunks[id >> CHUNK_SHIFT] + (id & (CHUNK_WORDS - 1));
}

/* The summary bit of the MiB address a lies in. */
static inline uint64_t summary_bit(uintptr_t a) {
  return (uint64_t)1 << (((a >> 20) * 0x9e3779b97f4a7c15u) >> 58);
}

static bool same_stack(hg_stack_t id, uintptr_t header, const uintptr_t *frames, unsigned n) {
  const uintptr_t *r = record_of(id);
  if (r[0] != header) return false;
  uintptr_t diff = 0;   /* a dozen words: inline, not a call to memcmp */
  for (unsigned i = 0; i < n; i++) diff |= r[2 + i] ^ frames[i];
  return diff == 0;
}

hg_stack_t hg_depot_put_slow(struct near_stack *ns, const uintptr_t *frames, unsigned n,
                             uint32_t hash, uintptr_t header, uint64_t full) {
  hg_stack_t id;
  _Atomic uint64_t *rec = &recent[(hash >> 8) & recent_mask];
  uint64_t seen = atomic_load_explicit(rec, memory_order_acquire);
  id = (hg_stack_t)seen;
  if (id && (uint32_t)(seen >> 32) == hash && same_stack(id, header, frames, n)) goto found;
  _Atomic hg_stack_t *bucket = NULL;
  _Atomic hg_stack_t *heads = atomic_load_explicit(&buckets, memory_order_acquire);
  if (heads) {
    bucket = &heads[hash >> (32 - buckets_log)];
    for (id = atomic_load_explicit(bucket, memory_order_acquire); id; id = (hg_stack_t)record_of(id)[1])
      if (same_stack(id, header, frames, n)) goto found;
  }
  if (hg_unlikely(skip_while_broken())) return 0;
  hg_lock(&depot_lock);
  bool was_broken = depot_broken, stored = false;
  if (!buckets) {
    _Atomic hg_stack_t *b = hg_os_map(sizeof(hg_stack_t) << buckets_log);
    if (!b) {
      set_broken(true);
      hg_unlock(&depot_lock);
      tell_broken(sizeof(hg_stack_t) << buckets_log);
      return 0;
    }
    hg_os_no_huge_pages((void *)b, sizeof(hg_stack_t) << buckets_log);
    atomic_store_explicit(&buckets, b, memory_order_release);
  }
  /* Another thread may have added it since the look above. */
  bucket = &buckets[hash >> (32 - buckets_log)];
  for (id = atomic_load_explicit(bucket, memory_order_relaxed); id; id = (hg_stack_t)record_of(id)[1])
    if (same_stack(id, header, frames, n)) break;
  if (!id) {
    size_t words = 2 + n, at = chunk_used;
    if (at >> BLOCK_LOG != (at + words - 1) >> BLOCK_LOG) at = (at | (BLOCK_WORDS - 1)) + 1;
    if (nchunks == 0 || at + words > record_words(nchunks - 1)) {
      size_t bytes = chunk_words(nchunks) * sizeof(uintptr_t);
      uintptr_t *c = nchunks < MAX_CHUNKS ? hg_os_map(bytes) : NULL;
      if (!c) {
        set_broken(true);
        hg_unlock(&depot_lock);
        tell_broken(bytes);
        return 0;
      }
      chunks[nchunks] = c;
      __atomic_store_n(&nchunks, nchunks + 1, __ATOMIC_RELEASE);   /* for hg_depot_holds */
      at = 0;
    }
    uintptr_t *c = chunks[nchunks - 1], *r = c + at;
    r[0] = header;
    r[1] = atomic_load_explicit(bucket, memory_order_relaxed);
    memcpy(r + 2, frames, n * sizeof *frames);
    uint64_t sum = 0;
    for (unsigned i = 0; i < n; i++) sum |= summary_bit(frames[i]);
    c[record_words(nchunks - 1) + (at >> BLOCK_LOG)] |= sum;
    id = (hg_stack_t)(((size_t)(nchunks - 1) << CHUNK_SHIFT | at) + 1);
    chunk_used = at + words;
    atomic_store_explicit(bucket, id, memory_order_release);
    stored = true;
  }
  if (hg_unlikely(was_broken && stored)) set_broken(false);
  hg_unlock(&depot_lock);
  if (hg_unlikely(was_broken && stored)) tell_recovered();
found:
  atomic_store_explicit(rec, (uint64_t)hash << 32 | id, memory_order_release);
  if (ns) {
    ns->hash = full;
    ns->id = id;
  }
  return id;
}

/* dlclose unloaded object k (o): its frames in the depot are rewritten to their encoded
 * form, so that a report names the object that was there when they were captured, not
 * what a later dlopen maps at the same place.  Under the depot lock, so no record is
 * being added meanwhile; each frame is one word stored whole, and a record's frames
 * are read without a lock only to be compared (same_stack: a mismatch while it changes
 * only makes a new record) or printed (one load per frame).  No live stack holds an
 * address of the unloaded object (that would be the program's bug), so no capture
 * running meanwhile needs those records; one finding the same stack later (the same
 * code mapped at the same place again) finds the encoded frames different and makes a
 * record of its own.  The headers keep the hash of the frames as captured: the bucket
 * is the same, only the frames differ.  The threads' last stacks (struct near_stack)
 * are matched by hash alone, so the caller (stack.c's dlclose) forgets them after. */
void hg_depot_forget_object(unsigned k, const struct hg_unloaded *o) {
  uint64_t want = 0;   /* the object's summary bits */
  if (((o->hi - 1) >> 20) - (o->lo >> 20) >= 64) want = ~(uint64_t)0;
  else
    for (uintptr_t m = o->lo >> 20; m <= (o->hi - 1) >> 20; m++) want |= summary_bit(m << 20);
  hg_lock(&depot_lock);
  for (unsigned c = 0; c < nchunks; c++) {
    uintptr_t *chunk = chunks[c];
    size_t used = c + 1 == nchunks ? chunk_used : record_words(c);
    for (size_t b = 0; b << BLOCK_LOG < used; b++) {
      if (!(chunk[record_words(c) + b] & want)) continue;
      uintptr_t *w = chunk + (b << BLOCK_LOG), *end = chunk + (used < (b + 1) << BLOCK_LOG ? used : (b + 1) << BLOCK_LOG);
      /* (A block's unused tail is zero: no record has a zero header.) */
      while (w + 2 <= end && w[0]) {
        unsigned n = (unsigned)(w[0] & DEPTH_MASK);
        for (unsigned i = 0; i < n; i++) {
          uintptr_t f = w[2 + i];
          if (f - o->lo < o->hi - o->lo)
            __atomic_store_n(&w[2 + i], hg_unload_encode(k, f - o->bias), __ATOMIC_RELAXED);
        }
        w += 2 + n;
      }
    }
  }
  hg_unlock(&depot_lock);
}

const uintptr_t *hg_stack_frames(hg_stack_t id, unsigned *n, bool *exact) {
  const uintptr_t *r = record_of(id);
  *n = (unsigned)(r[0] & DEPTH_MASK);
  *exact = (r[0] & EXACT_FIRST) != 0;
  return r + 2;
}

bool hg_depot_holds(uintptr_t a) {
  unsigned n = __atomic_load_n(&nchunks, __ATOMIC_ACQUIRE);
  for (unsigned k = 0; k < n; k++)
    if (a - (uintptr_t)chunks[k] < chunk_words(k) * sizeof(uintptr_t)) return true;
  uintptr_t b = (uintptr_t)atomic_load_explicit(&buckets, memory_order_acquire);
  return b && a - b < (sizeof(hg_stack_t) << buckets_log);
}

void hg_depot_fork_prepare(void) { hg_lock_fork(&depot_lock); }
void hg_depot_fork_parent(void) { hg_unlock_fork(&depot_lock); }
void hg_depot_fork_child(void) { hg_lock_reset(&depot_lock); }
