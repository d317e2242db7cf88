/* Cross-thread frees: 8 threads each allocate blocks (8 B..64 KiB, log-distributed, a
 * deterministic generator per thread), fill them with a pattern encoding (thread,
 * sequence), and push them onto a shared mutex-protected ring; the threads also pop
 * blocks (mostly made by others), verify the pattern and free them.  About 1,000,000
 * operations in all, or 5 seconds, whichever comes first.
 */
#include "check.h"

#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define THREADS 8
#define TOTAL_OPS 1000000
#define RING 4096
#define MAX_SECONDS 5.0

struct item { unsigned char *p; size_t n; uint64_t tag; };

static struct item ring[RING];
static size_t head, tail; /* items in [tail, head) */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int stop;
static double t0;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t tag_of(int thread, uint64_t seq) { return (uint64_t)thread << 48 | seq; }

static void check_item(const struct item *it) {
  /* the first word records the tag itself, so a swapped block is told apart from a
     corrupted one */
  uint64_t first = 0;
  if (it->n >= 8) __builtin_memcpy(&first, it->p, 8);
  if (it->n >= 8)
    CHECKF(first == it->tag, "block %p from thread %d seq %llu holds tag of thread %d seq %llu",
           (void *)it->p, (int)(it->tag >> 48), (unsigned long long)(it->tag & 0xffffffffffff),
           (int)(first >> 48), (unsigned long long)(first & 0xffffffffffff));
  size_t off = it->n >= 8 ? 8 : 0;
  size_t bad = hg_verify(it->p + off, it->n - off, it->tag);
  CHECKF(bad == (size_t)-1, "block %p (%zu bytes) from thread %d changed at offset %zu",
         (void *)it->p, it->n, (int)(it->tag >> 48), bad + off);
}

static void *worker(void *arg) {
  int id = (int)(intptr_t)arg;
  hg_rng r = {0x1000 + (uint64_t)id};
  uint64_t seq = 0;
  long ops = 0;
  struct item local[8];
  int nlocal = 0;
  while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
    for (int k = 0; k < 256; k++, ops++) {
      if (hg_next(&r) % 2 == 0) {
        /* produce */
        struct item it;
        it.n = hg_logsize(&r, 8, 64 << 10);
        it.tag = tag_of(id, seq++);
        it.p = malloc(it.n);
        if (!CHECKF(it.p != NULL, "malloc(%zu)", it.n)) continue;
        CHECK_ALIGNED(it.p, 16);
        __builtin_memcpy(it.p, &it.tag, 8);
        hg_fill(it.p + 8, it.n - 8, it.tag);
        pthread_mutex_lock(&lock);
        int pushed = head - tail < RING;
        if (pushed) ring[head++ % RING] = it;
        pthread_mutex_unlock(&lock);
        if (!pushed) { /* ring full: keep it for a while, free it ourselves later */
          if (nlocal == 8) {
            check_item(&local[0]);
            free(local[0].p);
            local[0] = local[--nlocal];
          }
          local[nlocal++] = it;
        }
      } else {
        /* consume */
        struct item it;
        pthread_mutex_lock(&lock);
        int got = head != tail;
        if (got) it = ring[tail++ % RING];
        pthread_mutex_unlock(&lock);
        if (!got) continue;
        check_item(&it);
        free(it.p);
      }
    }
    if (id == 0 && now() - t0 > MAX_SECONDS) /* thread 0 keeps time for everybody */
      __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    static long total;
    if (__atomic_add_fetch(&total, 256, __ATOMIC_RELAXED) >= TOTAL_OPS)
      __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
  }
  for (int k = 0; k < nlocal; k++) {
    check_item(&local[k]);
    free(local[k].p);
  }
  return (void *)ops;
}

int main(void) {
  pthread_t th[THREADS];
  t0 = now();
  for (int i = 0; i < THREADS; i++)
    CHECK_EQ(pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i), 0);
  long ops = 0;
  for (int i = 0; i < THREADS; i++) {
    void *res;
    CHECK_EQ(pthread_join(th[i], &res), 0);
    ops += (long)res;
  }
  /* drain what is left, from the main thread */
  size_t left = head - tail;
  while (tail != head) {
    struct item *it = &ring[tail++ % RING];
    check_item(it);
    free(it->p);
  }
  fprintf(stderr, "%ld operations in %.2f s, %zu blocks left for main to free\n", ops, now() - t0,
          left);
  return check_finish();
}
