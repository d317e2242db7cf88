/* heap.c — slow paths of the per-thread heaps: refilling, remote frees, the life of
 * heaps (see heap.h; the remote-free protocol is described in span.h). */
#include "heap.h"

#include <errno.h>

#include "guard.h"
#include "init.h"
#include "lock.h"
#include "meta.h"
#include "region.h"
#include "stats.h"
#include "trace.h"
#include "wipe.h"

struct hg_span hg_span_empty = { .kind = HG_SPAN_DEAD, .cur_word = &hg_span_empty.free_bits[0] };
struct hg_heap hg_heap_empty = { .cur = { [0 ... HG_NCLASSES] = &hg_span_empty } };
__thread struct hg_heap *hg_tls_heap = &hg_heap_empty;
const struct hg_heap_divert *hg_heap_divert;

static hg_lock_t heaps_lock = HG_LOCK_INIT;
static struct hg_heap *heaps_all, *heaps_abandoned;
static size_t heaps_parked;   /* heaps in heaps_abandoned (written under heaps_lock) */
/* Parked heaps beyond this many give their empty current spans back (hg_heap_abandon). */
#define PARKED_KEEP_SPANS 8

/* ---- reporting misuse --------------------------------------------------------------- */

static HG_NORETURN HG_COLD void double_free(const void *p, const struct hg_span *s) {
  hg_fatal("double free of %p (%u-byte block)", p, s->bsize);
}

/* Diagnose a pointer given to `op` (free, realloc, ...) that is not a live block, and
 * abort.  s is the pagemap's entry for p (NULL if the allocator does not own p). */
void hg_bad_pointer(const char *op, const void *p, const struct hg_span *s) {
  bool is_free = op[0] == 'f';
  if (!s) {
    if (hg_large_recently_freed(p)) {
      if (is_free) hg_fatal("double free of %p (large block already unmapped)", p);
      hg_fatal("invalid %s of %p (large block already unmapped)", op, p);
    }
    hg_fatal("invalid %s of %p (not allocated by heapguard)", op, p);
  }
  switch (s->kind) {
  case HG_SPAN_SMALL: {
    size_t off = (size_t)((const char *)p - s->base), idx = off / s->bsize;
    if (idx >= s->nblocks) break;
    const char *block = s->base + idx * s->bsize;
    if (block != p)
      hg_fatal("invalid %s of %p (%zu bytes into a %u-byte block at %p)", op, p,
               off - idx * s->bsize, s->bsize, (const void *)block);
    if (is_free) double_free(p, s);
    hg_fatal("invalid %s of %p (already freed %u-byte block)", op, p, s->bsize);
  }
  case HG_SPAN_MEDIUM:
  case HG_SPAN_LARGE:
    if (p != s->base)
      hg_fatal("invalid %s of %p (%zu bytes into a %zu-byte block at %p)", op, p,
               (size_t)((const char *)p - s->base), hg_span_bytes(s), (const void *)s->base);
    break;
  case HG_SPAN_FREE:
    if (is_free) hg_fatal("double free of %p (block already freed)", p);
    hg_fatal("invalid %s of %p (block already freed)", op, p);
  default:
    break;
  }
  hg_fatal("invalid %s of %p (not allocated by heapguard)", op, p);
}

size_t hg_block_usable(const void *p, const char *op, struct hg_span **span) {
  struct hg_span *s = hg_pagemap_get(p);
  if (span) *span = s;
  if (s && s->kind == HG_SPAN_SMALL) {
    size_t off = (size_t)((const char *)p - s->base);
    size_t idx = hg_span_slot(s, off);
    if (idx < s->nblocks) {
      unsigned w = idx >> 6;
      uint64_t m = (uint64_t)1 << (idx & 63);
      uint64_t state = __atomic_load_n(&s->free_bits[w], __ATOMIC_RELAXED) |
                       atomic_load_explicit(&s->remote_bits[w], memory_order_relaxed);
      if (!(state & m)) return s->bsize;
    }
  } else if (s && (s->kind == HG_SPAN_MEDIUM || s->kind == HG_SPAN_LARGE) && s->base == p) {
    return hg_span_bytes(s);
  }
  size_t sampled;   /* a block sampled by guard mode lies outside the page map */
  if (!s && hg_guard_sampling && hg_guard_sample_size(p, op, &sampled)) return sampled;
  hg_bad_pointer(op, p, s);
}

/* ---- span lists ---------------------------------------------------------------------- */

static void partial_push(struct hg_heap *h, struct hg_span *s) {
  s->prev = NULL;
  s->next = h->partial[s->cls];
  if (s->next) s->next->prev = s;
  h->partial[s->cls] = s;
  s->listed = 1;
  hg_span_set_watch(s, 0);
}

static void partial_unlink(struct hg_heap *h, struct hg_span *s) {
  if (s->prev) s->prev->next = s->next; else h->partial[s->cls] = s->next;
  if (s->next) s->next->prev = s->prev;
  s->next = s->prev = NULL;
}

/* Whether the owner may allocate from s: it is h->cur[c] for some class c, its own or,
 * borrowed, a smaller one (hg_heap_refill).  The owner's view (it writes the flag). */
static bool is_current(const struct hg_span *s) {
  return atomic_load_explicit(&s->current, memory_order_relaxed);
}

/* ---- spans claimed by remote frees (span.h, Claims) -------------------------------- */

static bool span_claimed(const struct hg_span *s) {
  return (uintptr_t)__atomic_load_n(&s->owner, __ATOMIC_ACQUIRE) == HG_OWNER_CLAIMED;
}

/* The owner no longer holds claimed span s in its lists: keep it on the zombie list
 * until no remote free is inside it and it is off the remote queue (a later remote
 * free may queue it again: then the owner meets it once more, and it is already
 * there). */
static void zombie_drop(struct hg_heap *h, struct hg_span *s) {
  HG_ASSERT(!s->listed && !is_current(s));
  if (s->zombie) return;
  s->zombie = 1;
  s->next = h->zombies;
  h->zombies = s;
}

/* Recycle the descriptors of the zombie list that nothing refers to any more. */
static void zombies_sweep(struct hg_heap *h) {
  for (struct hg_span **pp = &h->zombies; *pp;) {
    struct hg_span *s = *pp;
    if (atomic_load(&s->remote_inflight) == 0 && atomic_load(&s->remote_queued) == 0) {
      *pp = s->next;
      hg_meta_span_delete(s);
    } else {
      pp = &s->next;
    }
  }
}

/* The bits of word w of s's bitmaps that are slots: all ones but in the last word
 * (without a branch, which spans of one word and of several, mixed, would mispredict
 * on the remote free path: +9% CPU time on wl_prodcons). */
static inline uint64_t span_word_full(const struct hg_span *s, unsigned w) {
  size_t last = s->nblocks - 1;
  unsigned shift = (unsigned)(last ^ 63) & 63 & -(unsigned)(w == last >> 6);
  return ~(uint64_t)0 >> shift;
}

/* Every slot of s is free in free_bits | remote_bits (free_bits read racily: see
 * span.h for when that answer can be trusted). */
static bool span_all_free(const struct hg_span *s) {
  for (unsigned w = 0; w < s->nwords; w++) {
    uint64_t bits = __atomic_load_n(&s->free_bits[w], __ATOMIC_RELAXED) |
                    atomic_load_explicit(&s->remote_bits[w], memory_order_relaxed);
    if (bits != span_word_full(s, w)) return false;
  }
  return true;
}

/* A remote free that may have left s with no live block (span.h, Claims): s's owner
 * is h, the caller's bit, tag and queueing are done and it is still counted in
 * remote_inflight.  Not HG_COLD, nor its calls unlikely: the default mode runs it,
 * and the cold text (docs/architecture.md, "Resident memory") would cost a program
 * with remote frees 64 KiB of RSS (wl_prodcons). */
static __attribute__((noinline)) void try_claim(struct hg_span *s, struct hg_heap *h) {
  if (atomic_load_explicit(&s->current, memory_order_relaxed) || !span_all_free(s)) return;
  struct hg_heap *want = (struct hg_heap *)((uintptr_t)h | HG_OWNER_REMOTE);
  if (!__atomic_compare_exchange_n(&s->owner, &want, (struct hg_heap *)((uintptr_t)want | HG_OWNER_CLAIM), false,
                                   __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
    return;
  struct hg_span *r = NULL;
  if (!atomic_load_explicit(&s->current, memory_order_seq_cst) && span_all_free(s)) r = hg_meta_span_new();
  if (!r) {
    __atomic_store_n(&s->owner, want, __ATOMIC_RELEASE);
    return;
  }
  __atomic_store_n(&s->owner, (struct hg_heap *)HG_OWNER_CLAIMED, __ATOMIC_SEQ_CST);
  struct hg_heap *me = hg_tls_heap;
  if (me != &hg_heap_empty) me->region_pages += s->npages;
  hg_region_free_pages(s, r);
}

/* The owner may allocate from s: false (and s not current) if a remote free claimed
 * it or is deciding whether to (span.h, Claims). */
static bool make_current(struct hg_span *s) {
  atomic_store_explicit(&s->current, 1, memory_order_seq_cst);
  if (!((uintptr_t)__atomic_load_n(&s->owner, __ATOMIC_SEQ_CST) & HG_OWNER_CLAIM)) return true;
  atomic_store_explicit(&s->current, 0, memory_order_relaxed);
  return false;
}

/* Give an empty span (not current) back to the region, unless another thread may
 * still be inside a remote free of it: then it stays listed, and the remote free's
 * queueing guarantees the owner looks at it again.  The owner word goes from exactly
 * h to h|HG_OWNER_BUSY first, which keeps claims out (a tag there means a remote free
 * or a claim is under way: the span stays too).  True if the span went back. */
static bool try_release(struct hg_heap *h, struct hg_span *s) {
  HG_ASSERT(hg_span_used(s) == 0 && !is_current(s));
  struct hg_heap *want = h;
  if (atomic_load(&s->remote_inflight) != 0 || atomic_load(&s->remote_queued) != 0 ||
      !__atomic_compare_exchange_n(&s->owner, &want, (struct hg_heap *)((uintptr_t)h | HG_OWNER_BUSY), false,
                                   __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
    if (!s->listed) partial_push(h, s);
    return false;
  }
  if (s->listed) partial_unlink(h, s);
  s->listed = 0;
  h->region_pages += s->npages;
  hg_region_free(s);
  return true;
}

void hg_heap_span_adjust(struct hg_heap *h, struct hg_span *s) {
  if (!s->listed) partial_push(h, s);
  if (hg_span_used(s) == 0 && !is_current(s)) try_release(h, s);
}

/* Put s back on h's remote queue (a claim is being decided; the caller marked it
 * queued again). */
static void requeue(struct hg_heap *h, struct hg_span *s) {
  struct hg_span *head = atomic_load_explicit(&h->remote_queue, memory_order_relaxed);
  do {
    atomic_store_explicit(&s->remote_next, head, memory_order_relaxed);
  } while (!atomic_compare_exchange_weak_explicit(&h->remote_queue, &head, s, memory_order_release,
                                                  memory_order_relaxed));
}

/* Move the slots other threads freed into the owner's bitmap.  The queued flag is
 * cleared first, then the tag: a remote free sets its bit before the tag and the tag
 * before it looks at the flag, so a bit set after this point is either collected
 * below or leaves the tag set again with the span queued again (span.h).  A claim may
 * run while the bits move (span.h, Claims): it finds no slot free that is not, and if
 * it claims the span, the tag it needed was set after the one taken off here, so the
 * span is queued again and the owner drops it then (it may list it first). */
static void drain_remote(struct hg_heap *h, struct hg_span *s) {
  atomic_store(&s->remote_queued, 0);
  struct hg_heap *o = __atomic_load_n(&s->owner, __ATOMIC_SEQ_CST);
  for (;;) {
    if ((uintptr_t)o == HG_OWNER_CLAIMED) {   /* its pages are gone: drop the descriptor */
      if (s->listed) partial_unlink(h, s);
      s->listed = 0;
      zombie_drop(h, s);
      return;
    }
    if ((uintptr_t)o & HG_OWNER_CLAIM) {      /* being claimed: look again next time */
      if (atomic_exchange(&s->remote_queued, 1) == 0) requeue(h, s);
      return;
    }
    if (!((uintptr_t)o & HG_OWNER_REMOTE) ||
        __atomic_compare_exchange_n(&s->owner, &o, (struct hg_heap *)((uintptr_t)o & ~HG_OWNER_REMOTE), true,
                                    __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
      break;
  }
  for (unsigned w = 0; w < s->nwords; w++) {
    uint64_t r = atomic_exchange(&s->remote_bits[w], 0);
    if (!r) continue;
    if (hg_unlikely(s->free_bits[w] & r))
      double_free(s->base + ((size_t)w * 64 + (size_t)__builtin_ctzll(s->free_bits[w] & r)) * s->bsize, s);
    s->free_bits[w] |= r;
    hg_span_set_used(s, hg_span_used(s) - hg_popcount64(r));
  }
  /* A full span may have nothing to collect: a remote free can queue it again after
   * the flag is cleared above while its bit is taken by the same drain.  It stays
   * unlisted (the partial list holds spans with free slots only). */
  if (!s->listed && hg_span_used(s) < s->nblocks) partial_push(h, s);
  if (hg_span_used(s) == 0 && !is_current(s)) try_release(h, s);
}

static void collect_remote(struct hg_heap *h) {
  struct hg_span *s = atomic_exchange(&h->remote_queue, NULL);
  while (s) {
    /* Read the link before clearing the flag (drain_remote): from then on a remote
     * free may queue the span again and overwrite it. */
    struct hg_span *next = atomic_load_explicit(&s->remote_next, memory_order_relaxed);
    drain_remote(h, s);
    s = next;
  }
  if (h->zombies) zombies_sweep(h);
}

/* ---- allocation slow path ----------------------------------------------------------- */

/* Point the span's fast-path cursor at a bitmap word with a free slot; false if none. */
static bool span_seek(struct hg_span *s) {
  for (unsigned w = 0; w < s->nwords; w++) {
    if (s->free_bits[w]) {
      hg_span_set_cur(s, w);
      return true;
    }
  }
  return false;
}

static struct hg_span *span_new(struct hg_heap *h, unsigned cls) {
  const struct hg_class_info *c = &hg_classes[cls];
  struct hg_span *s = hg_region_alloc(c->npages, 1, HG_SPAN_SMALL);
  if (!s) return NULL;
  h->region_pages += c->npages;
  s->base = (char *)s->start;
  s->bsize = c->size;
  s->inv = c->inv;
  s->shift = c->shift;
  s->nblocks = c->nblocks;
  s->nwords = (uint8_t)((c->nblocks + 63) / 64);
  s->cls = (uint8_t)cls;
  s->watch = HG_WATCH_NONE;
  hg_span_set_used(s, 0);
  for (unsigned w = 0; w < HG_SPAN_WORDS; w++) {
    unsigned first = w * 64;
    s->free_bits[w] = first >= c->nblocks ? 0
                    : c->nblocks - first >= 64 ? ~(uint64_t)0
                    : ((uint64_t)1 << (c->nblocks - first)) - 1;
    atomic_store_explicit(&s->remote_bits[w], 0, memory_order_relaxed);
  }
  span_seek(s);
  s->listed = 1;
  atomic_store_explicit(&s->current, 1, memory_order_relaxed);   /* published with owner */
  __atomic_store_n(&s->owner, h, __ATOMIC_RELEASE);
  return s;
}

static void *take(struct hg_span *s) { return hg_span_take(s); }

/* (Check mode's calls enter through this and hg_heap_free_slow: wipe.h.) */
HG_WIPED_INTERNAL(void *, hg_heap_alloc_slow, (size_t size)) {
  struct hg_heap *h = hg_tls_heap;
  if (h == &hg_heap_empty) {
    hg_init();   /* decides whether the heap is diverted */
    if (hg_heap_divert) return hg_heap_divert->alloc(size);
    h = hg_heap_acquire();
    if (!h) {
      errno = ENOMEM;
      return NULL;
    }
  }
  /* Stats mode sends malloc(0) here through the always-empty class HG_NCLASSES. */
  if (hg_unlikely(hg_size_class(size) == HG_NCLASSES)) return hg_stats_alloc_zero();
  return hg_heap_refill(h, size);
}

void hg_heap_init_private(struct hg_heap *h) {
  for (unsigned c = 0; c <= HG_NCLASSES; c++) h->cur[c] = &hg_span_empty;
  h->borrow_narrow = true;
}

/* Classes of at least BORROW_MIN bytes that have no span with a free slot borrow a
 * partial span of one of the next BORROW_CLASSES classes as their current span before
 * they carve a new one: the block takes a larger slot that was free anyway, and a
 * partly used span fills up instead of another span being added to a class whose few
 * blocks (blocks of a KiB or more in 32 KiB spans) leave a span's worth of slots
 * free.  A move realloc makes borrows less (HG_BORROW_CLASSES_MOVE classes up, from
 * spans at least half used): a string grown step by step moves to a quarter more
 * than its slot, and from a slot several classes larger than its size it would skip
 * those classes at every step (h->borrow_narrow, heap.h).  A borrowed span keeps its
 * class (its frees list it there again) and is current for the smaller one, hence
 * is_current() rather than h->cur[s->cls] wherever it matters.  Only classes whose
 * size is a multiple of the borrower's largest power-of-two divisor, or of the page,
 * lend: alloc_aligned and check mode pick a class by its size's alignment, and slots
 * sit at multiples of the size from a page boundary.  Measured (peak RSS, medians of
 * 9 interleaved runs): wl_random -5.6%, wl_realloc unchanged (it borrows only as a
 * mover: with malloc's rule, +15%); see docs/architecture.md. */
#define BORROW_MIN          1024
#define BORROW_CLASSES      8   /* for malloc; realloc: HG_BORROW_CLASSES_MOVE */

static struct hg_span *borrow(struct hg_heap *h, unsigned cls) {
  uint32_t size = hg_classes[cls].size, align = size & -size;
  if (size < BORROW_MIN) return NULL;
  bool moving = h->borrow_narrow;
  unsigned last = cls + (moving ? HG_BORROW_CLASSES_MOVE : BORROW_CLASSES);
  for (unsigned c = cls + 1; c <= last && c < HG_NCLASSES; c++) {
    uint32_t csize = hg_classes[c].size, calign = csize & -csize;
    if (calign < align && calign < HG_PAGE) continue;
    struct hg_span *s = h->partial[c];
    if (!s || (moving && hg_span_used(s) * 2 < s->nblocks)) continue;
    partial_unlink(h, s);
    if (!make_current(s)) {   /* as in hg_heap_refill */
      s->listed = 0;
      if (span_claimed(s)) zombie_drop(h, s);
      continue;
    }
    hg_span_set_watch(s, HG_WATCH_NONE);
    span_seek(s);   /* a listed span has a free slot */
    return s;
  }
  return NULL;
}

void *hg_heap_refill(struct hg_heap *h, size_t size) {
  unsigned cls = hg_size_class(size);   /* the table is valid now */
  if (atomic_load_explicit(&h->remote_queue, memory_order_relaxed)) collect_remote(h);
  else if (h->zombies) zombies_sweep(h);
  struct hg_span *s = h->cur[cls];
  for (;;) {
    if (s != &hg_span_empty) {
      if (span_seek(s)) return take(s);
      h->cur[cls] = &hg_span_empty;
      s->listed = 0;   /* full: unlisted until a free makes room (hg_heap_span_adjust) */
      hg_span_set_watch(s, (uint16_t)(s->nblocks - 1));
      /* Last: from here on a remote free may claim it (span.h). */
      atomic_store_explicit(&s->current, 0, memory_order_release);
    }
    s = h->partial[cls];
    if (!s) break;
    partial_unlink(h, s);
    /* The next refill takes the new head, and unlinks it from its successor: spans
     * long untouched in check mode, whose quarantine frees slots all over the heap. */
    struct hg_span *next = h->partial[cls];
    if (next) {
      __builtin_prefetch((const char *)next + 64, 1);    /* (its first line: just written) */
      __builtin_prefetch((const char *)next + 128, 1);   /* the bitmaps */
      if (next->next) __builtin_prefetch(next->next, 1);
    }
    if (!make_current(s)) {
      /* Claimed: drop it.  Being claimed: leave it unlisted; the claim needed the
       * REMOTE tag, so it is queued, and if the claim fails the next collection lists
       * it again. */
      s->listed = 0;
      if (span_claimed(s)) zombie_drop(h, s);
      s = &hg_span_empty;
      continue;
    }
    h->cur[cls] = s;
    hg_span_set_watch(s, HG_WATCH_NONE);
    HG_ASSERT(span_seek(s) || !"a listed span has a free slot");
  }
  s = borrow(h, cls);
  if (s) {
    h->cur[cls] = s;
    return take(s);
  }
  hg_trace_request(size);   /* the trace says which request made the heap grow */
  s = span_new(h, cls);
  hg_trace_request(0);
  if (!s) {
    h->cur[cls] = &hg_span_empty;
    errno = ENOMEM;
    return NULL;
  }
  h->cur[cls] = s;
  return take(s);
}

/* The class's current span is one a malloc borrowed (heap.h, hg_heap_move_begin):
 * give it up, so that the move's allocation refills by realloc's rule. */
HG_COLD void hg_heap_unborrow_slow(struct hg_heap *h, unsigned cls) {
  struct hg_span *s = h->cur[cls];
  h->cur[cls] = &hg_span_empty;
  if (span_seek(s)) {
    partial_push(h, s);   /* back among its own class's spans */
  } else {
    s->listed = 0;
    hg_span_set_watch(s, (uint16_t)(s->nblocks - 1));
  }
  atomic_store_explicit(&s->current, 0, memory_order_release);
  if (s->listed && hg_span_used(s) == 0) try_release(h, s);
}

/* ---- free slow path ------------------------------------------------------------------ */

static void remote_free(struct hg_span *s, unsigned idx, const void *p) {
  struct hg_heap *owner = hg_span_owner(s);
  /* No owner: the span is being set up, was just released or claimed, so p cannot be
   * a live block (a free racing with its span's creation or release, or a double free
   * of a block whose span a remote free claimed). */
  if (hg_unlikely(!owner)) hg_bad_pointer("free", p, s);
  unsigned w = idx >> 6;
  uint64_t m = (uint64_t)1 << (idx & 63);
  atomic_fetch_add(&s->remote_inflight, 1);
  /* The owner's bitmap is read racily: a set bit there can only mean the slot was
   * never handed out or was already freed locally. */
  uint64_t bits = __atomic_load_n(&s->free_bits[w], __ATOMIC_RELAXED);
  if (bits & m) double_free(p, s);
  /* Setting a clear bit is adding it: fetch_add (lock xadd) sets it and returns the
   * whole word, which fetch_or would do only through a cmpxchg loop, and reading the
   * word again would cost a second transfer of a line the owner's collections keep
   * taking (wl_prodcons: +11-19% CPU time either way).  A bit already set is a double
   * free, which aborts; its carry into the next slots' bits is seen only by threads
   * of a process that is ending. */
  uint64_t remote = atomic_fetch_add(&s->remote_bits[w], m);
  if (remote & m) double_free(p, s);
  /* Whether the word has every slot free now: perhaps the whole span (span.h,
   * Claims).  A free that completes the word at the same moment may go unseen: the
   * owner then collects the span as it would anyway. */
  bool word_free = (bits | remote | m) == span_word_full(s, w);
  /* Then the tag (span.h), unless it is already there. */
  struct hg_heap *o = __atomic_load_n(&s->owner, __ATOMIC_SEQ_CST);
  while (!((uintptr_t)o & HG_OWNER_REMOTE) &&
         !__atomic_compare_exchange_n(&s->owner, &o, (struct hg_heap *)((uintptr_t)o | HG_OWNER_REMOTE), true,
                                      __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
  }
  if (atomic_exchange(&s->remote_queued, 1) == 0) {
    struct hg_span *head = atomic_load_explicit(&owner->remote_queue, memory_order_relaxed);
    do {
      atomic_store_explicit(&s->remote_next, head, memory_order_relaxed);
    } while (!atomic_compare_exchange_weak_explicit(&owner->remote_queue, &head, s,
                                                    memory_order_release, memory_order_relaxed));
  }
  if (word_free) try_claim(s, owner);
  atomic_fetch_sub(&s->remote_inflight, 1);
}

static HG_NOINLINE void free_slow(void *p, struct hg_span *s);

/* The divert (check mode's every free) apart from the rest, which needs a frame: a
 * jump.  Its s is a hint (heap.h). */
HG_WIPED_INTERNAL(void, hg_heap_free_slow, (void *p, struct hg_span *s)) {
  if (hg_unlikely(hg_heap_divert != NULL) && p) {
    hg_heap_divert->free(p, s == (struct hg_span *)&hg_pm ? NULL : s);
    return;
  }
  free_slow(p, s);
}

static HG_NOINLINE void free_slow(void *p, struct hg_span *s) {
  if (!p) {   /* nothing to free; a trace of calls shows the call all the same */
    if (hg_unlikely(hg_trace_calls)) hg_trace_free_null();
    return;
  }
  /* From here s is hg_pagemap_get(p)'s answer (heap.h). */
  if (s == (struct hg_span *)&hg_pm || (uintptr_t)p >> HG_PM_ADDR_BITS) s = NULL;
  /* A block sampled by guard mode lies outside the page map. */
  if (hg_unlikely(!s) && hg_guard_sampling && hg_guard_sample_free(p)) return;
  if (s && s->kind == HG_SPAN_SMALL) {
    size_t off = (size_t)((char *)p - s->base);
    size_t idx = hg_span_slot(s, off);
    struct hg_heap *h = hg_tls_heap;
    if (idx < s->nblocks && hg_span_owner(s) != h) {
      remote_free(s, idx, p);
      return;
    }
    /* The owner's free of a slot in a span with remote frees pending (span.h). */
    if (idx < s->nblocks && hg_heap_free_slot(h, s, idx)) return;
  } else if (s && s->kind == HG_SPAN_MEDIUM && p == s->base) {
    if (!hg_region_free_medium(s, p)) hg_fatal("double free of %p (block already freed)", p);
    return;
  } else if (s && s->kind == HG_SPAN_LARGE && p == s->base) {
    hg_large_free_checked(s, p);
    return;
  }
  hg_bad_pointer("free", p, s);
}

/* ---- life of heaps -------------------------------------------------------------------- */

struct hg_heap *hg_heap_acquire(void) {
  hg_init();
  hg_lock(&heaps_lock);
  struct hg_heap *h = heaps_abandoned;
  if (h) {
    heaps_abandoned = h->next_abandoned;
    __atomic_store_n(&heaps_parked, heaps_parked - 1, __ATOMIC_RELAXED);
  } else {
    h = hg_meta_alloc(sizeof *h);
    if (h) {
      for (unsigned c = 0; c <= HG_NCLASSES; c++) h->cur[c] = &hg_span_empty;
      h->id = heaps_all ? heaps_all->id + 1 : 1;
      h->next_all = heaps_all;
      heaps_all = h;
    }
  }
  if (h) {
    h->abandoned = false;
    h->region_pages = 0;
  }
  hg_unlock(&heaps_lock);
  if (h) {
    hg_tls_heap = h;
    hg_thread_attach(h);
  }
  return h;
}

/* The thread is gone: collect what others freed, return empty spans, park the heap
 * (with its remaining spans) for the next new thread to adopt, and then give back the
 * free pages beyond M_TRIM_THRESHOLD (hg_region_thread_exit) if the thread moved that
 * many pages through the region.  Parked first: a thread starting meanwhile (a pool's
 * next worker) adopts the heap instead of making one more, whose spans stay resident
 * as long as the process (wl_threads' peak RSS goes with the number of heaps its
 * threads happened to need at once: 2540, 2820 and 3000 KiB with 2, 3 and 4 worker
 * heaps). */
void hg_heap_abandon(struct hg_heap *h) {
  if (h == &hg_heap_empty) return;
  collect_remote(h);
  /* A parked heap keeps its empty current spans for the thread that adopts it: a
   * program whose threads come and go (a pool, a thread per request) then reuses the
   * same spans, with the same pages touched, instead of carving new ones from free runs
   * whose other pages get touched in turn (wl_threads: 4.6 -> 2.4 MiB peak RSS, glibc
   * 2.3).  Only the first few parked heaps keep them, so that many threads exiting at
   * once leave their spans to the region (purged after the decay time). */
  bool keep = __atomic_load_n(&heaps_parked, __ATOMIC_RELAXED) < PARKED_KEEP_SPANS;
  for (unsigned c = 0; c < HG_NCLASSES; c++) {
    struct hg_span *s = h->cur[c];
    if (!keep && s != &hg_span_empty && hg_span_used(s) == 0) {
      h->cur[c] = &hg_span_empty;
      s->listed = 0;
      atomic_store_explicit(&s->current, 0, memory_order_release);
      try_release(h, s);
    }
    /* (A claimed span here stays: try_release refuses it.  The next thread to adopt
     * the heap drops it.) */
    for (s = h->partial[c]; s;) {
      struct hg_span *next = s->next;
      if (hg_span_used(s) == 0) try_release(h, s);
      s = next;
    }
  }
  size_t moved = h->region_pages;   /* read before another thread may adopt h */
  hg_tls_heap = &hg_heap_empty;
  hg_lock(&heaps_lock);
  h->abandoned = true;
  h->next_abandoned = heaps_abandoned;
  heaps_abandoned = h;
  __atomic_store_n(&heaps_parked, heaps_parked + 1, __ATOMIC_RELAXED);
  hg_unlock(&heaps_lock);
  hg_region_thread_exit(moved);
}

void hg_heap_fork_prepare(void) { hg_lock_fork(&heaps_lock); }
void hg_heap_fork_parent(void) { hg_unlock_fork(&heaps_lock); }

/* In the child only the forking thread exists: every other thread's heap is parked
 * for adoption.  (A thread caught mid-operation leaves at worst a leaked slot; see the
 * ordering invariants in span.h.) */
void hg_heap_fork_child(void) {
  hg_lock_reset(&heaps_lock);
  for (struct hg_heap *h = heaps_all; h; h = h->next_all) {
    /* A claim being decided by a thread that is gone: the span stays (span.h). */
    for (struct hg_span *s = atomic_load(&h->remote_queue); s; s = atomic_load(&s->remote_next)) {
      uintptr_t o = (uintptr_t)__atomic_load_n(&s->owner, __ATOMIC_RELAXED);
      if ((o & HG_OWNER_CLAIM) && o != HG_OWNER_CLAIMED)
        __atomic_store_n(&s->owner, (struct hg_heap *)(o & ~HG_OWNER_CLAIM), __ATOMIC_RELAXED);
    }
    if (h == hg_tls_heap || h->abandoned) continue;
    h->abandoned = true;
    h->next_abandoned = heaps_abandoned;
    heaps_abandoned = h;
    heaps_parked++;
  }
}
