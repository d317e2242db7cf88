/* span.h — the span descriptor: what a run of pages is used for.
 *
 * A span is a run of whole pages, described by a descriptor that lives out of band
 * (meta.c), found from any address in it through the pagemap.  Kinds:
 *
 *   SMALL   blocks of one size class, handed out by the owning thread's heap.  State
 *           of every slot is one bit: free_bits (owner's view, plain memory) and
 *           remote_bits (frees by other threads, atomic).  A slot is allocated iff its
 *           bit is clear in both.  There are no free lists, so there are no links in
 *           user memory to corrupt, and a double free is a bit already set.
 *   MEDIUM  one block of npages pages (sizes between the largest class and the mmap
 *           threshold); owned by the region.
 *   LARGE   one block in its own mapping (at or above the mmap threshold).
 *   FREE    a free run in the region's bins.
 *   DEAD    a recycled descriptor (never reachable from the pagemap).
 *
 * Invariants (SMALL):
 *   used == nblocks - popcount(free_bits)   (used: hg_span_used; remote-freed slots
 *                                            count as used until the owner collects them)
 *   a slot's bit is never set in both free_bits and remote_bits
 *   a span on its owner's partial list has a free slot (used < nblocks)
 *   the owner releases the span to the region when used == 0 and no other thread is
 *   inside a remote free of it (remote_inflight == 0) or has it queued; while a thread
 *   holds a live block of the span, neither the span nor its owner can change.
 *   The fast path clears a free bit before counting used++, and sets a bit before
 *   used--: if a fork catches a thread between the two, the child only leaks a slot.
 *   While a slot's bit is set in remote_bits, owner carries the tag HG_OWNER_REMOTE
 *   (a remote free sets it after the bit, the owner clears it before collecting the
 *   bits), so the owner's own free fails the fast path's owner test and the slow path
 *   checks remote_bits: free's fast path reads free_bits only, and a double free of a
 *   slot another thread freed is still caught.  A remote free queues the span (unless
 *   remote_queued says it is queued) after setting the tag, and the owner clears
 *   remote_queued before it takes the tag off: so while the tag is set the span is on
 *   the owner's queue, or a remote free that will queue it is in flight, and the owner
 *   looks at it again.
 *
 * Claims: a remote free that leaves no live block in a span its owner is not
 * allocating from gives the span's pages back to the region itself, so that a thread
 * that does not allocate (blocked, or busy elsewhere) does not keep spans other threads
 * emptied until its next slow path.  The owner word carries two more tags for it:
 *   HG_OWNER_CLAIM  a remote free is checking whether it may claim the span: the owner
 *                   neither collects it (it queues it again) nor makes it current;
 *   HG_OWNER_BUSY   the owner is releasing the span (set from exactly owner, so only
 *                   when no remote free or claim is under way): no claim may start.
 * A claim: the remote free (still counted in remote_inflight, its bit, tag and queueing
 * done) changes the owner word from exactly owner|REMOTE to owner|REMOTE|CLAIM, then
 * checks that `current` is 0 and that every slot is free in free_bits | remote_bits;
 * if so it sets the word to HG_OWNER_CLAIMED (no heap: hg_span_owner is NULL, so a
 * later free of one of its blocks is a double free) and hands the pages to the region
 * under a new descriptor (hg_region_free_pages); otherwise it puts owner|REMOTE back.
 * Why "every slot free" cannot be wrong: a set bit in either bitmap is a free slot
 * (a collection moving bits from remote_bits to free_bits at the same time can only
 * hide some, so the claim gives up), and only malloc, in the owner's current span,
 * makes a free slot live.  `current` is set (seq_cst) before the owner reads the owner
 * word to see whether it may allocate from the span, and the claim reads `current`
 * (seq_cst) after setting CLAIM, so one of the two sees the other; the owner clears
 * `current` (release) only after its last malloc from the span, so a claim that reads
 * 0 sees every free bit malloc cleared.  So a claimed span had no live block, and no
 * malloc can have been taking one.
 * The descriptor of a claimed span (a "zombie") is no longer in the page map, but the
 * owner may still hold it in its partial list or remote queue, and remote frees that
 * set their bits before the claim may still be inside it: only the owner recycles it,
 * once it has unlinked it (it meets every zombie in its remote queue, since the claim
 * needed the REMOTE tag) and remote_inflight and remote_queued are both 0; until then
 * the heap keeps it on its zombie list (heap.c).  The owner may list a zombie (a claim
 * can come in between its own free of the span's last live block and the listing, or
 * while a collection moves the span's bits): it then sits on the partial list until
 * the owner meets it there or in its queue.  Partial spans and spans the owner left
 * full (unlisted) can be claimed; current spans never. */
#ifndef HG_SPAN_H
#define HG_SPAN_H

#include "internal.h"

#define HG_SPAN_MAX_BLOCKS 512
#define HG_SPAN_WORDS      (HG_SPAN_MAX_BLOCKS / 64)
#define HG_WATCH_NONE      0xffff

enum hg_span_kind { HG_SPAN_DEAD = 0, HG_SPAN_SMALL, HG_SPAN_MEDIUM, HG_SPAN_LARGE, HG_SPAN_FREE };

struct hg_heap;
struct hg_stats_slots;
struct hg_block;

struct hg_span {
  /* ---- first cache line: everything malloc's and free's fast paths read ---- */
  struct hg_heap *owner;     /* SMALL: owning heap, | HG_OWNER_REMOTE while remote
                                frees wait to be collected, | HG_OWNER_BUSY or
                                HG_OWNER_CLAIM (above), or HG_OWNER_CLAIMED
                                (hg_span_owner reads the heap); NULL for the other
                                kinds.  Either way only the owner's free of a slot with
                                no remote free pending passes free's fast-path owner
                                test */
  union {                    /* the span's first page, one address under two names: */
    char *base;              /* SMALL: slot 0; MEDIUM/LARGE: the block */
    uintptr_t start;         /* every kind: the first page */
  };
  char *word_base;           /* SMALL: address of slot 64 * (the index of cur_word) */
  uint64_t *cur_word;        /* SMALL: the free_bits word malloc takes from next (a
                                pointer: malloc loads it and the word, no index) */
  uint64_t inv;              /* SMALL: the class's inverse, for hg_span_slot */
  size_t nblocks;            /* SMALL: slots in the span, 2..512 (a full word: free's
                                fast path compares a slot index with it in memory) */
  uint32_t bsize;            /* SMALL: block (class) size; MEDIUM/LARGE: 0 */
  uint16_t left;             /* SMALL: used - watch (mod 2^16), where used is the
                                number of slots not free in the owner's view
                                (hg_span_used): malloc's fast path counts it up,
                                free's down, and free takes the slow path when it
                                reaches 0, i.e. when used reaches watch */
  uint16_t watch;            /* SMALL: the value of used at which a local free must
                                take the slow path: 0 for a span in the partial list
                                (it became empty: release it), nblocks - 1 for a full
                                unlisted span (it has room again: list it), and
                                HG_WATCH_NONE for the current span */
  uint8_t shift;             /* SMALL: the class's shift, for hg_span_slot */
  uint8_t cls;               /* SMALL: size class */
  uint8_t kind;              /* enum hg_span_kind */
  uint8_t nwords;            /* SMALL: bitmap words in use, ceil(nblocks / 64) */
  uint8_t listed;            /* SMALL: 1 if in the heap's partial list or current */
  uint8_t in_brk;            /* the pages come from the brk heap (not an mmap region) */
  uint8_t zeroed;            /* MEDIUM/LARGE: the block's pages read as zero */

  /* ---- second and third cache lines: the bitmaps ----
   * A small span's free_bits become the free run's fields when its own descriptor
   * describes its pages back in the region (hg_region_free): a remote free that races
   * with that release is a double free, which could already meet the descriptor
   * recycled for another span before these fields shared its bytes. */
  union {
    uint64_t free_bits[HG_SPAN_WORDS];       /* SMALL: 1 = slot free */
    struct {                                 /* the kinds without slots */
      size_t size;                           /* MEDIUM/LARGE: requested size (usable size
                                                is the pages) */
      size_t ndirty;                         /* FREE: upper bound on pages that may be
                                                resident */
      uint64_t freed_ms;                     /* FREE with ndirty > 0: when it last got
                                                dirty pages */
      struct hg_span *dirty_next, *dirty_prev; /* FREE with ndirty > 0: purge order,
                                                  oldest first */
    };
  };

  _Atomic uint64_t remote_bits[HG_SPAN_WORDS]; /* SMALL: 1 = freed by another thread */
  _Atomic uint32_t remote_inflight;          /* SMALL: threads inside a remote free */
  _Atomic uint32_t remote_queued;            /* SMALL: 1 while on owner's remote queue */
  struct hg_span *_Atomic remote_next;       /* link in the owner's remote queue */
  _Atomic uint8_t current;                   /* SMALL: 1 while the owner may allocate from
                                                it (its current span; see Claims) */
  uint8_t zombie;                            /* SMALL, claimed: on the owner's zombie list
                                                (owner's field) */
  uint8_t own_mapping;                       /* MEDIUM: a mapping of its own, not the
                                                region's pages (hg_region_alloc_mapped) */

  /* ---- region and list bookkeeping ---- */
  size_t npages;             /* pages in the span */
  struct hg_span *next, *prev;           /* bin, heap partial list, or large list */
  struct hg_stats_slots *req;            /* stats mode: requested bytes per slot (stats.h);
                                            kept when the descriptor is recycled */
  struct hg_block *check_records;        /* check mode: the records of the span's slots
                                            (blocks.c), NULL when it has none; check
                                            mode's lock */
};

_Static_assert(sizeof(((struct hg_span *)0)->free_bits) == 64, "bitmap is one cache line");
_Static_assert(offsetof(struct hg_span, free_bits) == 64, "the fast paths' fields fill the first line");
/* Four cache lines: the metadata allocator aligns descriptors to 64 bytes, so at 304
 * bytes each took 320 (2% of a 16 KiB span's pages). */
_Static_assert(sizeof(struct hg_span) == 256, "a descriptor is four cache lines");

static inline size_t hg_span_bytes(const struct hg_span *s) { return s->npages << HG_PAGE_SHIFT; }

/* Tags in the owner word of a SMALL span (heaps are 8-byte aligned: heap.h); see Claims. */
#define HG_OWNER_REMOTE  ((uintptr_t)1)
#define HG_OWNER_BUSY    ((uintptr_t)2)
#define HG_OWNER_CLAIM   ((uintptr_t)4)
#define HG_OWNER_TAGS    ((uintptr_t)7)
#define HG_OWNER_CLAIMED (HG_OWNER_REMOTE | HG_OWNER_CLAIM)   /* the whole word: no heap */

/* The owning heap, without the tags (NULL for a claimed span). */
static inline struct hg_heap *hg_span_owner(const struct hg_span *s) {
  return (struct hg_heap *)((uintptr_t)__atomic_load_n(&s->owner, __ATOMIC_ACQUIRE) & ~HG_OWNER_TAGS);
}

/* SMALL: the bitmap word malloc takes from, and pointing it at word w (which also
 * sets word_base, the address of the word's first slot). */
static inline uint64_t *hg_span_cur_word(struct hg_span *s) { return s->cur_word; }
static inline void hg_span_set_cur(struct hg_span *s, unsigned w) {
  s->cur_word = &s->free_bits[w];
  s->word_base = s->base + (size_t)w * 64 * s->bsize;
}

/* SMALL: slots not free in the owner's view (see `left`), and setting it or watch
 * while keeping the other. */
static inline unsigned hg_span_used(const struct hg_span *s) {
  return (uint16_t)(s->left + s->watch);
}
static inline void hg_span_set_used(struct hg_span *s, unsigned used) {
  s->left = (uint16_t)(used - s->watch);
}
static inline void hg_span_set_watch(struct hg_span *s, uint16_t watch) {
  unsigned used = hg_span_used(s);
  s->watch = watch;
  hg_span_set_used(s, used);
}

/* The slot at byte offset off of a SMALL span, or a number >= nblocks if off is not
 * the start of a slot.  One multiplication and one rotation, no division: bsize is
 * odd << shift; for off a multiple of bsize, off * inv (mod 2^64) is off / odd, whose
 * low `shift` bits are zero, and rotating them away leaves off / bsize.  For any other
 * off (including offsets that wrapped around below base), the rotation leaves low
 * bits set at the top or a quotient of the wrong residue, above 2^64 / bsize and so
 * above nblocks (the divisibility test of Granlund and Montgomery). */
static inline size_t hg_span_slot(const struct hg_span *s, size_t off) {
  uint64_t x = off * s->inv;
  return (x >> s->shift) | (x << ((64 - s->shift) & 63));
}

#endif
