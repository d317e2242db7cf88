/* blocks.h — check mode's table of blocks: one record per block handed out and not yet
 * gone from the quarantine.
 *
 * A record is keyed by the block's slot: the start of the underlying allocation (a
 * small slot or a medium span), which holds, in order, the left redzone, the user's
 * bytes and the right redzone.  The records are out of band (mmap'd), so no overflow
 * can reach them: one array per span, indexed by slot number, found through the page
 * map (span->check_records); guarded slots (guard.h) through a hash table.  Records
 * never move.  User addresses are stored complemented: the leak scan reads every
 * writable mapping as possible roots, and the table must not make every block look
 * reachable.
 *
 * The caller (check.c) serialises every call with its lock. */
#ifndef HG_BLOCKS_H
#define HG_BLOCKS_H

#include <string.h>

#include "internal.h"
#include "span.h"
#include "stack.h"

enum hg_block_state { HG_BLOCK_LIVE = 1, HG_BLOCK_FREED };
enum hg_block_flag {
  HG_BLOCK_INTERNAL = 1,   /* allocated by heapguard itself (symboliser): never a leak */
  HG_BLOCK_REPORTED = 16,  /* its corruption was reported: not again */
  HG_BLOCK_GUARDED = 32,   /* in a guarded slot (guard.h); freed: inaccessible */
  HG_BLOCK_PROTECTED = 64, /* freed, quarantined, its whole pages PROT_NONE (protect.h) */
  /* 2, 4, 8 and 128: the leak scan's marks (leak.c), here in a process that did not
   * come from fork(); a fork child keeps them in a table of its own (written into the
   * records, they made it copy every page of records it shares with its parent). */
};

struct hg_block {
  uintptr_t slot;          /* key; 0: empty entry */
  uintptr_t user_hidden;   /* ~user address */
  size_t size;             /* bytes asked for */
  size_t raw;              /* bytes of the slot */
  hg_stack_t alloc_stack;
  union {
    hg_stack_t free_stack;   /* freed: where */
    uint32_t alloc_thread;   /* live: the allocating thread's serial (check.c), which
                                tells a fork child's leak scan the parent's other
                                threads' blocks */
  };
  uint8_t state, flags;
  uint8_t alloc_api, free_api;   /* index into hg_check_api_names; while the block
                                    lives, free_api holds log2 of the alignment it
                                    was asked for (hg_block_align) */
  uint32_t index;          /* 1 + its place in its array (blocks.c): the array's header
                              is this record less `index` */
};

static inline uintptr_t hg_block_user(const struct hg_block *b) { return ~b->user_hidden; }
/* The alignment live block b was asked for (a sized, aligned delete must say it). */
static inline size_t hg_block_align(const struct hg_block *b) { return (size_t)1 << b->free_api; }

struct hg_block *hg_blocks_find(uintptr_t slot);
/* A new record for slot, or NULL if the table cannot grow: its key and index set, its
 * other fields the caller's to write, every one (zero: a record is zeroed when erased).
 * span: the span slot is in, if the caller knows it (it then needs no page map lookup),
 * else NULL. */
struct hg_block *hg_blocks_insert_slow(uintptr_t slot, struct hg_span *span);
extern HG_HIDDEN size_t hg_blocks_live;       /* records in use */
extern HG_HIDDEN size_t hg_blocks_inserted;   /* records ever added (hg_blocks_inserts) */
/* (Inline for a small slot whose span has its records already, every allocation but a
 * span's first: the call and its frame were about 15 instructions.) */
/* Record 1 + idx of array a (a[0] is its header), taken for slot: counted, its key and
 * index set, its other fields left to the caller to write (hg_blocks_insert). */
static inline struct hg_block *hg_blocks_take(struct hg_block *a, size_t idx, uintptr_t slot) {
  struct hg_block *r = &a[1 + idx];
  r->slot = slot;
  r->index = (uint32_t)(1 + idx);
  a->raw++;
  hg_blocks_live++;
  hg_blocks_inserted++;
  return r;
}
/* span: NULL, or the small span slot is in, slot number idx (the caller found both). */
static inline struct hg_block *hg_blocks_insert(uintptr_t slot, struct hg_span *span, size_t idx) {
  if (hg_likely(span != NULL)) {
    HG_ASSERT(span->kind == HG_SPAN_SMALL && idx < span->nblocks && (uintptr_t)span->base + idx * span->bsize == slot);
    struct hg_block *a = span->check_records;
    /* (a's header names span: blocks.c) */
    if (hg_likely(a != NULL)) return hg_blocks_take(a, idx, slot);
  }
  return hg_blocks_insert_slow(slot, span);
}
/* Erase a record; returns the span its slot is in (NULL for a guarded slot), for the
 * caller to give the slot back without looking it up again.  Inline but for the
 * array's last record (its array goes): every block leaving the quarantine erases one. */
struct hg_span *hg_blocks_erase_last(struct hg_block *b);
static inline bool hg_blocks_erase_is_last(const struct hg_block *b) { return (b - b->index)->raw == 1; }
static inline struct hg_span *hg_blocks_erase(struct hg_block *b) {
  struct hg_block *a = b - b->index;   /* the array's header (blocks.c) */
  if (hg_unlikely(a->raw == 1)) return hg_blocks_erase_last(b);
  a->raw--;
  hg_blocks_live--;
  memset(b, 0, sizeof *b);
  return (struct hg_span *)a->user_hidden;
}
size_t hg_blocks_count(void);
/* Records added so far (each insert counts): unchanged between two moments, no block
 * appeared in between (the leak scan's use of the verify's list: check.h). */
size_t hg_blocks_inserts(void);

/* Iteration: entries 0 .. capacity-1, skipping empty ones (slot == 0).  Capacity (the
 * records ever handed out, empty ones included) only grows, and records never move. */
#define HG_BLOCKS_CHUNK_SHIFT 16   /* a full chunk: 64 Ki records, 3 MiB */
#define HG_BLOCKS_FIRST_SHIFT 12   /* the first: 4 Ki records, 192 KiB */
extern HG_HIDDEN struct hg_block *hg_blocks_chunks[];
size_t hg_blocks_capacity(void);
/* Chunk k's first index and its size (records): the first 64 Ki indices are chunks of
 * 4, 4, 8, 16, 32 Ki (a table that grows by doubling, mapped as it is needed: a
 * first chunk of 3 MiB was address space a program under RLIMIT_AS could not use),
 * then chunks of 64 Ki each. */
static inline size_t hg_blocks_chunk_start(size_t k) {
  const unsigned d = HG_BLOCKS_CHUNK_SHIFT - HG_BLOCKS_FIRST_SHIFT;   /* 4 */
  if (k == 0) return 0;
  if (k <= d) return (size_t)1 << (HG_BLOCKS_FIRST_SHIFT + k - 1);
  return (k - d) << HG_BLOCKS_CHUNK_SHIFT;
}
static inline size_t hg_blocks_chunk_records(size_t k) {
  return hg_blocks_chunk_start(k + 1) - hg_blocks_chunk_start(k);
}
static inline struct hg_block *hg_blocks_at(size_t i) {
  const unsigned d = HG_BLOCKS_CHUNK_SHIFT - HG_BLOCKS_FIRST_SHIFT;
  size_t k;
  if (i >> HG_BLOCKS_CHUNK_SHIFT) k = (i >> HG_BLOCKS_CHUNK_SHIFT) + d;
  else if (i >> HG_BLOCKS_FIRST_SHIFT) k = (size_t)(63 - __builtin_clzll(i)) - HG_BLOCKS_FIRST_SHIFT + 1;
  else k = 0;
  return &hg_blocks_chunks[k][i - hg_blocks_chunk_start(k)];
}

/* Iteration by array: the array headed by record i (0 first, then each *next), whose
 * records end before record *next; its slots lie in [*lo, *hi), its span's pages:
 * both 0 if no record of it is in use, 0 and UINTPTR_MAX if unknown (a guarded slot's
 * array).  The chunks' unused tails are arrays of no record. */
void hg_blocks_array(size_t i, size_t *next, uintptr_t *lo, uintptr_t *hi);

/* Record b's number (hg_blocks_at(hg_blocks_number(b)) == b): its place in its chunk,
 * found by address among the chunks, the last (largest) first. */
size_t hg_blocks_number(const struct hg_block *b);

/* Whether address a is in the table's own memory, its records or the guarded slots' hash
 * table (the leak scan skips it: it holds no pointer of the program's). */
bool hg_blocks_holds(uintptr_t a);

/* Where a block usually starts in its slot (check mode's left redzone): a lookup of
 * that address needs no division. */
extern HG_HIDDEN size_t hg_blocks_user_offset;

/* The slot of the allocator's memory holding address a (a small slot, a medium span's
 * start, or a guarded slot: guard.h), or 0 if a is not in a block-holding page. */
uintptr_t hg_blocks_slot_of(uintptr_t a);

/* The record of the slot holding address a (hg_blocks_slot_of, then hg_blocks_find, in
 * one look at the page map), or NULL; the slot in *slot (0 if none). */
struct hg_block *hg_blocks_lookup(uintptr_t a, uintptr_t *slot);

/* Start bringing the record of the block starting at address a into the cache,
 * without a lock (it reads what it finds, and touches nothing), and return it, or NULL:
 * a hint only.  Records never move and are zeroed when erased, so a record found there
 * later under the lock, live and with user address a, is that block's (no lookup). */
struct hg_block *hg_blocks_prefetch(uintptr_t a);
/* The same, knowing a's span from the page map (hg_pagemap_get(a): free() has looked
 * it up already, and check mode's divert is handed it).  Inline: every free calls it. */
static inline struct hg_block *hg_blocks_prefetch_in(const struct hg_span *s, uintptr_t a) {
  if (!s) return NULL;
  struct hg_block *r = s->check_records;
  if (!r) return NULL;
  if (s->kind == HG_SPAN_SMALL) {
    size_t idx = hg_span_slot(s, a - (uintptr_t)s->base - hg_blocks_user_offset);
    if (idx >= s->nblocks || idx >= HG_SPAN_MAX_BLOCKS) return NULL;   /* not where a block usually starts */
    r += idx;
  }
  r++;
  __builtin_prefetch(r, 1);
  __builtin_prefetch((const char *)(r + 1) - 1, 1);
  return r;
}

/* The record of the block whose user bytes hold a (the start, or inside), or NULL. */
struct hg_block *hg_blocks_containing(uintptr_t a);

#endif
