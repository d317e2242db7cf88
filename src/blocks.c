/* blocks.c — check mode's table of blocks (see blocks.h). */
#include "blocks.h"

#include <string.h>

#include "guard.h"
#include "os.h"
#include "pagemap.h"
#include "span.h"

static struct hg_block *table;
static size_t capacity, count;   /* capacity: a power of two, or 0 */

/* Neighbouring slots get neighbouring entries (within 16 MiB of address space the
 * entry is the slot's 16-byte index, xor a constant), so the records of one span share
 * cache lines and a table far bigger than the cache is walked, not jumped around;
 * the high address bits are hashed so distant areas do not pile onto the same entries.
 * Slots are at least 48 bytes apart (two redzones and a byte), so a dense span fills
 * at most a third of its stretch of the table. */
static size_t home(uintptr_t slot) {
  uintptr_t high = (slot >> 24) * 0x9e3779b97f4a7c15u;
  return (size_t)((slot >> 4) ^ (high >> 24)) & (capacity - 1);
}

struct hg_block *hg_blocks_find(uintptr_t slot) {
  if (!capacity) return NULL;
  for (size_t i = home(slot);; i = (i + 1) & (capacity - 1)) {
    if (table[i].slot == slot) return &table[i];
    if (table[i].slot == 0) return NULL;
  }
}

static bool grow(void) {
  size_t new_cap = capacity ? capacity * 2 : 4096;
  struct hg_block *new_table = hg_os_map(new_cap * sizeof *new_table);
  if (!new_table) return false;
  struct hg_block *old = table;
  size_t old_cap = capacity;
  table = new_table;
  capacity = new_cap;
  for (size_t i = 0; i < old_cap; i++) {
    if (!old[i].slot) continue;
    size_t j = home(old[i].slot);
    while (table[j].slot) j = (j + 1) & (capacity - 1);
    table[j] = old[i];
  }
  if (old) hg_os_unmap(old, old_cap * sizeof *old);
  return true;
}

struct hg_block *hg_blocks_insert(uintptr_t slot) {
  if ((count + 1) * 2 > capacity && !grow()) return NULL;   /* load <= 1/2 */
  size_t i = home(slot);
  while (table[i].slot) i = (i + 1) & (capacity - 1);
  memset(&table[i], 0, sizeof table[i]);
  table[i].slot = slot;
  count++;
  return &table[i];
}

/* Backward-shift deletion: no tombstones, so lookups stay short. */
void hg_blocks_erase(struct hg_block *b) {
  size_t i = (size_t)(b - table);
  for (size_t j = (i + 1) & (capacity - 1); table[j].slot; j = (j + 1) & (capacity - 1)) {
    size_t h = home(table[j].slot);
    /* Move j into the hole at i if its home is not in (i, j] cyclically. */
    bool stays = (i <= j) ? (i < h && h <= j) : (i < h || h <= j);
    if (!stays) {
      table[i] = table[j];
      i = j;
    }
  }
  memset(&table[i], 0, sizeof table[i]);
  count--;
}

size_t hg_blocks_count(void) { return count; }
size_t hg_blocks_capacity(void) { return capacity; }
struct hg_block *hg_blocks_at(size_t i) { return &table[i]; }

uintptr_t hg_blocks_slot_of(uintptr_t a) {
  struct hg_span *s = hg_pagemap_get((const void *)a);
  if (!s) return hg_guard_slot_of(a);   /* guard mode's slots are mappings of their own */
  if (s->kind == HG_SPAN_SMALL) {
    size_t idx = (a - (uintptr_t)s->base) / s->bsize;
    return idx < s->nblocks ? (uintptr_t)s->base + idx * s->bsize : 0;
  }
  if (s->kind == HG_SPAN_MEDIUM) return (uintptr_t)s->base;
  return 0;
}

struct hg_block *hg_blocks_containing(uintptr_t a) {
  uintptr_t slot = hg_blocks_slot_of(a);
  if (!slot) return NULL;
  struct hg_block *b = hg_blocks_find(slot);
  if (!b) return NULL;
  uintptr_t user = hg_block_user(b);
  if (a < user || a >= user + (b->size ? b->size : 1)) return NULL;
  return b;
}
