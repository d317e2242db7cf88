// expect-signal: SIGABRT
// expect-stderr: heapguard: double free of 0x[0-9a-f]+
/* Thread A fills spans with 48-byte blocks and waits; thread B frees all of them (the
 * remote frees that empty a span give its pages back to the region at once: span.h,
 * Claims); then thread C, neither the owner nor the first freer, frees one of them
 * again while A is still alive and idle: still a double free. */
#include "check.h"

#include <pthread.h>

#pragma GCC diagnostic ignored "-Wuse-after-free"

#define N 2000

static void *blocks[N];
static pthread_barrier_t filled, finished;

static void *thread_a(void *arg) {
  (void)arg;
  for (int i = 0; i < N; i++) {
    blocks[i] = malloc(48);
    if (!blocks[i]) abort();
    memset(blocks[i], 2, 48);
  }
  pthread_barrier_wait(&filled);
  pthread_barrier_wait(&finished);   /* idle until the end */
  return NULL;
}

static void *thread_b(void *arg) {
  (void)arg;
  for (int i = 0; i < N; i++) free(blocks[i]);
  return NULL;
}

static void *thread_c(void *arg) {
  (void)arg;
  free(blocks[N / 3]);
  return NULL;
}

int main(void) {
  pthread_barrier_init(&filled, NULL, 2);
  pthread_barrier_init(&finished, NULL, 2);
  pthread_t a, b, c;
  if (pthread_create(&a, NULL, thread_a, NULL)) return 1;
  pthread_barrier_wait(&filled);
  if (pthread_create(&b, NULL, thread_b, NULL) || pthread_join(b, NULL)) return 1;
  if (pthread_create(&c, NULL, thread_c, NULL) || pthread_join(c, NULL)) return 1;
  fprintf(stderr, "survived a double free\n");
  pthread_barrier_wait(&finished);
  pthread_join(a, NULL);
  return 1;
}
