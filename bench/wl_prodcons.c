/* wl_prodcons.c — workload 3: producer/consumer, cross-thread frees.
 *
 * Models a pipeline stage or a work queue: one thread allocates messages (16..512 B,
 * log-distributed, filled with a header), pushes them through a bounded single-producer
 * single-consumer ring of 1024 slots, and another thread reads and frees them.  Every
 * free is a "remote" free of a block another thread allocated: allocators with
 * thread-local heaps must route it back to the owner (an atomic list), and the owner
 * must collect it, or memory piles up on the consumer's side.  With --threads N there are
 * N independent producer/consumer pairs (2N threads).
 *
 *   --ops N      messages per pair           (default 2500000, smoke 50000)
 *   --size N     ring capacity (power of 2)  (default 1024)
 *   --threads N  producer/consumer pairs     (default 1)
 */
#include "wl_common.h"

#include <sched.h>

typedef struct {
  _Alignas(64) _Atomic unsigned long head; /* written by the producer */
  _Alignas(64) _Atomic unsigned long tail; /* written by the consumer */
  _Alignas(64) unsigned char **slots;
  unsigned long mask;
  long ops;
  uint64_t seed;
  uint64_t check;
} queue;

static void spin(unsigned *n) {
  if (++*n > 64) { sched_yield(); *n = 0; }
  else __asm__ volatile("pause");
}

static void *producer(void *arg) {
  queue *q = arg;
  wl_rng r;
  wl_rng_init(&r, q->seed);
  for (long i = 0; i < q->ops; i++) {
    size_t n = wl_logsize(&r, 16, 512);
    unsigned char *m = wl_xmalloc(n);
    memcpy(m, &n, sizeof n); /* header: the length */
    m[n - 1] = (unsigned char)i;
    unsigned long h = atomic_load_explicit(&q->head, memory_order_relaxed);
    unsigned w = 0;
    while (h - atomic_load_explicit(&q->tail, memory_order_acquire) > q->mask) spin(&w);
    q->slots[h & q->mask] = m;
    atomic_store_explicit(&q->head, h + 1, memory_order_release);
  }
  return NULL;
}

static void *consumer(void *arg) {
  queue *q = arg;
  uint64_t check = 0;
  for (long i = 0; i < q->ops; i++) {
    unsigned long t = atomic_load_explicit(&q->tail, memory_order_relaxed);
    unsigned w = 0;
    while (atomic_load_explicit(&q->head, memory_order_acquire) == t) spin(&w);
    unsigned char *m = q->slots[t & q->mask];
    atomic_store_explicit(&q->tail, t + 1, memory_order_release);
    size_t n;
    memcpy(&n, m, sizeof n);
    check += n + m[n - 1];
    free(m);
  }
  q->check = check;
  return NULL;
}

int main(int argc, char **argv) {
  wl_args a;
  wl_parse(argc, argv, &a, (wl_args){ 2500000, 1024, 1, 3, 0 }, (wl_args){ 50000, 1024, 1, 3, 1 },
           "producer/consumer pairs: one thread allocates, the other frees");
  unsigned long cap = 2;
  while (cap < (unsigned long)a.size) cap <<= 1;
  int np = a.threads;
  queue *qs = aligned_alloc(64, sizeof(queue) * (size_t)np);
  pthread_t tids[2 * np];
  double t0 = wl_now();
  for (int p = 0; p < np; p++) {
    memset(&qs[p], 0, sizeof qs[p]);
    qs[p].slots = calloc(cap, sizeof(unsigned char *));
    qs[p].mask = cap - 1;
    qs[p].ops = a.ops;
    qs[p].seed = a.seed * 1000 + (uint64_t)p;
    pthread_create(&tids[2 * p], NULL, producer, &qs[p]);
    pthread_create(&tids[2 * p + 1], NULL, consumer, &qs[p]);
  }
  wl_join_threads(2 * np, tids);
  uint64_t check = 0;
  for (int p = 0; p < np; p++) {
    check += qs[p].check;
    free(qs[p].slots);
  }
  free(qs);
  printf("RESULT wl=prodcons check=%llx ops=%ld ring=%lu pairs=%d secs=%.3f rss_end_kb=%ld\n",
         (unsigned long long)check, a.ops, cap, np, wl_now() - t0, wl_rss_kb());
  return 0;
}
