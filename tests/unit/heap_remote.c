/* unit/heap_remote: heap.c's remote-free protocol, driven through malloc/free in the
 * unit build (so the heap and span internals can be inspected).
 *
 * Thread A (main) allocates 100,000 blocks of 48 bytes, writes a pattern into each
 * and hands them out one by one to threads B (even ones) and C (odd ones), which check
 * the pattern and free them concurrently; meanwhile A keeps allocating and freeing
 * 48-byte blocks of its own (a ring of 1024, each tagged and checked before it is
 * freed), so its slow path collects remote frees while B and C are still freeing into
 * the same spans.  Afterwards A mallocs and frees 10,000 more blocks (its slow path
 * collects what is left), and then:
 *   - every span that held a handed-out block is either back in the region (FREE) or a
 *     consistent SMALL span of A's: the block's slot free, no remote bits left, not
 *     queued, no remote free in flight, used == nblocks - popcount(free_bits);
 *   - A's heap: remote queue empty; every span in its current/partial lists is A's,
 *     of the right class, listed, with free slots (partial), lists well linked;
 *   - hg_region_stats: small_in_use is back to (near) its starting value, and the
 *     pages of spans emptied by remote frees went back to the region
 *     (small_span_bytes drops from its peak to near its starting value).
 * A second, deterministic round: A allocates 20,000 blocks first, then B and C free
 * them all while A does nothing: the spans A filled are claimed by the remote frees
 * that empty them (span.h, Claims), so small_span_bytes drops back to near the start
 * before A's next slow path, with only A's current span still A's (its slots in
 * remote_bits until A collects); after A mallocs again the consistency checks above
 * hold, and no claimed span's descriptor is left on A's zombie list.
 */
#include "check.h"

#include <pthread.h>
#include <sched.h>

#include "heap.h"
#include "region.h"
#include "sizeclass.h"
#include "span.h"

#define N 100000
#define SZ 48
#define RING 1024
#define MORE 10000
#define SLACK (64 * 1024)   /* libc's own small allocations (thread creation) */

static void *slots[N];
static _Atomic size_t produced;
static size_t nslots;   /* blocks in this round */

static void put_tag(void *p, uint64_t tag) {
  uint64_t *w = p;
  for (size_t i = 0; i < SZ / 8; i++) w[i] = tag ^ (i * 0x9E3779B97F4A7C15ull);
}

static int tag_ok(const void *p, uint64_t tag) {
  const uint64_t *w = p;
  for (size_t i = 0; i < SZ / 8; i++)
    if (w[i] != (tag ^ (i * 0x9E3779B97F4A7C15ull))) return 0;
  return 1;
}

static void *freer(void *arg) {
  size_t first = (size_t)(uintptr_t)arg;
  unsigned long bad = 0;
  for (size_t i = first; i < nslots; i += 2) {
    while (atomic_load_explicit(&produced, memory_order_acquire) <= i) sched_yield();
    void *p = slots[i];
    if (!tag_ok(p, i) && bad++ < 5)
      CHECKF(0, "handed-out block %zu at %p was overwritten before its remote free", i, p);
    free(p);
  }
  CHECKF(bad == 0, "thread %zu: %lu blocks overwritten", first, bad);
  return NULL;
}

static void *mine[MORE];

/* partial list of class c in heap h: well linked, A's spans with free slots */
static void check_heap(struct hg_heap *h) {
  CHECKF(atomic_load(&h->remote_queue) == NULL, "remote queue not empty after collection");
  CHECKF(h->zombies == NULL, "claimed spans' descriptors not recycled after collection");
  for (unsigned c = 0; c < HG_NCLASSES; c++) {
    struct hg_span *cur = h->cur[c];
    if (cur != &hg_span_empty) {
      CHECKF(cur->kind == HG_SPAN_SMALL && cur->owner == h && cur->cls == c,
             "class %u: current span %p is not a SMALL span of this heap's class", c, (void *)cur);
    }
    struct hg_span *prev = NULL;
    unsigned n = 0;
    for (struct hg_span *s = h->partial[c]; s; prev = s, s = s->next) {
      if (!CHECKF(++n < 100000, "class %u: partial list does not end", c)) break;
      CHECKF(s->prev == prev, "class %u: partial list back link broken", c);
      CHECKF(s->kind == HG_SPAN_SMALL && s->owner == h && s->cls == c && s->listed,
             "class %u: partial span %p: kind %u owner ok %d cls %u listed %u", c, (void *)s,
             s->kind, s->owner == h, s->cls, s->listed);
      CHECKF(s != cur, "class %u: the current span is also on the partial list", c);
      CHECKF(hg_span_used(s) < s->nblocks, "class %u: full span %p on the partial list", c, (void *)s);
    }
  }
}

/* a SMALL span's bookkeeping, with no other thread touching it */
static int span_consistent(const struct hg_span *s) {
  unsigned free_count = 0;
  int ok = 1;
  for (unsigned w = 0; w < HG_SPAN_WORDS; w++) {
    uint64_t fb = s->free_bits[w], rb = atomic_load(&s->remote_bits[w]);
    ok &= CHECKF(rb == 0, "span %p: remote bits %#lx left in word %u", (void *)s, (unsigned long)rb, w);
    if (w >= s->nwords) ok &= CHECKF(fb == 0, "span %p: free bits beyond nwords", (void *)s);
    else if (w + 1u == s->nwords && s->nblocks % 64)
      ok &= CHECKF((fb >> (s->nblocks % 64)) == 0, "span %p: free bits beyond nblocks", (void *)s);
    free_count += (unsigned)__builtin_popcountll(fb);
  }
  ok &= CHECKF(hg_span_used(s) == s->nblocks - free_count, "span %p: used %u, nblocks %zu, free bits %u",
               (void *)s, hg_span_used(s), s->nblocks, free_count);
  ok &= CHECKF(atomic_load(&s->remote_queued) == 0 && atomic_load(&s->remote_inflight) == 0,
               "span %p: queued %u inflight %u", (void *)s, atomic_load(&s->remote_queued),
               atomic_load(&s->remote_inflight));
  return ok;
}

/* A mallocs MORE blocks and frees them: its slow path collects the remote frees */
static void malloc_again(void) {
  unsigned long more_bad = 0;
  size_t got = 0;
  for (; got < MORE; got++) {
    mine[got] = malloc(SZ);
    if (!CHECK(mine[got] != NULL)) break;
    put_tag(mine[got], ~(uint64_t)got);
  }
  for (size_t i = 0; i < got; i++) {
    if (!tag_ok(mine[i], ~(uint64_t)i) && more_bad++ < 5) CHECKF(0, "block %zu overwritten", i);
    free(mine[i]);
  }
  CHECKF(more_bad == 0, "%lu blocks overwritten", more_bad);
}

/* after everything is freed and collected: stats back near the start, spans consistent */
static void check_after(const char *round, struct hg_heap *h, const struct hg_region_stats *st0) {
  struct hg_region_stats end;
  hg_region_stats(&end);
  fprintf(stderr, "%s: after collection small_in_use %zu, small_span_bytes %zu\n", round,
          end.small_in_use, end.small_span_bytes);
  CHECKF(end.small_in_use <= st0->small_in_use + SLACK,
         "%s: small_in_use %zu after everything was freed and collected (start %zu)", round,
         end.small_in_use, st0->small_in_use);
  CHECKF(end.small_span_bytes <= st0->small_span_bytes + SLACK,
         "%s: small_span_bytes %zu after everything was freed and collected (start %zu): "
         "spans emptied by remote frees were not returned to the region",
         round, end.small_span_bytes, st0->small_span_bytes);
  CHECK(end.free_bytes + end.small_span_bytes + end.medium_bytes ==
        end.brk_bytes + end.mmap_region_bytes);

  /* every span that held a handed-out block */
  size_t in_region = 0, released = 0, still_small = 0;
  for (size_t i = 0; i < nslots; i++) {
    struct hg_span *s = hg_pagemap_get(slots[i]);
    if (!s) { released++; continue; }   /* back in the region, then trimmed off the heap */
    if (s->kind == HG_SPAN_FREE) { in_region++; continue; }
    if (!CHECKF(s->kind == HG_SPAN_SMALL, "%s: block %zu's page is in a span of kind %u", round, i,
                s->kind))
      break;
    still_small++;
    if (s->bsize != SZ) continue;   /* the pages were reused for another class: fine */
    CHECKF(s->owner == h, "%s: block %zu's span belongs to another heap", round, i);
    size_t idx = (size_t)((char *)slots[i] - s->base) / SZ;
    CHECKF(s->free_bits[idx / 64] >> (idx % 64) & 1, "%s: block %zu (slot %zu) is not free", round,
           i, idx);
    if (!span_consistent(s)) break;
  }
  fprintf(stderr, "%s: pages of the handed-out blocks: %zu in free runs, %zu trimmed off, %zu in small spans\n",
          round, in_region, released, still_small);
  check_heap(h);
}

static void start_freers(pthread_t *b, pthread_t *c) {
  if (pthread_create(b, NULL, freer, (void *)(uintptr_t)0) != 0 ||
      pthread_create(c, NULL, freer, (void *)(uintptr_t)1) != 0)
    check_skip("pthread_create failed");
}

int main(void) {
  /* A's heap exists and the class table is built before the baseline */
  free(malloc(SZ));
  struct hg_heap *h = hg_tls_heap;
  if (!CHECK(h != &hg_heap_empty)) return check_finish();
  unsigned cls = hg_size_class(SZ);
  CHECK_EQU(hg_classes[cls].size, SZ);

  /* ---- round 1: hand-off while A keeps allocating and freeing ---- */
  struct hg_region_stats st0, mid;
  hg_region_stats(&st0);
  nslots = N;
  atomic_store(&produced, 0);
  pthread_t b, c;
  start_freers(&b, &c);

  static void *ring[RING];
  static uint64_t ring_tag[RING];
  unsigned long ring_bad = 0;
  size_t peak_spans = 0;
  for (size_t i = 0; i < N; i++) {
    void *p = malloc(SZ);
    if (!CHECK(p != NULL)) abort();   /* B and C would wait for it forever */
    put_tag(p, i);
    slots[i] = p;
    atomic_store_explicit(&produced, i + 1, memory_order_release);
    /* A's own churn on the same size class */
    size_t k = i % RING;
    if (ring[k]) {
      if (!tag_ok(ring[k], ring_tag[k]) && ring_bad++ < 5)
        CHECKF(0, "A's block %p (ring slot %zu) was overwritten", ring[k], k);
      free(ring[k]);
    }
    ring[k] = malloc(SZ);
    if (!CHECK(ring[k] != NULL)) abort();
    ring_tag[k] = ((uint64_t)1 << 63) | i;
    put_tag(ring[k], ring_tag[k]);
    if (i % 4096 == 0) {
      hg_region_stats(&mid);
      if (mid.small_span_bytes > peak_spans) peak_spans = mid.small_span_bytes;
    }
  }
  for (size_t k = 0; k < RING; k++) {
    if (!tag_ok(ring[k], ring_tag[k]) && ring_bad++ < 5) CHECKF(0, "A's block %p overwritten", ring[k]);
    free(ring[k]);
  }
  CHECKF(ring_bad == 0, "%lu of A's blocks were overwritten", ring_bad);
  pthread_join(b, NULL);
  pthread_join(c, NULL);
  hg_region_stats(&mid);
  fprintf(stderr, "round 1: start small_in_use %zu small_span_bytes %zu; peak small_span_bytes %zu; "
          "after the remote frees small_in_use %zu small_span_bytes %zu\n",
          st0.small_in_use, st0.small_span_bytes, peak_spans, mid.small_in_use, mid.small_span_bytes);
  malloc_again();
  check_after("round 1", h, &st0);

  /* ---- round 2: all blocks allocated first, then freed remotely ---- */
  const size_t n2 = 20000;
  hg_region_stats(&st0);
  nslots = n2;
  atomic_store(&produced, 0);
  for (size_t i = 0; i < n2; i++) {
    slots[i] = malloc(SZ);
    if (!CHECK(slots[i] != NULL)) abort();
    put_tag(slots[i], i);
  }
  struct hg_region_stats full;
  hg_region_stats(&full);
  CHECKF(full.small_in_use >= st0.small_in_use + n2 * SZ, "small_in_use %zu with %zu blocks live (start %zu)",
         full.small_in_use, n2, st0.small_in_use);
  CHECK(full.small_span_bytes >= full.small_in_use);
  start_freers(&b, &c);
  atomic_store_explicit(&produced, n2, memory_order_release);
  pthread_join(b, NULL);
  pthread_join(c, NULL);
  /* Not collected yet, but A left every span it filled (all but its current one) and
   * B and C freed all their blocks: the remote frees claimed those spans and gave their
   * pages back to the region (span.h, Claims).  Only A's current span is still A's
   * (never claimed), its slots in remote_bits until A collects. */
  hg_region_stats(&mid);
  fprintf(stderr, "round 2: full small_span_bytes %zu; after the remote frees, before A's collection %zu\n",
          full.small_span_bytes, mid.small_span_bytes);
  size_t span_bytes = hg_classes[cls].npages * (size_t)HG_PAGE;
  CHECKF(mid.small_span_bytes <= st0.small_span_bytes + span_bytes + SLACK,
         "small_span_bytes %zu after remote frees emptied A's spans (start %zu): not claimed",
         mid.small_span_bytes, st0.small_span_bytes);
  CHECKF(mid.small_in_use <= st0.small_in_use + span_bytes + SLACK,
         "small_in_use %zu after remote frees (start %zu)", mid.small_in_use, st0.small_in_use);
  CHECKF(atomic_load(&h->remote_queue) != NULL, "remote frees queued no span on A's heap");
  {
    /* every block's pages are in a free run (its span claimed), or its slot is in the
     * remote bits of A's current span, not in its free bits */
    unsigned long wrong = 0;
    size_t claimed = 0;
    for (size_t i = 0; i < n2; i++) {
      struct hg_span *s = hg_pagemap_get(slots[i]);
      if (s == &hg_pagemap_free_page || (s && s->kind == HG_SPAN_FREE)) {
        claimed++;
        continue;
      }
      if (!s || s->kind != HG_SPAN_SMALL || s->owner == NULL) {
        if (wrong++ < 5) CHECKF(0, "block %zu: its page is in neither a free run nor a span of A's", i);
        continue;
      }
      size_t idx = (size_t)((char *)slots[i] - s->base) / SZ;
      uint64_t m = (uint64_t)1 << (idx % 64);
      if ((s != h->cur[cls] || (atomic_load(&s->remote_bits[idx / 64]) & m) == 0 ||
           (s->free_bits[idx / 64] & m) || !atomic_load(&s->remote_queued)) && wrong++ < 5)
        CHECKF(0, "block %zu: current span %d, remote bit %d, free bit %d, span queued %u", i,
               s == h->cur[cls], (atomic_load(&s->remote_bits[idx / 64]) & m) != 0,
               (s->free_bits[idx / 64] & m) != 0, atomic_load(&s->remote_queued));
    }
    CHECKF(wrong == 0, "%lu blocks in the wrong state after their remote free", wrong);
    CHECKF(claimed + hg_classes[cls].nblocks >= n2, "only %zu of %zu blocks' spans were claimed", claimed, n2);
  }
  malloc_again();
  check_after("round 2", h, &st0);
  return check_finish();
}
