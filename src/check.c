/* check.c — check mode's allocation functions, redzones, quarantine and block records,
 * and the findings: the errors they turn up, collected under check mode's lock and
 * handed to check_report.c, which prints them, once it is released (see check.h). */
#define _GNU_SOURCE
#include "check_slot.h"
#include "check_bytes.h"

#include <emmintrin.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "heapguard.h"
#include "blocks.h"
#include "diag.h"
#include "forkpages.h"
#include "guard.h"
#include "heap.h"
#include "init.h"
#include "lock.h"
#include "options.h"
#include "os.h"
#include "pagemap.h"
#include "protect.h"
#include "region.h"
#include "sizeclass.h"
#include "span.h"
#include "stats.h"
#include "unreadable.h"
#include "wipe.h"

bool hg_check_on;

hg_lock_t hg_check_mutex HG_FORK_DATA = HG_LOCK_INIT;
static struct hg_heap check_heap;   /* every small slot of check mode */
size_t hg_check_redzone;
struct findings hg_check_pending;
size_t hg_check_evict_above;

/* The work of check mode's entry points: where the stubs run the call on the side stack
 * (wipe.h), the entry points' frames are there too, so it may be inlined into them;
 * elsewhere each entry point wipes only below its own frame, and the work keeps its own
 * (scrub_stack).
 * (bugs/bug_leak_thread_dead_stack: with check_realloc inlined and no stubs, gcc kept
 * the new block's address in the entry point's frame, "still reachable".) */
#if defined(HG_WIPE_STUBS)
#define HG_CHECK_WORK
#else
#define HG_CHECK_WORK HG_NOINLINE
#endif

void hg_check_lock(void) { hg_lock_inline(&hg_check_mutex); }
void hg_check_unlock(void) { hg_unlock_inline(&hg_check_mutex); }

/* ---- slots ------------------------------------------------------------------------------ */

/* A slot of at least `total` bytes aligned to `align`; its size in *raw, its span in
 * *span (a small span; NULL if not known: hg_blocks_insert looks it up) and its number
 * in that span in *idx (for the record: no division to find it again).  (Inlined: with
 * a second, cold caller, gcc made it a call with its prologue, every allocation.) */
static inline __attribute__((always_inline)) void *slot_alloc(size_t total, size_t align, size_t *raw,
                                                              struct hg_span **span, size_t *idx) {
  if (total <= HG_SMALL_MAX && align <= HG_PAGE) {
    for (unsigned c = hg_size_class(total); c < HG_NCLASSES; c++) {
      /* (align: a power of two; every class is a multiple of HG_ALIGNMENT) */
      if (align > HG_ALIGNMENT && (hg_classes[c].size & (align - 1))) continue;
      *raw = hg_classes[c].size;
      /* (hg_heap_alloc_in, its fast path here: the slot is then the current span's;
       * hg_span_take_bits with the slot's number kept.) */
      struct hg_span *s = check_heap.cur[c];
      uint64_t *word = hg_span_cur_word(s), bits = *word;
      if (hg_likely(bits)) {
        size_t i = hg_lowest_bit(bits);
        *word = hg_bit_clear(bits, i);
        s->left++;
        *span = s;
        *idx = ((uintptr_t)word - (uintptr_t)s->free_bits) * 8 + i;
        char *p = s->word_base + (uint32_t)((uint32_t)i * s->bsize);
        if (!p) __builtin_unreachable();   /* (a span's: no test for NULL follows) */
        return p;
      }
      char *p = hg_heap_refill(&check_heap, hg_classes[c].size);
      /* The slot came from the class's current span (the one refilled); checked, not
       * assumed. */
      s = check_heap.cur[c];
      *span = p && s->kind == HG_SPAN_SMALL && (size_t)(p - s->base) < s->nblocks * s->bsize ? s : NULL;
      if (*span) *idx = hg_span_slot(s, (size_t)(p - s->base));
      return p;
    }
  }
  *span = NULL;
  size_t npages = (total + HG_PAGE - 1) >> HG_PAGE_SHIFT, align_pages = align > HG_PAGE ? align >> HG_PAGE_SHIFT : 1;
  struct hg_span *s = total >= hg_region_mapped_min() ? hg_region_alloc_mapped(npages, align_pages) : NULL;
  if (!s) s = hg_region_alloc(npages, align_pages, HG_SPAN_MEDIUM);
  if (!s) return NULL;
  s->base = (char *)s->start;
  s->size = total;
  *raw = npages << HG_PAGE_SHIFT;
  return s->base;
}

/* Give back slot, in span s (NULL: look it up). */
static inline void slot_free_in(struct hg_span *s, uintptr_t slot) {
  if (!s) s = hg_pagemap_get((void *)slot);
  if (s->kind == HG_SPAN_SMALL) hg_heap_free_local(&check_heap, s, (void *)slot);
  else if (s->own_mapping) hg_region_free_mapped(s);
  else hg_region_free_medium(s, (void *)slot);
}

/* The same, for a slot whose record said its number in its span, idx (the record's
 * index less 1: a small span's records are indexed by slot number, blocks.h): no
 * division to find it (hg_heap_free_local's, about 5 instructions a block leaving the
 * quarantine). */
static inline void slot_free_at(struct hg_span *s, uintptr_t slot, size_t idx) {
  if (hg_likely(s && s->kind == HG_SPAN_SMALL)) {
    HG_ASSERT(s->owner == &check_heap && idx < s->nblocks && (uintptr_t)s->base + idx * s->bsize == slot &&
              !hg_bit_test(s->free_bits[idx >> 6], idx));
    s->free_bits[idx >> 6] = hg_bit_set(s->free_bits[idx >> 6], idx);
    if (hg_unlikely(--s->left == 0)) hg_heap_span_adjust(&check_heap, s);
    return;
  }
  slot_free_in(s, slot);
}

static void slot_free(uintptr_t slot) { slot_free_in(NULL, slot); }

/* ---- quarantine: a FIFO ring of slots, bounded by the bytes it holds ------------------- */

/* The ring holds the quarantined blocks' records (records never move), oldest first. */
static struct hg_block **ring;
static size_t ring_cap, ring_head, ring_len, quarantined_bytes;
static size_t quarantined_guarded;   /* guarded blocks in the ring (their mappings count) */

/* What a quarantined block costs: its slot, its record and its place in the ring.  For
 * a guarded slot, the address space (its pages are given back to the kernel) with the
 * guard page. */
static size_t quarantine_cost(const struct hg_block *b) {
  return b->raw + sizeof(struct hg_block) + sizeof *ring +
         (b->flags & HG_BLOCK_GUARDED ? HG_PAGE : 0);
}

/* The ring grows by doubling with mremap (its pages move, they are not copied and
 * faulted in again); the entries that had wrapped around to its start follow the old
 * end. */
bool hg_check_holds(uintptr_t a) {
  return (ring && a - (uintptr_t)ring < ring_cap * sizeof *ring) || hg_blocks_holds(a) || hg_stack_holds(a);
}

static bool ring_push(struct hg_block *b) {
  if (ring_len == ring_cap) {
    size_t cap = ring_cap ? ring_cap * 2 : 4096;
    struct hg_block **r = ring ? hg_os_remap(ring, ring_cap * sizeof *r, cap * sizeof *r)
                               : hg_os_map(cap * sizeof *r);
    if (!r) return false;
    hg_os_huge_pages(r, cap * sizeof *r);   /* once it holds a whole huge page */
    if (ring_head) memcpy(r + ring_cap, r, ring_head * sizeof *r);
    ring = r;
    ring_cap = cap;
  }
  ring[(ring_head + ring_len++) & (ring_cap - 1)] = b;
  return true;
}

/* The next blocks to leave the quarantine will be read (their records, their poison),
 * and they were freed long ago: start bringing them into the cache now, while the
 * program runs and the next calls capture their stacks.  In two steps, each asked for
 * as a block leaves (evict): the record and the slot's first two lines of the entry
 * PREFETCH_AHEAD from the head, then, PREFETCH_AHEAD - PREFETCH_WHOLE blocks later
 * (its record came meanwhile), the rest of its poison, up to PREFETCH_BYTES (the
 * hardware prefetcher follows longer runs): each block is a short run of its own, on
 * which the read-back would otherwise wait for one miss after another.  Every entry
 * passes both places once as the head moves a block at a time, so none is asked for
 * twice, and no count of what was asked for is kept (it was about 20 instructions of
 * every free); the entries already within PREFETCH_AHEAD of the head when the
 * quarantine first fills are not asked for. */
#define PREFETCH_AHEAD 8
#define PREFETCH_WHOLE 4
#define PREFETCH_BYTES 4096

#define PREFETCH_SPAN 2

static inline void prefetch_span(const struct hg_block *b) {
  const struct hg_span *s = (const struct hg_span *)(b - b->index)->user_hidden;
  if (!s) return;
  __builtin_prefetch(s, 1);
  __builtin_prefetch(&s->free_bits[((b->index - 1) >> 6) & (HG_SPAN_WORDS - 1)], 1);
}

static inline void prefetch_record(const struct hg_block *b) {
  __builtin_prefetch(b, 1);
  __builtin_prefetch((const char *)(b + 1) - 1, 1);   /* a record may span two lines */
}

/* (With the poison, the record's array header, which release reads and writes; then,
 * PREFETCH_SPAN from the head, the span descriptor the header names: with the blocks of
 * many spans in the quarantine, each was a miss of its own as the block left.) */
static inline void prefetch_poison(const struct hg_block *b) {
  __builtin_prefetch(b - b->index, 1);
  if (b->flags & HG_BLOCK_GUARDED) return;
  size_t n = b->raw < PREFETCH_BYTES ? b->raw : PREFETCH_BYTES;
  for (size_t off = 0; off < n; off += 64) __builtin_prefetch((const char *)b->slot + off);
}

static HG_NOINLINE void release_special(struct hg_block *b) {
  uintptr_t slot = b->slot;
  size_t raw = b->raw;
  bool guarded = b->flags & HG_BLOCK_GUARDED;
  /* Pages the kernel would not make accessible again (out of mappings): the slot is
   * never reused, its record goes. */
  bool lost = (b->flags & HG_BLOCK_PROTECTED) && !hg_protect_release(b);
  struct hg_span *s = hg_blocks_erase(b);
  if (lost) return;
  if (guarded) hg_guard_unmap(slot, raw);
  else slot_free_in(s, slot);
}

/* A block leaves the quarantine: its record and its slot go.  (The common block, a
 * slot neither guarded nor protected, in a few registers: with the others' work in
 * the same frame it took five callee-saved registers.) */
static void release(struct hg_block *b) {
  /* (The last record of its array too: hg_blocks_erase's call for it would need the
   * slot and its number kept in callee-saved registers, every block.) */
  if (hg_unlikely((b->flags & (HG_BLOCK_PROTECTED | HG_BLOCK_GUARDED)) || hg_blocks_erase_is_last(b))) {
    release_special(b);
    return;
  }
  uintptr_t slot = b->slot;
  size_t idx = b->index - 1;
  slot_free_at(hg_blocks_erase(b), slot, idx);
}

void hg_check_quarantined(struct hg_check_quarantined *q) {
  *q = (struct hg_check_quarantined){ 0 };
  hg_lock_inline(&hg_check_mutex);
  for (size_t i = 0; i < ring_len; i++) {
    const struct hg_block *b = ring[(ring_head + i) & (ring_cap - 1)];
    if (b->state != HG_BLOCK_FREED || (b->flags & HG_BLOCK_GUARDED)) continue;
    const struct hg_span *s = hg_pagemap_get((const void *)b->slot);
    if (!s) continue;
    if (s->kind == HG_SPAN_SMALL) {
      q->small_bytes += s->bsize;
      q->small_blocks++;
    } else if (s->kind == HG_SPAN_MEDIUM && !s->own_mapping) {
      q->medium_bytes += hg_span_bytes(s);
      q->medium_requested += s->size;
      q->medium_blocks++;
    }
  }
  hg_unlock_inline(&hg_check_mutex);
}

/* Let blocks leave the quarantine until it holds at most `limit` bytes, verifying
 * each; stop early when the findings are full (the rest leave on a later call).
 * (Inlined, as slot_alloc: drain is its other caller.) */
static inline __attribute__((always_inline)) void evict(size_t limit, struct findings *fs, hg_stack_t where,
                                                        enum hg_api where_api) {
  /* (guard.c's limit is asked only while guarded blocks are held: it was a call every free.) */
  while (ring_len && (quarantined_bytes > limit ||
                      (quarantined_guarded && quarantined_guarded > hg_guard_quarantine_max())) &&
         room(fs)) {
    struct hg_block *const *r = ring;
    size_t mask = ring_cap - 1, head = ring_head, len = ring_len - 1;
    struct hg_block *b = r[head];
    head = (head + 1) & mask;
    ring_head = head;
    ring_len = len;
    if (len >= PREFETCH_AHEAD) prefetch_record(r[(head + PREFETCH_AHEAD - 1) & mask]);
    if (len >= PREFETCH_WHOLE) prefetch_poison(r[(head + PREFETCH_WHOLE - 1) & mask]);
    if (len >= PREFETCH_SPAN) prefetch_span(r[(head + PREFETCH_SPAN - 1) & mask]);
    if (b->state != HG_BLOCK_FREED) continue;   /* cannot happen: the ring owns it */
    quarantined_bytes -= quarantine_cost(b);
    if (b->flags & HG_BLOCK_GUARDED) quarantined_guarded--;
    check_freed(b, fs, where, where_api, "when the block left the quarantine");
    release(b);
  }
}

/* Out of memory or address space: every block in the quarantine leaves (verified, as
 * it would have been later), so that its memory can be reused: a program that frees
 * and allocates again under a limit (ulimit -v, RLIMIT_AS, RLIMIT_DATA) works as it
 * does with glibc's malloc, at the cost of catching late writes to those blocks.
 * Whatever the size asked for: the kernel's headroom is not known, so neither is the
 * part of a request the quarantine's memory must supply (96 MiB of headroom filled
 * with blocks, all freed, 64 MiB of them quarantined: a request of 88 MiB needs both).
 * Lock held (released and taken again to
 * report what was found when the findings fill up); the rest are left pending.  False
 * if nothing left. */
static bool drain(hg_stack_t where, enum hg_api api) {
  if (!ring_len || hg_check_evict_above == SIZE_MAX) return false;
  for (;;) {
    evict(0, &hg_check_pending, where, api);
    if (!ring_len) return true;
    hg_check_report_pending(false);
    hg_lock_inline(&hg_check_mutex);
    /* (Its findings wait for a report to end, and have no more room: the rest stay.) */
    if (hg_check_evict_above == SIZE_MAX) return true;
  }
}

/* Freed block b (user address p) enters the quarantine: poisoned, or, if large,
 * protected (protect.h) with only the bytes around its inaccessible pages poisoned. */
static void poison(struct hg_block *b, char *p) {
  uintptr_t lo, hi, end = (uintptr_t)p + poisoned_bytes(b);
  if (!hg_protect_freed(b)) {
    fill(p, HG_CHECK_FREED_BYTE, end - (uintptr_t)p);
    return;
  }
  hg_protect_range(b, &lo, &hi);
  fill(p, HG_CHECK_FREED_BYTE, lo - (uintptr_t)p);
  fill((void *)hi, HG_CHECK_FREED_BYTE, end - hi);
}

/* ---- the allocation functions ------------------------------------------------------------- */

/* Guard mode: a block from malloc, calloc or realloc may be aligned to its size's
 * largest power-of-two divisor only (guard.h); the memalign family's get theirs.  So
 * may operator new's below 16 bytes, but from 16 on it gets 16: C++ compilers take
 * __STDCPP_DEFAULT_NEW_ALIGNMENT__ (16) as given for an object that big (clang -O2
 * zeroes a new 24- or 40-byte object with movaps, which faults on an address off 16),
 * so the up to 15 bytes between such a block and its guard page are slack, checked at
 * free as any other. */
static bool natural_alignment(enum hg_api api, size_t n) {
  if (api == HG_API_NEW || api == HG_API_NEW_ARRAY) return n < HG_ALIGNMENT;
  return api == HG_API_MALLOC || api == HG_API_CALLOC || api == HG_API_REALLOC;
}

/* calloc's zeroing of block [user, user + n) in slot.  A medium span's pages fresh from
 * the kernel (never used or purged since) read as zero already; a big block's other
 * whole pages are given back to the kernel (they read as zero) rather than written.
 * glibc's calloc of a large block is a fresh mapping that costs nothing until used;
 * writing it here made a calloc of 16 GiB take 30 s and 16 GiB of memory. */
static void zero_block(char *user, size_t n, const void *slot, bool guarded) {
  const struct hg_span *s = guarded ? NULL : hg_pagemap_get(slot);
  if (s && s->kind == HG_SPAN_MEDIUM && s->zeroed) return;
  if (n >= HG_MiB) {
    uintptr_t a = hg_align_up((uintptr_t)user, HG_PAGE), e = ((uintptr_t)user + n) & ~(HG_PAGE - 1);
    if (hg_os_decommit((void *)a, e - a)) {
      memset(user, 0, a - (uintptr_t)user);
      memset((void *)e, 0, (uintptr_t)user + n - e);
      return;
    }
  }
  memset(user, 0, n);
}

/* sampled: sampled guard mode (a guarded slot or nothing).  stack: the caller's,
 * captured by the entry point.  guardable: guard mode may be on (false: the caller
 * knows it is off, and the guarded slot's locals fold away). */
static inline __attribute__((always_inline)) void *check_alloc_inline(size_t n, size_t align, enum hg_api api,
                                                                      bool zero, bool sampled, bool guardable,
                                                                      hg_stack_t stack) {
  uint8_t asked = (uint8_t)(align ? __builtin_ctzl(align) : 0);   /* (a power of two) */
  if (align < HG_ALIGNMENT) align = HG_ALIGNMENT;
  /* (R is a multiple of HG_ALIGNMENT: malloc's left redzone is R, a constant's fold.) */
  size_t left = align <= HG_ALIGNMENT ? hg_check_redzone : hg_align_up(hg_check_redzone, align);
  /* left + R cannot overflow (R <= 4096, align a power of two); n > HG_MAX_REQUEST makes
   * total wrap below n or exceed it. */
  size_t total = left + hg_check_redzone + n;
  if (hg_unlikely(total < n || total > HG_MAX_REQUEST)) {
    errno = ENOMEM;
    return NULL;
  }
  /* Guard mode: a mapping of the block's own, made outside the lock; when none can be
   * made now, a slot with redzones as in check mode. */
  /* The guarded slot's fields are locals, set only in guard mode (and sampled): check
   * mode's path neither clears a struct in memory (its address goes to hg_guard_map)
   * nor reads one back (8 instructions of every malloc). */
  uintptr_t g_slot = 0, g_user = 0;
  size_t g_raw = 0;
  enum hg_guard_refusal refused = HG_GUARD_MADE;
  bool guarded = false;
  if (sampled || (guardable && hg_guard_on)) {
    struct hg_guard_slot g = { 0, 0, 0, HG_GUARD_MADE };
    guarded = hg_guard_map(n, align, natural_alignment(api, n), &g);
    if (sampled && !guarded) return NULL;
    if (!guarded && g.refused == HG_GUARD_NO_MEMORY) {   /* the quarantine's, maybe */
      hg_lock_inline(&hg_check_mutex);
      bool drained = drain(stack, api);
      unlock_report();
      if (drained) guarded = hg_guard_map(n, align, natural_alignment(api, n), &g);
    }
    if (guarded) {
      g_slot = g.slot;
      g_user = g.user;
      g_raw = g.raw;
      /* The slot is this call's alone until its record is published under the lock, so
       * its redzones are written before: hg_check_heap() never sees it without them. */
      struct hg_block tmp = { .slot = g_slot, .raw = g_raw, .size = n, .flags = HG_BLOCK_GUARDED };
      uintptr_t lo, hi;
      redzone_bounds(&tmp, g_user, &lo, &hi);
      fill((void *)lo, HG_CHECK_REDZONE_BYTE, g_user - lo);
      fill((void *)(g_user + n), HG_CHECK_REDZONE_BYTE, hi - (g_user + n));
    } else {
      refused = g.refused;
    }
  }
  hg_lock_inline(&hg_check_mutex);
  size_t raw = g_raw;
  struct hg_span *span = NULL;
  size_t idx = 0;
  void *slot = guarded ? (void *)g_slot : slot_alloc(total, align, &raw, &span, &idx);
  struct hg_block *b = slot ? hg_blocks_insert((uintptr_t)slot, span, idx) : NULL;
  if (!b && !guarded && drain(stack, api)) {   /* no memory for a slot or its record */
    if (slot) slot_free((uintptr_t)slot);
    slot = slot_alloc(total, align, &raw, &span, &idx);
    b = slot ? hg_blocks_insert((uintptr_t)slot, span, idx) : NULL;
  }
  if (!b) {
    if (guarded) hg_guard_unmap(g_slot, g_raw);
    else if (slot) slot_free((uintptr_t)slot);
    unlock_report();
    errno = ENOMEM;
    return NULL;
  }
  char *user = guarded ? (char *)g_user : (char *)slot + left;
  /* Every field written once (hg_blocks_insert leaves them to its caller).  The
   * thread's serial and whether the allocator itself asked are read here, not before
   * the lock: kept across it, they were spilled to the stack and read back. */
  *b = (struct hg_block){
    .slot = (uintptr_t)slot,
    .user_hidden = ~(uintptr_t)user,
    .size = n,
    .raw = raw,
    .alloc_stack = stack,
    .alloc_thread = hg_likely(hg_leak_thread_serial) ? hg_leak_thread_serial : hg_leak_new_thread_serial(),
    .state = HG_BLOCK_LIVE,
    .flags = (uint8_t)((hg_stack_quiet ? HG_BLOCK_INTERNAL : 0) | (guarded ? HG_BLOCK_GUARDED : 0)),
    .alloc_api = (uint8_t)api,
    .free_api = asked,   /* a live block's alignment (blocks.h) */
    .index = b->index,
  };
  if (guarded) hg_stats_guarded(1, (ptrdiff_t)n, (ptrdiff_t)raw);   /* in no span (stats.h) */
  /* The redzones are written under the lock: a concurrent hg_check_heap() must never
   * see a block whose redzones are not yet in place.  (A guarded slot's are already.)
   * Up to a page's alignment, the left redzone is the slot's first bytes
   * (redzone_bounds). */
  if (!guarded) {
    uintptr_t lo = (uintptr_t)slot, hi = (uintptr_t)slot + raw;
    if (align > HG_PAGE) redzone_bounds(b, (uintptr_t)user, &lo, &hi);
    fill_redzone((void *)lo, (uintptr_t)user - lo);
    fill_redzone(user + n, hi - (uintptr_t)(user + n));
  }
  hg_unlock_inline(&hg_check_mutex);
  if (hg_unlikely(refused)) hg_guard_fell_back(refused);   /* (printed once) */
  if (zero) zero_block(user, n, slot, guarded);
  return user;
}

static HG_CHECK_WORK void *check_alloc(size_t n, size_t align, enum hg_api api, bool zero, bool sampled,
                                       hg_stack_t stack) {
  return check_alloc_inline(n, align, api, zero, sampled, true, stack);
}

/* The live block starting at p, or NULL with a finding about p (lock held).  hint:
 * hg_blocks_prefetch(p) (or NULL), taken at face value if it is that block's record. */
static HG_NOINLINE struct hg_block *live_block_slow(const void *p, enum hg_api op, hg_stack_t where,
                                                    struct findings *fs) {
  uintptr_t a = (uintptr_t)p, slot;
  struct hg_block *b = hg_blocks_lookup(a, &slot);
  if (b && hg_block_user(b) == a && b->state == HG_BLOCK_LIVE) return b;
  struct finding f = { .shape = F_BAD_POINTER, .op = op, .addr = a, .where = where, .where_api = op };
  if (b) {
    f.block = *b;
    if (hg_block_user(b) == a) f.shape = F_DOUBLE_FREE;
  }
  add(fs, f);
  return NULL;
}

/* (The hint's test inline: it is the common case, and live_block_slow's frame, with a
 * finding in it, is more stack for every call to wipe.) */
static inline struct hg_block *live_block(const void *p, enum hg_api op, hg_stack_t where,
                                          struct findings *fs, struct hg_block *hint) {
  if (hg_likely(hint && hg_block_user(hint) == (uintptr_t)p && hint->state == HG_BLOCK_LIVE)) return hint;
  return live_block_slow(p, op, where, fs);
}

/* (Apart: the finding it builds is more of check_free's frame, and stack to wipe.) */
static HG_NOINLINE void mismatch(const struct hg_block *b, void *p, enum hg_api api, hg_stack_t stack, size_t size,
                                 size_t align) {
  add(&hg_check_pending, (struct finding){ .shape = F_MISMATCH, .op = api, .addr = (uintptr_t)p, .block = *b,
                                           .where = stack, .where_api = api, .size = size, .align = align });
}

/* size, align: what a sized or aligned operator delete says of the block (check.h). */
static HG_CHECK_WORK void check_free(void *p, enum hg_api api, hg_stack_t stack, struct hg_block *hint,
                                     size_t size, size_t align) {
  struct findings *fs = &hg_check_pending;
  hg_lock_inline(&hg_check_mutex);
  struct hg_block *b = live_block(p, api, stack, fs, hint);
  if (b) {
    /* The wrong function for the block: reported, and freed all the same (Valgrind's
     * way: the program goes on as if the right one had been called). */
    if (hg_unlikely(!hg_check_dealloc_fits(b, api, size, align))) mismatch(b, p, api, stack, size, align);
    check_redzones(b, fs, stack, api, NULL);
    b->state = HG_BLOCK_FREED;
    b->free_stack = stack;
    b->free_api = (uint8_t)api;
    bool guarded = b->flags & HG_BLOCK_GUARDED;
    if (guarded) hg_stats_guarded(-1, -(ptrdiff_t)b->size, -(ptrdiff_t)b->raw);
    /* Held unless too big (or, below, no memory for the ring): then gone at once. */
    bool hold = b->raw <= hg_opt.quarantine / 4;
    if (hold && guarded) {
      if (hg_guard_sampling && hg_check_pending.n == 0) {
        /* Sampled mode: the slot's mprotect, the dearest part of a sampled free (one
         * to 40 us with other threads running: it flushes their TLBs), is made outside
         * the lock, which other threads' samples wait for.  The record, marked freed,
         * stays where it is meanwhile (records never move, and only the quarantine
         * releases a freed one): a second free of p is reported as before. */
        uintptr_t slot = b->slot;
        size_t raw = b->raw;
        hg_unlock_inline(&hg_check_mutex);
        hold = hg_guard_retire(slot, raw);
        hg_lock_inline(&hg_check_mutex);
      } else {
        hold = hg_guard_retire(b->slot, b->raw);
      }
    }
    if (!hold || !ring_push(b)) {
      release(b);
    } else {
      if (guarded) quarantined_guarded++;
      else poison(b, p);
      quarantined_bytes += quarantine_cost(b);
      evict(hg_check_evict_above, fs, stack, api);
    }
  }
  unlock_report();
}

/* A realloc's new block of a medium span fresh from the kernel, whose pages the region
 * did not fault in (it does up to 256 KiB: region.c), has [q, q + copy) written at
 * once by the copy: those pages are faulted in by one call rather than a fault each
 * (wl_realloc's vectors of 256 KiB to 1 MiB: about 4,000 faults of its 10,600).  Its
 * other pages are left to fault in on use, as glibc's would. */
#define POPULATE_COPY_MIN (256 * HG_KiB)
static HG_NOINLINE void populate_copy(uintptr_t q, size_t copy) {
  const struct hg_span *s = hg_pagemap_get((void *)q);
  if (!s || s->kind != HG_SPAN_MEDIUM || !s->zeroed) return;
  uintptr_t from = hg_align_up(q, HG_PAGE), to = hg_align_up(q + copy, HG_PAGE);
  hg_os_populate((void *)from, to - from);
}

/* One stack for the whole call: the new block's allocation and the old one's free
 * happen at the same place. */
static HG_CHECK_WORK void *check_realloc(void *p, size_t n, hg_stack_t stack, struct hg_block *hint) {
  if (!p) return check_alloc(n, HG_ALIGNMENT, HG_API_REALLOC, false, false, stack);
  if (n == 0) {   /* glibc: frees the block and returns NULL */
    check_free(p, HG_API_REALLOC, stack, hint, HG_SIZE_UNSAID, 0);
    return NULL;
  }
  hg_lock_inline(&hg_check_mutex);
  struct hg_block *b = live_block(p, HG_API_REALLOC, stack, &hg_check_pending, hint);
  size_t old = b ? b->size : 0;
  unlock_report();
  if (!b) {
    /* Reported with the caller's stack; the block is left alone, as glibc would have
     * aborted: the program gets NULL, as from a failed realloc. */
    errno = ENOMEM;
    return NULL;
  }
  /* Always move: a pointer kept to the old place is then a use after free.  (So do
   * Valgrind's memcheck and AddressSanitizer.) */
  void *q = check_alloc(n, HG_ALIGNMENT, HG_API_REALLOC, false, false, stack);
  if (!q) return NULL;
  size_t copy = old < n ? old : n;
  if (copy >= POPULATE_COPY_MIN && hg_os_populating) populate_copy((uintptr_t)q, copy);
  memcpy(q, p, copy);
  check_free(p, HG_API_REALLOC, stack, b, HG_SIZE_UNSAID, 0);   /* (b: checked again under the lock) */
  return q;
}

static size_t check_usable_size(const void *p, enum hg_api api) {
  hg_lock_inline(&hg_check_mutex);
  struct hg_block *b = live_block(p, api, 0, &hg_check_pending, NULL);
  size_t n = b ? b->size : 0;
  if (b) hg_unlock_inline(&hg_check_mutex);
  else hg_check_report_pending(true);
  return n;
}

/* The entry points leave nothing of the program's on the stack (wipe.h): copies of
 * block addresses left in dead stack memory (the program's registers saved by check
 * mode's frames) would be picked up by the leak scan at exit, in live frames made
 * later or in the stacks of other threads, which are scanned whole, and make leaked
 * blocks look reachable.  On x86-64 the stub in front of the function the program
 * called runs the call on the thread's side stack, which the scan does not read.  Elsewhere each
 * entry point wipes the stack its work used below it (a call that needed libunwind
 * wipes its deeper use itself: stack.c); its own frame is not wiped (the wipe is a
 * call below it), so the work is never inlined into one (HG_CHECK_WORK).  What the
 * frames above it saved stays there: the false negative the stubs are for
 * (bugs/bug_leak_register). */
#if defined(HG_WIPE_STUBS)
static inline void scrub_stack(void) {}
#else
static HG_NOINLINE void scrub_stack(void) {
  char *area = __builtin_alloca(hg_wipe_bytes);
  memset(area, 0, hg_wipe_bytes);
  __asm__ volatile("" : : "r"(area) : "memory");   /* the stores must happen */
}
#endif

/* The entry points keep errno as the program left it unless they fail (a NULL from
 * an allocation: ENOMEM): the stack walk may set it (libunwind's memory checks read an
 * empty pipe, EAGAIN), and glibc's calls leave it alone when they succeed. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
/* errno's offset from the thread pointer: the C library's errno is initial-exec TLS,
 * at the same offset in every thread, so an entry point reaches it in one load, not a
 * call of __errno_location (6 instructions a pair).  Set by hg_check_init: for check
 * mode's calls only (sampled guard mode's use errno). */
static ptrdiff_t errno_offset;
#define ERRNO (*(int *)((char *)__builtin_thread_pointer() + errno_offset))
#define ERRNO_INIT() (errno_offset = (char *)&errno - (char *)__builtin_thread_pointer())
#else
#define ERRNO errno
#define ERRNO_INIT() ((void)0)
#endif
void *hg_check_alloc(size_t n, size_t align, enum hg_api api, bool zero) {
  int saved = ERRNO;
  void *p = check_alloc(n, align, api, zero, false, hg_stack_capture_at(__builtin_frame_address(0)));
  scrub_stack();
  if (p) ERRNO = saved;
  return p;
}

/* malloc's check_alloc, its arguments constants (HG_CHECK_WORK: see above). */
static HG_CHECK_WORK void *check_malloc(size_t n, hg_stack_t stack) {
  /* (Guard mode's path apart: its locals, kept across the lock, were about 8
   * instructions of check mode's malloc.) */
  if (hg_unlikely(hg_guard_on)) return check_alloc(n, HG_ALIGNMENT, HG_API_MALLOC, false, false, stack);
  return check_alloc_inline(n, HG_ALIGNMENT, HG_API_MALLOC, false, false, false, stack);
}

/* Whether this thread is inside a check-mode call (sampled guard mode: a sampled
 * block's allocation or any block's free) — then a request here came from a signal
 * handler that interrupted it, and sampling it would wait for a lock the thread holds
 * (lock.h): it is left to the default allocator. */
static __thread unsigned inside;

void *hg_check_alloc_sampled(size_t n, enum hg_api api) {
  if (inside) return NULL;
  int saved = errno;
  inside++;
  void *p = check_alloc(n, HG_ALIGNMENT, api, false, true,
                        hg_stack_capture_at(__builtin_frame_address(0)));
  inside--;
  errno = saved;
  return p;
}

size_t hg_check_block_size(const void *p, enum hg_api api) { return check_usable_size(p, api); }

/* (Inline in each entry point: the stack is captured from the entry point's frame.)
 * sampling: sampled guard mode's call, counted in `inside` (hg_check_alloc_sampled);
 * check mode never samples (divert_free). */
static inline __attribute__((always_inline)) void free_entry(void *p, enum hg_api api, size_t size,
                                                             size_t align, struct hg_block *hint,
                                                             bool sampling) {
  int saved = sampling ? errno : ERRNO;
  if (sampling) inside++;
  check_free(p, api, hg_stack_capture_at(__builtin_frame_address(0)), hint, size, align);
  if (sampling) inside--;
  scrub_stack();
  if (sampling) errno = saved;
  else ERRNO = saved;
}

/* The block's record, freed or not, is usually out of the cache: asked for first, it
 * comes while the stack is walked (hint: hg_blocks_prefetch's). */
void hg_check_free(void *p, enum hg_api api) {
  free_entry(p, api, HG_SIZE_UNSAID, 0, hg_blocks_prefetch((uintptr_t)p), true);
}

void hg_check_delete(void *p, enum hg_api api, size_t size, size_t align) {
  free_entry(p, api, size, align, hg_blocks_prefetch((uintptr_t)p), true);
}

void *hg_check_realloc(void *p, size_t n) {
  struct hg_block *hint = hg_blocks_prefetch((uintptr_t)p);
  int saved = ERRNO;
  void *q = check_realloc(p, n, hg_stack_capture_at(__builtin_frame_address(0)), hint);
  scrub_stack();
  if (q || n == 0) ERRNO = saved;   /* realloc(p, 0) frees p and returns NULL */
  return q;
}

size_t hg_check_usable_size(const void *p) {
  int saved = errno;
  size_t n = check_usable_size(p, HG_API_USABLE_SIZE);
  scrub_stack();
  errno = saved;
  return n;
}

/* ---- process life ------------------------------------------------------------------------------ */

#if defined(__has_attribute)
#if __has_attribute(zero_call_used_regs)
#define HG_ZERO_USED_REGS __attribute__((zero_call_used_regs("used-gpr")))
#endif
#endif
#ifndef HG_ZERO_USED_REGS
#define HG_ZERO_USED_REGS
#endif

/* The block's address leaves in rax alone: a copy gcc kept in another call-used
 * register would stay in the program's registers after the call (the stubs keep the
 * stack apart, not registers) until overwritten, and the leak scan of a crash reads them: a
 * block lost just before read "still reachable" (bugs/bug_crash_null, at -O0). */
HG_ZERO_USED_REGS void *hg_check_malloc(size_t n) {
  int saved = ERRNO;
  void *p = check_malloc(n, hg_stack_capture_at(__builtin_frame_address(0)));
  scrub_stack();
  if (p) ERRNO = saved;
  return p;
}
/* (free() has found p's span: not looked up again for the record's hint.) */
static void divert_free(void *p, struct hg_span *s) {
  free_entry(p, HG_API_FREE, HG_SIZE_UNSAID, 0, hg_blocks_prefetch_in(s, (uintptr_t)p), false);
}
static const struct hg_heap_divert check_divert = { hg_check_malloc, divert_free };

void hg_check_init(void) {
  size_t r = hg_opt.redzone < 16 ? 16 : hg_opt.redzone > 4096 ? 4096 : hg_opt.redzone;
  hg_check_redzone = hg_align_up(r, 16);
  hg_blocks_user_offset = hg_align_up(hg_check_redzone, HG_ALIGNMENT);
  size_t depth = hg_opt.stack_depth < HG_STACK_MAX_DEPTH ? hg_opt.stack_depth : HG_STACK_MAX_DEPTH;
  hg_wipe_init(depth);
  ERRNO_INIT();
  hg_heap_init_private(&check_heap);
  hg_check_init_quarantine();
  hg_check_on = true;
  hg_heap_divert = &check_divert;
}
