/* Randomized allocation with many sizes (deterministic seed): 200,000 operations over a
 * window of 10,000 slots, sizes log-distributed from 1 B to 256 KiB, every block filled
 * with a pattern derived from its slot and generation and verified in full before it is
 * freed.  Every 10,000 operations all live blocks are checked: no two overlap, and each
 * one's first and last bytes are intact (so a neighbour that was written over shows up).
 * Some operations use realloc, calloc and posix_memalign instead of malloc.
 */
#include "check.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 10000
#define OPS 200000
#define MAX_SIZE (256 << 10)

struct slot { unsigned char *p; size_t n; uint64_t seed; };
static struct slot slots[SLOTS];
static struct slot *order[SLOTS];

static uint64_t seed_of(size_t i, uint64_t gen) { return (uint64_t)i << 32 | gen; }

static int by_addr(const void *a, const void *b) {
  uintptr_t x = (uintptr_t)(*(struct slot *const *)a)->p;
  uintptr_t y = (uintptr_t)(*(struct slot *const *)b)->p;
  return x < y ? -1 : x > y;
}

static void audit(void) {
  size_t live = 0;
  for (size_t i = 0; i < SLOTS; i++)
    if (slots[i].p) {
      order[live++] = &slots[i];
      size_t bad = hg_verify_edges(slots[i].p, slots[i].n, slots[i].seed, 64);
      CHECKF(bad == (size_t)-1, "live block %zu (%p, %zu bytes) changed at offset %zu", i,
             (void *)slots[i].p, slots[i].n, bad);
    }
  qsort(order, live, sizeof order[0], by_addr);
  for (size_t k = 1; k < live; k++) {
    struct slot *a = order[k - 1], *b = order[k];
    /* an empty block still owns its address */
    size_t an = a->n ? a->n : 1;
    CHECKF(a->p + an <= b->p, "blocks overlap: %p+%zu and %p+%zu", (void *)a->p, a->n,
           (void *)b->p, b->n);
  }
}

int main(void) {
  hg_rng r = {0x5eed};
  uint64_t gen = 0;
  size_t ops_free = 0, ops_alloc = 0, ops_realloc = 0;
  for (long op = 0; op < OPS; op++) {
    size_t i = (size_t)hg_range(&r, 0, SLOTS - 1);
    struct slot *s = &slots[i];
    uint64_t kind = hg_next(&r) % 16;
    if (s->p && kind < 3) {
      /* realloc to a new size; the common prefix must survive */
      size_t n = hg_logsize(&r, 1, MAX_SIZE);
      unsigned char *q = realloc(s->p, n);
      if (!CHECKF(q != NULL, "realloc(%zu -> %zu)", s->n, n)) continue;
      size_t keep = n < s->n ? n : s->n;
      CHECKF(hg_verify(q, keep, s->seed) == (size_t)-1, "realloc %zu -> %zu lost contents", s->n,
             n);
      s->p = q;
      s->n = n;
      s->seed = seed_of(i, ++gen);
      hg_fill(q, n, s->seed);
      ops_realloc++;
    } else if (s->p) {
      size_t bad = hg_verify(s->p, s->n, s->seed);
      CHECKF(bad == (size_t)-1, "block %zu (%p, %zu bytes) changed at offset %zu before free", i,
             (void *)s->p, s->n, bad);
      free(s->p);
      s->p = NULL;
      ops_free++;
    } else {
      size_t n = hg_logsize(&r, 1, MAX_SIZE);
      unsigned char *p;
      if (kind == 0) {
        p = calloc(1, n);
        if (p) CHECKF(hg_is_zero(p, n), "calloc(1, %zu) not zeroed", n);
      } else if (kind == 1) {
        size_t align = (size_t)32 << hg_range(&r, 0, 8);
        void *a = NULL;
        p = posix_memalign(&a, align, n) == 0 ? a : NULL;
        if (p) CHECK_ALIGNED(p, align);
      } else {
        p = malloc(n);
      }
      if (!CHECKF(p != NULL, "allocating %zu bytes", n)) continue;
      CHECK_ALIGNED(p, 16);
      s->p = p;
      s->n = n;
      s->seed = seed_of(i, ++gen);
      hg_fill(p, n, s->seed);
      ops_alloc++;
    }
    if ((op + 1) % 10000 == 0) audit();
  }
  audit();
  for (size_t i = 0; i < SLOTS; i++)
    if (slots[i].p) {
      CHECK_PATTERN(slots[i].p, slots[i].n, slots[i].seed);
      free(slots[i].p);
    }
  fprintf(stderr, "%zu allocations, %zu frees, %zu reallocs\n", ops_alloc, ops_free, ops_realloc);
  return check_finish();
}
