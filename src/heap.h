/* heap.h — per-thread heaps and the malloc/free fast paths.
 *
 * Each thread has a heap (found through one initial-exec TLS pointer); a heap has, per
 * size class, a current span and a list of other spans with free slots.  malloc takes
 * the lowest free bit of the current span's current bitmap word; free sets
 * the slot's bit in its span.  Neither touches a lock or an atomic read-modify-write
 * when the span belongs to the calling thread.  A free from another thread sets the
 * bit in the span's atomic remote_bits and queues the span on its owner's remote
 * queue (see span.h for the protocol); the owner collects in its slow path.  A remote
 * free that leaves a span with no live block, while its owner is not allocating from
 * it, gives the span's pages back to the region at once (span.h, Claims).
 *
 * A thread starts on hg_heap_empty, a static heap whose spans have no free slot, so its
 * first malloc takes the slow path, which initialises the process if needed and gives
 * the thread a heap: an abandoned one (a dead thread's, adopted with its spans) or a
 * new one.  At thread exit the heap is abandoned (see init.c). */
#ifndef HG_HEAP_H
#define HG_HEAP_H

#include "internal.h"
#include "pagemap.h"
#include "sizeclass.h"
#include "span.h"

struct hg_heap {
  /* never NULL: &hg_span_empty when none.  cur[HG_NCLASSES] is always empty: stats
   * mode maps malloc(0) to it so that it leaves the fast path (stats.h). */
  struct hg_span *cur[HG_NCLASSES + 1];
  /* Sampled guard mode: mallocs until the thread's next sample (guard.h), here so that
   * the heap pointer malloc loads anyway reaches it.  hg_heap_empty's goes below 0
   * (threads without a heap decrement it, racily: it stays <= 0, never read). */
  long sample_countdown;
  struct hg_span *partial[HG_NCLASSES];  /* other spans with free slots (listed) */
  struct hg_span *_Atomic remote_queue;  /* spans with frees from other threads */
  struct hg_heap *next_all;              /* every heap ever made (heaps_lock) */
  struct hg_heap *next_abandoned;        /* pool of heaps without a thread */
  struct hg_span *zombies;               /* claimed spans whose descriptors wait for
                                            the remote frees inside them (span.h) */
  size_t region_pages;                   /* pages the heap's thread carved from the
                                            region or gave back to it (its spans, and
                                            spans its remote frees claimed) since it
                                            took the heap: hg_heap_abandon */
  bool abandoned;
  bool borrow_narrow;                    /* borrow by realloc's rule (heap.c, borrow): realloc
                                            is moving a block (hg_heap_move_begin), or
                                            a private heap, which check mode's realloc
                                            uses too (wide: wl_realloc +3% there) */
  uint32_t id;                           /* from 1, in creation order (for stats) */
};

/* The owner word's tags (span.h) need the low three bits of a heap's address. */
_Static_assert(_Alignof(struct hg_heap) >= 8, "heaps are 8-byte aligned");

extern HG_HIDDEN struct hg_heap hg_heap_empty;
extern HG_HIDDEN struct hg_span hg_span_empty;
extern HG_HIDDEN __thread struct hg_heap *hg_tls_heap;

/* A mode that must see every allocation (check mode) diverts the heap: threads then
 * never get a heap of their own, so every malloc and free misses the fast paths and
 * the slow paths hand the request to these functions.  Set once, by init, before any
 * block is handed out; NULL in the default mode. */
struct hg_heap_divert {
  void *(*alloc)(size_t size);
  /* p: not NULL.  s: hg_pagemap_get(p), or for an address above 2^47 possibly another
   * page's span (free() looked it up with hg_pagemap_span_or_none): a hint only. */
  void (*free)(void *p, struct hg_span *s);
};
extern HG_HIDDEN const struct hg_heap_divert *hg_heap_divert;

void *hg_heap_alloc_slow(size_t size);
/* free()'s slow path: diagnosis, remote frees, the divert.  s: hg_pagemap_get(p), or
 * hg_pagemap_span_or_none(p) as free()'s fast path found it (free() does not look p up
 * again: about 13 instructions, and its copy of the lookup, 40 bytes of hot text). */
void hg_heap_free_slow(void *p, struct hg_span *s);
void hg_heap_span_adjust(struct hg_heap *h, struct hg_span *s);

/* Heaps not tied to a thread (check mode's, used under its own lock): set up h, take a
 * block from it when its current span is exhausted, give back a live block
 * (hg_heap_free_local, below). */
void hg_heap_init_private(struct hg_heap *h);
void *hg_heap_refill(struct hg_heap *h, size_t size);

/* Usable size of live block p, for `op` ("realloc", "malloc_usable_size", ...), and its
 * span in *span (if span is not NULL); any other pointer is diagnosed by
 * hg_bad_pointer, which aborts. */
size_t hg_block_usable(const void *p, const char *op, struct hg_span **span);
HG_NORETURN HG_COLD void hg_bad_pointer(const char *op, const void *p, const struct hg_span *s);

/* Bit idx % 64 of x, and x with it set: one bt or bts each (the C forms need idx
 * masked to 63 first). */
static inline bool hg_bit_test(uint64_t x, size_t idx) {
#if defined(__x86_64__)
  bool r;
  __asm__("bt %2, %1" : "=@ccc"(r) : "r"(x), "r"(idx) : );
  return r;
#else
  return (x >> (idx & 63)) & 1;
#endif
}
/* Index of the lowest set bit of x != 0, as a size_t (tzcnt, or bsf on CPUs without
 * it: the same for x != 0); __builtin_ctzll's int result costs a sign extension. */
static inline size_t hg_lowest_bit(uint64_t x) {
#if defined(__x86_64__)
  uint64_t r;
  __asm__("rep bsf %1, %0" : "=r"(r) : "r"(x) : "cc");
  return r;
#else
  return (size_t)__builtin_ctzll(x);
#endif
}
static inline uint64_t hg_bit_set(uint64_t x, size_t idx) {
#if defined(__x86_64__)
  __asm__("bts %1, %0" : "+r"(x) : "r"(idx) : "cc");
  return x;
#else
  return x | ((uint64_t)1 << (idx & 63));
#endif
}

/* Bit idx % 64 of x cleared (btr). */
static inline uint64_t hg_bit_clear(uint64_t x, size_t idx) {
#if defined(__x86_64__)
  __asm__("btr %1, %0" : "+r"(x) : "r"(idx) : "cc");
  return x;
#else
  return x & ~((uint64_t)1 << (idx & 63));
#endif
}

/* Take the lowest free slot of bitmap word bits != 0, *word in s (the current word).
 * The slot's offset from word_base is below 64 * 32 KiB, so a 32-bit multiply
 * (imul with bsize from memory) computes it. */
__attribute__((always_inline)) static inline void *hg_span_take_bits(struct hg_span *s, uint64_t *word,
                                                                     uint64_t bits) {
  size_t i = hg_lowest_bit(bits);
  *word = hg_bit_clear(bits, i);
  s->left++;
  return s->word_base + (uint32_t)((uint32_t)i * s->bsize);
}

/* Take a slot from the current word, which has one (the slow paths). */
static inline void *hg_span_take(struct hg_span *s) {
  uint64_t *word = hg_span_cur_word(s);
  return hg_span_take_bits(s, word, *word);
}

/* A small block of `size` bytes (size <= HG_SMALL_MAX) from the thread's current span,
 * or, when its current word is empty, what miss(size) returns: hg_heap_alloc_slow for
 * malloc; operator new (cxx.c) has its own, which a diverted heap (check mode) needs to
 * know the block's family.  miss is a constant: the call is a direct jump. */
__attribute__((always_inline)) static inline void *hg_heap_alloc_or(size_t size, void *(*miss)(size_t)) {
  struct hg_heap *h = hg_tls_heap;
  struct hg_span *s = h->cur[hg_size_class(size)];
  uint64_t *word = hg_span_cur_word(s), bits = *word;
  if (hg_likely(bits)) return hg_span_take_bits(s, word, bits);
  return miss(size);
}

/* A small block of `size` bytes (size <= HG_SMALL_MAX); NULL with errno ENOMEM. */
__attribute__((always_inline)) static inline void *hg_heap_alloc(size_t size) {
  return hg_heap_alloc_or(size, hg_heap_alloc_slow);
}

/* The same from a private heap (the caller serialises access to h). */
static inline void *hg_heap_alloc_in(struct hg_heap *h, size_t size) {
  struct hg_span *s = h->cur[hg_size_class(size)];
  uint64_t *word = hg_span_cur_word(s), bits = *word;
  if (hg_likely(bits)) return hg_span_take_bits(s, word, bits);
  return hg_heap_refill(h, size);
}

/* Around realloc's move of a block to a small class: the move borrows only as
 * realloc's moves do (heap.c, borrow), and if the thread's current span for the class
 * is one that a malloc borrowed from more than HG_BORROW_CLASSES_MOVE classes up, it
 * gives it up first, so the move refills by those rules. */
#define HG_BORROW_CLASSES_MOVE 2
void hg_heap_unborrow_slow(struct hg_heap *h, unsigned cls);
static inline struct hg_heap *hg_heap_move_begin(size_t size) {
  struct hg_heap *h = hg_tls_heap;
  if (h == &hg_heap_empty) return NULL;
  unsigned cls = hg_size_class(size);
  h->borrow_narrow = true;
  if (hg_unlikely(h->cur[cls]->cls > cls + HG_BORROW_CLASSES_MOVE)) hg_heap_unborrow_slow(h, cls);
  return h;
}
static inline void hg_heap_move_end(struct hg_heap *h) {
  if (h) h->borrow_narrow = false;
}

/* Free slot idx (< nblocks) of span s, owned by h: false, changing nothing, if the
 * slot is not allocated (its bit is set in either bitmap: a double free).  The slow
 * path's version; the fast path reads free_bits only (see hg_heap_free). */
static inline bool hg_heap_free_slot(struct hg_heap *h, struct hg_span *s, size_t idx) {
  size_t w = idx >> 6;
  uint64_t bits = s->free_bits[w];
  uint64_t remote = atomic_load_explicit(&s->remote_bits[w], memory_order_relaxed);
  if (hg_unlikely(hg_bit_test(bits | remote, idx))) return false;
  s->free_bits[w] = hg_bit_set(bits, idx);
  if (hg_unlikely(--s->left == 0)) hg_heap_span_adjust(h, s);
  return true;
}

/* Give back live block p (a slot's start) of span s to private heap h.  Inline: check
 * mode gives back a slot for every block leaving its quarantine. */
static inline void hg_heap_free_local(struct hg_heap *h, struct hg_span *s, void *p) {
  size_t idx = hg_span_slot(s, (size_t)((char *)p - s->base));   /* (no division) */
  HG_ASSERT(s->owner == h && idx < s->nblocks && !(s->free_bits[idx >> 6] >> (idx & 63) & 1));
  s->free_bits[idx >> 6] = hg_bit_set(s->free_bits[idx >> 6], idx);
  if (--s->left == 0) hg_heap_span_adjust(h, s);
}

/* free()'s fast path, s = hg_pagemap_span_or_none(p): true if it freed p; false,
 * changing nothing, if p needs the slow path (NULL included).  s is never NULL
 * (pagemap.h); one that no heap owns, another thread's, or one
 * with remote frees pending (owner tagged, span.h) sends p to the slow path, as does
 * an offset that hg_span_slot (span.h) rejects.  So the slot's remote bit is clear
 * here: its bit in free_bits alone says whether it is allocated. */
__attribute__((always_inline)) static inline bool hg_heap_free_in(void *p, struct hg_span *s) {
  struct hg_heap *h = hg_tls_heap;
  if (hg_likely(s->owner == h)) {
    size_t idx = hg_span_slot(s, (size_t)((char *)p - s->base));
    if (hg_likely(idx < s->nblocks)) {
      /* bt/bts take idx modulo 64: no mask to build. */
      size_t w = idx >> 6;
      uint64_t bits;
#if defined(__x86_64__)
      /* w as a scaled index with the array's offset (GCC spends an add on it) */
      __asm__("mov %c[fo](%[s],%[w],8), %[bits]"
              : [bits] "=r"(bits)
              : [s] "r"(s), [w] "r"(w), [fo] "i"(offsetof(struct hg_span, free_bits)), "m"(s->free_bits));
#else
      bits = s->free_bits[w];
#endif
      if (hg_likely(!hg_bit_test(bits, idx))) {
        s->free_bits[w] = hg_bit_set(bits, idx);
        if (hg_unlikely(--s->left == 0)) hg_heap_span_adjust(h, s);
        return true;
      }
    }
  }
  return false;
}

__attribute__((always_inline)) static inline bool hg_heap_free_fast(void *p) {
  return hg_heap_free_in(p, hg_pagemap_span_or_none(p));
}

/* free(), NULL included.  (Operator delete, cxx.c, has its own slow path: see
 * hg_heap_alloc_or.)  The slow path gets the fast path's span, not the lookup again
 * (hg_heap_free_slow). */
__attribute__((always_inline)) static inline void hg_heap_free(void *p) {
  struct hg_span *s = hg_pagemap_span_or_none(p);
  if (hg_likely(hg_heap_free_in(p, s))) return;
  hg_heap_free_slow(p, s);
}

/* Thread and process life (init.c calls these). */
struct hg_heap *hg_heap_acquire(void);
void hg_heap_abandon(struct hg_heap *h);
void hg_heap_fork_prepare(void);
void hg_heap_fork_parent(void);
void hg_heap_fork_child(void);

#endif
