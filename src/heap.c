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

/* Give an empty span (not current) back to the region, unless another thread may
 * still be inside a remote free of it: then it stays listed, and the remote free's
 * queueing guarantees the owner looks at it again. */
static void try_release(struct hg_heap *h, struct hg_span *s) {
  HG_ASSERT(hg_span_used(s) == 0 && h->cur[s->cls] != s);
  if (atomic_load(&s->remote_inflight) != 0 || atomic_load(&s->remote_queued) != 0) {
    if (!s->listed) partial_push(h, s);
    return;
  }
  if (s->listed) partial_unlink(h, s);
  s->listed = 0;
  hg_region_free(s);
}

void hg_heap_span_adjust(struct hg_heap *h, struct hg_span *s) {
  if (!s->listed) partial_push(h, s);
  if (hg_span_used(s) == 0 && h->cur[s->cls] != s) try_release(h, s);
}

/* Move the slots other threads freed into the owner's bitmap.  The tag goes first: a
 * remote free sets its bit before the tag, so a bit set after this point is either
 * collected below or leaves the tag set again (span.h). */
static void drain_remote(struct hg_heap *h, struct hg_span *s) {
  struct hg_heap *o = __atomic_load_n(&s->owner, __ATOMIC_RELAXED);
  while (((uintptr_t)o & HG_OWNER_REMOTE) &&
         !__atomic_compare_exchange_n(&s->owner, &o, (struct hg_heap *)((uintptr_t)o & ~HG_OWNER_REMOTE), true,
                                      __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
  }
  for (unsigned w = 0; w < s->nwords; w++) {
    uint64_t r = atomic_exchange(&s->remote_bits[w], 0);
    if (!r) continue;
    if (hg_unlikely(s->free_bits[w] & r))
      double_free(s->base + ((size_t)w * 64 + (size_t)__builtin_ctzll(s->free_bits[w] & r)) * s->bsize, s);
    s->free_bits[w] |= r;
    hg_span_set_used(s, hg_span_used(s) - hg_popcount64(r));
  }
  if (!s->listed) partial_push(h, s);
  if (hg_span_used(s) == 0 && h->cur[s->cls] != s) try_release(h, s);
}

static void collect_remote(struct hg_heap *h) {
  struct hg_span *s = atomic_exchange(&h->remote_queue, NULL);
  while (s) {
    /* Read the link before clearing the flag: from then on a remote free may queue
     * the span again and overwrite it. */
    struct hg_span *next = atomic_load_explicit(&s->remote_next, memory_order_relaxed);
    atomic_store(&s->remote_queued, 0);
    drain_remote(h, s);
    s = next;
  }
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
  __atomic_store_n(&s->owner, h, __ATOMIC_RELEASE);
  return s;
}

static void *take(struct hg_span *s) { return hg_span_take(s); }

void *hg_heap_alloc_slow(size_t size) {
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
}

void *hg_heap_refill(struct hg_heap *h, size_t size) {
  unsigned cls = hg_size_class(size);   /* the table is valid now */
  if (atomic_load_explicit(&h->remote_queue, memory_order_relaxed)) collect_remote(h);
  struct hg_span *s = h->cur[cls];
  if (s != &hg_span_empty) {
    if (span_seek(s)) return take(s);
    s->listed = 0;   /* full: unlisted until a free makes room (hg_heap_span_adjust) */
    hg_span_set_watch(s, (uint16_t)(s->nblocks - 1));
  }
  s = h->partial[cls];
  if (s) {
    partial_unlink(h, s);
    /* The next refill takes the new head, and unlinks it from its successor: spans
     * long untouched in check mode, whose quarantine frees slots all over the heap. */
    struct hg_span *next = h->partial[cls];
    if (next) {
      __builtin_prefetch((const char *)next + 64, 1);    /* (its first line: just written) */
      __builtin_prefetch((const char *)next + 128, 1);   /* the bitmaps */
      if (next->next) __builtin_prefetch(next->next, 1);
    }
    h->cur[cls] = s;
    hg_span_set_watch(s, HG_WATCH_NONE);
    if (span_seek(s)) return take(s);
    HG_ASSERT(!"a listed span has a free slot");
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

/* ---- free slow path ------------------------------------------------------------------ */

static void remote_free(struct hg_span *s, unsigned idx, const void *p) {
  struct hg_heap *owner = hg_span_owner(s);
  /* No owner: the span is being set up or was just released, so p cannot be a live
   * block (a free racing with its span's creation or release). */
  if (hg_unlikely(!owner)) hg_bad_pointer("free", p, s);
  unsigned w = idx >> 6;
  uint64_t m = (uint64_t)1 << (idx & 63);
  atomic_fetch_add(&s->remote_inflight, 1);
  /* The owner's bitmap is read racily: a set bit there can only mean the slot was
   * never handed out or was already freed locally. */
  if (__atomic_load_n(&s->free_bits[w], __ATOMIC_RELAXED) & m) double_free(p, s);
  if (atomic_fetch_or(&s->remote_bits[w], m) & m) double_free(p, s);
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
  atomic_fetch_sub(&s->remote_inflight, 1);
}

void hg_heap_free_local(struct hg_heap *h, struct hg_span *s, void *p) {
  size_t idx = (size_t)((char *)p - s->base) / s->bsize;
  HG_ASSERT(s->owner == h && idx < s->nblocks && !(s->free_bits[idx >> 6] >> (idx & 63) & 1));
  s->free_bits[idx >> 6] |= (uint64_t)1 << (idx & 63);
  if (--s->left == 0) hg_heap_span_adjust(h, s);
}

void hg_heap_free_slow(void *p, struct hg_span *s) {
  if (!p) return;
  if (hg_unlikely(hg_heap_divert != NULL)) {
    hg_heap_divert->free(p);
    return;
  }
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
  if (h) h->abandoned = false;
  hg_unlock(&heaps_lock);
  if (h) {
    hg_tls_heap = h;
    hg_thread_attach(h);
  }
  return h;
}

/* The thread is gone: collect what others freed, return empty spans, and park the
 * heap (with its remaining spans) for the next new thread to adopt. */
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
      try_release(h, s);
    }
    for (s = h->partial[c]; s;) {
      struct hg_span *next = s->next;
      if (hg_span_used(s) == 0) try_release(h, s);
      s = next;
    }
  }
  hg_tls_heap = &hg_heap_empty;
  hg_lock(&heaps_lock);
  h->abandoned = true;
  h->next_abandoned = heaps_abandoned;
  heaps_abandoned = h;
  __atomic_store_n(&heaps_parked, heaps_parked + 1, __ATOMIC_RELAXED);
  hg_unlock(&heaps_lock);
}

void hg_heap_fork_prepare(void) { hg_lock(&heaps_lock); }
void hg_heap_fork_parent(void) { hg_unlock(&heaps_lock); }

/* In the child only the forking thread exists: every other thread's heap is parked
 * for adoption.  (A thread caught mid-operation leaves at worst a leaked slot; see the
 * ordering invariants in span.h.) */
void hg_heap_fork_child(void) {
  hg_lock_reset(&heaps_lock);
  for (struct hg_heap *h = heaps_all; h; h = h->next_all) {
    if (h == hg_tls_heap || h->abandoned) continue;
    h->abandoned = true;
    h->next_abandoned = heaps_abandoned;
    heaps_abandoned = h;
    heaps_parked++;
  }
}
