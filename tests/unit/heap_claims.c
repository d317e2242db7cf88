/* unit/heap_claims: spans claimed by remote frees (span.h, Claims), step by step, with
 * the heap and span internals inspected between the steps.  The main thread (A) owns
 * the spans; a helper thread (B) does the remote frees it is told to, one batch at a
 * time, while A waits.  Blocks are 48 bytes (341 to a span).
 *
 *   unlisted   A fills spans and leaves them (full, unlisted); B frees every block of
 *              one: the span is claimed at once, while A does nothing (its pages are a
 *              free run, its descriptor HG_OWNER_CLAIMED and on A's remote queue); A's
 *              next refill collects it and recycles the descriptor.
 *   partial    A frees a few blocks of a full span itself (it goes on the partial list)
 *              and B the rest: claimed while listed; A's collection unlinks it.
 *   current    B frees every block of A's current span: never claimed (A may be
 *              allocating from it); A's refill collects the slots and allocates there.
 *   make_current  a claimed span at the head of A's partial list when A's current span
 *              runs out, its remote queue entry held back (as when the claim comes
 *              after A's collection): the refill skips it and keeps its descriptor on
 *              the zombie list while it is still queued; once the queue entry is back,
 *              the next collection recycles it.
 *   pending    the same with a claim being decided (owner word owner|REMOTE|CLAIM,
 *              set by hand): the refill skips the span and leaves it unlisted; when the
 *              claim fails (owner|REMOTE back), A's collection lists it again.
 *   requeue    A collects a span whose claim is being decided: it queues it again
 *              without touching it; after the claim fails the next collection drains it.
 *   stale      a full span queued again after its bits were collected (a remote free
 *              queues it after the owner cleared remote_queued, and the owner's drain
 *              takes its bit): the next collection finds nothing and leaves it unlisted
 *              (a partial span must have a free slot); A's next free in it lists it.
 *   recycle    2000 rounds of fill, claim, collect: the descriptors are recycled (the
 *              metadata mapped does not grow).
 *   race       300 rounds: B frees 4000 of A's blocks while A allocates and frees blocks
 *              of the same class (so A drains spans while B's frees tag and queue
 *              them); after the round A collects, and every span of A's (a region
 *              walk) has its owner word bare (a tag left with nothing queued would keep
 *              the span from ever being released) and a used count that matches its
 *              bitmaps.
 * After each step A's lists are checked: well linked, A's spans only, no zombies left.
 */
#include "check.h"

#include <pthread.h>
#include <sched.h>

#include "heap.h"
#include "meta.h"
#include "pagemap.h"
#include "region.h"
#include "sizeclass.h"
#include "span.h"

#define SZ 48
#define MAXB 8192

static void *blocks[MAXB];   /* A's blocks, in allocation order */
static size_t nblocks_;
static unsigned cls;
static struct hg_heap *h;

/* ---- B: frees what it is given ---- */
static void **todo;
static size_t ntodo;
static _Atomic int go, done_, quit;

static void *freer(void *arg) {
  (void)arg;
  for (;;) {
    while (!atomic_load(&go)) {
      if (atomic_load(&quit)) return NULL;
      sched_yield();
    }
    atomic_store(&go, 0);
    for (size_t i = 0; i < ntodo; i++) free(todo[i]);
    atomic_store(&done_, 1);
  }
}

static void remote_free_all(void **v, size_t n) {
  todo = v;
  ntodo = n;
  atomic_store(&done_, 0);
  atomic_store(&go, 1);
  while (!atomic_load(&done_)) sched_yield();
}

static void remote_free1(void *p) { remote_free_all(&p, 1); }

static uintptr_t owner_word(const struct hg_span *s) { return (uintptr_t)__atomic_load_n(&s->owner, __ATOMIC_SEQ_CST); }
static void set_owner_word(struct hg_span *s, uintptr_t v) { __atomic_store_n(&s->owner, (struct hg_heap *)v, __ATOMIC_SEQ_CST); }

static int in_partial(const struct hg_span *s) {
  for (struct hg_span *p = h->partial[cls]; p; p = p->next)
    if (p == s) return 1;
  return 0;
}

static int queued_on_a(const struct hg_span *s) {
  for (struct hg_span *q = atomic_load(&h->remote_queue); q; q = atomic_load(&q->remote_next))
    if (q == s) return 1;
  return 0;
}

static int on_zombies(const struct hg_span *s) {
  for (struct hg_span *z = h->zombies; z; z = z->next)
    if (z == s) return 1;
  return 0;
}

/* A's lists: well linked, A's live spans only; no zombie left (when none is expected) */
static void check_lists(const char *step, int zombies_ok) {
  for (unsigned c = 0; c < HG_NCLASSES; c++) {
    struct hg_span *cur = h->cur[c], *prev = NULL;
    if (cur != &hg_span_empty)
      CHECKF(cur->kind == HG_SPAN_SMALL && hg_span_owner(cur) == h && atomic_load(&cur->current),
             "%s: class %u: current span not A's, or not marked current", step, c);
    unsigned n = 0;
    for (struct hg_span *s = h->partial[c]; s; prev = s, s = s->next) {
      if (!CHECKF(++n < 100000, "%s: partial list does not end", step)) break;
      CHECKF(s->prev == prev, "%s: class %u: back link broken", step, c);
      CHECKF(s->kind == HG_SPAN_SMALL && hg_span_owner(s) == h && s->listed && s->cls == c && s != cur &&
                 !atomic_load(&s->current) && hg_span_used(s) < s->nblocks,
             "%s: class %u: partial span %p: kind %u owner %#lx listed %u", step, c, (void *)s, s->kind,
             (unsigned long)owner_word(s), s->listed);
    }
  }
  if (!zombies_ok) CHECKF(h->zombies == NULL, "%s: descriptors left on the zombie list", step);
}

/* A takes a block through its slow path (so it collects), and gives it back */
static void collect(void) { free(hg_heap_refill(h, SZ)); }

/* A allocates until its current span runs out and returns it (full, unlisted): every
 * block of it is in blocks[] (the first one, which may hold libc's blocks, is used up
 * before the steps) */
static struct hg_span *full_span(void) {
  struct hg_span *s = h->cur[cls];
  while (h->cur[cls] == s && nblocks_ < MAXB) {
    void *p = malloc(SZ);
    if (!CHECK(p != NULL)) abort();
    blocks[nblocks_++] = p;
  }
  CHECK(s != h->cur[cls] && !s->listed && hg_span_used(s) == s->nblocks);
  return s;
}

/* the blocks of blocks[] in span s */
static size_t blocks_of(const struct hg_span *s, void **out) {
  size_t n = 0;
  for (size_t i = 0; i < nblocks_; i++)
    if (blocks[i] && hg_pagemap_get(blocks[i]) == s) out[n++] = blocks[i];
  return n;
}

static void forget(void **v, size_t n) {   /* those blocks are freed now */
  for (size_t k = 0; k < n; k++)
    for (size_t i = 0; i < nblocks_; i++)
      if (blocks[i] == v[k]) blocks[i] = NULL;
}

static void *span_blocks[HG_SPAN_MAX_BLOCKS];

/* race: a span of A's after A collected, nothing in flight: a bare owner word, no
 * remote bits, used matching the bitmap (counted in race_bad; no output inside the
 * walk, which holds the region lock) */
static unsigned long race_bad;
static void race_visit(void *ctx, const struct hg_span *s) {
  (void)ctx;
  if (s->kind != HG_SPAN_SMALL || hg_span_owner(s) != h) return;
  unsigned nfree = 0;
  int bits_left = 0;
  for (unsigned w = 0; w < s->nwords; w++) {
    nfree += (unsigned)__builtin_popcountll(s->free_bits[w]);
    bits_left |= atomic_load(&s->remote_bits[w]) != 0;
  }
  if (owner_word(s) != (uintptr_t)h || bits_left || hg_span_used(s) != s->nblocks - nfree ||
      atomic_load(&s->remote_queued))
    race_bad++;
}

/* The pages of s are in a free run: s was claimed. */
static int pages_released(const struct hg_span *s) {
  struct hg_span *now = hg_pagemap_get((void *)s->start);
  return now == &hg_pagemap_free_page || (now && now->kind == HG_SPAN_FREE);
}

int main(void) {
  free(malloc(SZ));
  h = hg_tls_heap;
  if (!CHECK(h != &hg_heap_empty)) return check_finish();
  cls = hg_size_class(SZ);
  CHECK_EQU(hg_classes[cls].size, SZ);
  pthread_t b;
  if (pthread_create(&b, NULL, freer, NULL)) check_skip("pthread_create failed");
  full_span();   /* the first span may hold libc's blocks */

  /* ---- unlisted ---- */
  {
    struct hg_span *s = full_span();
    size_t n = blocks_of(s, span_blocks);
    CHECK_EQU(n, s->nblocks);
    struct hg_region_stats st0, st1;
    hg_region_stats(&st0);
    remote_free_all(span_blocks, n);
    forget(span_blocks, n);
    hg_region_stats(&st1);
    CHECKF(owner_word(s) == HG_OWNER_CLAIMED, "unlisted: owner word %#lx after every block was freed remotely",
           (unsigned long)owner_word(s));
    CHECK(pages_released(s));
    CHECK_EQU(st1.small_span_bytes + hg_span_bytes(s), st0.small_span_bytes);
    CHECK(queued_on_a(s));
    CHECK(atomic_load(&s->remote_inflight) == 0);
    collect();
    CHECK(atomic_load(&h->remote_queue) == NULL);
    CHECK(s->kind == HG_SPAN_DEAD);   /* recycled (until the next span takes it) */
    check_lists("unlisted", 0);
  }

  /* ---- partial ---- */
  {
    struct hg_span *s = full_span();
    size_t n = blocks_of(s, span_blocks);
    for (size_t i = 0; i < 5; i++) free(span_blocks[i]);   /* A's own frees: listed */
    CHECK(s->listed && in_partial(s));
    remote_free_all(span_blocks + 5, n - 5);
    forget(span_blocks, n);
    CHECK(owner_word(s) == HG_OWNER_CLAIMED && pages_released(s));
    CHECK(in_partial(s));   /* until A collects */
    collect();
    CHECK(!in_partial(s) && s->kind == HG_SPAN_DEAD);
    check_lists("partial", 0);
  }

  /* ---- current ---- */
  {
    struct hg_span *cur = h->cur[cls];
    size_t n = blocks_of(cur, span_blocks);
    CHECK(n > 0);
    remote_free_all(span_blocks, n);
    forget(span_blocks, n);
    CHECK(hg_pagemap_get(span_blocks[0]) == cur);
    CHECKF((owner_word(cur) & ~HG_OWNER_TAGS) == (uintptr_t)h && !(owner_word(cur) & HG_OWNER_CLAIM),
           "current: owner word %#lx", (unsigned long)owner_word(cur));
    collect();
    CHECK(h->cur[cls] == cur && atomic_load(&cur->remote_bits[0]) == 0);
    check_lists("current", 0);
  }

  /* ---- make_current ---- */
  {
    struct hg_span *s = full_span();
    size_t n = blocks_of(s, span_blocks);
    free(span_blocks[0]);   /* listed: the head of the partial list */
    CHECK(h->partial[cls] == s);
    remote_free_all(span_blocks + 1, n - 1);
    forget(span_blocks, n);
    CHECK(owner_word(s) == HG_OWNER_CLAIMED);
    /* hold the queue back, as if the claim came after A's last collection */
    struct hg_span *held = atomic_exchange(&h->remote_queue, NULL);
    CHECK(held != NULL);
    full_span();   /* run A's current span out: the refill meets s first */
    CHECK(h->cur[cls] != s && !in_partial(s));
    CHECK(on_zombies(s) && s->zombie && !s->listed);
    check_lists("make_current (held)", 1);
    /* the queue entry comes back: the next collection recycles s */
    for (struct hg_span *q = held, *next; q; q = next) {
      next = atomic_load(&q->remote_next);
      struct hg_span *head = atomic_load(&h->remote_queue);
      atomic_store(&q->remote_next, head);
      atomic_store(&h->remote_queue, q);
    }
    collect();
    CHECK(h->zombies == NULL && s->kind == HG_SPAN_DEAD);
    check_lists("make_current", 0);
  }

  /* ---- pending ---- */
  {
    struct hg_span *s = full_span();
    CHECK_EQU(blocks_of(s, span_blocks), s->nblocks);
    for (size_t i = 0; i < 3; i++) free(span_blocks[i]);   /* partial head */
    CHECK(h->partial[cls] == s);
    remote_free1(span_blocks[3]);   /* tagged and queued, not empty */
    forget(span_blocks, 4);
    CHECK(owner_word(s) == ((uintptr_t)h | HG_OWNER_REMOTE));
    struct hg_span *held = atomic_exchange(&h->remote_queue, NULL);
    CHECK(held == s);
    set_owner_word(s, (uintptr_t)h | HG_OWNER_REMOTE | HG_OWNER_CLAIM);   /* a claim being decided */
    full_span();
    CHECK(h->cur[cls] != s && !in_partial(s) && !s->listed && !s->zombie && !atomic_load(&s->current));
    set_owner_word(s, (uintptr_t)h | HG_OWNER_REMOTE);   /* the claim failed */
    atomic_store(&h->remote_queue, held);
    collect();
    CHECK(owner_word(s) == (uintptr_t)h && s->listed && in_partial(s));
    CHECK(atomic_load(&s->remote_bits[0]) == 0 && hg_span_used(s) == s->nblocks - 4);
    check_lists("pending", 0);
  }

  /* ---- requeue ---- */
  {
    struct hg_span *s = full_span();
    blocks_of(s, span_blocks);
    remote_free1(span_blocks[0]);
    forget(span_blocks, 1);
    CHECK(atomic_load(&h->remote_queue) == s);
    set_owner_word(s, (uintptr_t)h | HG_OWNER_REMOTE | HG_OWNER_CLAIM);
    collect();
    CHECK(atomic_load(&h->remote_queue) == s && atomic_load(&s->remote_queued) == 1);
    CHECK(owner_word(s) == ((uintptr_t)h | HG_OWNER_REMOTE | HG_OWNER_CLAIM));
    CHECK(atomic_load(&s->remote_bits[0]) != 0 && !s->listed);
    set_owner_word(s, (uintptr_t)h | HG_OWNER_REMOTE);
    collect();
    CHECK(atomic_load(&h->remote_queue) == NULL && owner_word(s) == (uintptr_t)h && s->listed);
    CHECK(atomic_load(&s->remote_bits[0]) == 0);
    check_lists("requeue", 0);
  }

  /* ---- stale ---- */
  {
    struct hg_span *s = full_span();
    CHECK_EQU(blocks_of(s, span_blocks), s->nblocks);
    set_owner_word(s, (uintptr_t)h | HG_OWNER_REMOTE);
    atomic_store(&s->remote_queued, 1);
    atomic_store(&s->remote_next, atomic_load(&h->remote_queue));
    atomic_store(&h->remote_queue, s);
    collect();
    CHECK(owner_word(s) == (uintptr_t)h && !s->listed && !in_partial(s) && hg_span_used(s) == s->nblocks);
    check_lists("stale", 0);
    free(span_blocks[7]);
    forget(span_blocks + 7, 1);
    CHECK(s->listed && in_partial(s) && hg_span_used(s) == s->nblocks - 1);
    check_lists("stale, freed", 0);
  }

  /* ---- recycle ---- */
  {
    size_t meta0 = hg_meta_bytes_mapped();
    for (int round = 0; round < 2000; round++) {
      struct hg_span *s = full_span();
      size_t n = blocks_of(s, span_blocks);
      remote_free_all(span_blocks, n);
      forget(span_blocks, n);
      if (!CHECK(owner_word(s) == HG_OWNER_CLAIMED)) break;
      collect();
      if (nblocks_ > MAXB - 2 * HG_SPAN_MAX_BLOCKS) {   /* compact blocks[] */
        size_t k = 0;
        for (size_t i = 0; i < nblocks_; i++)
          if (blocks[i]) blocks[k++] = blocks[i];
        nblocks_ = k;
      }
    }
    CHECKF(hg_meta_bytes_mapped() <= meta0 + 256 * 1024, "metadata grew from %zu to %zu bytes over 2000 claims",
           meta0, hg_meta_bytes_mapped());
    check_lists("recycle", 0);
  }

  /* ---- race ---- */
  {
    static void *mine[4000], *ring[256];
    for (int round = 0; round < 300; round++) {
      for (size_t i = 0; i < 4000; i++) {
        mine[i] = malloc(SZ);
        if (!CHECK(mine[i] != NULL)) abort();
      }
      todo = mine;
      ntodo = 4000;
      atomic_store(&done_, 0);
      atomic_store(&go, 1);
      for (unsigned k = 0; !atomic_load(&done_); k++) {   /* A churns while B frees */
        void **slot = &ring[k % 256];
        free(*slot);
        *slot = malloc(SZ);
      }
      for (unsigned k = 0; k < 256; k++) {
        free(ring[k]);
        ring[k] = NULL;
      }
      collect();
      struct hg_region_stats st;
      race_bad = 0;
      hg_region_walk(&st, false, race_visit, NULL);
      if (!CHECKF(race_bad == 0, "race: round %d: %lu spans of A's in a bad state after collection", round, race_bad)) break;
    }
    check_lists("race", 0);
  }

  atomic_store(&quit, 1);
  pthread_join(b, NULL);
  for (size_t i = 0; i < nblocks_; i++) free(blocks[i]);
  collect();
  check_lists("end", 0);
  return check_finish();
}
