/* blocks.c — check mode's table of blocks (see blocks.h).
 *
 * Records live in chunks of CHUNK_RECORDS (the first ones smaller: blocks.h), mmap'd
 * and never moved, grouped in arrays:
 * one array per span that holds check mode's slots (a small span's nblocks records,
 * indexed by slot number; one for a medium span), found from the span descriptor
 * (span->check_records), itself found through the page map.  Finding a block's record
 * is then one page map lookup and one index, with no hashing: the record of a slot
 * sits beside those of its neighbours, and a lookup touches one cache line of records.
 *
 * Each array starts with a header record (slot 0, so iteration skips it): `size` is
 * the number of records after it, `raw` how many of them are in use, `user_hidden`
 * its span (NULL: a guarded slot's; in a free array, the next free array); a record's
 * `index` leads back to the header, so erasing needs no lookup.  When none is
 * left in use the array leaves its span (which the heap may then give back to the
 * region, and its descriptor be recycled) for a free list of arrays of its length.
 *
 * Guard mode's slots are mappings of their own that the page map does not know: each
 * gets an array of one, found by slot address in a small open-addressing hash table. */
#include "blocks.h"

#include <string.h>

#include "guard.h"
#include "os.h"
#include "pagemap.h"
#include "span.h"

#define CHUNK_SHIFT   HG_BLOCKS_CHUNK_SHIFT
#define CHUNK_RECORDS ((size_t)1 << CHUNK_SHIFT)   /* 3 MiB of records; the first ones smaller */
#define MAX_CHUNKS    4096                          /* 268 M records */
_Static_assert(2 * (HG_SPAN_MAX_BLOCKS + 1) <= (size_t)1 << HG_BLOCKS_FIRST_SHIFT,
               "an array and the slack fit in the smallest chunk");

struct hg_block *hg_blocks_chunks[MAX_CHUNKS];
#define chunks hg_blocks_chunks
static size_t nchunks, chunk_used;   /* records used in the last chunk */
size_t hg_blocks_live;               /* records in use */
size_t hg_blocks_inserted;           /* records ever added (hg_blocks_inserts) */

/* Free arrays, by length: the head of a list linked through the header's user_hidden
 * (a record pointer; 0 ends it).  Lengths are a small set: the size classes' slot
 * counts, and 1. */
#define FREE_LISTS 128
static struct { size_t len; struct hg_block *head; } free_lists[FREE_LISTS];

/* No chunk can be mapped (out of memory or address space): the shortest free array
 * longer than len, which keeps its own length (its header's size: it goes back to its
 * own list) and leaves its last records unused.  Without it, a program that had
 * millions of small blocks, all freed, could get no block of another size class under
 * a limit: the records sat in free arrays of that class's length, and the next chunk
 * could not be mapped.  NULL if there is none. */
static struct hg_block *array_longer(size_t len) {
  unsigned best = FREE_LISTS;
  for (unsigned k = 0; k < FREE_LISTS && free_lists[k].len; k++)
    if (free_lists[k].len > len && free_lists[k].head &&
        (best == FREE_LISTS || free_lists[k].len < free_lists[best].len))
      best = k;
  if (best == FREE_LISTS) return NULL;
  struct hg_block *a = free_lists[best].head;
  free_lists[best].head = (struct hg_block *)a->user_hidden;
  a->user_hidden = 0;
  return a;
}

/* Check and guard modes (hg_os_populating): the last chunk's records are carved in
 * order and written as their slots are, so once POPULATE_AHEAD of records are in use
 * (a program past its first few thousand blocks), the chunk's pages are faulted in
 * that far ahead, in one call rather than a fault each (a quarantine full of small
 * blocks holds 27 MiB of records).  Up to populated, the last chunk's are. */
#define POPULATE_AHEAD (256 * HG_KiB)
static uintptr_t populated;

/* For the records [start, end) just carved from the last chunk. */
static void populate_records(uintptr_t start, uintptr_t end) {
  if (end <= populated || hg_blocks_live * sizeof(struct hg_block) < POPULATE_AHEAD) return;
  uintptr_t chunk_end = (uintptr_t)(chunks[nchunks - 1] + hg_blocks_chunk_records(nchunks - 1));
  uintptr_t from = start & ~(uintptr_t)(HG_PAGE - 1);
  if (from < populated) from = populated;
  uintptr_t to = hg_align_up(end, HG_PAGE) + POPULATE_AHEAD;
  if (to > chunk_end) to = chunk_end;
  hg_os_populate((void *)from, to - from);
  populated = to;
}

static struct hg_block *array_new(size_t len) {
  unsigned k;
  for (k = 0; k < FREE_LISTS && free_lists[k].len; k++) {
    if (free_lists[k].len != len) continue;
    struct hg_block *a = free_lists[k].head;
    if (a) {
      free_lists[k].head = (struct hg_block *)a->user_hidden;
      a->user_hidden = 0;
      return a;
    }
    break;
  }
  /* (A chunk keeps HG_SPAN_MAX_BLOCKS + 1 records unused at its end: a record
   * hg_blocks_prefetch computes from a span read without the lock, at most that far
   * past its array's start, is then always mapped memory.) */
  if (nchunks == 0 || chunk_used + len + 1 + HG_SPAN_MAX_BLOCKS + 1 > hg_blocks_chunk_records(nchunks - 1)) {
    /* (Check and guard modes: a chunk of 3 MiB aligned holds a whole huge page.) */
    size_t bytes = hg_blocks_chunk_records(nchunks) * sizeof(struct hg_block);
    struct hg_block *c = nchunks >= MAX_CHUNKS ? NULL
                         : hg_os_huge_on && bytes >= HG_HUGE_PAGE ? hg_os_map_aligned(bytes, HG_HUGE_PAGE)
                         : hg_os_map(bytes);
    if (!c) return array_longer(len);
    if (hg_os_huge_on) hg_os_huge_pages(c, bytes);
    chunks[nchunks++] = c;
    chunk_used = 0;
    populated = 0;   /* (in the last chunk) */
  }
  struct hg_block *a = &chunks[nchunks - 1][chunk_used];
  chunk_used += len + 1;
  if (hg_os_populating) populate_records((uintptr_t)a, (uintptr_t)&a[len + 1]);
  a->size = len;   /* fresh mappings are zero: every record is empty */
  return a;
}

static void array_delete(struct hg_block *a) {
  unsigned k;
  for (k = 0; k < FREE_LISTS && free_lists[k].len && free_lists[k].len != a->size; k++) {}
  if (k == FREE_LISTS) return;   /* cannot happen (the lengths are few); the array is lost */
  free_lists[k].len = a->size;
  a->user_hidden = (uintptr_t)free_lists[k].head;
  free_lists[k].head = a;
}

/* ---- guarded slots: slot -> array of one ------------------------------------------------ */

struct guarded { uintptr_t slot; struct hg_block *array; };
static struct guarded *gtable;
static size_t gcap, gcount;   /* gcap: a power of two, or 0 */

static size_t ghome(uintptr_t slot) {
  return (size_t)(((slot >> HG_PAGE_SHIFT) * 0x9e3779b97f4a7c15u) >> 20) & (gcap - 1);
}

static struct guarded *gfind(uintptr_t slot) {
  if (!gcap) return NULL;
  for (size_t i = ghome(slot);; i = (i + 1) & (gcap - 1)) {
    if (gtable[i].slot == slot) return &gtable[i];
    if (gtable[i].slot == 0) return NULL;
  }
}

static bool ginsert(uintptr_t slot, struct hg_block *array) {
  if ((gcount + 1) * 2 > gcap) {   /* load <= 1/2 */
    size_t new_cap = gcap ? gcap * 2 : 1024;
    struct guarded *t = hg_os_map(new_cap * sizeof *t);
    if (!t) return false;
    struct guarded *old = gtable;
    size_t old_cap = gcap;
    gtable = t;
    gcap = new_cap;
    for (size_t i = 0; i < old_cap; i++) {
      if (!old[i].slot) continue;
      size_t j = ghome(old[i].slot);
      while (gtable[j].slot) j = (j + 1) & (gcap - 1);
      gtable[j] = old[i];
    }
    if (old) hg_os_unmap(old, old_cap * sizeof *old);
  }
  size_t i = ghome(slot);
  while (gtable[i].slot) i = (i + 1) & (gcap - 1);
  gtable[i] = (struct guarded){ slot, array };
  gcount++;
  return true;
}

/* Backward-shift deletion: no tombstones, so lookups stay short. */
static void gerase(const struct guarded *e) {
  size_t i = (size_t)(e - gtable);
  for (size_t j = (i + 1) & (gcap - 1); gtable[j].slot; j = (j + 1) & (gcap - 1)) {
    size_t h = ghome(gtable[j].slot);
    bool stays = (i <= j) ? (i < h && h <= j) : (i < h || h <= j);
    if (!stays) {
      gtable[i] = gtable[j];
      i = j;
    }
  }
  gtable[i] = (struct guarded){ 0, NULL };
  gcount--;
}

/* ---- records ------------------------------------------------------------------------------ */

size_t hg_blocks_user_offset;

/* The number of the slot of SMALL span s that address a is in (>= nblocks: none).
 * Without a division when a is where a block usually starts, hg_blocks_user_offset
 * into its slot (slots are larger than that offset). */
static inline size_t slot_index(const struct hg_span *s, uintptr_t a) {
  size_t off = a - (uintptr_t)s->base, idx = hg_span_slot(s, off - hg_blocks_user_offset);
  return idx < s->nblocks ? idx : off / s->bsize;
}

/* The span of check mode's memory that slot starts a slot of, and the slot's number in
 * it; NULL if slot is not such a start (or not in the page map). */
static struct hg_span *span_of(uintptr_t slot, size_t *idx) {
  struct hg_span *s = hg_pagemap_get((const void *)slot);
  if (!s) return NULL;
  if (s->kind == HG_SPAN_SMALL) {
    *idx = hg_span_slot(s, slot - (uintptr_t)s->base);
    return *idx < s->nblocks ? s : NULL;
  }
  if (s->kind == HG_SPAN_MEDIUM && slot == (uintptr_t)s->base) {
    *idx = 0;
    return s;
  }
  return NULL;
}

struct hg_block *hg_blocks_find(uintptr_t slot) {
  size_t idx;
  struct hg_span *s = span_of(slot, &idx);
  struct hg_block *r;
  if (s) {
    if (!s->check_records) return NULL;
    r = &s->check_records[1 + idx];
  } else {
    struct guarded *e = gfind(slot);
    if (!e) return NULL;
    r = &e->array[1];
  }
  return r->slot == slot ? r : NULL;
}

/* hg_blocks_insert's other cases (any will do): a slot of a span without records yet,
 * a medium span's, a guarded one. */
struct hg_block *hg_blocks_insert_slow(uintptr_t slot, struct hg_span *span) {
  size_t idx = 0;
  struct hg_span *s = span;
  if (s && s->kind == HG_SPAN_SMALL) idx = hg_span_slot(s, slot - (uintptr_t)s->base);
  if (!s || idx >= s->nblocks) s = span_of(slot, &idx);
  struct hg_block *a;
  if (s) {
    a = s->check_records;
    if (!a) {
      a = array_new(s->kind == HG_SPAN_SMALL ? s->nblocks : 1);
      if (!a) return NULL;
      s->check_records = a;
    }
  } else {
    idx = 0;
    a = array_new(1);
    if (!a) return NULL;
    if (!ginsert(slot, a)) {
      array_delete(a);
      return NULL;
    }
  }
  a->user_hidden = (uintptr_t)s;
  return hg_blocks_take(a, idx, slot);
}

/* hg_blocks_erase's path for the last record of its array (any record will do). */
struct hg_span *hg_blocks_erase_last(struct hg_block *b) {
  struct hg_block *a = b - b->index;
  struct hg_span *s = (struct hg_span *)a->user_hidden;
  uintptr_t slot = b->slot;
  memset(b, 0, sizeof *b);
  hg_blocks_live--;
  if (--a->raw) return s;
  if (s) s->check_records = NULL;   /* the span may now go back to the region */
  else gerase(gfind(slot));
  a->user_hidden = 0;
  array_delete(a);
  return s;
}

size_t hg_blocks_count(void) { return hg_blocks_live; }
size_t hg_blocks_inserts(void) { return hg_blocks_inserted; }
/* (The last chunk is used up to chunk_used: arrays are carved from it in turn.) */
size_t hg_blocks_capacity(void) { return nchunks ? hg_blocks_chunk_start(nchunks - 1) + chunk_used : 0; }

void hg_blocks_array(size_t i, size_t *next, uintptr_t *lo, uintptr_t *hi) {
  const struct hg_block *a = hg_blocks_at(i);
  const struct hg_span *s = (const struct hg_span *)a->user_hidden;
  *next = i + 1 + a->size;
  *lo = *hi = 0;
  if (!a->raw) return;   /* free (user_hidden: the next free array), or a chunk's tail */
  if (!s) {
    *hi = UINTPTR_MAX;
  } else {
    *lo = s->start;
    *hi = s->start + (s->npages << HG_PAGE_SHIFT);
  }
}

size_t hg_blocks_number(const struct hg_block *b) {
  for (size_t k = nchunks; k-- > 0;) {
    size_t i = ((uintptr_t)b - (uintptr_t)chunks[k]) / sizeof *b;
    if (i < hg_blocks_chunk_records(k)) return hg_blocks_chunk_start(k) + i;
  }
  return 0;   /* not a record: cannot happen */
}

/* The guarded slots' hash table counts too: it holds each slot's address, which is its
 * block's own address when the block's size is a multiple of the page (the block then
 * starts at its slot's page), so read as a root it made every such block reachable. */
bool hg_blocks_holds(uintptr_t a) {
  if (gtable && a - (uintptr_t)gtable < gcap * sizeof *gtable) return true;
  for (size_t k = 0; k < nchunks; k++)
    if (a - (uintptr_t)chunks[k] < hg_blocks_chunk_records(k) * sizeof(struct hg_block)) return true;
  return false;
}

uintptr_t hg_blocks_slot_of(uintptr_t a) {
  struct hg_span *s = hg_pagemap_get((const void *)a);
  if (!s) return hg_guard_slot_of(a);   /* guard mode's slots are mappings of their own */
  if (s->kind == HG_SPAN_SMALL) {
    size_t idx = slot_index(s, a);
    return idx < s->nblocks ? (uintptr_t)s->base + idx * s->bsize : 0;
  }
  if (s->kind == HG_SPAN_MEDIUM) return (uintptr_t)s->base;
  return 0;
}

struct hg_block *hg_blocks_lookup(uintptr_t a, uintptr_t *slot) {
  struct hg_span *s = hg_pagemap_get((const void *)a);
  struct hg_block *r;
  *slot = 0;
  if (!s) {
    uintptr_t g = hg_guard_slot_of(a);
    struct guarded *e = g ? gfind(g) : NULL;
    *slot = g;
    if (!e) return NULL;
    r = &e->array[1];
  } else if (s->kind == HG_SPAN_SMALL) {
    size_t idx = slot_index(s, a);
    if (idx >= s->nblocks) return NULL;
    *slot = (uintptr_t)s->base + idx * s->bsize;
    if (!s->check_records) return NULL;
    r = &s->check_records[1 + idx];
  } else if (s->kind == HG_SPAN_MEDIUM) {
    *slot = (uintptr_t)s->base;
    if (!s->check_records) return NULL;
    r = &s->check_records[1];
  } else {
    return NULL;
  }
  return r->slot == *slot ? r : NULL;
}

/* Without the lock the span may be changing (only for a pointer that is no live
 * block): its check_records is then NULL or some array (arrays are never unmapped) and
 * nblocks at most HG_SPAN_MAX_BLOCKS, so the record returned is in a chunk, mapped
 * (array_new leaves that much at a chunk's end), whatever it holds. */
struct hg_block *hg_blocks_prefetch(uintptr_t a) { return hg_blocks_prefetch_in(hg_pagemap_get((const void *)a), a); }

struct hg_block *hg_blocks_containing(uintptr_t a) {
  uintptr_t slot;
  struct hg_block *b = hg_blocks_lookup(a, &slot);
  if (!b) return NULL;
  uintptr_t user = hg_block_user(b);
  if (a < user || a >= user + (b->size ? b->size : 1)) return NULL;
  return b;
}
